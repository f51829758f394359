"""Improve: turn a pain point into a measured change — plan it, start it, analyse it, decide, tell people.

The Experiments and Review pages, ``journeys experiments …`` and a notebook call these, so "analyse"
records the same result wherever it is pressed or typed. Every write is a compare-and-set against the
version the caller showed (``expected_version``): a colleague's save in the meantime is refused with
:class:`~journeys.errors.StaleWrite`, never overwritten. Arguments are plain (keys, names, dicts of
fields); results are structured (:class:`~journeys.experiments.Plan`, :class:`Recorded`,
:class:`~journeys.experiments.Transitioned`, data frames) and worded at the edge with
:mod:`journeys.experiments.report`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from journeys.errors import JourneysError
from journeys.experiments import (
    Experiment,
    LoopEntry,
    Outcome,
    Plan,
    Status,
    StoredExperiment,
    Transitioned,
    parse_experiment,
)
from journeys.experiments import plan as plan_experiment
from journeys.experiments.closing import (
    Promotion,
    Recorded,
    affected_customers,
    analyse_and_record,
    decided_between,
    loop_open,
    promote_future_state,
    promotion,
)
from journeys.experiments.experiment import parse_decision, parse_loop_entry
from journeys.experiments.report import (
    experiment_report_html,
    experiment_report_markdown,
    period_title,
    report_context,
    stories_for,
    you_said_we_did_html,
    you_said_we_did_markdown,
)
from journeys.experiments.series import weekly_series
from journeys.members import Role
from journeys.tickets.datasets import DatasetVersion

if TYPE_CHECKING:
    import ibis

    from journeys.workspace import Workspace

Format = Literal["html", "markdown"]


# --- what to measure on ----------------------------------------------------------------------------


def latest_dataset(ws: Workspace, name: str | DatasetVersion | None = None) -> DatasetVersion:
    """The dataset an experiment is measured on: the named one's newest version, else the latest imported."""
    from journeys.tickets.datasets import choose_dataset
    from journeys.usecases.measure import pick_dataset

    if isinstance(name, DatasetVersion):
        return name
    latest = None if name is not None else choose_dataset(ws.datasets.list())
    return latest if latest is not None else pick_dataset(ws, name)  # a name, or nothing yet: measure's NotFound


def tickets(ws: Workspace, journey: str, dataset: str | DatasetVersion | None = None) -> ibis.Table:
    """The dataset's tickets on the journey's steps, by its current rules (what every analysis reads)."""
    from journeys.usecases.measure import mapped

    return mapped(ws, latest_dataset(ws, dataset), journey).table


def _stored(ws: Workspace, key: str | StoredExperiment) -> StoredExperiment:
    return key if isinstance(key, StoredExperiment) else ws.experiments.load(key)


# --- plan and create -------------------------------------------------------------------------------


def draft(data: Experiment | Mapping[str, Any]) -> Experiment:
    """An experiment from plain fields; :class:`~journeys.errors.InvalidJourney` names every problem."""
    return data if isinstance(data, Experiment) else parse_experiment(dict(data))


def plan(ws: Workspace, experiment: Experiment | Mapping[str, Any],
         dataset: str | DatasetVersion | None = None) -> Plan:
    """What the design can detect on the steps' volume and noise before it starts, and how long to run."""
    e = draft(experiment)
    return plan_experiment(tickets(ws, e.journey, dataset), e)


def create(ws: Workspace, experiment: Experiment | Mapping[str, Any], author: str) -> str:
    """Save a new draft; returns its key (``EX-<n>``). Steps and pain points must exist."""
    return ws.experiments.create(draft(experiment), author)


def edit(ws: Workspace, key: str, changes: Mapping[str, Any], author: str, *, expected_version: int,
         message: str = "Edited") -> int:
    """Change some fields of an experiment (the others stay as saved); returns the new version.

    Only the fields given are applied to the version read now, so the same edit re-applied on a
    colleague's newer version keeps what they changed elsewhere."""
    stored = ws.experiments.load(key)
    changed = parse_experiment(stored.experiment.model_dump(mode="json") | dict(changes))
    return int(ws.experiments.save(key, changed, author, expected_version=expected_version, message=message))


# --- the lifecycle ---------------------------------------------------------------------------------


def start(ws: Workspace, key: str, author: str, *, expected_version: int) -> Transitioned:
    """draft → running; its open pain points become "in experiment" (listed in the result)."""
    return ws.experiments.transition(key, Status.running, author, expected_version=expected_version)


def analyse(ws: Workspace, key: str, author: str, *, dataset: str | DatasetVersion | None = None,
            expected_version: int | None = None) -> Recorded:
    """Analyse ``key`` on the dataset's tickets and record the result (``.result``: effect, interval, verdict).

    A running experiment whose after-window the tickets cover becomes *analysed*; before that the
    result is an *interim* look and it keeps running. ``expected_version`` defaults to the version
    read now (a notebook, the CLI); a page passes the version it showed."""
    stored = ws.experiments.load(key)
    version = latest_dataset(ws, dataset)
    table = tickets(ws, stored.experiment.journey, version)
    return analyse_and_record(ws.experiments.repository, ws.name, key, table, author,
                              expected_version=stored.version if expected_version is None else expected_version,
                              dataset=version.name, dataset_version=version.version)


def decide(ws: Workspace, key: str, outcome: Outcome | str, why: str, author: str, *, expected_version: int,
           by: str = "") -> Transitioned:
    """analysed → decided: adopt (pain points resolved), roll back (investigating) or iterate (left as they are).

    ``by`` is who decided (default: ``author``, who records it); ``why`` is required."""
    record = parse_decision({"outcome": outcome, "by": (by or author).strip(), "why": why.strip(),
                             "at": datetime.now(UTC)})
    return ws.experiments.transition(key, Status.decided, author, expected_version=expected_version,
                                     decision=record)


def log_told(ws: Workspace, key: str, entry: LoopEntry | Mapping[str, Any], author: str, *,
             expected_version: int) -> int:
    """Close the loop: record who was told what, when and how (``audience``, ``channel``, ``message``, ``on``,
    optional ``segment``, ``evidence_link``, ``by``). Returns the new version; problems per field."""
    told = entry if isinstance(entry, LoopEntry) else parse_loop_entry(dict(entry))
    return int(ws.experiments.log(key, told, author, expected_version=expected_version))


def promotable(ws: Workspace, journey: str, future: str) -> Promotion:
    """What making the future state ``future`` the current ``journey`` would change (read now)."""
    return promotion(ws.store, ws.name, journey, future)


def promote(ws: Workspace, journey: str, future: str, author: str, *, expected_version: int,
            reason: str = "") -> int:
    """Save the future state's content as the next version of ``journey`` (after an adopted change)."""
    return promote_future_state(ws.store, ws.name, journey, future, author, expected_version=expected_version,
                                reason=reason)


def future_states(ws: Workspace, journey: str) -> list[str]:
    """Future-state journeys derived from ``journey``: what an adopted experiment could promote."""
    from journeys.experiments.closing import future_states as derived

    return derived(ws.store, ws.name, journey)


# --- what to look at -------------------------------------------------------------------------------


def weekly(ws: Workspace, key: str | StoredExperiment, dataset: str | DatasetVersion | None = None) -> pd.DataFrame:
    """The weekly cells the analysis reads, for the trend chart."""
    e = _stored(ws, key).experiment
    return weekly_series(tickets(ws, e.journey, dataset), e)


def customers(ws: Workspace, key: str | StoredExperiment,
              dataset: str | DatasetVersion | None = None) -> pd.DataFrame:
    """Customers with tickets on the changed steps after the change: who a "you said, we did" is for
    (customer ids: editors and owners only)."""
    ws.require(Role.editor, "seeing the affected customers")
    e = _stored(ws, key).experiment
    if e.shipped is None:
        raise JourneysError(f"{_stored(ws, key).key} has no shipped date yet, so there is no after-window")
    return affected_customers(tickets(ws, e.journey, dataset), e)


def customers_file(ws: Workspace, key: str, frame: pd.DataFrame) -> str:
    """The affected customers as CSV, the download recorded (who, when, what): call it when the file is handed
    out, not before."""
    from journeys.experiments.closing import affected_customers_csv
    from journeys.usecases.team import record_download

    record_download(ws, f"affected customers of {key}", len(frame))
    return affected_customers_csv(frame)


def loop_still_open(ws: Workspace) -> list[StoredExperiment]:
    """Decided experiments nobody has been told about since the decision, oldest decision first."""
    return loop_open(ws.experiments.list())


@dataclass(frozen=True)
class Period:
    """The experiments decided in a period, and the title and note of its "you said, we did"."""

    start: date
    end: date
    decided: list[StoredExperiment]
    title: str
    note: str


def decided_in(ws: Workspace, start: date, end: date,
               experiments: Sequence[StoredExperiment] | None = None) -> Period:
    """Experiments decided from ``start`` to ``end`` (both included), in decision order."""
    if start > end:
        raise JourneysError("The period starts after it ends")
    found = decided_between(list(ws.experiments.list() if experiments is None else experiments), start, end)
    return Period(start, end, found, period_title(ws.name, start, end),
                  f"{len(found)} experiment(s) decided in this period.")


# --- reports ---------------------------------------------------------------------------------------


def report(ws: Workspace, key: str, fmt: Format = "html", dataset: str | DatasetVersion | None = None) -> str:
    """Everything about one experiment for the record; HTML carries the charts when there are tickets."""
    table = None
    if fmt == "html" and ws.datasets.list():
        journey = ws.experiments.load(key).experiment.journey
        if journey in ws.journeys.names():
            table = tickets(ws, journey, dataset)
    ctx = report_context(ws.store, ws.name, key, table)
    return experiment_report_html(ctx) if fmt == "html" else experiment_report_markdown(ctx)


def you_said_we_did(ws: Workspace, experiments: Sequence[str | StoredExperiment], fmt: Format = "markdown", *,
                    title: str | None = None, note: str = "") -> str:
    """What customers told us, what we changed, what came of it — for these experiments."""
    chosen = [_stored(ws, k) for k in experiments]
    heading = title or (f"You said, we did — {chosen[0].key}" if len(chosen) == 1 else
                        f"You said, we did — {ws.name}")
    stories = stories_for(ws.store, ws.name, chosen)
    if fmt == "html":
        return you_said_we_did_html(stories, title=heading, note=note)
    return you_said_we_did_markdown(stories, title=heading, note=note)


def period_report(ws: Workspace, period: Period, fmt: Format = "markdown") -> str:
    """"You said, we did" for every experiment decided in the period."""
    return you_said_we_did(ws, period.decided, fmt, title=period.title, note=period.note)
