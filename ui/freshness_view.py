"""Is this map still true? The journey's last review and the steps whose numbers moved since.

Shown beside the map: a workshop map goes stale when the tickets move, and the
team should see where before the next review. Results are cached by the ticket
data's content key and the review's version, so a rerun costs nothing.
"""

from __future__ import annotations

import streamlit as st

from journeys.errors import JourneysError
from journeys.freshness import Freshness, day
from journeys.graph import Severity
from journeys.model import Journey
from journeys.store.core import LoadedJourney
from journeys.tickets.datasets import DatasetVersion
from journeys.usecases import map_review
from ui import session
from ui.frame import author, store, workspace, ws
from ui.notices import leave_save_outcome
from ui.text import plain

REVIEW_OUTCOME = "freshness_outcome"


LATEST_DATASET = "freshness_dataset"  # the latest dataset as this rerun's panel read it (render reuses it)


@st.cache_data(max_entries=32, show_spinner=False)
def _freshness(journey_key: tuple, data_key: tuple | None, review_version: int, due_from: tuple,
               _dataset: DatasetVersion | None, journey_name: str, _journey: Journey) -> Freshness:
    """Keyed by what can change the answer: the journey's version, the tickets (dataset version and
    mapping rules), the review's version (a mark by anyone bumps it), and ``due_from`` (the journey's
    creation, today's date) so "overdue" stays true to the day."""
    return map_review.map_freshness(ws(), journey_name, _journey, _dataset)


def stale_steps(journey_name: str, journey: Journey, loaded: LoadedJourney | None = None) -> Freshness:
    """The journey's freshness against the latest imported tickets, computed once per version, data and day.

    ``loaded`` (the page's latest version) saves reading the head again. A rerun costs the dataset list and
    the review's version (a colleague's mark shows at once); the ticket rules' version when tickets exist.
    """
    if loaded is None or loaded.journey is not journey:
        try:
            loaded = session.latest(journey_name)
        except JourneysError:  # not in the store: nothing to cache on
            return map_review.map_freshness(ws(), journey_name, journey, None)
    dataset = map_review.latest_dataset(ws())
    st.session_state[LATEST_DATASET] = dataset
    data_key = None
    if dataset is not None:
        data_key = (dataset.name, dataset.version, ws().rules.load(journey_name).version)
    journey_key = (store().url, workspace(), journey_name, loaded.version, loaded.saved_at)
    return _freshness(journey_key, data_key, map_review.review_version(ws(), journey_name),
                      map_review.due_from(ws(), journey_name), dataset, journey_name, loaded.journey)


def render(journey_name: str, journey: Journey, state: Freshness) -> str | None:
    """The freshness panel; returns a stale step the user asked to see on the map, if any."""
    outcome = st.session_state.pop(REVIEW_OUTCOME, None)
    if outcome:
        (st.success if outcome[0] == "ok" else st.error)(plain(outcome[1]))  # quotes a name: stored raw
    title = ("Map stale in " + f"{len(state.stale)} step(s)" if state.stale
             else "Review overdue" if state.overdue
             else f"Map not reviewed yet (first review due {day(state.due_on)})" if state.review is None
             else "Map up to date")
    icon = (":orange[:material/update:]" if state.stale or state.overdue
            else ":gray[:material/schedule:]" if state.review is None else ":green[:material/verified:]")
    chosen = None
    with st.expander(f"{icon} {title}", expanded=bool(state.stale)):
        st.caption(plain(state.message()))
        for step, moves in state.stale.items():
            label = state.labels.get(step, step)
            text = "; ".join(m.describe() for m in moves[:2])
            if st.button(f"{plain(label)}: {plain(text)}", key=f"stale_{step}", type="tertiary",
                         help="Show this step on the map"):
                chosen = step
        dataset = (st.session_state[LATEST_DATASET] if LATEST_DATASET in st.session_state
                   else map_review.latest_dataset(ws()))
        if dataset is None:
            st.caption("Import tickets to compare the map with what customers do now.")
        elif st.button("Mark this journey reviewed", key="mark_reviewed", icon=":material/task_alt:",
                       help="Records who reviewed it and when, and today's numbers to compare with next time."):
            _mark(journey_name, journey, dataset, state)
            st.rerun()
    return chosen


def _mark(journey_name: str, journey: Journey, dataset: DatasetVersion, state: Freshness) -> None:
    leave_save_outcome(
        REVIEW_OUTCOME, author(),
        lambda who: map_review.mark_reviewed(ws(), journey_name, journey, dataset, who,
                                             expected_version=state.review.version if state.review else 0),
        done=lambda review: f"Review recorded (version {review.version}); the next review is due "
                            f"{review.due_at:%d %b %Y}.",
        stale=lambda refused: f"Not recorded: {refused.saved_by} reviewed this journey in the meantime. "
                              "The panel now shows their review.",
        refused="Not recorded")


def stale_warning(journey_names: list[str]) -> None:
    """On the Priorities page: the journeys whose map no longer matches the tickets, and where."""
    lines = []
    for name in journey_names:
        try:
            journey = store().load(workspace(), name).journey
        except JourneysError:
            continue
        state = stale_steps(name, journey)
        if state.stale:
            moved = "; ".join(f"{state.labels.get(step, step)} ({moves[0].describe()})"
                              for step, moves in list(state.stale.items())[:4])
            lines.append(f"**{plain(name)}** — the map is stale here: {plain(moved)}.")
        elif state.overdue:
            lines.append(f"**{plain(name)}** — review overdue ({plain(state.due_words())}).")
    if lines:
        st.warning("\n\n".join(lines) + "\n\nReview it on the Journey map and mark it reviewed.",
                   icon=":material/update:")


FOCUS = "focus_finding"  # the finding whose steps alone are highlighted (None: all)


def checks_panel(checks: map_review.MapChecks) -> None:
    """The map's checks: one button per finding highlights its steps and opens the first in the inspector."""
    focus = st.session_state.get(FOCUS)
    with st.expander(f"Checks · {checks.errors:d} error(s), {checks.warnings:d} warning(s)", expanded=False,
                     icon=":material/health_and_safety:"):
        if not checks.findings:
            st.success("No dead ends, bot loops or missing routes to a human.")
        for f in checks.findings:
            key = map_review.finding_key(f)
            icon = ":red[:material/error:]" if f.severity == Severity.error else ":orange[:material/warning:]"
            if st.button(f"{icon} {plain(f.message)}", key=f"finding_{key}", type="tertiary",
                         help="Highlight only these steps and open the first in the inspector"):
                st.session_state[FOCUS] = None if focus == key else key
                st.session_state["selected_step"] = f.steps[0] if f.steps else None  # a draft's finding has none
                st.rerun()
        if focus:
            st.button("Show all findings", key="finding_all", on_click=st.session_state.update,
                      kwargs={FOCUS: None})
