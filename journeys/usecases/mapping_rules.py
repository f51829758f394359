"""Map tickets: what each of a journey's rules does on real tickets, and changing the rules safely.

The Mapping rules page and ``journeys tickets rules`` call these. Counting runs in the workspace's
analytics engine (a cursor of its one DuckDB); a change is an intent (:class:`RuleEdit`) applied to
the version the caller saw and saved against it, so a colleague's save in the meantime is refused
(:class:`~journeys.errors.StaleWrite`), never overwritten, and the same intent can be applied again
on top of the newer version.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from journeys.errors import JourneysError
from journeys.model import Journey
from journeys.tickets.datasets import DatasetVersion
from journeys.tickets.engine import ticket_source
from journeys.tickets.rules import STEP_COLUMN, Rule, RuleSet, dataset_columns, preview, unmapped_report
from journeys.usecases.measure import current_topics

if TYPE_CHECKING:
    from journeys.workspace import Workspace

TOP = 8  # suggestions per kind (tags, categories, words in the subject)
LIKELY_COLUMNS = ("tags", "category", "subject", "channel", "group", "priority", "status", "handled_by", "variant")


class RuleGone(JourneysError):
    """A move or delete whose rule a colleague already removed (or moved out of reach)."""


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


@dataclass(frozen=True)
class SavedRules:
    """The rules as saved by a change, and the version they were saved as."""

    version: int
    rules: list[Rule]


@dataclass
class RuleCounts:
    """What the rules do on one dataset, or why that can't be computed.

    ``rules``: one row per rule (``matched``, ``shadowed``, ``overridden``; see
    :func:`journeys.tickets.rules.preview`); ``report``: the unmapped report with its suggestions (see
    :func:`journeys.tickets.rules.unmapped_report`; empty when not asked for); ``problems``: why the
    rules cannot run here at all; ``warnings``: rules skipped because they cannot run on this dataset."""

    rules: pd.DataFrame | None = None
    report: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RuleTrial:
    """What adding one rule at one position would do: tickets it places, those an earlier rule takes,
    those it would take from no step, and those it would take from later rules."""

    placed: int
    shadowed: int
    from_nowhere: int
    from_later_rules: int


def testable_columns(dataset: DatasetVersion) -> list[str]:
    """Columns a rule may test on this dataset, those rules usually look at first; never the step itself."""
    found = [c for c in dataset_columns([dataset.path]) if c != STEP_COLUMN]
    first = [c for c in LIKELY_COLUMNS if c in found] + [c for c in found if c.startswith("x_")]
    return first + [c for c in found if c not in first]


def count_rules(ws: Workspace, dataset: DatasetVersion, journey: Journey, rule_set: RuleSet,
                suggestions: bool = True, top: int = TOP) -> RuleCounts:
    """Per-rule counts on ``dataset`` and, with ``suggestions``, the tickets on no step and what they share."""
    con = ws.engine.cursor()
    source = ticket_source(dataset, current_topics(ws, dataset))  # topic rules test the current topics
    try:
        frame = preview(con, source, rule_set, journey)
        frame = frame.assign(tickets_total=frame.attrs.get("tickets", 0))
        report = unmapped_report(con, source, rule_set, journey, top=top) if suggestions else {}
        return RuleCounts(frame, report, warnings=list(frame.attrs.get("warnings", [])))
    except JourneysError as error:
        return RuleCounts(problems=[str(p) for p in error.problems] or [error.message])
    finally:
        con.close()


def with_rule(rule_set: RuleSet, rule: Rule, position: int) -> RuleSet:
    """The rule set with ``rule`` inserted at ``position`` (what a trial counts; nothing is saved)."""
    return RuleSet(rule_set.journey, RuleEdit("add", "", rule=rule, position=position).apply(rule_set.rules) or [],
                   rule_set.version)


def trial_outcome(now: RuleCounts, trial: RuleCounts, position: int) -> RuleTrial | None:
    """Compare the counts of the rules as saved (``now``, with its report) with those of a trial set
    (see :func:`with_rule`); None when either could not be counted."""
    if trial.rules is None or not now.report:
        return None
    row = trial.rules.iloc[min(position, len(trial.rules) - 1)]
    placed, shadowed = int(row["matched"]), int(row["shadowed"])
    report = now.report
    unmapped_after = report["tickets"] - report["explicit"] - int(trial.rules["matched"].sum())
    from_nowhere = report["unmapped"] - unmapped_after
    return RuleTrial(placed, shadowed, from_nowhere, placed - from_nowhere)


def try_rule(ws: Workspace, dataset: DatasetVersion, journey: Journey, rule_set: RuleSet, rule: Rule,
             position: int, now: RuleCounts | None = None) -> RuleTrial | None:
    """What ``rule`` would do at ``position`` on ``dataset``, before it is added."""
    now = now if now is not None else count_rules(ws, dataset, journey, rule_set)
    trial = count_rules(ws, dataset, journey, with_rule(rule_set, rule, position), suggestions=False)
    return trial_outcome(now, trial, position)


def change_rules(ws: Workspace, journey: str, seen: RuleSet, edit: RuleEdit, author: str) -> SavedRules:
    """Apply ``edit`` to the version the caller saw and save the result as the next version.

    Raises :class:`~journeys.errors.StaleWrite` when someone saved since ``seen.version``, and
    :class:`RuleGone` when the rule to move or delete is no longer there."""
    changed = edit.apply(seen.rules)
    if changed is None:
        raise RuleGone(f"the rule to change is no longer in the rules ({edit.message})")
    version = ws.rules.save(journey, changed, author, message=edit.message, expected_version=seen.version)
    return SavedRules(version, changed)
