"""What discovery caches per dataset version, and the materialised tickets⋈topics join the Topics page reads.

The prepared texts must be what ``np.unique`` over every ticket's cleaned text gives (read batch by
batch, so checked across batch edges), read back identically, and never reused for another version,
file or preparation; the joined file must hold what a pandas merge of the two files holds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

import journeys
from journeys.topics import finding, languages
from journeys.topics.storage import assignment_path
from journeys.usecases.topics import discover_topics
from tests.topics.themes import commit, planted


@pytest.fixture
def version(tmp_path, monkeypatch):
    monkeypatch.setattr(finding, "READ_BATCH", 170)  # several batches: codes must carry across them
    table, _ = planted(900, seed=11)
    return commit(tmp_path, "tickets", table)


def test_prepared_texts_are_np_unique_of_the_cleaned_texts_and_read_back_identically(version):
    ids, raw = finding.ticket_texts(version)
    texts, first, inverse, counts = np.unique(np.asarray([finding.without_identifiers(t) for t in raw], dtype=object),
                                              return_index=True, return_inverse=True, return_counts=True)
    built = finding.prepared(version)
    assert finding.prepared_path(version).is_file()
    again = finding.prepared(version)  # from the cache
    langs, scores = languages.detect(texts.tolist())
    for prep in (built, again):
        assert prep.texts.tolist() == texts.tolist()
        assert prep.inverse.dtype == np.int32 and prep.inverse.tolist() == inverse.reshape(-1).tolist()
        assert prep.counts.tolist() == counts.tolist()
        assert prep.first_ticket.tolist() == [ids[i] for i in first]
        assert prep.first_raw.tolist() == [raw[i] for i in first]
        assert prep.langs.tolist() == langs.tolist()
        assert np.allclose(prep.scores, scores)
    assert len(texts) < len(raw)  # order numbers dropped: texts repeat


def test_a_changed_preparation_or_file_names_another_cache(version, monkeypatch):
    finding.prepared(version)
    first = finding.prepared_path(version)
    monkeypatch.setattr(finding, "PREPARED_FORMAT", "test-other")
    finding._preparation_tag.cache_clear()
    try:
        assert finding.prepared_path(version) != first
    finally:
        monkeypatch.undo()
        finding._preparation_tag.cache_clear()
    assert finding.prepared_path(version) == first
    assert f"v{version.version}-" in first.name and f"-{version.rows}-" in first.name
    assert f"-{version.path.stat().st_size}-" in first.name


def test_tickets_with_topics_read_the_materialised_join(tmp_path):
    table, _ = planted(600, seed=4)
    version = commit(tmp_path, "tickets", table)
    with journeys.open_workspace(tmp_path) as ws:
        stored = discover_topics(ws, "tickets", author="Ana")
        topics = assignment_path(version, stored.topics)
        got = ws.engine.tickets(version, topics=topics).execute()
        joined = sorted((version.path.parent / "joined").glob("*.parquet"))
        again = ws.engine.tickets(version, topics=topics).execute()
    expected = table.to_pandas().merge(pq.read_table(topics).to_pandas(), on="ticket_id", how="left")
    assert len(joined) == 1
    columns = ["ticket_id", "subject", "topic", "subtopic", "language"]
    for frame in (got, again):
        mine = frame[columns].sort_values("ticket_id").reset_index(drop=True)
        theirs = expected[columns].sort_values("ticket_id").reset_index(drop=True)
        pd.testing.assert_frame_equal(mine.astype(object).where(mine.notna(), None),
                                      theirs.astype(object).where(theirs.notna(), None))
