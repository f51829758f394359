"""Topic discovery end to end on generated tickets with planted themes: the themes come back as topics,
labelled by their words; every ticket is accounted for; a new dataset version keeps the topics' ids."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_mutual_info_score

import journeys
from journeys.topics import clustering
from journeys.topics.languages import EMBEDDING_METHOD
from journeys.usecases.topics import assignments, discover_topics, topics_of
from tests.topics.themes import THEMES, commit, planted, purity


@pytest.fixture(scope="module")
def discovered(tmp_path_factory):
    home = tmp_path_factory.mktemp("topics")
    table, truth = planted(3_000, seed=1)
    commit(home, "tickets", table)
    with journeys.open_workspace(home) as ws:
        stored = discover_topics(ws, "tickets", author="Ana")
        frame = assignments(ws, stored)
    return home, stored, frame, truth, table


def test_planted_themes_come_back_as_topics(discovered):
    _, stored, frame, truth, _ = discovered
    found = [t if isinstance(t, str) else None for t in frame["topic"]]
    assert purity(found, truth) >= 0.93  # a topic holds one theme ("Update my delivery address" may sit
    # with delivery); a theme may be split by phrasing (a static model reads "parcel" and "package" apart),
    # so agreement is judged by AMI over all tickets, unassigned counted as one label of their own
    assert adjusted_mutual_info_score(truth, [f or "-" for f in found]) >= 0.7
    assert 5 <= len(stored.topics.topics) <= 40


def test_every_ticket_is_accounted_for(discovered):
    _, stored, frame, truth, table = discovered
    topic_set = stored.topics
    assert list(frame["ticket_id"]) == table.column("ticket_id").to_pylist()
    sizes = frame["topic"].value_counts()
    assert {t.id: t.size for t in topic_set.topics} == sizes.to_dict()
    assert topic_set.unassigned == int(frame["topic"].isna().sum())
    assert topic_set.tickets == len(truth) == sum(t.size for t in topic_set.topics) + topic_set.unassigned
    for t in topic_set.topics:  # subtopics partition their topic
        assert sum(s.size for s in t.subtopics) == t.size
        assert all(s.id.startswith(f"{t.id}.") for s in t.subtopics)
        assert t.method == EMBEDDING_METHOD and t.language == "en"


def test_labels_use_the_themes_words(discovered):
    _, stored, frame, truth, _ = discovered
    expected = {"password": "password", "refund": "refund", "delivery": "deliver", "crash": "crash",
                "address": "address"}
    biggest = {}
    for theme, word in expected.items():
        mine = pd.Series([f for f, t in zip(frame["topic"], truth, strict=True) if t == theme and isinstance(f, str)])
        biggest[theme] = stored.topics.topic(mine.value_counts().index[0])
        assert word in " ".join(biggest[theme].words) or theme == "delivery", (theme, biggest[theme].words)
    example = biggest["refund"]
    assert example.example_text and example.example_ticket in set(frame["ticket_id"])


def test_min_size_leaves_small_groups_unassigned(tmp_path):
    table, _ = planted(400, seed=3)
    commit(tmp_path, "small", table)
    with journeys.open_workspace(tmp_path) as ws:
        strict = discover_topics(ws, "small", author="Ana", min_size=60)
    assert all(t.size >= 60 for t in strict.topics.topics)
    assert strict.topics.unassigned == 400 - sum(t.size for t in strict.topics.topics)


def test_a_new_version_keeps_topic_ids_and_flags_a_new_theme(discovered, tmp_path):
    home, first, _, _, _ = discovered
    themes = {**THEMES, "invoice": ("My invoice shows the wrong VAT", "Need a copy of my invoice",
                                    "Invoice amount is incorrect", "Send me the invoice as PDF",
                                    "VAT number missing on invoice", "Invoice for last month")}
    table, truth = planted(3_600, seed=2, themes=themes)
    commit(home, "tickets", table)
    with journeys.open_workspace(home) as ws:
        second = discover_topics(ws, "tickets", author="Ana")
        frame = assignments(ws, second)
    assert second.version == first.version + 1 and second.topics.dataset_version == 2
    old_ids = set(first.topics.ids())
    invoice = pd.Series([f for f, t in zip(frame["topic"], truth, strict=True)
                         if t == "invoice" and isinstance(f, str)])
    invoice_topic = second.topics.topic(invoice.value_counts().index[0])
    assert invoice_topic.new and invoice_topic.id not in old_ids
    password = pd.Series([f for f, t in zip(frame["topic"], truth, strict=True)
                          if t == "password" and isinstance(f, str)]).value_counts().index[0]
    assert password in old_ids and not second.topics.topic(password).new


def test_no_topics_yet_says_how_to_make_them(tmp_path):
    table, _ = planted(50, seed=4)
    commit(tmp_path, "fresh", table)
    with journeys.open_workspace(tmp_path) as ws, pytest.raises(journeys.errors.NotFound, match="topics discover"):
        topics_of(ws, "fresh")


def test_clustering_cuts_are_nested_and_sizes_weighted():
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(6, 32))
    vectors = np.repeat(centres, 20, axis=0) + rng.normal(scale=0.05, size=(120, 32))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    weights = np.arange(1, 121)
    result = clustering.cluster(vectors.astype(np.float32), min_size=5, weights=weights)
    assert result.topics == 6
    for s, owner in enumerate(result.topic_of_subtopic):  # a subtopic's tickets are all in its topic
        assert set(result.topic[result.subtopic == s]) == {owner}
    sizes = [weights[result.topic == t].sum() for t in range(result.topics)]
    assert sizes == sorted(sizes, reverse=True)  # topic 0 is the biggest, counted in tickets
