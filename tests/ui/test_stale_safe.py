"""The shared stale-safe edit flow on a record of our own: save, refusal kept, reload, apply on top."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pytest
from streamlit.testing.v1 import AppTest

from journeys.errors import StaleWrite


@dataclass(frozen=True)
class Note:
    text: str
    version: int


@dataclass(frozen=True)
class Append:
    words: str

    @property
    def message(self) -> str:
        return f"Appended '{self.words}'"


NOTES: dict[str, Note] = {}


def load_note(key: str) -> Note:
    return NOTES[key]


def save_note(key: str, seen: Note, edit: Append, who: str) -> int:
    """A versioned store in four lines: compare the version, then write."""
    current = NOTES[key]
    if current.version != seen.version:
        raise StaleWrite(key, seen.version, current.version, "Colleague", "10:00")
    NOTES[key] = Note(seen.text + edit.words, current.version + 1)
    return current.version + 1


def page() -> None:
    import streamlit as st

    from tests.ui.test_stale_safe import Append, load_note, save_note
    from ui.stale_safe import StaleSafe

    flow = StaleSafe("note", load=load_note, save=save_note, noun=lambda key: f"note {key}",
                     note="The text below is the version you were looking at.")
    flow.show_status("n1")
    shown = flow.shown("n1")
    st.markdown(f"shown: {shown.text} v{shown.version}")
    st.button("Append", key="append", on_click=flow.commit, args=("n1", Append("+mine")))


@pytest.fixture
def at(monkeypatch: pytest.MonkeyPatch, tmp_path) -> AppTest:
    monkeypatch.setenv("JOURNEYS_HOME", str(tmp_path))
    NOTES.clear()
    NOTES["n1"] = Note("start", 1)
    app = AppTest.from_function(page, default_timeout=30)
    app.session_state["workspace"] = "demo"
    app.session_state["author"] = "Tester"
    app.run()
    assert app.markdown[0].value == "shown: start v1"
    return app


def test_a_save_goes_against_the_version_shown(at: AppTest) -> None:
    at.button(key="append").click().run()
    assert NOTES["n1"] == Note("start+mine", 2)
    assert at.toast[0].value == "Saved note n1 version 2: Appended '+mine'"
    assert at.markdown[0].value == "shown: start+mine v2"


def test_no_name_no_save(at: AppTest) -> None:
    at.session_state["author"] = ""
    at.button(key="append").click().run()
    assert "Tell us your name" in at.error[0].value and NOTES["n1"].version == 1


def test_a_stale_save_is_kept_then_applied_on_top(at: AppTest) -> None:
    NOTES["n1"] = Note("start+theirs", 2)  # a colleague saves first
    at.button(key="append").click().run()
    assert NOTES["n1"] == Note("start+theirs", 2)  # refused: nothing overwritten
    warning = at.warning[0].value
    assert "Not saved: Colleague saved version 2 of note n1" in warning and "version 1" in warning
    assert "Appended '+mine'" in warning and "The text below is the version you were looking at." in warning
    assert at.markdown[0].value == "shown: start v1"  # held while the decision waits
    at.button(key="note_apply_on_top").click().run()
    assert NOTES["n1"] == Note("start+theirs+mine", 3)
    assert not at.warning and at.markdown[0].value == "shown: start+theirs+mine v3"


def test_a_stale_save_can_be_dropped_for_the_newer_version(at: AppTest) -> None:
    NOTES["n1"] = replace(NOTES["n1"], text="start+theirs", version=2)
    at.button(key="append").click().run()
    assert at.button(key="note_reload").label == "Reload version 2 and drop my change"
    at.button(key="note_reload").click().run()
    assert NOTES["n1"] == Note("start+theirs", 2)
    assert not at.warning and at.markdown[0].value == "shown: start+theirs v2"
