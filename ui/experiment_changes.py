"""Changes to an experiment from the Experiments and Review pages: intents saved against the version shown.

A change (:class:`Action`: start, analyse, decide, log, edit) is kept as an intent and done through the
use cases of :mod:`journeys.usecases.improve` — the same functions the command line calls. When a
colleague saved in the meantime the store refuses it (:class:`~journeys.errors.StaleWrite`); the page
then shows their version, says who saved and when, and offers to drop the change or to apply the same
intent on top of their version — never a silent overwrite.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from journeys.errors import JourneysError, StaleWrite
from journeys.usecases import improve
from ui import session
from ui.frame import author, ws
from ui.text import plain

PENDING = "ex_pending"  # PendingAction refused as stale
PROBLEMS = "ex_problems"  # (headline, [reasons]) from the last attempted change
SAVED = "ex_saved"  # toast text after a change
NEED_NAME = "Tell us your name in the sidebar first: it is recorded on every save."
FIELD_WORDS = {"title": "Title", "steps": "Changed steps", "comparison_steps": "Comparison steps", "metric": "Metric",
               "smallest_effect": "Smallest change worth acting on", "guardrails": "Guardrails",
               "shipped": "Change ships", "pre_start": "Before-window starts", "post_end": "After-window ends",
               "delivery_link": "Delivery link", "hypothesis": "Hypothesis", "owner": "Owner", "variants": "Variants",
               "channel": "Channel", "message": "Message", "segment": "Segment", "evidence_link": "Evidence link",
               "why": "Why", "by": "Decided by"}


@dataclass(frozen=True)
class Action:
    """One change to an experiment, kept as intent so it can be re-applied on a newer version."""

    kind: str  # start | analyse | decide | log | edit
    words: str  # what it does, for messages ("record the decision: adopt")
    dataset: str = ""
    outcome: str = ""
    by: str = ""
    why: str = ""
    entry: dict[str, Any] = field(default_factory=dict)
    fields: tuple[tuple[str, Any], ...] = ()


@dataclass
class PendingAction:
    key: str
    action: Action
    refusal: StaleWrite


def _perform(key: str, action: Action, version: int, who: str) -> str:
    """Do ``action`` on ``key`` at ``version`` through the use case; returns what happened in words."""
    if action.kind == "start":
        started = improve.start(ws(), key, who, expected_version=version)
        told = f"; {', '.join(started.pain_points)} now “in experiment”" if started.pain_points else ""
        return f"Started {key} (version {started.version}){told}"
    if action.kind == "analyse":
        recorded = improve.analyse(ws(), key, who, dataset=action.dataset, expected_version=version)
        return f"{key}: {recorded.what}"
    if action.kind == "decide":
        decided = improve.decide(ws(), key, action.outcome, action.why, who, expected_version=version, by=action.by)
        told = f"; {', '.join(decided.pain_points)} updated" if decided.pain_points else ""
        return f"Decided {key}: {action.outcome}{told}"
    if action.kind == "log":
        new = improve.log_told(ws(), key, action.entry, who, expected_version=version)
        return f"Logged on {key} (version {new}): told {action.entry['audience']} via {action.entry['channel']}"
    if action.kind == "edit":
        new = improve.edit(ws(), key, dict(action.fields), who, expected_version=version, message=action.words)
        return f"Saved {key} version {new}: {action.words}"
    raise ValueError(f"unknown action {action.kind!r}")


def commit(key: str, action: Action, version: int) -> bool:
    """Do an action against the version the page showed; a stale refusal waits for the person's choice."""
    who = author()
    if not who:
        st.session_state[PROBLEMS] = (NEED_NAME, [])
        return False
    try:
        st.session_state[SAVED] = _perform(key, action, version, who)
    except StaleWrite as refusal:
        st.session_state[PENDING] = PendingAction(key, action, refusal)
        return False
    except JourneysError as error:  # incl. a decision or log entry out of bounds, named per field
        st.session_state[PROBLEMS] = (f"Not done ({action.words}): {error.message}", problem_words(error))
        return False
    st.session_state.pop(PENDING, None)
    return True


def problem_words(error: JourneysError) -> list[str]:
    """The model's problems with the pages' field names."""
    return session.problem_words(error, FIELD_WORDS)


def _apply_on_top() -> None:
    pending: PendingAction = st.session_state.pop(PENDING)
    try:
        current = ws().experiments.load(pending.key)
    except JourneysError:
        return
    commit(pending.key, pending.action, current.version)


def _drop_pending() -> None:
    st.session_state.pop(PENDING, None)


def show_status() -> None:
    """The last change's outcome: a toast, the problems, or a stale refusal with the choices."""
    session.show_outcome(SAVED, PROBLEMS)
    pending: PendingAction | None = st.session_state.get(PENDING)
    if pending:
        r = pending.refusal
        with st.container(border=True):
            st.warning(f"**Not saved: {plain(r.saved_by)} saved version {r.current:d} of {pending.key} at "
                       f"{plain(r.saved_at)}** while you were looking at version {r.expected:d}. Your change — "
                       f"*{plain(pending.action.words)}* "
                       "— is kept until you choose. The page now shows their version.", icon=":material/front_hand:")
            left, right = st.columns(2)
            left.button("Drop my change", key="ex_drop", on_click=_drop_pending, width="stretch")
            right.button(f"Apply my change on top of version {r.current:d}", key="ex_apply_on_top", type="primary",
                         on_click=_apply_on_top, width="stretch")
