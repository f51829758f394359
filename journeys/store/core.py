"""The journey store: versioned journeys in a SQLite file or a PostgreSQL database.

Why it looks like this:

- Every write is one transaction (``engine.begin()``): a failure part-way
  leaves the previous state, never half a save.
- Concurrent edits are safe without locks held across user think-time: each
  write is ``UPDATE … WHERE id = ? AND version = <the version the editor
  loaded>``. Zero rows updated means someone else saved first, and the write
  is refused with :class:`~journeys.errors.StaleWrite` naming who and when.
  Nothing is merged and nothing is lost: every write appends an immutable
  revision, so both edits stay recoverable.
- The row in ``journeys`` is only the head (name, version, who/when); the
  content is the JSON snapshot in ``journey_revisions`` at that version.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection, Engine, Row, and_, create_engine, event, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, IntegrityError

from journeys.errors import InvalidJourney, JourneysError, NotFound, Problem, StaleWrite, clip_echo
from journeys.model import Journey, validated
from journeys.store import migrate
from journeys.store.schema import AUTHOR_LENGTH, NAME_LENGTH, journey_revisions, journeys, workspaces

# Execution option marking the store's write transactions (SQLite: BEGIN IMMEDIATE).
_WRITE = "journeys_write"
_SQLITE_BUSY_TIMEOUT_MS = 10_000


@dataclass(frozen=True)
class JourneySummary:
    """One line of a workspace's journey list; read without parsing snapshots."""

    name: str
    state: str
    derived_from: str | None
    version: int
    updated_by: str
    updated_at: datetime
    step_count: int


@dataclass(frozen=True)
class LoadedJourney:
    """A journey plus the version to hand back on save (the concurrency token)."""

    journey: Journey
    version: int
    saved_by: str
    saved_at: datetime


@dataclass(frozen=True)
class Revision:
    """One entry of a journey's history."""

    version: int
    author: str
    created_at: datetime
    message: str


def _now() -> datetime:
    return datetime.now(UTC)


def readable_time(moment: datetime) -> str:
    """How a stored time is shown in messages: UTC to the second."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _clean(value: str, what: str, limit: int) -> str:
    """Strip a workspace name or author; refuse blanks and overlong values with a clear message."""
    cleaned = (value or "").strip()
    if not cleaned:
        raise JourneysError(f"The {what} is empty; give a {what}")
    if len(cleaned) > limit:
        raise JourneysError(f"The {what} is longer than {limit} characters")
    return cleaned


def _from_snapshot(snapshot: str, where: str) -> Journey:
    """Parse a stored snapshot; lenient on cross-field rules so a stored journey can always be opened and fixed."""
    try:
        return Journey.model_validate_json(snapshot)
    except ValidationError as error:
        problems = [Problem(".".join(str(p) for p in e["loc"]), e["msg"]) for e in error.errors()]
        raise InvalidJourney(f"The stored {where} no longer reads as a journey", problems) from None


# --- engine set-up -------------------------------------------------------------------------------


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    """Per SQLite connection: wait on locks, WAL (readers never block the writer), enforce foreign keys.

    ``isolation_level = None`` stops the sqlite3 module's own implicit BEGINs so
    the ``begin`` hook below decides, making every transaction (DDL included) real.
    """
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {_SQLITE_BUSY_TIMEOUT_MS}")
    _use_wal(cursor)
    # In WAL mode NORMAL still never corrupts the file; it may lose the last commits on a power
    # cut, and saves an fsync per commit (a workshop saves often).
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


def _use_wal(cursor: Any) -> None:
    """Switch the file to WAL (persistent, so only the first connection really does it).

    SQLite answers "database is locked" at once, without waiting on busy_timeout,
    when connections race to switch a brand-new file; so retry briefly here.
    """
    deadline = time.monotonic() + _SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            if cursor.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.005)


def _sqlite_on_begin(conn: Connection) -> None:
    """Writes take SQLite's write lock up front (BEGIN IMMEDIATE), so two writers queue on busy_timeout.

    A deferred transaction that reads and then writes can instead fail at once
    with "database is locked" when another writer committed in between.
    """
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(_WRITE) else "BEGIN")


def _make_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise JourneysError(f"'{url}' is not a database URL (e.g. sqlite:///path/journeys.db)") from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            folder = Path(database).expanduser().absolute().parent
            if not folder.is_dir():
                raise JourneysError(f"The folder {folder} for the workspace database does not exist")
        engine = create_engine(parsed)
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    if backend in ("postgresql", "postgres"):
        if parsed.drivername in ("postgresql", "postgres"):
            parsed = parsed.set(drivername="postgresql+psycopg")  # psycopg 3 is what we install
        return create_engine(parsed, pool_pre_ping=True)
    raise JourneysError(f"Unsupported database '{backend}': use a sqlite:/// or postgresql+psycopg:// URL")


def _upsert_ignore(conn: Connection) -> Callable[..., Any]:
    """The dialect's INSERT with ON CONFLICT DO NOTHING (race-free 'create if missing')."""
    return postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert


# --- the store -----------------------------------------------------------------------------------


class Store:
    """Journeys of every workspace in one database, with full history.

    Open with a SQLAlchemy URL (``sqlite:///…/journeys.db`` or
    ``postgresql+psycopg://…``); the schema is migrated to head on open.
    Thread-safe: each call takes its own pooled connection.
    """

    url: str

    def __init__(self, url: str) -> None:
        self.url = url
        self._engine = _make_engine(url)
        # Same pool; marks transactions as writes (see _sqlite_on_begin).
        self._writer = self._engine.execution_options(**{_WRITE: True})
        try:
            migrate.upgrade(self._writer)
        except BaseException:
            self._engine.dispose()
            raise

    @classmethod
    def for_folder(cls, folder: Path | str) -> Store:
        """The default local store: ``<folder>/journeys.db``, creating the folder."""
        path = Path(folder).expanduser().absolute()
        path.mkdir(parents=True, exist_ok=True)
        return cls(f"sqlite:///{path / 'journeys.db'}")

    def close(self) -> None:
        """Close all pooled connections (SQLite: also lets the WAL be checkpointed)."""
        self._engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self._engine.url.render_as_string(hide_password=True)!r})"

    # --- workspaces ------------------------------------------------------------------------------

    def ensure_workspace(self, workspace: str) -> None:
        """Create the workspace if it does not exist (safe to call on every page run)."""
        name = _clean(workspace, "workspace name", NAME_LENGTH)
        with self._engine.connect() as conn:
            if conn.execute(select(workspaces.c.id).where(workspaces.c.name == name)).first():
                return
        with self._writer.begin() as conn:
            self._ensure_workspace(conn, name)

    def list_workspaces(self) -> list[str]:
        """All workspace names, sorted case-insensitively."""
        with self._engine.connect() as conn:
            names = conn.execute(select(workspaces.c.name)).scalars().all()
        return sorted(names, key=lambda n: (n.casefold(), n))

    def _ensure_workspace(self, conn: Connection, name: str) -> int:
        stmt = _upsert_ignore(conn)(workspaces).values(name=name, created_at=_now())
        conn.execute(stmt.on_conflict_do_nothing(index_elements=["name"]))
        return conn.execute(select(workspaces.c.id).where(workspaces.c.name == name)).scalar_one()

    # --- reads -----------------------------------------------------------------------------------

    def list_journeys(self, workspace: str) -> list[JourneySummary]:
        """The workspace's journeys (not deleted), sorted by name; empty for an unknown workspace."""
        ws = _clean(workspace, "workspace name", NAME_LENGTH)
        query = (
            select(journeys)
            .join(workspaces, workspaces.c.id == journeys.c.workspace_id)
            .where(workspaces.c.name == ws, journeys.c.deleted.is_(False))
        )
        with self._engine.connect() as conn:
            rows = conn.execute(query).all()
        summaries = [
            JourneySummary(
                name=r.name,
                state=r.state,
                derived_from=r.derived_from,
                version=r.version,
                updated_by=r.updated_by,
                updated_at=r.updated_at,
                step_count=r.step_count,
            )
            for r in rows
        ]
        return sorted(summaries, key=lambda s: (s.name.casefold(), s.name))

    def load(self, workspace: str, name: str) -> LoadedJourney:
        """The journey's head and its version; NotFound if missing or deleted."""
        ws = _clean(workspace, "workspace name", NAME_LENGTH)
        query = (
            select(journeys, journey_revisions.c.snapshot)
            .join(workspaces, workspaces.c.id == journeys.c.workspace_id)
            .join(
                journey_revisions,
                and_(
                    journey_revisions.c.journey_id == journeys.c.id, journey_revisions.c.version == journeys.c.version
                ),
            )
            .where(workspaces.c.name == ws, journeys.c.name == name)
        )
        with self._engine.connect() as conn:
            row = conn.execute(query).first()
            if row is None or row.deleted:
                raise self._not_found(conn, ws, name, row)
        journey = _from_snapshot(row.snapshot, f"journey '{name}' (version {row.version})")
        return LoadedJourney(journey=journey, version=row.version, saved_by=row.updated_by, saved_at=row.updated_at)

    def history(self, workspace: str, name: str) -> list[Revision]:
        """Every revision, newest first (also for a deleted journey, so it can be inspected before undeleting)."""
        ws = _clean(workspace, "workspace name", NAME_LENGTH)
        with self._engine.connect() as conn:
            head = self._head(conn, ws, name, allow_deleted=True)
            # Not the snapshots: a 200-step journey's is ~100 kB a version, and the map reads the history
            # on every rerun (the review's due date), so fetching them made every save slower than the last.
            c = journey_revisions.c
            rows = conn.execute(
                select(c.version, c.author, c.created_at, c.message)
                .where(journey_revisions.c.journey_id == head.id)
                .order_by(journey_revisions.c.version.desc())
            ).all()
        return [Revision(r.version, r.author, r.created_at, r.message) for r in rows]

    def revision(self, workspace: str, name: str, version: int) -> Journey:
        """The journey as it was at ``version``; NotFound if there is no such version."""
        ws = _clean(workspace, "workspace name", NAME_LENGTH)
        with self._engine.connect() as conn:
            head = self._head(conn, ws, name, allow_deleted=True)
            snapshot = self._snapshot(conn, head, version)
        return _from_snapshot(snapshot, f"version {version} of '{name}'")

    # --- writes ----------------------------------------------------------------------------------

    def create(self, workspace: str, journey: Journey, author: str, message: str = "Created") -> int:
        """Store a new journey at version 1 (creating the workspace); refused if the name is taken."""
        journey = validated(journey)
        ws = _clean(workspace, "workspace name", NAME_LENGTH)
        who = _clean(author, "author", AUTHOR_LENGTH)
        with self._writer.begin() as conn:
            ws_id = self._ensure_workspace(conn, ws)
            self._refuse_taken_name(conn, ws_id, ws, journey.name)
            now = _now()
            try:
                result = conn.execute(
                    insert(journeys).values(
                        workspace_id=ws_id,
                        version=1,
                        created_at=now,
                        deleted=False,
                        **self._head_values(journey, who, now),
                    )
                )
            except IntegrityError:  # created by someone else between our check and insert
                raise JourneysError(f"A journey named '{journey.name}' already exists in workspace '{ws}'") from None
            journey_id = result.inserted_primary_key[0]
            self._append_revision(conn, journey_id, 1, journey, who, now, message)
        return 1

    def save(
        self,
        workspace: str,
        journey: Journey,
        expected_version: int,
        author: str,
        message: str = "",
        name: str | None = None,
    ) -> int:
        """Save a new version on top of ``expected_version``; StaleWrite if someone saved since.

        ``name`` is the stored name when the journey is being renamed (``journey.name``
        is then the new name). Returns the new version.
        """
        journey = validated(journey)
        ws = _clean(workspace, "workspace name", NAME_LENGTH)
        who = _clean(author, "author", AUTHOR_LENGTH)
        stored_name = name if name is not None else journey.name
        with self._writer.begin() as conn:
            head = self._head(conn, ws, stored_name)
            if journey.name != stored_name:
                self._refuse_taken_name(conn, head.workspace_id, ws, journey.name)
            try:
                return self._write(conn, head, journey, who, message, expected_version)
            except IntegrityError:
                if journey.name == stored_name:
                    raise
                # a concurrent create or rename took the new name after our check
                raise JourneysError(f"A journey named '{journey.name}' already exists in workspace '{ws}'") from None

    def restore(self, workspace: str, name: str, version: int, author: str, expected_version: int | None = None) -> int:
        """Write an old version's content as a new revision on top ("Restored version N").

        The journey keeps its current name. With ``expected_version`` the write
        is refused (StaleWrite) if someone saved since; without, it goes on top
        of whatever is current (history keeps everything either way).
        """
        ws = _clean(workspace, "workspace name", NAME_LENGTH)
        who = _clean(author, "author", AUTHOR_LENGTH)
        with self._writer.begin() as conn:
            head = self._head(conn, ws, name)
            old = _from_snapshot(self._snapshot(conn, head, version), f"version {version} of '{name}'")
            journey = validated(old.model_copy(update={"name": head.name}))
            expected = head.version if expected_version is None else expected_version
            return self._write(conn, head, journey, who, f"Restored version {version}", expected)

    def delete(self, workspace: str, name: str, expected_version: int, author: str) -> None:
        """Soft delete: hidden from lists and loads, history kept, name stays reserved; see undelete()."""
        ws = _clean(workspace, "workspace name", NAME_LENGTH)
        who = _clean(author, "author", AUTHOR_LENGTH)
        with self._writer.begin() as conn:
            head = self._head(conn, ws, name)
            current = _from_snapshot(self._snapshot(conn, head, head.version), f"journey '{name}'")
            self._write(conn, head, current, who, "Deleted", expected_version, deleted=True)

    def undelete(self, workspace: str, name: str, author: str) -> int:
        """Bring a deleted journey back with its last content as a new revision; returns the new version."""
        ws = _clean(workspace, "workspace name", NAME_LENGTH)
        who = _clean(author, "author", AUTHOR_LENGTH)
        with self._writer.begin() as conn:
            head = self._head(conn, ws, name, allow_deleted=True)
            if not head.deleted:
                raise JourneysError(f"Journey '{name}' in workspace '{ws}' is not deleted")
            current = _from_snapshot(self._snapshot(conn, head, head.version), f"journey '{name}'")
            return self._write(conn, head, current, who, "Undeleted", head.version, was_deleted=True)

    # --- internals -------------------------------------------------------------------------------

    @staticmethod
    def _head_values(journey: Journey, author: str, now: datetime) -> dict[str, Any]:
        return {
            "name": journey.name,
            "state": journey.state.value,
            "derived_from": journey.derived_from,
            "step_count": len(journey.steps),
            "updated_by": author,
            "updated_at": now,
        }

    @staticmethod
    def _append_revision(
        conn: Connection, journey_id: int, version: int, journey: Journey, author: str, now: datetime, message: str
    ) -> None:
        conn.execute(
            insert(journey_revisions).values(
                journey_id=journey_id,
                version=version,
                snapshot=journey.model_dump_json(),
                author=author,
                created_at=now,
                message=message or "",
            )
        )

    def _write(
        self,
        conn: Connection,
        head: Row[Any],
        journey: Journey,
        author: str,
        message: str,
        expected_version: int,
        *,
        deleted: bool = False,
        was_deleted: bool = False,
    ) -> int:
        """The one place a journey changes: compare-and-set the head, then append the revision."""
        now = _now()
        new_version = expected_version + 1
        result = conn.execute(
            update(journeys)
            .where(
                journeys.c.id == head.id,
                journeys.c.version == expected_version,
                journeys.c.deleted.is_(was_deleted),
            )
            .values(version=new_version, deleted=deleted, **self._head_values(journey, author, now))
        )
        if result.rowcount != 1:
            raise self._stale(conn, head, expected_version)
        self._append_revision(conn, head.id, new_version, journey, author, now, message)
        return new_version

    def _stale(self, conn: Connection, head: Row[Any], expected_version: int) -> JourneysError:
        now = conn.execute(select(journeys).where(journeys.c.id == head.id)).one()
        if now.deleted and not head.deleted:
            return NotFound(
                f"Journey '{head.name}' was deleted by {now.updated_by} at {readable_time(now.updated_at)}; "
                "undelete it to save on top"
            )
        return StaleWrite(head.name, expected_version, now.version, now.updated_by, readable_time(now.updated_at))

    def _head(self, conn: Connection, ws: str, name: str, *, allow_deleted: bool = False) -> Row[Any]:
        row = conn.execute(
            select(journeys)
            .join(workspaces, workspaces.c.id == journeys.c.workspace_id)
            .where(workspaces.c.name == ws, journeys.c.name == name)
        ).first()
        if row is None or (row.deleted and not allow_deleted):
            raise self._not_found(conn, ws, name, row)
        return row

    @staticmethod
    def _not_found(conn: Connection, ws: str, name: str, row: Row[Any] | None) -> NotFound:
        if row is not None and row.deleted:
            return NotFound(
                f"Journey '{name}' in workspace '{ws}' was deleted by {row.updated_by} at "
                f"{readable_time(row.updated_at)}; undelete it to bring it back"
            )
        if conn.execute(select(workspaces.c.id).where(workspaces.c.name == ws)).first() is None:
            return NotFound(f"There is no workspace '{ws}'")
        return NotFound(f"There is no journey '{clip_echo(name)}' in workspace '{ws}'")

    @staticmethod
    def _snapshot(conn: Connection, head: Row[Any], version: int) -> str:
        snapshot = conn.execute(
            select(journey_revisions.c.snapshot).where(
                journey_revisions.c.journey_id == head.id, journey_revisions.c.version == version
            )
        ).scalar_one_or_none()
        if snapshot is None:
            raise NotFound(f"Journey '{head.name}' has no version {version} (versions 1 to {head.version})")
        return snapshot

    @staticmethod
    def _refuse_taken_name(conn: Connection, ws_id: int, ws: str, name: str) -> None:
        taken = conn.execute(
            select(journeys.c.deleted).where(journeys.c.workspace_id == ws_id, journeys.c.name == name)
        ).first()
        if taken is None:
            return
        if taken.deleted:
            raise JourneysError(
                f"A deleted journey named '{name}' exists in workspace '{ws}'; undelete it or choose another name"
            )
        raise JourneysError(f"A journey named '{name}' already exists in workspace '{ws}'; choose another name")
