"""Structural checks and path analytics, on small hand-made journeys and the demo."""

import itertools
import math
from itertools import pairwise

import networkx as nx
import numpy as np
import pytest
from hypothesis import given

from journeys.charts.swimlanes import swimlane_layout
from journeys.demo import current_state_journey, future_state_journey
from journeys.graph import (
    check,
    expected_reach,
    most_likely_path,
    to_digraph,
)
from journeys.model import Journey, Step, Transition
from tests.strategies import examples, journeys


def _journey(steps, transitions, entry=None) -> Journey:
    return Journey(
        name="T", stages=["S1", "S2"], lanes=["customer", "frontstage"], entry=entry,
        steps=[Step(id=i, label=i.upper(), stage="S1", **attrs) for i, attrs in steps],
        transitions=[Transition(source=s, target=t, **attrs) for s, t, attrs in transitions],
    )


def _codes(journey: Journey) -> list[tuple[str, tuple[str, ...]]]:
    return [(f.code, f.steps) for f in check(journey)]


def test_demo_has_exactly_the_two_planted_problems():
    assert _codes(current_state_journey()) == [
        ("dead_end", ("community-post",)),
        ("no_route_to_human", ("bot-invoice-status",)),
    ]


def test_future_state_fixes_them():
    assert check(future_state_journey(current_state_journey())) == []


def test_dead_end_ignores_outcomes():
    j = _journey([("a", {}), ("b", {}), ("c", {"kind": "outcome"})],
                 [("a", "b", {}), ("a", "c", {})])
    assert _codes(j) == [("dead_end", ("b",))]


def test_unreachable_steps_are_warned():
    j = _journey([("a", {"kind": "outcome"}), ("b", {}), ("c", {"kind": "outcome"})], [("b", "c", {})], entry="a")
    findings = check(j)
    assert [(f.code, f.severity, f.steps) for f in findings] == [("unreachable", "warning", ("b", "c"))]


def test_bot_loop_without_exit_is_an_error_but_loop_with_handoff_is_not():
    bots = [("a", {}), ("b1", {"handled_by": "bot"}), ("b2", {"handled_by": "bot"})]
    loop = [("a", "b1", {}), ("b1", "b2", {}), ("b2", "b1", {"kind": "retry"})]
    codes = _codes(_journey(bots, loop))
    assert ("bot_loop", ("b1", "b2")) in codes
    with_exit = _journey([*bots, ("h", {"handled_by": "human", "kind": "outcome"})],
                         [*loop, ("b2", "h", {"kind": "escalation"})])
    assert _codes(with_exit) == []


def test_bot_with_no_route_to_human():
    j = _journey([("a", {}), ("b", {"handled_by": "bot"}), ("end", {"kind": "outcome"})],
                 [("a", "b", {}), ("b", "end", {})])
    assert _codes(j) == [("no_route_to_human", ("b",))]


@pytest.mark.parametrize(("shares", "flagged"), [((0.5, 0.5), False), ((0.5, 0.3), True), ((0.9, 0.3), True),
                                                  ((0.4, None), False)])
def test_outgoing_shares_must_sum_to_100(shares, flagged):
    j = _journey([("a", {}), ("b", {"kind": "outcome"}), ("c", {"kind": "outcome"})],
                 [("a", "b", {"share": shares[0]}), ("a", "c", {"share": shares[1]})])
    assert (("shares_not_100", ("a",)) in _codes(j)) is flagged


def test_expected_reach_counts_retry_visits():
    j = _journey([("a", {}), ("b", {}), ("end", {"kind": "outcome"})],
                 [("a", "b", {"share": 1.0}), ("b", "a", {"share": 0.5, "kind": "retry"}),
                  ("b", "end", {"share": 0.5})], entry="a")
    reach = expected_reach(j)
    assert math.isclose(reach["a"], 2.0)  # geometric series 1 + 0.5 + 0.25 + …
    assert math.isclose(reach["end"], 1.0)


def test_expected_reach_splits_missing_shares_evenly():
    j = _journey([("a", {}), ("b", {"kind": "outcome"}), ("c", {"kind": "outcome"}), ("d", {"kind": "outcome"})],
                 [("a", "b", {"share": 0.5}), ("a", "c", {}), ("a", "d", {})])
    reach = expected_reach(j)
    assert math.isclose(reach["c"], 0.25) and math.isclose(reach["d"], 0.25)


def test_closed_loop_stays_finite():
    j = _journey([("a", {}), ("b", {})], [("a", "b", {"share": 1.0}), ("b", "a", {"share": 1.0, "kind": "retry"})],
                 entry="a")
    reach = expected_reach(j)
    assert reach == {"a": 1.0, "b": 1.0}


def test_most_likely_path_follows_largest_shares():
    path = most_likely_path(current_state_journey())
    assert path[0] == "in-app-alert" and path[-1] == "renews"
    assert "reset-password" not in path


def _assert_spans_hold_their_steps(journey: Journey, layout) -> None:
    """Stage spans run back to back from 0, one per stage, and each step sits inside its own stage's."""
    assert len(layout.stage_spans) == len(journey.stages)
    starts = [a for a, _ in layout.stage_spans]
    ends = [b for _, b in layout.stage_spans]
    if layout.stage_spans:
        assert starts[0] == 0 and starts[1:] == pytest.approx(ends[:-1]) and layout.width == ends[-1]
    assert all(b > a for a, b in layout.stage_spans)
    assert layout.stage_centres == pytest.approx([(a + b) / 2 for a, b in layout.stage_spans])
    for step in journey.steps:
        x, y = layout.positions[step.id]
        a, b = layout.stage_spans[journey.stages.index(step.stage)]
        assert a < x < b, (step.id, x, (a, b))
        assert y == journey.lanes.index(step.lane)


def test_swimlane_layout_puts_steps_in_their_stage_and_lane():
    journey = current_state_journey()
    layout = swimlane_layout(journey)
    _assert_spans_hold_their_steps(journey, layout)
    assert len(set(layout.positions.values())) == len(journey.steps)
    # within a cell, steps read left to right in flow order (distance from the entry)
    depth = nx.single_source_shortest_path_length(to_digraph(journey), journey.entry_step())
    cells: dict[tuple[str, str], list[str]] = {}
    for step in journey.steps:
        cells.setdefault((step.stage, step.lane), []).append(step.id)
    for members in cells.values():
        by_x = sorted(members, key=lambda n: layout.positions[n][0])
        assert [depth.get(n, math.inf) for n in by_x] == sorted(depth.get(n, math.inf) for n in by_x)


def _crowd(journey: Journey) -> dict[str, int]:
    """Steps in each stage's most crowded lane."""
    counts: dict[tuple[str, str], int] = {}
    for step in journey.steps:
        counts[(step.stage, step.lane)] = counts.get((step.stage, step.lane), 0) + 1
    return {stage: max([n for (s, _), n in counts.items() if s == stage], default=0) for stage in journey.stages}


def test_crowded_stages_are_wider_and_steps_get_room():
    journey = current_state_journey()
    layout = swimlane_layout(journey)
    crowd = _crowd(journey)
    width = {stage: b - a for stage, (a, b) in zip(journey.stages, layout.stage_spans, strict=True)}
    busiest = max(crowd, key=crowd.get)
    sparsest = min(crowd, key=crowd.get)
    assert crowd[busiest] > crowd[sparsest] and width[busiest] > width[sparsest]
    # more crowding never makes a stage narrower
    for s, t in itertools.permutations(journey.stages, 2):
        if crowd[s] > crowd[t]:
            assert width[s] >= width[t], (s, t)
    # so a crowded cell is not squeezed: neighbours in any cell are about equally far apart
    gaps = []
    for stage, lane in {(s.stage, s.lane) for s in journey.steps}:
        xs = sorted(layout.positions[s.id][0] for s in journey.steps if (s.stage, s.lane) == (stage, lane))
        gaps += [float(np.min(np.diff(xs)))] if len(xs) > 1 else []
    assert len(gaps) > 2 and max(gaps) <= 1.5 * min(gaps)


def test_empty_and_single_step_stages_keep_a_floor_and_even_maps_stay_uniform():
    def grid(per_cell: dict[str, int]) -> Journey:
        steps = [Step(id=f"{stage}-{k}", label=f"{stage} {k}", stage=stage, lane="customer")
                 for stage, n in per_cell.items() for k in range(n)]
        return Journey(name="G", stages=list(per_cell), lanes=["customer", "system"], steps=steps)

    uneven = grid({"A": 0, "B": 1, "C": 6})
    layout = swimlane_layout(uneven)
    _assert_spans_hold_their_steps(uneven, layout)
    (wa, wb, wc) = (b - a for a, b in layout.stage_spans)
    assert wa > 0 and wa == wb < wc  # an empty stage keeps the room of a one-step stage
    assert wc > 2 * wb  # and a crowded one takes the room its steps need
    for n in (1, 3, 8):
        even = swimlane_layout(grid(dict.fromkeys("ABCD", n)))
        assert len({round(b - a, 9) for a, b in even.stage_spans}) == 1


@examples(60, deadline=None)
@given(journeys())
def test_checks_and_analytics_never_crash_and_name_real_steps(journey):
    ids = set(journey.step_ids())
    for finding in check(journey):
        assert set(finding.steps) <= ids and finding.message
    reach = expected_reach(journey)
    assert set(reach) == ids
    assert all(math.isnan(v) or v >= 0 for v in reach.values())
    path = most_likely_path(journey)
    g = to_digraph(journey)
    assert all(g.has_edge(u, v) for u, v in pairwise(path))
    layout = swimlane_layout(journey)
    assert set(layout.positions) == ids
    _assert_spans_hold_their_steps(journey, layout)
