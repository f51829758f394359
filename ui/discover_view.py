"""Steps 2 and 3 of the Discover page: the filters, then what customers did — the directly-follows graph,
the variants, and the top variants as chains. The comparison with a journey is
:mod:`ui.discover_conformance`; every result comes cached from :mod:`ui.discover_cached`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import partial

import pandas as pd
import streamlit as st

from journeys.discover import EventLogVersion, LogFilter
from journeys.discover.dot import dfg_dot, duration
from journeys.usecases import discovery
from ui import discover_cached as cached
from ui.discover_state import (
    ALL,
    FLOW_TOP,
    MIN_EDGE,
    NO_VALUE,
    SEGMENT,
    TOP_VARIANTS,
    LogKey,
    guard,
    log_key,
)
from ui.frame import ws
from ui.text import clip, plain


def _span(log: EventLogVersion) -> tuple[date | None, date | None]:
    report = log.report or {}
    try:
        first = datetime.fromisoformat(report["first"]).astimezone(UTC).date() if report.get("first") else None
        last = datetime.fromisoformat(report["last"]).astimezone(UTC).date() if report.get("last") else None
    except (TypeError, ValueError):
        return None, None
    return first, last


def filters(log: EventLogVersion) -> LogFilter:
    """Time range, segment, minimum edge frequency and top-k variants, as the widgets say."""
    key = log_key(log)
    segments = list(discovery.stored(ws(), log).segments)
    if st.session_state.get(SEGMENT) not in [ALL, *segments]:
        st.session_state[SEGMENT] = ALL
    first, last = _span(log)
    period, segment_cell, values_cell, edge_cell, top_cell = st.columns([2.2, 1.3, 2.3, 1.1, 1.1],
                                                                        vertical_alignment="bottom")
    start = end = None
    if first and last:
        chosen = period.date_input("Period", value=(first, last), min_value=first, max_value=last,
                                   key=f"disc_f_period_{log.name}_{log.version}",
                                   help="Events inside these days (UTC); a case's events outside them are left out.")
        if isinstance(chosen, (tuple, list)) and len(chosen) == 2 and (chosen[0], chosen[1]) != (first, last):
            start = datetime.combine(chosen[0], time.min, tzinfo=UTC)
            end = datetime.combine(chosen[1] + timedelta(days=1), time.min, tzinfo=UTC)
    segment = segment_cell.selectbox("Segment", [ALL, *segments], key=SEGMENT,
                                     format_func=lambda c: "All events" if c == ALL else c.removeprefix("x_"),
                                     help="A column of the log (the resource, or any other column it kept).")
    picked: tuple[str | None, ...] = ()
    if segment != ALL:
        counts = {(NO_VALUE if v is None else v): n for v, n in cached.segment_counts(key, segment)}
        values = values_cell.multiselect(
            f"Keep {plain(segment.removeprefix('x_'))}", list(counts),
            key=f"disc_f_values_{log.name}_{log.version}_{segment}",
            placeholder="Choose values", format_func=lambda v: f"{'(no value)' if v == NO_VALUE else v} "
                                                               f"({counts.get(v, 0):,})")
        picked = tuple(None if v == NO_VALUE else v for v in values)
    else:
        values_cell.multiselect("Keep", [], disabled=True, key="disc_f_values_none", placeholder="Choose a segment")
    min_edge = edge_cell.number_input("Min. edge count", min_value=1, value=1, step=1, key=MIN_EDGE,
                                      help="Hide directly-follows edges seen fewer times (totals still count them).")
    top = top_cell.number_input("Top variants", min_value=0, value=0, step=1, key=TOP_VARIANTS,
                                help="Keep only the cases following the k most frequent variants; 0 keeps all.")
    chosen_filter = LogFilter(start=start, end=end, segment=segment if picked else None, segment_values=picked,
                              min_edge_frequency=int(min_edge), top_variants=int(top) or None)
    st.caption(plain(f"Showing {chosen_filter.describe()}."))
    return chosen_filter



def map_view(key: LogKey, where: LogFilter) -> None:
    """The directly-follows graph with its totals, and its edges, starts and ends as tables."""
    graph = guard(cached.graph, key, where)
    if graph is None:
        return
    if graph.events == 0:
        st.info("No events in this selection. Widen the period or choose other segment values.")
        return
    spec, drawn, total = cached.graph_spec(key, where)
    cols = st.columns(4)
    cols[0].metric("Events", f"{graph.events:,}")
    cols[1].metric("Cases", f"{graph.cases:,}")
    cols[2].metric("Activities", f"{len(graph.activities):,}")
    cols[3].metric("Directly-follows edges", f"{len(graph.edges):,}",
                   help="Pairs of activities where one directly followed the other in a case.")
    st.vega_lite_chart(spec, width="stretch")
    note = (f" The {drawn:,} busiest of {total:,} edges are drawn; raise the minimum edge count to see the rest "
            "clearly." if drawn < total else "")
    st.caption("Read it top to bottom: boxes are activities, arrows say what came directly next and how often (wider "
               "and darker = more often). The green circle leads to the activities cases start with; "
               "■ counts the cases that end at an activity, ↻ an activity repeated straight away. Hover for "
               "times between events; drag to pan, scroll to zoom, double-click to reset." + note)
    labels = {"source": "From", "target": "To", "frequency": "Times", "cases": "Cases"}
    with st.expander(f"All {len(graph.edges):,} edges"):
        edges = graph.edges.rename(columns=labels)
        for col in ("median_seconds", "mean_seconds", "p90_seconds"):
            edges[col.split("_")[0].capitalize() + " time"] = edges.pop(col).map(duration)
        st.dataframe(edges, hide_index=True, width="stretch")
    left, right = st.columns(2)
    with left.expander("Start activities"):
        st.dataframe(graph.starts.rename(columns={"activity": "Activity", "cases": "Cases starting"}),
                     hide_index=True, width="stretch")
    with right.expander("End activities"):
        st.dataframe(graph.ends.rename(columns={"activity": "Activity", "cases": "Cases ending"}), hide_index=True,
                     width="stretch")
    loops = graph.self_loops
    if len(loops):
        with st.expander(f"Activities repeated straight away ({len(loops)})"):
            st.dataframe(loops[["source", "frequency", "cases"]].rename(
                columns={"source": "Activity", "frequency": "Times", "cases": "Cases"}), hide_index=True,
                width="stretch")
    st.download_button("Download as Graphviz DOT", data=partial(dfg_dot, graph, f"{key[2]} ({where.describe()})"),
                       file_name=f"{clip(key[2], 60)}.dot", mime="text/vnd.graphviz", icon=":material/download:",
                       key="disc_dot", on_click="ignore")


def variants_view(key: LogKey, where: LogFilter) -> None:
    """Activity sequences by frequency, with coverage and cumulative coverage."""
    result = guard(cached.variant_table, key, where, 500)
    if result is None:
        return
    table = result.table
    if table.empty:
        st.info("No cases in this selection.")
        return
    to_80 = int((table["cumulative_coverage"] < 0.8).sum()) + 1 if table["cumulative_coverage"].iloc[-1] >= 0.8 \
        else None
    cols = st.columns(4)
    cols[0].metric("Distinct variants", f"{result.distinct:,}")
    cols[1].metric("Cases", f"{result.cases:,}")
    cols[2].metric("The most frequent covers", f"{table['coverage'].iloc[0]:.1%}")
    cols[3].metric("Variants for 80 % of cases", f"{to_80:,}" if to_80 else f"> {len(table):,}")
    shown = pd.DataFrame({
        "Rank": table["rank"], "Variant": [" → ".join(v) for v in table["activities"]], "Steps": table["length"],
        "Cases": table["cases"], "Coverage": table["coverage"], "Cumulative coverage": table["cumulative_coverage"]})
    st.dataframe(shown, hide_index=True, width="stretch", height=min(36 + 35 * len(shown), 560), column_config={
        "Variant": st.column_config.TextColumn(width="large"),
        "Coverage": st.column_config.NumberColumn(format="percent"),
        "Cumulative coverage": st.column_config.ProgressColumn(format="percent", min_value=0.0, max_value=1.0)})
    if result.distinct > len(table):
        st.caption(f"The {len(table):,} most frequent of {result.distinct:,} variants.")


def flow_view(key: LogKey, where: LogFilter) -> None:
    """The top variants as chains of activities, one row each."""
    result = guard(cached.variant_table, key, where, 100)
    if result is None:
        return
    if result.table.empty:
        st.info("No cases in this selection.")
        return
    most = min(30, len(result.table))
    top = st.slider("Variants shown", min_value=1, max_value=most, value=min(10, most), key=FLOW_TOP) if most > 1 else 1
    covered = float(result.table["cumulative_coverage"].iloc[top - 1])
    st.caption(f"The {top:,} most frequent variants cover {covered:.1%} of {result.cases:,} cases. Each row reads left "
               "to right; an activity has the same colour in every row, so shared stretches stand out.")
    st.vega_lite_chart(cached.chains_spec(key, where, top), width="stretch")

