"""Review a map: is the journey sound (its checks) and still true (its numbers since the last review)?

The Journey map page shows both beside the board, and a notebook or the CLI can ask the same
questions: :func:`check_map` lists the findings (dead ends, bot loops, missing routes to a human),
:func:`map_freshness` compares the steps' numbers now with those frozen at the last review, and
:func:`mark_reviewed` records a review against the version the caller saw (a colleague's review in
between is refused, never stacked upon).

>>> from journeys.model import Journey, Step, Transition
>>> journey = Journey(name="Reset", steps=[Step(id="a", label="Asks", stage="Help"),
...                                         Step(id="b", label="Bot answers", stage="Help", channel="bot")],
...                   transitions=[Transition(source="a", target="b")])
>>> checks = check_map(journey)
>>> checks.errors + checks.warnings == len(checks.findings)
True
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from journeys.errors import JourneysError
from journeys.freshness import Freshness, Review, created_on, freshness
from journeys.freshness import mark_reviewed as record_review
from journeys.graph import Finding, Severity, check
from journeys.model import Journey
from journeys.tickets.datasets import DatasetVersion, choose_dataset
from journeys.usecases.measure import mapped

if TYPE_CHECKING:
    from journeys.workspace import Workspace


def finding_key(finding: Finding) -> str:
    """A finding's stable name ("code:step,step"): what a page remembers as the finding in focus."""
    return finding.code + ":" + ",".join(finding.steps)


@dataclass(frozen=True)
class MapChecks:
    """A journey's check findings, counted by severity."""

    findings: tuple[Finding, ...]

    @property
    def errors(self) -> int:
        return sum(f.severity == Severity.error for f in self.findings)

    @property
    def warnings(self) -> int:
        return len(self.findings) - self.errors

    def highlighted(self, focus: str | None = None) -> set[str]:
        """The steps to highlight: every finding's, or only those of the finding in ``focus``."""
        return {s for f in self.findings if focus in (None, finding_key(f)) for s in f.steps}


def check_map(journey: Journey) -> MapChecks:
    """The journey's checks (see :func:`journeys.graph.check`)."""
    return MapChecks(tuple(check(journey)))


def latest_dataset(ws: Workspace) -> DatasetVersion | None:
    """The most recently imported ticket dataset (what the map's freshness is measured on), if any."""
    return choose_dataset(ws.datasets.list())


def review_version(ws: Workspace, journey: str) -> int:
    """The version of the journey's review record (0: never reviewed); a mark by anyone bumps it."""
    found = ws.store.documents.get(ws.name, "review", journey)
    return found.version if found else 0


def due_from(ws: Workspace, journey: str) -> tuple[datetime | None, date]:
    """What "overdue" depends on besides the review: the journey's creation and today's date."""
    return created_on(ws.store, ws.name, journey), datetime.now(UTC).date()


def map_freshness(ws: Workspace, journey: str, steps: Journey, dataset: DatasetVersion | None) -> Freshness:
    """The journey's last review, whether it is overdue, and its steps whose numbers moved since (on
    ``dataset``'s tickets; None: no drifts, only the review's dates)."""
    table = mapped(ws, dataset, journey).table if dataset is not None else None
    return freshness(ws.store, ws.name, journey, table, steps)


def mark_reviewed(ws: Workspace, journey: str, steps: Journey, dataset: DatasetVersion, author: str,
                  expected_version: int) -> Review:
    """Record that ``author`` reviewed the map now, freezing today's numbers on ``dataset`` to compare with
    next time. ``expected_version``: the review version the caller saw (0: none); a newer one raises
    :class:`~journeys.errors.StaleWrite`."""
    if not author:
        raise JourneysError("A review needs the name of who reviewed it")
    return record_review(ws.store, ws.name, journey, mapped(ws, dataset, journey).table, steps, author,
                         dataset=dataset.name, dataset_version=dataset.version, expected_version=expected_version)
