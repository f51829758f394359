"""Curating topics on the page: rename, merge, split, pin, move tickets — each saved stale-safe.

Every change is saved against the topic-set version the page showed (:mod:`ui.stale_safe`): when a
colleague saved in between, the change is refused with who and when, kept, and can be applied on
top of the newer version or dropped. The changes themselves are the use cases of
:mod:`journeys.usecases.topic_curation`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from journeys.topics.storage import StoredTopicSet
from journeys.usecases import topic_curation
from journeys.workspace import Workspace
from ui.frame import ws
from ui.stale_safe import StaleSafe
from ui.text import plain

NO_TOPIC = "(no topic)"


@dataclass(frozen=True)
class Rename:
    topic: str
    label: str

    @property
    def message(self) -> str:
        return f"rename {self.topic} to '{self.label}'"

    def run(self, w: Workspace, dataset: str, who: str, version: int) -> StoredTopicSet:
        return topic_curation.rename_topic(w, dataset, self.topic, self.label, author=who, expected_version=version)


@dataclass(frozen=True)
class Merge:
    topics: tuple[str, ...]
    label: str | None = None

    @property
    def message(self) -> str:
        return f"merge {', '.join(self.topics[1:])} into {self.topics[0]}"

    def run(self, w: Workspace, dataset: str, who: str, version: int) -> StoredTopicSet:
        return topic_curation.merge_topics(w, dataset, list(self.topics), author=who, expected_version=version,
                                           label=self.label)


@dataclass(frozen=True)
class Split:
    topic: str

    @property
    def message(self) -> str:
        return f"split {self.topic} by its subtopics"

    def run(self, w: Workspace, dataset: str, who: str, version: int) -> StoredTopicSet:
        return topic_curation.split_topic(w, dataset, self.topic, author=who, expected_version=version)


@dataclass(frozen=True)
class Pin:
    topic: str
    pinned: bool

    @property
    def message(self) -> str:
        return f"{'pin' if self.pinned else 'unpin'} {self.topic}"

    def run(self, w: Workspace, dataset: str, who: str, version: int) -> StoredTopicSet:
        return topic_curation.pin_topic(w, dataset, self.topic, self.pinned, author=who, expected_version=version)


@dataclass(frozen=True)
class Move:
    tickets: tuple[str, ...]
    topic: str | None

    @property
    def message(self) -> str:
        return f"move {len(self.tickets)} ticket(s) to {self.topic or 'no topic'}"

    def run(self, w: Workspace, dataset: str, who: str, version: int) -> StoredTopicSet:
        return topic_curation.move_tickets(w, dataset, list(self.tickets), self.topic, author=who,
                                           expected_version=version)


Edit = Rename | Merge | Split | Pin | Move

TOPICS: StaleSafe[StoredTopicSet, Edit] = StaleSafe(
    "topics_edit",
    load=lambda key: ws().topics.load(key),
    save=lambda key, seen, edit, who: edit.run(ws(), key, who, seen.version).version,
    noun=lambda key: f"the topics of {key}",
    note="The page still shows the version you were looking at.",
)


def _save(dataset: str, edit: Edit) -> None:
    TOPICS.commit(dataset, edit)


def _rename(dataset: str, topic: str) -> None:
    label = str(st.session_state.get(f"topics_rename_{topic}") or "").strip()
    if not label:
        st.session_state[TOPICS.key("problems")] = ("Not saved: a topic needs a name.", [])
        return
    TOPICS.commit(dataset, Rename(topic, label))


def _merge(dataset: str, topic: str) -> None:
    others = tuple(st.session_state.get(f"topics_merge_{topic}") or ())
    if not others:
        st.session_state[TOPICS.key("problems")] = ("Not saved: pick the topics to merge into this one.", [])
        return
    label = str(st.session_state.get(f"topics_merge_label_{topic}") or "").strip() or None
    TOPICS.commit(dataset, Merge((topic, *others), label))


def _move(dataset: str, topic: str) -> None:
    tickets = tuple(st.session_state.get(f"topics_move_{topic}") or ())
    target = st.session_state.get(f"topics_move_to_{topic}")
    if not tickets:
        st.session_state[TOPICS.key("problems")] = ("Not saved: pick the tickets to move.", [])
        return
    TOPICS.commit(dataset, Move(tickets, None if target == NO_TOPIC else target))


def controls(stored: StoredTopicSet, topic_id: str, examples: pd.DataFrame, labels: dict[str, str]) -> None:
    """Rename, merge, split, pin and move — each a small form saved against the version shown."""
    topic = stored.topics.topic(topic_id)
    dataset = stored.key
    others = [t for t in labels if t != topic_id]
    name_of = {t: f"{t} · {label}" for t, label in labels.items()}
    rename, merge, move = st.columns(3)
    with rename.form(f"topics_rename_form_{topic_id}", border=True):
        st.text_input("New name", value=topic.label, key=f"topics_rename_{topic_id}", max_chars=120)
        st.form_submit_button("Rename", icon=":material/edit:", on_click=_rename, args=(dataset, topic_id))
    with merge.form(f"topics_merge_form_{topic_id}", border=True):
        st.multiselect("Merge into this topic", others, key=f"topics_merge_{topic_id}",
                       format_func=lambda t: name_of.get(t, t), placeholder="Pick topics")
        st.text_input("Name of the merged topic (optional)", key=f"topics_merge_label_{topic_id}", max_chars=120)
        st.form_submit_button("Merge", icon=":material/merge:", on_click=_merge, args=(dataset, topic_id))
    with move.form(f"topics_move_form_{topic_id}", border=True):
        subjects = dict(zip(examples["ticket_id"].astype(str), examples.get("subject", examples["ticket_id"]),
                            strict=True))
        st.multiselect("Move example tickets", list(subjects), key=f"topics_move_{topic_id}",
                       format_func=lambda t: f"{t} · {str(subjects.get(t, ''))[:60]}", placeholder="Pick tickets")
        st.selectbox("to", [NO_TOPIC, *others], key=f"topics_move_to_{topic_id}",
                     format_func=lambda t: name_of.get(t, t))
        st.form_submit_button("Move", icon=":material/move_item:", on_click=_move, args=(dataset, topic_id))
    split, pin = st.columns(2)
    split.button("Split by its subtopics", key=f"topics_split_{topic_id}", icon=":material/call_split:",
                 disabled=len(topic.subtopics) < 2, on_click=_save, args=(dataset, Split(topic_id)),
                 help="Each subtopic becomes a topic of its own." if len(topic.subtopics) >= 2 else
                 "This topic has no subtopics to split by.")
    pin.button("Unpin" if topic.pinned else "Pin", key=f"topics_pin_{topic_id}", icon=":material/push_pin:",
               on_click=_save, args=(dataset, Pin(topic_id, not topic.pinned)),
               help="A pinned topic stays on top and is kept by later discoveries even when nothing matches it.")
    st.caption(f"Each change saves version {stored.version + 1} of {plain(dataset)}'s topics.")


def status(dataset: str) -> None:
    """The last change's outcome, or a refused (stale) change with its two choices."""
    TOPICS.show_status(dataset)


def shown(dataset: str) -> StoredTopicSet:
    """The version the page draws (held while a refused change waits for a decision)."""
    return TOPICS.shown(dataset)
