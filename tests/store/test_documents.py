"""Versioned documents on SQLite and a real PostgreSQL: saves, stale refusals, numbering, history."""

from __future__ import annotations

import threading

import pytest

from journeys.errors import JourneysError, NotFound, StaleWrite
from journeys.store.documents import DocumentStore
from tests.concurrency import at_once

WS = "team"


@pytest.fixture
def docs(store) -> DocumentStore:
    return DocumentStore(store)


def test_save_load_history_and_revisions(docs):
    assert docs.get(WS, "note", "a") is None
    assert docs.save(WS, "note", "a", {"text": "first", "n": 1}, "ana", message="new") == 1
    assert docs.save(WS, "note", "a", {"text": "second"}, "bo", expected_version=1, message="edit") == 2
    head = docs.load(WS, "note", "a")
    assert (head.version, head.body, head.author, head.message) == (2, {"text": "second"}, "bo", "edit")
    assert docs.revision(WS, "note", "a", 1).body == {"text": "first", "n": 1}
    assert [(r.version, r.author) for r in docs.history(WS, "note", "a")] == [(2, "bo"), (1, "ana")]
    with pytest.raises(NotFound, match=r"no note 'zz'.*known: a"):
        docs.load(WS, "note", "zz")
    with pytest.raises(NotFound):
        docs.revision(WS, "note", "a", 9)


def test_a_stale_save_is_refused_and_names_who_saved(docs):
    docs.save(WS, "note", "a", {"v": 1}, "ana")
    docs.save(WS, "note", "a", {"v": 2}, "bo", expected_version=1)
    with pytest.raises(StaleWrite) as refused:
        docs.save(WS, "note", "a", {"v": "mine"}, "cy", expected_version=1, label="Pain point PP-1")
    assert refused.value.saved_by == "bo" and refused.value.current == 2 and "Pain point PP-1" in str(refused.value)
    assert docs.load(WS, "note", "a").body == {"v": 2}
    with pytest.raises(JourneysError, match="does not exist"):
        docs.save(WS, "note", "new", {"v": 1}, "cy", expected_version=3)


def test_create_numbers_keys_per_kind_and_latest_sorts_naturally(docs):
    keys = [docs.create(WS, "painpoint", "PP", {"i": i}, "ana") for i in range(11)]
    assert keys == [f"PP-{i}" for i in range(1, 12)]
    assert docs.create(WS, "experiment", "EX", {}, "ana") == "EX-1"
    assert docs.create("other", "painpoint", "PP", {}, "ana") == "PP-1"
    docs.save(WS, "painpoint", "PP-2", {"i": "edited"}, "bo", expected_version=1)
    latest = docs.latest(WS, "painpoint")
    assert [d.key for d in latest] == keys
    assert latest[1].body == {"i": "edited"} and latest[1].version == 2


def test_concurrent_creates_get_distinct_keys(docs):
    made, errors = at_once(lambda: docs.create(WS, "painpoint", "PP", {}, "racer"), 6)
    assert not errors and sorted(made) == sorted(f"PP-{i}" for i in range(1, 7))


def test_racing_saves_of_one_version_let_exactly_one_win(docs):
    docs.save(WS, "note", "a", {"v": 0}, "ana")
    outcomes: list[str] = []

    def save(i: int) -> None:
        try:
            docs.save(WS, "note", "a", {"v": i}, f"p{i}", expected_version=1)
            outcomes.append("won")
        except StaleWrite:
            outcomes.append("stale")

    threads = [threading.Thread(target=save, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("won") == 1 and outcomes.count("stale") == 5
    assert docs.load(WS, "note", "a").version == 2


def test_bodies_must_be_json_objects_of_sane_size(docs):
    with pytest.raises(JourneysError, match="JSON object"):
        docs.save(WS, "note", "a", ["not", "a", "dict"], "ana")  # type: ignore[arg-type]
    with pytest.raises(JourneysError, match="too large"):
        docs.save(WS, "note", "a", {"x": "y" * 2_000_001}, "ana")
    assert docs.get(WS, "note", "a") is None


def test_migration_0003_applies_on_a_database_at_0002_and_goes_back_down(db_url: str) -> None:
    from alembic import command
    from sqlalchemy import create_engine, inspect

    from journeys.store import Store
    from journeys.store.migrate import alembic_config

    engine = create_engine(db_url)
    try:
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn), "0002")
        assert "documents" not in inspect(engine).get_table_names()
        with Store(db_url) as store:  # opening migrates 0002 -> head
            assert DocumentStore(store).create(WS, "painpoint", "PP", {"title": "t"}, "ana") == "PP-1"
        with engine.begin() as conn:
            command.downgrade(alembic_config(conn), "0002")
        tables = set(inspect(engine).get_table_names())
        assert "documents" not in tables and {"rule_sets", "journeys"} <= tables
    finally:
        engine.dispose()
