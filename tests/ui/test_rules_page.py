"""The Mapping rules page over the demo tickets, through AppTest: counts, changes, stale saves, suggestions."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from journeys.demo import DEMO_JOURNEY
from journeys.store.tickets import TicketStore
from journeys.tickets.rules import Rule, RuleSet
from tests.pagetest import DEMO_TICKETS, open_page, store_at


def saved_rules(home: Path) -> RuleSet:
    return TicketStore(store_at(home)).load_rules("demo", DEMO_JOURNEY)


def _save(home: Path, rules: list[Rule], who: str = "Colleague") -> int:
    current = saved_rules(home)
    return TicketStore(store_at(home)).save_rules("demo", DEMO_JOURNEY, rules, who, "by hand",
                                                expected_version=current.version)


def _without_last(home: Path, k: int = 2) -> RuleSet:
    """Drop the last k demo rules so some tickets land on no step."""
    _save(home, saved_rules(home).rules[:-k])
    return saved_rules(home)


def rules_page(**params: str) -> AppTest:
    return open_page("rules", timeout=60, **params)


def rerun(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, at.exception
    return at


def _metrics(at: AppTest) -> dict[str, int]:
    return {m.label: int(m.value.replace(",", "")) for m in at.metric}


def fill_form(at: AppTest, field: str, op: str, value: str, step: str | None) -> None:
    at.selectbox(key="rule_field").set_value(field)
    at.selectbox(key="rule_op").set_value(op)
    at.text_input(key="rule_value").input(value)
    if step:
        at.selectbox(key="rule_step").set_value(step)


def test_without_ticket_data_the_page_says_how_to_get_some(tmp_path, monkeypatch):
    monkeypatch.setenv("JOURNEYS_HOME", str(tmp_path))
    at = rules_page()
    assert "journeys tickets import" in at.info[0].value


def test_the_table_shows_the_demo_rules_with_counts_that_add_up(home):
    at = rules_page(journey=DEMO_JOURNEY)
    assert at.title[0].value == "Mapping rules"
    table = at.dataframe[0].value
    demo = saved_rules(home).rules
    assert list(table["Order"]) == list(range(1, len(demo) + 1))
    assert list(table["Rule"]) == [f'tags is "{r.value}"' for r in demo]
    assert table["Step"].iloc[0] == "Resets password"
    metrics = _metrics(at)
    assert metrics["Tickets"] == DEMO_TICKETS
    assert table["Tickets placed"].sum() + metrics["On no step"] + metrics["Kept their own step"] == DEMO_TICKETS
    assert (table["Tickets placed"] > 0).all() and (table["Note"] == "").all()


def test_counts_add_up_with_tickets_on_no_step(home):
    _without_last(home, 3)
    at = rules_page(journey=DEMO_JOURNEY)
    table, metrics = at.dataframe[0].value, _metrics(at)
    assert metrics["On no step"] > 0
    assert table["Tickets placed"].sum() + metrics["On no step"] == metrics["Tickets"] == DEMO_TICKETS


def test_adding_a_rule_saves_a_new_version_and_fewer_tickets_are_left_over(home):
    before = _without_last(home, 1)
    at = rules_page(journey=DEMO_JOURNEY)
    unmapped = _metrics(at)["On no step"]
    assert unmapped > 0
    fill_form(at, "tags", "equals", "survey_feedback", "csat-survey")
    at.text_input(key="rule_message").input("survey tickets go to the survey step")
    at.button(key="rules_add").click()
    rerun(at)
    after = saved_rules(home)
    assert after.version == before.version + 1
    assert after.rules[-1] == Rule(step="csat-survey", field="tags", op="equals", value="survey_feedback")
    history = TicketStore(store_at(home)).rules_history("demo", DEMO_JOURNEY)
    assert (history[0].author, history[0].message) == ("Tester", "survey tickets go to the survey step")
    assert _metrics(at)["On no step"] < unmapped
    assert at.dataframe[0].value["Rule"].iloc[-1] == 'tags is "survey_feedback"'
    assert at.text_input(key="rule_value").value == ""  # the form is ready for the next rule


def test_a_rule_is_tested_on_the_data_before_it_is_added(home):
    _without_last(home, 1)
    at = rules_page(journey=DEMO_JOURNEY)
    version = saved_rules(home).version
    fill_form(at, "subject", "contains", "feedback", None)
    at.button(key="rules_test").click()
    rerun(at)
    said = " ".join(s.value for s in at.success)
    left_over = _metrics(at)["On no step"]
    assert "would place" in said and f"{left_over:,} that are on no step today" in said
    assert saved_rules(home).version == version  # testing saves nothing


def test_a_regex_re2_rejects_shows_the_problem_and_saves_nothing(home):
    at = rules_page(journey=DEMO_JOURNEY)
    before = saved_rules(home)
    fill_form(at, "subject", "regex", "invoice(?=x)", "agent-reply")
    at.button(key="rules_add").click()
    rerun(at)
    errors = " ".join(e.value for e in at.error)
    assert "Not added" in errors and "RE2" in errors
    assert saved_rules(home) == before
    at.button(key="rules_test").click()  # testing it says the same, and runs nothing
    rerun(at)
    assert any("RE2" in e.value for e in at.error)


def test_a_rule_without_a_step_is_not_added(home):
    at = rules_page(journey=DEMO_JOURNEY)
    version = saved_rules(home).version
    fill_form(at, "subject", "contains", "refund", None)
    at.button(key="rules_add").click()
    rerun(at)
    assert any("Pick the step" in e.value for e in at.error)
    assert saved_rules(home).version == version


def test_problems_are_in_plain_words_for_unknown_columns():
    from journeys.demo import demo_journeys
    from ui.rules_view import draft_problems

    journey = next(j for j in demo_journeys() if j.name == DEMO_JOURNEY)
    problems = draft_problems(Rule("login", "Region", "equals", "EU"), journey, ["tags", "x_Region"])
    assert problems == ["Column 'Region' is not in the dataset; did you mean 'x_Region' (extra columns start with x_)?"]


def test_moving_a_rule_changes_the_order(home):
    before = saved_rules(home)
    at = rules_page(journey=DEMO_JOURNEY)
    at.selectbox(key="rules_pick").set_value(1)
    rerun(at)
    at.button(key="rules_up").click()
    rerun(at)
    after = saved_rules(home)
    assert after.version == before.version + 1
    assert after.rules[:2] == [before.rules[1], before.rules[0]] and after.rules[2:] == before.rules[2:]
    assert list(at.dataframe[0].value["Rule"].iloc[:2]) == [f'tags is "{r.value}"' for r in after.rules[:2]]
    assert at.selectbox(key="rules_pick").value == 0  # the moved rule stays picked
    at.button(key="rules_down").click()
    rerun(at)
    assert saved_rules(home).rules == before.rules


def test_deleting_a_rule(home):
    before = saved_rules(home)
    at = rules_page(journey=DEMO_JOURNEY)
    at.selectbox(key="rules_pick").set_value(2)
    rerun(at)
    at.button(key="rules_delete").click()
    rerun(at)
    assert saved_rules(home).rules == before.rules[:2] + before.rules[3:]
    assert _metrics(at)["On no step"] > 0


def test_a_stale_save_is_refused_with_who_and_when_and_never_overwrites(home):
    at = rules_page(journey=DEMO_JOURNEY)
    at.selectbox(key="rules_pick").set_value(0)
    rerun(at)
    seen = saved_rules(home)
    theirs = [Rule("login", "subject", "contains", "2fa"), *seen.rules]
    _save(home, theirs, who="Colleague")  # between two runs of the page
    at.button(key="rules_down").click()
    rerun(at)
    warning = " ".join(w.value for w in at.warning)
    assert "Not saved: Colleague saved version" in warning and "UTC" in warning
    assert saved_rules(home).rules == theirs and saved_rules(home).version == seen.version + 1
    assert len(at.dataframe[0].value) == len(seen.rules)  # still the version the facilitator was looking at
    at.button(key="rules_reload").click()
    rerun(at)
    assert not any("Not saved" in w.value for w in at.warning)
    assert len(at.dataframe[0].value) == len(theirs)
    assert saved_rules(home).rules == theirs


def test_a_stale_change_can_be_applied_on_top(home):
    at = rules_page(journey=DEMO_JOURNEY)
    at.selectbox(key="rules_pick").set_value(0)
    rerun(at)
    seen = saved_rules(home)
    theirs = [Rule("login", "subject", "contains", "2fa"), *seen.rules]
    _save(home, theirs)
    at.button(key="rules_down").click()  # moves the first rule the facilitator saw: password_reset
    rerun(at)
    at.button(key="rules_apply_on_top").click()
    rerun(at)
    after = saved_rules(home)
    assert after.version == seen.version + 2
    assert after.rules == [theirs[0], theirs[2], theirs[1], *theirs[3:]]
    assert at.selectbox(key="rules_pick").value == 2  # the picker follows the moved rule
    assert not any("Not saved" in w.value for w in at.warning)


def test_make_a_rule_prefills_the_form_and_the_user_picks_the_step(home):
    _without_last(home, 2)
    at = rules_page(journey=DEMO_JOURNEY)
    labels = [b.label for b in at.button if (b.key or "").startswith("make_top_tags_")]
    assert labels and set(labels) == {"Make a rule"}
    at.button(key="make_top_tags_0").click()
    rerun(at)
    top_tag = at.text_input(key="rule_value").value
    assert top_tag in {"credit_note", "survey_feedback", "billing"}
    assert at.selectbox(key="rule_field").value == "tags"
    assert at.selectbox(key="rule_op").value == "equals"
    assert at.selectbox(key="rule_step").value is None
    assert any("Pick the step" in i.value for i in at.info)
    at.button(key="make_top_subject_words_0").click()
    rerun(at)
    assert at.selectbox(key="rule_field").value == "subject"
    assert at.selectbox(key="rule_op").value == "contains"


def test_a_rule_that_never_fires_is_flagged(home):
    rules = saved_rules(home).rules
    _save(home, [*rules, Rule("agent-reply", "tags", "in", ["password_reset", "login_problem"])])
    at = rules_page(journey=DEMO_JOURNEY)
    last = at.dataframe[0].value.iloc[-1]
    assert last["Tickets placed"] == 0 and last["Shadowed"] > 0
    assert last["Note"] == "⚠ never fires"
    assert any("never fires: an earlier rule takes these tickets" in w.value for w in at.warning)


def test_without_rules_every_ticket_is_on_no_step_and_the_suggestions_start_the_rules(home):
    _save(home, [])
    at = rules_page(journey=DEMO_JOURNEY)
    assert _metrics(at)["On no step"] == DEMO_TICKETS
    assert any("No rules yet" in i.value for i in at.info)
    at.button(key="make_top_tags_0").click()
    rerun(at)
    at.selectbox(key="rule_step").set_value("reset-password")
    at.button(key="rules_add").click()
    rerun(at)
    assert len(saved_rules(home).rules) == 1 and _metrics(at)["On no step"] < DEMO_TICKETS


def test_history_lists_versions_and_shows_an_old_version(home):
    first = saved_rules(home)
    _without_last(home, 4)
    at = rules_page(journey=DEMO_JOURNEY)
    history = at.dataframe[-2].value
    assert list(history["Version"]) == [first.version + 1, first.version]
    assert list(history["Saved by"]) == ["Colleague", "journeys demo"]
    at.selectbox(key="rules_history_pick").set_value(first.version)
    rerun(at)
    assert len(at.dataframe[-1].value) == len(first.rules)
    at.button(key="rules_restore").click()
    rerun(at)
    assert saved_rules(home).rules == first.rules and saved_rules(home).version == first.version + 2


def test_reruns_that_change_nothing_do_not_recount(home, monkeypatch):
    import ui.rules_view as view

    calls = []
    real = view._compute
    monkeypatch.setattr(view, "_compute", lambda *a, **k: calls.append(1) or real(*a, **k))
    at = rules_page(journey=DEMO_JOURNEY)
    counted = len(calls)
    assert counted == 1
    rerun(at)
    at.selectbox(key="rules_pick").set_value(3)
    rerun(at)
    assert len(calls) == counted
