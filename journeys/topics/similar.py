"""Tickets like this one, and free-text search by meaning, over a dataset version's cached embeddings.

A search reads what discovery already wrote: the distinct texts' WordLlama vectors, cached beside
the Parquet by :func:`~journeys.topics.finding.cached_vectors` (built here, once, when discovery has
not run yet). Texts in a language the model does not cover are searched by character n-grams
instead (TF-IDF fitted on those texts, the query read with the same vocabulary), and every result
says which method found it. The index of a dataset version stays in memory (a few versions), so a
second search costs one matrix-vector product and a partial sort: tens of milliseconds for a
million tickets.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from journeys.tickets.datasets import DatasetVersion
from journeys.topics import embedding, languages
from journeys.topics.finding import cached_vectors, prepared, ticket_texts, without_identifiers

RESULT_COLUMNS = ("ticket_id", "subject", "score", "method", "topic")
INDEXES_KEPT = 4  # dataset versions whose index stays in memory


@dataclass
class TicketIndex:
    """One dataset version's tickets, read for search: per distinct text its vector, language and method."""

    ids: np.ndarray  # per ticket, its id (object)
    raw: np.ndarray  # per ticket, its text as written (object), which results show
    inverse: np.ndarray  # per ticket, its distinct text
    texts: np.ndarray  # distinct texts (object), sorted as discovery sorts them
    covered: np.ndarray  # per distinct text: read by the embedding model (else by n-grams)
    vectors: np.ndarray  # one unit vector per covered distinct text, in order
    langs: np.ndarray  # per distinct text, its language
    _position: pd.Index | None = field(default=None, repr=False)
    _ngrams: tuple[Any, Any] | None = field(default=None, repr=False)

    def positions(self, ticket_ids: Sequence[str]) -> np.ndarray:
        """Each id's ticket number (-1 for an id not in the dataset)."""
        if self._position is None:
            self._position = pd.Index(self.ids)
        return np.asarray(self._position.get_indexer(pd.Index([str(t) for t in ticket_ids], dtype=object)))

    def ngrams(self) -> tuple[Any, Any]:
        """The n-gram vectorizer fitted on the uncovered texts, and their TF-IDF rows (built on first use)."""
        if self._ngrams is None:
            from sklearn.feature_extraction.text import TfidfVectorizer

            rows = self.texts[~self.covered].tolist()
            vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True,
                                         max_features=200_000)
            self._ngrams = (vectorizer, vectorizer.fit_transform(rows) if rows else None)
        return self._ngrams


def build_index(dataset: DatasetVersion) -> TicketIndex:
    """Read the version's texts the way discovery does (so its embedding cache is found, not rebuilt)."""
    prep = prepared(dataset)  # discovery's distinct texts and languages, cached per version
    ticket_ids, raw = ticket_texts(dataset)
    covered = languages.embedding_covers(prep.langs, prep.scores)
    vectors = cached_vectors(dataset, prep.texts[covered].tolist())
    return TicketIndex(np.asarray(ticket_ids, dtype=object), np.asarray(raw, dtype=object), prep.inverse,
                       prep.texts, covered, np.ascontiguousarray(vectors, dtype=np.float32), prep.langs)


_INDEXES: OrderedDict[tuple[str, int, int], TicketIndex] = OrderedDict()
_LOCK = threading.Lock()


def index_of(dataset: DatasetVersion) -> TicketIndex:
    """The version's search index, kept in memory (the last few versions) for the next search."""
    key = (str(dataset.path), dataset.version, dataset.rows)
    with _LOCK:
        if key in _INDEXES:
            _INDEXES.move_to_end(key)
            return _INDEXES[key]
    index = build_index(dataset)
    with _LOCK:
        _INDEXES[key] = index
        while len(_INDEXES) > INDEXES_KEPT:
            _INDEXES.popitem(last=False)
    return index


def text_scores(index: TicketIndex, query: str) -> np.ndarray:
    """Cosine similarity of ``query`` to every distinct text, each by its own method."""
    scores = np.zeros(len(index.texts), dtype=np.float32)
    if index.covered.any():
        vector = embedding.embed([without_identifiers(query)])[0]
        scores[index.covered] = index.vectors @ vector
    if (~index.covered).any():
        vectorizer, matrix = index.ngrams()
        query_row = vectorizer.transform([without_identifiers(query)])
        scores[~index.covered] = np.asarray((matrix @ query_row.T).todense()).reshape(-1)
    return scores


def vector_scores(index: TicketIndex, text: int) -> np.ndarray:
    """Similarity of distinct text ``text`` to every distinct text read by the same method."""
    if not index.covered[text]:
        return text_scores(index, str(index.texts[text]))
    scores = np.zeros(len(index.texts), dtype=np.float32)
    own = index.vectors[int(np.count_nonzero(index.covered[:text]))]
    scores[index.covered] = index.vectors @ own
    return scores


def top(index: TicketIndex, scores: np.ndarray, candidates: np.ndarray | None, limit: int,
        topics: np.ndarray | None = None) -> pd.DataFrame:
    """The ``limit`` best tickets among ``candidates`` (ticket numbers; None: all) by their text's score."""
    rows = np.arange(len(index.ids)) if candidates is None else np.asarray(candidates, dtype=np.int64)
    per_ticket = scores[index.inverse[rows]]
    if limit < len(rows):
        keep = np.argpartition(-per_ticket, limit - 1)[:limit]
        rows, per_ticket = rows[keep], per_ticket[keep]
    order = np.lexsort((rows, -per_ticket))  # best first; ties in ticket order, so results are repeatable
    rows, per_ticket = rows[order], per_ticket[order]
    texts = index.inverse[rows]
    return pd.DataFrame({
        "ticket_id": index.ids[rows].astype(str),
        "subject": index.raw[rows].astype(str),
        "score": per_ticket.astype(float).round(4),
        "method": np.where(index.covered[texts], languages.EMBEDDING_METHOD, languages.NGRAM_METHOD),
        "topic": topics[rows] if topics is not None else np.full(len(rows), None, dtype=object),
    }, columns=list(RESULT_COLUMNS))
