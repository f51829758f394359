"""The Mapping rules page's add form: start from what the tickets on no step share, test a rule, add it.

A suggestion fills the form (the facilitator picks the step); *Test on the data* counts the draft
at its place in the order without saving (:func:`journeys.usecases.mapping_rules.with_rule`); *Add*
checks it and saves it through the page's stale-safe commit (:func:`ui.rules_view.commit`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import streamlit as st

from journeys.model import Journey
from journeys.tickets.datasets import DatasetVersion
from journeys.tickets.rules import OPS, Rule, RuleSet, rules_to_json
from journeys.usecases.mapping_rules import RuleCounts, RuleEdit, trial_outcome, with_rule
from ui.rules_view import OP_WORDS, commit, draft_counts, draft_problems, phrase, rule_columns
from ui.text import plain

FORM = {"step": "rule_step", "field": "rule_field", "op": "rule_op", "value": "rule_value", "name": "rule_name",
        "position": "rule_position", "message": "rule_message"}
OP_HELP = {"equals": "is", "contains": "contains", "regex": "matches a regex", "in": "is one of"}


def draft_rule(values: dict[str, Any]) -> Rule:
    """The rule the add form describes; for 'is one of' the text is split at commas."""
    op = values.get("op") or "equals"
    text = str(values.get("value") or "")
    value: str | list[str] = [v.strip() for v in text.split(",") if v.strip()] if op == "in" else text.strip()
    return Rule(step=values.get("step") or "", field=values.get("field") or "", op=op, value=value,
                name=str(values.get("name") or "").strip())


def _prefill(suggested: dict[str, Any]) -> None:
    st.session_state[FORM["field"]] = suggested["field"]
    st.session_state[FORM["op"]] = suggested["op"]
    st.session_state[FORM["value"]] = suggested["value"]
    st.session_state[FORM["step"]] = None
    st.session_state[FORM["name"]] = ""
    st.session_state["rules_prefilled"] = f'{suggested["field"]} {OP_WORDS[suggested["op"]]} "{suggested["value"]}"'


def unmapped_section(found: RuleCounts) -> None:
    """What the tickets on no step have in common, each a one-click start of a rule."""
    report = found.report
    if not report:
        return
    unmapped = report["unmapped"]
    if not unmapped:
        st.success("Every ticket lands on a step.", icon=":material/check_circle:")
        return
    st.markdown(f"**What the {unmapped:,} tickets on no step ({report['share']:.1%}) have in common.** "
                "*Make a rule* fills in the form below; you pick the step.")
    groups = [("Tags", "top_tags"), ("Categories", "top_categories"), ("Words in the subject", "top_subject_words")]
    for column, (title, key) in zip(st.columns(3, gap="large"), groups, strict=True):
        column.markdown(f"**{title}**")
        items = report.get(key) or []
        if not items:
            column.caption("Nothing in common here.")
        for i, item in enumerate(items):
            text, button = column.columns([3, 2], vertical_alignment="center")
            text.markdown(f"**{plain(item['value'])}**  \n{item['tickets']:,} tickets · {item['share']:.0%}")
            button.button("Make a rule", key=f"make_{key}_{i}", type="secondary", width="stretch",
                          on_click=_prefill, args=(item["rule"],),
                          help=f"Fill the form with: {plain(item['rule']['field'])} {OP_WORDS[item['rule']['op']]} "
                               f"\"{plain(item['value'])}\"")


def _add(name: str, journey: Journey, dataset_columns: list[str], rule_set: RuleSet) -> None:
    values = {k: st.session_state.get(key) for k, key in FORM.items()}
    rule = draft_rule(values)
    problems = draft_problems(rule, journey, dataset_columns)
    if problems:
        st.session_state["rules_form_problems"] = problems
        return
    position = values["position"] if isinstance(values["position"], int) else len(rule_set.rules)
    message = str(values["message"] or "").strip() or f"Added rule {phrase(rule)} → {journey.step(rule.step).label}"
    if commit(name, RuleEdit("add", message, rule=rule, position=position)):
        for key in ("value", "name", "message"):
            st.session_state[FORM[key]] = ""
        st.session_state[FORM["step"]] = None
        st.session_state.pop(FORM["position"], None)
        st.session_state.pop("rules_prefilled", None)


def add_form(name: str, journey: Journey, dataset: DatasetVersion, rule_set: RuleSet, found: RuleCounts,
             key: tuple) -> None:
    """Add a rule (test it first on the data); it is checked before anything is saved."""
    dataset_columns = rule_columns(dataset)
    labels = {s.id: s.label for s in journey.steps}
    prefilled = st.session_state.get("rules_prefilled")
    if prefilled:
        st.info(f"Filled in from the unmapped tickets: **{plain(prefilled)}**. Pick the step they belong to, test it, "
                "then add it.", icon=":material/edit_note:")
    n = len(rule_set.rules)
    if st.session_state.get(FORM["position"]) not in range(n + 1):
        st.session_state[FORM["position"]] = n
    with st.form("rules_add_form", border=True):
        top = st.columns([2, 2, 2, 3])
        top[0].selectbox("Column", dataset_columns, key=FORM["field"],
                         format_func=lambda c: f"{c[2:]} (extra column)" if c.startswith("x_") else c,
                         help="Any column of this dataset; extra columns of the export start with x_.")
        top[1].selectbox("Test", OPS, key=FORM["op"], format_func=lambda o: OP_HELP[o],
                         help="*is*: the whole text, any case. *contains*: part of the text. *matches a regex*: a "
                              "pattern (RE2: no look-arounds). *is one of*: any of a comma-separated list. A tags "
                              "rule matches when any one tag does.")
        top[2].text_input("Value", key=FORM["value"], placeholder="e.g. refund",
                          help="Case does not matter. For 'is one of', separate the values with commas.")
        top[3].selectbox("Step these tickets belong to", list(labels), key=FORM["step"], index=None,
                         placeholder="Pick a step", format_func=lambda s: labels[s])
        bottom = st.columns([3, 2, 4])
        bottom[0].selectbox("Where in the order", range(n + 1), key=FORM["position"], format_func=lambda i: (
            "Last (after every other rule)" if i == n else f"Before rule {i + 1}: {phrase(rule_set.rules[i])}"),
            help="The first matching rule wins: a specific rule should come before a broad one.")
        bottom[1].text_input("Name (optional)", key=FORM["name"], placeholder="e.g. Refunds")
        bottom[2].text_input("Why (saved in the history)", key=FORM["message"],
                             placeholder="e.g. refund tickets belong to the billing team")
        left, right, _ = st.columns([1, 1, 3])
        tested = left.form_submit_button("Test on the data", key="rules_test", icon=":material/science:",
                                        width="stretch")
        right.form_submit_button("Add the rule", key="rules_add", type="primary", icon=":material/add:",
                                 width="stretch", on_click=_add, args=(name, journey, dataset_columns, rule_set))
    problems = st.session_state.pop("rules_form_problems", None)
    if problems:
        st.error("Not added — the rule has a problem:\n\n" + "\n".join(f"- {plain(p)}" for p in problems),
                 icon=":material/error:")
    if tested:
        _test_result(journey, dataset, rule_set, found, key, dataset_columns, labels)


def _test_result(journey: Journey, dataset: DatasetVersion, rule_set: RuleSet, found: RuleCounts, key: tuple,
                 dataset_columns: list[str], labels: dict[str, str]) -> None:
    values = {k: st.session_state.get(form_key) for k, form_key in FORM.items()}
    rule = draft_rule(values)
    stand_in = rule if rule.step else replace(rule, step=journey.step_ids()[0])  # counts don't depend on the step
    problems = draft_problems(stand_in, journey, dataset_columns)
    if problems:
        st.error("This rule can't be tested yet:\n\n" + "\n".join(f"- {plain(p)}" for p in problems),
                 icon=":material/error:")
        return
    position = values["position"] if isinstance(values["position"], int) else len(rule_set.rules)
    trial = with_rule(rule_set, stand_in, position)
    result = draft_counts(key, rules_to_json(trial.rules), dataset, journey, trial)
    outcome = trial_outcome(found, result, position)
    if outcome is None:
        st.error("The test could not run: " + "; ".join(plain(p) for p in result.problems), icon=":material/error:")
        return
    where = f"on **{plain(labels[rule.step])}**" if rule.step in labels else "on its step"
    placed, taken = outcome.placed, outcome.from_later_rules
    text = (f"**{plain(phrase(rule))}** would place **{placed:,} tickets** {where}: {outcome.from_nowhere:,} that "
            "are on no step today" + (f" and {taken:,} that later rules place now." if taken else "."))
    if outcome.shadowed:
        text += f" {outcome.shadowed:,} more match it, but an earlier rule takes them."
    (st.success if placed else st.warning)(text + ("" if placed else " As it stands, it would never fire."),
                                           icon=":material/science:")
