"""Measure: the team's tickets on its journey — friction per step, every metric per step, week by week.

The Friction page, ``journeys metrics``/``friction`` and ``Workspace.friction`` call these, so a number
is computed one way wherever it is shown. Every result is built from one mapped ticket table
(dataset version × rules version × journey version), read through the workspace's engine, with the
workspace's chosen metric definitions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pandas as pd

from journeys.definitions import load_settings as load_definitions
from journeys.definitions import resolve
from journeys.errors import NotFound
from journeys.friction import friction_by_period, friction_from
from journeys.metrics import METRICS, Metric, compute
from journeys.tickets.datasets import DatasetVersion
from journeys.tickets.engine import MappedTickets, TicketSlice, example_tickets, unmapped_share

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


def mapped(ws: Workspace, dataset: DatasetVersion, journey: str) -> MappedTickets:
    """The dataset's tickets on the journey's steps, by the journey's current rules (built once, then reused)."""
    return ws.engine.mapped(dataset, ws.rules.load(journey), ws.journeys.get(journey))


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
    return Friction(scored, by_step, baseline, tickets, unmapped, dict(scored.attrs))


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
