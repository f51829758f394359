"""A map built after an edit, reusing what the edit did not change, is the map a fresh build draws.

A save makes a new version and so a new map; the board, its routes and the most likely path are
kept per *structure* (stages, lanes, the steps' places and labels, the transitions) and reused when
an edit leaves the structure alone (a step's emotion, channel, owner, kind …). These tests build
the map incrementally after an edit, then again with every memo cleared, and compare the specs
(and the Arrow bytes the page sends) exactly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import strategies as st

from journeys import editing
from journeys.charts import blueprint, journey_map, style
from journeys.charts.blueprint import shared_datasets
from journeys.charts.board import board_layout
from journeys.demo import current_state_journey, large_journey
from journeys.model import Journey
from tests.strategies import examples, journeys
from ui import cached


def _fresh(build: Callable[[], Any]) -> Any:
    """``build()`` with every memo of the map cleared first: a build from scratch."""
    blueprint._structure_of.cache_clear()
    blueprint._geometry_of.cache_clear()
    cached._SHARED_ARROW.clear()
    cached._SMALL_ARROW.clear()
    return build()


def _map(journey: Journey, **options: Any) -> dict[str, Any]:
    return journey_map(journey, **options).to_dict()


@pytest.fixture(autouse=True)
def _clean_memos() -> Iterator[None]:
    _fresh(lambda: None)
    yield
    _fresh(lambda: None)


def _step_edits(journey: Journey) -> list[tuple[str, dict[str, Any]]]:
    """Edits that keep the structure (what a workshop does most), one per kind of field."""
    ids = journey.step_ids()
    return [(ids[0], {"emotion": -2}), (ids[1], {"channel": "carrier pigeon"}), (ids[2], {"owner": "Ops team"}),
            (ids[3], {"kind": "decision", "handled_by": "bot"}), (ids[-1], {"description": "new words"}),
            (ids[len(ids) // 2], {"emotion": None})]


@pytest.mark.parametrize("journey", [current_state_journey(), large_journey(60, name="Sixty")],
                         ids=["demo", "60 steps"])
def test_an_edit_that_keeps_the_structure_reuses_it_and_draws_what_a_fresh_build_draws(journey: Journey) -> None:
    options = {"selected": journey.step_ids()[4], "highlight": set(journey.step_ids()[:3]),
               "note_counts": {journey.step_ids()[0]: 2}}
    for step_id, change in _step_edits(journey):
        before = journey_map(journey)  # the version the edit is made on, in the memo
        edited = editing.update_step(journey, step_id, **change)
        hits = blueprint._structure_of.cache_info().hits
        chart = journey_map(edited, **options)
        assert blueprint._structure_of.cache_info().hits == hits + 1, f"{change} rebuilt the board"
        assert shared_datasets(chart) == shared_datasets(before)  # the same routes, the same token
        assert chart.to_dict() == _fresh(lambda e=edited: _map(e, **options)), change


@pytest.mark.parametrize("edit", [
    lambda j: editing.update_step(j, j.step_ids()[2], stage=j.stages[-1]),
    lambda j: editing.update_step(j, j.step_ids()[2], lane=j.lanes[-1]),
    lambda j: editing.add_transition(j, j.step_ids()[0], j.step_ids()[-1]),
    lambda j: editing.delete_step(j, j.step_ids()[1]),
    lambda j: editing.add_step(j, "A new step", j.stages[0], j.lanes[0]),
], ids=["stage", "lane", "transition", "delete", "add"])
def test_an_edit_of_the_structure_rebuilds_it(edit: Callable[[Journey], Journey]) -> None:
    journey = current_state_journey()
    before = journey_map(journey)
    edited = edit(journey)
    chart = journey_map(edited)
    assert set(shared_datasets(chart).values()).isdisjoint(shared_datasets(before).values())
    assert chart.to_dict() == _fresh(lambda: _map(edited))


def test_a_renamed_step_keeps_the_layout_and_routes_and_draws_what_a_fresh_build_draws() -> None:
    journey = large_journey(60, name="Sixty")
    journey_map(journey)
    step = journey.step_ids()[9]
    for label in ("A much longer label that wraps onto three lines of the card", "X", "Évaluation 評価 ✓"):
        edited = editing.update_step(journey, step, label=label)
        hits = blueprint._geometry_of.cache_info().hits
        spec = _map(edited, selected=step)
        assert blueprint._geometry_of.cache_info().hits == hits + 1, "a label re-routed the board"
        assert board_layout(edited) == blueprint._structure(edited, False, ()).board
        assert spec == _fresh(lambda e=edited: _map(e, selected=step)), label
        # The route points (geometry only) keep their token, so their Arrow bytes are reused; the rest is new.
        renamed, original = shared_datasets(journey_map(edited)), shared_datasets(journey_map(journey))
        assert renamed["edges"] is original["edges"]
        assert {v for k, v in renamed.items() if k != "edges"}.isdisjoint(
            v for k, v in original.items() if k != "edges")
        assert not {"from", "to"} & set(_map(edited)["datasets"]["edges"][0])
        journey_map(journey)


def test_the_page_sends_the_same_arrow_bytes_as_a_fresh_encoding_after_an_edit() -> None:
    journey = large_journey(40, name="Forty")
    edited = editing.update_step(journey, journey.step_ids()[7], emotion=2, channel="email")
    cached.Board(journey_map(journey))
    board = cached.Board(journey_map(edited))
    fresh = _fresh(lambda: cached.Board(journey_map(edited)))
    assert board.arrow == fresh.arrow
    selected = edited.step_ids()[7]
    assert cached._selecting(board, selected) == cached._selecting(fresh, selected)
    assert cached._selecting(board, selected) == cached._selecting(board, selected)  # remembered selection
    spec = cached._selecting(board, None)
    spec["layer"].clear()  # a page (or Streamlit) editing its copy does not reach the shared board
    assert cached._selecting(board, None)["layer"]


@examples(25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(journeys(min_steps=1, max_steps=12), st.data())
def test_random_journeys_and_edits_draw_what_a_fresh_build_draws(journey: Journey, data: st.DataObject) -> None:
    step = data.draw(st.sampled_from(journey.step_ids()))
    change = data.draw(st.sampled_from([{"emotion": 1}, {"emotion": None}, {"channel": "chat"}, {"owner": "x"},
                                        {"kind": "outcome"}, {"label": "Renamed step"}]))
    journey_map(journey)
    edited = editing.update_step(journey, step, **change)
    options = {"selected": step, "color_by": "emotion"}
    assert _map(edited, **options) == _fresh(lambda: _map(edited, **options))
    structure = blueprint._structure(edited, False, ())
    # The route points' rows skip the JSON round trip: they must be what it would have made.
    assert structure.records(structure.points) == style.records(structure.points)
