"""Changes to an experiment from the Experiments and Review pages: intents saved against the version shown.

A change (:class:`Action`: start, analyse, decide, log, edit) is kept as an intent and done through the
use cases of :mod:`journeys.usecases.improve` — the same functions the command line calls — by the one
stale-safe edit flow (:class:`ui.stale_safe.StaleSafe`): when a colleague saved in the meantime the store
refuses it, the page shows their version, says who saved and when, and offers to drop the change or to
apply the same intent on top of their version — never a silent overwrite.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from journeys.errors import JourneysError
from journeys.experiments import StoredExperiment
from journeys.usecases import improve
from ui import session
from ui.frame import ws
from ui.stale_safe import NO_AUTHOR, StaleSafe

PENDING = "ex_pending"  # the Action refused as stale
PROBLEMS = "ex_problems"  # (headline, [reasons]) from the last attempted change
SAVED = "ex_saved"  # toast text after a change
DONE = "ex_done"  # what the last change did, in words (for the toast)
NEED_NAME = NO_AUTHOR
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


def _perform(key: str, action: Action, version: int, who: str) -> tuple[int, str]:
    """Do ``action`` on ``key`` at ``version`` through the use case: (new version, what happened in words)."""
    if action.kind == "start":
        started = improve.start(ws(), key, who, expected_version=version)
        told = f"; {', '.join(started.pain_points)} now “in experiment”" if started.pain_points else ""
        return started.version, f"Started {key} (version {started.version}){told}"
    if action.kind == "analyse":
        recorded = improve.analyse(ws(), key, who, dataset=action.dataset, expected_version=version)
        return recorded.version, f"{key}: {recorded.what}"
    if action.kind == "decide":
        decided = improve.decide(ws(), key, action.outcome, action.why, who, expected_version=version, by=action.by)
        told = f"; {', '.join(decided.pain_points)} updated" if decided.pain_points else ""
        return decided.version, f"Decided {key}: {action.outcome}{told}"
    if action.kind == "log":
        new = improve.log_told(ws(), key, action.entry, who, expected_version=version)
        return new, f"Logged on {key} (version {new}): told {action.entry['audience']} via {action.entry['channel']}"
    if action.kind == "edit":
        new = improve.edit(ws(), key, dict(action.fields), who, expected_version=version, message=action.words)
        return new, f"Saved {key} version {new}: {action.words}"
    raise ValueError(f"unknown action {action.kind!r}")


def _save(key: str, seen: StoredExperiment, action: Action, who: str) -> int:
    version, words = _perform(key, action, seen.version, who)
    st.session_state[DONE] = words
    return version


def problem_words(error: JourneysError) -> list[str]:
    """The model's problems with the pages' field names."""
    return session.problem_words(error, FIELD_WORDS)


CHANGES: StaleSafe[StoredExperiment, Action] = StaleSafe(
    "ex", load=lambda key: ws().experiments.load(key), save=_save, noun=lambda key: key,
    words=lambda action: action.words, saved=lambda key, _version, _action: st.session_state.pop(DONE, key),
    problems=problem_words, note="The page now shows their version.",
    keys={"pending": PENDING, "saved": SAVED, "problems": PROBLEMS, "reload": "ex_drop", "apply": "ex_apply_on_top"})


def shown(stored: StoredExperiment) -> StoredExperiment:
    """Remember the version the page draws: changes made from it are saved against it."""
    return CHANGES.remember(stored.key, stored)


def commit(key: str, action: Action) -> bool:
    """Do an action against the version the page showed; a stale refusal waits for the person's choice."""
    return CHANGES.commit(key, action)


def show_status() -> None:
    """The last change's outcome: a toast, the problems, or a stale refusal with the choices."""
    CHANGES.show_status()
