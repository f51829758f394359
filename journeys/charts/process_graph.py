"""The directly-follows graph of an event log drawn as a process map, and the top variants as chains.

:func:`dfg_chart` draws a :class:`journeys.discover.DFG` top to bottom, the way process-mining
tools do: activities are boxes in rows, the busiest path runs straight down, and each edge is as
wide (and as dark) as the number of times one activity directly followed the other, labelled with
that count. A green *start* circle leads to the activities cases begin with; activities cases end
with say so in their box ("■ 2,399 end"). An activity followed by itself gets a "↻ N" badge.

The layout (:func:`dfg_layout`) is a layered drawing in three steps, with NetworkX for the graph work:

1. **Cycles broken by a depth-first walk** from the start activities, most cases first, following
   the busiest edges first: an edge back to an activity still on the walk's path is a *back edge*
   (a loop, a retry). What remains is acyclic.
2. **Layers by longest path** (:func:`networkx.topological_generations` of that acyclic graph): an
   activity sits one row below the lowest activity leading to it, so every forward edge points
   down. A layer wider than ``max_per_row`` boxes is split over several rows.
3. **Order and position in a row** by the barycentre heuristic (a few sweeps down and up, each
   activity pulled to the frequency-weighted mean position of its neighbours), then each row placed
   as close to those means as boxes one slot apart allow — an isotonic fit, so the busiest path
   stays straight.

Forward edges leave a box at its bottom and enter the next at its top, bending round any box in
their way; back edges leave and enter on the right, bowed out to the right. Every geometric value
is in data units (x in slots, y in rows), so the drawing scales with the container's width; only
the row height is fixed in pixels (:data:`ROW_PX`). Readable at 50 activities: at most
``max_per_row`` boxes a row, labels wrapped to two lines and cut to the box on screen, counts on the
``max_labels`` busiest edges only (every edge has its numbers in the tooltip), and the
``max_edges`` busiest edges drawn (the caption says how many were left out).

:func:`variant_chains` draws the most frequent variants, one row each: the case count and coverage
on the left, the activities as a chain of boxes left to right (an activity has one colour in every
row, so shared stretches are seen at a glance).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, cast

import altair as alt
import networkx as nx
import numpy as np
import pandas as pd

from journeys.charts import style

ROW_PX = 94  # pixels between two rows of boxes
BOX_W = 0.86  # box width in slots (a slot is the horizontal room of one box)
BOX_H_PX = 52
BOX_H = BOX_H_PX / ROW_PX  # box height in rows
MIN_SLOTS = 5  # the drawing is at least this many slots wide, so a narrow graph's boxes stay box-sized
MAX_PER_ROW = 6
MAX_EDGES = 160
MAX_LABELS = 70
LABEL_CHARS = 40  # an activity name is cut to this many characters before wrapping (the tooltip has it whole)
WRAP_CHARS = 20  # the longest line a label is wrapped to (on a narrow drawing: fewer, see _wrap_chars)
NOMINAL_PX = 1050  # the chart width labels are wrapped for (a wide Streamlit page; narrower ones cut with "…")
START_Y = -0.9  # the start circle's row (above the first row of boxes)
CURVE_POINTS = 9  # per vertical piece of a curve (one piece a row it passes)
MIN_WIDTH, MAX_WIDTH = 1.2, 10.0
EDGE_LIGHT, EDGE_DARK = "#a9bccf", "#1d3f63"
START_COLOUR = "#2e7d32"
END_COLOUR = "#37474f"
BOX_FILL_LIGHT, BOX_FILL_DARK = "#f3f6fa", "#bcd3ea"
BOX_STROKE = "#4e79a7"
LOOP_FONT = "DejaVu Sans, Verdana, sans-serif"  # "↻" is missing from some sans fonts


@dataclass(frozen=True)
class DfgLayout:
    """Where each activity sits: ``nodes`` has ``activity``, ``layer``, ``row``, ``x`` (slots, centred on 0).

    ``back_edges`` are the edges drawn upwards (loops); ``rows`` the number of rows of boxes,
    ``slots`` the drawing's width in slots, ``bends`` where each long forward edge passes the rows
    between its ends.
    """

    nodes: pd.DataFrame
    back_edges: frozenset[tuple[str, str]]
    rows: int
    slots: int
    bends: dict[tuple[str, str], list[tuple[float, float]]]  # (x, row) where a long edge passes a row

    def position(self) -> dict[str, tuple[float, float]]:
        return {a: (float(x), float(r)) for a, x, r in zip(self.nodes["activity"], self.nodes["x"], self.nodes["row"],
                                                            strict=True)}


# --- layout ------------------------------------------------------------------------------------------------


def _weighted_graph(graph: Any, max_edges: int | None = None) -> nx.DiGraph:
    """The DFG without self-loops (they get badges), edges weighted by frequency: the ``max_edges`` busiest."""
    g: nx.DiGraph[str] = nx.DiGraph()
    for a, n in zip(graph.activities["activity"], graph.activities["events"], strict=True):
        g.add_node(str(a), events=int(n))
    edges = graph.edges[graph.edges["source"] != graph.edges["target"]]
    if max_edges is not None:
        edges = edges.head(max(0, int(max_edges)))
    for s, t, n in zip(edges["source"], edges["target"], edges["frequency"], strict=True):
        g.add_edge(str(s), str(t), weight=int(n))
    return g


def _busiest_first(g: nx.DiGraph, nodes: Iterable[str]) -> list[str]:
    """Activities by events, most first (ties by name), so every phase breaks ties the same way."""
    return sorted(nodes, key=lambda a: (-g.nodes[a]["events"], a))


def back_edges(g: nx.DiGraph, starts: Sequence[str]) -> set[tuple[str, str]]:
    """Edges closing a cycle in a depth-first walk from ``starts``, busiest edges first (see the module doc)."""
    def successors(node: str) -> list[str]:
        return sorted(g.successors(node), key=lambda t: (-g.edges[node, t]["weight"], t))

    roots = [s for s in starts if s in g] + _busiest_first(g, g.nodes)
    state: dict[str, int] = {}  # 1: on the walk's path, 2: done
    found: set[tuple[str, str]] = set()
    for root in roots:
        if root in state:
            continue
        state[root] = 1
        stack = [(root, iter(successors(root)))]
        while stack:
            node, rest = stack[-1]
            nxt = next(rest, None)
            if nxt is None:
                state[node] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                found.add((node, nxt))
            elif nxt not in state:
                state[nxt] = 1
                stack.append((nxt, iter(successors(nxt))))
    return found


def _isotonic(values: list[float]) -> list[float]:
    """The non-decreasing sequence closest to ``values`` in least squares (pool adjacent violators)."""
    blocks: list[list[float]] = []  # [mean, count]
    for v in values:
        blocks.append([v, 1.0])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            m2, n2 = blocks.pop()
            m1, n1 = blocks.pop()
            blocks.append([(m1 * n1 + m2 * n2) / (n1 + n2), n1 + n2])
    out: list[float] = []
    for mean, count in blocks:
        out += [mean] * int(count)
    return out


def _place(desired: list[float], widths: list[float], lo: float, hi: float) -> list[float]:
    """Centres in the given order, neighbours at least their half-widths apart, the row within [lo, hi],
    as close to ``desired`` as possible in least squares (an isotonic fit of ``desired`` less the offsets)."""
    offsets = [0.0]
    for left, right in itertools.pairwise(widths):
        offsets.append(offsets[-1] + (left + right) / 2)
    shifted = _isotonic([d - o for d, o in zip(desired, offsets, strict=True)])
    first, last = lo + widths[0] / 2, hi - widths[-1] / 2 - offsets[-1]
    top = max(first, last)
    return [round(min(max(q, first), top) + o, 4) for q, o in zip(shifted, offsets, strict=True)]


DUMMY_W = 0.3  # the room a long edge takes where it passes a row (in slots)
BARYCENTRE_SWEEPS = 8  # ordering sweeps within rows (down, up, down …)
PLACING_SWEEPS = 6  # placing sweeps (down, up, down …)


def _acyclic(g: nx.DiGraph, back: set[tuple[str, str]]) -> nx.DiGraph:
    """Phase 1's result: ``g`` without its back edges, which is what the layers are computed on."""
    dag: nx.DiGraph[str] = nx.DiGraph()
    dag.add_nodes_from(g.nodes(data=True))
    dag.add_edges_from((s, t, d) for s, t, d in g.edges(data=True) if (s, t) not in back)
    return dag


def _split_rows(layers: list[list[str]], max_per_row: int) -> tuple[list[list[Any]], dict[str, int]]:
    """Phase 2's rows: a layer wider than ``max_per_row`` boxes continues on the next row(s).

    Returns the rows (lists the later phases extend with bends) and each activity's layer.
    """
    rows: list[list[Any]] = []
    layer_of: dict[str, int] = {}
    for k, layer in enumerate(layers):
        for at in range(0, len(layer), max_per_row):
            rows.append(list(layer[at:at + max_per_row]))
        layer_of.update({a: k for a in layer})
    return rows, layer_of


def _add_bends(dag: nx.DiGraph, rows: list[list[Any]], row_of: dict[Any, int]
               ) -> tuple[nx.DiGraph, dict[tuple[str, str], list[Any]]]:
    """A proper layered graph: a long edge passes each row in between at a bend, a ``(source, target, row)``
    dummy node, so the ordering and placing treat it like a narrow box and it runs between boxes.

    Appends the bends to ``rows`` and ``row_of``; returns the graph of activities and bends, and each
    edge's bends in order.
    """
    h: nx.DiGraph[Any] = nx.DiGraph()
    h.add_nodes_from(list(row_of))
    bends: dict[tuple[str, str], list[Any]] = {}
    for s, t, d in dag.edges(data=True):
        chain: list[Any] = [s]
        for r in range(row_of[s] + 1, row_of[t]):
            dummy = (s, t, r)
            rows[r].append(dummy)
            row_of[dummy] = r
            chain.append(dummy)
        chain.append(t)
        bends[(s, t)] = chain[1:-1]
        for u, v in itertools.pairwise(chain):
            h.add_edge(u, v, weight=d["weight"])
    return h, bends


def _slot_width(node: Any) -> float:
    """A box is one slot wide; a bend (a tuple) only :data:`DUMMY_W`."""
    return DUMMY_W if isinstance(node, tuple) else 1.0


def _centred(row: list[Any]) -> dict[Any, float]:
    """Positions 0, 1, 2 … of a row's nodes, shifted so the row is centred on 0."""
    return {a: i - (len(row) - 1) / 2 for i, a in enumerate(row)}


def _sweep(n_rows: int, down: bool, first: int) -> range:
    """The rows a sweep visits: from row ``first`` downwards, or from the matching row upwards."""
    return range(first, n_rows) if down else range(n_rows - 1 - first, -1, -1)


def _weighted_mean(near: Any, at: dict[Any, float], default: float) -> float:
    """The frequency-weighted mean of the neighbours' positions (``default`` when there are none)."""
    total = sum(d["weight"] for d in near.values())
    return sum(at[b] * d["weight"] for b, d in near.items()) / total if total else default


def _order_rows(rows: list[list[Any]], h: nx.DiGraph, g: nx.DiGraph) -> dict[Any, float]:
    """Phase 3a: the order within rows by barycentre sweeps down and up (rows are sorted in place).

    Each node is pulled to the weighted mean index of its neighbours in the row above (sweeping down)
    or below (sweeping up); ties put busier activities first. Returns the centred index of each node.
    """
    index = {a: i for row in rows for a, i in _centred(row).items()}
    for sweep in range(BARYCENTRE_SWEEPS):
        down = sweep % 2 == 0
        for r in _sweep(len(rows), down, first=1):
            def key(a: Any, down: bool = down) -> tuple[float, int]:
                near = h.pred[a] if down else h.succ[a]
                return (_weighted_mean(near, index, index[a]), 0 if isinstance(a, tuple) else -g.nodes[a]["events"])
            rows[r] = sorted(rows[r], key=key)
            index.update(_centred(rows[r]))
    return index


def _place_rows(rows: list[list[Any]], h: nx.DiGraph, index: dict[Any, float], slots: int) -> dict[Any, float]:
    """Phase 3b: each row placed as close as boxes allow to the weighted mean position of its neighbours.

    Sweeping down a node follows its predecessors (all its neighbours when it has none); sweeping up,
    all its neighbours. Returns each node's x, in slots centred on 0.
    """
    lo, hi = -slots / 2, slots / 2
    x = dict(index)
    for sweep in range(PLACING_SWEEPS):
        down = sweep % 2 == 0
        for r in _sweep(len(rows), down, first=0):
            desired = []
            for a in rows[r]:
                near = dict(h.pred[a]) if down else {}
                if not near:
                    near = {**h.pred[a], **h.succ[a]}
                desired.append(_weighted_mean(near, x, x[a]))
            x.update(zip(rows[r], _place(desired, [_slot_width(a) for a in rows[r]], lo, hi), strict=True))
    return x


def dfg_layout(graph: Any, max_per_row: int = MAX_PER_ROW, max_edges: int | None = MAX_EDGES) -> DfgLayout:
    """Rows and positions of a DFG's activities, and the bends of long edges (see the module docstring).

    A forward edge spanning several rows passes each row in between at a *bend* that takes part in
    the ordering and the placing like a narrow box, so long edges run between boxes, not through
    them. Only the ``max_edges`` busiest edges (those drawn) shape the layout. Deterministic.
    """
    g = _weighted_graph(graph, max_edges)
    if g.number_of_nodes() == 0:
        return DfgLayout(pd.DataFrame(columns=["activity", "layer", "row", "x"]), frozenset(), 0, MIN_SLOTS, {})
    back = back_edges(g, [str(a) for a in graph.starts["activity"]])
    dag = _acyclic(g, back)
    layers = [_busiest_first(g, gen) for gen in nx.topological_generations(dag)]
    rows, layer_of = _split_rows(layers, max(1, int(max_per_row)))
    row_of: dict[Any, int] = {a: r for r, row in enumerate(rows) for a in row}
    activities = list(row_of)
    h, bends = _add_bends(dag, rows, row_of)
    index = _order_rows(rows, h, g)
    slots = max(MIN_SLOTS, math.ceil(max(sum(_slot_width(a) for a in row) for row in rows)))
    x = _place_rows(rows, h, index, slots)
    nodes = pd.DataFrame({"activity": activities, "layer": [layer_of[a] for a in activities],
                          "row": [row_of[a] for a in activities], "x": [x[a] for a in activities]})
    routes = {edge: [(x[d], float(row_of[d])) for d in chain] for edge, chain in bends.items() if chain}
    return DfgLayout(nodes, frozenset(back), len(rows), slots, routes)


# --- geometry ---------------------------------------------------------------------------------------------


def _bezier(p0: tuple[float, float], p1: tuple[float, float], p2: tuple[float, float], p3: tuple[float, float],
            n: int = CURVE_POINTS) -> np.ndarray:
    t = np.linspace(0.0, 1.0, n)[:, None]
    a, b, c, d = (np.array(p, dtype=float) for p in (p0, p1, p2, p3))
    return (1 - t) ** 3 * a + 3 * (1 - t) ** 2 * t * b + 3 * (1 - t) * t ** 2 * c + t ** 3 * d


def _forward_curve(xs: float, rs: float, xt: float, rt: float, bends: Sequence[tuple[float, float]] = ()
                   ) -> tuple[np.ndarray, np.ndarray]:
    """A downward curve from the bottom of one box, through its bends, to the top of another.

    Vertical S-shaped pieces between consecutive points; returns (curve points, label point: the
    middle of the first piece, in the gap below the source row).
    """
    first = bends[0][0] if bends else xt
    last = bends[-1][0] if bends else xs
    start = (xs + float(np.clip((first - xs) * 0.15, -0.25, 0.25)), rs + BOX_H / 2)
    end = (xt - float(np.clip((xt - last) * 0.15, -0.25, 0.25)), rt - BOX_H / 2)
    through = [start, *bends, end]
    pieces: list[np.ndarray] = []
    for (x0, y0), (x1, y1) in itertools.pairwise(through):
        dy = (y1 - y0) / 2
        pieces.append(_bezier((x0, y0), (x0, y0 + dy), (x1, y1 - dy), (x1, y1))[(1 if pieces else 0):])
    curve = np.vstack(pieces)
    label = pieces[0][len(pieces[0]) // 2] if len(through) > 2 else curve[len(curve) // 2]
    return curve, label


def _back_curve(xs: float, rs: float, xt: float, rt: float, k: int) -> np.ndarray:
    """An upward bow out of one box's side into the other's (``k`` spreads several into one box).

    It bows on the left when the source sits left of the target, else on the right, so it passes
    no box between the two.
    """
    sign = -1.0 if xs < xt - 0.01 else 1.0
    side = sign * BOX_W / 2
    span = max(1.0, rs - rt)
    outer = min(xs, xt) if sign < 0 else max(xs, xt)
    bow = outer + side + sign * (0.18 + 0.07 * min(span, 6) + 0.05 * k)
    start = (xs + side, rs - 0.08)
    end = (xt + side, rt + 0.08 + 0.05 * (k % 3))
    return _bezier(start, (bow, rs - 0.15 * span), (bow, rt + 0.15 * span), end)


def _declutter(edges: list[dict[str, Any]], dx: float = 0.3, dy: float = 0.16) -> None:
    """Blank the count label of an edge whose label would sit on a busier edge's (the tooltip keeps it)."""
    kept: list[tuple[float, float]] = []
    for e in edges:  # busiest first
        if not e["label"]:
            continue
        if any(abs(e["lx"] - x) < dx and abs(e["ly"] - y) < dy for x, y in kept):
            e["label"] = ""
        else:
            kept.append((e["lx"], e["ly"]))


def _width(n: int, top: int) -> float:
    return round(MIN_WIDTH + (MAX_WIDTH - MIN_WIDTH) * math.sqrt(n / max(top, n, 1)), 2)


def _duration(seconds: float) -> str:
    if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)):
        return "–"
    s = float(seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if s >= size:
            value = s / size
            return f"{value:.1f} {unit}" if value < 10 else f"{value:.0f} {unit}"
    return f"{s:.0f} s"


def _wrap_chars(slots: int) -> int:
    """Characters a box holds per line when the drawing is ``slots`` wide at :data:`NOMINAL_PX`."""
    box_px = NOMINAL_PX / (slots + 0.9) * BOX_W - 10
    return int(min(WRAP_CHARS, max(10, box_px / style.text_width("x", 11.5))))


def _label(text: str, width: int = WRAP_CHARS) -> str:
    return style.wrap_two_lines(style.truncate(style.clean(text), LABEL_CHARS), width=width)


# --- the chart ----------------------------------------------------------------------------------------------


def dfg_frames(graph: Any, *, max_per_row: int = MAX_PER_ROW, max_edges: int = MAX_EDGES,
               max_labels: int = MAX_LABELS) -> dict[str, Any]:
    """The drawing's data: ``nodes``, ``edges`` (one row each), ``points`` (curve points), ``loops``, ``start``.

    Also ``layout`` (:class:`DfgLayout`) and ``drawn``/``total`` edge counts. Exposed for tests and
    for anyone drawing the same layout elsewhere.
    """
    layout = dfg_layout(graph, max_per_row, max_edges)
    pos = layout.position()
    starts = dict(zip(graph.starts["activity"].astype(str), graph.starts["cases"], strict=True))
    ends = dict(zip(graph.ends["activity"].astype(str), graph.ends["cases"], strict=True))
    loops = {str(s): int(n) for s, t, n in zip(graph.edges["source"], graph.edges["target"], graph.edges["frequency"],
                                               strict=True) if s == t}
    events = dict(zip(graph.activities["activity"].astype(str), graph.activities["events"], strict=True))
    top_events = max(events.values(), default=1)
    node_rows = []
    for a, (x, r) in pos.items():
        n = int(events.get(a, 0))
        stats = f"{n:,} events" + (f"  ■ {int(ends[a]):,} end" if a in ends else "")
        label = _label(a, _wrap_chars(layout.slots))
        node_rows.append({"activity": a, "x": x, "row": r, "x0": x - BOX_W / 2, "x1": x + BOX_W / 2,
                          "y0": r - BOX_H / 2, "y1": r + BOX_H / 2, "label": label, "lines": label.count("\n") + 1,
                          "stats": stats, "events": n, "starts": int(starts.get(a, 0)), "ends": int(ends.get(a, 0)),
                          "loops": loops.get(a, 0), "shade": round(math.sqrt(n / top_events), 4) if top_events else 0})
    nodes = pd.DataFrame(node_rows, columns=["activity", "x", "row", "x0", "x1", "y0", "y1", "label", "lines", "stats",
                                             "events", "starts", "ends", "loops", "shade"])

    every = graph.edges[graph.edges["source"] != graph.edges["target"]]
    drawn = every.head(max(0, int(max_edges)))
    top = int(drawn["frequency"].max()) if len(drawn) else 1
    edge_rows, point_parts = [], []
    back_seen: dict[str, int] = {}
    for i, e in enumerate(drawn.itertuples(index=False)):
        s, t = str(e.source), str(e.target)
        (xs, rs), (xt, rt) = pos[s], pos[t]
        back = (s, t) in layout.back_edges or rt <= rs
        if back:
            k = back_seen.get(t, 0)
            back_seen[t] = k + 1
            curve = _back_curve(xs, rs, xt, rt, k)
            mid = curve[len(curve) // 2]
        else:
            curve, mid = _forward_curve(xs, rs, xt, rt, layout.bends.get((s, t), ()))
        n = int(e.frequency)
        edge_rows.append({
            "edge": i, "source": s, "target": t, "frequency": n, "cases": int(e.cases), "back": back,
            "width": _width(n, top), "shade": round(math.sqrt(n / top), 4), "label": f"{n:,}" if i < max_labels else "",
            "lx": round(float(mid[0]), 4), "ly": round(float(mid[1]), 4),
            "px": round(float(curve[-2][0]), 4), "py": round(float(curve[-2][1]), 4),
            "tx": round(float(curve[-1][0]), 4), "ty": round(float(curve[-1][1]), 4),
            "median": _duration(e.median_seconds), "mean": _duration(e.mean_seconds), "p90": _duration(e.p90_seconds),
        })
        point_parts.append(pd.DataFrame({"edge": i, "order": np.arange(len(curve)), "x": curve[:, 0].round(3),
                                         "y": curve[:, 1].round(3)}))
    _declutter(edge_rows)
    edge_cols = ["edge", "source", "target", "frequency", "cases", "back", "width", "shade", "label", "lx", "ly",
                 "px", "py", "tx", "ty", "median", "mean", "p90"]
    edges = pd.DataFrame(edge_rows, columns=edge_cols)
    points = (pd.concat(point_parts, ignore_index=True) if point_parts else
              pd.DataFrame(columns=["edge", "order", "x", "y"]))

    # the start circle above the first row, with an edge to each start activity (as wide as the cases)
    start_rows, start_points = [], []
    if starts and len(nodes):
        first = [pos[a][0] for a in starts if a in pos]
        sx = float(np.mean(first)) if first else 0.0
        top_start = max(starts.values())
        for j, (a, n) in enumerate(sorted(starts.items(), key=lambda kv: (-kv[1], kv[0]))):
            if a not in pos:
                continue
            xt, rt = pos[a]
            curve = _bezier((sx, START_Y + 0.12), (sx, START_Y + 0.5), (xt, rt - 0.6), (xt, rt - BOX_H / 2))
            mid = curve[len(curve) // 2]
            w = _width(int(n), max(top, top_start))
            start_rows.append({"edge": f"start-{j}", "target": a, "cases": int(n), "width": w, "label": f"{int(n):,}",
                               "lx": round(float(mid[0]), 4), "ly": round(float(mid[1]), 4),
                               "px": round(float(curve[-2][0]), 4), "py": round(float(curve[-2][1]), 4),
                               "tx": round(float(curve[-1][0]), 4), "ty": round(float(curve[-1][1]), 4)})
            start_points.append(pd.DataFrame({"edge": f"start-{j}", "order": np.arange(len(curve)),
                                              "x": curve[:, 0].round(4), "y": curve[:, 1].round(4), "width": w}))
        start = pd.DataFrame({"x": [sx], "y": [START_Y], "text": ["start"], "cases": [int(sum(starts.values()))]})
    else:
        start = pd.DataFrame(columns=["x", "y", "text", "cases"])
    loop_frame = nodes.loc[nodes["loops"] > 0, ["activity", "x1", "y0", "loops"]].assign(
        text=lambda d: [f"↻ {n:,}" for n in d["loops"]])
    return {"layout": layout, "nodes": nodes, "edges": edges, "points": points, "loops": loop_frame,
            "start": start, "start_edges": pd.DataFrame(start_rows), "start_points": (
                pd.concat(start_points, ignore_index=True) if start_points else pd.DataFrame()),
            "drawn": len(drawn), "total": len(every)}


def _inline(frame: pd.DataFrame) -> alt.InlineData:
    """Rows inline in the spec, bypassing Altair's 5,000-row guard (curve points of 160 long edges pass it)."""
    return alt.InlineData(values=style.records(frame))


ARROW_ANGLE = "atan2(scale('y', datum.ty) - scale('y', datum.py), scale('x', datum.tx) - scale('x', datum.px))"


def _arrows(data: pd.DataFrame, x_scale: alt.Scale, y_scale: alt.Scale, colour: Any, tooltip: list) -> alt.Chart:
    """Arrowheads whose tips touch the target box, turned along the curve's last stretch on screen."""
    size = "max(60, pow(5 + 1.5 * datum.width, 2))"
    back = "(3 + datum.width * 0.6)"
    return alt.Chart(data).mark_point(
        shape="triangle", filled=True, opacity=1, strokeWidth=0,
        angle=alt.ExprRef(f"{ARROW_ANGLE} * 180 / PI + 90"),
        xOffset=alt.ExprRef(f"-{back} * cos({ARROW_ANGLE})"), yOffset=alt.ExprRef(f"-{back} * sin({ARROW_ANGLE})"),
        size=alt.ExprRef(size),
    ).encode(x=alt.X("tx:Q", scale=x_scale, axis=None), y=alt.Y("ty:Q", scale=y_scale, axis=None),
             color=colour, tooltip=tooltip)


def dfg_chart(graph: Any, *, max_per_row: int = MAX_PER_ROW, max_edges: int = MAX_EDGES,
              max_labels: int = MAX_LABELS, title: str | None = None) -> alt.LayerChart:
    """The DFG as a top-to-bottom process map (see the module docstring). Pan with a drag, zoom with the wheel."""
    f = dfg_frames(graph, max_per_row=max_per_row, max_edges=max_edges, max_labels=max_labels)
    layout: DfgLayout = f["layout"]
    half = layout.slots / 2
    x_scale = alt.Scale(domain=[-half - 0.45, half + 0.45], nice=False, zero=False)  # room for back-edge bows
    y_bottom = max(layout.rows - 1, 0) + 0.62
    y_scale = alt.Scale(domain=[START_Y - 0.35, y_bottom], nice=False, zero=False, reverse=True)
    x, y = alt.X("x:Q", scale=x_scale, axis=None), alt.Y("y:Q", scale=y_scale, axis=None)
    edge_colour = alt.Color("shade:Q", scale=alt.Scale(domain=[0, 1], range=[EDGE_LIGHT, EDGE_DARK]), legend=None)
    edge_tip = [alt.Tooltip("source:N", title="from"), alt.Tooltip("target:N", title="to"),
                alt.Tooltip("frequency:Q", title="times", format=","),
                alt.Tooltip("cases:Q", title="cases", format=","),
                alt.Tooltip("median:N", title="median time between"), alt.Tooltip("mean:N", title="mean time"),
                alt.Tooltip("p90:N", title="p90 time")]
    layers: list[alt.Chart] = []
    start_points = f["start_points"]
    if len(start_points):
        layers.append(alt.Chart(start_points).mark_line(color=START_COLOUR, opacity=0.55).encode(
            x=x, y=y, detail="edge:N", order="order:Q", strokeWidth=alt.StrokeWidth("width:Q", scale=None)))
    points, edges = f["points"], f["edges"]
    if len(points):
        zoom = alt.selection_interval(bind="scales", name="dfg_zoom")
        # Thin edges first, the busiest drawn last (on top).
        # The curve points carry only their edge; widths, colours and tooltips are looked up from the edges.
        looked_up = ["source", "target", "frequency", "cases", "width", "shade", "median", "mean", "p90"]
        lines = alt.Chart(_inline(points)).transform_lookup(
            lookup="edge", from_=alt.LookupData(data=_inline(edges), key="edge", fields=looked_up),
        ).mark_line(strokeCap="round", opacity=0.85).encode(
            x=x, y=y, detail="edge:N", order="order:Q", color=edge_colour,
            strokeWidth=alt.StrokeWidth("width:Q", scale=None), tooltip=edge_tip).add_params(zoom)
        layers += [lines, _arrows(edges, x_scale, y_scale, edge_colour, edge_tip)]
    if len(f["start_edges"]):
        layers.append(_arrows(f["start_edges"], x_scale, y_scale, alt.value(START_COLOUR),
                              [alt.Tooltip("target:N", title="cases start with"),
                               alt.Tooltip("cases:Q", title="cases", format=",")]))
    nodes = f["nodes"]
    node_tip = [alt.Tooltip("activity:N"), alt.Tooltip("events:Q", format=","),
                alt.Tooltip("starts:Q", title="cases starting here", format=","),
                alt.Tooltip("ends:Q", title="cases ending here", format=","),
                alt.Tooltip("loops:Q", title="repeated straight away", format=",")]
    fill = alt.Color("shade:Q", scale=alt.Scale(domain=[0, 1], range=[BOX_FILL_LIGHT, BOX_FILL_DARK]), legend=None)
    box_w_px = f"abs(scale('x', {BOX_W}) - scale('x', 0))"
    layers += [
        alt.Chart(nodes).mark_rect(cornerRadius=6, stroke=BOX_STROKE, strokeWidth=1.2).encode(
            x=alt.X("x0:Q", scale=x_scale, axis=None), x2="x1:Q", y=alt.Y("y0:Q", scale=y_scale, axis=None),
            y2="y1:Q", fill=fill, tooltip=node_tip),
        alt.Chart(nodes).mark_text(fontSize=11.5, fontWeight="bold", color=style.INK, baseline="bottom",
                                   lineBreak="\n", lineHeight=13, dy=alt.ExprRef("datum.lines > 1 ? -10 : 3"),
                                   font=style.FONT,
                                   limit=alt.ExprRef(f"{box_w_px} - 8")).encode(
            x=alt.X("x:Q", scale=x_scale, axis=None), y=alt.Y("row:Q", scale=y_scale, axis=None),
            text="label:N", tooltip=node_tip),
        alt.Chart(nodes).mark_text(fontSize=10, color=style.MUTED, baseline="top", dy=7, font=style.FONT,
                                   limit=alt.ExprRef(f"{box_w_px} - 6")).encode(
            x=alt.X("x:Q", scale=x_scale, axis=None), y=alt.Y("row:Q", scale=y_scale, axis=None),
            text="stats:N", tooltip=node_tip),
    ]
    labelled = edges[edges["label"] != ""] if len(edges) else edges
    if len(labelled):
        lx, ly = alt.X("lx:Q", scale=x_scale, axis=None), alt.Y("ly:Q", scale=y_scale, axis=None)
        layers += [
            alt.Chart(labelled).mark_text(fontSize=10.5, fontWeight="bold", stroke="white", strokeWidth=3.5,
                                          strokeJoin="round", font=style.FONT).encode(x=lx, y=ly, text="label:N"),
            alt.Chart(labelled).mark_text(fontSize=10.5, fontWeight="bold", color=EDGE_DARK, font=style.FONT).encode(
                x=lx, y=ly, text="label:N", tooltip=edge_tip),
        ]
    start_edges = f["start_edges"]
    if len(start_edges):
        sx, sy = alt.X("lx:Q", scale=x_scale, axis=None), alt.Y("ly:Q", scale=y_scale, axis=None)
        layers += [
            alt.Chart(start_edges).mark_text(fontSize=10, stroke="white", strokeWidth=3, font=style.FONT,
                                             align="left", dx=6).encode(x=sx, y=sy, text="label:N"),
            alt.Chart(start_edges).mark_text(fontSize=10, color=START_COLOUR, font=style.FONT, align="left",
                                             dx=6).encode(x=sx, y=sy, text="label:N"),
        ]
    if len(f["start"]):
        start_tip = [alt.Tooltip("cases:Q", title="cases", format=",")]
        layers += [
            alt.Chart(f["start"]).mark_point(shape="circle", filled=True, size=900, color=START_COLOUR,
                                             opacity=1).encode(x=x, y=y, tooltip=start_tip),
            alt.Chart(f["start"]).mark_text(fontSize=10, fontWeight="bold", color="white", font=style.FONT).encode(
                x=x, y=y, text="text:N", tooltip=start_tip),
        ]
    loops = f["loops"]
    if len(loops):
        bx, by = alt.X("x1:Q", scale=x_scale, axis=None), alt.Y("y0:Q", scale=y_scale, axis=None)
        layers += [
            alt.Chart(loops).mark_text(fontSize=10, fontWeight="bold", stroke="white", strokeWidth=3, align="right",
                                       baseline="bottom", dx=-2, dy=-2, font=LOOP_FONT).encode(
                x=bx, y=by, text="text:N"),
            alt.Chart(loops).mark_text(fontSize=10, fontWeight="bold", color="#7b4fa0", align="right",
                                       baseline="bottom", dx=-2, dy=-2, font=LOOP_FONT).encode(
                x=bx, y=by, text="text:N", tooltip=[alt.Tooltip("activity:N"),
                                                    alt.Tooltip("loops:Q", title="repeated straight away",
                                                                format=",")]),
        ]
    height = round((y_bottom - (START_Y - 0.35)) * ROW_PX)
    chart = alt.LayerChart(layer=[*layers]).properties(height=height)
    if title:
        chart = chart.properties(title=alt.Title(style.clean(title), anchor="start", fontSize=13, color=style.MUTED))
    return chart.configure_view(stroke=None)


# --- variants ------------------------------------------------------------------------------------------------

CHAIN_ROW_PX = 44
CHAIN_BOX = 0.9  # a box's width in positions (the rest is the gap with its "›")
HEAD_X = -2.6  # where the rank, cases and coverage start, left of the first box
CHAIN_COLOURS = ["#a6cee3", "#b2df8a", "#fdbf6f", "#cab2d6", "#fb9a99", "#ffff99", "#8dd3c7", "#bebada",
                 "#80b1d3", "#fdb462", "#b3de69", "#fccde5", "#d9d9d9", "#bc80bd", "#ccebc5", "#ffed6f",
                 "#c7e9c0", "#9ecae1", "#fdd0a2", "#dadaeb"]


class _VariantRow(Protocol):
    """The columns of a Variants table row (from ``itertuples``) that :func:`variant_chains` reads."""

    rank: int
    activities: Sequence[Any]
    cases: int
    coverage: float


def variant_chains(table: pd.DataFrame, top: int = 10, max_steps: int = 16) -> alt.LayerChart:
    """The ``top`` variants of a :class:`journeys.discover.Variants` table, one row each, as chains of boxes.

    Each row reads left to right: rank, cases and coverage, then the activities in order (a variant
    longer than ``max_steps`` ends in a "+N more" box; the tooltip lists it whole). Box labels are
    cut to their box on screen, at any width.
    """
    rows = table.head(max(1, int(top)))
    cells: list[dict[str, Any]] = []
    heads: list[dict[str, Any]] = []
    names: list[str] = []
    for r in cast("Iterable[_VariantRow]", rows.itertuples(index=False)):
        acts = [str(a) for a in r.activities]
        whole = style.clean(" → ".join(acts))
        heads.append({"row": int(r.rank), "x": HEAD_X, "text": f"#{int(r.rank)} · {int(r.cases):,} cases · "
                      f"{r.coverage:.1%}", "whole": whole})
        shown = acts if len(acts) <= max_steps else acts[:max_steps - 1]
        for i, a in enumerate(shown):
            names.append(a)
            cells.append({"row": int(r.rank), "x0": i, "x1": i + CHAIN_BOX, "xc": i + CHAIN_BOX / 2,
                          "xa": i - (1 - CHAIN_BOX) / 2, "activity": style.clean(a),
                          "text": style.wrap_two_lines(style.truncate(style.clean(a), 32), width=12),
                          "whole": whole, "cases": int(r.cases),
                          "coverage": float(r.coverage), "colour": a})
        if len(shown) < len(acts):
            i = len(shown)
            cells.append({"row": int(r.rank), "x0": i, "x1": i + CHAIN_BOX, "xc": i + CHAIN_BOX / 2,
                          "xa": i - (1 - CHAIN_BOX) / 2, "activity": "",
                          "text": f"+{len(acts) - len(shown)} more", "whole": whole, "cases": int(r.cases),
                          "coverage": float(r.coverage), "colour": ""})
    frame = pd.DataFrame(cells, columns=["row", "x0", "x1", "xc", "xa", "activity", "text", "whole", "cases",
                                         "coverage", "colour"])
    domain = list(dict.fromkeys(names))
    colours = [CHAIN_COLOURS[i % len(CHAIN_COLOURS)] for i in range(len(domain))]
    steps = int(frame["x0"].max()) + 1 if len(frame) else 1
    x_scale = alt.Scale(domain=[HEAD_X, steps], nice=False, zero=False)
    ranks = [h["row"] for h in heads]
    y = alt.Y("row:O", axis=None, sort=ranks, scale=alt.Scale(domain=ranks, paddingInner=0.22, paddingOuter=0.1))
    tip = [alt.Tooltip("activity:N"), alt.Tooltip("whole:N", title="variant"),
           alt.Tooltip("cases:Q", format=","), alt.Tooltip("coverage:Q", format=".1%")]
    box_px = f"abs(scale('x', {CHAIN_BOX}) - scale('x', 0))"
    boxes = alt.Chart(frame).mark_rect(cornerRadius=4).encode(
        x=alt.X("x0:Q", scale=x_scale, axis=None), x2="x1:Q", y=y, tooltip=tip,
        color=alt.Color("colour:N", scale=alt.Scale(domain=[*domain, ""], range=[*colours, "#eceff1"]), legend=None))
    arrows = alt.Chart(frame[frame["x0"] > 0]).mark_text(text="›", fontSize=13, color=style.MUTED).encode(
        x=alt.X("xa:Q", scale=x_scale, axis=None), y=y)
    text = alt.Chart(frame).mark_text(fontSize=10, color=style.INK, font=style.FONT, lineBreak="\n", lineHeight=12,
                                      dy=alt.ExprRef("indexof(datum.text, '\\n') >= 0 ? -6 : 0"),
                                      limit=alt.ExprRef(f"{box_px} - 6")).encode(
        x=alt.X("xc:Q", scale=x_scale, axis=None), y=y, text="text:N", tooltip=tip)
    head = alt.Chart(pd.DataFrame(heads)).mark_text(
        align="left", fontSize=11.5, fontWeight="bold", color=style.INK, font=style.FONT,
        limit=alt.ExprRef(f"abs(scale('x', -0.15) - scale('x', {HEAD_X}))")).encode(
        x=alt.X("x:Q", scale=x_scale, axis=None), y=y, text="text:N", tooltip=[alt.Tooltip("whole:N", title="variant")])
    chain = alt.LayerChart(layer=[boxes, arrows, text, head]).properties(height=alt.Step(CHAIN_ROW_PX))
    return chain.configure_view(stroke=None)
