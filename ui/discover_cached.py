"""The Discover page's results, computed by :mod:`journeys.usecases.discovery` and cached by content.

Keys are the log's version and file (:data:`ui.discover_state.LogKey`), the filters (a frozen
:class:`~journeys.discover.LogFilter`), the journey's version and the activity map's contents, so a
rerun never recomputes what it has, and a new import, journey revision or mapping edit is picked up
because its key differs. Chart specs are cached too: drawing a big graph costs more than computing it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st
from streamlit.dataframe_util import convert_anything_to_arrow_bytes

from journeys.charts import journey_map
from journeys.charts.flow import FlowOverlay
from journeys.charts.process_graph import MAX_EDGES, dfg_chart, variant_chains
from journeys.discover import DFG, Conformance, LogFilter, Variants
from journeys.model import Journey
from journeys.usecases import discovery
from ui.discover_state import LogKey
from ui.frame import ws

Mapping = tuple[tuple[str, str | None], ...]  # an activity map as a hashable cache key


@st.cache_data(max_entries=32, show_spinner="Computing the directly-follows graph…")
def graph(key: LogKey, filters: LogFilter) -> DFG:
    return discovery.directly_follows(ws(), Path(key[4]), filters)


@st.cache_data(max_entries=32, show_spinner="Counting variants…")
def variant_table(key: LogKey, filters: LogFilter, top: int) -> Variants:
    return discovery.log_variants(ws(), Path(key[4]), filters, top)


@st.cache_data(max_entries=16, show_spinner="Drawing the map…")
def graph_spec(key: LogKey, filters: LogFilter) -> tuple[dict[str, Any], int, int]:
    """The graph's chart, with how many edges it draws of how many."""
    found = graph(key, filters)
    total = int((found.edges["source"] != found.edges["target"]).sum())
    return dfg_chart(found).to_dict(), min(total, MAX_EDGES), total


@st.cache_data(max_entries=16, show_spinner=False)
def chains_spec(key: LogKey, filters: LogFilter, top: int) -> dict[str, Any]:
    return variant_chains(variant_table(key, filters, max(top, 100)).table, top=top).to_dict()


@st.cache_data(max_entries=32, show_spinner=False)
def segment_counts(key: LogKey, column: str) -> list[tuple[str | None, int]]:
    return discovery.log_segment_values(ws(), Path(key[4]), column, limit=100)


@st.cache_data(max_entries=32, show_spinner="Comparing with the journey…")
def compared(key: LogKey, filters: LogFilter, jkey: tuple, mapping: Mapping, _journey: Journey) -> Conformance:
    """The log against the journey as this session saw it (``jkey`` names its version)."""
    return discovery.conform(ws(), Path(key[4]), _journey, filters, mapping=dict(mapping)).conformance


@st.cache_data(max_entries=32, show_spinner=False)
def reached(key: LogKey, filters: LogFilter, mapping: Mapping) -> dict[str, int]:
    return discovery.step_reach(ws(), Path(key[4]), dict(mapping), filters)


@st.cache_data(max_entries=16, show_spinner="Drawing the flow on the map…")
def flow_map_spec(key: LogKey, filters: LogFilter, jkey: tuple, mapping: Mapping, _journey: Journey,
                  title: str) -> dict[str, Any]:
    result = compared(key, filters, jkey, mapping, _journey)
    spec = journey_map(_journey, flow=FlowOverlay.from_conformance(result, title=title)).to_dict()
    # datasets as the Arrow bytes Streamlit sends anyway, so the cached spec is not re-encoded every rerun
    spec["datasets"] = {name: convert_anything_to_arrow_bytes(pd.DataFrame.from_records(rows))
                        for name, rows in spec.get("datasets", {}).items()}
    return spec
