"""The map's freshness panel: never reviewed, mark reviewed, and steps flagged when their numbers moved."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from streamlit.testing.v1 import AppTest

from journeys import editing
from journeys.demo import DEMO_JOURNEY
from journeys.freshness import last_review
from journeys.store import Store
from journeys.store.documents import DocumentStore
from tests.pagetest import open_page


def _map(author: str | None = "Ana") -> AppTest:
    return open_page("map", author=author, journey=DEMO_JOURNEY)


def _panel(at: AppTest):
    return next(e for e in at.expander if "Map " in e.label or "Review" in e.label)


def test_never_reviewed_then_marked_reviewed(home):
    at = _map()
    assert "Map not reviewed yet (first review due" in _panel(at).label  # created today: not overdue
    assert "Review overdue" not in _panel(at).label
    assert "Never reviewed since the map was created on" in _panel(at).caption[0].value
    at.button(key="mark_reviewed").click()
    at.run()
    assert not at.exception
    with Store.for_folder(home) as store:
        review = last_review(store, "demo", DEMO_JOURNEY)
    assert review is not None and review.reviewed_by == "Ana" and review.version == 1
    assert "reset-password" in review.snapshot
    assert "Map up to date" in _panel(at).label and "Last reviewed by Ana" in _panel(at).caption[0].value
    assert any("Review recorded (version 1)" in s.value for s in at.success)


def test_steps_whose_numbers_moved_since_the_review_are_flagged_and_shown(home):
    _map().button(key="mark_reviewed").click().run()
    _stale_reset_password(home)
    at = _map()
    panel = _panel(at)
    assert "Map stale in 1 step(s)" in panel.label
    button = next(b for b in at.button if b.key == "stale_reset-password")
    assert "Resets password: reopen rate" in button.label
    button.click()
    at.run()
    assert not at.exception
    assert at.session_state["selected_step"] == "reset-password"


def test_marking_reviewed_needs_a_name(home):
    at = _map(author=None)
    at.button(key="mark_reviewed").click()
    at.run()
    assert any("Tell us your name" in e.value for e in at.error)
    with Store.for_folder(home) as store:
        assert last_review(store, "demo", DEMO_JOURNEY) is None


def test_priorities_page_says_where_the_map_is_stale(home):
    _map().button(key="mark_reviewed").click().run()
    with Store.for_folder(home) as store:
        docs = DocumentStore(store)
        head = docs.load("demo", "review", DEMO_JOURNEY)
        body = dict(head.body)
        snapshot = dict(body["snapshot"])
        snapshot["bot-invoice-status"] = {**snapshot["bot-invoice-status"],
                                          "escalation_rate": snapshot["bot-invoice-status"]["escalation_rate"] / 3}
        docs.save("demo", "review", DEMO_JOURNEY, {**body, "snapshot": snapshot}, "Bo", expected_version=1)
    at = open_page("priorities", author="Ana")
    warning = next(w.value for w in at.warning if "stale" in w.value)
    assert "the map is stale here: Bot shows invoice status (escalation rate" in warning


def test_a_journey_created_today_is_not_overdue_anywhere_but_one_created_long_ago_is(home):
    at = open_page("priorities", author="Ana")
    assert not any("overdue" in w.value for w in at.warning)  # the demo was created today
    with Store.for_folder(home) as store:  # backdate the demo journey's first version by 100 days
        from sqlalchemy import text

        with store._engine.begin() as conn:
            conn.execute(text("UPDATE journey_revisions SET created_at = :at WHERE version = 1"),
                         {"at": datetime.now(UTC) - timedelta(days=100)})
    at = open_page("priorities", author="Ana")
    warning = next(w.value for w in at.warning if "overdue" in w.value)
    assert f"**{DEMO_JOURNEY}** — review overdue (never reviewed; first review overdue since" in warning
    assert "Review overdue" in _panel(_map()).label


def _stale_reset_password(home: Path) -> None:
    """Mark reviewed, then make the review's snapshot say reopens on password reset were half today's."""
    with Store.for_folder(home) as store:
        docs = DocumentStore(store)
        head = docs.load("demo", "review", DEMO_JOURNEY)
        body = dict(head.body)
        body["snapshot"] = {**body["snapshot"], "reset-password": {
            **body["snapshot"]["reset-password"],
            "reopen_rate": body["snapshot"]["reset-password"]["reopen_rate"] / 2}}
        docs.save("demo", "review", DEMO_JOURNEY, body, "Bo", expected_version=head.version)


def test_a_review_recorded_by_someone_else_shows_on_the_next_rerun_of_an_open_map(home):
    """The panel is cached per journey version and data, but a review (anyone's) bumps what it is keyed by."""
    at = _map()
    at.button(key="mark_reviewed").click().run()
    assert "Map up to date" in _panel(at).label
    _stale_reset_password(home)  # Bo's review, written by another Store while Ana's page is open
    at.run()
    assert not at.exception
    assert "Map stale in 1 step(s)" in _panel(at).label
    assert any(b.key == "stale_reset-password" for b in at.button)


def test_a_save_by_someone_else_refreshes_the_cached_journey_and_the_panel(home):
    """Another Store saves a new version (a renamed step): the open map shows it, in the caption and the panel."""
    at = _map()
    at.button(key="mark_reviewed").click().run()
    _stale_reset_password(home)
    at.run()
    assert "Resets password: reopen rate" in next(b for b in at.button if b.key == "stale_reset-password").label
    with Store.for_folder(home) as store:
        loaded = store.load("demo", DEMO_JOURNEY)
        version = store.save("demo", editing.update_step(loaded.journey, "reset-password", label="Password reset (v2)"),
                             loaded.version, "Bo", "Renamed a step")
    at.run()
    assert not at.exception
    assert f"version {version} saved by Bo" in at.caption[0].value
    assert "Password reset (v2): reopen rate" in next(b for b in at.button if b.key == "stale_reset-password").label


def test_my_save_then_a_colleagues_save_each_show_what_the_store_holds(home):
    """This session's save is shown without parsing it again; a colleague's next version replaces it."""
    at = _map()
    at.session_state["selected_step"] = "reset-password"
    at.run()
    at.text_input(key="insp_reset-password_label").set_value("Mine")
    at.button(key="FormSubmitter:insp_reset-password_form-Save step").click().run()
    assert not at.exception
    with Store.for_folder(home) as store:
        loaded = store.load("demo", DEMO_JOURNEY)
        assert loaded.journey.step("reset-password").label == "Mine"
        assert f"version {loaded.version} saved by Ana" in at.caption[0].value
        assert at.text_input(key="insp_reset-password_label").value == "Mine"
        store.save("demo", editing.update_step(loaded.journey, "reset-password", label="Theirs"), loaded.version,
                   "Bo", "Renamed a step")
    at.run()
    assert f"version {loaded.version + 1} saved by Bo" in at.caption[0].value
    assert any(s.value == "Theirs" for s in at.subheader)  # the inspector shows their label
