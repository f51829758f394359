"""The journey map: a service blueprint drawn as one layered Altair chart.

Stages run left to right (column headers on top), lanes top to bottom (customer,
frontstage, backstage, system), steps sit where :func:`journeys.graph.swimlane_layout`
puts them. Everything that depends on pixels (arrowhead angles, label
visibility) is computed by Vega at render time from the live scales, so the map
stays correct at any container width and while zoomed; Python only computes
what depends on the journey (positions, edge bends, label rows).

The layers are written as plain Vega-Lite dictionaries rather than through
Altair's ``encode()``: Altair validates every channel against the JSON schema as
it is built, which cost more than the rest of a 200-step map together. The
spec is validated in the tests instead (``to_dict(validate=True)`` over random
journeys), and :class:`JourneyMapChart` skips re-validating it on every
Streamlit rerun.
"""

from __future__ import annotations

import json
import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import altair as alt
import numpy as np
import pandas as pd
from altair.utils.schemapi import debug_mode
from altair.vegalite.v6.schema.core import TopLevelLayerSpec

from journeys.charts import flow as flows
from journeys.charts import style
from journeys.charts.flow import FlowOverlay
from journeys.charts.overlay import MetricOverlay, colour_scale
from journeys.graph import Layout, swimlane_layout
from journeys.model import Journey, Step

COLOR_BY = ("channel", "emotion", "lane")
STATUSES = ("added", "changed", "removed", "same")

LANE_PX = 150  # default height per lane
DENSE_LANE_PX = 180  # a lane whose labels need three rows gets a little more room
MIN_HEIGHT = 420
AXIS_PX = 120  # room the lane labels take on the left of the plot
# Stages are as wide as their most crowded lane needs (journeys.graph.stage_widths), in
# slots: one slot per step, two for a stage with one step per lane.
LAYOUT_WIDTH = 800  # chart width the labels are staggered for: the demo shows every label from here up
SLOT_PX = 80  # export width per slot (a one-step stage: 160 px) when no container gives one
MIN_WIDTH = 1200
MAX_WIDTH = 3200  # widest export; larger maps are read by zooming
HEADER_FONT = 13
LEGEND_ROWS = 4
MAX_LEGEND_COLUMNS = 4
LEGEND_OFFSET = 18  # Vega's gap between the plot and the legends
LEGEND_TITLE_PX = 18
LEGEND_ROW_PX = 20

LABEL_FONT = 11
LINE_PX = 13
ROW_PX = 2 * LINE_PX + 2  # one label row holds up to two lines
LABEL_TOP = 15  # pixels from a node's centre to the top of its label
LABEL_GAP = 10  # minimum horizontal pixels between two labels on one row
MAX_ROWS = 3

# A label hangs below its step; near the plot's left or right edge it slides inwards rather than
# being cut off (``width`` is the plot's width on screen, so this holds at any size and zoom).
# label_width is a generous estimate, so such a label ends a little short of the edge.
LABEL_DY = f"{LABEL_TOP} + datum.row * {ROW_PX} + (datum.kind === 'decision' ? 2 : 0)"
_AT, _HALF = "scale('x', datum.x)", "datum.label_width / 2"
LABEL_DX = (f"{_AT} < 0 || {_AT} > width ? 0 : "  # a step panned out of view keeps its label with it
            f"max(0, {_HALF} - {_AT}) - max(0, {_AT} + {_HALF} - width)")

ARROW_SIZE = 95
LOOP_SIZE = 420
# A loop above the node, open at the bottom, with an arrowhead on its right foot.
LOOP_PATH = "M -0.45 0.85 A 0.7 0.7 0 1 1 0.45 0.85 M 0.45 0.85 L 0.75 0.35 M 0.45 0.85 L -0.05 0.6"
ARROW_ANGLE = "atan2(scale('y', datum.ty) - scale('y', datum.cy), scale('x', datum.tx) - scale('x', datum.cx))"

# A metric overlay's value badges: white pills above the steps (labels hang below, note badges sit at the
# top right), clear of the largest ring, in up to two staggered rows; hidden while still overlapping.
BADGE_FONT = 10
BADGE_H = 14
BADGE_PAD = 5  # text to pill edge
BADGE_GAP = 4  # minimum horizontal pixels between two pills on one row
BADGE_BOTTOM = 24  # pixels from a node's centre up to the bottom of its first-row pill
BADGE_ROWS = 2
BADGE_DY = f"-({BADGE_BOTTOM + BADGE_H / 2:g} + datum.badge_row * {BADGE_H + 2})"
_BHALF = "datum.badge_width / 2"
BADGE_DX = (f"{_AT} < 0 || {_AT} > width ? 0 : "
            f"max(0, {_BHALF} - {_AT}) - max(0, {_AT} + {_BHALF} - width)")


class JourneyMapChart(alt.LayerChart):
    """The map's LayerChart: ``to_dict()`` does not re-validate by default.

    Streamlit calls ``to_dict()`` on every rerun, and validating this many-layer
    spec against Vega-Lite's JSON schema costs ≈40 ms each time, a quarter of a
    map interaction's budget. The builder's output is validated by the tests;
    pass ``validate=True`` to check a chart anyway.
    """

    def to_dict(self, validate: bool = False, **kwargs: Any) -> dict[str, Any]:  # type: ignore[override]
        spec = super().to_dict(validate=False, **kwargs)
        # Layers name their data; the rows join here, after Altair's deep copies of the
        # spec (copying 1,000 rows per layer cost more than everything else put together).
        spec["datasets"] = {**spec.get("datasets", {}), **getattr(self, "_journeys_datasets", {})}
        if validate:
            TopLevelLayerSpec.validate(spec)
        return spec


def _legend_columns(entries: int) -> int:
    return min(MAX_LEGEND_COLUMNS, max(1, math.ceil(entries / LEGEND_ROWS)))


def _chrome_px(journey: Journey, layout: Layout, ppu: float, color_by: str, rings: pd.DataFrame,
               overlay: MetricOverlay | None = None, flow_legends: Sequence[int] | None = None) -> int:
    """Pixels the stage headers and the legends take above and below the plot.

    Streamlit fits the whole chart, headers and legends included, into its height
    (autosize "fit"), and so does the export: the chart's height is the plot's plus this.
    Estimated from the fonts and legend rows, a little generously. ``flow_legends`` replaces the
    transition legend's entries by the flow's legends' (see :meth:`_FlowPlan.legend_rows`).
    """
    headers = [style.clean(stage) for stage in journey.stages]
    two_lines = any(" " in h.strip() and style.text_width(h, HEADER_FONT) + 12 > (b - a) * ppu
                    for h, (a, b) in zip(headers, layout.stage_spans, strict=True))
    header = 8 + HEADER_FONT + 6 + (HEADER_FONT + 2 if two_lines else 0)
    ids = set(journey.step_ids())
    lines = any(t.source != t.target and t.source in ids and t.target in ids for t in journey.transitions)
    colours = (2 if overlay is not None  # a gradient, its labels and a two-line title
               else len(_channel_domain(journey.steps)[0]) if color_by == "channel"
               else len(style.EMOTION_DOMAIN) if color_by == "emotion" else len(set(journey.lanes)))
    edge_entries = [len(style.EDGE_STYLES)] if lines else []
    if flow_legends is not None:
        edge_entries = list(flow_legends)
    entries = [len(style.KIND_SHAPES), colours, *edge_entries, *([rings["ring"].nunique()] if len(rings) else [])]
    rows = max(math.ceil(n / _legend_columns(n)) for n in entries)
    return header + LEGEND_OFFSET + LEGEND_TITLE_PX + rows * LEGEND_ROW_PX


def _legend(title: str, entries: int, **extra: Any) -> dict[str, Any]:
    """Legends sit side by side under the map so the plot keeps the container's full width.

    Each is a block of at most LEGEND_ROWS rows (more columns when it has more entries),
    so together they fit under a narrow map (≈700 px) instead of running off its right edge.
    """
    columns = _legend_columns(entries)
    return {"title": title, "orient": "bottom", "direction": "vertical", "columns": columns, "titleFontSize": 11,
            "labelFontSize": 11, "titleColor": style.INK, "labelColor": style.INK, "symbolSize": 140,
            "columnPadding": 10, "rowPadding": 3, "labelLimit": 130, "titleAnchor": "start", "symbolOpacity": 1,
            # Streamlit's theme draws symbols with a thick white outline: it shrinks them and spreads the rows.
            "symbolStrokeWidth": 1, "symbolFillColor": style.MUTED, **extra}


def _tip(field: str, title: str | None = None, kind: str = "nominal") -> dict[str, Any]:
    return {"field": field, "type": kind, "title": title or field}


def _lane_title(name: str) -> str:
    return name[:1].upper() + name[1:]


def _nominal_width(layout: Layout) -> int:
    """The width the map is exported at when no container tells us: SLOT_PX per slot, within bounds."""
    return int(min(MAX_WIDTH, max(MIN_WIDTH, AXIS_PX + SLOT_PX * layout.width)))


def _px_per_unit(layout: Layout) -> float:
    """Pixels per x unit (slot) at LAYOUT_WIDTH: label rows and edge bends are worked out there.

    Labels are staggered for a narrow chart, so they all show at usual container widths
    (and, with more room, at any wider one); a map too large for that shows each label
    once zoomed in far enough.
    """
    return (LAYOUT_WIDTH - AXIS_PX) / layout.width


def _emotion_text(emotion: int | None) -> str:
    return "not set" if emotion is None else style.EMOTION_NAMES.get(emotion, str(emotion))


def _channel(step: Step) -> str:
    return style.clean(step.channel) or style.NO_CHANNEL


def _channel_domain(steps: list[Step]) -> tuple[list[str], list[str]]:
    """Channels in the journey (model order first, then others by name) and their fixed colours."""
    present = {_channel(s) for s in steps}
    known = [c for c in style.CHANNEL_COLOURS if c in present]
    others = sorted(present - set(known) - {style.NO_CHANNEL})
    domain = known + others + ([style.NO_CHANNEL] if style.NO_CHANNEL in present else [])
    extra = iter(style.EXTRA_COLOURS * (1 + len(others) // len(style.EXTRA_COLOURS)))
    colours = [
        style.CHANNEL_COLOURS[c] if c in style.CHANNEL_COLOURS
        else style.NO_VALUE_COLOUR if c == style.NO_CHANNEL else next(extra)
        for c in domain
    ]
    return domain, colours


def _label_rows(xs: np.ndarray, widths: np.ndarray, ppu: float, max_rows: int = MAX_ROWS,
                gap: float = LABEL_GAP) -> tuple[np.ndarray, np.ndarray]:
    """Stagger the labels of one lane into rows, and the zoom each label needs to be shown.

    ``xs`` sorted ascending (layout x units), ``widths`` in pixels. Each label takes the
    first row where it clears the previous label (so sparse lanes keep one row).
    Returns the row of each label and the pixels per x unit at which it clears
    its neighbours on its row: below that zoom Vega hides it rather than overlap.
    The metric badges are staggered the same way (fewer rows, a smaller gap).
    """
    n = len(xs)
    rows = np.zeros(n, dtype=int)
    row_end = [-math.inf] * max_rows
    for i in range(n):
        start = xs[i] * ppu - widths[i] / 2
        free = [r for r in range(max_rows) if row_end[r] + gap <= start]
        rows[i] = free[0] if free else int(np.argmin(row_end))
        row_end[rows[i]] = xs[i] * ppu + widths[i] / 2
    needed = np.zeros(n)
    for r in range(max_rows):
        idx = np.flatnonzero(rows == r)
        if len(idx) < 2:
            continue
        dx = np.maximum(np.diff(xs[idx]), 1e-9)
        pair = ((widths[idx[1:]] + widths[idx[:-1]]) / 2 + gap) / dx
        needed[idx[1:]] = np.maximum(needed[idx[1:]], pair)
        needed[idx[:-1]] = np.maximum(needed[idx[:-1]], pair)
    return rows, needed


def _node_frame(journey: Journey, layout: Layout, ppu: float, *, highlight: set[str], selected: str | None,
                status: Mapping[str, str], note_counts: Mapping[str, int]) -> pd.DataFrame:
    """One row per step: position from the layout, display text, and every per-step mark."""
    records = []
    for s in journey.steps:
        x, y = layout.positions[s.id]
        kind, handled = str(s.kind), str(s.handled_by)
        label = style.clean(s.label)
        text = style.wrap_two_lines(style.truncate(label))
        records.append({
            "id": s.id, "label": label, "text": text, "stage": style.clean(s.stage), "lane": style.clean(s.lane),
            "channel": _channel(s), "emotion": s.emotion, "emotion_text": _emotion_text(s.emotion),
            "kind": kind, "handled_by": handled, "owner": style.clean(s.owner) or "—", "x": float(x), "y": float(y),
            "size": style.KIND_SIZES.get(kind, 300), "status": status.get(s.id, "same"),
            "highlighted": s.id in highlight, "selected": s.id == selected,
            "notes": int(note_counts.get(s.id, 0)), "label_width": style.text_width(text, LABEL_FONT),
        })
    nodes = pd.DataFrame.from_records(records, columns=[
        "id", "label", "text", "stage", "lane", "channel", "emotion", "emotion_text", "kind", "handled_by", "owner",
        "x", "y", "size", "status", "highlighted", "selected", "notes", "label_width"])
    nodes["emotion"] = nodes["emotion"].astype("Int64")
    nodes["opacity"] = np.where(nodes["status"] == "removed", 0.35, 1.0)
    # Label rows lane by lane, on plain arrays (slicing the frame per lane cost more than the rest).
    rows, needed = _staggered(nodes, nodes["label_width"].to_numpy(float), ppu, np.ones(len(nodes), dtype=bool),
                              MAX_ROWS, LABEL_GAP)
    nodes["row"] = rows
    nodes["label_ppu"] = np.round(needed, 1)
    return nodes


def _staggered(nodes: pd.DataFrame, widths: np.ndarray, ppu: float, mask: np.ndarray, max_rows: int,
               gap: float) -> tuple[np.ndarray, np.ndarray]:
    """Rows and needed zoom (see :func:`_label_rows`) of the ``mask``ed nodes' items, lane by lane."""
    xs, ys = nodes["x"].to_numpy(float), nodes["y"].to_numpy(float)
    rows, needed = np.zeros(len(nodes), dtype=int), np.zeros(len(nodes))
    for lane in np.unique(ys[mask]):
        idx = np.flatnonzero(mask & (ys == lane))
        idx = idx[np.argsort(xs[idx], kind="stable")]
        rows[idx], needed[idx] = _label_rows(xs[idx], widths[idx], ppu, max_rows, gap)
    return rows, needed


def _pill(width: float) -> str:
    """A pill ``width`` × BADGE_H pixels as a symbol path: Vega scales a custom shape by sqrt(size) / 2, size is 4."""
    r, a = BADGE_H / 2, max(0.0, width / 2 - BADGE_H / 2)
    arc = f"A {r:g} {r:g} 0 0 1"
    return f"M {-a:.1f} {-r:g} H {a:.1f} {arc} {a:.1f} {r:g} H {-a:.1f} {arc} {-a:.1f} {-r:g} Z"


def _with_overlay(nodes: pd.DataFrame, overlay: MetricOverlay, ppu: float) -> pd.DataFrame:
    """The nodes with the overlay's value, state, tooltip text and badge (text, pill shape, row) per step."""
    nodes = nodes.copy()
    ids = nodes["id"].tolist()
    nodes["metric"] = pd.array([overlay.value(i) for i in ids], dtype="Float64")
    nodes["metric_state"] = [overlay.state(i) for i in ids]
    nodes["metric_text"] = [overlay.tooltip(i) for i in ids]
    nodes["metric_period"] = style.clean(overlay.period)
    badges = [overlay.badge(i) for i in ids]
    nodes["badge"] = badges
    widths = np.array([0.0 if b is None else style.text_width(b, BADGE_FONT) + 2 * BADGE_PAD for b in badges])
    nodes["badge_width"] = widths.round(1)
    nodes["badge_shape"] = [None if b is None else _pill(w) for b, w in zip(badges, widths, strict=True)]
    rows, needed = _staggered(nodes, widths, ppu, np.array([b is not None for b in badges], dtype=bool),
                              BADGE_ROWS, BADGE_GAP)
    nodes["badge_row"] = rows
    nodes["badge_ppu"] = np.round(needed, 1)
    return nodes


def _plot_size(journey: Journey, nodes: pd.DataFrame, height: int | None, chrome: int) -> tuple[int, int, float]:
    """Chart height, plot height in pixels, and how far (in lanes) the plot reaches below the last lane.

    ≈150 px per lane (180 when a lane's labels need three rows), at least MIN_HEIGHT;
    the bottom grows just enough for the last lane's labels not to be cut off. The
    chart's height adds the headers and legends (``chrome``) to the plot's; a given
    ``height`` is the whole chart's.
    """
    n_lanes = max(1, len(journey.lanes))
    rows = nodes.groupby("y")["row"].max().to_dict() if len(nodes) else {}
    lane_px = DENSE_LANE_PX if max(rows.values(), default=0) >= 2 else LANE_PX
    last = rows.get(float(n_lanes - 1))
    below = 0.0 if last is None else max(0.0, LABEL_TOP + (last + 1) * ROW_PX + 4 - lane_px / 2)
    if height is not None:
        plot = max(1, int(height) - chrome)
        return int(height), plot, below / (plot / n_lanes)
    plot = round(max(MIN_HEIGHT, n_lanes * lane_px + below))
    return plot + chrome, plot, below / lane_px


def _edge_frames(journey: Journey, nodes: pd.DataFrame, ppu: float, lane_px: float, x_max: float,
                 routes: Sequence[tuple[str, str]] = ()) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Transitions as one row each (arrowheads, loops, tooltips) and as curve points (lines).

    Each edge bends to the left of its direction, so A→B and B→A never overlap,
    and bends further when another step sits on the straight line between its ends.
    Bends stay within the stages (0 … ``x_max``), so no curve leaves the plot.
    ``routes`` (a flow's undesigned source/target pairs) follow the transitions, curved
    the same way, with the kind :data:`journeys.charts.flow.ROUTE`.
    """
    index = {sid: i for i, sid in enumerate(nodes["id"])}
    kept = [(t.source, t.target, str(t.kind), t.share) for t in journey.transitions
            if t.source in index and t.target in index]
    kept += [(s, t, flows.ROUTE, None) for s, t in routes if s in index and t in index]
    edge_cols = ["edge", "source", "target", "from", "to", "kind", "share", "share_text", "loop", "sx", "sy", "cx",
                 "cy", "tx", "ty", "back", "shape", "mark_size"]
    point_cols = ["edge", "order", "x", "y", "kind", "from", "to", "share_text"]
    if not kept:
        return pd.DataFrame(columns=edge_cols), pd.DataFrame(columns=point_cols)
    xs, ys = nodes["x"].to_numpy(float), nodes["y"].to_numpy(float)
    labels, sizes = nodes["label"].to_numpy(), nodes["size"].to_numpy(float)
    src = np.array([index[s] for s, _, _, _ in kept])
    dst = np.array([index[t] for _, t, _, _ in kept])
    loop = src == dst
    # Work in nominal pixels so bends look alike horizontally and vertically.
    a = np.column_stack([xs[src] * ppu, ys[src] * lane_px])
    b = np.column_stack([xs[dst] * ppu, ys[dst] * lane_px])
    d = b - a
    length = np.maximum(np.hypot(d[:, 0], d[:, 1]), 1e-9)
    dev = np.clip(0.12 * length, 4.0, 40.0)
    nodes_px = np.column_stack([xs * ppu, ys * lane_px])  # (n, 2)
    rel = nodes_px[None, :, :] - a[:, None, :]  # (e, n, 2)
    along = np.clip((rel @ d[:, :, None])[:, :, 0] / length[:, None] ** 2, 0.0, 1.0)
    gap = np.hypot(*(rel - along[:, :, None] * d[:, None, :]).transpose(2, 0, 1))
    others = np.ones_like(gap, dtype=bool)
    others[np.arange(len(kept)), src] = False
    others[np.arange(len(kept)), dst] = False
    blocked = np.any(others & (along > 0.05) & (along < 0.95) & (gap < 16), axis=1)
    dev = np.where(blocked, np.maximum(dev, 30.0), dev)
    normal = np.column_stack([d[:, 1], -d[:, 0]]) / length[:, None]  # left of the direction (screen y points down)
    control = (a + b) / 2 + normal * (dev * 1.5)[:, None]  # a basis curve reaches 2/3 of the way to its control
    cx = np.where(loop, xs[src], np.clip(control[:, 0] / ppu, 0.0, x_max)).round(4)
    cy = np.where(loop, ys[src], control[:, 1] / lane_px).round(4)

    names = [f"{s}→{t}" for s, t, _, _ in kept]
    kinds = [kind for _, _, kind, _ in kept]
    share_text = ["not set" if share is None else f"{share:.0%}" for _, _, _, share in kept]
    edges = pd.DataFrame({
        "edge": names, "source": [s for s, _, _, _ in kept], "target": [t for _, t, _, _ in kept],
        "from": labels[src], "to": labels[dst], "kind": kinds, "share": [share for _, _, _, share in kept],
        "share_text": share_text, "loop": loop, "sx": xs[src], "sy": ys[src], "cx": cx, "cy": cy,
        "tx": xs[dst], "ty": ys[dst], "back": (np.sqrt(sizes[dst]) / 2 + 3).round(1),
        "shape": np.where(loop, LOOP_PATH, "triangle"), "mark_size": np.where(loop, LOOP_SIZE, ARROW_SIZE),
    }, columns=edge_cols)
    lines = edges.loc[~edges["loop"]]
    parts = []
    for order, (fx, fy) in enumerate((("sx", "sy"), ("cx", "cy"), ("tx", "ty"))):
        part = lines[["edge", "kind", "from", "to", "share_text"]].copy()
        part["order"], part["x"], part["y"] = order, lines[fx], lines[fy]
        parts.append(part)
    points = pd.concat(parts, ignore_index=True)[point_cols] if len(lines) else pd.DataFrame(columns=point_cols)
    return edges, points


def _rings_frame(nodes: pd.DataFrame) -> pd.DataFrame:
    """One row per ring: compare status (green/amber/grey) and structural finding (red).

    The selected step's blue ring is a layer of its own (see :func:`_selected_layers`).
    """
    parts = []
    for kind, mask in (("added", nodes["status"] == "added"), ("changed", nodes["status"] == "changed"),
                       ("removed", nodes["status"] == "removed"), ("finding", nodes["highlighted"])):
        if mask.any():
            legend, _, size, width = style.RINGS[kind]
            part = nodes.loc[mask, ["id", "x", "y", "label"]].copy()
            part["ring"], part["ring_size"], part["ring_width"] = legend, size, width
            parts.append(part)
    columns = ["id", "x", "y", "ring", "ring_size", "ring_width", "label"]
    return pd.concat(parts, ignore_index=True)[columns] if parts else pd.DataFrame(columns=columns)


def _blueprint_lines(lanes: list[str]) -> list[tuple[float, str]]:
    """The classic blueprint lines between the standard lanes, where those lanes are adjacent."""
    names = {("customer", "frontstage"): "line of interaction", ("frontstage", "backstage"): "line of visibility",
             ("backstage", "system"): "line of internal interaction"}
    low = [lane.lower() for lane in lanes]
    return [(i + 0.5, names[(low[i], low[i + 1])]) for i in range(len(low) - 1) if (low[i], low[i + 1]) in names]


def _stage_axis(journey: Journey, layout: Layout) -> dict[str, Any]:
    """The stage headers: one at each stage's centre, in two lines while one would not fit the stage.

    Which it is depends on the stage's width on screen, so Vega decides at render time
    (and again while zooming): a header fits on one line from ``need`` pixels per x unit.
    Vega draws a label's extra lines below it, so a two-line header is raised by a line.
    """
    names = [style.clean(stage) for stage in journey.stages]
    centres = [round(c, 6) for c in layout.stage_centres]
    wrapped = [style.wrap_two_lines(n, width=0).split("\n") if " " in n.strip() else n for n in names]
    need = [round((style.text_width(n, HEADER_FONT) + 12) / (b - a), 2) if isinstance(w, list) else 0
            for n, w, (a, b) in zip(names, wrapped, layout.stage_spans, strict=True)]
    i = f"indexof({json.dumps(centres)}, datum.value)"
    one_line = f"abs(scale('x', 1) - scale('x', 0)) >= {json.dumps(need)}[{i}]"
    return {
        "orient": "top", "values": centres,
        "labelExpr": f"({one_line} ? {style.js_string_array(names)}[{i}] : "
                     f"{json.dumps(wrapped, ensure_ascii=True)}[{i}]) || ''",
        "labelPadding": {"condition": {"test": f"!({one_line})", "value": 8 + HEADER_FONT + 2}, "value": 8},
        "labelFontSize": HEADER_FONT, "labelFontWeight": "bold", "labelColor": style.INK,
        "labelLineHeight": HEADER_FONT + 2, "labelLimit": 240, "labelOverlap": False,
        "domain": False, "ticks": False, "grid": False, "title": None}


class _Grid:
    """Shared x/y encodings: one scale and one axis per direction, reused by every layer.

    x runs over the layout's stage spans (0 to ``layout.width``); each stage header sits
    at its span's centre.
    """

    def __init__(self, journey: Journey, layout: Layout, below: float = 0.0) -> None:
        self.n_lanes = max(1, len(journey.lanes))
        self.spans = layout.stage_spans
        self.width = layout.width
        self.bottom = self.n_lanes - 0.5 + round(below, 4)  # room under the last lane for its labels
        lanes = style.js_string_array([_lane_title(style.clean(lane)) for lane in journey.lanes])
        self.x_scale = {"domain": [0.0, round(self.width, 6)], "nice": False, "zero": False}
        self.y_scale = {"domain": [-0.5, self.bottom], "nice": False, "zero": False, "reverse": True}
        self.x_axis = _stage_axis(journey, layout)
        self.y_axis = {
            "values": list(range(self.n_lanes)), "labelExpr": f"{lanes}[datum.value] || ''", "labelFontSize": 12,
            "labelFontWeight": "bold", "labelColor": style.MUTED, "labelPadding": 10, "labelLimit": AXIS_PX - 16,
            "domain": False, "ticks": False, "grid": False, "title": None}

    def xy(self, x: str, y: str) -> dict[str, Any]:
        """Position encodings for fields ``x`` and ``y`` (same scale and axis in every layer)."""
        return {"x": {"field": x, "type": "quantitative", "scale": self.x_scale, "axis": self.x_axis, "title": None},
                "y": {"field": y, "type": "quantitative", "scale": self.y_scale, "axis": self.y_axis, "title": None}}


def _layer(name: str, data: pd.DataFrame, mark: dict[str, Any], encoding: dict[str, Any]) -> alt.Chart:
    """One layer from plain Vega-Lite pieces, skipping Altair's validation at construction.

    (Altair's own ``copy()`` builds objects the same way; the tests validate the whole spec.)
    """
    with debug_mode(False):
        chart = alt.Chart(alt.NamedData(name=name), name=name, mark=mark, encoding=alt.Encoding(**encoding))
    object.__setattr__(chart, "_journeys_rows", data)
    return chart


def _grid_layers(journey: Journey, grid: _Grid) -> list[alt.Chart]:
    """Lane bands (they carry the zoom), stage separators and the classic blueprint lines."""
    far = 50.0 * grid.width  # bands stay under the whole view while panning
    wide = {"x": -far, "x_end": grid.width + far}
    bands = pd.DataFrame({"y0": [i - 0.5 for i in range(grid.n_lanes)],
                          "y1": [i + 0.5 for i in range(grid.n_lanes - 1)] + [grid.bottom],
                          "shade": ["#f1f4f8" if i % 2 == 0 else "#fbfcfd" for i in range(grid.n_lanes)], **wide})
    layers = [_layer("lanes", bands, {"type": "rect", "clip": True, "aria": False, "strokeWidth": 0}, {
        **grid.xy("x", "y0"), "x2": {"field": "x_end"}, "y2": {"field": "y1"},
        "fill": {"field": "shade", "type": "nominal", "scale": None}, "tooltip": {"value": None}})]
    if len(grid.spans) > 1:
        seps = pd.DataFrame({"x": [end for _, end in grid.spans[:-1]], "y0": -0.5, "y1": grid.bottom})
        layers.append(_layer("stage_lines", seps, {"type": "rule", "clip": True, "aria": False, "color": style.GRID,
                                                   "strokeWidth": 1}, {**grid.xy("x", "y0"), "y2": {"field": "y1"}}))
    lines = _blueprint_lines(journey.lanes)
    if lines:
        bp = pd.DataFrame({"y": [y for y, _ in lines], "name": [n for _, n in lines], "xl": 0.0, **wide})
        layers.append(_layer("blueprint_lines", bp, {
            "type": "rule", "clip": True, "aria": False, "color": "#b4bcc7", "strokeDash": [4, 4], "strokeWidth": 1,
        }, {**grid.xy("x", "y"), "x2": {"field": "x_end"}}))
        layers.append(_layer("blueprint_line_names", bp, {
            "type": "text", "clip": True, "aria": False, "align": "left", "baseline": "bottom", "dx": 4, "dy": -2,
            "fontSize": 9, "fontStyle": "italic", "color": "#8a96a3",
        }, {**grid.xy("xl", "y"), "text": {"field": "name", "type": "nominal"}}))
    return layers


def _edge_layers(edges: pd.DataFrame, points: pd.DataFrame, grid: _Grid) -> list[alt.Chart]:
    """Curved lines styled by kind (with the legend), arrowheads at the target's rim, self-loops."""
    domain = list(style.EDGE_STYLES)
    colours = {"domain": domain, "range": [c for c, _, _ in style.EDGE_STYLES.values()]}
    tooltip = [_tip("from"), _tip("to"), _tip("share_text", "share"), _tip("kind")]
    layers = []
    if len(points):
        # Colour, dash and width share one legend (Vega-Lite merges identical legends on one field).
        legend = _legend("transition", len(domain), symbolType="stroke", symbolStrokeWidth=2.5, symbolSize=300)
        layers.append(_layer("edges", points, {"type": "line", "interpolate": "basis", "clip": True, "aria": False}, {
            **grid.xy("x", "y"), "detail": {"field": "edge", "type": "nominal"},
            "order": {"field": "order", "type": "quantitative"},
            "color": {"field": "kind", "type": "nominal", "scale": colours, "legend": legend},
            "strokeDash": {"field": "kind", "type": "nominal", "legend": legend, "scale": {
                "domain": domain, "range": [dash for _, _, dash in style.EDGE_STYLES.values()]}},
            "strokeWidth": {"field": "kind", "type": "ordinal", "sort": domain, "legend": legend, "scale": {
                "domain": domain, "range": [w for _, w, _ in style.EDGE_STYLES.values()]}},
            "tooltip": tooltip}))
    if len(edges):
        # The angle is taken on screen, from the curve's control point to the target, at render time.
        angle = ARROW_ANGLE
        layers.append(_layer("arrows", edges, {
            "type": "point", "clip": True, "aria": False, "opacity": 1, "filled": False,
            "angle": {"expr": f"datum.loop ? 0 : {angle} * 180 / PI + 90"},
            "xOffset": {"expr": f"datum.loop ? 0 : -datum.back * cos({angle})"},
            "yOffset": {"expr": f"datum.loop ? -(datum.back + 5) : -datum.back * sin({angle})"},
            "strokeWidth": {"expr": "datum.loop ? 1.8 : 0.5"},
        }, {
            **grid.xy("tx", "ty"),
            "shape": {"field": "shape", "type": "nominal", "scale": None},
            "size": {"field": "mark_size", "type": "quantitative", "scale": None},
            "stroke": {"field": "kind", "type": "nominal", "scale": colours, "legend": None},
            "fill": {"condition": {"test": "datum.loop", "value": "transparent"}, "field": "kind", "type": "nominal",
                     "scale": colours, "legend": None},
            "tooltip": tooltip}))
    return layers


# --- observed flow ---------------------------------------------------------------------------------------

# A self-loop's "↻ N" pill sits above and left of its step: the label hangs below, metric pills sit straight
# above (their bottom 24 px up) and note badges top right; it covers the end of an incoming line less than a
# pill beside the step would.
LOOP_BADGE_RIGHT = 4  # pixels from a step's centre right to the right end of its loop pill
LOOP_BADGE_DY = -16  # its centre: the pill reaches from 9 to 23 px above the step's centre
# "↻" is missing from Liberation Sans, and vl-convert then sets the whole badge in a serif fallback.
LOOP_FONT = "DejaVu Sans, Verdana, sans-serif"


@dataclass(frozen=True)
class _FlowPlan:
    """What of a flow is drawn: the undesigned routes and the loops (busiest first, capped), the scale's top."""

    flow: FlowOverlay
    routes: list[tuple[str, str]]  # drawn, at most MAX_ROUTES
    all_routes: int
    loops: list[str]  # steps customers went round, drawn, at most MAX_LOOPS
    all_loops: int
    top: int  # the busiest drawn line's count: the width scale's top
    lines: bool  # whether any line is drawn (designed or not)

    @classmethod
    def of(cls, journey: Journey, flow: FlowOverlay) -> _FlowPlan:
        """A route is a pair customers took between two steps that the journey has no transition for
        (self-loops are not routes: they get a badge)."""
        ids = set(journey.step_ids())
        design = {(t.source, t.target) for t in journey.transitions if t.source in ids and t.target in ids}
        observed = flow.pairs()
        routes = sorted(((n, pair) for pair, n in observed.items() if pair[0] != pair[1] and pair not in design
                         and pair[0] in ids and pair[1] in ids), key=lambda x: (-x[0], x[1]))
        loops = sorted(((n, s) for (s, t), n in observed.items() if s == t and s in ids), key=lambda x: (-x[0], x[1]))
        drawn = routes[:flows.MAX_ROUTES]
        designed = [flow.count(s, t) for s, t in design if s != t]
        return cls(flow, [pair for _, pair in drawn], len(routes), [s for _, s in loops[:flows.MAX_LOOPS]],
                   len(loops), max([*designed, *(n for n, _ in drawn)], default=0), bool(drawn or designed))

    def legend_title(self) -> list[str]:
        return self.flow.legend_title((len(self.routes), self.all_routes), (len(self.loops), self.all_loops))

    def legend_rows(self) -> list[int]:
        """Rows of the flow's legends (kinds with route and unused; widths, title lines included), for
        :func:`_chrome_px`."""
        if not self.lines:
            return []
        return [len(style.EDGE_STYLES) + 2, len(flows.reference_counts(self.top)) + len(self.legend_title()) - 1]


def _arrow_size(width: float) -> float:
    """An arrowhead's area for a line ``width`` pixels wide: the default head on a default line, larger on thick."""
    return round(max(70.0, (6.5 + 1.55 * width) ** 2), 1)


def _with_flow(journey: Journey, edges: pd.DataFrame, points: pd.DataFrame, plan: _FlowPlan
               ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Edges and curve points with the flow's count, width, look (legend entry) and tooltip text per edge."""
    flow = plan.flow
    design = {(t.source, t.target): t.share for t in journey.transitions}
    leaving = flow.leaving()
    pairs = list(zip(edges["source"], edges["target"], strict=True))
    counts = [flow.count(s, t) for s, t in pairs]
    routes = (edges["kind"] == flows.ROUTE).to_numpy(bool)
    widths = [flows.width(n, plan.top) for n in counts]
    texts, observed, designed = [], [], []
    for (s, t), n, route, frm, to in zip(pairs, counts, routes, edges["from"], edges["to"], strict=True):
        if route:
            texts.append(f"{flows.ROUTE}: {flows.customers(n)} went from {frm} to {to}")
            designed.append("not designed")
        else:
            texts.append(flows.NOBODY if n == 0 else f"{flows.customers(n)} went this way")
            share = flow.expected_share.get((s, t), design[(s, t)])
            designed.append("not set" if share is None else f"{share:.0%}")
        observed.append(flows.share_text(n, leaving.get(s, 0)))
    edges = edges.assign(
        customers=np.array(counts, dtype=int), width=widths,
        look=np.where(routes, flows.ROUTE, np.where(np.array(counts) == 0, flows.UNUSED, edges["kind"])),
        flow_text=texts, observed_share=observed, share_text=designed,
        mark_size=np.where(edges["loop"].to_numpy(bool), LOOP_SIZE, [_arrow_size(w) for w in widths]))
    # Undesigned routes are drawn last (on top), thick lines before thin ones within each group.
    order = np.lexsort((-np.array(widths), routes))
    edges = edges.iloc[order].reset_index(drop=True)
    rank = pd.Series(np.arange(len(edges)), index=edges["edge"])
    cols = ["customers", "width", "look", "flow_text", "observed_share", "share_text"]
    by_edge = edges.set_index("edge")[cols]
    points = points.drop(columns=["share_text"])
    points = points.join(by_edge, on="edge").assign(_rank=points["edge"].map(rank)).sort_values(
        ["_rank", "order"], kind="stable").drop(columns="_rank").reset_index(drop=True)
    return edges, points


def _loop_frame(nodes: pd.DataFrame, journey: Journey, plan: _FlowPlan) -> pd.DataFrame:
    """One row per drawn loop (A→A observed): its "↻ N" pill, tooltip and whether the journey designs it."""
    flow = plan.flow
    design = {t.source: str(t.kind) for t in journey.transitions if t.source == t.target}
    leaving = flow.leaving()
    at = {sid: i for i, sid in enumerate(nodes["id"])}
    labels, xs, ys = nodes["label"].tolist(), nodes["x"].tolist(), nodes["y"].tolist()
    rows = []
    for sid in plan.loops:
        label, n = labels[at[sid]], flow.count(sid, sid)
        text = f"↻ {flows.count_text(n)}"
        width = style.text_width(text, BADGE_FONT) * 1.1 + 2 * BADGE_PAD  # DejaVu is wider than most
        rows.append({
            "id": sid, "label": label, "x": xs[at[sid]], "y": ys[at[sid]], "loop_text": text,
            "loop_width": round(width, 1), "loop_shape": _pill(width), "designed": sid in design,
            "loop_colour": style.EDGE_STYLES[design[sid]][0] if sid in design else flows.ROUTE_COLOUR,
            "flow_text": (f"{flows.customers(n)} went round this loop" if sid in design
                          else f"{flows.ROUTE}: {flows.customers(n)} went from {label} back to it"),
            "observed_share": flows.share_text(n, leaving.get(sid, 0))})
    return pd.DataFrame.from_records(rows, columns=[
        "id", "label", "x", "y", "loop_text", "loop_width", "loop_shape", "designed", "loop_colour", "flow_text",
        "observed_share"])


def _flow_width_legend(plan: _FlowPlan) -> dict[str, Any] | None:
    """Three reference line widths labelled with the counts they stand for (None when nobody moved)."""
    counts = flows.reference_counts(plan.top)
    if not counts:
        return None
    widths = [flows.width(n, plan.top) for n in counts]
    labels = style.js_string_array([flows.count_text(n) for n in counts])
    legend = _legend(plan.legend_title(), len(counts), symbolType="stroke", symbolSize=300, values=widths,
                     labelExpr=f"{labels}[indexof({json.dumps(widths)}, datum.value)] || ''",
                     symbolStrokeColor=style.EDGE_STYLES["normal"][0], titleLimit=200)
    del legend["symbolStrokeWidth"]  # the widths are the point
    return legend


def _flow_title(flow: FlowOverlay) -> str:
    return " ".join(style.clean(flow.title).split()) or "Customers"


def _flow_edge_layers(edges: pd.DataFrame, points: pd.DataFrame, grid: _Grid, plan: _FlowPlan) -> list[alt.Chart]:
    """The edges as in :func:`_edge_layers`, but as wide as the customers who took them.

    Colour and dash still tell the kind; designed transitions nobody took are thin, dotted and
    grey, undesigned routes dashed in :data:`journeys.charts.flow.ROUTE_COLOUR`. The widths are
    computed in Python (the data carries them); an identity scale gives them their legend.
    """
    domain = [*style.EDGE_STYLES, flows.ROUTE, flows.UNUSED]
    colours = {"domain": domain, "range": [*(c for c, _, _ in style.EDGE_STYLES.values()), flows.ROUTE_COLOUR,
                                           flows.UNUSED_COLOUR]}
    dashes = {"domain": domain, "range": [*(d for _, _, d in style.EDGE_STYLES.values()), flows.ROUTE_DASH,
                                          flows.UNUSED_DASH]}
    tooltip = [_tip("flow_text", _flow_title(plan.flow)), _tip("from"), _tip("to"),
               _tip("observed_share", "share of those leaving"), _tip("share_text", "designed share"), _tip("kind")]
    faded = {"condition": {"test": f"datum.look === '{flows.UNUSED}'", "value": flows.UNUSED_OPACITY}, "value": 1}
    layers = []
    if len(points):
        legend = _legend("transition", len(domain), symbolType="stroke", symbolStrokeWidth=2.5, symbolSize=300)
        layers.append(_layer("edges", points, {"type": "line", "interpolate": "basis", "clip": True, "aria": False}, {
            **grid.xy("x", "y"), "detail": {"field": "edge", "type": "nominal"},
            "order": {"field": "order", "type": "quantitative"},
            "color": {"field": "look", "type": "nominal", "scale": colours, "legend": legend},
            "strokeDash": {"field": "look", "type": "nominal", "scale": dashes, "legend": legend},
            "strokeWidth": {"field": "width", "type": "quantitative", "legend": _flow_width_legend(plan), "scale": {
                "type": "linear", "domain": [flows.ZERO_WIDTH, flows.MAX_WIDTH],
                "range": [flows.ZERO_WIDTH, flows.MAX_WIDTH]}},
            "opacity": faded, "tooltip": tooltip}))
    if len(edges):
        # A designed loop customers went round shows as its "↻ N" badge (in the loop's colour) instead.
        hidden = {"condition": [{"test": "datum.loop && datum.customers > 0", "value": 0}, faded["condition"]],
                  "value": 1}
        angle = ARROW_ANGLE
        layers.append(_layer("arrows", edges, {
            "type": "point", "clip": True, "aria": False, "filled": False,
            "angle": {"expr": f"datum.loop ? 0 : {angle} * 180 / PI + 90"},
            "xOffset": {"expr": f"datum.loop ? 0 : -datum.back * cos({angle})"},
            "yOffset": {"expr": f"datum.loop ? -(datum.back + 5) : -datum.back * sin({angle})"},
            "strokeWidth": {"expr": "datum.loop ? 1.8 : 0.5"},
        }, {
            **grid.xy("tx", "ty"),
            "shape": {"field": "shape", "type": "nominal", "scale": None},
            "size": {"field": "mark_size", "type": "quantitative", "scale": None},
            "stroke": {"field": "look", "type": "nominal", "scale": colours, "legend": None},
            "fill": {"condition": {"test": "datum.loop", "value": "transparent"}, "field": "look", "type": "nominal",
                     "scale": colours, "legend": None},
            "opacity": hidden, "tooltip": tooltip}))
    return layers


def _loop_badge_layers(loops: pd.DataFrame, grid: _Grid, flow: FlowOverlay) -> list[alt.Chart]:
    """A "↻ N" pill by each step customers went round: outlined in the loop's kind colour when designed (it
    stands in for the loop glyph), dashed navy when not."""
    if not len(loops):
        return []
    at = {"clip": True, "aria": False, "xOffset": {"expr": f"{LOOP_BADGE_RIGHT} - datum.loop_width / 2"},
          "yOffset": LOOP_BADGE_DY}
    tooltip = [_tip("label", "step"), _tip("flow_text", _flow_title(flow)),
               _tip("observed_share", "share of those leaving")]
    return [
        _layer("flow_loops", loops, {
            "type": "point", "filled": True, "size": 4, "fill": "white", "opacity": 1, **at,
            "strokeDash": {"expr": f"datum.designed ? [1, 0] : {json.dumps(flows.LOOP_DASH)}"},
            "strokeWidth": 1.2}, {
            **grid.xy("x", "y"), "shape": {"field": "loop_shape", "type": "nominal", "scale": None},
            "stroke": {"field": "loop_colour", "type": "nominal", "scale": None},
            "tooltip": tooltip}),
        _layer("flow_loop_text", loops, {
            "type": "text", "align": "center", "baseline": "middle", "fontSize": BADGE_FONT, "fontWeight": "bold",
            "font": LOOP_FONT, "color": {"expr": f"datum.designed ? '{style.INK}' : '{flows.ROUTE_COLOUR}'"}, **at},
            {**grid.xy("x", "y"), "text": {"field": "loop_text", "type": "nominal"}, "tooltip": tooltip}),
    ]


def _ring_layer(rings: pd.DataFrame, grid: _Grid) -> alt.Chart:
    """Rings around marked steps, with a legend listing only the kinds present."""
    present = [v[0] for v in style.RINGS.values() if v[0] in set(rings["ring"])]
    colours = [v[1] for v in style.RINGS.values() if v[0] in present]
    return _layer("rings", rings, {"type": "point", "filled": False, "opacity": 1, "clip": True, "aria": False}, {
        **grid.xy("x", "y"),
        "color": {"field": "ring", "type": "nominal", "scale": {"domain": present, "range": colours},
                  "legend": _legend("marked", len(present), symbolStrokeWidth=2.5)},
        "size": {"field": "ring_size", "type": "quantitative", "scale": None},
        "strokeWidth": {"field": "ring_width", "type": "quantitative", "scale": None},
        "tooltip": [_tip("label", "step"), _tip("ring", "marked")]})


def _selected_layers(nodes: pd.DataFrame, grid: _Grid) -> list[alt.Chart]:
    """The selected step's blue ring and bold label: always present (zero or one row), no legend.

    Selecting another step then changes the chart's data only, never its spec, so
    Streamlit updates the view in place instead of rebuilding it.
    """
    _, colour, size, width = style.RINGS["selected"]
    chosen = nodes.loc[nodes["selected"], ["id", "label", "text", "kind", "row", "x", "y", "label_width"]].copy()
    ring = _layer("selected_ring", chosen, {
        "type": "point", "filled": False, "opacity": 1, "clip": True, "aria": False, "color": colour, "size": size,
        "strokeWidth": width}, {**grid.xy("x", "y"), "tooltip": [_tip("label", "selected step")]})
    label = _layer("selected_label", chosen, {
        "type": "text", "clip": True, "aria": False, "align": "center", "baseline": "top", "lineBreak": "\n",
        "fontSize": LABEL_FONT, "lineHeight": LINE_PX, "fontWeight": "bold", "color": style.SELECTED_LABEL,
        "dy": {"expr": LABEL_DY}, "dx": {"expr": LABEL_DX},
    }, {**grid.xy("x", "y"), "text": {"field": "text", "type": "nominal"},
        "tooltip": [_tip("label", "selected step")]})
    return [ring, label]


def _node_colour(journey: Journey, color_by: str) -> dict[str, Any]:
    """Colour of the steps; removed steps (and, by emotion, steps without one) are grey."""
    grey = [{"test": "datum.status === 'removed'", "value": style.NO_VALUE_COLOUR}]
    if color_by == "channel":
        domain, colours = _channel_domain(journey.steps)
        return {"field": "channel", "type": "nominal", "scale": {"domain": domain, "range": colours},
                "legend": _legend("channel", len(domain)), "condition": grey}
    if color_by == "emotion":
        names = style.js_string_array([style.EMOTION_NAMES[e] for e in style.EMOTION_DOMAIN])
        return {"field": "emotion", "type": "ordinal",
                "scale": {"domain": style.EMOTION_DOMAIN, "range": style.EMOTION_COLOURS},
                "legend": _legend("emotion", len(style.EMOTION_DOMAIN), labelExpr=f"{names}[datum.value + 2]"),
                "condition": [*grey, {"test": "!isValid(datum.emotion)", "value": style.NO_VALUE_COLOUR}]}
    lanes = list(dict.fromkeys(style.clean(lane) for lane in journey.lanes))
    lane_colours = (style.LANE_COLOURS * (1 + len(lanes) // len(style.LANE_COLOURS)))[:len(lanes)]
    return {"field": "lane", "type": "nominal", "scale": {"domain": lanes, "range": lane_colours},
            "legend": _legend("lane", len(lanes)), "condition": grey}


def _overlay_colour(nodes: pd.DataFrame, overlay: MetricOverlay) -> dict[str, Any]:
    """Fill by the overlay's value (worse is red, gradient legend); hollow if too few tickets, grey if none."""
    values = nodes.loc[nodes["metric_state"] == "value", "metric"].astype(float).tolist()
    scale, labels = colour_scale(overlay, values)
    legend = {"title": overlay.legend_title(), "type": "gradient", "orient": "bottom", "direction": "horizontal",
              "gradientLength": 180, "gradientThickness": 10, "gradientStrokeColor": style.GRID,
              "format": overlay.format, "values": labels, "labelOverlap": "greedy", "titleFontSize": 11,
              "labelFontSize": 11, "titleColor": style.INK, "labelColor": style.INK, "titleAnchor": "start",
              "titleLimit": 320, "labelLimit": 130}
    if not values:
        legend = {**legend, "title": [*legend["title"], "no step has a value"]}  # and no labels: values is []
    return {"field": "metric", "type": "quantitative", "scale": scale, "legend": legend, "condition": [
        {"test": "datum.status === 'removed'", "value": style.NO_VALUE_COLOUR},
        {"test": "datum.metric_state === 'too_few'", "value": "white"},
        {"test": "datum.metric_state !== 'value'", "value": style.NO_VALUE_COLOUR}]}


def _node_layers(journey: Journey, nodes: pd.DataFrame, grid: _Grid, color_by: str,
                 extra_tooltip: list[dict[str, Any]], overlay: MetricOverlay | None = None) -> list[alt.Chart]:
    """The clickable steps and their labels (staggered; hidden while they would overlap)."""
    tooltip = [_tip("label", "step"), _tip("stage"), _tip("lane"), _tip("channel"), _tip("emotion_text", "emotion"),
               _tip("kind"), _tip("handled_by", "handled by"), _tip("owner"), *extra_tooltip]
    colour: dict[str, Any] = {"color": _node_colour(journey, color_by)}
    if overlay is not None:
        # The hollow "too few" ring needs an outline: white would vanish on the lane bands.
        colour = {"color": _overlay_colour(nodes, overlay), "stroke": {
            "condition": {"test": "datum.metric_state === 'too_few'", "value": style.MUTED}, "value": "white"}}
    # The gradient legend takes the mark's opacity (a point's default 0.7 washes it out); the steps' own
    # opacity comes from their "opacity" field either way.
    steps = _layer("steps", nodes, {"type": "point", "filled": True, "stroke": "white", "strokeWidth": 1.5,
                                    "cursor": "pointer", "clip": True, "invalid": None,
                                    **({"opacity": 1} if overlay is not None else {})}, {
        **grid.xy("x", "y"), **colour,
        "shape": {"field": "kind", "type": "nominal", "legend": _legend("step", len(style.KIND_SHAPES)), "scale": {
            "domain": list(style.KIND_SHAPES), "range": list(style.KIND_SHAPES.values())}},
        "size": {"field": "size", "type": "quantitative", "scale": None},
        "opacity": {"field": "opacity", "type": "quantitative", "scale": None},
        "description": {"field": "label", "type": "nominal"},  # the step's ARIA label (browser tests find it)
        "tooltip": tooltip})
    # A label shows once the zoom (pixels per x unit on screen) gives it room (label_ppu). The selected step's
    # label is drawn in bold by its own layer, so the plain one steps aside.
    room = "abs(scale('x', 1) - scale('x', 0))"
    labels = _layer("labels", nodes, {
        "type": "text", "clip": True, "aria": False, "align": "center", "baseline": "top", "lineBreak": "\n",
        "fontSize": LABEL_FONT, "lineHeight": LINE_PX, "color": style.INK,
        "dy": {"expr": LABEL_DY}, "dx": {"expr": LABEL_DX},
    }, {**grid.xy("x", "y"), "text": {"field": "text", "type": "nominal"}, "tooltip": tooltip,
        "opacity": {"value": {
            "expr": f"!datum.selected && {room} >= datum.label_ppu ? (datum.status === 'removed' ? 0.5 : 1) : 0"}}})
    return [steps, labels]


def _badge_layers(nodes: pd.DataFrame, grid: _Grid) -> list[alt.Chart]:
    """A yellow count bubble at the top right of each step with workshop notes."""
    badges = nodes.loc[nodes["notes"] > 0, ["id", "label", "x", "y", "notes"]].copy()
    if not len(badges):
        return []
    badges["count"] = [str(n) if n < 10 else "9+" for n in badges["notes"]]
    tooltip = [_tip("label", "step"), _tip("notes", "workshop notes", "quantitative")]
    at = {"xOffset": 11, "yOffset": -11, "clip": True, "aria": False}
    return [
        _layer("badges", badges, {"type": "point", "filled": True, "opacity": 1, "size": 190, "fill": style.BADGE_FILL,
                                  "stroke": "white", "strokeWidth": 1, **at},
               {**grid.xy("x", "y"), "tooltip": tooltip}),
        _layer("badge_counts", badges, {"type": "text", "fontSize": 9, "fontWeight": "bold", "color": style.INK,
                                        "baseline": "middle", **at},
               {**grid.xy("x", "y"), "text": {"field": "count", "type": "nominal"}, "tooltip": tooltip}),
    ]


def _overlay_tooltip(overlay: MetricOverlay) -> list[dict[str, Any]]:
    """The value with its unit (or "no tickets" / "too few tickets") under the metric's name, and the period."""
    return [_tip("metric_text", style.clean(overlay.title) or "value"),
            *([_tip("metric_period", "period")] if overlay.period.strip() else [])]


def _metric_badge_layers(nodes: pd.DataFrame, grid: _Grid, overlay: MetricOverlay) -> list[alt.Chart]:
    """The overlay's value (or "too few") in a white pill above each step that has one.

    Pills of one lane are staggered into BADGE_ROWS rows, and one still overlapping a
    neighbour is hidden until the zoom gives it room (its value stays in the step's tooltip).
    """
    badges = nodes.loc[nodes["badge"].notna(), ["id", "label", "x", "y", "status", "metric_state", "metric_text",
                                                "metric_period", "badge", "badge_width", "badge_shape", "badge_row",
                                                "badge_ppu"]].copy()
    room = "abs(scale('x', 1) - scale('x', 0))"
    shown = f"{room} >= datum.badge_ppu ? (datum.status === 'removed' ? 0.5 : 1) : 0"
    at = {"clip": True, "aria": False, "xOffset": {"expr": BADGE_DX}, "yOffset": {"expr": BADGE_DY},
          "opacity": {"expr": shown}}
    tooltip = [_tip("label", "step"), *_overlay_tooltip(overlay)]
    too_few = "datum.metric_state === 'too_few'"
    return [
        _layer("metric_badges", badges, {"type": "point", "filled": True, "size": 4, "fill": "white",
                                         "stroke": "#9aa5b1", "strokeWidth": 0.8, **at}, {
            **grid.xy("x", "y"), "shape": {"field": "badge_shape", "type": "nominal", "scale": None},
            "tooltip": tooltip}),
        _layer("metric_badge_text", badges, {
            "type": "text", "align": "center", "baseline": "middle", "fontSize": BADGE_FONT,
            "fontWeight": {"expr": f"{too_few} ? 'normal' : 'bold'"},
            "fontStyle": {"expr": f"{too_few} ? 'italic' : 'normal'"},
            "color": {"expr": f"{too_few} ? '{style.MUTED}' : '{style.INK}'"}, **at},
            {**grid.xy("x", "y"), "text": {"field": "badge", "type": "nominal"}, "tooltip": tooltip}),
    ]


def journey_map(journey: Journey, *, color_by: str = "channel", highlight: Collection[str] = (),
                selected: str | None = None, status: Mapping[str, str] | None = None,
                note_counts: Mapping[str, int] | None = None, selection_name: str = "step",
                height: int | None = None, overlay: MetricOverlay | None = None,
                flow: FlowOverlay | None = None) -> alt.LayerChart:
    """The journey as a clickable service blueprint.

    ``color_by`` is "channel", "emotion" or "lane". ``highlight`` rings steps in red
    (structural findings), ``selected`` gets a blue ring and a bold label,
    ``status`` (step id → added/changed/removed/same) marks a compare view, and
    ``note_counts`` puts a count badge on steps with workshop notes. ``overlay`` (a
    :class:`~journeys.charts.overlay.MetricOverlay`) colours the steps by a metric instead
    of ``color_by`` and puts each step's value in a badge above it. ``flow`` (a
    :class:`~journeys.charts.flow.FlowOverlay`) draws how customers actually moved: each
    designed transition as wide as its count (thin, dotted and grey when nobody took it),
    the observed routes the journey lacks as dashed navy curves, and a "↻ N" badge on steps
    customers went round. Ids not in the journey are ignored. Returns a :class:`JourneyMapChart`.

    In Streamlit (checked on 1.67)::

        event = st.altair_chart(chart, on_select="rerun", key="map",
                                selection_mode=[name, f"{name}_zoom"])
        ids = event["selection"][name]   # [{"id": "triage"}] after a click, {} before any

    A click on a step (its label, ring or badge too) selects it; other clicks are
    ignored and a double click clears. Ctrl/Shift + wheel (or pinch) zooms and a drag
    pans along the stages; a double click resets. Listing ``<name>_zoom`` in
    ``selection_mode`` keeps the zoom when the map's data changes (e.g. a new
    ``selected``), at one rerun per zoom gesture; without it Streamlit resets the
    zoom on every such change. ``selected`` only changes the chart's data, never its
    spec, so Streamlit updates the drawn map in place.
    """
    if color_by not in COLOR_BY:
        raise ValueError(f"color_by must be one of {', '.join(COLOR_BY)}, not {color_by!r}")
    status = dict(status or {})
    bad = sorted({v for v in status.values() if v not in STATUSES})
    if bad:
        raise ValueError(f"status values must be one of {', '.join(STATUSES)}, not {', '.join(map(repr, bad))}")
    layout = swimlane_layout(journey)
    ppu = _px_per_unit(layout)
    nodes = _node_frame(journey, layout, ppu, highlight=set(highlight), selected=selected,
                        status=status, note_counts=note_counts or {})
    if overlay is not None:
        nodes = _with_overlay(nodes, overlay, ppu)
    rings = _rings_frame(nodes)
    plan = _FlowPlan.of(journey, flow) if flow is not None else None
    chart_height, plot_height, below = _plot_size(journey, nodes, height, _chrome_px(
        journey, layout, ppu, color_by, rings, overlay, plan.legend_rows() if plan is not None else None))
    grid = _Grid(journey, layout, below)
    edges, points = _edge_frames(journey, nodes, ppu, plot_height / (grid.bottom + 0.5), layout.width,
                                 plan.routes if plan is not None else ())
    if plan is not None:
        edges, points = _with_flow(journey, edges, points, plan)
        edge_layers = _flow_edge_layers(edges, points, grid, plan)
        loop_layers = _loop_badge_layers(_loop_frame(nodes, journey, plan), grid, plan.flow)
    else:
        edge_layers, loop_layers = _edge_layers(edges, points, grid), []

    extra_tooltip = ([_tip("notes", "workshop notes", "quantitative")] if note_counts else []) + (
        [_tip("status")] if status else [])
    if overlay is not None:
        extra_tooltip += _overlay_tooltip(overlay)
    layers = [*_grid_layers(journey, grid), *edge_layers,
              *([_ring_layer(rings, grid)] if len(rings) else []),
              *_node_layers(journey, nodes, grid, color_by, extra_tooltip, overlay),
              *_selected_layers(nodes, grid),
              *(_metric_badge_layers(nodes, grid, overlay) if overlay is not None else []), *loop_layers,
              *_badge_layers(nodes, grid)]
    params = [
        # Zoom and pan along the stages only (lanes stay put); plain wheel keeps scrolling the page.
        alt.TopLevelSelectionParameter(
            name=f"{selection_name}_zoom", views=["lanes"], bind="scales",
            select={"type": "interval", "encodings": ["x"],
                    "zoom": "wheel![event.ctrlKey || event.shiftKey || event.metaKey]"}),
        # The one point selection Streamlit reads: a click on a step (or its label, ring or badge) gives
        # [{"id": step_id}]. Clicks elsewhere (ending a pan, on a lane or an edge) are ignored rather than
        # reported as an id-less [{}], which would rerun the page and reset the zoom.
        alt.TopLevelSelectionParameter(
            name=selection_name, views=["steps"],
            select={"type": "point", "fields": ["id"], "toggle": False, "clear": "dblclick",
                    "on": "click[event.item && event.item.datum && event.item.datum.id]"}),
    ]
    independent = dict.fromkeys(["color", "shape", "size", "strokeWidth", "strokeDash", "opacity"], "independent")
    # No top-level config, so pages can still concatenate the map with other charts.
    chart = JourneyMapChart(
        layer=layers, params=params, resolve={"scale": independent}, width="container", height=chart_height,
        view={"stroke": None}, usermeta={"journeys": {
            "export_width": _nominal_width(layout), "fit": True, "plot_height": plot_height, "chart": "journey_map"}})
    object.__setattr__(chart, "_journeys_datasets",
                       {layer.name: style.records(layer._journeys_rows) for layer in layers})
    return chart
