"""The loop at a glance: what the Overview shows beside the journeys table.

The product exists for one loop (map → friction → prioritise → change → measure → tell → close →
map again). A team opening the app should see where each turn of it stands without visiting five
pages: the top pain points, the experiments in flight, the decisions nobody has been told about yet,
and the maps whose numbers moved or whose review is due. This module only selects and orders;
the numbers come from the functions every page uses (:func:`journeys.priorities.rank`,
:func:`journeys.experiments.closing.loop_open`, :func:`journeys.freshness.freshness`), so the
Overview can never disagree with Priorities, Review or the Map.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import quote

from journeys.experiments.closing import loop_open
from journeys.experiments.experiment import Status
from journeys.experiments.repository import StoredExperiment
from journeys.freshness import Freshness
from journeys.graph import Severity, check
from journeys.priorities import Score, rank
from journeys.store import Store

TOP_PAINS = 5
IN_FLIGHT = (Status.running, Status.analysed)  # started and not yet decided


@dataclass(frozen=True)
class PainLine:
    rank: int
    key: str
    title: str
    journey: str
    score: float
    link: str  # page path the Overview links to


@dataclass(frozen=True)
class ExperimentLine:
    key: str
    title: str
    status: str
    days_running: int | None  # since the change shipped; None: not shipped yet
    link: str


@dataclass(frozen=True)
class OpenLoop:
    key: str
    title: str
    decision: str
    decided: date
    days_waiting: int  # since the decision, nobody told
    link: str


@dataclass(frozen=True)
class MapLine:
    journey: str
    state: str  # "stale" or "review overdue"
    detail: str  # in words: which steps moved, or since when the review is due
    link: str


@dataclass(frozen=True)
class Glance:
    pains: list[PainLine]
    experiments: list[ExperimentLine]
    open_loops: list[OpenLoop]
    maps: list[MapLine]
    scored_against: str | None  # the ticket dataset the pain points were scored on (None: no tickets)


def _review_link(key: str) -> str:
    return f"review?experiment={quote(key)}"


def top_pains(scores: Sequence[Score], top: int = TOP_PAINS) -> list[PainLine]:
    """The ``top`` highest-ranked pain points (ranked as on Priorities)."""
    return [PainLine(s.rank, s.key, s.title, s.journey, s.score, "priorities") for s in rank(scores)[:top]]


def in_flight(experiments: Iterable[StoredExperiment], today: date) -> list[ExperimentLine]:
    """Experiments started and not decided, the longest-running first (not shipped yet: last)."""
    lines = []
    for stored in experiments:
        e = stored.experiment
        if e.status not in IN_FLIGHT:
            continue
        days = (today - e.shipped).days if e.shipped is not None else None
        lines.append(ExperimentLine(stored.key, e.title, e.status.value, days, _review_link(stored.key)))
    return sorted(lines, key=lambda line: (line.days_running is None, -(line.days_running or 0), line.key))


def open_loops(experiments: Sequence[StoredExperiment], today: date) -> list[OpenLoop]:
    """Decided experiments nobody has been told about since the decision, the longest waiting first."""
    return [OpenLoop(s.key, s.experiment.title, s.experiment.decision.outcome.value, s.experiment.decision.at.date(),
                     (today - s.experiment.decision.at.date()).days, _review_link(s.key))
            for s in loop_open(list(experiments)) if s.experiment.decision is not None]


def maps_to_review(states: Iterable[Freshness]) -> list[MapLine]:
    """Journeys whose map is stale (numbers moved since the review) or whose review is overdue; stale first."""
    lines = []
    for state in states:
        link = f"map?journey={quote(state.journey)}"
        if state.stale:
            moved = ", ".join(state.labels.get(step, step) for step in list(state.stale)[:3])
            more = len(state.stale) - 3
            detail = f"{len(state.stale)} step{'s' if len(state.stale) != 1 else ''} moved: {moved}" + (
                f" and {more} more" if more > 0 else "")
            lines.append(MapLine(state.journey, "stale", detail, link))
        elif state.overdue:
            lines.append(MapLine(state.journey, "review overdue", state.due_words(), link))
    return sorted(lines, key=lambda line: (line.state != "stale", line.journey.casefold()))


def glance(scores: Sequence[Score], experiments: Sequence[StoredExperiment], states: Iterable[Freshness],
           today: date, scored_against: str | None = None, top: int = TOP_PAINS) -> Glance:
    """Everything the Overview shows about the loop, from what Priorities, Review and the Map computed."""
    return Glance(top_pains(scores, top), in_flight(experiments, today), open_loops(experiments, today),
                  maps_to_review(states), scored_against)


@dataclass(frozen=True)
class JourneyOverview:
    """One line of the home overview: what a journey is and what its checks say."""

    name: str
    state: str
    derived_from: str | None
    steps: int
    version: int
    updated_by: str
    updated_at: datetime
    errors: int
    warnings: int


# (database, workspace, journey, version, saved at) → (errors, warnings): a saved revision never changes, so
# the Overview (shown on every visit) loads and checks a journey once per revision, not once per visit.
_FINDINGS: dict[tuple, tuple[int, int]] = {}
_FINDINGS_KEPT = 1024


def overview(store: Store, workspace: str) -> list[JourneyOverview]:
    """Every journey with its last edit and open structural findings."""
    rows = []
    for summary in store.list_journeys(workspace):
        key = (store.url, workspace, summary.name, summary.version, summary.updated_at)
        if key not in _FINDINGS:
            if len(_FINDINGS) >= _FINDINGS_KEPT:
                _FINDINGS.clear()
            findings = check(store.revision(workspace, summary.name, summary.version))
            errors = sum(f.severity == Severity.error for f in findings)
            _FINDINGS[key] = (errors, len(findings) - errors)
        errors, warnings = _FINDINGS[key]
        rows.append(JourneyOverview(
            name=summary.name, state=summary.state, derived_from=summary.derived_from, steps=summary.step_count,
            version=summary.version, updated_by=summary.updated_by, updated_at=summary.updated_at,
            errors=errors, warnings=warnings,
        ))
    return rows
