"""journey → to_digraph → from_digraph gives the journey back (graph.py promises it is lossless)."""

from __future__ import annotations

import pytest
from hypothesis import Phase, given

from journeys.graph import from_digraph, to_digraph
from journeys.model import Journey, Step, Transition
from tests.strategies import examples, journeys


def _by_pair(journey: Journey) -> list[dict]:
    return sorted((t.model_dump() for t in journey.transitions), key=lambda t: (t["source"], t["target"]))


@examples(150, deadline=None)
@given(journeys())
def test_round_trip_keeps_everything_but_transition_order(journey: Journey) -> None:
    back = from_digraph(to_digraph(journey))
    assert back.model_dump(exclude={"transitions"}) == journey.model_dump(exclude={"transitions"})
    assert _by_pair(back) == _by_pair(journey)


@examples(150, deadline=None)
@given(journeys())
def test_graph_has_one_node_per_step_and_one_edge_per_transition(journey: Journey) -> None:
    g = to_digraph(journey)
    assert list(g.nodes) == journey.step_ids()
    assert set(g.edges) == {(t.source, t.target) for t in journey.transitions}
    assert g.number_of_edges() == len(journey.transitions)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # hypothesis' failure report imports libcst
@examples(150, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate])  # no shrinking
@given(journeys())
def test_round_trip_is_lossless(journey: Journey) -> None:
    assert from_digraph(to_digraph(journey)) == journey


def test_transition_order_survives_the_graph() -> None:
    journey = Journey(
        name="Two steps",
        steps=[Step(id="a", label="A", stage="Discover"), Step(id="b", label="B", stage="Discover")],
        transitions=[Transition(source="b", target="a"), Transition(source="a", target="b")],
    )
    assert from_digraph(to_digraph(journey)) == journey
