"""Use case: mapping tickets to steps (journeys.usecases.mapping_rules) on a real workspace and its engine.

What the Mapping rules page and ``journeys tickets rules`` rely on: a change is an intent applied to
the version the caller saw (a stale save is refused, a vanished rule says so), per-rule counts add up,
the suggestions for tickets on no step turn into rules that place exactly those tickets, and a trial
says what a rule would do before it is saved.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from journeys.demo.journey_maps import DEMO_JOURNEY
from journeys.demo.loader import load_demo
from journeys.demo.ticket_export import DEMO_RULES, write_zendesk_csv
from journeys.errors import StaleWrite
from journeys.tickets.rules import STEP_COLUMN, Rule, RuleSet
from journeys.usecases import mapping_rules as mr
from journeys.usecases.ticket_import import import_tickets
from journeys.workspace import Workspace, open_workspace

A, B, C = Rule("s1", "tags", "equals", "a"), Rule("s2", "tags", "equals", "b"), Rule("s3", "tags", "equals", "c")


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    """The demo journeys, 600 Zendesk-layout tickets, and the demo rules less the first two topics."""
    with open_workspace(tmp_path / "home", name="team") as opened:
        load_demo(opened.store, opened.name)
        import_tickets(opened, write_zendesk_csv(tmp_path / "export.csv", n=600, seed=5), "Tickets", "Ana")
        steps = opened.journeys.get(DEMO_JOURNEY).step_ids()
        rules = [Rule(step, "tags", "equals", tag) for tag, step in DEMO_RULES if step in steps][2:]
        opened.rules.save(DEMO_JOURNEY, rules, "Ana", message="most topics")
        yield opened


def test_edits_are_intents_applied_to_the_rules_they_find() -> None:
    rules = [A, B, C]
    assert mr.RuleEdit("add", "", rule=C, position=0).apply([A, B]) == [C, A, B]
    assert mr.RuleEdit("add", "", rule=C, position=99).apply([A, B]) == [A, B, C]
    assert mr.RuleEdit("move", "", rule=C, position=-1).apply(rules) == [A, C, B]
    assert mr.RuleEdit("move", "", rule=A, position=-1).apply(rules) is None  # already first
    assert mr.RuleEdit("delete", "", rule=B).apply(rules) == [A, C]
    assert mr.RuleEdit("delete", "", rule=B).apply([A, C]) is None  # a colleague deleted it already
    assert mr.RuleEdit("restore", "", rules=(B,)).apply(rules) == [B]


def test_a_change_saved_against_an_old_version_is_refused_and_can_be_applied_on_top(ws: Workspace) -> None:
    seen = ws.rules.load(DEMO_JOURNEY)
    first = seen.rules[0]
    saved = mr.change_rules(ws, DEMO_JOURNEY, seen, mr.RuleEdit("delete", "too broad", rule=first), "Ana")
    assert saved.version == seen.version + 1 and first not in saved.rules
    assert ws.rules.load(DEMO_JOURNEY).rules == saved.rules
    late = mr.RuleEdit("move", "last first", rule=seen.rules[-1], position=-1)
    with pytest.raises(StaleWrite):
        mr.change_rules(ws, DEMO_JOURNEY, seen, late, "Bo")  # Bo still looks at the old version
    on_top = mr.change_rules(ws, DEMO_JOURNEY, ws.rules.load(DEMO_JOURNEY), late, "Bo")
    assert on_top.version == saved.version + 1 and on_top.rules[-2] == seen.rules[-1]
    with pytest.raises(mr.RuleGone):
        mr.change_rules(ws, DEMO_JOURNEY, ws.rules.load(DEMO_JOURNEY), mr.RuleEdit("delete", "x", rule=first), "Ana")


def test_counts_add_up_and_each_suggestion_places_exactly_its_tickets(ws: Workspace) -> None:
    dataset = ws.datasets.latest("Tickets")
    journey = ws.journeys.get(DEMO_JOURNEY)
    rule_set = ws.rules.load(DEMO_JOURNEY)
    now = mr.count_rules(ws, dataset, journey, rule_set)
    assert now.problems == [] and now.rules is not None
    report = now.report
    assert report["tickets"] == 600 == report["by_rules"] + report["explicit"] + report["unmapped"]
    assert int(now.rules["matched"].sum()) == report["by_rules"]
    assert report["unmapped"] > 0 and report["top_tags"]
    top = report["top_tags"][0]
    suggested = Rule(journey.step_ids()[0], top["rule"]["field"], top["rule"]["op"], top["rule"]["value"])
    at_end = mr.try_rule(ws, dataset, journey, rule_set, suggested, len(rule_set.rules), now)
    assert at_end == mr.RuleTrial(placed=top["tickets"], shadowed=0, from_nowhere=top["tickets"], from_later_rules=0)
    unsaved = ws.rules.load(DEMO_JOURNEY)
    assert unsaved.version == rule_set.version and unsaved.rules == rule_set.rules  # a trial saves nothing


def test_a_rule_tried_first_takes_tickets_from_later_rules(ws: Workspace) -> None:
    dataset = ws.datasets.latest("Tickets")
    journey = ws.journeys.get(DEMO_JOURNEY)
    rule_set = ws.rules.load(DEMO_JOURNEY)
    taken = rule_set.rules[0]
    broad = Rule(taken.step, taken.field, taken.op, taken.value, name="again")
    trial = mr.try_rule(ws, dataset, journey, rule_set, broad, 0)
    placed_before = int(mr.count_rules(ws, dataset, journey, rule_set, suggestions=False).rules.iloc[0]["matched"])
    assert trial == mr.RuleTrial(placed=placed_before, shadowed=0, from_nowhere=0, from_later_rules=placed_before)
    assert len(mr.with_rule(rule_set, broad, 0).rules) == len(rule_set.rules) + 1


def test_a_rule_that_cannot_run_is_skipped_and_says_why(ws: Workspace) -> None:
    dataset = ws.datasets.latest("Tickets")
    journey = ws.journeys.get(DEMO_JOURNEY)
    good = ws.rules.load(DEMO_JOURNEY).rules[0]
    broken = RuleSet(DEMO_JOURNEY, [Rule("nowhere", "tags", "regex", "("), good], 1)
    found = mr.count_rules(ws, dataset, journey, broken)
    assert found.rules is not None and found.problems == []
    assert len(found.warnings) == 1 and "RE2" in found.warnings[0] and "nowhere" in found.warnings[0]
    assert list(found.rules["matched"] > 0) == [False, True]  # the other rules still place tickets


def test_the_columns_a_rule_may_test_put_the_usual_ones_first(ws: Workspace) -> None:
    columns = mr.testable_columns(ws.datasets.latest("Tickets"))
    assert columns[:3] == ["tags", "category", "subject"]
    assert STEP_COLUMN not in columns and any(c.startswith("x_") for c in columns)
