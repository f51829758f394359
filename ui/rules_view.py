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
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import streamlit as st

from journeys.errors import JourneysError, Problem, StaleWrite
from journeys.model import Journey
from journeys.store.core import Revision
from journeys.store.tickets import TicketStore
from journeys.tickets.datasets import DatasetVersion
from journeys.tickets.rules import OPS, STEP_COLUMN, Rule, RuleSet, preview, rules_to_json, unmapped_report
from journeys.tickets.rules import validate_rules as _validate
from ui import session, tickets_view
from ui.frame import author, settings, store, workspace
from ui.text import plain

SEEN = "rules_seen"  # {(workspace, journey): RuleSet shown}
PENDING = "rules_pending"  # PendingRuleEdit refused as stale
PROBLEMS = "rules_problems"  # (headline, [reasons]) from the last attempted change
SAVED = "rules_saved"  # toast text after a save
FORM = {"step": "rule_step", "field": "rule_field", "op": "rule_op", "value": "rule_value", "name": "rule_name",
        "position": "rule_position", "message": "rule_message"}
OP_WORDS = {"equals": "is", "contains": "contains", "regex": "matches the pattern", "in": "is one of"}
OP_HELP = {"equals": "is", "contains": "contains", "regex": "matches a regex", "in": "is one of"}
NEVER_FIRES = "never fires: an earlier rule takes these tickets"
NO_MATCH = "matches no ticket in this dataset"
NOTES = {NEVER_FIRES: "⚠ never fires", NO_MATCH: "no match here"}  # short in the table, in full under it
TOP = 8
RE2_REFUSAL = "DuckDB's regex engine (RE2) rejects this pattern: "
LIKELY_COLUMNS = ("tags", "category", "subject", "channel", "group", "priority", "status", "handled_by", "variant")


# --- changes as intents ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleEdit:
    """One change to a journey's rules, kept as intent so it can be re-applied on a newer version."""

    kind: Literal["add", "move", "delete", "restore"]
    message: str
    rule: Rule | None = None
    position: int = 0  # add: index to insert at; move: -1 (up) or +1 (down)
    rules: tuple[Rule, ...] = ()  # restore: the old version's rules

    def apply(self, rules: Sequence[Rule]) -> list[Rule] | None:
        """The rules after this change; None when it no longer applies (the rule was removed meanwhile)."""
        out = list(rules)
        if self.kind == "restore":
            return list(self.rules)
        if self.kind == "add" and self.rule is not None:
            out.insert(min(max(self.position, 0), len(out)), self.rule)
            return out
        if self.rule not in out:
            return None
        i = out.index(self.rule)
        if self.kind == "delete":
            del out[i]
            return out
        j = i + self.position
        if not 0 <= j < len(out):
            return None
        out[i], out[j] = out[j], out[i]
        return out


@dataclass
class PendingRuleEdit:
    """A change the store refused as stale, waiting for the facilitator's decision."""

    journey: str
    edit: RuleEdit
    refusal: StaleWrite


@dataclass
class Counts:
    """What the rules do on one dataset: the per-rule table, the unmapped report, or why it can't be computed."""

    rules: pd.DataFrame | None = None
    report: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # rules skipped because they cannot run on this dataset


# --- reading ---------------------------------------------------------------------------------------


def tickets() -> TicketStore:
    return TicketStore(store())


def rules_shown(name: str) -> RuleSet:
    """The latest rules, remembered as the version changes are based on; held while a stale save waits."""
    seen = st.session_state.setdefault(SEEN, {})
    pending: PendingRuleEdit | None = st.session_state.get(PENDING)
    if (workspace(), name) not in seen or not (pending and pending.journey == name):
        seen[(workspace(), name)] = tickets().load_rules(workspace(), name)
    return seen[(workspace(), name)]


@st.cache_data(max_entries=64, show_spinner=False)
def columns(path: str) -> list[str]:
    """The dataset's columns (canonical and x_ extras), read from the Parquet footer only."""
    return list(pq.read_schema(path).names)


def rule_columns(dataset: DatasetVersion) -> list[str]:
    """Columns a rule may test, the ones rules usually look at first; never the explicit step itself."""
    found = [c for c in columns(str(dataset.path)) if c != STEP_COLUMN]
    first = [c for c in LIKELY_COLUMNS if c in found] + [c for c in found if c.startswith("x_")]
    return first + [c for c in found if c not in first]


def content_key(dataset: DatasetVersion, journey: str, journey_version: int, rules_version: int) -> tuple:
    return (settings().database_url, workspace(), dataset.name, dataset.version, str(dataset.path), journey,
            journey_version, rules_version)


def _cursor() -> duckdb.DuckDBPyConnection:
    """A cursor on the shared DuckDB engine (connections are not thread-safe; a cursor per call is)."""
    return tickets_view._engine().cursor()


def _compute(dataset: DatasetVersion, journey: Journey, rule_set: RuleSet, report: bool) -> Counts:
    con = _cursor()
    try:
        frame = preview(con, dataset.path, rule_set, journey)
        frame = frame.assign(tickets_total=frame.attrs.get("tickets", 0))
        return Counts(frame, unmapped_report(con, dataset.path, rule_set, journey, top=TOP) if report else {},
                      warnings=list(frame.attrs.get("warnings", [])))
    except JourneysError as error:
        return Counts(problems=[str(p) for p in error.problems] or [error.message])
    finally:
        con.close()


@st.cache_data(max_entries=32, show_spinner="Counting tickets per rule…")
def _counts(key: tuple, _dataset: DatasetVersion, _journey: Journey, _rules: RuleSet) -> Counts:
    return _compute(_dataset, _journey, _rules, report=True)


def counts(key: tuple, dataset: DatasetVersion, journey: Journey, rule_set: RuleSet) -> Counts:
    """Per-rule counts and the unmapped report of a stored rules version, cached by content."""
    return _counts(key, dataset, journey, rule_set)


@st.cache_data(max_entries=32, show_spinner="Testing the rule…")
def _draft_counts(key: tuple, rules_json: str, _dataset: DatasetVersion, _journey: Journey,
                  _rules: RuleSet) -> Counts:
    return _compute(_dataset, _journey, _rules, report=False)


# --- plain words -----------------------------------------------------------------------------------


def phrase(rule: Rule) -> str:
    """A rule as a sentence fragment: ``tags is "billing"``, ``subject contains "refund"``."""
    shown = ", ".join(f'"{v}"' for v in rule.values) if rule.op == "in" else f'"{rule.value}"'
    text = f"{rule.field} {OP_WORDS.get(rule.op, rule.op)} {shown}"
    return text if not rule.name or rule.name in (rule.value, *rule.values) else f"{text} ({rule.name})"


def step_label(labels: dict[str, str], step: str) -> str:
    return labels.get(step, f"{step} (not a step of this journey)")


def draft_rule(values: dict[str, Any]) -> Rule:
    """The rule the add form describes; for 'is one of' the text is split at commas."""
    op = values.get("op") or "equals"
    text = str(values.get("value") or "")
    value: str | list[str] = [v.strip() for v in text.split(",") if v.strip()] if op == "in" else text.strip()
    return Rule(step=values.get("step") or "", field=values.get("field") or "", op=op, value=value,
                name=str(values.get("name") or "").strip())


def draft_problems(rule: Rule, journey: Journey, dataset_columns: Sequence[str]) -> list[str]:
    """Every problem of a new rule, in plain words (empty: it can be added)."""
    problems: list[Problem] = _validate([rule], journey, dataset_columns)
    words = []
    for p in problems:
        reason = p.reason
        if reason == "has no step":
            reason = "Pick the step these tickets belong to."
        elif reason == "has an empty value":
            reason = "Type the text to look for."
        elif reason == "has no column to test":
            reason = "Pick the column to look at."
        elif reason.startswith(RE2_REFUSAL):
            reason = "This pattern can't be used — the regex engine (RE2) says: " + reason[len(RE2_REFUSAL):]
        words.append(reason[:1].upper() + reason[1:])
    return words


# --- saving ----------------------------------------------------------------------------------------


def commit(name: str, edit: RuleEdit) -> bool:
    """Apply a change to the version this session saw and save it as a new version; stale saves wait."""
    who = author()
    if not who:
        st.session_state[PROBLEMS] = ("Tell us your name in the sidebar first: it is recorded on every save.", [])
        return False
    seen: RuleSet = st.session_state.setdefault(SEEN, {}).get((workspace(), name)) or \
        tickets().load_rules(workspace(), name)
    changed = edit.apply(seen.rules)
    if changed is None:
        st.session_state[PROBLEMS] = (f"Not saved: the rule to change is no longer in the rules ({edit.message}).", [])
        return False
    try:
        version = tickets().save_rules(workspace(), name, changed, who, edit.message, expected_version=seen.version)
    except StaleWrite as refusal:
        st.session_state[PENDING] = PendingRuleEdit(name, edit, refusal)
        return False
    except JourneysError as error:
        st.session_state[PROBLEMS] = (f"Not saved: {error.message}", [str(p) for p in error.problems])
        return False
    st.session_state[SEEN].pop((workspace(), name), None)
    st.session_state[SAVED] = f"Saved rules version {version}: {edit.message}"
    if edit.kind in ("move", "delete"):  # keep the picker on the moved rule (or where the deleted one was)
        picked = st.session_state.get("rules_pick")
        at = changed.index(edit.rule) if edit.kind == "move" else picked if isinstance(picked, int) else 0
        st.session_state["rules_pick"] = min(at, max(len(changed) - 1, 0))
        st.session_state["rules_change_message"] = ""
    return True


def _apply_on_top() -> None:
    pending: PendingRuleEdit = st.session_state.pop(PENDING)
    st.session_state.get(SEEN, {}).pop((workspace(), pending.journey), None)
    st.session_state[SEEN][(workspace(), pending.journey)] = tickets().load_rules(workspace(), pending.journey)
    commit(pending.journey, pending.edit)


def _reload() -> None:
    pending: PendingRuleEdit = st.session_state.pop(PENDING)
    st.session_state.get(SEEN, {}).pop((workspace(), pending.journey), None)


def show_status(name: str) -> None:
    """The last change's outcome: a toast, the problems, or a stale refusal with the choices."""
    session.show_outcome(SAVED, PROBLEMS)
    pending: PendingRuleEdit | None = st.session_state.get(PENDING)
    if pending and pending.journey == name:
        r = pending.refusal
        with st.container(border=True):
            st.warning(f"**Not saved: {plain(r.saved_by)} saved version {r.current:d} of these rules at "
                       f"{plain(r.saved_at)}** while you were looking at version {r.expected:d}. Your change — "
                       f"*{plain(pending.edit.message)}* — "
                       "is kept until you choose. The table below still shows the version you were looking at.",
                       icon=":material/front_hand:")
            left, right = st.columns(2)
            left.button(f"Reload version {r.current:d} and drop my change", key="rules_reload", type="primary",
                        on_click=_reload, width="stretch")
            right.button("Apply my change on top of the newer version", key="rules_apply_on_top",
                         on_click=_apply_on_top, width="stretch")


# --- the sections ----------------------------------------------------------------------------------


def rules_frame(rule_set: RuleSet, labels: dict[str, str], found: Counts | None) -> pd.DataFrame:
    """The rules as the facilitator reads them, with this dataset's counts and a flag for dead rules."""
    rows = []
    for i, rule in enumerate(rule_set.rules):
        row: dict[str, Any] = {"Order": i + 1, "Rule": phrase(rule), "Step": step_label(labels, rule.step)}
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


def rules_table(rule_set: RuleSet, labels: dict[str, str], found: Counts) -> None:
    """The ordered rules with counts; rules that never fire are called out under the table."""
    if not rule_set.rules:
        st.info("No rules yet, so only tickets whose export names their step land on the journey. "
                "Start from the suggestions under *Tickets on no step*, or add a rule below.")
        return
    frame = rules_frame(rule_set, labels, found)
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


def _prefill(suggested: dict[str, Any]) -> None:
    st.session_state[FORM["field"]] = suggested["field"]
    st.session_state[FORM["op"]] = suggested["op"]
    st.session_state[FORM["value"]] = suggested["value"]
    st.session_state[FORM["step"]] = None
    st.session_state[FORM["name"]] = ""
    st.session_state["rules_prefilled"] = f'{suggested["field"]} {OP_WORDS[suggested["op"]]} "{suggested["value"]}"'


def summary(found: Counts) -> None:
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


def unmapped_section(found: Counts) -> None:
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


def add_form(name: str, journey: Journey, dataset: DatasetVersion, rule_set: RuleSet, found: Counts,
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


def _test_result(journey: Journey, dataset: DatasetVersion, rule_set: RuleSet, found: Counts, key: tuple,
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
    trial = RuleSet(rule_set.journey, RuleEdit("add", "", rule=stand_in, position=position).apply(rule_set.rules)
                    or [], rule_set.version)
    result = _draft_counts(key, rules_to_json(trial.rules), dataset, journey, trial)
    if result.rules is None or not found.report:
        st.error("The test could not run: " + "; ".join(plain(p) for p in result.problems), icon=":material/error:")
        return
    row = result.rules.iloc[min(position, len(rule_set.rules))]
    placed, shadowed = int(row["matched"]), int(row["shadowed"])
    report = found.report
    unmapped_after = report["tickets"] - report["explicit"] - int(result.rules["matched"].sum())
    from_nowhere = report["unmapped"] - unmapped_after
    where = f"on **{plain(labels[rule.step])}**" if rule.step in labels else "on its step"
    taken = placed - from_nowhere
    text = (f"**{plain(phrase(rule))}** would place **{placed:,} tickets** {where}: {from_nowhere:,} that are on "
            "no step today" + (f" and {taken:,} that later rules place now." if taken else "."))
    if shadowed:
        text += f" {shadowed:,} more match it, but an earlier rule takes them."
    (st.success if placed else st.warning)(text + ("" if placed else " As it stands, it would never fire."),
                                           icon=":material/science:")


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
    old = tickets().rules_revision(workspace(), name, version)
    st.dataframe(rules_frame(old, labels, None), hide_index=True, width="stretch", height=_height(len(old.rules)),
                 column_config=RULES_COLUMNS, key="rules_history_rules")
    if version != current:
        st.button(f"Bring back version {version:d}", key="rules_restore", icon=":material/restore:",
                  on_click=lambda: commit(name, RuleEdit("restore", f"Brought back version {version}",
                                                         rules=tuple(old.rules))),
                  help="Saves that version's rules as a new version on top; nothing is overwritten.")
