"""Each page state through Streamlit's AppTest: selection, forms, errors, stale saves."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from journeys.demo import DEMO_FUTURE, DEMO_JOURNEY
from journeys.editing import update_step
from tests.pagetest import store_at

APP = str(Path(__file__).resolve().parents[2] / "streamlit_app.py")


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("JOURNEYS_HOME", str(tmp_path))
    for var in ("JOURNEYS_DATABASE_URL", "JOURNEYS_WORKSPACE"):
        monkeypatch.delenv(var, raising=False)
    return tmp_path


def _app(page: str, author: str | None = "Tester", **params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    if author:
        at.session_state["author"] = author
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page(page)  # straight to the page, as a deep link (see tests/pagetest.py open_page)
    at.run()
    assert not at.exception, at.exception
    return at


def _select(at: AppTest, step: str) -> None:
    at.session_state["map_chart"] = {"selection": {"step": [{"id": step}]}}
    at.run()
    assert not at.exception, at.exception


def _chart_specs(at: AppTest) -> list[dict]:
    return [json.loads(el.proto.spec) for el in at.get("vega_lite_chart")]


def test_map_shows_journey_findings_and_hint(home):
    at = _app("pages/map.py", journey=DEMO_JOURNEY)
    assert at.title[0].value == "Journey map"
    assert at.selectbox(key="journey_pick").value == DEMO_JOURNEY
    labels = [b.label for b in at.button]
    assert any("has no way forward" in label for label in labels)
    assert any("offers no route to a human" in label for label in labels)
    assert any("Click a step on the map" in i.value for i in at.info)
    (board,) = _chart_specs(at)  # the map, with the emotion curve as a band under its lanes
    assert "emotion_line" in {layer.get("name") for layer in board["layer"]}


def test_clicking_a_node_opens_the_inspector_and_deep_link(home):
    at = _app("pages/map.py", journey=DEMO_JOURNEY)
    _select(at, "bot-invoice-status")
    assert at.subheader[0].value == "Bot shows invoice status"
    assert at.text_input(key="insp_bot-invoice-status_label").value == "Bot shows invoice status"
    assert at.query_params["step"] in ("bot-invoice-status", ["bot-invoice-status"])


def test_step_deep_link_selects_step(home):
    at = _app("pages/map.py", journey=DEMO_JOURNEY, step="login")
    assert at.subheader[0].value == "Logs in to the account"


def test_saving_the_inspector_form_writes_a_revision(home):
    at = _app("pages/map.py", journey=DEMO_JOURNEY)
    _select(at, "login")
    at.select_slider(key="insp_login_emotion").set_value(2)
    at.text_input(key="insp_login_owner").set_value("Identity team")
    at.button(key="FormSubmitter:insp_login_form-Save step").click()
    at.run()
    assert not at.exception
    with store_at(home) as store:
        loaded = store.load("demo", DEMO_JOURNEY)
        step = loaded.journey.step("login")
        assert (step.emotion, step.owner, loaded.version, loaded.saved_by) == (2, "Identity team", 2, "Tester")
        assert store.history("demo", DEMO_JOURNEY)[0].message == "Edited step 'Logs in to the account'"


def test_invalid_edit_shows_problems_and_saves_nothing(home):
    at = _app("pages/map.py", journey=DEMO_JOURNEY)
    _select(at, "login")
    at.text_input(key="insp_login_label").set_value("")
    at.button(key="FormSubmitter:insp_login_form-Save step").click()
    at.run()
    assert not at.exception
    assert "label" in at.error[0].value
    with store_at(home) as store:
        assert store.load("demo", DEMO_JOURNEY).version == 1


def test_saving_without_a_name_asks_for_one(home):
    at = _app("pages/map.py", author=None, journey=DEMO_JOURNEY)
    _select(at, "login")
    at.select_slider(key="insp_login_emotion").set_value(1)
    at.button(key="FormSubmitter:insp_login_form-Save step").click()
    at.run()
    assert "Tell us your name" in at.error[0].value
    with store_at(home) as store:
        assert store.load("demo", DEMO_JOURNEY).version == 1


def test_stale_save_is_refused_then_applied_on_top(home):
    at = _app("pages/map.py", journey=DEMO_JOURNEY)
    _select(at, "login")
    with store_at(home) as store:  # a colleague saves first
        loaded = store.load("demo", DEMO_JOURNEY)
        store.save("demo", update_step(loaded.journey, "login", owner="Colleague"), loaded.version, "Colleague")
    at.select_slider(key="insp_login_emotion").set_value(2)
    at.button(key="FormSubmitter:insp_login_form-Save step").click()
    at.run()
    assert "Not saved: Colleague saved version 2" in at.warning[0].value
    with store_at(home) as store:
        assert store.load("demo", DEMO_JOURNEY).journey.step("login").emotion == -1
    at.button(key="pending_apply").click()
    at.run()
    with store_at(home) as store:
        step = store.load("demo", DEMO_JOURNEY).journey.step("login")
        assert (step.emotion, step.owner) == (2, "Colleague")


def test_add_step_delete_step_and_notes(home):
    at = _app("pages/map.py", journey=DEMO_JOURNEY)
    at.text_input(key="add_label").set_value("Reads refund policy")
    at.selectbox(key="add_stage").set_value("Self-serve")
    at.button(key="FormSubmitter:add_step-Add step").click()
    at.run()
    with store_at(home) as store:
        assert "reads-refund-policy" in store.load("demo", DEMO_JOURNEY).journey.step_ids()
    _select(at, "reads-refund-policy")
    at.text_area(key="insp_reads-refund-policy_note_text").set_value("Policy page is hard to find")
    at.button(key="FormSubmitter:insp_reads-refund-policy_note_form-Add note").click()
    at.run()
    with store_at(home) as store:
        notes = store.load("demo", DEMO_JOURNEY).journey.notes_for("reads-refund-policy")
        assert [(n.kind, n.text, n.author) for n in notes] == [("pain", "Policy page is hard to find", "Tester")]
    at.button(key="insp_reads-refund-policy_delete").click()
    at.run()
    with store_at(home) as store:
        assert "reads-refund-policy" not in store.load("demo", DEMO_JOURNEY).journey.step_ids()


def test_table_editor_adds_rows_in_bulk(home):
    at = _app("pages/map.py", journey=DEMO_JOURNEY)
    at.segmented_control(key="map_view").set_value("Table editor")
    at.run()
    at.session_state["table_steps"] = {"edited_rows": {"0": {"emotion": 2}}, "deleted_rows": [],
                                       "added_rows": [{"label": "Gets a refund", "stage": "Resolve",
                                                       "lane": "customer", "kind": "outcome"}]}
    at.session_state["table_transitions"] = {"edited_rows": {}, "deleted_rows": [], "added_rows": [
        {"source": "invoice-fixed", "target": "gets-a-refund", "share": None}]}
    at.button(key="save_tables").click()
    at.run()
    assert not at.exception
    with store_at(home) as store:
        journey = store.load("demo", DEMO_JOURNEY).journey
        assert journey.step("gets-a-refund").kind == "outcome"
        assert journey.steps[0].emotion == 2
        assert any(t.target == "gets-a-refund" for t in journey.transitions)


def test_derive_future_state_and_compare(home):
    at = _app("pages/map.py", journey=DEMO_JOURNEY)
    at.text_input(key="future_name").set_value("Billing support (2027)")
    at.button(key="derive_go").click()
    at.run()
    with store_at(home) as store:
        derived = store.load("demo", "Billing support (2027)").journey
        assert derived.state == "future" and derived.derived_from == DEMO_JOURNEY
    at = _app("pages/compare.py", journey=DEMO_FUTURE)
    assert at.selectbox(key="compare_left").value == DEMO_JOURNEY
    summary = next(m.value for m in at.markdown if "→" in m.value)
    assert "step added" in summary or "steps added" in summary
    assert len(_chart_specs(at)) == 2


def test_history_restores_an_old_version(home):
    with store_at(home) as store:  # make sure the demo exists, then edit it once
        from journeys.demo.loader import load_demo

        load_demo(store, "demo")
        loaded = store.load("demo", DEMO_JOURNEY)
        store.save("demo", update_step(loaded.journey, "login", label="Signs in"), 1, "Someone", "Renamed")
    at = _app("pages/history.py", journey=DEMO_JOURNEY)
    assert list(at.dataframe[0].value["Version"]) == [2, 1]
    at.selectbox(key="hist_new").set_value(1)
    at.run()
    at.button(key="restore_go").click()
    at.run()
    with store_at(home) as store:
        loaded = store.load("demo", DEMO_JOURNEY)
        assert loaded.version == 3 and loaded.journey.step("login").label == "Logs in to the account"


def test_add_and_remove_a_transition(home):
    at = _app("pages/map.py", journey=DEMO_JOURNEY)
    _select(at, "phone-support")
    at.selectbox(key="insp_phone-support_new_target").set_value("handoff")
    at.number_input(key="insp_phone-support_new_share").set_value(10)
    at.selectbox(key="insp_phone-support_new_kind").set_value("escalation")
    at.button(key="FormSubmitter:insp_phone-support_new_form-Add transition").click()
    at.run()
    assert not at.exception
    with store_at(home) as store:
        added = [t for t in store.load("demo", DEMO_JOURNEY).journey.transitions
                 if (t.source, t.target) == ("phone-support", "handoff")]
        assert [(t.share, t.kind) for t in added] == [(0.1, "escalation")]
    at.button(key="deltr_phone-support_handoff").click()
    at.run()
    with store_at(home) as store:
        journey = store.load("demo", DEMO_JOURNEY).journey
        assert not any((t.source, t.target) == ("phone-support", "handoff") for t in journey.transitions)
        assert (store.history("demo", DEMO_JOURNEY)[0].message  # History names steps as people know them
                == "Removed transition 'Calls the support line' → 'Bot hands off to an agent'")


def test_emotion_per_persona_is_edited_in_the_inspector(home):
    at = _app("pages/map.py", journey=DEMO_JOURNEY)
    _select(at, "search-help")
    personas = [s.label for s in at.select_slider if s.key.startswith("insp_search-help_persona_")]
    assert personas == ["Account owner", "Finance admin"]
    at.select_slider(key="insp_search-help_persona_1").set_value(-2)
    at.button(key="FormSubmitter:insp_search-help_form-Save step").click()
    at.run()
    with store_at(home) as store:
        journey = store.load("demo", DEMO_JOURNEY).journey
        assert journey.step("search-help").persona_emotions == {"Finance admin": -2}
        assert journey.emotion_of("search-help", "Account owner") == journey.step("search-help").emotion


def test_history_with_one_version_says_so(home):
    at = _app("pages/history.py", journey=DEMO_JOURNEY)
    assert "Only one version so far" in at.info[0].value
    assert not [b for b in at.button if b.key == "restore_go"]


def test_a_pain_note_becomes_a_pain_point(home):
    from journeys.painpoints import PainPoints, Source

    at = _app("pages/map.py", journey=DEMO_JOURNEY)
    _select(at, "reset-password")
    with store_at(home) as store:
        journey = store.load("demo", DEMO_JOURNEY).journey
    (index, note) = next((i, n) for i, n in enumerate(journey.notes) if n.step == "reset-password" and n.kind == "pain")
    at.button(key=f"note_pp_{index}").click()
    at.run()
    assert not at.exception, at.exception
    with store_at(home) as store:
        (stored,) = PainPoints(store).list("demo")
    pain = stored.pain
    assert (pain.journey, pain.steps, pain.source, stored.updated_by) == (DEMO_JOURNEY, ["reset-password"],
                                                                         Source.note, "Tester")
    assert pain.description.startswith(note.text) and note.text.startswith(pain.title.rstrip("…"))
    assert len(pain.title) <= 91
    # The button became a link to it; notes of other kinds have no such button.
    assert f"note_pp_{index}" not in [b.key for b in at.button]
    link = at.get("page_link")[0].proto
    assert (link.label, link.query_string) == (f"Pain point {stored.key}", f"painpoint={stored.key}")
    assert "Made pain point PP-1 from the note" in [t.value for t in at.toast]
