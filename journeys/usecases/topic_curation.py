"""Curating a dataset's topics: rename, merge, split, move tickets, pin — each saved as the next version.

The Topics page, ``journeys topics …`` and a notebook call these. Each loads the dataset's current
topic set, applies one change (:mod:`journeys.topics.curation`), writes the new assignment and
centres beside the dataset (named by content: an unchanged assignment reuses its file) and saves
the next version of the topic set on top of ``expected_version`` — a stale copy is refused
(:class:`~journeys.errors.StaleWrite`) before anything is computed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from journeys.errors import StaleWrite
from journeys.members import Role
from journeys.store.records import readable_time
from journeys.topics import curation, embedding
from journeys.topics.finding import ticket_texts
from journeys.topics.languages import EMBEDDING_METHOD
from journeys.topics.storage import (
    ASSIGNMENT_COLUMNS,
    StoredTopicSet,
    read_assignments,
    read_centroids,
    write_assignments,
    write_centroids,
)
from journeys.usecases.topics import dataset_of, topics_of

if TYPE_CHECKING:
    from journeys.tickets.datasets import DatasetVersion
    from journeys.topics.topic_set import TopicSet
    from journeys.workspace import Workspace

SPLIT_SAMPLE = 2_000  # distinct texts per subtopic read to place a split's new topic (its most common ones)

Change = Callable[["TopicSet", pd.DataFrame, dict[str, np.ndarray]], curation.Curated]


def rename_topic(ws: Workspace, dataset: str | None, topic_id: str, label: str, *, author: str,
                 expected_version: int) -> StoredTopicSet:
    """Give topic ``topic_id`` a person's name (kept by later discoveries)."""
    return _apply(ws, dataset, author, expected_version,
                  lambda ts, frame, centres: curation.rename(ts, frame, centres, topic_id, label), tickets=False)


def merge_topics(ws: Workspace, dataset: str | None, topic_ids: Sequence[str], *, author: str,
                 expected_version: int, label: str | None = None) -> StoredTopicSet:
    """Merge the topics into the first of them (optionally naming the result)."""
    return _apply(ws, dataset, author, expected_version,
                  lambda ts, frame, centres: curation.merge(ts, frame, centres, topic_ids, label))


def split_topic(ws: Workspace, dataset: str | None, topic_id: str, *, author: str,
                expected_version: int) -> StoredTopicSet:
    """Make each subtopic of ``topic_id`` a topic of its own, placed by the meaning of its tickets."""

    def change(ts: TopicSet, frame: pd.DataFrame, centres: dict[str, np.ndarray]) -> curation.Curated:
        topic = curation.known(ts, topic_id)
        parts = _split_parts(dataset_of(ws, stored), frame, topic.id, topic.method == EMBEDDING_METHOD) \
            if len(topic.subtopics) >= 2 else {}
        return curation.split(ts, frame, centres, topic.id, parts)

    stored = _current(ws, dataset, expected_version)
    return _save(ws, stored, author, expected_version, change)


def move_tickets(ws: Workspace, dataset: str | None, ticket_ids: Sequence[str], topic_id: str | None, *,
                 author: str, expected_version: int) -> StoredTopicSet:
    """Put tickets into topic ``topic_id`` (``None``: into no topic)."""
    return _apply(ws, dataset, author, expected_version,
                  lambda ts, frame, centres: curation.move(ts, frame, centres, ticket_ids, topic_id))


def pin_topic(ws: Workspace, dataset: str | None, topic_id: str, pinned: bool, *, author: str,
              expected_version: int) -> StoredTopicSet:
    """Pin a topic (on top, and kept by later discoveries) or unpin it."""
    return _apply(ws, dataset, author, expected_version,
                  lambda ts, frame, centres: curation.pin(ts, frame, centres, topic_id, pinned), tickets=False)


def _apply(ws: Workspace, dataset: str | None, author: str, expected_version: int, change: Change, *,
           tickets: bool = True) -> StoredTopicSet:
    ws.require(Role.editor, "curating topics")  # before a new assignment file is written
    return _save(ws, _current(ws, dataset, expected_version), author, expected_version, change, tickets=tickets)


def _current(ws: Workspace, dataset: str | None, expected_version: int) -> StoredTopicSet:
    """The current topic set; StaleWrite first when the caller's copy is not it (whatever else is wrong)."""
    stored = topics_of(ws, dataset)
    if stored.version != expected_version:
        raise StaleWrite(f"Topics of {stored.key}", expected_version, stored.version, stored.updated_by,
                         readable_time(stored.updated_at))
    return stored


def _save(ws: Workspace, stored: StoredTopicSet, author: str, expected_version: int, change: Change, *,
          tickets: bool = True) -> StoredTopicSet:
    """Apply ``change`` and save; files a change hands back unchanged (the same object) are not read or
    written again (``tickets=False``: the change never looks at them, as a rename does)."""
    version = dataset_of(ws, stored)
    frame = read_assignments(version, stored.topics) if tickets else pd.DataFrame(columns=list(ASSIGNMENT_COLUMNS))
    centres = read_centroids(version, stored.topics) if tickets else {}
    curated = change(stored.topics, frame, centres)
    names = {"assignments": stored.topics.assignments, "centroids": stored.topics.centroids}
    if curated.assignments is not frame:
        names["assignments"] = write_assignments(version, curated.assignments)
    if curated.centres is not centres:
        ids = [t.id for t in curated.topics.topics if t.id in curated.centres]
        matrix = np.stack([curated.centres[i] for i in ids]).astype(np.float32) if ids else \
            np.zeros((0, embedding.DIMENSIONS), dtype=np.float32)
        names["centroids"] = write_centroids(version, ids, matrix)
    ws.topics.write(stored.key, curated.topics.model_copy(update=names), author, expected_version, curated.message)
    return ws.topics.load(stored.key)


def _split_parts(version: DatasetVersion, frame: pd.DataFrame, topic_id: str,
                 by_meaning: bool) -> dict[str, curation.NewPart]:
    """Each subtopic's centre (mean embedding of its most common texts; None for topics the embedding model
    did not make) and the ticket nearest it, as the new topic's example."""
    ids, texts = ticket_texts(version)
    tickets = pd.DataFrame({"ticket_id": ids, "text": texts}).merge(
        frame.loc[frame["topic"] == topic_id, ["ticket_id", "subtopic"]], on="ticket_id")
    parts: dict[str, curation.NewPart] = {}
    for sub, group in tickets.dropna(subset=["subtopic"]).groupby("subtopic", sort=False):
        counts = group["text"].value_counts().head(SPLIT_SAMPLE)
        first = group.drop_duplicates("text").set_index("text")["ticket_id"]
        if not by_meaning:
            parts[str(sub)] = curation.NewPart(None, str(first[counts.index[0]]), str(counts.index[0]))
            continue
        vectors = embedding.embed(counts.index.tolist())
        centre = embedding.unit((vectors * counts.to_numpy()[:, None]).sum(axis=0, keepdims=True))[0]
        best = counts.index[int(np.argmax(vectors @ centre))]
        parts[str(sub)] = curation.NewPart(centre, str(first[best]), str(best))
    return parts
