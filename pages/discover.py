"""Discover: the journey customers actually take, from event data, against the journey as designed.

An analyst picks a stored event log (or uploads one, or derives one from the tickets), narrows it
with filters, and reads it four ways: the directly-follows graph, the variants, the top variants as
chains, and conformance with a journey — drawn on the workshop map, where a route customers take
that the map lacks can be added as a new journey revision. The parts live in :mod:`ui.discover_log`,
:mod:`ui.discover_view` and :mod:`ui.discover_conformance`; the work in :mod:`journeys.usecases.discovery`.
"""

from ui.frame import ensure_frame

ensure_frame()

import streamlit as st  # noqa: E402

from ui import discover_conformance, discover_log, discover_view  # noqa: E402
from ui.discover_state import TAB, TABS, log_key  # noqa: E402

st.title("Discover")
st.caption("Where customers leave the designed path, and how many: from event data (a product's event tracking, "
           "a process-mining export, or your tickets) to the journey customers actually take, compared with the "
           "map. Nothing is saved until you import, save a mapping or add a route.")

st.subheader("1. Event log")
log = discover_log.choose_log()
if log is None:
    st.stop()

st.subheader("2. Filters")
where = discover_view.filters(log)
key = log_key(log)

st.subheader("3. What customers did")
# Stateful tabs: only the open one is computed.
map_tab, variants_tab, flow_tab, conformance_tab = st.tabs(TABS, key=TAB, on_change="rerun")
if map_tab.open:
    with map_tab:
        discover_view.map_view(key, where)
if variants_tab.open:
    with variants_tab:
        discover_view.variants_view(key, where)
if flow_tab.open:
    with flow_tab:
        discover_view.flow_view(key, where)
if conformance_tab.open:
    with conformance_tab:
        discover_conformance.conformance_view(log, key, where)
