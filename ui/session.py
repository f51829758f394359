"""Which journey a browser session is looking at, and saving edits to it safely.

A page shows the latest version of a journey and remembers the version it
showed. An edit is saved *against that version* through the shared stale-safe
flow (:mod:`ui.stale_safe`): if a colleague saved in the meantime the store
refuses it, the edit is kept, and the page offers to reload or to apply the
same edit on top of the newer version. Nothing is lost.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import streamlit as st

from journeys.editing import Edit
from journeys.errors import InvalidJourney, JourneysError, NotFound
from journeys.model import Journey
from journeys.store import LoadedJourney
from ui.frame import store, workspace
from ui.stale_safe import StaleSafe, problem_markdown, show_outcome
from ui.text import plain

__all__ = ["JOURNEYS", "JUST_SAVED", "PROBLEMS", "commit", "journey_names", "latest", "load", "pick_journey",
           "problem_markdown", "problem_words", "rescue", "seen", "show_outcome", "show_save_status"]

JUST_SAVED = "just_saved"  # (database, workspace, name, version, author, journey) of this session's last save
PROBLEMS = "edit_problems"  # (message, details) of the last failed change, shown once by show_save_status


def journey_names() -> list[str]:
    return [s.name for s in store().list_journeys(workspace())]


def pick_journey(label: str = "Journey", key: str = "journey_pick", default: str | None = None) -> str | None:
    """A journey selector synced with the ``?journey=`` deep link."""
    names = journey_names()
    if not names:
        return None
    wanted = st.query_params.get("journey") or default
    if key not in st.session_state or (wanted in names and st.session_state.get(f"{key}_link") != wanted):
        st.session_state[key] = wanted if wanted in names else names[0]
        st.session_state[f"{key}_link"] = wanted
    if st.session_state[key] not in names:
        st.session_state[key] = names[0]
    name = st.selectbox(plain(label), names, key=key)
    if st.query_params.get("journey") != name:
        st.query_params["journey"] = name
        st.session_state[f"{key}_link"] = name
    return name


@st.cache_resource(max_entries=32, show_spinner=False)
def _parsed(key: tuple[str, str, str, int, datetime]) -> Journey:
    """A stored version's content, parsed once for every session (a 200-step snapshot takes 5-12 ms).

    A revision never changes once written, so (database, workspace, name, version) names one content;
    the head's save time is in the key too, so a journey created under the name of one renamed away
    (same name and version, different rows) is never served the other's content. Shared: never mutate it
    (the edits in ``journeys.editing`` build new journeys).
    """
    _url, ws, name, version, _saved_at = key
    return store().revision(ws, name, version)


def latest(name: str) -> LoadedJourney:
    """The latest version: the head is read (one query, no snapshot) and its content parsed once per version."""
    ws, shared = workspace(), store()
    head = next((s for s in shared.list_journeys(ws) if s.name == name), None)
    if head is None:
        return shared.load(ws, name)  # deleted or unknown: the store's own NotFound
    mine = st.session_state.get(JUST_SAVED)
    if mine and mine[:4] == (shared.url, ws, name, head.version) and head.updated_by == mine[4]:
        journey = mine[5]  # what this session just saved: the same content, validated, not parsed again
    else:
        journey = _parsed((shared.url, ws, name, head.version, head.updated_at))
    return LoadedJourney(journey=journey, version=head.version, saved_by=head.updated_by, saved_at=head.updated_at)


def _save(name: str, seen: LoadedJourney, edit: Edit, who: str) -> int:
    """Save ``edit`` applied to the version seen; remembered so the next rerun shows it unparsed."""
    edited = edit(seen.journey)
    version = store().save(workspace(), edited, seen.version, who, edit.message, name=name)
    # Remembered by the head it made (a rename saves under the new name).
    st.session_state[JUST_SAVED] = (store().url, workspace(), edited.name, version, who.strip(), edited)
    return version


# The journeys' stale-safe edit flow (keys kept from before it was shared: tests and sessions use them).
JOURNEYS: StaleSafe[LoadedJourney, Edit] = StaleSafe(
    "journey", load=latest, save=_save, noun=lambda name: f"'{name}'",
    saved=lambda _name, version, edit: f"Saved version {version}: {edit.message}",
    keys={"seen": "seen_versions", "pending": "pending_edit", "saved": "last_saved", "problems": PROBLEMS,
          "apply": "pending_apply", "reload": "pending_discard"})


def load(name: str) -> LoadedJourney:
    """The latest version, remembered as the version this session has seen (unless a refused edit waits)."""
    return JOURNEYS.remember(name, latest(name))


def seen(name: str) -> tuple[int, Journey]:
    """The version (and content) this session last showed of a journey."""
    loaded = JOURNEYS.seen(name)
    return loaded.version, loaded.journey


def commit(name: str, edit: Edit) -> bool:
    """Apply an edit to the version this session saw and save it; stale saves are kept for a decision."""
    return JOURNEYS.commit(name, edit)


def show_save_status() -> None:
    """Messages from the last save: success, a stale refusal with choices, or problems."""
    JOURNEYS.show_status()


def rescue(action: str) -> Callable[..., Any]:
    """Run a store action and turn domain errors into a message instead of a traceback."""

    def run(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (InvalidJourney, NotFound, JourneysError) as error:
            st.session_state[PROBLEMS] = (f"{action}: {error.message}", [str(p) for p in error.problems])
            return None

    return run


def problem_words(error: JourneysError, field_words: dict[str, str]) -> list[str]:
    """The model's problems under the form's own field names ("Delivery link: …", not "delivery_link: …")."""
    words = []
    for p in error.problems:
        where = str(p.path[0]) if p.path else p.where
        words.append(f"{field_words.get(where, p.where)}: {p.reason}" if p.where else p.reason)
    return words
