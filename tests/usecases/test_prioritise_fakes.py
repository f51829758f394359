"""The Prioritise use cases that need no ticket data, on the in-memory fake workspace (the fast tier)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from journeys.demo import DEMO_JOURNEY, current_state_journey
from journeys.errors import InvalidJourney, JourneysError, StaleWrite
from journeys.fakes import open_fake_workspace
from journeys.painpoints import Source, Status
from journeys.priorities import Score, ScoringWeights, last_ranking_review, rank_moves
from journeys.usecases.prioritise import (
    PainPointEdit,
    changed_fields,
    mark_reviewed,
    placement,
    set_weights,
    update_painpoint,
    weights,
    write_up,
)
from journeys.workspace import Workspace


@pytest.fixture
def ws() -> Iterator[Workspace]:
    with open_fake_workspace() as opened:
        opened.journeys.create(current_state_journey(), "Sam")
        yield opened


def _score(key: str, rank: int) -> Score:
    return Score(key, key, DEMO_JOURNEY, 1.0, 0.5, 0.5, 2.0, False, 0.25, 0.125, None, 10, 10, 0, 0, rank=rank)


def test_write_up_without_evidence_validates_then_stores(ws: Workspace) -> None:
    done = write_up(ws, DEMO_JOURNEY, ["reset-password", "login"], None, author="Sam", freeze=False, owner="Kim",
                    status=Status.planned.value, quotes=["It expired"], message="Written up by hand")
    label = current_state_journey().step("reset-password").label
    stored = ws.painpoints.load(done.key)
    assert stored.pain.title == f"{label}: friction" and stored.pain.steps == ["reset-password", "login"]
    assert (stored.pain.owner, stored.pain.status, stored.pain.quotes) == ("Kim", Status.planned, ["It expired"])
    assert stored.pain.source == Source.manual and done.evidence == [] and not done.better
    assert ws.painpoints.history(done.key)[0].message == "Written up by hand"
    with pytest.raises(InvalidJourney) as refused:
        write_up(ws, DEMO_JOURNEY, "reset-password", None, author="Sam", freeze=False, effort=-1,
                 delivery_link="jira/BILL-1")
    assert {p.path[0] for p in refused.value.problems} == {"effort", "delivery_link"}  # every problem at once
    with pytest.raises(JourneysError, match="no step"):
        write_up(ws, DEMO_JOURNEY, ["reset-password", "nope"], None, author="Sam", freeze=False)
    assert [p.key for p in ws.painpoints.list()] == [done.key]


def test_an_edit_is_intent_reapplied_on_a_colleagues_newer_version(ws: Workspace) -> None:
    key = write_up(ws, DEMO_JOURNEY, "reset-password", "reopen_rate", author="Sam", freeze=False).key
    colleague = update_painpoint(ws, key, {"status": Status.investigating.value}, 1, "Kim")
    mine = PainPointEdit((("owner", "Identity team"),), add_quote="Link expired", message="Owner and a quote")
    with pytest.raises(StaleWrite) as refused:
        update_painpoint(ws, key, mine, 1, "Sam")  # saved against the version Sam saw
    assert (refused.value.expected, refused.value.current, refused.value.saved_by) == (1, 2, "Kim")
    done = update_painpoint(ws, key, mine, colleague.version, "Sam")
    stored = ws.painpoints.load(key)
    assert done.version == stored.version == 3 and stored.updated_by == "Sam"
    assert (stored.pain.status, stored.pain.owner, stored.pain.quotes) == (
        Status.investigating, "Identity team", ["Link expired"])  # Kim's status kept
    assert ws.painpoints.history(key)[0].message == "Owner and a quote"
    assert changed_fields(colleague.pain, stored.pain) == {"owner": ("", "Identity team"),
                                                          "quotes": ([], ["Link expired"])}
    with pytest.raises(StaleWrite):  # nothing to change, but someone saved since: still refused
        update_painpoint(ws, key, {"owner": "Identity team"}, colleague.version, "Sam")


def test_weights_and_reviews_are_saved_against_the_version_seen(ws: Workspace) -> None:
    assert weights(ws) == (ScoringWeights(), 0)
    assert set_weights(ws, ScoringWeights(reach=0.5, window_days=30), "Lead", 0) == 1
    assert weights(ws) == (ScoringWeights(reach=0.5, window_days=30), 1)
    with pytest.raises(StaleWrite):
        set_weights(ws, ScoringWeights(effort=2), "Kim", 0)
    before = [_score("PP-1", 1), _score("PP-2", 2)]
    mark_reviewed(ws, before, "Lead")
    review = last_ranking_review(ws.store, ws.name)
    assert review is not None and review.ranks == {"PP-1": 1, "PP-2": 2} and review.reviewed_by == "Lead"
    moves = rank_moves([_score("PP-2", 1), _score("PP-1", 2), _score("PP-3", 3)], review)
    assert [(m.places, m.new) for m in moves.values()] == [(1, False), (-1, False), (0, True)]


def test_placement_names_steps_and_stages_in_journey_order(ws: Workspace) -> None:
    journey = current_state_journey()
    steps = ["reset-password", journey.steps[0].id]
    key = write_up(ws, DEMO_JOURNEY, steps, None, author="Sam", freeze=False).key
    where = placement(ws, {p.key: p for p in ws.painpoints.list()})
    assert where.labels[DEMO_JOURNEY]["reset-password"] == journey.step("reset-password").label
    stages = {journey.step(s).stage for s in steps}
    assert where.stages[key] == tuple(s for s in journey.stages if s in stages)
    assert where.stage_order == list(journey.stages)

