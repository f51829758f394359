"""Find tickets: "tickets like this one" and free-text search by meaning, in a dataset or one part of it.

The Friction and Topics drill-downs call these (and a notebook can): the result is a table of
ticket_id, subject (the text topics read: the subject, and the start of a description where the
export has one), score (cosine similarity, 1 = same meaning), method (which of the two methods
found the row: meaning, or character n-grams for a language the model does not know) and topic
(the ticket's topic id in the dataset's current topic set; empty before discovery).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from journeys.errors import NotFound
from journeys.topics import similar
from journeys.topics.storage import read_assignments
from journeys.usecases.measure import mapped, pick_dataset

if TYPE_CHECKING:
    from journeys.tickets.datasets import DatasetVersion
    from journeys.workspace import Workspace

LIMIT = 20
_TOPICS: dict[tuple[str, int, str], np.ndarray] = {}  # per topic assignment file, each ticket's topic id


def search_tickets(ws: Workspace, dataset: str | None, query: str, limit: int = LIMIT, topic: str | None = None,
                   step: tuple[str, str] | None = None) -> pd.DataFrame:
    """The ``limit`` tickets closest in meaning to ``query``; only a topic's (its id) or a journey step's
    (``(journey, step id)``) tickets when given."""
    version = pick_dataset(ws, dataset)
    index = similar.index_of(version)
    topics = _topics(ws, version, index)
    return similar.top(index, similar.text_scores(index, query.strip()), _candidates(ws, version, index, topics,
                                                                                     topic, step), limit, topics)


def similar_tickets(ws: Workspace, dataset: str | None, ticket_id: str, limit: int = LIMIT,
                    topic: str | None = None, step: tuple[str, str] | None = None) -> pd.DataFrame:
    """The ``limit`` tickets most like ticket ``ticket_id`` (itself left out); NotFound for an unknown id."""
    version = pick_dataset(ws, dataset)
    index = similar.index_of(version)
    position = int(index.positions([ticket_id])[0])
    if position < 0:
        raise NotFound(f"Dataset '{version.name}' v{version.version} has no ticket '{ticket_id}'.")
    topics = _topics(ws, version, index)
    candidates = _candidates(ws, version, index, topics, topic, step)
    candidates = np.arange(len(index.ids)) if candidates is None else candidates
    candidates = candidates[candidates != position]
    return similar.top(index, similar.vector_scores(index, int(index.inverse[position])), candidates, limit, topics)


def _topics(ws: Workspace, version: DatasetVersion, index: similar.TicketIndex) -> np.ndarray | None:
    """Each ticket's topic id in the dataset's current topic set, when it was made from this version."""
    stored = ws.topics.get(version.name)
    if stored is None or stored.topics.dataset_version != version.version:
        return None
    key = (str(version.path), version.version, stored.topics.assignments)
    if key not in _TOPICS:
        frame = read_assignments(version, stored.topics)
        per_ticket = np.full(len(index.ids), None, dtype=object)
        where = index.positions(frame["ticket_id"].astype(str).tolist())
        per_ticket[where[where >= 0]] = frame["topic"].to_numpy(dtype=object)[where >= 0]
        _TOPICS.clear()  # one topic set's assignment in memory at a time
        _TOPICS[key] = per_ticket
    return _TOPICS[key]


def _candidates(ws: Workspace, version: DatasetVersion, index: similar.TicketIndex, topics: np.ndarray | None,
                topic: str | None, step: tuple[str, str] | None) -> np.ndarray | None:
    """Ticket numbers the search is limited to (None: every ticket)."""
    rows: np.ndarray | None = None
    if topic is not None:
        if topics is None:
            raise NotFound(f"Dataset '{version.name}' has no topics for v{version.version}: discover them first.")
        rows = np.flatnonzero(topics == str(topic))
    if step is not None:
        journey, step_id = step
        table = mapped(ws, version, journey).table
        ids = table.filter(table.journey_step == step_id).select("ticket_id").execute()["ticket_id"]
        on_step = index.positions(ids.astype(str).tolist())
        on_step = np.unique(on_step[on_step >= 0])
        rows = on_step if rows is None else np.intersect1d(rows, on_step)
    return rows
