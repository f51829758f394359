"""The Prioritise use cases on a real SQLite workspace with the demo loaded: write up, rank, update."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from journeys import open_workspace
from journeys.definitions import load_settings as load_definitions
from journeys.demo import DEMO_JOURNEY
from journeys.errors import InvalidJourney, JourneysError, NotFound, StaleWrite
from journeys.evidence import CONTEXT_METRICS
from journeys.painpoints import Source, Status
from journeys.priorities import Move, load_weights, rank_moves, score_painpoints
from journeys.tickets.engine import TicketSlice
from journeys.usecases.prioritise import (
    PainPointEdit,
    evidence_period,
    latest_dataset,
    mark_reviewed,
    rank,
    update_painpoint,
    write_up,
)
from journeys.workspace import Workspace

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def ws(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    """One copy of the demo workspace (tickets, rules, pain points) for the module; tests add their own rows."""
    home = tmp_path_factory.mktemp("prioritise") / "home"
    shutil.copytree(demo_template, home)
    with open_workspace(home, name="demo") as opened:
        yield opened


def test_write_up_freezes_the_scoring_window_of_the_latest_dataset(ws: Workspace) -> None:
    done = write_up(ws, DEMO_JOURNEY, "reset-password", "reopen_rate", author="Sam")
    stored = ws.painpoints.load(done.key)
    assert stored.pain == done.pain and stored.updated_by == "Sam"
    assert ws.painpoints.history(done.key)[-1].message == "Written up"
    label = ws.journeys.get(DEMO_JOURNEY).step("reset-password").label
    assert done.pain.title == f"{label}: reopen rate" and done.pain.source == Source.friction
    assert {e.metric for e in done.evidence} == {"reopen_rate", *CONTEXT_METRICS}
    days = load_weights(ws.store, ws.name)[0].window_days
    assert done.end - done.start == timedelta(days=days)  # the scoring window, as Priorities scores
    assert done.dataset == latest_dataset(ws) and all(e.dataset_version == done.dataset.version
                                                      for e in done.evidence)
    volume = next(e for e in done.evidence if e.metric == "volume")
    assert done.tickets == volume.n > 0 and len(done.pain.example_tickets) == 5
    reopen = next(e for e in done.evidence if e.metric == "reopen_rate")
    assert reopen.value > reopen.baseline and not done.better  # the planted friction: worse than the journey


def test_write_up_over_a_slice_uses_its_dates_and_leaves_open_ends_to_the_data(ws: Workspace) -> None:
    whole = write_up(ws, DEMO_JOURNEY, "reset-password", "csat", where=TicketSlice(), author="Sam",
                     message="Written up from the Friction page")
    start = whole.start + timedelta(days=30)
    sliced = write_up(ws, DEMO_JOURNEY, "reset-password", "csat", where=TicketSlice(start=start), author="Sam")
    assert sliced.start == start and sliced.end == whole.end  # the open end: the data's last ticket
    assert 0 < sliced.tickets < whole.tickets
    assert whole.end - whole.start > timedelta(days=load_weights(ws.store, ws.name)[0].window_days)
    assert ws.painpoints.history(whole.key)[-1].message == "Written up from the Friction page"


def test_write_up_several_steps_with_the_fields_a_team_fills_in(ws: Workspace) -> None:
    done = write_up(ws, DEMO_JOURNEY, ["bot-invoice-status", "billing-team", "bot-invoice-status"],
                    "escalation_rate", title="Invoice questions bounce", author="Priya", owner="Billing squad",
                    effort=3.0, status=Status.planned.value, quotes=["Took three tries"], tags=["billing"],
                    description="Customers ask twice.", source=Source.note.value, message="Written up by hand")
    pain = ws.painpoints.load(done.key).pain
    assert pain.steps == ["bot-invoice-status", "billing-team"]  # once each, in the order given
    assert (pain.title, pain.owner, pain.effort, pain.status, pain.source) == (
        "Invoice questions bounce", "Billing squad", 3.0, Status.planned, Source.note)
    assert pain.quotes == ["Took three tries"] and pain.description == "Customers ask twice."
    assert {e.step for e in pain.evidence} == {"bot-invoice-status", "billing-team"}
    assert done.tickets == sum(e.n for e in pain.evidence if e.metric == "volume")


def test_without_ticket_data_nothing_is_frozen_and_it_is_manual(ws: Workspace) -> None:
    done = write_up(ws, DEMO_JOURNEY, "reset-password", "reopen_rate", author="Sam", freeze=False)
    assert done.evidence == [] and done.dataset is None and done.start is None and done.tickets == 0
    assert ws.painpoints.load(done.key).pain.source == Source.manual


def test_unless_better_asks_first_instead_of_writing_up_a_strength(ws: Workspace) -> None:
    before = len(ws.painpoints.list())
    # The demo's invoice-status bot escalates almost half its chats: on escalation it is worse, so it is written.
    assert write_up(ws, DEMO_JOURNEY, "bot-invoice-status", "escalation_rate", author="Sam",
                    unless_better=True).key is not None
    strength = write_up(ws, DEMO_JOURNEY, "bot-invoice-status", "resolution_p90", author="Sam", unless_better=True)
    assert strength.better and strength.key is None  # faster than the journey: not stored, the caller asks
    assert len(ws.painpoints.list()) == before + 1
    anyway = write_up(ws, DEMO_JOURNEY, "bot-invoice-status", "resolution_p90", author="Sam")
    assert anyway.better and anyway.key is not None  # "write up anyway"


def test_bad_input_is_refused_before_anything_is_stored(ws: Workspace) -> None:
    before = len(ws.painpoints.list())
    with pytest.raises(InvalidJourney):
        write_up(ws, DEMO_JOURNEY, "reset-password", "reopen_rate", title="", author="Sam")
    with pytest.raises(JourneysError, match="no step"):
        write_up(ws, DEMO_JOURNEY, "no-such-step", None, author="Sam")
    with pytest.raises(NotFound):
        write_up(ws, DEMO_JOURNEY, "reset-password", None, dataset="no such dataset", author="Sam")
    with pytest.raises(NotFound):
        write_up(ws, "No such journey", "reset-password", None, author="Sam")
    assert len(ws.painpoints.list()) == before


def test_evidence_period_fills_open_dates_from_the_scoring_window(ws: Workspace) -> None:
    dataset = latest_dataset(ws)
    assert dataset is not None
    days = timedelta(days=load_weights(ws.store, ws.name)[0].window_days)
    start, end = evidence_period(ws, dataset, DEMO_JOURNEY)
    assert end - start == days
    assert evidence_period(ws, dataset, DEMO_JOURNEY, end=end - days) == (end - 2 * days, end - days)
    assert evidence_period(ws, dataset, DEMO_JOURNEY, start=start - days) == (start - days, end)
    with pytest.raises(JourneysError, match="after the last ticket"):
        evidence_period(ws, dataset, DEMO_JOURNEY, start=end + days)
    with pytest.raises(JourneysError, match="start before"):
        evidence_period(ws, dataset, DEMO_JOURNEY, start=end, end=start)


def test_rank_scores_every_pain_point_on_its_journeys_tickets_and_moves_are_numbers(ws: Workspace) -> None:
    ranking = rank(ws)
    pains, dataset = ws.painpoints.list(), latest_dataset(ws)
    tables = {j: ws.engine.mapped(dataset, ws.rules.load(j), ws.journeys.get(j)).table  # each by its own rules
              for j in {p.pain.journey for p in pains}}
    by_hand = score_painpoints(pains, tables, load_weights(ws.store, ws.name)[0],
                               definitions=load_definitions(ws.store, ws.name)[0])
    assert [(s.key, s.rank, s.score) for s in ranking.scores] == [(s.key, s.rank, s.score) for s in by_hand]
    assert ranking.dataset == latest_dataset(ws).name
    mark_reviewed(ws, ranking.scores, "Lead")
    last = [s for s in ranking.scores if s.score > 0][-1]  # a scored one, below others
    assert last.rank > 1
    update_painpoint(ws, last.key, {"effort": 0.01}, ws.painpoints.load(last.key).version, "Lead")
    moved = rank(ws)
    climbed = moved.moves[last.key]
    assert climbed.places == last.rank - next(s.rank for s in moved.scores if s.key == last.key) > 0
    assert moved.changes[last.key] == f"▲ {climbed.places}" and climbed.moved
    assert sum(m.places for m in moved.moves.values()) == 0  # places gained are places lost


def test_moves_in_words_and_numbers() -> None:
    assert [Move(2).words(), Move(-1).words(), Move(new=True).words(), Move().words()] == ["▲ 2", "▼ 1", "new", ""]
    assert not Move().moved and Move(new=True).moved
    assert rank_moves([], None) == {}


def test_update_saves_against_the_version_seen_and_refuses_a_stale_one(ws: Workspace) -> None:
    key = write_up(ws, DEMO_JOURNEY, "reset-password", None, author="Sam", freeze=False).key
    seen = ws.painpoints.load(key).version
    done = update_painpoint(ws, key, {"owner": "Identity team", "effort": 2.0}, seen, "Sam")
    assert done.saved and done.version == seen + 1 and done.changed == {"owner": ("", "Identity team"),
                                                                          "effort": (None, 2.0)}
    assert ws.painpoints.history(key)[0].message == "Changed owner, effort"
    again = update_painpoint(ws, key, {"owner": "Identity team"}, done.version, "Sam")
    assert not again.saved and again.version == done.version  # already says that: nothing written
    quote = PainPointEdit(add_quote="The link had expired")
    with pytest.raises(StaleWrite) as refused:
        update_painpoint(ws, key, quote, seen, "Alex", message="Added a quote")  # Sam saved since
    assert refused.value.current == done.version
    on_top = update_painpoint(ws, key, quote, refused.value.current, "Alex", message="Added a quote")
    pain = ws.painpoints.load(key).pain
    assert on_top.saved and pain.quotes == ["The link had expired"] and pain.owner == "Identity team"
    removed = update_painpoint(ws, key, PainPointEdit(remove_quote="The link had expired"), on_top.version, "Alex")
    assert removed.changed == {"quotes": (["The link had expired"], [])}
    with pytest.raises(InvalidJourney):
        update_painpoint(ws, key, {"delivery_link": "not a link"}, removed.version, "Alex")


def test_the_demo_wrote_its_pain_points_up_with_their_numbers(ws: Workspace) -> None:
    from journeys.demo.loader import DEMO_PAINS

    written = {p.pain.title: p.pain for p in ws.painpoints.list()}
    for demo in DEMO_PAINS:
        pain = written[demo.title]
        assert pain.description.startswith(demo.story) and pain.owner == demo.owner and pain.source == demo.source
        if demo.metric:
            assert "\n\nLast 90 days of tickets: " in pain.description and pain.evidence[0].dataset_version > 0
