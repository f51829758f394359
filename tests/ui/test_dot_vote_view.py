"""The map's dot-vote section in AppTest: open a vote, place and take back dots, see others' dots, close it."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import journeys
from journeys.demo import DEMO_JOURNEY
from journeys.usecases.voting import cast, close_vote
from tests.pagetest import open_page, store_at, use_home
from ui.text import plain

HOSTILE = "**Pays** [here](http://evil.example/x.png) :red[now]"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty folder: the app seeds the demo journeys (no tickets) on its first run; one step renamed hostile."""
    folder = use_home(monkeypatch, tmp_path / "home")
    open_page("map", journey=DEMO_JOURNEY)  # the frame's first run seeds the demo journeys
    with journeys.open_workspace(folder) as ws:
        loaded = ws.journeys.load(DEMO_JOURNEY)
        steps = [s.model_copy(update={"label": HOSTILE}) if i == 1 else s for i, s in enumerate(loaded.journey.steps)]
        ws.journeys.save(loaded.journey.model_copy(update={"steps": steps}), loaded.version, "Setup")
    return folder


def _texts(at: AppTest) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption] + [e.value for e in at.error])


def _vote(home: Path, key: str = "V-1"):  # type: ignore[no-untyped-def]
    with journeys.open_workspace(home) as ws:
        return ws.shared_store.documents.load(ws.name, "vote", key)


def test_open_vote_place_dots_see_others_and_close(home: Path) -> None:
    at = open_page("map", author="Sam", journey=DEMO_JOURNEY)
    assert "Dot vote" in _texts(at) and "a facilitator" not in _texts(at)  # the local user, an owner, opens one
    at.number_input(key="dot_vote_n").set_value(3)
    at.button(key="dot_vote_open").click().run()
    assert not at.exception, at.exception
    assert "Dot vote V-1" in _texts(at) and "You have **3** of 3 dots left" in _texts(at)
    with journeys.open_workspace(home) as ws:
        steps = ws.journeys.get(DEMO_JOURNEY).steps
    assert at.selectbox(key="dot_vote_option").options == [s.label for s in steps]  # shown by label, as written

    at.selectbox(key="dot_vote_option").set_value(steps[1].id).run()
    at.button(key="dot_vote_add").click().run()
    at.button(key="dot_vote_add").click().run()
    at.button(key="dot_vote_back").click().run()
    at.button(key="dot_vote_add").click().run()
    assert _vote(home).body["ballots"]["sam"] == {"name": "Sam", "dots": {steps[1].id: 2}}
    assert "You have **1** of 3 dots left" in _texts(at)

    with journeys.open_workspace(home) as ws:  # another person in the room, on their own laptop
        cast(ws, "V-1", steps[4].id, 3, voter="ann@example.com", name="Ann")
    at.run()
    table = at.dataframe[0].value
    assert table.to_dict("records")[:2] == [
        {"Option": steps[4].label, "Dots": 3, "People": 1, "Yours": 0},
        {"Option": HOSTILE, "Dots": 2, "People": 1, "Yours": 2}]  # user text in a table cell: shown as written
    assert "2 people have voted · 5 dots placed" in _texts(at)

    at.button(key="dot_vote_close").click().run()
    assert not at.exception, at.exception
    with journeys.open_workspace(home) as ws:
        newest = ws.journeys.history(DEMO_JOURNEY)[0]
    assert newest.message == f"Dot vote V-1 closed: {steps[4].label} (3), {HOSTILE} (2)" and newest.author == "Sam"
    assert f"Last vote, V-1, closed by Sam: {plain(steps[4].label + ' (3), ' + HOSTILE + ' (2)')}" in _texts(at)
    assert "Dot vote V-1 closed; the result is in History" in "\n".join(t.value for t in at.toast)
    assert at.button(key="dot_vote_open")  # the room may open the next vote


def test_a_refusal_is_shown_in_words_and_escaped(home: Path) -> None:
    at = open_page("map", author="Sam", journey=DEMO_JOURNEY)
    at.button(key="dot_vote_open").click().run()
    with journeys.open_workspace(home) as ws:
        step = ws.journeys.get(DEMO_JOURNEY).steps[1]
        close_vote(ws, "V-1", author="Ken [x](http://e.example)")  # closed elsewhere while this page showed it
    at.selectbox(key="dot_vote_option").set_value(step.id)
    at.button(key="dot_vote_add").click().run()
    assert not at.exception, at.exception
    refusal = "This vote was closed by Ken [x](http://e.example); its results are final"
    assert [e.value for e in at.error] == [plain(refusal)]
    assert "ballots" not in _vote(home).body or not _vote(home).body["ballots"]


def test_without_a_name_there_is_nothing_to_vote_as(home: Path) -> None:
    at = open_page("map", author="Sam", journey=DEMO_JOURNEY)
    at.button(key="dot_vote_open").click().run()
    nameless = open_page("map", author=None, journey=DEMO_JOURNEY)
    assert "Tell us your name in the sidebar to vote." in [i.value for i in nameless.info]
    assert not [b for b in nameless.button if b.key == "dot_vote_add"]
    assert store_at(home).documents.load("demo", "vote", "V-1").body["opened_by"] == "Sam"


def test_a_vote_on_the_pain_notes_offers_each_note_with_its_step(home: Path) -> None:
    at = open_page("map", author="Sam", journey=DEMO_JOURNEY)
    at.segmented_control(key="dot_vote_on").set_value("Pain notes")
    at.button(key="dot_vote_open").click().run()
    assert not at.exception, at.exception
    with journeys.open_workspace(home) as ws:
        journey = ws.journeys.get(DEMO_JOURNEY)
    pains = [n for n in journey.notes if n.kind == "pain"]
    assert pains  # the demo journey has pain notes from its workshop
    assert at.selectbox(key="dot_vote_option").options == [
        f"{journey.step(n.step).label}: {' '.join(n.text.split())}" for n in pains]
    assert _vote(home).body["on"] == "notes"
