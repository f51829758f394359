"""Ticket data on the pages: the shared engine and cached results.

Results are cached by content — dataset version, rules version, journey version
and the slice (dates, channels, segment) — so a page interaction never
recomputes metrics it already has, and a new import or rule change is picked up
because its version differs.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from journeys.definitions import load_settings as load_definitions
from journeys.definitions import resolve
from journeys.emotion_check import EmotionDisagreement, emotion_disagreements
from journeys.friction import friction_by_period, friction_from
from journeys.metrics import METRICS, Metric, compute
from journeys.store.tickets import TicketStore
from journeys.tickets.analysis import (
    MappedTickets,
    SliceChoices,
    TicketEngine,
    TicketSlice,
    example_tickets,
    slice_choices,
    unmapped_share,
)
from journeys.tickets.datasets import Datasets, DatasetVersion
from ui.frame import settings, store, workspace

ALL_TICKETS = TicketSlice()


@st.cache_resource(show_spinner=False)
def _engine() -> TicketEngine:
    return TicketEngine()


def datasets() -> list[DatasetVersion]:
    return Datasets(store(), settings().home).list(workspace())


def mapped(dataset: DatasetVersion, journey_name: str) -> MappedTickets:
    journey = store().load(workspace(), journey_name).journey
    return _engine().mapped(dataset, TicketStore(store()).load_rules(workspace(), journey_name), journey)


def key(dataset: DatasetVersion, journey_name: str) -> tuple:
    """The content key of cached results: read once per rerun and passed to the functions below.

    It holds the workspace's metric definitions too: picking Zendesk's one-touch FCR changes every
    number on the page, as it changes `journeys metrics`."""
    rules = TicketStore(store()).load_rules(workspace(), journey_name).version
    journey = store().load(workspace(), journey_name).version
    chosen, _ = load_definitions(store(), workspace())
    return (settings().database_url, workspace(), dataset.name, dataset.version, journey_name, journey, rules,
            repr(chosen.as_dict()))


def _definitions(data: MappedTickets) -> dict[str, Metric]:
    """The workspace's chosen metric variants for this table (some read a column only some exports carry)."""
    return resolve(load_definitions(store(), workspace())[0], data.table.columns).overrides


def _steps(journey_name: str) -> list[str]:
    return store().load(workspace(), journey_name).journey.step_ids()


@st.cache_data(max_entries=16, show_spinner=False)
def _choices(key: tuple, _dataset: DatasetVersion, journey_name: str) -> SliceChoices:
    return slice_choices(mapped(_dataset, journey_name))


def choices(content: tuple, dataset: DatasetVersion, journey_name: str) -> SliceChoices:
    """Date span, channels and segments the dataset offers as filters."""
    return _choices(content, dataset, journey_name)


@st.cache_data(max_entries=32, show_spinner="Computing friction…")
def _friction(key: tuple, _dataset: DatasetVersion, journey_name: str, where: TicketSlice
              ) -> tuple[pd.DataFrame, dict, int, int, pd.DataFrame, dict[str, float]]:
    """One pair of queries (every metric by step, and over all steps) feeds the score, the map and the table."""
    data = mapped(_dataset, journey_name)
    filters = {**where.filters(), "journey_step": _steps(journey_name)}
    chosen = _definitions(data)
    by_step = compute(data.table, by=("journey_step",), start=where.start, end=where.end, filters=filters,
                      definitions=chosen)
    by_step = by_step[by_step["journey_step"].notna()].reset_index(drop=True)
    overall = compute(data.table, by=(), start=where.start, end=where.end, definitions=chosen,
                      filters={**filters, "journey_step": by_step["journey_step"].tolist()})
    scored = friction_from(by_step, overall)
    baseline = {m: float(overall[m].iloc[0]) for m in METRICS if m in overall and len(overall)}
    n, unmapped = unmapped_share(data, where)
    return scored, dict(scored.attrs), n, unmapped, by_step, baseline


def friction_for(content: tuple, dataset: DatasetVersion, journey_name: str, where: TicketSlice = ALL_TICKETS
                 ) -> tuple[pd.DataFrame, dict, int, int]:
    """(per-step friction, its attrs incl. baseline, tickets, unmapped tickets) in a slice, cached by content."""
    scored, attrs, n, unmapped, _, _ = _friction(content, dataset, journey_name, where)
    scored = scored.copy()
    scored.attrs.update(attrs)
    return scored, attrs, n, unmapped


def per_step(content: tuple, dataset: DatasetVersion, journey_name: str, where: TicketSlice
             ) -> tuple[pd.DataFrame, dict[str, float]]:
    """Every catalogue metric per step of the journey in a slice, and over those steps (the baseline)."""
    _, _, _, _, by_step, baseline = _friction(content, dataset, journey_name, where)
    return by_step, baseline


@st.cache_data(max_entries=32, show_spinner="Computing week by week…")
def _cells(key: tuple, _dataset: DatasetVersion, journey_name: str, where: TicketSlice, metric: str
           ) -> pd.DataFrame:
    data = mapped(_dataset, journey_name)
    if metric == "friction":
        baseline = _friction(key, _dataset, journey_name, where)[1]["baseline"]
        cells = friction_by_period(data.table, steps=_steps(journey_name), baseline=baseline,
                                   definitions=_definitions(data), **where.kwargs())
        return cells.rename(columns={"score": "value", "volume": "n"})
    filters = {**where.filters(), "journey_step": _steps(journey_name)}
    weekly = compute(data.table, by=("journey_step",), period="week", start=where.start, end=where.end,
                     filters=filters, metrics=[metric], definitions=_definitions(data))
    return weekly.rename(columns={"journey_step": "step", metric: "value"})[["step", "period", "value", "n"]]


def cells(content: tuple, dataset: DatasetVersion, journey_name: str, where: TicketSlice, metric: str
          ) -> pd.DataFrame:
    """Step × week values of a metric (or "friction") for the heatmap: step, period, value, n."""
    return _cells(content, dataset, journey_name, where, metric)


def disagreements(journey_name: str, scored: pd.DataFrame) -> list[EmotionDisagreement]:
    """Steps whose workshop emotion the CSAT clearly contradicts (cheap: reads the friction table)."""
    return emotion_disagreements(store().load(workspace(), journey_name).journey, scored)


@st.cache_data(max_entries=64, show_spinner=False)
def _trend(key: tuple, _dataset: DatasetVersion, journey_name: str, step: str, metric: str,
           where: TicketSlice) -> pd.DataFrame:
    data = mapped(_dataset, journey_name)
    return compute(data.table, by=("journey_step",), period="week", start=where.start, end=where.end,
                   filters={**where.filters(), "journey_step": [step]}, metrics=[metric],
                   definitions=_definitions(data))


def trend(content: tuple, dataset: DatasetVersion, journey_name: str, step: str, metric: str,
          where: TicketSlice = ALL_TICKETS) -> pd.DataFrame:
    return _trend(content, dataset, journey_name, step, metric, where)


@st.cache_data(max_entries=64, show_spinner=False)
def _examples(key: tuple, _dataset: DatasetVersion, journey_name: str, step: str, where: TicketSlice
              ) -> pd.DataFrame:
    return example_tickets(mapped(_dataset, journey_name), step, where=where)


def examples(content: tuple, dataset: DatasetVersion, journey_name: str, step: str,
             where: TicketSlice = ALL_TICKETS) -> pd.DataFrame:
    return _examples(content, dataset, journey_name, step, where)
