"""One stale-safe edit flow for every versioned record: journeys, pain points, experiments, mapping rules.

A page shows a record and remembers the version it showed. An edit is saved *against that version*:
if a colleague saved in the meantime the store refuses it (:class:`~journeys.errors.StaleWrite`), the
edit is kept in the session, and the page says who saved and when and offers to reload (dropping the
edit) or to apply the same edit on top of the newer version. Nothing is lost, nothing is overwritten.
Each view used to carry its own copy of this; now a view describes its record once::

    PAINS = StaleSafe(
        "pp",
        load=lambda key: ws().painpoints.load(key),
        save=lambda key, seen, edit, who: ws().painpoints.save(
            key, edit.apply(seen.pain), who, expected_version=seen.version, message=edit.message),
        noun=lambda key: key,
        note="The editor below still shows the version you were looking at.",
    )
    shown = PAINS.shown(key)                   # the version the form is drawn from
    st.button("Save", on_click=PAINS.commit, args=(key, PainEdit(...)))
    PAINS.show_status(key)                     # the toast, the problems, or the refusal and its two choices

``load(key)`` returns the latest version of a record; ``save(key, seen, edit, who)`` applies ``edit`` to
``seen`` (what ``load`` returned when the page showed it), saves it expecting ``seen``'s version and
returns the new version number, raising ``StaleWrite`` when someone saved first. An edit is any object
with a ``message`` (what the user did, in words; or give ``words=``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import streamlit as st

from journeys.errors import JourneysError, StaleWrite
from ui.frame import author, workspace
from ui.text import plain

R = TypeVar("R")  # the record as loaded (carries its version)
E = TypeVar("E")  # an edit (carries its message)

NO_AUTHOR = "Tell us your name in the sidebar first: it is recorded on every save."


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


@dataclass(frozen=True)
class Pending(Generic[E]):
    """An edit the store refused as stale, waiting for the user's decision."""

    key: str
    edit: E
    refusal: StaleWrite


def _message(edit: Any) -> str:
    return str(edit.message)


def _problems(error: JourneysError) -> list[str]:
    return [str(p) for p in error.problems]


@dataclass(frozen=True)
class StaleSafe(Generic[R, E]):
    """The stale-safe edit flow of one kind of record (see the module docstring for an example).

    ``prefix`` names its session-state keys and its two buttons (``<prefix>_reload``,
    ``<prefix>_apply_on_top``) unless given. ``noun(key)`` names a record in the refusal ("PP-3",
    "'Billing support'", "these rules"); ``saved(key, version, edit)`` is the toast after a save.
    """

    prefix: str
    load: Callable[[str], R]
    save: Callable[[str, R, E, str], int]
    noun: Callable[[str], str] = repr
    words: Callable[[E], str] = _message
    saved: Callable[[str, int, E], str] | None = None
    problems: Callable[[JourneysError], list[str]] = _problems
    note: str = ""
    keys: dict[str, str] = field(default_factory=dict)  # overrides: seen, pending, saved, problems, reload, apply

    def key(self, what: str) -> str:
        """The session-state or widget key of ``what`` (seen, pending, saved, problems, reload, apply)."""
        default = {"reload": f"{self.prefix}_reload", "apply": f"{self.prefix}_apply_on_top"}
        return self.keys.get(what) or default.get(what) or f"{self.prefix}_{what}"

    # --- reading ---------------------------------------------------------------------------------

    def pending(self, key: str | None = None) -> Pending[E] | None:
        """The refused edit waiting for a decision (on ``key``, when given)."""
        waiting: Pending[E] | None = st.session_state.get(self.key("pending"))
        return waiting if waiting is not None and (key is None or waiting.key == key) else None

    def remember(self, key: str, record: R) -> R:
        """Remember ``record`` as the version edits are based on, unless a refused edit on it waits."""
        seen = st.session_state.setdefault(self.key("seen"), {})
        if (workspace(), key) not in seen or self.pending(key) is None:
            seen[(workspace(), key)] = record
        return record

    def shown(self, key: str) -> R:
        """The latest version, remembered as the one edits are based on; held while a stale save waits."""
        seen = st.session_state.setdefault(self.key("seen"), {})
        if (workspace(), key) in seen and self.pending(key) is not None:
            held: R = seen[(workspace(), key)]
            return held
        return self.remember(key, self.load(key))

    def seen(self, key: str) -> R:
        """The version this session last showed (loaded now if it showed none yet)."""
        seen = st.session_state.setdefault(self.key("seen"), {})
        if (workspace(), key) not in seen:
            seen[(workspace(), key)] = self.load(key)
        record: R = seen[(workspace(), key)]
        return record

    # --- saving ----------------------------------------------------------------------------------

    def commit(self, key: str, edit: E) -> bool:
        """Save ``edit`` against the version this session saw; a stale save is kept for a decision."""
        who = author()
        if not who:
            st.session_state[self.key("problems")] = (NO_AUTHOR, [])
            return False
        try:
            version = self.save(key, self.seen(key), edit, who)
        except StaleWrite as refusal:
            st.session_state[self.key("pending")] = Pending(key, edit, refusal)
            return False
        except JourneysError as error:
            st.session_state[self.key("problems")] = (f"Not saved: {error.message}", self.problems(error))
            return False
        st.session_state.get(self.key("seen"), {}).pop((workspace(), key), None)
        st.session_state[self.key("saved")] = (self.saved(key, version, edit) if self.saved else
                                               f"Saved {self.noun(key)} version {version}: {self.words(edit)}")
        return True

    def apply_on_top(self) -> None:
        """Apply the refused edit to the newest version (it may be refused again if someone saved since)."""
        waiting = st.session_state.pop(self.key("pending"), None)
        if waiting is None:
            return
        try:
            latest = self.load(waiting.key)
        except JourneysError as error:
            st.session_state[self.key("problems")] = (f"Not saved: {error.message}", self.problems(error))
            return
        st.session_state.setdefault(self.key("seen"), {})[(workspace(), waiting.key)] = latest
        self.commit(waiting.key, waiting.edit)

    def reload(self) -> None:
        """Drop the refused edit; the page shows the newest version again."""
        waiting = st.session_state.pop(self.key("pending"), None)
        if waiting is not None:
            st.session_state.get(self.key("seen"), {}).pop((workspace(), waiting.key), None)

    # --- drawing ---------------------------------------------------------------------------------

    def show_status(self, key: str | None = None) -> None:
        """The last save's outcome, once: a toast, its problems, or the refusal with its two choices."""
        show_outcome(self.key("saved"), self.key("problems"))
        waiting = self.pending(key)
        if waiting is None:
            return
        r = waiting.refusal
        with st.container(border=True):
            st.warning(f"**Not saved: {plain(r.saved_by)} saved version {r.current:d} of "
                       f"{plain(self.noun(waiting.key))} at {plain(r.saved_at)}** while you were looking at "
                       f"version {r.expected:d}. Your change — "
                       f"*{plain(self.words(waiting.edit))}* — is kept until you choose."
                       + (f" {plain(self.note)}" if self.note else ""), icon=":material/front_hand:")
            left, right = st.columns(2)
            left.button(f"Reload version {r.current:d} and drop my change", key=self.key("reload"), type="primary",
                        on_click=self.reload, width="stretch")
            right.button("Apply my change on top of the newer version", key=self.key("apply"),
                         on_click=self.apply_on_top, width="stretch")
