"""Is this map still true? The journey's last review and the steps whose numbers moved since.

Shown beside the map: a workshop map goes stale when the tickets move, and the
team should see where before the next review. Results are cached by the ticket
data's content key and the review's version, so a rerun costs nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from journeys.errors import JourneysError, StaleWrite
from journeys.freshness import Freshness, created_on, day, freshness, mark_reviewed
from journeys.model import Journey
from journeys.store.core import LoadedJourney
from journeys.store.documents import DocumentStore
from journeys.store.tickets import TicketStore
from journeys.tickets.datasets import DatasetVersion
from ui import session, tickets_view
from ui.frame import author, store, workspace
from ui.text import plain

REVIEW_OUTCOME = "freshness_outcome"


LATEST_DATASET = "freshness_dataset"  # the latest dataset as this rerun's panel read it (render reuses it)


def _latest_dataset() -> DatasetVersion | None:
    available = tickets_view.datasets()
    return max(available, key=lambda d: d.created_at) if available else None


def _review_version(journey_name: str) -> int:
    found = DocumentStore(store()).get(workspace(), "review", journey_name)
    return found.version if found else 0


@st.cache_data(max_entries=32, show_spinner=False)
def _freshness(journey_key: tuple, data_key: tuple | None, review_version: int, due_from: tuple,
               _dataset: DatasetVersion | None, journey_name: str, _journey: Journey) -> Freshness:
    """Keyed by what can change the answer: the journey's version, the tickets (dataset version and
    mapping rules), the review's version (a mark by anyone bumps it), and ``due_from`` (the journey's
    creation, today's date) so "overdue" stays true to the day."""
    table = tickets_view.mapped(_dataset, journey_name).table if _dataset is not None else None
    return freshness(store(), workspace(), journey_name, table, _journey)


def stale_steps(journey_name: str, journey: Journey, loaded: LoadedJourney | None = None) -> Freshness:
    """The journey's freshness against the latest imported tickets, computed once per version, data and day.

    ``loaded`` (the page's latest version) saves reading the head again. A rerun costs the dataset list and
    the review's version (a colleague's mark shows at once); the ticket rules' version when tickets exist.
    """
    if loaded is None or loaded.journey is not journey:
        try:
            loaded = session.latest(journey_name)
        except JourneysError:  # not in the store: nothing to cache on
            return freshness(store(), workspace(), journey_name, None, journey)
    dataset = _latest_dataset()
    st.session_state[LATEST_DATASET] = dataset
    data_key = None
    if dataset is not None:
        rules = TicketStore(store()).load_rules(workspace(), journey_name).version
        data_key = (dataset.name, dataset.version, rules)
    journey_key = (store().url, workspace(), journey_name, loaded.version, loaded.saved_at)
    due_from = (created_on(store(), workspace(), journey_name), datetime.now(UTC).date())
    return _freshness(journey_key, data_key, _review_version(journey_name), due_from, dataset, journey_name,
                      loaded.journey)


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
        dataset = st.session_state[LATEST_DATASET] if LATEST_DATASET in st.session_state else _latest_dataset()
        if dataset is None:
            st.caption("Import tickets to compare the map with what customers do now.")
        elif st.button("Mark this journey reviewed", key="mark_reviewed", icon=":material/task_alt:",
                       help="Records who reviewed it and when, and today's numbers to compare with next time."):
            _mark(journey_name, journey, dataset, state)
            st.rerun()
    return chosen


def _mark(journey_name: str, journey: Journey, dataset: DatasetVersion, state: Freshness) -> None:
    if not author():
        st.session_state[REVIEW_OUTCOME] = ("error", "Tell us your name in the sidebar first: it is recorded.")
        return
    try:
        review = mark_reviewed(store(), workspace(), journey_name, tickets_view.mapped(dataset, journey_name).table,
                               journey, author(), dataset=dataset.name, dataset_version=dataset.version,
                               expected_version=state.review.version if state.review else 0)
    except StaleWrite as refused:
        st.session_state[REVIEW_OUTCOME] = ("error", f"Not recorded: {refused.saved_by} reviewed this journey "
                                                     "in the meantime. The panel now shows their review.")
        return
    except JourneysError as error:
        st.session_state[REVIEW_OUTCOME] = ("error", f"Not recorded: {error.message}")
        return
    st.session_state[REVIEW_OUTCOME] = ("ok", f"Review recorded (version {review.version}); the next review is due "
                                              f"{review.due_at:%d %b %Y}.")


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
