"""Where topics live: a versioned document per dataset, and files beside the dataset's Parquet.

The document (:class:`~journeys.topics.topic_set.TopicSet`, kind ``topics``, keyed by the dataset's
name) is versioned like every other record: each discovery and each curation is a revision, a
stale edit is refused, an old version can be restored. The per-ticket assignment (Parquet) and
the topics' centres (``.npy``) are written once under the dataset's ``topics/`` folder, named by
their content, and never changed: a document version names the files it was made with.
"""

from __future__ import annotations

import hashlib
import io
import os
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import BaseModel, ConfigDict

from journeys.store.documents import Document
from journeys.store.typed_documents import DocumentRepository
from journeys.tickets.datasets import DatasetVersion
from journeys.topics.topic_set import KIND, TopicSet, parse_topic_set

FOLDER = "topics"  # beside a dataset's versions
ASSIGNMENT_COLUMNS = ("ticket_id", "topic", "subtopic", "language")
ASSIGNMENT_SCHEMA = pa.schema([pa.field(c, pa.string()) for c in ASSIGNMENT_COLUMNS])


class StoredTopicSet(BaseModel):
    """A topic set as read back: with its dataset name (the key), version and who saved it."""

    model_config = ConfigDict(frozen=True)

    key: str
    version: int
    topics: TopicSet
    updated_by: str
    updated_at: Any


class Topics(DocumentRepository[TopicSet, StoredTopicSet]):
    """The topic sets of a workspace's datasets (one versioned document per dataset)."""

    kind, prefix, noun, created = KIND, "topics", "Topics of", "Discovered"

    def parse(self, body: Any) -> TopicSet:
        return parse_topic_set(body)

    def stored(self, document: Document) -> StoredTopicSet:
        return StoredTopicSet(key=document.key, version=document.version, topics=parse_topic_set(document.body),
                              updated_by=document.author, updated_at=document.created_at)

    def get(self, workspace: str, dataset: str) -> StoredTopicSet | None:
        """The dataset's latest topic set, or None before topics were discovered."""
        document = self._docs.get(workspace, self.kind, dataset)
        return None if document is None else self.stored(document)


def folder(dataset: DatasetVersion) -> Path:
    return Path(dataset.path).parent / FOLDER


def _write_once(path_for: Any, data: bytes) -> str:
    """Write ``data`` under a name derived from its content (atomically; kept if already there)."""
    name = path_for(hashlib.sha1(data).hexdigest()[:16])
    path = Path(name)
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}-{uuid.uuid4().hex}.tmp")
        try:
            tmp.write_bytes(data)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    return path.name


def write_assignments(dataset: DatasetVersion, frame: pd.DataFrame) -> str:
    """Store which ticket is in which topic and subtopic; returns the file's name."""
    table = pa.Table.from_pandas(frame.loc[:, list(ASSIGNMENT_COLUMNS)].astype(object), schema=ASSIGNMENT_SCHEMA,
                                 preserve_index=False)
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return _write_once(lambda digest: folder(dataset) / f"v{dataset.version}-assign-{digest}.parquet",
                       buffer.getvalue())


def write_centroids(dataset: DatasetVersion, ids: list[str], centroids: np.ndarray) -> str:
    """Store the topics' centres (rows in the order of ``ids``); returns the file's name."""
    buffer = io.BytesIO()
    np.savez(buffer, ids=np.asarray(ids, dtype=str), centroids=centroids.astype(np.float32))
    return _write_once(lambda digest: folder(dataset) / f"v{dataset.version}-centres-{digest}.npz",
                       buffer.getvalue())


def assignment_path(dataset: DatasetVersion, topic_set: TopicSet) -> Path:
    return folder(dataset) / topic_set.assignments


def read_assignments(dataset: DatasetVersion, topic_set: TopicSet) -> pd.DataFrame:
    """ticket_id, topic, subtopic, language for every ticket of the dataset version (topic None: unassigned)."""
    return pq.read_table(assignment_path(dataset, topic_set)).to_pandas()


def read_centroids(dataset: DatasetVersion, topic_set: TopicSet) -> dict[str, np.ndarray]:
    """Each topic's centre by id (the topics the file was written for)."""
    with np.load(folder(dataset) / topic_set.centroids) as data:
        return {str(i): c for i, c in zip(data["ids"], data["centroids"], strict=True)}
