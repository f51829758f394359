"""Ticket data on the pages: the shared engine and cached results.

Results are cached by content — dataset version, rules version, journey version
and the slice (dates, channels, segment) — so a page interaction never
recomputes metrics it already has, and a new import or rule change is picked up
because its version differs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import pandas as pd
import streamlit as st

from journeys.definitions import load_settings as load_definitions
from journeys.emotion_check import EmotionDisagreement, emotion_disagreements
from journeys.store.tickets import TicketStore
from journeys.tickets.datasets import DatasetVersion, choose_dataset
from journeys.tickets.engine import (
    MappedTickets,
    SliceChoices,
    TicketEngine,
    TicketSlice,
    slice_choices,
)
from journeys.usecases import measure
from ui.frame import settings, store, workspace, ws
from ui.text import plain

ALL_TICKETS = measure.ALL_TICKETS


def _engine() -> TicketEngine:
    """The open workspace's analytics engine (its one DuckDB)."""
    return ws().engine


def datasets() -> list[DatasetVersion]:
    return ws().datasets.list()


def pick_dataset(available: Sequence[DatasetVersion], label: str, key: str, help: str) -> DatasetVersion | None:
    """The ticket dataset a page works on: the latest import (``choose_dataset``'s rule) unless the user picks
    another; a picker only when there is a choice."""
    newest = choose_dataset(available)
    if newest is None or len(available) == 1:
        return newest
    names = [d.name for d in available]
    chosen = st.selectbox(plain(label), names, index=names.index(newest.name), key=key, help=plain(help))
    return choose_dataset(available, chosen)


def mapped(dataset: DatasetVersion, journey_name: str) -> MappedTickets:
    return measure.mapped(ws(), dataset, journey_name)


def key(dataset: DatasetVersion, journey_name: str) -> tuple:
    """The content key of cached results: read once per rerun and passed to the functions below.

    It holds the workspace's metric definitions too: picking Zendesk's one-touch FCR changes every
    number on the page, as it changes `journeys metrics`."""
    rules = TicketStore(store()).load_rules(workspace(), journey_name).version
    journey = store().load(workspace(), journey_name).version
    chosen, _ = load_definitions(store(), workspace())
    return (settings().database_url, workspace(), dataset.name, dataset.version, journey_name, journey, rules,
            repr(chosen.as_dict()), str(measure.current_topics(ws(), dataset)))  # topic rules read the topics


@st.cache_data(max_entries=16, show_spinner=False)
def _choices(key: tuple, _dataset: DatasetVersion, journey_name: str) -> SliceChoices:
    return slice_choices(mapped(_dataset, journey_name))


def choices(content: tuple, dataset: DatasetVersion, journey_name: str) -> SliceChoices:
    """Date span, channels and segments the dataset offers as filters."""
    return _choices(content, dataset, journey_name)


@st.cache_data(max_entries=32, show_spinner="Computing friction…")
def _friction(key: tuple, _dataset: DatasetVersion, journey_name: str, where: TicketSlice) -> measure.Friction:
    """One pair of queries (every metric by step, and over all steps) feeds the score, the map and the table."""
    return measure.friction(ws(), journey_name, _dataset, where)


def friction(content: tuple, dataset: DatasetVersion, journey_name: str, where: TicketSlice = ALL_TICKETS
             ) -> measure.Friction:
    """Friction per step in a slice (what ``ws.friction`` returns), cached by content; the table keeps its attrs."""
    found = _friction(content, dataset, journey_name, where)
    scored = found.scored.copy()
    scored.attrs.update(found.attrs)
    return replace(found, scored=scored)


@st.cache_data(max_entries=32, show_spinner="Computing week by week…")
def _cells(key: tuple, _dataset: DatasetVersion, journey_name: str, where: TicketSlice, metric: str
           ) -> pd.DataFrame:
    baseline = _friction(key, _dataset, journey_name, where).attrs["baseline"] if metric == "friction" else None
    return measure.weekly_cells(ws(), _dataset, journey_name, where, metric, baseline)


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
    return measure.step_trend(ws(), _dataset, journey_name, step, metric, where)


def trend(content: tuple, dataset: DatasetVersion, journey_name: str, step: str, metric: str,
          where: TicketSlice = ALL_TICKETS) -> pd.DataFrame:
    return _trend(content, dataset, journey_name, step, metric, where)


@st.cache_data(max_entries=64, show_spinner=False)
def _examples(key: tuple, _dataset: DatasetVersion, journey_name: str, step: str, where: TicketSlice
              ) -> pd.DataFrame:
    return measure.step_examples(ws(), _dataset, journey_name, step, where)


def examples(content: tuple, dataset: DatasetVersion, journey_name: str, step: str,
             where: TicketSlice = ALL_TICKETS) -> pd.DataFrame:
    return _examples(content, dataset, journey_name, step, where)
