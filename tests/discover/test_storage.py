"""Event-log versions and activity maps in the workspace store (SQLite and PostgreSQL)."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from journeys.discover import EventLogs, LogImportError, dfg, load_activity_map, save_activity_map
from journeys.discover.mapping import activity_map_key
from journeys.errors import InvalidJourney, JourneysError, NotFound, StaleWrite
from tests.concurrency import at_once
from tests.discover.helpers import hand_csv, tiny_journey, write_csv

WS = "team"


def test_versions_are_numbered_files_never_rewritten(store, tmp_path):
    logs = EventLogs(store, tmp_path / "home")
    v1, report = logs.import_file(WS, "Web events", hand_csv(tmp_path / "a.csv"), "ana")
    assert (v1.version, v1.events, v1.cases, v1.activities) == (1, 18, 6, 4) and report.rows_kept == 18
    smaller = write_csv(tmp_path / "b.csv", ["case", "activity", "timestamp"],
                        [[1, "A", "2024-03-04 10:00:00"], [1, "B", "2024-03-04 10:01:00"]])
    v2, _ = logs.import_file(WS, "Web events", smaller, "bo")
    assert v2.version == 2 and v2.path != v1.path and v1.path.is_file() and v2.path.is_file()
    assert logs.latest(WS, "Web events").version == 2 and logs.latest(WS, "Web events").created_by == "bo"
    assert [v.version for v in logs.versions(WS, "Web events")] == [2, 1]
    assert logs.version(WS, "Web events", 1).report["rows_kept"] == 18
    assert dfg(logs.version(WS, "Web events", 1)).events == 18 and dfg(v2).edge_counts() == {("A", "B"): 1}
    assert [v.name for v in logs.list(WS)] == ["Web events"] and logs.list("other") == []
    assert not list(logs.folder(WS, "Web events").glob(".staging-*"))


def test_a_bad_import_records_nothing_and_leaves_no_file(store, tmp_path):
    logs = EventLogs(store, tmp_path / "home")
    logs.import_file(WS, "log", hand_csv(tmp_path / "a.csv"), "ana")
    bad = tmp_path / "bad.csv"
    bad.write_text("name,email\nAda,ada@example.com\n", encoding="utf-8")
    with pytest.raises(LogImportError):
        logs.import_file(WS, "log", bad, "bo")
    assert logs.latest(WS, "log").version == 1
    assert len(list(logs.folder(WS, "log").iterdir())) == 1
    with pytest.raises(NotFound, match="known: log"):
        logs.latest(WS, "missing")


def test_commit_refuses_a_file_that_is_no_event_log(store, tmp_path):
    logs = EventLogs(store, tmp_path / "home")
    staged = logs.staging_path(WS, "log")
    pq.write_table(pa.table({"ticket_id": ["1"]}), staged)
    from journeys.discover.log import LogReport

    with pytest.raises(JourneysError, match="not an event log"):
        logs.commit(WS, "log", staged, LogReport(source="x"), "ana")
    assert not staged.exists() and logs.list(WS) == []


def test_concurrent_imports_get_distinct_versions(store, tmp_path):
    logs = EventLogs(store, tmp_path / "home")
    source = hand_csv(tmp_path / "a.csv")
    got, errors = at_once(lambda: logs.import_file(WS, "log", source, "racer")[0].version, 3)
    assert not errors and sorted(got) == [1, 2, 3]
    paths = {v.path for v in logs.versions(WS, "log")}
    assert len(paths) == 3 and all(p.is_file() for p in paths)


def test_activity_maps_are_versioned_documents(store):
    store.create(WS, tiny_journey(), "ana", "tiny")
    assert load_activity_map(store, WS, "Web events", "Tiny") is None
    first = {"Step A": "a", "Step B": "b", "Xtra": None}
    assert save_activity_map(store, WS, "Web events", "Tiny", first, "ana") == 1
    saved = load_activity_map(store, WS, "Web events", "Tiny")
    assert (saved.mapping, saved.version, saved.author, saved.log, saved.journey) == (
        first, 1, "ana", "Web events", "Tiny")
    assert list(saved.mapping) == ["Step A", "Step B", "Xtra"]  # order kept
    assert save_activity_map(store, WS, "Web events", "Tiny", {**first, "Xtra": "c"}, "bo", expected_version=1) == 2
    with pytest.raises(StaleWrite) as stale:
        save_activity_map(store, WS, "Web events", "Tiny", first, "cy", expected_version=1)
    assert stale.value.saved_by == "bo" and "activity map of 'Web events' on 'Tiny'" in str(stale.value)
    assert load_activity_map(store, WS, "Web events", "Tiny", version=1).mapping == first
    with pytest.raises(InvalidJourney, match="step 'zz'"):
        save_activity_map(store, WS, "Web events", "Tiny", {"Step A": "zz"}, "cy", expected_version=2)
    assert load_activity_map(store, WS, "Other log", "Tiny") is None


def test_long_names_get_a_hashed_key():
    key = activity_map_key("L" * 150, "J" * 120)
    assert key.startswith("sha256:") and len(key) < 200
    assert activity_map_key("a", "b") == '["a", "b"]'
