"""Experiments as versioned documents (kind ``experiment``, keys ``EX-1``, ``EX-2`` …), and their lifecycle.

Every edit is a revision and names the version it was based on; a stale edit is refused with
:class:`~journeys.errors.StaleWrite`, as for journeys and pain points. Status changes go through
:meth:`Experiments.transition`, which enforces :data:`~journeys.experiments.experiment.TRANSITIONS` and
keeps the linked pain points in step:

- starting (draft → running) sets open linked pain points to "in experiment";
- deciding **adopt** sets them to "resolved"; **roll back** puts them back to "investigating" (the
  fix did not work, the pain remains); **iterate** leaves them "in experiment" (a follow-up
  experiment is expected). Pain points already resolved or marked "won't fix" are left alone.

Pain points are separate documents, so they are saved after the experiment, each on top of the
version just read; if someone edits one in between, it is re-read and saved again (only its status
changes), so a status update never overwrites their edit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from journeys.errors import JourneysError, StaleWrite
from journeys.experiments.experiment import (
    TRANSITIONS,
    Decision,
    Experiment,
    LoopEntry,
    Outcome,
    Result,
    Status,
    parse_experiment,
)
from journeys.painpoints import PainPoints
from journeys.painpoints import Status as PainStatus
from journeys.store import Store
from journeys.store.documents import Document
from journeys.store.records import readable_time
from journeys.store.typed_documents import DocumentRepository

KIND = "experiment"
PREFIX = "EX"
_LEAVE_ALONE = (PainStatus.resolved, PainStatus.wont_fix)
_PAIN_AFTER = {Outcome.adopt: PainStatus.resolved, Outcome.roll_back: PainStatus.investigating}


class StoredExperiment(BaseModel):
    """An experiment with its key and the stored version it was read at (for stale-safe edits)."""

    model_config = ConfigDict(frozen=True)

    key: str
    version: int
    experiment: Experiment
    updated_by: str
    updated_at: datetime


@dataclass(frozen=True)
class Transitioned:
    """What a status change wrote: the experiment's new version and the pain points it updated."""

    version: int
    pain_points: list[str]


class Experiments(DocumentRepository[Experiment, StoredExperiment]):
    """The workspace's experiments: typed versioned documents whose status moves only by transitions."""

    kind, prefix, noun, created = KIND, PREFIX, "Experiment", "Drafted"

    def __init__(self, store: Store) -> None:
        super().__init__(store)
        self._pains = PainPoints(store)

    def parse(self, body: Any) -> Experiment:
        return parse_experiment(body)

    def stored(self, document: Document) -> StoredExperiment:
        return StoredExperiment(key=document.key, version=document.version,
                                experiment=parse_experiment(document.body), updated_by=document.author,
                                updated_at=document.created_at)

    def save(self, workspace: str, key: str, experiment: Experiment, author: str, *, expected_version: int,
             message: str = "") -> int:
        """Save an edit on top of ``expected_version``; :class:`StaleWrite` if someone saved since.

        The status cannot be changed here (use :meth:`transition`), so the lifecycle and the pain
        points stay in step.
        """
        current = self.load(workspace, key)
        if experiment.status != current.experiment.status:
            raise JourneysError(f"Change the status of {key} with a transition "
                                f"({current.experiment.status.value} → {experiment.status.value}), not an edit")
        return self.write(workspace, key, experiment, author, expected_version, message)

    def for_pain_point(self, workspace: str, pain_key: str) -> list[StoredExperiment]:
        """The experiments that test a fix for one pain point."""
        return [e for e in self.list(workspace) if pain_key in e.experiment.pain_points]

    # --- lifecycle -------------------------------------------------------------------------------

    def transition(self, workspace: str, key: str, to: Status, author: str, *, expected_version: int,
                   decision: Decision | None = None, result: Result | None = None,
                   message: str = "") -> Transitioned:
        """Move an experiment along its lifecycle; refuses what :data:`TRANSITIONS` does not allow.

        - → running: needs what :meth:`Experiment.start_problems` lists (steps, shipped date, …);
        - → analysed: needs a final (not interim) result, passed here or already stored;
        - → decided: needs ``decision`` (adopt, roll back or iterate; who, when, why).
        """
        stored = self.load(workspace, key)
        if stored.version != expected_version:
            raise StaleWrite(self.label(key), expected_version, stored.version, stored.updated_by,
                             readable_time(stored.updated_at))
        experiment, now = stored.experiment, stored.experiment.status
        if to not in TRANSITIONS[now]:
            allowed = ", ".join(s.value for s in sorted(TRANSITIONS[now])) or "none (it is closed)"
            raise JourneysError(f"{key} is {now.value}; it cannot become {to.value} (allowed next: {allowed})")
        update: dict[str, Any] = {"status": to}
        if to == Status.running:
            problems = experiment.start_problems()
            if problems:
                raise JourneysError(f"{key} cannot start yet: {'; '.join(problems)}")
        if to == Status.analysed:
            final = result or experiment.result
            if final is None or final.interim:
                raise JourneysError(f"{key} needs a final analysis (after its window has ended) to become analysed; "
                                    "interim looks cannot close an experiment")
            update["result"] = final
        if to == Status.decided:
            if decision is None:
                raise JourneysError(f"Record the decision on {key}: adopt, roll back or iterate, who, and why")
            update["decision"] = decision
        changed = experiment.model_copy(update=update)
        version = self.write(workspace, key, changed, author, expected_version,
                             message or f"{now.value} → {to.value}")
        target = PainStatus.in_experiment if to == Status.running else (
            _PAIN_AFTER.get(decision.outcome) if to == Status.decided and decision else None)
        touched = self._set_pain_status(workspace, changed.pain_points, target, author, key) if target else []
        return Transitioned(version, touched)

    def record_result(self, workspace: str, key: str, result: Result, author: str, *,
                      expected_version: int) -> int:
        """Keep an analysis (interim or final) as the experiment's latest result."""
        stored = self.load(workspace, key)
        changed = stored.experiment.model_copy(update={"result": result})
        label = "Interim look" if result.interim else "Analysis"
        return self.write(workspace, key, changed, author, expected_version, f"{label}: {result.verdict.value}")

    def log(self, workspace: str, key: str, entry: LoopEntry, author: str, *, expected_version: int) -> int:
        """Add a close-the-loop entry (who was told what, when, through which channel)."""
        stored = self.load(workspace, key)
        changed = stored.experiment.model_copy(update={"loop": [*stored.experiment.loop, entry]})
        return self.write(workspace, key, changed, author, expected_version,
                          f"Told {entry.audience.value} via {entry.channel}")

    # --- helpers ---------------------------------------------------------------------------------

    def check(self, workspace: str, experiment: Experiment) -> None:
        self.require_steps(workspace, experiment.journey, [*experiment.steps, *experiment.comparison_steps])
        known = {p.key for p in self._pains.list(workspace)} if experiment.pain_points else set()
        missing = [k for k in experiment.pain_points if k not in known]
        if missing:
            raise JourneysError(f"No pain point {', '.join(missing)} in workspace '{workspace}'")

    def _set_pain_status(self, workspace: str, keys: list[str], status: PainStatus, author: str,
                         experiment_key: str) -> list[str]:
        touched = []
        for key in keys:
            for _attempt in range(3):
                stored = self._pains.load(workspace, key)
                if stored.pain.status in _LEAVE_ALONE or stored.pain.status == status:
                    break
                try:
                    self._pains.save(workspace, key, stored.pain.model_copy(update={"status": status}), author,
                                     expected_version=stored.version,
                                     message=f"{experiment_key}: {status.value}")
                    touched.append(key)
                    break
                except StaleWrite:  # edited meanwhile: re-read and set only the status again
                    continue
        return touched


def decision(outcome: Outcome | str, by: str, why: str, at: datetime | None = None) -> Decision:
    """A decision record stamped now (UTC) unless ``at`` is given."""
    return Decision(outcome=Outcome(outcome), by=by, why=why, at=at or datetime.now(UTC))
