"""Topics: discover what a dataset's tickets are about, and read the topics back with their files.

The Topics page, ``journeys topics …`` and a notebook call these. Discovery saves a new version of
the dataset's topic set (the first version, or one on top of the current: curated names, pins and
ids carry over by the topics' centres); the per-ticket assignment and centres are files beside
the dataset.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from journeys.errors import NotFound
from journeys.members import Role
from journeys.topics import clustering
from journeys.topics.finding import Progress, discover
from journeys.topics.storage import (
    StoredTopicSet,
    read_assignments,
    read_centroids,
    write_assignments,
    write_centroids,
)
from journeys.usecases.measure import pick_dataset

if TYPE_CHECKING:
    from journeys.tickets.datasets import DatasetVersion
    from journeys.workspace import Workspace


def discover_topics(ws: Workspace, dataset: str | None = None, *, author: str,
                    min_size: int = clustering.MIN_SIZE, progress: Progress | None = None) -> StoredTopicSet:
    """Find the topics of the dataset's latest version and save them as the topic set's next version."""
    ws.require(Role.editor, "discovering topics")  # before the embeddings cache is written
    version = pick_dataset(ws, dataset)
    current = ws.topics.get(version.name)
    previous = current.topics if current else None
    centres = _previous_centres(ws, current) if current else None
    found = discover(version, min_size=min_size, previous=previous, previous_centroids=centres, progress=progress)
    topic_set = found.topics.model_copy(update={
        "assignments": write_assignments(version, found.assignments),
        "centroids": write_centroids(version, [t.id for t in found.topics.topics], found.centroids)})
    message = (f"Discovered {len(topic_set.topics)} topics in v{version.version}" if current is None else
               f"Discovered again on v{version.version}: {sum(t.new for t in topic_set.topics)} new")
    ws.topics.write(version.name, topic_set, author, current.version if current else 0, message)
    return ws.topics.load(version.name)


def topics_of(ws: Workspace, dataset: str | None = None) -> StoredTopicSet:
    """The dataset's current topic set (NotFound, saying how to make one, before discovery)."""
    version = pick_dataset(ws, dataset)
    stored = ws.topics.get(version.name)
    if stored is None:
        raise NotFound(f"Dataset '{version.name}' has no topics yet: discover them first "
                       f"(journeys topics discover --dataset \"{version.name}\").")
    return stored


def dataset_of(ws: Workspace, stored: StoredTopicSet) -> DatasetVersion:
    """The dataset version a topic set was made from (its files are beside it)."""
    for version in ws.datasets.versions(stored.topics.dataset):
        if version.version == stored.topics.dataset_version:
            return version
    raise NotFound(f"Dataset '{stored.topics.dataset}' has no version {stored.topics.dataset_version} any more.")


def assignments(ws: Workspace, stored: StoredTopicSet) -> pd.DataFrame:
    """ticket_id, topic, subtopic, language for every ticket of the topic set's dataset version."""
    return read_assignments(dataset_of(ws, stored), stored.topics)


def _previous_centres(ws: Workspace, current: StoredTopicSet) -> dict[str, np.ndarray]:
    """The current topics' centres, for matching; none when their dataset version is gone (all topics new)."""
    try:
        return read_centroids(dataset_of(ws, current), current.topics)
    except NotFound:
        return {}
