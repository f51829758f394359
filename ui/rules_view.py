"""The Mapping rules page: what each rule does on real tickets, and changing the rules safely.

The page shows the rules *as this session saw them* and every change is an
intent (:class:`RuleEdit`: add, move, delete, restore) applied to that version
and saved against it. If a colleague saved in the meantime the store refuses
the save (:class:`~journeys.errors.StaleWrite`); the change is kept here and the
page offers to reload or to apply the same change on top — never a silent
overwrite. Counts come from DuckDB on the shared engine and are cached by
content: stored rule versions never change, so (dataset, version, journey,
journey version, rules version) names one result for good.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
import streamlit as st

from journeys.errors import Problem
from journeys.model import Journey
from journeys.store.core import Revision
from journeys.tickets.datasets import DatasetVersion
from journeys.tickets.rules import TOPIC_COLUMN, Rule, RuleSet, validate_rules
from journeys.usecases.mapping_rules import RuleCounts, RuleEdit, change_rules, count_rules, testable_columns
from journeys.usecases.measure import current_topics
from ui.frame import settings, workspace, ws
from ui.stale_safe import StaleSafe
from ui.text import plain

OP_WORDS = {"equals": "is", "contains": "contains", "regex": "matches the pattern", "in": "is one of"}
NEVER_FIRES = "never fires: an earlier rule takes these tickets"
NO_MATCH = "matches no ticket in this dataset"
NOTES = {NEVER_FIRES: "⚠ never fires", NO_MATCH: "no match here"}  # short in the table, in full under it


# --- reading ---------------------------------------------------------------------------------------


def _save(name: str, seen: RuleSet, edit: RuleEdit, who: str) -> int:
    return change_rules(ws(), name, seen, edit, who).version


class _RuleFlow(StaleSafe[RuleSet, RuleEdit]):
    """The stale-safe flow, with the rule picker following a moved rule (also when applied on top)."""

    def commit(self, key: str, edit: RuleEdit) -> bool:
        seen = self.seen(key)
        if not super().commit(key, edit):
            return False
        if edit.kind in ("move", "delete"):  # keep the picker on the moved rule (or where the deleted one was)
            changed = edit.apply(seen.rules) or []
            picked = st.session_state.get("rules_pick")
            at = changed.index(edit.rule) if edit.kind == "move" else picked if isinstance(picked, int) else 0
            st.session_state["rules_pick"] = min(at, max(len(changed) - 1, 0))
            st.session_state["rules_change_message"] = ""
        return True


# The one stale-safe edit flow (ui.stale_safe): session keys rules_seen/_pending/_saved/_problems, buttons
# rules_reload / rules_apply_on_top.
RULES = _RuleFlow(
    "rules", load=lambda name: ws().rules.load(name), save=_save, noun=lambda _name: "these rules",
    saved=lambda _name, version, edit: f"Saved rules version {version}: {edit.message}",
    note="The table below still shows the version you were looking at.")


def rules_shown(name: str) -> RuleSet:
    """The latest rules, remembered as the version changes are based on; held while a stale save waits."""
    return RULES.shown(name)


@st.cache_data(max_entries=64, show_spinner=False)
def _columns(key: tuple, _dataset: DatasetVersion) -> list[str]:
    return testable_columns(_dataset)


def rule_columns(dataset: DatasetVersion) -> list[str]:
    """Columns a rule may test (read from the Parquet footer once per dataset version); never the step itself."""
    return _columns((str(dataset.path), dataset.name, dataset.version), dataset)


def content_key(dataset: DatasetVersion, journey: str, journey_version: int, rules_version: int) -> tuple:
    return (settings().database_url, workspace(), dataset.name, dataset.version, str(dataset.path), journey,
            journey_version, rules_version, str(current_topics(ws(), dataset)))  # topic rules read the topics


def _compute(dataset: DatasetVersion, journey: Journey, rule_set: RuleSet, report: bool) -> RuleCounts:
    return count_rules(ws(), dataset, journey, rule_set, suggestions=report)


@st.cache_data(max_entries=32, show_spinner="Counting tickets per rule…")
def _counts(key: tuple, _dataset: DatasetVersion, _journey: Journey, _rules: RuleSet) -> RuleCounts:
    return _compute(_dataset, _journey, _rules, report=True)


def counts(key: tuple, dataset: DatasetVersion, journey: Journey, rule_set: RuleSet) -> RuleCounts:
    """Per-rule counts and the unmapped report of a stored rules version, cached by content."""
    return _counts(key, dataset, journey, rule_set)


@st.cache_data(max_entries=32, show_spinner="Testing the rule…")
def draft_counts(key: tuple, rules_json: str, _dataset: DatasetVersion, _journey: Journey,
                 _rules: RuleSet) -> RuleCounts:
    """Counts of an unsaved trial rule set, cached by the stored version's key and the trial's rules."""
    return _compute(_dataset, _journey, _rules, report=False)


# --- plain words -----------------------------------------------------------------------------------


def phrase(rule: Rule, topics: dict[str, str] | None = None) -> str:
    """A rule as a sentence fragment: ``tags is "billing"``, ``subject contains "refund"``; a topic rule with the
    topic's label when ``topics`` (id → label) knows it: ``topic is "T4" (refund · money)``."""
    shown = ", ".join(f'"{v}"' for v in rule.values) if rule.op == "in" else f'"{rule.value}"'
    text = f"{rule.field} {OP_WORDS.get(rule.op, rule.op)} {shown}"
    named = [topics[v] for v in rule.values if v in topics] if rule.field == TOPIC_COLUMN and topics else []
    text += f" ({', '.join(named)})" if named else ""
    return text if not rule.name or rule.name in (rule.value, *rule.values) else f"{text} ({rule.name})"


def step_label(labels: dict[str, str], step: str) -> str:
    return labels.get(step, f"{step} (not a step of this journey)")


# How the form words the problems a draft rule most often has (by Problem.code; others keep the core's words).
DRAFT_WORDS = {"no_step": "Pick the step these tickets belong to.", "empty_value": "Type the text to look for.",
               "no_column": "Pick the column to look at."}


def draft_problems(rule: Rule, journey: Journey, dataset_columns: Sequence[str]) -> list[str]:
    """Every problem of a new rule, in plain words (empty: it can be added)."""
    problems: list[Problem] = validate_rules([rule], journey, dataset_columns)
    words = []
    for p in problems:
        reason = DRAFT_WORDS.get(p.code) or p.reason
        if p.code == "pattern_refused":
            reason = "This pattern can't be used — the regex engine (RE2) says: " + p.detail
        words.append(reason[:1].upper() + reason[1:])
    return words



# --- saving ----------------------------------------------------------------------------------------


def commit(name: str, edit: RuleEdit) -> bool:
    """Apply a change to the version this session saw and save it as a new version; stale saves wait."""
    return RULES.commit(name, edit)


def show_status(name: str) -> None:
    """The last change's outcome: a toast, the problems, or a stale refusal with the choices."""
    RULES.show_status(name)


# --- the sections ----------------------------------------------------------------------------------


def rules_frame(rule_set: RuleSet, labels: dict[str, str], found: RuleCounts | None,
                topics: dict[str, str] | None = None) -> pd.DataFrame:
    """The rules as the facilitator reads them, with this dataset's counts and a flag for dead rules."""
    rows = []
    for i, rule in enumerate(rule_set.rules):
        row: dict[str, Any] = {"Order": i + 1, "Rule": phrase(rule, topics), "Step": step_label(labels, rule.step)}
        if found is not None and found.rules is not None:
            c = found.rules.iloc[i]
            placed, shadowed, overridden = int(c["matched"]), int(c["shadowed"]), int(c["overridden"])
            note = NEVER_FIRES if placed == 0 and shadowed > 0 else NO_MATCH if placed + overridden == 0 else ""
            row |= {"Tickets placed": placed, "Shadowed": shadowed, "Overridden": overridden, "Note": note}
        rows.append(row)
    return pd.DataFrame(rows)


# Widths add up to the ~818 px a 1280-wide window leaves beside the sidebar: no column behind a sideways scroll.
RULES_COLUMNS = {
    "Order": st.column_config.NumberColumn("Order", help="Rules are tried top to bottom; the first match wins.",
                                           width=50),
    "Rule": st.column_config.TextColumn("Rule", width=215),
    "Step": st.column_config.TextColumn("Step", width=195),
    "Tickets placed": st.column_config.NumberColumn(
        "Tickets placed", format="localized", width=100,
        help="Tickets this rule puts on its step (it is their first match)."),
    "Shadowed": st.column_config.NumberColumn(
        "Shadowed", format="localized", width=78,
        help="Tickets this rule matches that an earlier rule already took."),
    "Overridden": st.column_config.NumberColumn(
        "Overridden", format="localized", width=84,
        help="Tickets this rule matches that keep the step named in the export's journey_step column."),
    "Note": st.column_config.TextColumn(
        "Note", width=90, help=f"⚠ never fires = {NEVER_FIRES}; no match here = {NO_MATCH}."),
}


def _height(rows: int) -> int | str:
    """Every rule visible at once (order matters, scrolling hides it), up to a long list."""
    return "content" if rows <= 40 else 800


def rules_table(rule_set: RuleSet, labels: dict[str, str], found: RuleCounts,
                topics: dict[str, str] | None = None) -> None:
    """The ordered rules with counts; rules that never fire are called out under the table."""
    if not rule_set.rules:
        st.info("No rules yet, so only tickets whose export names their step land on the journey. "
                "Start from the suggestions under *Tickets on no step*, or add a rule below.")
        return
    frame = rules_frame(rule_set, labels, found, topics)
    shown = frame.assign(Note=frame["Note"].map(lambda n: NOTES.get(n, n))) if "Note" in frame else frame
    st.dataframe(shown, hide_index=True, width="stretch", height=_height(len(frame)), column_config=RULES_COLUMNS,
                 key="rules_table")
    if "Note" in frame:
        for _, row in frame[frame["Note"] == NEVER_FIRES].iterrows():
            st.warning(f"Rule {row['Order']:d} ({plain(row['Rule'])}) {NEVER_FIRES} (all {row['Shadowed']:,} of them). "
                       "Move it up above the broader rule, or delete it.", icon=":material/block:")


def change_controls(name: str, rule_set: RuleSet, labels: dict[str, str]) -> None:
    """Move or delete one rule: pick it, press a button; each press saves a new version."""
    if not rule_set.rules:
        return
    n = len(rule_set.rules)
    with st.container(border=True):
        st.markdown("**Change the order or remove a rule**")
        pick, message = st.columns([3, 2])
        index = pick.selectbox("Rule", range(n), key="rules_pick", format_func=lambda i: (
            f"{i + 1}. {phrase(rule_set.rules[i])} → {step_label(labels, rule_set.rules[i].step)}"))
        why = message.text_input("Why (saved in the history)", key="rules_change_message",
                                 placeholder="e.g. 'billing' is too broad, check it last")
        # The browser sends back the label it shows; after a move or delete it may name no rule: start over.
        index = index if isinstance(index, int) and index < n else 0
        rule = rule_set.rules[index]
        up, down, delete, _ = st.columns([1, 1, 1, 2])
        up.button("Move up", key="rules_up", icon=":material/arrow_upward:", disabled=index == 0, width="stretch",
                  on_click=_move, args=(name, rule, -1, index, why))
        down.button("Move down", key="rules_down", icon=":material/arrow_downward:", disabled=index == n - 1,
                    width="stretch", on_click=_move, args=(name, rule, +1, index, why))
        delete.button("Delete", key="rules_delete", icon=":material/delete:", width="stretch",
                      on_click=_delete, args=(name, rule, why))


def _move(name: str, rule: Rule, by: int, index: int, why: str) -> None:
    words = "up" if by < 0 else "down"
    commit(name, RuleEdit("move", why.strip() or f"Moved rule {phrase(rule)} {words} to position {index + 1 + by}",
                          rule=rule, position=by))


def _delete(name: str, rule: Rule, why: str) -> None:
    commit(name, RuleEdit("delete", why.strip() or f"Deleted rule {phrase(rule)}", rule=rule))


def summary(found: RuleCounts) -> None:
    """Where the dataset's tickets end up: placed by a rule, on their own step, or on no step."""
    for warning in found.warnings:
        st.warning(f"{plain(warning[:1].upper() + warning[1:])} — the other rules still place tickets; fix or "
                   "delete this one.", icon=":material/rule:")
    report = found.report
    if not report:
        return
    cols = st.columns(4)
    cols[0].metric("Tickets", f"{report['tickets']:,}")
    cols[1].metric("Placed by rules", f"{report['by_rules']:,}")
    cols[2].metric("Kept their own step", f"{report['explicit']:,}",
                   help="Tickets whose export names a step of this journey in its journey_step column.")
    cols[3].metric("On no step", f"{report['unmapped']:,}", delta=f"{report['share']:.1%} of tickets",
                   delta_color="off", delta_arrow="off", help="Tickets no rule places; they count on no step.")


def history_section(name: str, labels: dict[str, str], history: list[Revision], current: int) -> None:
    """Every saved version with who, when and why; any version can be read and brought back."""
    if not history:
        st.caption("No version saved yet.")
        return
    st.dataframe(pd.DataFrame([{"Version": r.version, "Saved by": r.author, "Saved at (UTC)": r.created_at,
                                "Why": r.message} for r in history]),
                 hide_index=True, width="stretch", key="rules_history_table", column_config={
                     "Saved at (UTC)": st.column_config.DatetimeColumn(format="D MMM YYYY, HH:mm")})
    versions = [r.version for r in history]
    if len(versions) < 2:
        st.caption("Only one version so far. Every change adds a version here, with who saved it and why, "
                   "so any earlier set of rules can be read and brought back.")
        return
    version = st.selectbox("Read an earlier version", versions, key="rules_history_pick", index=1,
                           format_func=lambda v: f"Version {v}")  # nothing a later save changes in a label
    if not isinstance(version, int):
        return
    old = ws().rules.revision(name, version)
    st.dataframe(rules_frame(old, labels, None), hide_index=True, width="stretch", height=_height(len(old.rules)),
                 column_config=RULES_COLUMNS, key="rules_history_rules")
    if version != current:
        st.button(f"Bring back version {version:d}", key="rules_restore", icon=":material/restore:",
                  on_click=lambda: commit(name, RuleEdit("restore", f"Brought back version {version}",
                                                         rules=tuple(old.rules))),
                  help="Saves that version's rules as a new version on top; nothing is overwritten.")
