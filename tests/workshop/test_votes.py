"""Dot-voting: N dots a person, dots taken back, refusals in words, concurrent casts, roles, the journey's history."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import journeys
from journeys.demo import DEMO_JOURNEY
from journeys.demo.loader import load_demo
from journeys.errors import JourneysError, NotAllowed
from journeys.members import Member, MemberList, Members, Role, User
from journeys.model import Note, NoteKind
from journeys.usecases.voting import cast, close_vote, open_vote, results, votes_of
from journeys.workshop.votes import note_option
from journeys.workspace import Workspace

ANN, BEN = "ann@example.com", "ben@example.com"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def ws(home: Path) -> Iterator[Workspace]:
    """The demo journeys (no tickets), opened as the machine's local user (owner)."""
    with journeys.open_workspace(home, name="team") as opened:
        load_demo(opened.store, opened.name)
        yield opened


def _steps(ws: Workspace) -> list[str]:
    return ws.journeys.get(DEMO_JOURNEY).step_ids()


def test_a_person_stacks_dots_never_more_than_n_and_takes_them_back(ws: Workspace) -> None:
    key = open_vote(ws, DEMO_JOURNEY, "steps", 3, author="Sam").key
    a, b = _steps(ws)[:2]
    cast(ws, key, a, 2, voter=ANN, name="Ann")
    cast(ws, key, b, 1, voter=ANN, name="Ann")
    with pytest.raises(JourneysError, match="placed 3 of your 3 dots; take one back"):
        cast(ws, key, a, 1, voter=ANN, name="Ann")
    cast(ws, key, a, -1, voter=ANN, name="Ann")  # one back, then it can go elsewhere
    stored = cast(ws, key, b, 1, voter=ANN, name="Ann")
    assert stored.vote.mine(ANN) == {a: 1, b: 2}
    assert stored.vote.remaining("  Ann@Example.com ") == 0  # the same person however the address is typed
    assert stored.vote.ballots[ANN].name == "Ann"
    with pytest.raises(JourneysError, match=r"You have 0 dots on .* to take back"):
        cast(ws, key, _steps(ws)[2], -1, voter=ANN, name="Ann")
    cast(ws, key, a, -1, voter=ANN, name="Ann")
    cast(ws, key, b, -2, voter=ANN, name="Ann")
    assert ANN not in results_vote(ws, key).ballots  # nothing left on the ballot: not counted as a voter
    assert results(ws, key).voters == 0


def results_vote(ws: Workspace, key: str):  # type: ignore[no-untyped-def]
    return next(v.vote for v in votes_of(ws, DEMO_JOURNEY) if v.key == key)


def test_refusals_say_why(ws: Workspace) -> None:
    key = open_vote(ws, DEMO_JOURNEY, "steps", 2, author="Sam").key
    step = _steps(ws)[0]
    with pytest.raises(JourneysError, match="'no-such-step' is not an option"):
        cast(ws, key, "no-such-step", 1, voter=ANN)
    with pytest.raises(JourneysError, match="between 1 and 2 dots"):
        cast(ws, key, step, 3, voter=ANN)
    with pytest.raises(JourneysError, match="between 1 and 2 dots"):
        cast(ws, key, step, 0, voter=ANN)
    with pytest.raises(JourneysError, match="Tell us who you are"):
        cast(ws, key, step, 1, voter="  ")
    with pytest.raises(JourneysError, match="between 1 and 20 dots"):
        open_vote(ws, DEMO_JOURNEY, "steps", 0, author="Sam")
    with pytest.raises(JourneysError, match=f"Dot vote {key} is still open .* close it before opening another"):
        open_vote(ws, DEMO_JOURNEY, "notes", 3, author="Sam")
    with pytest.raises(JourneysError, match="on 'steps' or 'notes'"):
        open_vote(ws, DEMO_JOURNEY, "people", 3, author="Sam")
    close_vote(ws, key, author="Sam")
    ws.journeys.save(ws.journeys.get(DEMO_JOURNEY).model_copy(update={"notes": []}),
                     ws.journeys.load(DEMO_JOURNEY).version, "Sam")
    with pytest.raises(JourneysError, match="no pain notes"):
        open_vote(ws, DEMO_JOURNEY, "notes", 3, author="Sam")
    with pytest.raises(JourneysError, match="closed by Sam; its results are final"):
        cast(ws, key, step, 1, voter=ANN)
    with pytest.raises(JourneysError, match="already closed by Sam"):
        close_vote(ws, key, author="Sam")


def test_results_rank_options_by_dots_with_voters(ws: Workspace) -> None:
    key = open_vote(ws, DEMO_JOURNEY, "steps", 5, author="Sam").key
    steps = _steps(ws)
    placed = {ANN: {steps[3]: 3, steps[1]: 2}, BEN: {steps[1]: 1, steps[5]: 4}, "Cleo": {steps[5]: 1}}
    for voter, dots in placed.items():
        for step, n in dots.items():
            cast(ws, key, step, n, voter=voter, name=voter.split("@")[0].title())
    expected: dict[str, int] = {}
    for dots in placed.values():
        for step, n in dots.items():
            expected[step] = expected.get(step, 0) + n
    got = results(ws, key)
    ranked = sorted(expected.items(), key=lambda kv: (-kv[1], steps.index(kv[0])))  # ties: in the map's order
    assert [(t.option, t.dots) for t in got.tallies if t.dots] == ranked
    assert got.voters == 3 and got.dots == 11
    assert {t.option: t.voters for t in got.tallies}[steps[5]] == 2
    assert all(t.dots == 0 for t in got.tallies[3:]) and len(got.tallies) == len(steps)


@pytest.fixture
def ws_each_backend(db_url: str, tmp_path: Path) -> Iterator[Workspace]:
    """The demo journeys on SQLite and on PostgreSQL (where the suite runs its throwaway cluster)."""
    with journeys.open_workspace(tmp_path / "backend", url=db_url, name="team") as opened:
        load_demo(opened.store, opened.name)
        yield opened


def test_concurrent_casts_by_two_people_lose_nothing(ws_each_backend: Workspace) -> None:
    ws = ws_each_backend
    key = open_vote(ws, DEMO_JOURNEY, "steps", 20, author="Sam").key
    steps = _steps(ws)
    start = threading.Barrier(2)
    failures: list[BaseException] = []

    def vote(voter: str, offset: int) -> None:
        start.wait()
        try:
            for i in range(20):
                cast(ws, key, steps[(offset + i) % 4], 1, voter=voter, name=voter)
        except BaseException as error:  # pragma: no cover - reported below
            failures.append(error)

    threads = [threading.Thread(target=vote, args=(voter, n)) for n, voter in enumerate((ANN, BEN))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures
    vote_now = results_vote(ws, key)
    assert vote_now.remaining(ANN) == 0 and vote_now.remaining(BEN) == 0
    assert vote_now.mine(ANN) == {s: 5 for s in steps[:4]} == vote_now.mine(BEN)
    history = ws.shared_store.documents.history(ws.name, "vote", key)
    assert len(history) == 41  # opened + every one of the 40 casts as its own revision


def test_notes_are_options_that_stay_the_same_across_saves(ws: Workspace) -> None:
    loaded = ws.journeys.load(DEMO_JOURNEY)
    step = loaded.journey.steps[0].id
    at = datetime(2026, 12, 1, tzinfo=UTC)
    later = at + timedelta(days=1)
    extra = [Note(step=step, kind=NoteKind.pain, text="Too many **clicks**", author="Ann", created_at=at),
             Note(step=step, kind=NoteKind.pain, text="Too many **clicks**", author="Ben", created_at=later),
             Note(step=step, kind=NoteKind.idea, text="An idea, not a pain", created_at=at)]
    journey = loaded.journey.model_copy(update={"notes": [*loaded.journey.notes, *extra]})
    ws.journeys.save(journey, loaded.version, "Sam")
    pains = [n for n in journey.notes if n.kind is NoteKind.pain]
    stored = open_vote(ws, DEMO_JOURNEY, "notes", 3, author="Sam")
    assert [o.id for o in stored.vote.options] == [note_option(n).id for n in pains]
    assert len({o.id for o in stored.vote.options}) == len(pains)  # the same words, two notes: two options
    again = ws.journeys.get(DEMO_JOURNEY)  # read back from the store: the ids survive the round trip
    assert [note_option(n).id for n in again.notes if n.kind is NoteKind.pain] == [o.id for o in stored.vote.options]
    cast(ws, stored.key, stored.vote.options[-1].id, 2, voter=ANN, name="Ann")
    assert results(ws, stored.key).tallies[0].label == f"{loaded.journey.steps[0].label}: Too many **clicks**"


def test_closing_writes_the_result_into_the_journeys_history(ws: Workspace) -> None:
    before = ws.journeys.load(DEMO_JOURNEY)
    key = open_vote(ws, DEMO_JOURNEY, "steps", 3, author="Sam").key
    first, second = before.journey.steps[4], before.journey.steps[2]
    cast(ws, key, first.id, 3, voter=ANN, name="Ann")
    cast(ws, key, second.id, 2, voter=BEN, name="Ben")
    closed = close_vote(ws, key, author="Sam")
    assert closed.vote.closed_by == "Sam" and not closed.vote.is_open
    newest = ws.journeys.history(DEMO_JOURNEY)[0]
    assert newest.version == before.version + 1 and newest.author == "Sam"
    assert newest.message == f"Dot vote {key} closed: {first.label} (3), {second.label} (2)"
    assert ws.journeys.get(DEMO_JOURNEY) == before.journey  # the map itself is unchanged


def _as(home: Path, email: str, role: Role) -> Workspace:
    with journeys.open_workspace(home, name="team") as owner:
        Members(owner.store).change(owner.name, "Sam", "invited", lambda listed: MemberList(
            members=[*listed.members, Member(email=email, role=role)]))
    return journeys.open_workspace(home, name="team", user=User(email, email.split("@")[0]))


def test_a_viewer_votes_but_cannot_open_or_close(ws: Workspace, home: Path) -> None:
    key = open_vote(ws, DEMO_JOURNEY, "steps", 3, author="Sam").key
    step = _steps(ws)[0]
    with _as(home, "vic@example.com", Role.viewer) as viewer:
        with pytest.raises(NotAllowed, match="opening a dot vote needs the editor role"):
            open_vote(viewer, DEMO_JOURNEY, "steps", 3, author="Vic")
        with pytest.raises(NotAllowed, match="closing a dot vote needs the editor role"):
            close_vote(viewer, key, author="Vic")
        assert cast(viewer, key, step, 2, voter=viewer.user.email, name=viewer.user.shown).vote.remaining(
            "vic@example.com") == 1
        with pytest.raises(NotAllowed):  # the guarded store refuses even when the use case is bypassed
            viewer.journeys.save(viewer.journeys.get(DEMO_JOURNEY), ws.journeys.load(DEMO_JOURNEY).version, "Vic")
    with (journeys.open_workspace(home, name="team", user=User("stranger@example.com")) as stranger,
          pytest.raises(NotAllowed, match="not a member")):
        cast(stranger, key, step, 1, voter="stranger@example.com")
    with _as(home, "eve@example.com", Role.editor) as editor:
        closed = close_vote(editor, key, author="Eve")
    assert closed.vote.results().tallies[0].dots == 2 and closed.vote.closed_by == "Eve"
