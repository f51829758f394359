"""Ticket data on the pages: the shared engine and cached friction results.

Results are cached by content — dataset version, rules version and journey
version — so a page interaction never recomputes metrics it already has, and
a new import or rule change is picked up because its version differs.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from journeys.friction import friction
from journeys.metrics import compute
from journeys.store.tickets import TicketStore
from journeys.tickets.analysis import MappedTickets, TicketEngine, example_tickets, unmapped_share
from journeys.tickets.datasets import Datasets, DatasetVersion
from ui.frame import settings, store, workspace


@st.cache_resource(show_spinner=False)
def _engine() -> TicketEngine:
    return TicketEngine()


def datasets() -> list[DatasetVersion]:
    return Datasets(store(), settings().home).list(workspace())


def mapped(dataset: DatasetVersion, journey_name: str) -> MappedTickets:
    journey = store().load(workspace(), journey_name).journey
    return _engine().mapped(dataset, TicketStore(store()).load_rules(workspace(), journey_name), journey)


def key(dataset: DatasetVersion, journey_name: str) -> tuple:
    """The content key of cached results: read once per rerun and passed to the functions below."""
    rules = TicketStore(store()).load_rules(workspace(), journey_name).version
    journey = store().load(workspace(), journey_name).version
    return (settings().database_url, workspace(), dataset.name, dataset.version, journey_name, journey, rules)


@st.cache_data(max_entries=32, show_spinner="Computing friction…")
def _friction(key: tuple, _dataset: DatasetVersion, journey_name: str) -> tuple[pd.DataFrame, dict, int, int]:
    data = mapped(_dataset, journey_name)
    steps = store().load(workspace(), journey_name).journey.step_ids()
    scored = friction(data.table, steps=steps)
    n, unmapped = unmapped_share(data)
    return scored, dict(scored.attrs), n, unmapped


def friction_for(content: tuple, dataset: DatasetVersion, journey_name: str) -> tuple[pd.DataFrame, dict, int, int]:
    """(per-step friction, its attrs incl. baseline, tickets, unmapped tickets), cached by content."""
    return _friction(content, dataset, journey_name)


@st.cache_data(max_entries=64, show_spinner=False)
def _trend(key: tuple, _dataset: DatasetVersion, journey_name: str, step: str, metric: str) -> pd.DataFrame:
    data = mapped(_dataset, journey_name)
    return compute(data.table, by=("journey_step",), period="week", filters={"journey_step": [step]},
                   metrics=[metric])


def trend(content: tuple, dataset: DatasetVersion, journey_name: str, step: str, metric: str) -> pd.DataFrame:
    return _trend(content, dataset, journey_name, step, metric)


@st.cache_data(max_entries=64, show_spinner=False)
def _examples(key: tuple, _dataset: DatasetVersion, journey_name: str, step: str) -> pd.DataFrame:
    return example_tickets(mapped(_dataset, journey_name), step)


def examples(content: tuple, dataset: DatasetVersion, journey_name: str, step: str) -> pd.DataFrame:
    return _examples(content, dataset, journey_name, step)
