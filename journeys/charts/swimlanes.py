"""The swimlane layout of a journey: steps placed on a stage × lane grid, stages as wide as their busiest lane.

The geometry under the journey charts (:mod:`journeys.charts.board` builds the cards on it), kept apart
from :mod:`journeys.graph`, which is about the journey's structure, not where it is drawn.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from itertools import accumulate

import networkx as nx

from journeys.graph import to_digraph
from journeys.model import Journey

# Stage widths, in layout units ("slots"): the steps of a stage's most crowded lane get one
# slot each over the middle STAGE_FILL of the stage, and no stage is under MIN_STAGE_SLOTS.
MIN_STAGE_SLOTS = 2.0  # a stage with one or two steps per lane: room for its header and labels
STAGE_FILL = 0.8  # steps spread over the middle 80 % of their stage; the margins set stages apart


@dataclass
class Layout:
    """Swimlane positions: x in layout units (slots), y = lane index, plus the grid.

    Stages have different widths: ``stage_spans[i]`` is stage ``i``'s ``(start, end)``
    in x units, consecutive from 0 to :attr:`width`, and every step's x lies
    inside its stage's span.
    """

    positions: dict[str, tuple[float, float]] = field(default_factory=dict)
    stages: list[str] = field(default_factory=list)
    lanes: list[str] = field(default_factory=list)
    stage_spans: list[tuple[float, float]] = field(default_factory=list)

    @property
    def width(self) -> float:
        """Total x extent of the stages (x runs from 0 to this)."""
        return self.stage_spans[-1][1] if self.stage_spans else MIN_STAGE_SLOTS

    @property
    def stage_centres(self) -> list[float]:
        return [(a + b) / 2 for a, b in self.stage_spans]


def stage_widths(cell_counts: list[int]) -> list[float]:
    """Width in slots of stages whose most crowded lane holds ``cell_counts[i]`` steps.

    Linear in the crowding (``n / STAGE_FILL``), so every step of the busiest cell
    gets one slot however the rest of the map looks, with a floor of
    ``MIN_STAGE_SLOTS`` so sparse or empty stages keep room for their header and
    labels. A map with the same crowding everywhere stays uniform (and, in stage
    widths, is laid out exactly as when every stage was equally wide).
    """
    return [max(MIN_STAGE_SLOTS, n / STAGE_FILL) for n in cell_counts]


def swimlane_layout(journey: Journey) -> Layout:
    """Place steps on the stage × lane grid, each stage as wide as its most crowded cell needs.

    Steps in one cell are ordered by their distance from the entry (NetworkX
    shortest path lengths), so the map reads left to right in flow order, and
    spread evenly over the middle STAGE_FILL of their stage's span. Steps of a stage
    the journey does not list (an unvalidated journey) go in the first stage.
    """
    g = to_digraph(journey)
    entry = journey.entry_step()
    depth = nx.single_source_shortest_path_length(g, entry) if entry in g else {}
    stage_index = {s: i for i, s in enumerate(journey.stages)}
    lane_index = {lane: i for i, lane in enumerate(journey.lanes)}
    cells: dict[tuple[int, str], list[str]] = defaultdict(list)
    for s in journey.steps:
        cells[(stage_index.get(s.stage, 0), s.lane)].append(s.id)
    crowd = [0] * max(1, len(journey.stages))
    for (stage, _), members in cells.items():
        crowd[stage] = max(crowd[stage], len(members))
    ends = list(accumulate(stage_widths(crowd)))
    spans = list(zip([0.0, *ends[:-1]], ends, strict=True))
    positions: dict[str, tuple[float, float]] = {}
    order = {n: i for i, n in enumerate(journey.step_ids())}
    for (stage, lane), members in cells.items():
        members.sort(key=lambda n: (depth.get(n, len(order)), order[n]))
        start, end = spans[stage]
        inner = (end - start) * STAGE_FILL
        for k, n in enumerate(members):
            positions[n] = ((start + end - inner) / 2 + (k + 0.5) * inner / len(members),
                            float(lane_index.get(lane, 0)))
    return Layout(positions=positions, stages=list(journey.stages), lanes=list(journey.lanes),
                  stage_spans=spans[:len(journey.stages)])
