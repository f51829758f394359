"""The journey board's geometry: cards on the stage × lane grid and transitions routed between them.

Everything is in *board pixels* (the size the board is designed to be read at). The
map draws the board with one quantitative x and y scale over these pixels, so cards,
routes and the emotion band stay aligned at any container width and zoom.

The grid is regular on purpose, so routes never need a search:

- a stage has ``cols`` card columns (as many as its busiest lane needs, at most
  ``max_cols``), every lane of the stage uses the same columns, so the *vertical
  gutters* between columns (and between stages) are clear from the top of the board
  to the bottom;
- a lane has as many card rows as its tallest cell, every cell of the lane uses the
  same rows, so the *horizontal gutters* between rows (and between lanes) are clear
  from the left of the board to the right.

A transition leaves its source's right side, runs in the gutter right of the source,
along a horizontal gutter, down the gutter left of its target and enters the target's
left side. Each route gets a small offset inside its gutters (and its own port on each
card side) so parallel routes stay apart; none crosses a card.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import networkx as nx

from journeys.charts import style
from journeys.graph import to_digraph
from journeys.model import Journey


@dataclass(frozen=True)
class Metrics:
    """Card and gutter sizes, in board pixels, and the label font they are sized for."""

    card_w: float = 106.0
    card_h: float = 62.0
    h_gap: float = 24.0  # between card columns (and stages): room for a few parallel routes
    v_gap: float = 22.0  # between card rows (and lanes)
    font: float = 11.0
    pad: float = 6.0  # text to card edge
    strip: float = 5.0  # the colour strip on the card's left
    footer_font: float = 9.5
    max_cols: int = 3  # cards side by side in one cell, at most
    # the board is folded into more rows until it fits this, where it can: about the map's width beside
    # Streamlit's sidebar at 1440 px, so cards are drawn near their size there (Present has the whole screen)
    target_width: float = 910.0
    emotion_band: float = 120.0  # height of the emotion band under the lanes

    @property
    def text_w(self) -> float:
        """Room for a label line: the card less its strip, padding and the emotion dot's corner."""
        return self.card_w - self.strip - 2 * self.pad - 4

    @property
    def chars(self) -> int:
        """Characters of a label line at the label font (style.text_width's generous estimate)."""
        return max(4, int(self.text_w / (self.font * 0.6)))


NORMAL = Metrics()
PRESENT = Metrics(card_w=134.0, card_h=70.0, h_gap=26.0, v_gap=22.0, font=13.0, pad=6.0, strip=6.0,
                  footer_font=11.0, target_width=1300.0, emotion_band=100.0)

MAX_LINES = 3
FULL_LABEL = 40  # labels up to this many characters are never cut
EMOTION_GAP = 18.0


@dataclass(frozen=True)
class Card:
    """One step's card: rectangle (left, top, right, bottom), its cell's rectangle and its text lines."""

    id: str
    left: float
    top: float
    right: float
    bottom: float
    cell: tuple[float, float, float, float]
    lines: tuple[str, ...]
    font: float  # the label's font size (smaller only for a label whose words need it)

    @property
    def cx(self) -> float:
        return (self.left + self.right) / 2

    @property
    def cy(self) -> float:
        return (self.top + self.bottom) / 2


@dataclass(frozen=True)
class Route:
    """A transition's polyline (board pixels), and which way its arrowhead points (+1 right, −1 left)."""

    source: str
    target: str
    points: tuple[tuple[float, float], ...]
    heading: int


@dataclass
class Board:
    """Cards, stage columns and lane rows of a journey in board pixels, and the routes between cards."""

    metrics: Metrics
    cards: dict[str, Card] = field(default_factory=dict)
    stage_spans: list[tuple[float, float]] = field(default_factory=list)
    lane_spans: list[tuple[float, float]] = field(default_factory=list)
    emotion_span: tuple[float, float] = (0.0, NORMAL.emotion_band)

    @property
    def width(self) -> float:
        return self.stage_spans[-1][1] if self.stage_spans else self.metrics.card_w + self.metrics.h_gap

    @property
    def lanes_bottom(self) -> float:
        return self.lane_spans[-1][1] if self.lane_spans else self.metrics.card_h + self.metrics.v_gap

    @property
    def height(self) -> float:
        return self.emotion_span[1]

    def emotion_y(self, emotion: float) -> float:
        """The band's y for an emotion −2 … +2 (higher is happier, so nearer the top)."""
        top, bottom = self.emotion_span
        inner = (bottom - top) - 24
        return top + 12 + (2 - emotion) / 4 * inner


def wrap_label(label: str, chars: int, lines: int = MAX_LINES, full: int = FULL_LABEL) -> tuple[list[str], float]:
    """A label wrapped by words into at most ``lines`` lines of about ``chars`` characters.

    Returns the lines and a font factor (≤ 1). A label of ``full`` characters or fewer is
    never cut: when its words do not fit (a long word, an unlucky break) the lines get
    wider and the factor says how much smaller to draw them. A longer label is wrapped at
    ``chars`` and its last line ends in "…" where it is cut.
    """
    words = label.split()
    if not words:
        return [""], 1.0
    if len(" ".join(words)) <= full:
        width = chars
        while len(wrapped := _greedy(words, width)) > lines:
            width += 1
        return wrapped, min(1.0, chars / max(len(line) for line in wrapped))
    wrapped = _greedy(words, chars)
    if len(wrapped) > lines:
        wrapped = [*wrapped[:lines - 1], wrapped[lines - 1][:chars - 1].rstrip(" ,;:-") + "…"]
    return [line if len(line) <= chars else line[:chars - 1] + "…" for line in wrapped], 1.0


def _greedy(words: Sequence[str], width: int) -> list[str]:
    lines: list[str] = []
    for word in words:
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


def _cells(journey: Journey) -> dict[tuple[int, int], list[str]]:
    """Step ids per (stage, lane) cell, in flow order: distance from the entry, then journey order."""
    g = to_digraph(journey)
    entry = journey.entry_step()
    depth = nx.single_source_shortest_path_length(g, entry) if entry in g else {}
    stage_index = {s: i for i, s in enumerate(journey.stages)}
    lane_index = {lane: i for i, lane in enumerate(journey.lanes)}
    order = {n: i for i, n in enumerate(journey.step_ids())}
    cells: dict[tuple[int, int], list[str]] = defaultdict(list)
    for s in journey.steps:
        cells[(stage_index.get(s.stage, 0), lane_index.get(s.lane, 0))].append(s.id)
    for members in cells.values():
        members.sort(key=lambda n: (depth.get(n, len(order)), order[n]))
    return cells


def fold_columns(crowd: list[list[int]], metrics: Metrics) -> list[int]:
    """Card columns per stage: as many as the busiest lane needs (≤ max_cols), folded into more
    rows while the board is wider than ``metrics.target_width``.

    ``crowd[stage][lane]`` is the number of cards in that cell. Each fold takes a column from the
    stage where that adds the fewest rows to the board (the widest stage on a tie), so the board
    trades width for height where height is free first.
    """
    n_lanes = max((len(c) for c in crowd), default=0)
    cols = [max(1, min(metrics.max_cols, max(c, default=0))) for c in crowd]
    pitch = metrics.card_w + metrics.h_gap

    def rows(cols: list[int]) -> int:
        return sum(max((math.ceil(crowd[s][lane] / cols[s]) for s in range(len(crowd))), default=1) or 1
                   for lane in range(n_lanes))

    while sum(cols) * pitch > metrics.target_width:
        options = [(rows([*cols[:s], cols[s] - 1, *cols[s + 1:]]), -cols[s], s) for s in range(len(cols))
                   if cols[s] > 1]
        if not options:
            break
        _, _, s = min(options)
        cols[s] -= 1
    return cols


def board_layout(journey: Journey, metrics: Metrics = NORMAL) -> Board:
    """Cards of every step in their stage × lane cell, in flow order, row by row within the cell.

    Steps of a stage or lane the journey does not list (an unvalidated journey) go in the first.
    """
    n_stages, n_lanes = max(1, len(journey.stages)), max(1, len(journey.lanes))
    cells = _cells(journey)
    crowd = [[len(cells.get((s, lane), [])) for lane in range(n_lanes)] for s in range(n_stages)]
    cols = fold_columns(crowd, metrics)
    m = metrics
    pitch_x, pitch_y = m.card_w + m.h_gap, m.card_h + m.v_gap
    stage_spans, x = [], 0.0
    for c in cols:
        stage_spans.append((x, x + c * pitch_x))
        x += c * pitch_x
    lane_rows = [max(1, *(math.ceil(crowd[s][lane] / cols[s]) for s in range(n_stages))) for lane in range(n_lanes)]
    lane_spans, y = [], 0.0
    for r in lane_rows:
        lane_spans.append((y, y + r * pitch_y))
        y += r * pitch_y
    board = Board(m, stage_spans=stage_spans, lane_spans=lane_spans,
                  emotion_span=(y + EMOTION_GAP, y + EMOTION_GAP + m.emotion_band))
    labels = {s.id: style.clean(s.label) for s in journey.steps}
    for (s, lane), members in cells.items():
        (x0, x1), (y0, y1) = stage_spans[s], lane_spans[lane]
        for k, sid in enumerate(members):
            row, col = divmod(k, cols[s])
            left, top = x0 + m.h_gap / 2 + col * pitch_x, y0 + m.v_gap / 2 + row * pitch_y
            board.cards[sid] = _labelled(Card(sid, left, top, left + m.card_w, top + m.card_h, (x0, y0, x1, y1),
                                              (), m.font), labels[sid], m)
    return board


def _labelled(card: Card, label: str, metrics: Metrics) -> Card:
    lines, factor = wrap_label(label, metrics.chars)
    return replace(card, lines=tuple(lines), font=round(metrics.font * factor, 2))


def relabelled(board: Board, journey: Journey) -> Board:
    """``board`` (laid out for a journey with the same steps, places and transitions) with ``journey``'s labels.

    A label only changes its card's text, never where cards are: a renamed step keeps the board's
    layout and routes, and the result equals ``board_layout(journey, board.metrics)``.
    """
    labels = {s.id: style.clean(s.label) for s in journey.steps}
    cards = {sid: _labelled(card, labels[sid], board.metrics) for sid, card in board.cards.items()}
    return Board(board.metrics, cards, board.stage_spans, board.lane_spans, board.emotion_span)


def routes(board: Board, pairs: Sequence[tuple[str, str]]) -> list[Route]:
    """Orthogonal routes for ``pairs`` (source, target) of cards on the board, in order.

    Ports: a card's outgoing routes leave its right side at evenly spread heights, incoming
    ones enter its left side likewise. Each route's gutter runs are offset by a few pixels by
    its index, so routes sharing a gutter run side by side. A self-loop is a small loop on
    the card's right side.
    """
    m = board.metrics
    out_of, into = defaultdict(list), defaultdict(list)
    for i, (s, t) in enumerate(pairs):
        if s != t:
            out_of[s].append(i)
            into[t].append(i)

    def port(card: Card, members: list[int], i: int) -> float:
        k, n = members.index(i), len(members)
        return card.top + m.card_h * (k + 1) / (n + 1)

    spread = max(1.0, min(4.0, (m.h_gap - 10) / 6))

    def inside(x: float) -> float:  # the outer gutters are half as wide: routes there stay on the board
        return min(max(x, 2.0), board.width - 2.0)
    row_lines = defaultdict(list)  # (row top) → cards on that row line, for the straight case
    for c in board.cards.values():
        row_lines[round(c.top, 3)].append(c)
    result = []
    for i, (s, t) in enumerate(pairs):
        a, b = board.cards[s], board.cards[t]
        if s == t:
            r, y = a.right, a.cy
            loop = ((r, y - 9), (r + m.h_gap / 2 - 3, y - 9), (r + m.h_gap / 2 - 3, y + 9), (r, y + 9))
            result.append(Route(s, t, loop, -1))
            continue
        off = ((i % 5) - 2) * spread
        ys, yt = port(a, out_of[s], i), port(b, into[t], i)
        right_gutter, left_gutter = a.right + m.h_gap / 2, b.left - m.h_gap / 2
        same_row = round(a.top, 3) == round(b.top, 3)
        between = same_row and b.left > a.right and any(
            a.right < c.cx < b.left for c in row_lines[round(a.top, 3)])
        points: tuple[tuple[float, float], ...]
        if same_row and b.left > a.right and not between:
            x = inside(left_gutter + off)
            points = ((a.right, ys), (x, ys), (x, yt), (b.left, yt))
        elif abs(right_gutter - left_gutter) < 1e-6:
            x = inside(right_gutter + off)
            points = ((a.right, ys), (x, ys), (x, yt), (b.left, yt))
        else:
            if b.top > a.top:
                yc = a.bottom + m.v_gap / 2
            elif b.top < a.top:
                yc = a.top - m.v_gap / 2
            else:  # same row, backwards or with cards between: above the row
                yc = a.top - m.v_gap / 2
            yc += off * 0.8
            x1, x2 = inside(right_gutter + off), inside(left_gutter - off)
            points = ((a.right, ys), (x1, ys), (x1, yc), (x2, yc), (x2, yt), (b.left, yt))
        result.append(Route(s, t, tuple((round(px, 2), round(py, 2)) for px, py in points), 1))
    return result
