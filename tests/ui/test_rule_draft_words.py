"""The rule form words a draft's problems by their code (Problem.code), not by matching the core's sentences."""

from __future__ import annotations

from journeys.demo import current_state_journey
from journeys.tickets.rules import Rule, check_rules
from ui.rules_view import DRAFT_WORDS, draft_problems

COLUMNS = ["subject", "tags", "channel"]


def test_each_common_problem_gets_the_forms_words():
    journey = current_state_journey()
    assert draft_problems(Rule(step="", field="", op="contains", value=" "), journey, COLUMNS) == [
        DRAFT_WORDS["no_step"], DRAFT_WORDS["no_column"], DRAFT_WORDS["empty_value"]]
    step = journey.step_ids()[0]
    assert draft_problems(Rule(step=step, field="subject", op="contains", value="refund"), journey, COLUMNS) == []


def test_a_refused_pattern_quotes_the_engine_and_the_core_keeps_its_own_sentence():
    journey = current_state_journey()
    rule = Rule(step=journey.step_ids()[0], field="subject", op="regex", value="(?<=re)fund")
    (problem,) = check_rules([rule])
    assert problem.code == "pattern_refused" and problem.detail and problem.detail in problem.reason
    assert problem.reason.startswith("DuckDB's regex engine (RE2) rejects this pattern: ")
    assert "look-arounds" in problem.detail  # the hint for the usual cause
    (words,) = draft_problems(rule, journey, COLUMNS)
    assert words == "This pattern can't be used — the regex engine (RE2) says: " + problem.detail
