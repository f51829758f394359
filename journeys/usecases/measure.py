"""Measure: the team's tickets on its journey — friction per step, every metric per step, week by week.

The Friction page, ``journeys metrics``/``friction`` and ``Workspace.friction`` call these, so a number
is computed one way wherever it is shown. Every result is built from one mapped ticket table
(dataset version × rules version × journey version), read through the workspace's engine, with the
workspace's chosen metric definitions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from journeys.charts.overlay import MetricOverlay
from journeys.definitions import MetricSettings, overview, resolve
from journeys.definitions import load_settings as load_definitions
from journeys.errors import NotFound
from journeys.friction import better_than_journey, friction_by_period, friction_from
from journeys.metric_format import FRICTION, d3_format
from journeys.metrics import METRICS, Metric, compute
from journeys.tickets.datasets import DatasetVersion
from journeys.tickets.engine import MappedTickets, SliceChoices, TicketSlice, example_tickets, unmapped_share
from journeys.topics.storage import assignment_path

if TYPE_CHECKING:
    from journeys.workspace import Workspace

ALL_TICKETS = TicketSlice()


@dataclass(frozen=True)
class Friction:
    """Friction of a journey's steps in one slice of one dataset, with what it was computed from.

    ``scored``: one row per step with tickets (score, components, volume; ``attrs`` carry the baseline
    and the scoring settings); ``by_step``: every catalogue metric per step; ``baseline``: each metric
    over those steps; ``tickets`` / ``unmapped``: tickets in the slice, and those on no step."""

    scored: pd.DataFrame
    by_step: pd.DataFrame
    baseline: dict[str, float]
    tickets: int
    unmapped: int
    attrs: dict[str, Any] = field(default_factory=dict)


def pick_dataset(ws: Workspace, name: str | None = None) -> DatasetVersion:
    """The latest version of dataset ``name``; without a name the first one listed (what the pages open)."""
    if name is not None:
        return ws.datasets.latest(name)
    available = ws.datasets.list()
    if not available:
        raise NotFound(f"Workspace '{ws.name}' has no ticket data yet: import an export first "
                       "(journeys tickets import FILE).")
    return available[0]


def slice_of(start: datetime | None = None, end: datetime | None = None, channels: tuple[str, ...] | list[str] = (),
             segment: str | None = None, segment_values: tuple[str, ...] | list[str] = ()) -> TicketSlice:
    """A :class:`TicketSlice` from the plain arguments a notebook or the CLI passes."""
    return TicketSlice(start=start, end=end, channels=tuple(channels), segment=segment,
                       segment_values=tuple(segment_values))


def current_topics(ws: Workspace, dataset: DatasetVersion) -> Path | None:
    """The topic assignment file of this very dataset version (topic rules test its ``topic`` column), or None
    when the dataset's topics were found on another version or not at all (topic rules then say so)."""
    stored = ws.topics.get(dataset.name)
    if stored is None or stored.topics.dataset_version != dataset.version:
        return None
    return assignment_path(dataset, stored.topics)


def mapped(ws: Workspace, dataset: DatasetVersion, journey: str) -> MappedTickets:
    """The dataset's tickets on the journey's steps, by the journey's current rules (built once, then reused)."""
    return ws.engine.mapped(dataset, ws.rules.load(journey), ws.journeys.get(journey), current_topics(ws, dataset))


def definitions(ws: Workspace, data: MappedTickets) -> dict[str, Metric]:
    """The workspace's chosen metric variants for this table (some read a column only some exports carry)."""
    return resolve(load_definitions(ws.store, ws.name)[0], data.table.columns).overrides


def friction(ws: Workspace, journey: str, dataset: str | DatasetVersion | None = None,
             where: TicketSlice | None = None, **slice_args: Any) -> Friction:
    """Friction per step of ``journey`` in a slice: one pair of queries (every metric by step, and over all
    steps) feeds the score, the map and the table."""
    version = dataset if isinstance(dataset, DatasetVersion) else pick_dataset(ws, dataset)
    where = where if where is not None else slice_of(**slice_args)
    data = mapped(ws, version, journey)
    steps = ws.journeys.get(journey).step_ids()
    filters = {**where.filters(), "journey_step": steps}
    chosen = definitions(ws, data)
    by_step = compute(data.table, by=("journey_step",), start=where.start, end=where.end, filters=filters,
                      definitions=chosen)
    by_step = by_step[by_step["journey_step"].notna()].reset_index(drop=True)
    overall = compute(data.table, by=(), start=where.start, end=where.end, definitions=chosen,
                      filters={**filters, "journey_step": by_step["journey_step"].tolist()})
    scored = friction_from(by_step, overall)
    baseline = {m: float(overall[m].iloc[0]) for m in METRICS if m in overall and len(overall)}
    tickets, unmapped = unmapped_share(data, where)
    return Friction(scored, by_step, baseline, tickets, unmapped, {str(k): v for k, v in scored.attrs.items()})


def weekly_cells(ws: Workspace, dataset: DatasetVersion, journey: str, where: TicketSlice, metric: str,
                 baseline: dict[str, float] | None = None) -> pd.DataFrame:
    """Step × week values of a metric (or ``"friction"``, scored against ``baseline``): step, period, value, n."""
    data = mapped(ws, dataset, journey)
    steps = ws.journeys.get(journey).step_ids()
    if metric == "friction":
        if baseline is None:
            baseline = friction(ws, journey, dataset, where).attrs["baseline"]
        cells = friction_by_period(data.table, steps=steps, baseline=baseline, definitions=definitions(ws, data),
                                   **where.kwargs())
        return cells.rename(columns={"score": "value", "volume": "n"})
    weekly = compute(data.table, by=("journey_step",), period="week", start=where.start, end=where.end,
                     filters={**where.filters(), "journey_step": steps}, metrics=[metric],
                     definitions=definitions(ws, data))
    return weekly.rename(columns={"journey_step": "step", metric: "value"})[["step", "period", "value", "n"]]


def step_trend(ws: Workspace, dataset: DatasetVersion, journey: str, step: str, metric: str,
               where: TicketSlice = ALL_TICKETS) -> pd.DataFrame:
    """One step's weekly values of one metric."""
    data = mapped(ws, dataset, journey)
    return compute(data.table, by=("journey_step",), period="week", start=where.start, end=where.end,
                   filters={**where.filters(), "journey_step": [step]}, metrics=[metric],
                   definitions=definitions(ws, data))


def step_examples(ws: Workspace, dataset: DatasetVersion, journey: str, step: str,
                  where: TicketSlice = ALL_TICKETS, limit: int = 50) -> pd.DataFrame:
    """The newest tickets on a step in a slice."""
    return example_tickets(mapped(ws, dataset, journey), step, limit=limit, where=where)


# --- what the Friction page asks besides the scores: filters, the map's colours, a step's standing ----------


def slice_from(options: SliceChoices, dates: Sequence[date] = (), channels: Sequence[str] = (),
               segment: str | None = None, segment_values: Sequence[str] = ()) -> TicketSlice:
    """The slice a set of picked filters describes. ``dates``: the first and last day picked (inclusive); a
    range that reaches the data's own first or last day leaves that side open, so a new import is included."""
    start = end = None
    if len(dates) == 2 and options.first and options.last:
        if dates[0] > options.first.date():
            start = datetime.combine(dates[0], time(), tzinfo=UTC)
        if dates[1] < options.last.date():
            end = datetime.combine(dates[1] + timedelta(days=1), time(), tzinfo=UTC)
    return slice_of(start, end, tuple(channels), segment, tuple(segment_values) if segment else ())


def covered(where: TicketSlice, options: SliceChoices) -> tuple[datetime | None, datetime | None]:
    """The first and last moment the numbers of a slice can cover (its own dates, else the data's)."""
    return where.start or options.first, where.end or options.last


def does_better(by_step: pd.DataFrame, baseline: dict[str, float], step: str, metric: str) -> bool:
    """Whether ``step`` does better than the journey on ``metric`` (on enough tickets to tell)."""
    row = by_step.loc[by_step["journey_step"] == step]
    if row.empty or metric not in row or bool(row.get(f"{metric}_too_few", pd.Series([False])).iloc[0]):
        return False
    return better_than_journey(metric, float(row[metric].iloc[0]), baseline.get(metric))


def step_overlay(choice: str, found: Friction, period: str) -> MetricOverlay:
    """The friction score (``choice="friction"``) or one catalogue metric per step, as the map draws it."""
    spec, unit = d3_format(choice)
    if choice == FRICTION:
        scored = found.scored
        components = [c for c in scored.columns if c.endswith("_too_few")]
        too_few = set(scored.loc[scored[components].all(axis=1), "step"]) if components else set()
        return MetricOverlay("Friction", dict(zip(scored["step"], scored["score"], strict=True)), True, spec, unit,
                             period, too_few, center=0.0)
    by_step, metric = found.by_step, METRICS[choice]
    values = dict(zip(by_step["journey_step"], by_step[choice], strict=True))
    too_few = set(by_step.loc[by_step[f"{choice}_too_few"], "journey_step"]) if len(by_step) else set()
    center = found.baseline.get(choice)
    return MetricOverlay(metric.label, values, metric.direction == "lower", spec, unit, period, too_few,
                         center=center if center == center else None)


@dataclass(frozen=True)
class Overview:
    """A dataset's metrics by one grouping before any journey or rule: the rows (see
    :func:`journeys.definitions.overview`) and the definitions in force (their ids and words, per metric)."""

    frame: pd.DataFrame
    ids: dict[str, str]
    words: dict[str, str]


def dataset_overview(ws: Workspace, dataset: DatasetVersion, by: str, settings: MetricSettings,
                     min_sample: int = 30) -> Overview:
    """The dataset's numbers by group, channel, status or month under ``settings`` (the workspace's definitions)."""
    frame, resolved = overview(ws.engine.tickets(dataset), by, settings, min_sample)
    return Overview(frame, dict(resolved.ids), dict(resolved.words))


# --- every metric by any grouping (step, group, channel, month …), with or without a journey -----------

@dataclass(frozen=True)
class MetricsTable:
    """Catalogue metrics per group of one dataset, with what they rest on.

    ``frame``: :func:`journeys.metrics.compute`'s rows (keys, ``period``, ``n``, the metrics, their sample
    columns named in ``frame.attrs["samples"]`` and ``<metric>_too_few`` flags); ``metrics``: the metric
    names computed (without a journey, those that need steps are left out, not shown as 0); ``resolved``:
    the definitions in force, with ids and words; ``warnings``: rules skipped while mapping;
    ``business_hours``: (schedule version, its description) when minutes are business minutes."""

    frame: pd.DataFrame
    metrics: list[str]
    keys: list[str]
    period: str | None
    dataset: DatasetVersion
    journey: str | None
    resolved: Any
    few_tickets: str
    keep_few: bool
    warnings: list[str] = field(default_factory=list)
    business_hours: tuple[int, list[str]] | None = None


class NoBusinessHours(NotFound):
    """Business minutes were asked for, but the workspace has no schedule to count them in."""


def current_journey(ws: Workspace) -> str | None:
    """The workspace's first current-state journey (what metrics are mapped by when none is named)."""
    return next((s.name for s in ws.journeys.list() if s.state == "current"), None)


def metrics_table(ws: Workspace, dataset: str, *, journey: str | None = None, by: tuple[str, ...] | list[str] = (),
                  period: str | None = None, start: datetime | None = None, end: datetime | None = None,
                  min_sample: int = 30, few_tickets: str | None = None, minutes: str = "calendar") -> MetricsTable:
    """Every catalogue metric of dataset ``dataset`` grouped ``by`` ticket columns (``journey_step`` needs
    ``journey``) and ``period`` (day, week, month), under the workspace's chosen definitions; ``few_tickets``
    ("show"/"blank") overrides the workspace's choice for groups under ``min_sample``; ``minutes="business"``
    counts first reply and resolution in the workspace's business hours."""
    from dataclasses import replace

    from journeys.business_hours import business_view, load_schedule
    from journeys.errors import ECHO, JourneysError, clip_echo
    from journeys.metrics import NEEDS_STEPS

    chosen = load_definitions(ws.store, ws.name)[0]
    chosen = replace(chosen, few_tickets=few_tickets) if few_tickets else chosen
    version = ws.datasets.latest(dataset)
    warnings: list[str] = []
    if journey is not None:
        data = mapped(ws, version, journey)
        table, names, warnings = data.table, list(METRICS), list(data.warnings)
    else:  # no journey yet: the dataset alone; metrics that need steps are left out, not shown as 0
        table, names = ws.engine.tickets(version), [m for m in METRICS if m not in NEEDS_STEPS]
    business = None
    if minutes == "business":
        schedule, schedule_version = load_schedule(ws.store, ws.name)
        if schedule is None:
            raise NoBusinessHours("the workspace has no business hours yet (journeys workspace schedule set "
                                  "--timezone ZONE --hours 'mon-fri 09:00-17:30')")
        table, business = business_view(table, schedule), (schedule_version, list(schedule.describe()))
    resolved = resolve(chosen, table.columns)
    try:
        frame = compute(table, by=list(by), period=period, start=start, end=end, min_sample=min_sample,
                        metrics=names, definitions=resolved.overrides, keep_few=chosen.keep_few)
    except ValueError as error:  # an unknown grouping column: the message names the columns there are
        raise JourneysError(clip_echo(str(error), 4 * ECHO)) from None
    return MetricsTable(frame, names, list(by), period, version, journey, resolved, chosen.few_tickets,
                        chosen.keep_few, warnings, business)
