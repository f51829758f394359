"""Ticket search: results are the closest tickets by cosine (checked against vectors computed here), limited to a
topic when asked, tickets like one leave it out, other languages are found by n-grams and say so, and a search
reads discovery's embedding cache instead of embedding the dataset again."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import journeys
from journeys.errors import NotFound
from journeys.topics import embedding
from journeys.topics.finding import EMBEDDINGS_FOLDER, without_identifiers
from journeys.topics.languages import EMBEDDING_METHOD, NGRAM_METHOD
from journeys.topics.similar import RESULT_COLUMNS
from journeys.usecases.ticket_search import search_tickets, similar_tickets
from journeys.usecases.topics import assignments, discover_topics
from tests.topics.test_languages import PHRASES
from tests.topics.themes import commit, planted


def cache_files(version_path: Path) -> list[Path]:
    return sorted((version_path.parent / EMBEDDINGS_FOLDER).glob("*.npy"))


@pytest.fixture(scope="module")
def searched(tmp_path_factory):
    """A planted dataset searched once before discovery (which builds the cache), then discovered."""
    home = tmp_path_factory.mktemp("search")
    table, truth = planted(2_000, seed=3)
    version = commit(home, "tickets", table)
    with journeys.open_workspace(home) as ws:
        before = search_tickets(ws, "tickets", "refund my money")
        files_before = cache_files(version.path)
        stored = discover_topics(ws, "tickets", author="Ana")
        frame = assignments(ws, stored)
    return home, version, table, truth, before, files_before, frame


def by_hand(table, query: str) -> pd.Series:
    """Every ticket's cosine similarity to ``query``, embedding each ticket's text here."""
    subjects = table.column("subject").to_pylist()
    vectors = embedding.embed([without_identifiers(s) for s in subjects])
    scores = vectors @ embedding.embed([query])[0]
    return pd.Series(scores, index=table.column("ticket_id").to_pylist())


def test_search_returns_the_closest_tickets(searched):
    _, _, table, truth, before, _, _ = searched
    expected = by_hand(table, "refund my money")
    assert list(before.columns) == list(RESULT_COLUMNS) and len(before) == 20
    assert before["score"].is_monotonic_decreasing
    np.testing.assert_allclose(before["score"], expected[before["ticket_id"]].to_numpy(), atol=2e-3)  # fp16 cache
    assert before["score"].min() >= expected.nlargest(20).min() - 2e-3  # no closer ticket was left out
    theme = dict(zip(table.column("ticket_id").to_pylist(), truth, strict=True))
    assert all(theme[t] == "refund" for t in before["ticket_id"])
    assert set(before["method"]) == {EMBEDDING_METHOD}
    assert before["topic"].isna().all()  # searched before any topics were discovered


def test_discovery_reuses_the_cache_a_search_built(searched):
    home, version, _, _, _, files_before, _ = searched
    assert len(files_before) == 1
    assert cache_files(version.path) == files_before
    with journeys.open_workspace(home) as ws:
        search_tickets(ws, "tickets", "parcel lost")
    assert cache_files(version.path) == files_before


def test_search_within_a_topic(searched):
    home, _, table, _, _, _, frame = searched
    topic = frame["topic"].value_counts().index[1]
    with journeys.open_workspace(home) as ws:
        found = search_tickets(ws, "tickets", "my app stopped working", limit=15, topic=topic)
        with pytest.raises(NotFound):
            similar_tickets(ws, "tickets", "no-such-ticket")
    members = frame.loc[frame["topic"] == topic, "ticket_id"]
    expected = by_hand(table, "my app stopped working")[members]
    assert set(found["topic"]) == {topic} and len(found) == min(15, len(members))
    assert found["score"].min() >= expected.nlargest(len(found)).min() - 2e-3


def test_tickets_like_this_one(searched):
    home, _, table, truth, _, _, frame = searched
    ids = table.column("ticket_id").to_pylist()
    chosen = ids[truth.index("delivery")]
    with journeys.open_workspace(home) as ws:
        found = similar_tickets(ws, "tickets", chosen, limit=10)
    assert chosen not in set(found["ticket_id"]) and len(found) == 10
    theme = dict(zip(ids, truth, strict=True))
    assert sum(theme[t] == "delivery" for t in found["ticket_id"]) >= 9
    topics = dict(zip(frame["ticket_id"], frame["topic"], strict=True))
    assert list(found["topic"]) == [topics[t] for t in found["ticket_id"]]


def test_other_languages_are_searched_by_ngrams(tmp_path):
    themes = {"en:refund": PHRASES["en"]["refund"], "de:refund": PHRASES["de"]["refund"],
              "de:delivery": PHRASES["de"]["delivery"], "ru:password": PHRASES["ru"]["password"]}
    table, truth = planted(600, seed=5, themes=themes)
    commit(tmp_path, "world", table)
    with journeys.open_workspace(tmp_path) as ws:
        found = search_tickets(ws, "world", "Wo ist mein Paket", limit=10)
        russian = similar_tickets(ws, "world", table.column("ticket_id")[truth.index("ru:password")].as_py(), limit=5)
    theme = dict(zip(table.column("ticket_id").to_pylist(), truth, strict=True))
    assert [theme[t] for t in found["ticket_id"]] == ["de:delivery"] * 10
    assert set(found["method"]) == {NGRAM_METHOD}
    assert {theme[t] for t in russian["ticket_id"]} == {"ru:password"} and set(russian["method"]) == {NGRAM_METHOD}
