"""The map's live strip through AppTest: who else is on the journey, and an edit kept on the version it was drawn from.

The fragment's timer is the browser test's (tests/browser/test_workshop_live_e2e.py); here a page run sees
presence written through the use case, and the hold the fragment leaves when a colleague changed the open step.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import journeys
from journeys.demo import DEMO_JOURNEY
from journeys.editing import update_step
from journeys.members import User
from journeys.usecases.workshop import heartbeat, present
from tests.pagetest import open_page, store_at, use_home
from ui.text import plain
from ui.workshop_view import HOLD, SESSION, Hold

SAVE = "FormSubmitter:insp_login_form-Save step"
HOSTILE = "Ann **bold** [site](http://evil.example/x.png)"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return use_home(monkeypatch, tmp_path / "home")


def _map(author: str, **params: str) -> AppTest:
    return open_page("map", author=author, journey=DEMO_JOURNEY, **params)


def test_the_page_shows_who_else_is_on_the_journey_and_the_step_they_have_open(home: Path) -> None:
    first = _map("Bea")  # the first run creates the demo workspace (and is a session on the journey)
    with journeys.open_workspace(home) as ws:
        heartbeat(ws, DEMO_JOURNEY, "ann-tab", "login", user=User("ann@example.com", HOSTILE))
        label = ws.journeys.get(DEMO_JOURNEY).step("login").label
    at = _map("Bea", step="login")
    strip = [m.value for m in at.markdown if "On this journey with you" in m.value]
    assert len(strip) == 1 and label in strip[0] and "Bea" not in strip[0]  # Bea's other tab is not "others"
    assert plain(HOSTILE) in strip[0] and "**bold**" not in strip[0]  # the name escaped, not rendered
    with journeys.open_workspace(home) as ws:
        seen = {p.session: (p.name, p.step) for p in present(ws, DEMO_JOURNEY)}
    assert seen == {"ann-tab": (HOSTILE, "login"), first.session_state[SESSION]: ("Bea", None),
                    at.session_state[SESSION]: ("Bea", "login")}


def test_alone_on_the_journey_it_says_so(home: Path) -> None:
    at = _map("Bea")
    assert any("Nobody else is on this journey" in c.value for c in at.caption)


def test_an_edit_on_a_step_a_colleague_changed_is_saved_through_the_stale_flow_and_keeps_theirs(home: Path) -> None:
    at = _map("Bea", step="login")
    with store_at(home) as store:  # the colleague saves the step Bea has open
        drawn = store.load("demo", DEMO_JOURNEY)
        store.save("demo", update_step(drawn.journey, "login", label="Signs in"), drawn.version, "Ann")
    # What the fragment leaves when it notices version 2: Bea's form stays based on version 1.
    at.session_state[HOLD] = Hold(("demo", DEMO_JOURNEY), "login", drawn, None, by="Ann")
    at.run()
    assert not at.exception
    assert "Ann changed **Signs in** since you opened it" in at.info[0].value
    assert "version 2 saved by Ann" in " ".join(c.value for c in at.caption)  # the page shows Ann's version
    assert at.text_input(key="insp_login_label").value == drawn.journey.step("login").label  # Bea's form kept
    at.text_input(key="insp_login_owner").set_value("Identity team")
    at.button(key=SAVE).click()
    at.run()
    assert "Not saved: Ann saved version 2" in at.warning[0].value
    at.button(key="pending_apply").click()
    at.run()
    assert not at.exception
    with store_at(home) as store:
        loaded = store.load("demo", DEMO_JOURNEY)
    step = loaded.journey.step("login")
    assert (loaded.version, step.label, step.owner) == (3, "Signs in", "Identity team")  # both kept
    assert HOLD not in at.session_state
    assert at.text_input(key="insp_login_label").value == "Signs in"  # the form redrawn from the newest version


def test_a_colleague_save_elsewhere_lets_the_edit_go_straight_on_top(home: Path) -> None:
    at = _map("Bea", step="login")
    with store_at(home) as store:
        drawn = store.load("demo", DEMO_JOURNEY)
        other = next(s.id for s in drawn.journey.steps if s.id != "login")
        store.save("demo", update_step(drawn.journey, other, owner="Ann's team"), drawn.version, "Ann")
    at.session_state[HOLD] = Hold(("demo", DEMO_JOURNEY), "login", drawn, None)
    at.run()
    assert HOLD not in at.session_state  # the open step is as it was drawn: nothing to hold
    at.text_input(key="insp_login_owner").set_value("Identity team")
    at.button(key=SAVE).click()
    at.run()
    assert not at.warning
    with store_at(home) as store:
        loaded = store.load("demo", DEMO_JOURNEY)
    assert (loaded.version, loaded.journey.step("login").owner, loaded.journey.step(other).owner) == (
        3, "Identity team", "Ann's team")


def test_the_colleagues_version_can_be_shown_in_the_form_instead(home: Path) -> None:
    at = _map("Bea", step="login")
    with store_at(home) as store:
        drawn = store.load("demo", DEMO_JOURNEY)
        store.save("demo", update_step(drawn.journey, "login", label="Signs in", owner="Ann's team"), drawn.version,
                   "Ann")
    at.session_state[HOLD] = Hold(("demo", DEMO_JOURNEY), "login", drawn, None, by="Ann")
    at.run()
    assert at.text_input(key="insp_login_label").value == drawn.journey.step("login").label
    at.button(key="workshop_show_theirs").click()
    at.run()
    assert not at.exception and HOLD not in at.session_state and not at.info
    assert (at.text_input(key="insp_login_label").value, at.text_input(key="insp_login_owner").value) == (
        "Signs in", "Ann's team")
    at.select_slider(key="insp_login_emotion").set_value(2)
    at.button(key=SAVE).click()
    at.run()
    assert not at.warning  # based on Ann's version now: straight on top
    with store_at(home) as store:
        step = store.load("demo", DEMO_JOURNEY).journey.step("login")
    assert (step.label, step.owner, step.emotion) == ("Signs in", "Ann's team", 2)
