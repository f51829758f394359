"""Ticket datasets as immutable versions, and import profiles (real SQLite and PostgreSQL, real files).

Tests using the ``store``/``db_url`` fixtures run once per backend. Failures are
made real: a database trigger that refuses the insert, a process killed with
SIGKILL at a point the test chooses.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, text

from journeys.errors import JourneysError, NotFound
from journeys.store import Store
from journeys.store.migrate import alembic_config, current_revision, head_revision
from journeys.tickets.canonical import arrow_schema
from journeys.tickets.datasets import STAGING_PREFIX, Datasets, DatasetVersion, slug

WS = "Support team"
TICKET_TABLES = {"datasets", "dataset_versions", "import_profiles", "rule_sets"}


def tickets(ids: list[str], subject: str = "Cannot log in") -> pa.Table:
    """A small canonical ticket table (every canonical column, one extra)."""
    n = len(ids)
    schema = arrow_schema(("region",))
    data = {f.name: pa.nulls(n, f.type) for f in schema}
    data["ticket_id"] = pa.array(ids, pa.string())
    data["created_at"] = pa.array([datetime(2026, 3, 1, 9, tzinfo=UTC)] * n, pa.timestamp("us", tz="UTC"))
    data["subject"] = pa.array([subject] * n, pa.string())
    data["tags"] = pa.array([["login", "web"]] * n, pa.list_(pa.string()))
    data["x_region"] = pa.array(["EU"] * n, pa.string())
    return pa.table(data, schema=schema)


def stage(datasets: Datasets, name: str, table: pa.Table, workspace: str = WS) -> Path:
    path = datasets.staging_path(workspace, name)
    pq.write_table(table, path)
    return path


def ids_in(path: Path) -> list[str]:
    return pq.read_table(path, columns=["ticket_id"]).column("ticket_id").to_pylist()


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


@pytest.fixture
def datasets(store: Store, tmp_path: Path) -> Datasets:
    return Datasets(store, tmp_path / "home")


# --- migration 0002 ------------------------------------------------------------------------------


def test_migration_0002_applies_on_a_database_at_0001_and_goes_back_down(db_url: str) -> None:
    engine = create_engine(db_url)
    try:
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn), "0001")
            conn.execute(
                text("INSERT INTO workspaces (name, created_at) VALUES ('Old team', :now)"),
                {"now": datetime(2026, 1, 1, tzinfo=UTC)},
            )
        assert TICKET_TABLES.isdisjoint(inspect(engine).get_table_names())

        with Store(db_url) as store:  # opening migrates 0001 -> head
            assert store.list_workspaces() == ["Old team"]
            with engine.connect() as conn:
                assert current_revision(conn) == head_revision()
            assert set(inspect(engine).get_table_names()) >= TICKET_TABLES
            assert store.list_journeys("Old team") == []

        with engine.begin() as conn:
            command.downgrade(alembic_config(conn), "0001")
        tables = set(inspect(engine).get_table_names())
        assert TICKET_TABLES.isdisjoint(tables) and {"workspaces", "journeys"} <= tables
    finally:
        engine.dispose()


def test_migration_0002_applies_on_an_empty_database(db_url: str, tmp_path: Path) -> None:
    with Store(db_url) as store:
        engine = create_engine(db_url)
        try:
            assert set(inspect(engine).get_table_names()) >= TICKET_TABLES
            with engine.connect() as conn:
                assert current_revision(conn) == head_revision()
        finally:
            engine.dispose()
        datasets = Datasets(store, tmp_path)
        version = datasets.commit(WS, "Zendesk", stage(datasets, "Zendesk", tickets(["a"])), {}, "Ana")
        assert datasets.latest(WS, "Zendesk") == version
    engine = create_engine(db_url)
    try:
        with engine.begin() as conn:  # and all the way down again
            command.downgrade(alembic_config(conn), "base")
        assert set(inspect(engine).get_table_names()) == {"alembic_version"}
    finally:
        engine.dispose()


# --- commit, latest, versions, list --------------------------------------------------------------


def test_commit_latest_versions_and_list(datasets: Datasets) -> None:
    first = datasets.commit(WS, "Zendesk", stage(datasets, "Zendesk", tickets(["a", "b"])), {"skipped": 0}, "Ana")
    assert isinstance(first, DatasetVersion)
    assert (first.workspace, first.name, first.version, first.rows, first.created_by) == (WS, "Zendesk", 1, 2, "Ana")
    assert first.path == datasets.folder(WS, "Zendesk") / "v1.parquet"
    assert first.path.is_relative_to(datasets.home) and ids_in(first.path) == ["a", "b"]
    assert first.report == {"skipped": 0}
    assert first.created_at.tzinfo is not None and abs(datetime.now(UTC) - first.created_at) < timedelta(minutes=1)

    report = {"skipped": 1, "reasons": [{"reason": "duplicate id", "count": 1}], "at": datetime(2026, 3, 1)}
    second = datasets.commit(WS, "Zendesk", stage(datasets, "Zendesk", tickets(["c", "d", "e"])), report, "Bo")
    other = datasets.commit(WS, "Intercom", stage(datasets, "Intercom", tickets(["x"])), {}, "Ana")

    assert second.version == 2 and second.report["reasons"] == [{"reason": "duplicate id", "count": 1}]
    assert second.report["at"] == "2026-03-01 00:00:00"  # non-JSON values kept as text, not refused
    assert datasets.latest(WS, "Zendesk") == second
    assert [v.version for v in datasets.versions(WS, "Zendesk")] == [2, 1]
    assert datasets.versions(WS, "Zendesk")[1] == first
    assert [(v.name, v.version) for v in datasets.list(WS)] == [("Intercom", 1), ("Zendesk", 2)]
    assert datasets.list("Nobody") == []
    # Versions are immutable files: v1 still holds its own rows.
    assert ids_in(first.path) == ["a", "b"] and ids_in(second.path) == ["c", "d", "e"]
    assert other.version == 1
    assert files_in(datasets.folder(WS, "Zendesk")) == ["v1.parquet", "v2.parquet"]  # no staging left


def test_reads_of_unknown_datasets_say_what_is_missing(datasets: Datasets) -> None:
    with pytest.raises(NotFound, match="no workspace 'Ghosts'"):
        datasets.latest("Ghosts", "Zendesk")
    datasets.commit(WS, "Zendesk", stage(datasets, "Zendesk", tickets(["a"])), {}, "Ana")
    with pytest.raises(NotFound, match="no dataset 'Freshdesk' in workspace 'Support team'"):
        datasets.versions(WS, "Freshdesk")


def test_the_database_keeps_paths_relative_to_the_workspace_folder(store: Store, tmp_path: Path) -> None:
    old_home = tmp_path / "old"
    datasets = Datasets(store, old_home)
    version = datasets.commit(WS, "Zendesk", stage(datasets, "Zendesk", tickets(["a"])), {}, "Ana")
    old_home.rename(tmp_path / "moved")
    moved = Datasets(store, tmp_path / "moved").latest(WS, "Zendesk")
    assert moved.path == tmp_path / "moved" / version.path.relative_to(old_home)
    assert ids_in(moved.path) == ["a"]


def test_names_that_read_alike_get_separate_folders(datasets: Datasets) -> None:
    assert slug("Tickets 2026") != slug("tickets-2026") and slug("Tickets 2026").startswith("tickets-2026-")
    one = datasets.commit(WS, "Tickets 2026", stage(datasets, "Tickets 2026", tickets(["a"])), {}, "Ana")
    two = datasets.commit(WS, "tickets-2026", stage(datasets, "tickets-2026", tickets(["b"])), {}, "Ana")
    assert one.path != two.path and ids_in(one.path) == ["a"] and ids_in(two.path) == ["b"]


def test_a_file_staged_elsewhere_is_brought_in(datasets: Datasets, tmp_path: Path) -> None:
    outside = tmp_path / "written-by-hand.parquet"
    pq.write_table(tickets(["a"]), outside)
    version = datasets.commit(WS, "Zendesk", outside, {}, "Ana")
    assert ids_in(version.path) == ["a"] and not outside.exists()


def test_concurrent_commits_to_one_dataset_get_distinct_versions(datasets: Datasets) -> None:
    writers = 4
    staged = [stage(datasets, "Zendesk", tickets([f"t{i}"])) for i in range(writers)]
    barrier = threading.Barrier(writers)
    results: list[DatasetVersion] = []
    errors: list[BaseException] = []

    def commit(path: Path) -> None:
        barrier.wait()
        try:
            results.append(datasets.commit(WS, "Zendesk", path, {}, "Ana"))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=commit, args=(p,)) for p in staged]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(v.version for v in results) == [1, 2, 3, 4]
    # Each version's file holds the rows that were committed as that version.
    assert sorted(ids_in(v.path)[0] for v in results) == [f"t{i}" for i in range(writers)]
    committed = {v.version: ids_in(v.path) for v in results}
    assert {v.version: ids_in(v.path) for v in datasets.versions(WS, "Zendesk")} == committed


# --- atomic commit: bad files, failing database, killed process -----------------------------------


def _not_parquet(path: Path) -> None:
    path.write_text("ticket_id,created_at\n1,2026-03-01\n", encoding="utf-8")


def _truncated(path: Path) -> None:
    pq.write_table(tickets(["z"] * 50), path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _missing_created_at(path: Path) -> None:
    pq.write_table(tickets(["z"]).drop_columns(["created_at"]), path)


def _ids_as_numbers(path: Path) -> None:
    table = tickets(["1"])
    pq.write_table(table.set_column(0, "ticket_id", pa.array([1], pa.int64())), path)


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (_not_parquet, "not readable Parquet"),
        (_truncated, "not readable Parquet"),
        (_missing_created_at, "created_at: required column is missing"),
        (_ids_as_numbers, "ticket_id: must be text"),
    ],
)
def test_an_unusable_staged_file_records_nothing_and_keeps_the_previous_version(
    datasets: Datasets, spoil, message: str
) -> None:
    first = datasets.commit(WS, "Zendesk", stage(datasets, "Zendesk", tickets(["a", "b"])), {}, "Ana")
    bad = datasets.staging_path(WS, "Zendesk")
    spoil(bad)
    with pytest.raises(JourneysError, match=message):
        datasets.commit(WS, "Zendesk", bad, {}, "Bo")
    assert not bad.exists()  # consumed
    assert datasets.latest(WS, "Zendesk") == first
    assert [v.version for v in datasets.versions(WS, "Zendesk")] == [1]
    assert files_in(datasets.folder(WS, "Zendesk")) == ["v1.parquet"] and ids_in(first.path) == ["a", "b"]


def test_committing_a_missing_file_is_a_clear_error(datasets: Datasets, tmp_path: Path) -> None:
    with pytest.raises(JourneysError, match="no imported file"):
        datasets.commit(WS, "Zendesk", tmp_path / "nothing.parquet", {}, "Ana")


def test_a_bad_name_or_author_consumes_the_staged_file_and_records_nothing(datasets: Datasets) -> None:
    staged = stage(datasets, "Zendesk", tickets(["a"]))
    with pytest.raises(JourneysError, match="author is empty"):
        datasets.commit(WS, "Zendesk", staged, {}, "  ")
    assert not staged.exists() and files_in(datasets.folder(WS, "Zendesk")) == []
    assert datasets.list(WS) == []


def _refuse_version_inserts(db_url: str) -> None:
    """A real database failure at the insert of a dataset version (a trigger), on either backend."""
    engine = create_engine(db_url)
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.execute(text(
                "CREATE TRIGGER refuse_versions BEFORE INSERT ON dataset_versions "
                "BEGIN SELECT RAISE(ABORT, 'disk quota exceeded'); END"
            ))
        else:
            conn.execute(text(
                "CREATE FUNCTION refuse_versions() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'disk quota exceeded'; END $$"
            ))
            conn.execute(text(
                "CREATE TRIGGER refuse_versions BEFORE INSERT ON dataset_versions "
                "FOR EACH ROW EXECUTE FUNCTION refuse_versions()"
            ))
    engine.dispose()


def _allow_version_inserts(db_url: str) -> None:
    engine = create_engine(db_url)
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER refuse_versions"))
        else:
            conn.execute(text("DROP TRIGGER refuse_versions ON dataset_versions"))
    engine.dispose()


def test_a_failing_database_write_rolls_the_moved_file_back(store: Store, db_url: str, tmp_path: Path) -> None:
    datasets = Datasets(store, tmp_path / "home")
    first = datasets.commit(WS, "Zendesk", stage(datasets, "Zendesk", tickets(["a"])), {}, "Ana")
    _refuse_version_inserts(db_url)
    staged = stage(datasets, "Zendesk", tickets(["new"]))
    with pytest.raises(JourneysError, match=r"could not record the new version.*disk quota exceeded"):
        datasets.commit(WS, "Zendesk", staged, {}, "Bo")
    # The file had been moved to v2.parquet inside the transaction; it is gone again.
    assert files_in(datasets.folder(WS, "Zendesk")) == ["v1.parquet"]
    assert datasets.latest(WS, "Zendesk") == first and ids_in(first.path) == ["a"]

    _allow_version_inserts(db_url)
    second = datasets.commit(WS, "Zendesk", stage(datasets, "Zendesk", tickets(["new"])), {}, "Bo")
    assert second.version == 2 and ids_in(second.path) == ["new"]


_CHILD = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    from journeys.store import Store
    from journeys.tickets.datasets import Datasets

    url, home, staged, point = sys.argv[1:5]
    real_replace = os.replace

    def paused_replace(src, dst):
        # The kill point: just before or just after the atomic move, inside the DB transaction.
        if point == "after_move":
            real_replace(src, dst)
        print("at kill point", flush=True)
        sys.stdin.read()  # wait here until killed
        raise SystemExit("not killed")

    os.replace = paused_replace
    Datasets(Store(url), Path(home)).commit("Support team", "Zendesk", Path(staged), {}, "Killed")
    """
)


@pytest.mark.parametrize("point", ["before_move", "after_move"])
def test_a_process_killed_mid_commit_leaves_the_previous_version_readable(
    store: Store, db_url: str, tmp_path: Path, point: str
) -> None:
    home = tmp_path / "home"
    datasets = Datasets(store, home)
    first = datasets.commit(WS, "Zendesk", stage(datasets, "Zendesk", tickets(["a", "b"])), {}, "Ana")
    staged = stage(datasets, "Zendesk", tickets(["doomed"]))

    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, db_url, str(home), str(staged), point],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        line = child.stdout.readline()
        assert line.strip() == "at kill point", child.stderr.read()
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        for stream in (child.stdin, child.stdout, child.stderr):
            stream.close()

    folder = datasets.folder(WS, "Zendesk")
    leftover = "v2.parquet" if point == "after_move" else staged.name
    assert files_in(folder) == sorted(["v1.parquet", leftover])  # the dead process's file, recorded nowhere

    reopened = Datasets(store, home)
    assert reopened.latest(WS, "Zendesk") == first and ids_in(first.path) == ["a", "b"]
    assert [v.version for v in reopened.versions(WS, "Zendesk")] == [1]
    # The database is not left locked, and the next import takes the next number (replacing any orphan).
    second = reopened.commit(WS, "Zendesk", stage(reopened, "Zendesk", tickets(["next"])), {}, "Bo")
    assert second.version == 2 and ids_in(second.path) == ["next"] and ids_in(first.path) == ["a", "b"]


def test_old_staging_files_are_cleaned_up_on_start(store: Store, tmp_path: Path) -> None:
    home = tmp_path / "home"
    datasets = Datasets(store, home)
    old, fresh = datasets.staging_path(WS, "Zendesk"), datasets.staging_path(WS, "Zendesk")
    assert old != fresh and old.name.startswith(STAGING_PREFIX) and old.parent == fresh.parent
    for path in (old, fresh):
        pq.write_table(tickets(["a"]), path)
    two_days_ago = (datetime.now(UTC) - timedelta(days=2)).timestamp()
    os.utime(old, (two_days_ago, two_days_ago))
    kept = datasets.commit(WS, "Zendesk", stage(datasets, "Zendesk", tickets(["a"])), {}, "Ana")
    os.utime(kept.path, (two_days_ago, two_days_ago))  # committed versions are never touched

    Datasets(store, home)
    assert not old.exists() and fresh.exists() and kept.path.exists()


# --- import profiles -----------------------------------------------------------------------------


def test_import_profiles_save_load_replace_and_list(datasets: Datasets) -> None:
    mapping = {"columns": {"Ticket ID": "ticket_id", "Requested": "created_at"}, "delimiter": ";", "quotes": "“”"}
    datasets.save_profile(WS, "Zendesk export", mapping, "Ana")
    datasets.save_profile(WS, "agent sheet", {"columns": {}}, "Ana")
    datasets.save_profile("Other team", "Zendesk export", {"columns": {"id": "ticket_id"}}, "Bo")

    assert datasets.load_profile(WS, "Zendesk export") == mapping
    assert datasets.list_profiles(WS) == ["agent sheet", "Zendesk export"]
    changed = {**mapping, "delimiter": ","}
    datasets.save_profile(WS, "Zendesk export", changed, "Bo")  # saving again replaces
    assert datasets.load_profile(WS, "Zendesk export") == changed
    assert datasets.list_profiles(WS) == ["agent sheet", "Zendesk export"]
    assert datasets.load_profile("Other team", "Zendesk export") == {"columns": {"id": "ticket_id"}}
    assert datasets.list_profiles("Nobody") == []
    with pytest.raises(NotFound, match="no import profile 'Intercom'"):
        datasets.load_profile(WS, "Intercom")
    with pytest.raises(JourneysError, match="profile name is empty"):
        datasets.save_profile(WS, " ", mapping, "Ana")
    assert json.loads(json.dumps(datasets.load_profile(WS, "Zendesk export"))) == changed
