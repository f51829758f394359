"""Which journey a browser session is looking at, and saving edits to it safely.

A page shows the latest version of a journey and remembers the version it
showed. An edit is saved *against that version*: if a colleague saved in the
meantime the store refuses it, the edit is kept here, and the page offers to
reload or to apply the same edit on top of the newer version. Nothing is lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import streamlit as st

from journeys.editing import Edit
from journeys.errors import InvalidJourney, JourneysError, NotFound, StaleWrite
from journeys.model import Journey
from journeys.store import LoadedJourney
from ui.frame import author, store, workspace
from ui.text import plain

SEEN = "seen_versions"
PENDING = "pending_edit"
PROBLEMS = "edit_problems"
JUST_SAVED = "just_saved"  # (database, workspace, name, version, author, journey) of this session's last save


@dataclass
class PendingEdit:
    """An edit the store refused as stale, waiting for the user's decision."""

    journey: str
    edit: Edit
    refusal: StaleWrite


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


def load(name: str) -> LoadedJourney:
    """The latest version, remembered as the version this session has seen."""
    loaded = latest(name)
    st.session_state.setdefault(SEEN, {})
    if PENDING not in st.session_state:
        st.session_state[SEEN][name] = (loaded.version, loaded.journey)
    return loaded


def seen(name: str) -> tuple[int, Journey]:
    """The version (and content) this session last showed of a journey."""
    if name not in st.session_state.get(SEEN, {}):
        loaded = latest(name)
        st.session_state.setdefault(SEEN, {})[name] = (loaded.version, loaded.journey)
    return st.session_state[SEEN][name]


def commit(name: str, edit: Edit) -> bool:
    """Apply an edit to the version this session saw and save it; stale saves are kept for a decision."""
    who = author()
    if not who:
        st.session_state[PROBLEMS] = ("Tell us your name in the sidebar first: it is recorded on every save.", [])
        return False
    version, journey = seen(name)
    try:
        edited = edit(journey)
        new_version = store().save(workspace(), edited, version, who, edit.message, name=name)
    except StaleWrite as refusal:
        st.session_state[PENDING] = PendingEdit(name, edit, refusal)
        return False
    except JourneysError as error:
        st.session_state[PROBLEMS] = (error.message, [str(p) for p in error.problems])
        return False
    st.session_state[SEEN].pop(name, None)
    # Remembered by the head it made (a rename saves under the new name): the next rerun shows it unparsed.
    st.session_state[JUST_SAVED] = (store().url, workspace(), edited.name, new_version, who.strip(), edited)
    st.session_state["last_saved"] = f"Saved version {new_version}: {edit.message}"
    return True


def _apply_on_top() -> None:
    pending: PendingEdit = st.session_state.pop(PENDING)
    st.session_state.get(SEEN, {}).pop(pending.journey, None)
    commit(pending.journey, pending.edit)


def _discard() -> None:
    pending: PendingEdit = st.session_state.pop(PENDING)
    st.session_state.get(SEEN, {}).pop(pending.journey, None)


def problem_markdown(text: str, items: Sequence[str] = ()) -> str:
    """A problem and its details as escaped Markdown: messages quote names and values people typed."""
    return plain(text) + ("\n\n" + "\n".join(f"- {plain(p)}" for p in items) if items else "")


def show_outcome(saved_key: str, problems_key: str) -> None:
    """The last change's outcome, once: a toast when it saved, or its problems listed (error).

    Both are stored as raw text (they quote names people typed) and escaped here, where they are shown.
    """
    message = st.session_state.pop(saved_key, None)
    if message:
        st.toast(plain(message), icon=":material/check_circle:")
    problems = st.session_state.pop(problems_key, None)
    if problems:
        st.error(problem_markdown(*problems), icon=":material/error:")


def show_save_status() -> None:
    """Messages from the last save: success, a stale refusal with choices, or problems."""
    show_outcome("last_saved", PROBLEMS)
    pending: PendingEdit | None = st.session_state.get(PENDING)
    if pending:
        r = pending.refusal
        with st.container(border=True):
            st.warning(f"**Not saved: {plain(r.saved_by)} saved version {r.current:d} of '{plain(pending.journey)}' "
                       f"at {plain(r.saved_at)}** while you were looking at version {r.expected:d}. "
                       f"Your change — *{plain(pending.edit.message)}* — is kept until you choose.",
                       icon=":material/front_hand:")
            left, right = st.columns(2)
            left.button("Apply my change on top of the newer version", key="pending_apply", type="primary",
                        on_click=_apply_on_top, width="stretch")
            right.button("Discard my change and reload", key="pending_discard", on_click=_discard,
                         width="stretch")


def rescue(action: str):
    """Run a store action and turn domain errors into a message instead of a traceback."""

    def run(fn, *args, **kwargs):
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
