"""The Discover page's comparison with a journey: the activity → step map, the headline, the flow drawn on
the workshop map, routes customers take that the map lacks (each can be added), unused design, loops, reach.

- the activity → step map is one selectbox per activity, seeded from the saved map (or the proposal
  by name) and saved as a versioned document; a save on top of a colleague's newer version is
  refused with who and when;
- "Add this route to the map" writes a journey revision through :func:`ui.session.commit`, so a
  colleague's newer save is never overwritten (the page then offers to apply it on top).
"""

from __future__ import annotations

import hashlib
import math

import pandas as pd
import streamlit as st

from journeys.discover import Conformance, EventLogVersion, LogFilter, load_activity_map, propose_activity_map
from journeys.discover.dot import duration
from journeys.errors import JourneysError, StaleWrite
from journeys.model import Journey
from journeys.usecases import discovery
from ui import discover_cached as cached
from ui import session
from ui.cached import journey_key
from ui.discover_state import (
    JOURNEY_PICK,
    NAME_YOURSELF,
    NO_STEP,
    ROUTE_BUTTONS,
    LogKey,
    guard,
    notice,
    show_notice,
)
from ui.frame import author, ws
from ui.text import clip, plain


def _map_prefix(log: EventLogVersion, journey_name: str, version: int) -> str:
    digest = hashlib.sha1(f"{log.name}\x1f{log.version}\x1f{journey_name}".encode()).hexdigest()[:12]
    return f"disc_map_{digest}_{version}_"


def _save_mapping(log_name: str, journey_name: str, version: int, prefix: str, activities: list[str]) -> None:
    mapping = {a: st.session_state.get(f"{prefix}{i}") for i, a in enumerate(activities)}
    who = author()
    if not who:
        notice("error", NAME_YOURSELF)
        return
    try:
        new = discovery.save_mapping(ws(), log_name, journey_name, mapping, who, expected_version=version,
                                     message="Edited on the Discover page")
    except StaleWrite as refusal:
        notice("warning", f"**Not saved: {plain(refusal.saved_by)} saved version {refusal.current} of this "
                           f"mapping at {plain(refusal.saved_at)}** while you were editing version "
                           f"{refusal.expected}. Their mapping is shown now; make your change again on top of it.")
        return
    except JourneysError as error:
        notice("error", plain(error.message) + "".join(f"\n- {plain(p)}" for p in error.problems))
        return
    notice("success", f"Saved the activity mapping as version {new}.")


def _reset_mapping(prefix: str, activities: list[str], proposal: dict[str, str | None]) -> None:
    for i, a in enumerate(activities):
        st.session_state[f"{prefix}{i}"] = proposal.get(a)


def mapping_editor(log: EventLogVersion, journey_name: str, journey: Journey,
                   activities: list[tuple[str, int]]) -> dict[str, str | None]:
    """The activity → step map: saved (or proposed by name), editable per activity, saved as a new version."""
    saved = load_activity_map(ws().store, ws().name, log.name, journey_name)
    names = [a for a, _ in activities]
    steps = journey.step_ids()
    labels = {s.id: s.label for s in journey.steps}
    proposal = propose_activity_map(names, journey)
    base = saved.mapping if saved else proposal
    gone = sorted({s for s in base.values() if s is not None and s not in steps})
    version = saved.version if saved else 0
    prefix = _map_prefix(log, journey_name, version)
    for i, a in enumerate(names):
        step = base.get(a)
        st.session_state.setdefault(f"{prefix}{i}", step if step in steps else None)
    current = {a: st.session_state[f"{prefix}{i}"] for i, a in enumerate(names)}
    on_step = sum(1 for s in current.values() if s is not None)
    if saved and all(current[a] == (saved.mapping.get(a) if saved.mapping.get(a) in steps else None) for a in names):
        state = f"saved version {saved.version} by {plain(saved.author)}, {saved.saved_at:%d %b %Y}"
    elif saved:
        state = f"changed since version {saved.version} — not saved"
    else:
        state = "proposed from the names — not saved yet"
    with st.expander(f"Activity → step mapping · {on_step:,} of {len(names)} activities on a step · {state}",
                     expanded=not saved and len(names) <= 30):
        st.caption("Which step of the journey each activity of the log is. Proposed by comparing names; change "
                   "what is wrong, or leave an activity on no step (its transitions then count as not designed). "
                   "Saving keeps every version.")
        if gone:
            st.warning(plain(f"The saved mapping names step(s) this journey no longer has: {', '.join(gone)}; those "
                             "activities are on no step until you choose again."))
        options: list[str | None] = [None, *steps]
        twice = {x for x in labels.values() if list(labels.values()).count(x) > 1}

        def shown(s: str | None) -> str:  # a step by its label; the id only to tell two equal labels apart
            return NO_STEP if s is None else labels.get(s, s) + (f" ({s})" if labels.get(s) in twice else "")

        grid = st.columns(3)
        for i, (a, n) in enumerate(activities):
            grid[i % 3].selectbox(f"{plain(clip(a, 48))} · {n:,} events", options, key=f"{prefix}{i}",
                                  placeholder=NO_STEP,
                                  format_func=shown)
        left, right, _ = st.columns([1.2, 1.4, 3])
        left.button("Save this mapping", key="disc_map_save", type="primary", icon=":material/save:",
                    on_click=_save_mapping, args=(log.name, journey_name, version, prefix, names))
        right.button("Reset to the proposal by name", key="disc_map_reset", on_click=_reset_mapping,
                     args=(prefix, names, proposal))
    return current


def _add_route(journey_name: str, journey: Journey, source: str, target: str, log_name: str) -> None:
    session.commit(journey_name, discovery.route_edit(journey, source, target, log_name))


def _share(value: float) -> str:
    return "–" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.0%}"


def conformance_view(log: EventLogVersion, key: LogKey, where: LogFilter) -> None:
    """Observed against designed: the headline, the flow on the map, routes to add, unused design, loops, reach."""
    session.show_save_status()
    show_notice()
    name = session.pick_journey("Compare with the journey", key=JOURNEY_PICK,
                                default=discovery.journey_with_map(ws(), log.name))
    if not name:
        st.info("This workspace has no journeys yet: map one on **Journey map** first.")
        return
    loaded = session.load(name)
    journey = loaded.journey
    every = guard(cached.graph, key, LogFilter())
    if every is None:
        return
    activities = list(zip(every.activities["activity"], every.activities["events"].astype(int), strict=True))
    mapping = mapping_editor(log, name, journey, activities)
    items = tuple(sorted(mapping.items()))
    jkey = journey_key(name, loaded.version)
    result: Conformance | None = guard(cached.compared, key, where, jkey, items, journey)
    if result is None:
        return
    labels = {s.id: s.label for s in journey.steps}

    def label(step: str) -> str:
        return labels.get(step, step)

    share = result.designed_share
    cols = st.columns(5)
    cols[0].metric("Follows the map", "n/a" if math.isnan(share) else f"{share:.1%}",
                   help="Share of observed transitions (one event directly following another in a case) that the "
                        "journey designs. Transitions touching activities on no step count as not designed.")
    cols[1].metric("Transitions observed", f"{result.transitions:,}")
    cols[2].metric("Routes not on the map", f"{len(result.undesigned):,}",
                   help=f"{int(result.undesigned['events'].sum()):,} transitions took them.")
    cols[3].metric("Designed, nobody took", f"{len(result.unused):,}")
    cols[4].metric("Loops", f"{len(result.loops):,}", help="Self-loops and back-edges: customers going round again.")
    st.caption(plain(f"{result.summary()} Journey version {loaded.version}; {where.describe()}."))

    title = f"Customers (event log '{clip(log.name, 40)}')"
    st.vega_lite_chart(cached.flow_map_spec(key, where, jkey, items, journey, title), width="stretch")
    st.caption("Designed transitions are as wide as the customers who took them (dotted grey: nobody did); dashed "
               "navy lines are routes customers take that the map does not have; ↻ counts customers going round a "
               "step. Hover for counts and shares.")

    routes = result.undesigned
    st.subheader("Routes customers take that the map does not have")
    if routes.empty:
        st.success("Every transition between mapped steps is on the map.")
    for row in routes.head(ROUTE_BUTTONS).itertuples(index=False):
        text, button = st.columns([5, 1.4], vertical_alignment="center")
        text.markdown(f"**{plain(label(row.source))} → {plain(label(row.target))}** · {row.events:,} times · "
                      f"{row.cases:,} cases · {_share(row.observed_share)} of those leaving "
                      f"{plain(label(row.source))} · median {plain(duration(row.median_seconds) or '–')}"
                      + (" · a loop" if row.loop else ""))
        button.button("Add this route to the map", key=f"disc_add_{row.source}__{row.target}",
                      icon=":material/add_road:", on_click=_add_route,
                      args=(name, journey, row.source, row.target, log.name),
                      help="Saves a new version of the journey with this transition (kind normal, no expected "
                           "share yet); History can undo it.", width="stretch")
    if len(routes) > ROUTE_BUTTONS:
        with st.expander(f"All {len(routes):,} routes not on the map"):
            st.dataframe(pd.DataFrame({"From": routes["source"].map(label), "To": routes["target"].map(label),
                                       "Times": routes["events"], "Cases": routes["cases"]}),
                         hide_index=True, width="stretch")

    designed = result.designed
    st.subheader("Designed transitions: observed against expected")
    st.dataframe(pd.DataFrame({
        "From": designed["source"].map(label), "To": designed["target"].map(label), "Kind": designed["kind"],
        "Expected share": designed["expected_share"], "Observed share": designed["observed_share"],
        "Gap (points)": (designed["share_gap"] * 100).round(1), "Times": designed["events"],
        "Cases": designed["cases"], "Median time": designed["median_seconds"].map(duration)}),
        hide_index=True, width="stretch", column_config={
            "Expected share": st.column_config.NumberColumn(format="percent"),
            "Observed share": st.column_config.NumberColumn(format="percent")})
    unused, loops = result.unused, result.loops
    st.markdown(f"**Designed routes nobody takes** ({len(unused)})")
    if unused.empty:
        st.caption("Customers took every designed transition.")
    else:
        st.dataframe(pd.DataFrame({"From": unused["source"].map(label), "To": unused["target"].map(label),
                                   "Kind": unused["kind"], "Expected share": unused["expected_share"]}),
                     hide_index=True, width="stretch",
                     column_config={"Expected share": st.column_config.NumberColumn(format="percent")})
    st.markdown(f"**Loops: customers going round again** ({len(loops)})")
    if loops.empty:
        st.caption("Nobody went round a loop.")
    else:
        st.dataframe(pd.DataFrame({"From": loops["source"].map(label), "To": loops["target"].map(label),
                                   "Loop": loops["loop"], "On the map": loops["designed"], "Times": loops["events"],
                                   "Cases": loops["cases"]}), hide_index=True, width="stretch")
    idle = result.unmapped_activities
    if len(idle):
        with st.expander(f"Activities on no step ({len(idle)}): {result.transitions - result.mapped_events:,} "
                         "transitions touch them"):
            st.dataframe(idle.rename(columns={"activity": "Activity", "events": "Events"}), hide_index=True,
                         width="stretch")
    reach_view(key, where, items, journey, result)


def reach_view(key: LogKey, where: LogFilter, items: tuple[tuple[str, str | None], ...], journey: Journey,
               result: Conformance) -> None:
    """Cases reaching each step (at least one event on it): the reach for contact rate."""
    reached = guard(cached.reached, key, where, items)
    if reached is None:
        return
    st.subheader("Reach per step")
    st.caption("Cases with at least one event on the step in this selection — the reach the contact rate "
               "(tickets per 1,000 customers reaching a step) is computed from.")
    total = max(result.cases, 1)
    st.dataframe(pd.DataFrame({
        "Step": [s.label for s in journey.steps], "Stage": [s.stage for s in journey.steps],
        "Cases reaching": [reached.get(s.id, 0) for s in journey.steps],
        "Share of cases": [reached.get(s.id, 0) / total for s in journey.steps]}),
        hide_index=True, width="stretch", column_config={
            "Share of cases": st.column_config.ProgressColumn(format="percent", min_value=0.0, max_value=1.0)})

