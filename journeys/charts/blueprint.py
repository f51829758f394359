"""The journey map as a board: step cards on the stage × lane grid, an emotion band under it.

Stages run left to right (column headers on top), lanes top to bottom (customer,
frontstage, backstage, system). Each step is a card in its stage × lane cell
(:mod:`journeys.charts.board` places them and routes the transitions between them,
in board pixels); the label is wrapped in Python on up to three lines, the card's
strip shows the colour-by (channel, emotion, lane, or an overlay's metric), its
footer the channel (and the kind, for decisions and outcomes) and a dot the emotion.
Under the lanes, in the same chart and on the same x scale, the emotion band draws
the most likely path's emotion step by step, so it lines up with the cards at any
width and zoom.

The x scale runs over board pixels; Vega shrinks the text with the cards when the
container is narrower than the board (and keeps it at size once zoomed in), so
labels stay inside their cards at any width.

The layers are written as plain Vega-Lite dictionaries rather than through
Altair's ``encode()``: Altair validates every channel against the JSON schema as
it is built, which cost more than the rest of a 200-step map together. The
spec is validated in the tests instead (``to_dict(validate=True)`` over random
journeys), and :class:`JourneyMapChart` skips re-validating it on every
Streamlit rerun.
"""

from __future__ import annotations

import copy
import functools
import json
import math
from collections.abc import Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import altair as alt
import numpy as np
import pandas as pd
from altair.utils.schemapi import debug_mode
from altair.vegalite.v6.schema.core import TopLevelLayerSpec

from journeys.charts import flow as flows
from journeys.charts import style
from journeys.charts.board import NORMAL, PRESENT, Board, Route, board_layout, relabelled, routes
from journeys.charts.flow import FlowOverlay
from journeys.charts.overlay import MetricOverlay, colour_scale
from journeys.graph import most_likely_path
from journeys.model import Journey, Step

COLOR_BY = ("channel", "emotion", "lane")
STATUSES = ("added", "changed", "removed", "same")

AXIS_PX = 110  # room the lane labels take on the left of the plot
MAX_WIDTH = 4000  # widest export; larger maps are read by zooming
HEADER_FONT = 13
LEGEND_ROWS = 4
MAX_LEGEND_COLUMNS = 4
LEGEND_OFFSET = 18  # Vega's gap between the plot and the legends
LEGEND_TITLE_PX = 18
LEGEND_ROW_PX = 20
LINE_RATIO = 1.17  # a label's line height per point of font

# Text shrinks with the board when the plot is narrower (or shorter) than the board's pixels, and stays at
# its size once zoomed in: the cards keep their text inside at every width and zoom.
FIT = ("min(1, abs(scale('x', 100) - scale('x', 0)) / 100, abs(scale('y', 100) - scale('y', 0)) / 100)")

ARROW_SIZE = 55
ARROWS = "arrows"  # the arrowheads' dataset: one row per transition, with its words
CARD_RADIUS = {"touchpoint": 6, "decision": 2, "outcome": 16}  # outcomes are pills, decisions square-cornered
KIND_DASH = {"touchpoint": [1, 0], "decision": [5, 3], "outcome": [1, 0]}
KIND_STROKE = {"touchpoint": 1.0, "decision": 1.6, "outcome": 2.4}
CARD_STROKE = "#9aa5b1"
RING_PAD = 4.0  # a ring's rectangle reaches this far outside its card
EMOTION_TITLE = "Emotion"

# A metric overlay's value sits in a white pill on the top edge of its card.
BADGE_FONT = 10
BADGE_H = 14
BADGE_PAD = 5  # text to pill edge

# A self-loop's "↻ N" pill sits on the card's top-left corner.
# "↻" is missing from Liberation Sans, and vl-convert then sets the whole badge in a serif fallback.
LOOP_FONT = "DejaVu Sans, Verdana, sans-serif"


class JourneyMapChart(alt.LayerChart):
    """The map's LayerChart: ``to_dict()`` does not re-validate by default.

    Streamlit calls ``to_dict()`` on every rerun, and validating this many-layer
    spec against Vega-Lite's JSON schema costs ≈40 ms each time, a quarter of a
    map interaction's budget. The builder's output is validated by the tests;
    pass ``validate=True`` to check a chart anyway.
    """

    def to_dict(self, validate: bool = False, **kwargs: Any) -> dict[str, Any]:
        fast = hasattr(self, "_journeys_layers") and not kwargs
        spec = self._plain_dict() if fast else super().to_dict(validate=False, **kwargs)
        # Layers name their data; the rows join here, after Altair's deep copies of the
        # spec (copying 1,000 rows per layer cost more than everything else put together).
        # The routes' and the grid's rows are shared by every map of the same structure: read, never edit.
        spec["datasets"] = {**spec.get("datasets", {}), **getattr(self, "_journeys_datasets", {})}
        if (spec.get("usermeta") or {}).get("journeys", {}).get("present"):
            _one_row_legends(spec)
        if validate:
            TopLevelLayerSpec.validate(spec)
        return spec


    def _plain_dict(self) -> dict[str, Any]:
        """The spec as Altair writes it, from the plain layer dictionaries, without Altair's deep copies and
        per-object conversion (half the cost of a 200-step map). The layers are copied: callers may edit."""
        top = {name: getattr(self, name) for name in ("height", "resolve", "usermeta", "view", "width")}
        params = self.params if isinstance(self.params, list) else []  # the builder always sets a list
        return {"config": {"view": {"continuousWidth": 300, "continuousHeight": 300}},
                "layer": copy.deepcopy(self._journeys_layers),
                **{k: v for k, v in copy.deepcopy(top).items() if v is not alt.Undefined},
                "params": [p.to_dict(validate=False) for p in params], "$schema": alt.SCHEMA_URL}


def _one_row_legends(spec: dict[str, Any]) -> None:
    """Present mode: every legend on one row, so the board and its emotion band get the screen's height."""
    for layer in spec.get("layer", []):
        for channel in (layer.get("encoding") or {}).values():
            legend = channel.get("legend") if isinstance(channel, dict) else None
            if isinstance(legend, dict) and "columns" in legend:
                legend["columns"] = 24


def _legend_columns(entries: int) -> int:
    return min(MAX_LEGEND_COLUMNS, max(1, math.ceil(entries / LEGEND_ROWS)))


def _two_line_headers(journey: Journey, board: Board) -> bool:
    return any(" " in h.strip() and style.text_width(h, HEADER_FONT) + 12 > b - a
               for h, (a, b) in zip((style.clean(s) for s in journey.stages), board.stage_spans, strict=False))


def _chrome_px(journey: Journey, board: Board, color_by: str, rings: pd.DataFrame,
               overlay: MetricOverlay | None = None, flow_legends: Sequence[int] | None = None,
               present: bool = False) -> int:
    """Pixels the stage headers and the legends take above and below the plot.

    Streamlit fits the whole chart, headers and legends included, into its height
    (autosize "fit"), and so does the export: the chart's height is the plot's plus this.
    Estimated from the fonts and legend rows, a little generously. ``flow_legends`` replaces the
    transition legend's entries by the flow's legends' (see :meth:`_FlowPlan.legend_rows`).
    """
    header = 8 + HEADER_FONT + 6 + (HEADER_FONT + 2 if _two_line_headers(journey, board) else 0)
    ids = set(journey.step_ids())
    lines = any(t.source in ids and t.target in ids for t in journey.transitions)
    colours = (2 if overlay is not None  # a gradient, its labels and a two-line title
               else len(_channel_domain(journey.steps)[0]) if color_by == "channel"
               else len(style.EMOTION_DOMAIN) if color_by == "emotion" else len(set(journey.lanes)))
    edge_entries = [len(style.EDGE_STYLES)] if lines else []
    if flow_legends is not None:
        edge_entries = list(flow_legends)
    entries = [colours, *edge_entries, *([rings["ring"].nunique()] if len(rings) else [])]
    rows = 1 if present else max(math.ceil(n / _legend_columns(n)) for n in entries)
    return header + LEGEND_OFFSET + LEGEND_TITLE_PX + rows * LEGEND_ROW_PX


def _legend(title: str | list[str], entries: int, **extra: Any) -> dict[str, Any]:
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


def _footer(step: Step, channel: str) -> str:
    """The card's footer: the channel, and the kind for decisions and outcomes (the card's shape says it too)."""
    kind = str(step.kind)
    text = channel if kind == "touchpoint" else f"{kind} · {channel}"
    return style.truncate(text, 26)


def _node_frame(journey: Journey, board: Board, *, highlight: set[str], selected: str | None,
                status: Mapping[str, str], note_counts: Mapping[str, int]) -> pd.DataFrame:
    """One row per step: its card (board pixels), display text, and every per-step mark."""
    m = board.metrics
    records = []
    for s in journey.steps:
        card = board.cards[s.id]
        kind, handled = str(s.kind), str(s.handled_by)
        channel = _channel(s)
        records.append({
            "id": s.id, "label": style.clean(s.label), "text": "\n".join(card.lines), "font": card.font,
            "stage": style.clean(s.stage), "lane": style.clean(s.lane), "channel": channel,
            "footer": _footer(s, channel), "emotion": s.emotion, "emotion_text": _emotion_text(s.emotion),
            "kind": kind, "handled_by": handled, "owner": style.clean(s.owner) or "—",
            "x": round(card.cx, 2), "y": round(card.cy, 2), "left": card.left, "right": card.right,
            "top": card.top, "bottom": card.bottom, "strip_end": card.left + m.strip,
            "text_x": card.left + m.strip + m.pad, "text_y": card.top + m.pad,
            "foot_y": card.bottom - m.pad + 1, "status": status.get(s.id, "same"),
            "highlighted": s.id in highlight, "selected": s.id == selected,
            "notes": int(note_counts.get(s.id, 0)),
        })
    nodes = pd.DataFrame.from_records(records, columns=[
        "id", "label", "text", "font", "stage", "lane", "channel", "footer", "emotion", "emotion_text", "kind",
        "handled_by", "owner", "x", "y", "left", "right", "top", "bottom", "strip_end", "text_x", "text_y", "foot_y",
        "status", "highlighted", "selected", "notes"])
    nodes["emotion"] = nodes["emotion"].astype("Int64")
    nodes["opacity"] = np.where(nodes["status"] == "removed", 0.45, 1.0)
    return nodes


def _pill(width: float) -> str:
    """A pill ``width`` × BADGE_H pixels as a symbol path: Vega scales a custom shape by sqrt(size) / 2, size is 4."""
    r, a = BADGE_H / 2, max(0.0, width / 2 - BADGE_H / 2)
    arc = f"A {r:g} {r:g} 0 0 1"
    return f"M {-a:.1f} {-r:g} H {a:.1f} {arc} {a:.1f} {r:g} H {-a:.1f} {arc} {-a:.1f} {-r:g} Z"


def _with_overlay(nodes: pd.DataFrame, overlay: MetricOverlay) -> pd.DataFrame:
    """The nodes with the overlay's value, state, tooltip text and badge (text, pill shape) per step."""
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
    return nodes


def _plot_size(board: Board, height: int | None, chrome: int) -> tuple[int, int]:
    """Chart and plot height in pixels: the board's own height, unless a whole-chart ``height`` is given."""
    if height is not None:
        return int(height), max(1, int(height) - chrome)
    plot = math.ceil(board.height)
    return plot + chrome, plot


def _kept_pairs(journey: Journey, extra: Sequence[tuple[str, str]]) -> list[tuple[str, str, str, float | None]]:
    """The drawn transitions (source, target, kind, share) then ``extra``'s pairs, ends on the journey only."""
    ids = set(journey.step_ids())
    kept = [(t.source, t.target, str(t.kind), t.share) for t in journey.transitions
            if t.source in ids and t.target in ids]
    return kept + [(s, t, flows.ROUTE, None) for s, t in extra if s in ids and t in ids]


POINT_COLS = ["edge", "order", "x", "y", "kind"]


def _point_frame(kept: Sequence[tuple[str, str, str, float | None]], drawn: Sequence[Route]
                 ) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """The routes as points (lines), and the points' rows: geometry only, no labels.

    The rows are already what :func:`journeys.charts.style.records` would make of their frame, so
    2,000 of them skip the JSON round trip. A route line's tooltip looks its words up from the
    arrowheads' rows by ``edge`` (see :func:`_edge_layers`): renaming a step leaves the points as
    they were, and their Arrow bytes are reused.
    """
    rows = [{"edge": f"{s}→{t}", "order": k, "x": x, "y": y, "kind": kind}
            for (s, t, kind, _), route in zip(kept, drawn, strict=True) for k, (x, y) in enumerate(route.points)]
    return pd.DataFrame.from_records(rows, columns=POINT_COLS), rows


def _edge_frame(journey: Journey, kept: Sequence[tuple[str, str, str, float | None]], drawn: Sequence[Route]
                ) -> pd.DataFrame:
    """Transitions as one row each: where the arrowhead sits and points, and the words of its tooltip.

    Routes come from :func:`journeys.charts.board.routes`: orthogonal, in the gutters between
    cards. ``kept`` is :func:`_kept_pairs`'s list (a flow's undesigned pairs have the kind
    :data:`journeys.charts.flow.ROUTE`) and ``drawn`` their routes, in the same order.
    """
    edge_cols = ["edge", "source", "target", "from", "to", "kind", "share", "share_text", "loop", "tx", "ty",
                 "shape", "arrow_dx", "mark_size"]
    labels = {s.id: style.clean(s.label) for s in journey.steps}
    edge_rows = []
    for (s, t, kind, share), route in zip(kept, drawn, strict=True):
        tx, ty = route.points[-1]
        edge_rows.append({
            "edge": f"{s}→{t}", "source": s, "target": t, "from": labels[s], "to": labels[t], "kind": kind,
            "share": share, "share_text": "not set" if share is None else f"{share:.0%}", "loop": s == t,
            "tx": tx, "ty": ty, "shape": "triangle-right" if route.heading > 0 else "triangle-left",
            "arrow_dx": -3.5 * route.heading, "mark_size": ARROW_SIZE})
    return pd.DataFrame.from_records(edge_rows, columns=edge_cols)


@dataclass(eq=False)
class _Structure:
    """What a map draws from the journey's structure alone, built once per structure.

    The board, its grid, its routes and the most likely path depend only on the stages, lanes, the
    steps' ids, places and labels and the transitions: an edit of a step's emotion, channel, owner
    or kind (most workshop edits) leaves them as they were, so a save does not route 400
    transitions again. The object also stands for its datasets (the routes, the grid's bands and
    lines; see :func:`shared_datasets`): a cache may keep what it derives from them while it lives.
    """

    board: Board
    grid: _Grid
    grid_layers: list[alt.Chart]  # lane bands, stage and blueprint lines, the emotion band's zero
    path: tuple[str, ...]
    edges: pd.DataFrame
    points: pd.DataFrame
    rows: dict[int, list[dict[str, Any]]] = field(default_factory=dict)  # id(frame) → its records
    tokens: dict[int, Hashable] = field(default_factory=dict)  # id(frame) → what stands for its rows

    def records(self, frame: pd.DataFrame) -> list[dict[str, Any]] | None:
        """``frame``'s rows when it is one of this structure's frames (shared by every map drawing it: read-only)."""
        return self.rows.get(id(frame))

    def token(self, frame: pd.DataFrame) -> Hashable:
        """What stands for ``frame``'s rows: the geometry for the route points (the same across renames), else
        this structure."""
        return self.tokens.get(id(frame), self)


@dataclass(frozen=True, eq=False)
class _Keyed:
    """A journey that hashes and compares by ``key`` (its structure) so ``functools.lru_cache`` can hold it."""

    key: Hashable
    journey: Journey

    def __hash__(self) -> int:
        return hash(self.key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Keyed) and self.key == other.key


def _structure(journey: Journey, present: bool, extra: Sequence[tuple[str, str]]) -> _Structure:
    """The journey's :class:`_Structure`, from the cache when a journey of the same structure was drawn."""
    key = (present, tuple(journey.stages), tuple(journey.lanes), journey.entry_step(),
           tuple((s.id, s.stage, s.lane, s.label) for s in journey.steps),
           tuple((t.source, t.target, str(t.kind), t.share) for t in journey.transitions), tuple(extra))
    return _structure_of(_Keyed(key, journey))


@dataclass(frozen=True, eq=False)
class _Geometry:
    """Where cards sit, the routes between them and the most likely path: a structure less its labels.

    A renamed step (a common workshop edit) changes its card's text and the routes' tooltips, not
    the layout, so the routing and the path are kept for it. ``board``'s text is that of the first
    journey drawn: relabel it (:func:`journeys.charts.board.relabelled`) before use.
    """

    board: Board
    routes: tuple[Route, ...]
    path: tuple[str, ...]
    points: pd.DataFrame  # the routes as points (see :func:`_point_frame`)
    point_rows: list[dict[str, Any]]


@functools.lru_cache(maxsize=16)
def _geometry_of(keyed: _Keyed) -> _Geometry:
    journey = keyed.journey
    present, extra = keyed.key[0], keyed.key[-1]  # type: ignore[index]
    board = board_layout(journey, PRESENT if present else NORMAL)
    kept = _kept_pairs(journey, extra)
    drawn = tuple(routes(board, [(s, t) for s, t, _, _ in kept]))
    points, point_rows = _point_frame(kept, drawn)
    return _Geometry(board, drawn, tuple(most_likely_path(journey)), points, point_rows)


def _geometry(journey: Journey, present: bool, extra: tuple[tuple[str, str], ...]) -> _Geometry:
    key = (present, tuple(journey.stages), tuple(journey.lanes), journey.entry_step(),
           tuple((s.id, s.stage, s.lane) for s in journey.steps),
           tuple((t.source, t.target, str(t.kind), t.share) for t in journey.transitions), extra)
    return _geometry_of(_Keyed(key, journey))


@functools.lru_cache(maxsize=16)  # a 200-step journey's is ~3 MB (frames and rows)
def _structure_of(keyed: _Keyed) -> _Structure:
    journey = keyed.journey
    present, extra = keyed.key[0], keyed.key[-1]  # type: ignore[index]
    geometry = _geometry(journey, present, extra)
    board = relabelled(geometry.board, journey)
    grid = _Grid(journey, board)
    edges = _edge_frame(journey, _kept_pairs(journey, extra), geometry.routes)
    built = _Structure(board, grid, _grid_layers(journey, grid), geometry.path, edges, geometry.points)
    frames = [edges, *(layer._journeys_rows for layer in built.grid_layers)]
    built.rows.update({id(frame): style.records(frame) for frame in frames})
    built.rows[id(geometry.points)] = geometry.point_rows
    built.tokens[id(geometry.points)] = geometry
    return built


def shared_datasets(chart: alt.LayerChart) -> dict[str, Hashable]:
    """The map's datasets that are the same for every journey of the same structure, each with a token.

    The same token means the same rows: a cache keyed by the token (weakly: it lives as long as
    the structure is cached) can reuse what it made of them, e.g. their Arrow bytes, across
    versions of a journey whose edits did not change its structure.
    """
    return dict(getattr(chart, "_journeys_shared", {}))


def _rings_frame(nodes: pd.DataFrame) -> pd.DataFrame:
    """One row per ring: compare status (green/amber/grey) and structural finding (red).

    A ring is a rectangle just outside its card; a finding's sits outside a compare ring.
    The selected step's blue ring is a layer of its own (see :func:`_selected_layers`).
    """
    parts = []
    for kind, mask in (("added", nodes["status"] == "added"), ("changed", nodes["status"] == "changed"),
                       ("removed", nodes["status"] == "removed"), ("finding", nodes["highlighted"])):
        if mask.any():
            legend, _, _, width = style.RINGS[kind]
            part = nodes.loc[mask, ["id", "x", "y", "left", "right", "top", "bottom", "label"]].copy()
            pad = RING_PAD * (2 if kind == "finding" else 1)
            part["left"], part["right"] = part["left"] - pad, part["right"] + pad
            part["top"], part["bottom"] = part["top"] - pad, part["bottom"] + pad
            part["ring"], part["ring_width"] = legend, width
            parts.append(part)
    columns = ["id", "x", "y", "left", "right", "top", "bottom", "ring", "ring_width", "label"]
    return pd.concat(parts, ignore_index=True)[columns] if parts else pd.DataFrame(columns=columns)


def _blueprint_lines(lanes: list[str], board: Board) -> list[tuple[float, str]]:
    """The classic blueprint lines between the standard lanes, where those lanes are adjacent."""
    names = {("customer", "frontstage"): "line of interaction", ("frontstage", "backstage"): "line of visibility",
             ("backstage", "system"): "line of internal interaction"}
    low = [lane.lower() for lane in lanes]
    return [(board.lane_spans[i][1], names[(low[i], low[i + 1])]) for i in range(len(low) - 1)
            if (low[i], low[i + 1]) in names and i < len(board.lane_spans)]


def _stage_axis(journey: Journey, board: Board) -> dict[str, Any]:
    """The stage headers: one at each stage's centre, in two lines while one would not fit the stage.

    Which it is depends on the stage's width on screen, so Vega decides at render time
    (and again while zooming): a header fits on one line from ``need`` pixels per board pixel.
    Vega draws a label's extra lines below it, so a two-line header is raised by a line.
    """
    names = [style.clean(stage) for stage in journey.stages]
    spans = board.stage_spans[:len(names)]
    centres = [round((a + b) / 2, 3) for a, b in spans]
    wrapped = [style.wrap_two_lines(n, width=0).split("\n") if " " in n.strip() else n for n in names]
    need = [round((style.text_width(n, HEADER_FONT) + 12) / (b - a), 3) if isinstance(w, list) else 0
            for n, w, (a, b) in zip(names, wrapped, spans, strict=False)]
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

    Both run over board pixels: x from 0 to the board's width (stage headers at the stages'
    centres), y from the top of the first lane down to the bottom of the emotion band (lane
    names at the lanes' centres, the band's +2, 0 and −2 beside it).
    """

    def __init__(self, journey: Journey, board: Board) -> None:
        self.board = board
        self.width = board.width
        self.bottom = board.height
        lanes = [_lane_title(style.clean(lane)) for lane in journey.lanes][:len(board.lane_spans)]
        ys = [round((a + b) / 2, 3) for a, b in board.lane_spans[:len(lanes)]]
        marks = [(round(board.emotion_y(e), 3), text) for e, text in ((2, "+2"), (0, f"{EMOTION_TITLE} 0"),
                                                                        (-2, "−2"))]
        values = ys + [y for y, _ in marks]
        names = style.js_string_array(lanes + [text for _, text in marks])
        self.x_scale = {"domain": [0.0, round(self.width, 3)], "nice": False, "zero": False}
        self.y_scale = {"domain": [0.0, round(self.bottom, 3)], "nice": False, "zero": False, "reverse": True}
        self.x_axis = _stage_axis(journey, board)
        self.y_axis = {
            "values": values, "labelExpr": f"{names}[indexof({json.dumps(values)}, datum.value)] || ''",
            "labelFontSize": 12, "labelFontWeight": "bold", "labelColor": style.MUTED, "labelPadding": 10,
            "labelLimit": AXIS_PX - 16, "domain": False, "ticks": False, "grid": False, "title": None}

    def xy(self, x: str, y: str) -> dict[str, Any]:
        """Position encodings for fields ``x`` and ``y`` (same scale and axis in every layer)."""
        return {"x": {"field": x, "type": "quantitative", "scale": self.x_scale, "axis": self.x_axis, "title": None},
                "y": {"field": y, "type": "quantitative", "scale": self.y_scale, "axis": self.y_axis, "title": None}}

    def box(self, left: str, top: str, right: str, bottom: str) -> dict[str, Any]:
        """A rectangle's encodings from four fields (board pixels)."""
        return {**self.xy(left, top), "x2": {"field": right}, "y2": {"field": bottom}}


def _layer(name: str, data: pd.DataFrame, mark: dict[str, Any], encoding: dict[str, Any],
           data_name: str | None = None, transform: list[dict[str, Any]] | None = None) -> alt.Chart:
    """One layer from plain Vega-Lite pieces, skipping Altair's validation at construction.

    (Altair's own ``copy()`` builds objects the same way; the tests validate the whole spec.)
    Layers drawing the same rows name the same ``data_name``: the rows are sent once.
    """
    extra: dict[str, Any] = {"transform": transform} if transform else {}
    with debug_mode(False):
        # Altair takes a plain mark dict and an Encoding at run time; its signature names only other classes.
        chart = alt.Chart(alt.NamedData(name=data_name or name), name=name,
                          mark=mark, encoding=alt.Encoding(**encoding), **extra)  # type: ignore[arg-type]
    object.__setattr__(chart, "_journeys_rows", data)
    object.__setattr__(chart, "_journeys_data", data_name or name)
    object.__setattr__(chart, "_journeys_dict", {"data": {"name": data_name or name}, "mark": mark,
                                                 "encoding": encoding, "name": name, **extra})
    return chart


def _grid_layers(journey: Journey, grid: _Grid) -> list[alt.Chart]:
    """Lane bands (they carry the zoom), stage separators, the classic blueprint lines, the emotion band."""
    board = grid.board
    far = 50.0 * grid.width  # bands stay under the whole view while panning
    wide = {"x": -far, "x_end": grid.width + far}
    spans = board.lane_spans or [(0.0, board.lanes_bottom)]
    bands = pd.DataFrame({"y0": [a for a, _ in spans], "y1": [b for _, b in spans],
                          "shade": ["#f1f4f8" if i % 2 == 0 else "#fbfcfd" for i in range(len(spans))], **wide})
    top, bottom = board.emotion_span
    zero = board.emotion_y(0)
    emotion = pd.DataFrame({"y0": [top, zero], "y1": [zero, bottom], "shade": ["#eef7ef", "#fbeff0"], **wide})
    layers = [
        _layer("lanes", pd.concat([bands, emotion], ignore_index=True),
               {"type": "rect", "clip": True, "aria": False, "strokeWidth": 0}, {
                   **grid.box("x", "y0", "x_end", "y1"), "fill": {"field": "shade", "type": "nominal", "scale": None},
                   "tooltip": {"value": None}}),
        _layer("emotion_zero", pd.DataFrame({"y": [zero], **wide}), {
            "type": "rule", "clip": True, "aria": False, "color": style.MUTED, "strokeWidth": 1},
            {**grid.xy("x", "y"), "x2": {"field": "x_end"}}),
    ]
    if len(board.stage_spans) > 1:
        seps = pd.DataFrame({"x": [end for _, end in board.stage_spans[:-1]], "y0": 0.0, "y1": board.lanes_bottom})
        layers.append(_layer("stage_lines", seps, {"type": "rule", "clip": True, "aria": False, "color": style.GRID,
                                                   "strokeWidth": 1}, {**grid.xy("x", "y0"), "y2": {"field": "y1"}}))
    lines = _blueprint_lines(journey.lanes, board)
    if lines:
        bp = pd.DataFrame({"y": [y for y, _ in lines], "name": [n for _, n in lines], "xl": 0.0, **wide})
        layers.append(_layer("blueprint_lines", bp, {
            "type": "rule", "clip": True, "aria": False, "color": "#b4bcc7", "strokeDash": [4, 4], "strokeWidth": 1,
        }, {**grid.xy("x", "y"), "x2": {"field": "x_end"}}))
        layers.append(_layer("blueprint_line_names", bp, {
            "type": "text", "clip": True, "aria": False, "align": "left", "baseline": "bottom", "dx": 4, "dy": -1,
            "fontSize": 9, "fontStyle": "italic", "color": "#8a96a3",
        }, {**grid.xy("xl", "y"), "text": {"field": "name", "type": "nominal"}}))
    return layers


def _emotion_frame(journey: Journey, nodes: pd.DataFrame, board: Board, path: Sequence[str]) -> pd.DataFrame:
    """The most likely path's steps with an emotion, in path order, at the band's y for their emotion.

    Each point sits in its step's stage column; a stage the path visits several times spreads
    its points over the stage's width in path order, so the curve reads left to right.
    """
    at = {sid: i for i, sid in enumerate(nodes["id"])}
    stage_of = {s: i for i, s in enumerate(journey.stages)}
    path = [sid for sid in path if sid in at]
    stage_at = {s.id: s.stage for s in journey.steps}
    columns = [min(stage_of.get(stage_at[sid], 0), len(board.stage_spans) - 1) for sid in path]
    per_stage = {c: columns.count(c) for c in set(columns)}
    seen: dict[int, int] = {}
    rows = []
    # Plain lists: a pandas lookup per path step cost more than the rest of the band.
    emotions, labels, stages = (nodes[c].tolist() for c in ("emotion", "label", "stage"))
    for position, (sid, column) in enumerate(zip(path, columns, strict=True)):
        k = seen[column] = seen.get(column, -1) + 1
        i = at[sid]
        emotion = emotions[i]
        if emotion is None or pd.isna(emotion):
            continue
        a, b = board.stage_spans[column]
        rows.append({"position": position, "id": sid, "label": labels[i],
                     "stage": stages[i], "emotion": int(emotion),
                     "emotion_text": _emotion_text(int(emotion)),
                     "x": round(a + (b - a) * (k + 0.5) / per_stage[column], 2),
                     "y": round(board.emotion_y(int(emotion)), 2)})
    return pd.DataFrame.from_records(rows, columns=["position", "id", "label", "stage", "emotion", "emotion_text",
                                                    "x", "y"])


def _persona_frame(journey: Journey, curve: pd.DataFrame, board: Board) -> pd.DataFrame:
    """Each persona who feels differently somewhere on the curve: their emotion at each of its points.

    Bounded by personas × the curve's points; a persona that feels as the steps do everywhere adds nothing.
    """
    ids = curve["id"].tolist()
    steps = {s.id: s for s in journey.steps if s.id in set(ids)}
    rows = []
    for persona in journey.personas:
        if not any(persona in steps[sid].persona_emotions for sid in ids):
            continue
        for sid, position, x, label in zip(ids, curve["position"], curve["x"], curve["label"], strict=True):
            emotion = steps[sid].persona_emotions.get(persona, steps[sid].emotion)
            if emotion is None:
                continue
            rows.append({"persona": style.clean(persona), "position": int(position), "label": label,
                         "emotion_text": _emotion_text(int(emotion)), "x": x,
                         "y": round(board.emotion_y(int(emotion)), 2)})
    return pd.DataFrame.from_records(rows, columns=["persona", "position", "label", "emotion_text", "x", "y"])


def _emotion_layers(curve: pd.DataFrame, grid: _Grid, personas: pd.DataFrame | None = None) -> list[alt.Chart]:
    """The emotion curve in the band under the lanes: a line along the path and a dot per step, and a dashed
    line for each persona who feels differently somewhere on it (named in its tooltip)."""
    if not len(curve):
        return []
    tooltip = [_tip("label", "step"), _tip("stage"), _tip("emotion_text", "emotion")]
    persona_layers = [_layer("persona_lines", personas, {
        "type": "line", "clip": True, "aria": False, "strokeDash": [5, 3], "strokeWidth": 1.6, "opacity": 0.85}, {
        **grid.xy("x", "y"), "detail": {"field": "persona", "type": "nominal"},
        "order": {"field": "position", "type": "quantitative"},
        "color": {"field": "persona", "type": "nominal", "legend": None, "scale": {"scheme": "tableau10"}},
        "tooltip": [_tip("persona"), _tip("label", "step"), _tip("emotion_text", "emotion")]})] \
        if personas is not None and len(personas) else []
    return [
        *persona_layers,
        _layer("emotion_line", curve, {"type": "line", "clip": True, "aria": False, "color": "#8a96a3",
                                       "strokeWidth": 2.2}, {
            **grid.xy("x", "y"), "order": {"field": "position", "type": "quantitative"}, "tooltip": tooltip}),
        _layer("emotion_points", curve, {"type": "point", "filled": True, "opacity": 1, "size": 90, "clip": True,
                                         "stroke": "white", "strokeWidth": 1.5}, {
            **grid.xy("x", "y"), "tooltip": tooltip,
            "description": {"field": "emotion_text", "type": "nominal"},
            "color": {"field": "emotion", "type": "ordinal", "legend": None,
                      "scale": {"domain": style.EMOTION_DOMAIN, "range": style.EMOTION_COLOURS}}}),
    ]


def _arrow_layer(edges: pd.DataFrame, grid: _Grid, colour_field: str, colours: dict[str, Any],
                 tooltip: list[dict[str, Any]], extra: Mapping[str, Any] | None = None) -> alt.Chart:
    """Arrowheads where routes enter their target's side, pointing along the last run."""
    return _layer(ARROWS, edges, {
        "type": "point", "clip": True, "aria": False, "opacity": 1, "filled": True, "strokeWidth": 0.5,
        "xOffset": {"expr": "datum.arrow_dx"}}, {
        **grid.xy("tx", "ty"),
        "shape": {"field": "shape", "type": "nominal", "scale": None},
        "size": {"field": "mark_size", "type": "quantitative", "scale": None},
        "stroke": {"field": colour_field, "type": "nominal", "scale": colours, "legend": None},
        "fill": {"field": colour_field, "type": "nominal", "scale": colours, "legend": None},
        "tooltip": tooltip, **(extra or {})})


def _edge_words() -> dict[str, Any]:
    """A route line's tooltip words, looked up from the arrowheads' rows: the points carry geometry only."""
    return {"lookup": "edge", "from": {"data": {"name": ARROWS}, "key": "edge", "fields": ["from", "to", "share_text"]}}


def _edge_layers(edges: pd.DataFrame, points: pd.DataFrame, grid: _Grid) -> list[alt.Chart]:
    """Routes styled by kind (with the legend), arrowheads at the target's side, self-loops at the card."""
    domain = list(style.EDGE_STYLES)
    colours = {"domain": domain, "range": [c for c, _, _ in style.EDGE_STYLES.values()]}
    tooltip = [_tip("from"), _tip("to"), _tip("share_text", "share"), _tip("kind")]
    layers = []
    if len(points):
        # Colour, dash and width share one legend (Vega-Lite merges identical legends on one field).
        legend = _legend("transition", len(domain), symbolType="stroke", symbolStrokeWidth=2.5, symbolSize=300)
        layers.append(_layer("edges", points, {"type": "line", "clip": True, "aria": False}, {
            **grid.xy("x", "y"), "detail": {"field": "edge", "type": "nominal"},
            "order": {"field": "order", "type": "quantitative"},
            "color": {"field": "kind", "type": "nominal", "scale": colours, "legend": legend},
            "strokeDash": {"field": "kind", "type": "nominal", "legend": legend, "scale": {
                "domain": domain, "range": [dash for _, _, dash in style.EDGE_STYLES.values()]}},
            "strokeWidth": {"field": "kind", "type": "ordinal", "sort": domain, "legend": legend, "scale": {
                "domain": domain, "range": [w for _, w, _ in style.EDGE_STYLES.values()]}},
            "tooltip": tooltip}, transform=[_edge_words()]))
    if len(edges):
        layers.append(_arrow_layer(edges, grid, "kind", colours, tooltip))
    return layers


# --- observed flow ---------------------------------------------------------------------------------------


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
    return round(max(float(ARROW_SIZE), (5.0 + 1.3 * width) ** 2), 1)


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
        mark_size=[_arrow_size(w) for w in widths])
    # Undesigned routes are drawn last (on top), thick lines before thin ones within each group.
    order = np.lexsort((-np.array(widths), routes))
    edges = edges.iloc[order].reset_index(drop=True)
    rank = pd.Series(np.arange(len(edges)), index=edges["edge"])
    cols = ["from", "to", "customers", "width", "look", "flow_text", "observed_share", "share_text"]
    by_edge = edges.set_index("edge")[cols]
    points = points.join(by_edge, on="edge").assign(_rank=points["edge"].map(rank)).sort_values(
        ["_rank", "order"], kind="stable").drop(columns="_rank").reset_index(drop=True)
    return edges, points


def _loop_frame(nodes: pd.DataFrame, journey: Journey, plan: _FlowPlan) -> pd.DataFrame:
    """One row per drawn loop (A→A observed): its "↻ N" pill (at its card's top-left corner), tooltip and whether
    the journey designs it."""
    flow = plan.flow
    design = {t.source: str(t.kind) for t in journey.transitions if t.source == t.target}
    leaving = flow.leaving()
    at = {sid: i for i, sid in enumerate(nodes["id"])}
    labels, xs, ys = nodes["label"].tolist(), nodes["left"].tolist(), nodes["top"].tolist()
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
    """The routes as in :func:`_edge_layers`, but as wide as the customers who took them.

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
    # A designed loop customers went round shows as its "↻ N" badge (in the loop's colour) instead.
    hidden = {"condition": [{"test": "datum.loop && datum.customers > 0", "value": 0}, faded["condition"]],
              "value": 1}
    layers = []
    if len(points):
        legend = _legend("transition", len(domain), symbolType="stroke", symbolStrokeWidth=2.5, symbolSize=300)
        points = points.assign(loop=points["edge"].map(edges.set_index("edge")["loop"]).astype(bool))
        layers.append(_layer("edges", points, {"type": "line", "clip": True, "aria": False}, {
            **grid.xy("x", "y"), "detail": {"field": "edge", "type": "nominal"},
            "order": {"field": "order", "type": "quantitative"},
            "color": {"field": "look", "type": "nominal", "scale": colours, "legend": legend},
            "strokeDash": {"field": "look", "type": "nominal", "scale": dashes, "legend": legend},
            "strokeWidth": {"field": "width", "type": "quantitative", "legend": _flow_width_legend(plan), "scale": {
                "type": "linear", "domain": [flows.ZERO_WIDTH, flows.MAX_WIDTH],
                "range": [flows.ZERO_WIDTH, flows.MAX_WIDTH]}},
            "opacity": hidden, "tooltip": tooltip}))
    if len(edges):
        layers.append(_arrow_layer(edges, grid, "look", colours, tooltip, {"opacity": hidden}))
    return layers


def _loop_badge_layers(loops: pd.DataFrame, grid: _Grid, flow: FlowOverlay) -> list[alt.Chart]:
    """A "↻ N" pill on the top-left corner of each card customers went round: outlined in the loop's kind
    colour when designed (it stands in for the loop), dashed navy when not."""
    if not len(loops):
        return []
    at = {"clip": True, "aria": False, "xOffset": {"expr": "datum.loop_width / 2 + 8"}}
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
    """Rectangles just outside marked cards, with a legend listing only the kinds present."""
    present = [v[0] for v in style.RINGS.values() if v[0] in set(rings["ring"])]
    colours = [v[1] for v in style.RINGS.values() if v[0] in present]
    return _layer("rings", rings, {"type": "rect", "filled": False, "opacity": 1, "clip": True, "aria": False,
                                   "cornerRadius": 9}, {
        **grid.box("left", "top", "right", "bottom"),
        "stroke": {"field": "ring", "type": "nominal", "scale": {"domain": present, "range": colours},
                   "legend": _legend("marked", len(present), symbolStrokeWidth=2.5, symbolType="square",
                                     symbolFillColor="white")},
        "strokeWidth": {"field": "ring_width", "type": "quantitative", "scale": None},
        "tooltip": [_tip("label", "step"), _tip("ring", "marked")]})


def _selected_rows(cards: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The blue frame's rows around the selected cards' rows (zero or one)."""
    pad = RING_PAD - 1
    return [{"id": c["id"], "label": c["label"], "left": c["left"] - pad, "right": c["right"] + pad,
             "top": c["top"] - pad, "bottom": c["bottom"] + pad} for c in cards if c["selected"]]


def with_selected(spec: dict[str, Any], selected: str | None) -> dict[str, Any]:
    """A map's spec (``journey_map(...).to_dict()``) with ``selected`` as the selected step instead.

    Selecting only changes two datasets (the cards' ``selected`` flag and the blue frame), so a
    page can build the map once per version and reselect in a few milliseconds. ``spec`` is not
    changed (it may be shared by a cache); the result shares everything else with it.
    """
    cards = [{**row, "selected": row["id"] == selected} for row in spec["datasets"]["steps"]]
    return {**spec, "datasets": {**spec["datasets"], "steps": cards, "selected_ring": _selected_rows(cards)}}


def _selected_layers(nodes: pd.DataFrame, grid: _Grid) -> list[alt.Chart]:
    """The selected step's blue frame: always present (zero or one row), no legend.

    Selecting another step then changes the chart's data only, never its spec, so
    Streamlit updates the view in place instead of rebuilding it. (The card's label turns
    bold through its own ``selected`` field.)
    """
    _, colour, _, width = style.RINGS["selected"]
    chosen = pd.DataFrame.from_records(_selected_rows(style.records(nodes.loc[nodes["selected"]])),
                                       columns=["id", "label", "left", "right", "top", "bottom"])
    return [_layer("selected_ring", chosen, {
        "type": "rect", "filled": False, "opacity": 1, "clip": True, "aria": False, "stroke": colour,
        "strokeWidth": width, "cornerRadius": 8}, {
        **grid.box("left", "top", "right", "bottom"), "tooltip": [_tip("label", "selected step")]})]
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
    legend: dict[str, Any] = {
        "title": overlay.legend_title(), "type": "gradient", "orient": "bottom", "direction": "horizontal",
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




def _card_tooltip(extra_tooltip: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [_tip("label", "step"), _tip("stage"), _tip("lane"), _tip("channel"), _tip("emotion_text", "emotion"),
            _tip("kind"), _tip("handled_by", "handled by"), _tip("owner"), *extra_tooltip]


def _node_layers(journey: Journey, nodes: pd.DataFrame, grid: _Grid, color_by: str,
                 extra_tooltip: list[dict[str, Any]], overlay: MetricOverlay | None = None) -> list[alt.Chart]:
    """The clickable cards: body (shape and border by kind), colour strip, label lines, footer, emotion dot.

    The label is wrapped in Python (``text``, lines joined by newlines); Vega shrinks it with the
    board when the plot is narrower than the board (see :data:`FIT`).
    """
    tooltip = _card_tooltip(extra_tooltip)
    colour = _overlay_colour(nodes, overlay) if overlay is not None else _node_colour(journey, color_by)
    kinds = list(CARD_RADIUS)  # the footer names decisions and outcomes: no legend needed for the border
    body_fill: dict[str, Any] = {"value": "white"}
    if overlay is not None:
        # The card takes a tint of its value's colour; "too few" stays white, no value grey.
        body_fill = {k: v for k, v in colour.items() if k != "legend"} | {"legend": None}
    cards = _layer("steps", nodes, {
        "type": "rect", "cursor": "pointer", "clip": True, "invalid": None,
        "cornerRadius": {"expr": f"{json.dumps(CARD_RADIUS)}[datum.kind] || 6"},
        "fillOpacity": 0.22 if overlay is not None else 1}, {
        **grid.box("left", "top", "right", "bottom"),
        "fill": body_fill,
        "stroke": {"value": CARD_STROKE},
        "strokeDash": {"field": "kind", "type": "nominal", "legend": None,
                       "scale": {"domain": kinds, "range": [KIND_DASH[k] for k in kinds]}},
        "strokeWidth": {"field": "kind", "type": "nominal", "legend": None,
                        "scale": {"domain": kinds, "range": [KIND_STROKE[k] for k in kinds]}},
        "opacity": {"field": "opacity", "type": "quantitative", "scale": None},
        "description": {"field": "label", "type": "nominal"},  # the card's ARIA label (browser tests find it)
        "tooltip": tooltip})
    strip_legend = dict(colour.get("legend") or {})
    if strip_legend.get("type") != "gradient":
        strip_legend |= {"symbolType": "square"}
        strip_legend.pop("symbolFillColor", None)
    strip = _layer("strips", nodes, {"type": "rect", "clip": True, "aria": False, "cursor": "pointer",
                                     "cornerRadius": 2, "invalid": None, "opacity": 1}, {
        **grid.box("left", "top", "strip_end", "bottom"), "fill": {**colour, "legend": strip_legend or None},
        "stroke": ({"condition": {"test": "datum.metric_state === 'too_few'", "value": style.MUTED}, "value": None}
                   if overlay is not None else {"value": None}),
        "tooltip": tooltip}, "steps")
    fit = FIT
    faded = "datum.status === 'removed' ? 0.5 : 1"
    labels = _layer("labels", nodes, {
        "type": "text", "clip": True, "aria": False, "align": "left", "baseline": "top", "lineBreak": "\n",
        "cursor": "pointer", "color": {"expr": f"datum.selected ? '{style.SELECTED_LABEL}' : '{style.INK}'"},
        "fontWeight": {"expr": "datum.selected ? 'bold' : 'normal'"},
        "fontSize": {"expr": f"datum.font * {fit}"}, "lineHeight": {"expr": f"datum.font * {LINE_RATIO} * {fit}"},
        "opacity": {"expr": faded}}, {
        **grid.xy("text_x", "text_y"), "text": {"field": "text", "type": "nominal"}, "tooltip": tooltip}, "steps")
    footer = _layer("footers", nodes, {
        "type": "text", "clip": True, "aria": False, "align": "left", "baseline": "bottom", "color": style.MUTED,
        "cursor": "pointer", "fontSize": {"expr": f"{grid.board.metrics.footer_font} * {fit}"},
        "opacity": {"expr": faded}}, {
        **grid.xy("text_x", "foot_y"), "text": {"field": "footer", "type": "nominal"}, "tooltip": tooltip}, "steps")
    dot = _layer("emotion_dots", nodes, {
        "type": "point", "filled": True, "clip": True, "aria": False, "opacity": 1, "cursor": "pointer",
        "size": {"expr": f"70 * {fit} * {fit}"}, "stroke": "white", "strokeWidth": 1,
        "xOffset": {"expr": f"-9 * {fit}"}, "yOffset": {"expr": f"-9 * {fit}"}}, {
        **grid.xy("right", "bottom"), "tooltip": tooltip,
        "color": {"field": "emotion", "type": "ordinal", "legend": None,
                  "scale": {"domain": style.EMOTION_DOMAIN, "range": style.EMOTION_COLOURS},
                  "condition": {"test": "!isValid(datum.emotion)", "value": style.NO_VALUE_COLOUR}}}, "steps")
    return [cards, strip, labels, footer, dot]


def _badge_layers(nodes: pd.DataFrame, grid: _Grid) -> list[alt.Chart]:
    """A yellow count bubble on the top-right corner of each card with workshop notes."""
    badges = nodes.loc[nodes["notes"] > 0, ["id", "label", "right", "top", "notes"]].copy()
    if not len(badges):
        return []
    badges["count"] = [str(n) if n < 10 else "9+" for n in badges["notes"]]
    tooltip = [_tip("label", "step"), _tip("notes", "workshop notes", "quantitative")]
    at = {"clip": True, "aria": False}
    return [
        _layer("badges", badges, {"type": "point", "filled": True, "opacity": 1, "size": 190, "fill": style.BADGE_FILL,
                                  "stroke": "white", "strokeWidth": 1, **at},
               {**grid.xy("right", "top"), "tooltip": tooltip}),
        _layer("badge_counts", badges, {"type": "text", "fontSize": 9, "fontWeight": "bold", "color": style.INK,
                                        "baseline": "middle", **at},
               {**grid.xy("right", "top"), "text": {"field": "count", "type": "nominal"}, "tooltip": tooltip}),
    ]


def _overlay_tooltip(overlay: MetricOverlay) -> list[dict[str, Any]]:
    """The value with its unit (or "no tickets" / "too few tickets") under the metric's name, and the period."""
    return [_tip("metric_text", style.clean(overlay.title) or "value"),
            *([_tip("metric_period", "period")] if overlay.period.strip() else [])]


def _metric_badge_layers(nodes: pd.DataFrame, grid: _Grid, overlay: MetricOverlay) -> list[alt.Chart]:
    """The overlay's value (or "too few") in a white pill on the top edge of each card that has one."""
    badges = nodes.loc[nodes["badge"].notna(), ["id", "label", "right", "top", "status", "metric_state",
                                                "metric_text", "metric_period", "badge", "badge_width",
                                                "badge_shape"]].copy()
    at = {"clip": True, "aria": False, "xOffset": {"expr": "-(datum.badge_width / 2 + 12)"},
          "opacity": {"expr": "datum.status === 'removed' ? 0.5 : 1"}}
    tooltip = [_tip("label", "step"), *_overlay_tooltip(overlay)]
    too_few = "datum.metric_state === 'too_few'"
    return [
        _layer("metric_badges", badges, {"type": "point", "filled": True, "size": 4, "fill": "white",
                                         "stroke": "#9aa5b1", "strokeWidth": 0.8, **at}, {
            **grid.xy("right", "top"), "shape": {"field": "badge_shape", "type": "nominal", "scale": None},
            "tooltip": tooltip}),
        _layer("metric_badge_text", badges, {
            "type": "text", "align": "center", "baseline": "middle", "fontSize": BADGE_FONT,
            "fontWeight": {"expr": f"{too_few} ? 'normal' : 'bold'"},
            "fontStyle": {"expr": f"{too_few} ? 'italic' : 'normal'"},
            "color": {"expr": f"{too_few} ? '{style.MUTED}' : '{style.INK}'"}, **at},
            {**grid.xy("right", "top"), "text": {"field": "badge", "type": "nominal"}, "tooltip": tooltip}),
    ]


MARK_BUDGET = 2000  # Streamlit draws a chart with more per-datum marks on a canvas (cards no longer elements)
OPTIONAL_LAYERS = ("emotion_dots", "footers")  # dropped in this order on a map too big for the budget


def _within_budget(layers: list[alt.Chart]) -> list[alt.Chart]:
    """The layers, less the cards' emotion dots (then footers) while the map would exceed MARK_BUDGET marks.

    Only very large maps lose them (a 200-step map with a busy flow and a metric overlay); the
    emotion and the channel stay in every card's tooltip, and the emotion band still draws the path.
    """
    def marks(kept: list[alt.Chart]) -> int:  # per-datum marks, as Streamlit counts them (lines excluded)
        return sum(len(layer._journeys_rows) for layer in kept if layer.mark.get("type") != "line")

    for name in OPTIONAL_LAYERS:
        if marks(layers) <= MARK_BUDGET:
            break
        layers = [layer for layer in layers if layer.name != name]
    return layers


def journey_map(journey: Journey, *, color_by: str = "channel", highlight: Collection[str] = (),
                selected: str | None = None, status: Mapping[str, str] | None = None,
                note_counts: Mapping[str, int] | None = None, selection_name: str = "step",
                height: int | None = None, overlay: MetricOverlay | None = None,
                flow: FlowOverlay | None = None, present: bool = False) -> alt.LayerChart:
    """The journey as a clickable board of step cards, with the emotion band under it.

    ``color_by`` is "channel", "emotion" or "lane" (the cards' colour strip). ``highlight``
    frames cards in red (structural findings), ``selected`` gets a blue frame and a bold label,
    ``status`` (step id → added/changed/removed/same) marks a compare view, and
    ``note_counts`` puts a count badge on cards with workshop notes. ``overlay`` (a
    :class:`~journeys.charts.overlay.MetricOverlay`) colours the strips (and tints the cards) by a
    metric instead of ``color_by`` and puts each step's value in a pill on its card. ``flow`` (a
    :class:`~journeys.charts.flow.FlowOverlay`) draws how customers actually moved: each
    designed transition as wide as its count (thin, dotted and grey when nobody took it),
    the observed routes the journey lacks as dashed navy routes, and a "↻ N" pill on cards
    customers went round. ``present`` lays the board out larger, for a projector. Ids not in
    the journey are ignored. Returns a :class:`JourneyMapChart`.

    In Streamlit (checked on 1.67)::

        event = st.altair_chart(chart, on_select="rerun", key="map",
                                selection_mode=[name, f"{name}_zoom"])
        ids = event["selection"][name]   # [{"id": "triage"}] after a click, {} before any

    A click on a card (its label, strip or badge too) selects it; other clicks are
    ignored and a double click clears. Ctrl/Shift + wheel (or pinch) zooms and a drag
    pans along the stages; a double click resets. Listing ``<name>_zoom`` in
    ``selection_mode`` keeps the zoom when the map's data changes (e.g. a new
    ``selected``), at one rerun per zoom gesture. ``selected`` only changes the chart's
    data, never its spec, so Streamlit updates the drawn map in place.
    """
    if color_by not in COLOR_BY:
        raise ValueError(f"color_by must be one of {', '.join(COLOR_BY)}, not {color_by!r}")
    status = dict(status or {})
    bad = sorted({v for v in status.values() if v not in STATUSES})
    if bad:
        raise ValueError(f"status values must be one of {', '.join(STATUSES)}, not {', '.join(map(repr, bad))}")
    plan = _FlowPlan.of(journey, flow) if flow is not None else None
    structure = _structure(journey, present, plan.routes if plan is not None else ())
    board = structure.board
    nodes = _node_frame(journey, board, highlight=set(highlight), selected=selected,
                        status=status, note_counts=note_counts or {})
    if overlay is not None:
        nodes = _with_overlay(nodes, overlay)
    rings = _rings_frame(nodes)
    chart_height, plot_height = _plot_size(board, height, _chrome_px(
        journey, board, color_by, rings, overlay, plan.legend_rows() if plan is not None else None, present))
    grid = structure.grid
    edges, points = structure.edges, structure.points
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
    curve = _emotion_frame(journey, nodes, board, structure.path)
    layers = [*structure.grid_layers, *_emotion_layers(curve, grid, _persona_frame(journey, curve, board)),
              *edge_layers, *([_ring_layer(rings, grid)] if len(rings) else []),
              *_node_layers(journey, nodes, grid, color_by, extra_tooltip, overlay),
              *_selected_layers(nodes, grid),
              *(_metric_badge_layers(nodes, grid, overlay) if overlay is not None else []), *loop_layers,
              *_badge_layers(nodes, grid)]
    layers = _within_budget(layers)
    independent = dict.fromkeys(["color", "fill", "stroke", "shape", "size", "strokeWidth", "strokeDash",
                                 "opacity"], "independent")
    with debug_mode(False):  # the tests validate the whole spec; validating its parts here cost ~5 ms a build
        params = _params(selection_name)
        # No top-level config, so pages can still concatenate the map with other charts.
        chart = JourneyMapChart(
            layer=[], resolve={"scale": independent}, width="container", height=chart_height,
            view={"stroke": None}, usermeta={"journeys": {
                "export_width": int(min(MAX_WIDTH, board.width + AXIS_PX + 20)), "fit": True,
                "plot_height": plot_height, "chart": "journey_map", "present": present}})
    # Set after construction: LayerChart copies every layer and parameter deeply to lift the layers' data and
    # params to the top, and these layers have neither (named data, top-level params) — a fifth of a build.
    chart.layer, chart.params = [*layers], params
    datasets: dict[str, list[dict[str, Any]]] = {}
    shared: dict[str, Hashable] = {}
    for layer in layers:
        if layer._journeys_data not in datasets:
            rows = structure.records(layer._journeys_rows)
            if rows is not None:
                shared[layer._journeys_data] = structure.token(layer._journeys_rows)
            datasets[layer._journeys_data] = style.records(layer._journeys_rows) if rows is None else rows
    object.__setattr__(chart, "_journeys_datasets", datasets)
    object.__setattr__(chart, "_journeys_shared", shared)
    object.__setattr__(chart, "_journeys_layers", [layer._journeys_dict for layer in layers])
    return chart


def _params(selection_name: str) -> list[alt.TopLevelSelectionParameter]:
    """The map's two selections: zoom along the stages, and the clicked card."""
    return [
        # Zoom and pan along the stages only (lanes stay put); plain wheel keeps scrolling the page.
        alt.TopLevelSelectionParameter(
            name=f"{selection_name}_zoom", views=["lanes"], bind="scales",
            select={"type": "interval", "encodings": ["x"],
                    "zoom": "wheel![event.ctrlKey || event.shiftKey || event.metaKey]"}),
        # The one point selection Streamlit reads: a click on a card (or its label, strip or badge) gives
        # [{"id": step_id}]. Clicks elsewhere (ending a pan, on a lane or an edge) are ignored rather than
        # reported as an id-less [{}], which would rerun the page and reset the zoom.
        alt.TopLevelSelectionParameter(
            name=selection_name, views=["steps"],
            select={"type": "point", "fields": ["id"], "toggle": False, "clear": "dblclick",
                    "on": "click[event.item && event.item.datum && event.item.datum.id]"}),
    ]
