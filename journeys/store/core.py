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
  Compare-and-set, history, revisions, diff and restore are the one
  versioned-record mechanism (:mod:`journeys.store.records`) that documents
  and mapping rules use too; the head follows the revision it points at.
"""

from __future__ import annotations

import copy
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from sqlalchemy import Connection, Engine, Row, and_, create_engine, event, insert, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, IntegrityError

from journeys.errors import InvalidJourney, JourneysError, NotFound, Problem, StaleWrite, clip_echo
from journeys.model import Journey, validated
from journeys.store import migrate
from journeys.store.records import (
    Change,
    Revision,
    RevisionLog,
    clean,
    insert_ignoring,
    now,
    readable_time,
    restored,
)
from journeys.store.schema import AUTHOR_LENGTH, NAME_LENGTH, journey_revisions, journeys, workspaces

if TYPE_CHECKING:
    from journeys.store.documents import DocumentStore
    from journeys.store.tickets import TicketStore

__all__ = [
    "Change", "JourneySummary", "LoadedJourney", "Revision", "Store", "journey_from_snapshot", "missing_journey",
    "no_journey_version", "readable_time", "stale_journey", "taken_name", "workspace_named",
]

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


def journey_from_snapshot(snapshot: str, where: str) -> Journey:
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
        self._journal = RevisionLog(journey_revisions, ("journey_id",), "snapshot", heads=journeys)
        self._guard: Callable[[], None] | None = None  # see guarded()
        self._owns_engine = True
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
        """Close all pooled connections (SQLite: also lets the WAL be checkpointed); a guarded view closes nothing."""
        if self._owns_engine:
            self._engine.dispose()

    def guarded(self, check: Callable[[], None]) -> Store:
        """This store as one person may use it: the same database and pool, but every write transaction first
        calls ``check`` (which raises :class:`~journeys.errors.NotAllowed` when their role does not allow it).

        Every write of the workspace database — journeys, documents, datasets, rules — starts with
        :attr:`writer`, so this one check covers them all, whichever use case or repository writes."""
        view = copy.copy(self)
        view._guard = check
        view._owns_engine = False
        for cached in ("documents", "tickets"):  # bound to the original store: rebuilt on the view
            view.__dict__.pop(cached, None)
        return view

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self._engine.url.render_as_string(hide_password=True)!r})"

    @property
    def reader(self) -> Engine:
        """The engine for reads (each call takes a pooled connection)."""
        return self._engine

    @property
    def writer(self) -> Engine:
        """The same pool, for write transactions (SQLite: BEGIN IMMEDIATE, so writers queue); on a
        :meth:`guarded` view, only once the person's role allows writing."""
        if self._guard is not None:
            self._guard()
        return self._writer

    @cached_property
    def documents(self) -> DocumentStore:
        """The versioned documents kept in this database (pain points, experiments, reviews, settings …)."""
        from journeys.store.documents import DocumentStore

        return DocumentStore(self)

    @cached_property
    def tickets(self) -> TicketStore:
        """Dataset versions, import profiles and mapping rules kept in this database."""
        from journeys.store.tickets import TicketStore

        return TicketStore(self)

    # --- workspaces ------------------------------------------------------------------------------

    def ensure_workspace(self, workspace: str) -> None:
        """Create the workspace if it does not exist (safe to call on every page run)."""
        name = clean(workspace, "workspace name", NAME_LENGTH)
        with self._engine.connect() as conn:
            if conn.execute(select(workspaces.c.id).where(workspaces.c.name == name)).first():
                return
        with self.writer.begin() as conn:
            self.workspace_id(conn, name)

    def list_workspaces(self) -> list[str]:
        """All workspace names, sorted case-insensitively."""
        with self._engine.connect() as conn:
            names = conn.execute(select(workspaces.c.name)).scalars().all()
        return sorted(names, key=lambda n: (n.casefold(), n))

    @staticmethod
    def workspace_id(conn: Connection, name: str) -> int:
        """The id of workspace ``name``, created (race-free) in ``conn``'s write transaction if missing."""
        stmt = insert_ignoring(conn)(workspaces).values(name=name, created_at=now())
        conn.execute(stmt.on_conflict_do_nothing(index_elements=["name"]))
        return conn.execute(select(workspaces.c.id).where(workspaces.c.name == name)).scalar_one()

    # --- reads -----------------------------------------------------------------------------------

    def list_journeys(self, workspace: str) -> list[JourneySummary]:
        """The workspace's journeys (not deleted), sorted by name; empty for an unknown workspace."""
        ws = clean(workspace, "workspace name", NAME_LENGTH)
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
        ws = clean(workspace, "workspace name", NAME_LENGTH)
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
        journey = journey_from_snapshot(row.snapshot, f"journey '{name}' (version {row.version})")
        return LoadedJourney(journey=journey, version=row.version, saved_by=row.updated_by, saved_at=row.updated_at)

    def history(self, workspace: str, name: str) -> list[Revision]:
        """Every revision, newest first (also for a deleted journey, so it can be inspected before undeleting)."""
        ws = clean(workspace, "workspace name", NAME_LENGTH)
        with self._engine.connect() as conn:
            head = self._head(conn, ws, name, allow_deleted=True)
            # Not the snapshots (the log never fetches bodies for a history): the map reads it on every rerun.
            return self._journal.history(conn, {"journey_id": head.id})

    def revision(self, workspace: str, name: str, version: int) -> Journey:
        """The journey as it was at ``version``; NotFound if there is no such version."""
        ws = clean(workspace, "workspace name", NAME_LENGTH)
        with self._engine.connect() as conn:
            head = self._head(conn, ws, name, allow_deleted=True)
            snapshot = self._snapshot(conn, head, version)
        return journey_from_snapshot(snapshot, f"version {version} of '{name}'")

    def diff(self, workspace: str, name: str, old: int, new: int) -> list[Change]:
        """Every stored value that differs between two versions (see :func:`journeys.diff.diff_journeys`
        for the same difference told in steps and transitions)."""
        ws = clean(workspace, "workspace name", NAME_LENGTH)
        with self._engine.connect() as conn:
            head = self._head(conn, ws, name, allow_deleted=True)
            return self._journal.diff(conn, {"journey_id": head.id}, old, new, lambda v: _no_version(head, v))

    # --- writes ----------------------------------------------------------------------------------

    def create(self, workspace: str, journey: Journey, author: str, message: str = "Created") -> int:
        """Store a new journey at version 1 (creating the workspace); refused if the name is taken."""
        journey = validated(journey)
        ws = clean(workspace, "workspace name", NAME_LENGTH)
        who = clean(author, "author", AUTHOR_LENGTH)
        with self.writer.begin() as conn:
            ws_id = self.workspace_id(conn, ws)
            self._refuse_taken_name(conn, ws_id, ws, journey.name)
            at = now()
            try:
                result = conn.execute(
                    insert(journeys).values(
                        workspace_id=ws_id,
                        version=1,
                        created_at=at,
                        deleted=False,
                        **self._head_values(journey, who, at),
                    )
                )
            except IntegrityError:  # created by someone else between our check and insert
                raise JourneysError(f"A journey named '{journey.name}' already exists in workspace '{ws}'") from None
            key = result.inserted_primary_key
            assert key is not None  # an INSERT of one row always has one
            record = {"journey_id": key[0]}
            self._journal.append(conn, record, 1, journey.model_dump_json(), who, message, at)
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
        ws = clean(workspace, "workspace name", NAME_LENGTH)
        who = clean(author, "author", AUTHOR_LENGTH)
        stored_name = name if name is not None else journey.name
        with self.writer.begin() as conn:
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
        ws = clean(workspace, "workspace name", NAME_LENGTH)
        who = clean(author, "author", AUTHOR_LENGTH)
        with self.writer.begin() as conn:
            head = self._head(conn, ws, name)
            old = journey_from_snapshot(self._snapshot(conn, head, version), f"version {version} of '{name}'")
            journey = validated(old.model_copy(update={"name": head.name}))
            expected = head.version if expected_version is None else expected_version
            return self._write(conn, head, journey, who, restored(version), expected)

    def delete(self, workspace: str, name: str, expected_version: int, author: str) -> None:
        """Soft delete: hidden from lists and loads, history kept, name stays reserved; see undelete()."""
        ws = clean(workspace, "workspace name", NAME_LENGTH)
        who = clean(author, "author", AUTHOR_LENGTH)
        with self.writer.begin() as conn:
            head = self._head(conn, ws, name)
            current = journey_from_snapshot(self._snapshot(conn, head, head.version), f"journey '{name}'")
            self._write(conn, head, current, who, "Deleted", expected_version, deleted=True)

    def undelete(self, workspace: str, name: str, author: str) -> int:
        """Bring a deleted journey back with its last content as a new revision; returns the new version."""
        ws = clean(workspace, "workspace name", NAME_LENGTH)
        who = clean(author, "author", AUTHOR_LENGTH)
        with self.writer.begin() as conn:
            head = self._head(conn, ws, name, allow_deleted=True)
            if not head.deleted:
                raise JourneysError(f"Journey '{name}' in workspace '{ws}' is not deleted")
            current = journey_from_snapshot(self._snapshot(conn, head, head.version), f"journey '{name}'")
            return self._write(conn, head, current, who, "Undeleted", head.version)

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
    ) -> int:
        """The one place a journey changes: the log's compare-and-set on the head, then the revision."""
        at = now()
        return self._journal.compare_and_set(
            conn, {"journey_id": head.id}, expected_version, journey.model_dump_json(), author, message,
            lambda _newest: self._stale(conn, head, expected_version), at,
            head_values={"deleted": deleted, **self._head_values(journey, author, at)})

    def _stale(self, conn: Connection, head: Row[Any], expected_version: int) -> JourneysError:
        now = conn.execute(select(journeys).where(journeys.c.id == head.id)).one()
        return stale_journey(head.name, expected_version, now.version, now.updated_by, now.updated_at,
                             deleted_since=now.deleted and not head.deleted)

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
        known = conn.execute(select(workspaces.c.id).where(workspaces.c.name == ws)).first() is not None
        deleted = (row.updated_by, row.updated_at) if row is not None and row.deleted else None
        return missing_journey(ws, name, deleted, workspace_known=known)

    def _snapshot(self, conn: Connection, head: Row[Any], version: int) -> str:
        return self._journal.body_at(conn, {"journey_id": head.id}, version, lambda v: _no_version(head, v))

    @staticmethod
    def _refuse_taken_name(conn: Connection, ws_id: int, ws: str, name: str) -> None:
        taken = conn.execute(
            select(journeys.c.deleted).where(journeys.c.workspace_id == ws_id, journeys.c.name == name)
        ).first()
        if taken is not None:
            raise taken_name(ws, name, deleted=taken.deleted)


def workspace_named(name: str) -> Any:
    """The id of workspace ``name`` as a scalar subquery, for reads (an unknown workspace matches nothing)."""
    return select(workspaces.c.id).where(workspaces.c.name == name).scalar_subquery()


def _no_version(head: Row[Any], version: int) -> NotFound:
    return no_journey_version(head.name, version, head.version)


# --- the words of refusals (shared with the in-memory fake, :mod:`journeys.fakes`) -----------------


def no_journey_version(name: str, version: int, newest: int) -> NotFound:
    return NotFound(f"Journey '{name}' has no version {version} (versions 1 to {newest})")


def stale_journey(name: str, expected: int, version: int, by: str, at: datetime, *,
                  deleted_since: bool) -> JourneysError:
    """A save on top of ``expected`` refused: someone saved (or deleted) the journey since."""
    if deleted_since:
        return NotFound(f"Journey '{name}' was deleted by {by} at {readable_time(at)}; undelete it to save on top")
    return StaleWrite(name, expected, version, by, readable_time(at))


def missing_journey(ws: str, name: str, deleted: tuple[str, datetime] | None, *, workspace_known: bool) -> NotFound:
    """A read or write of a journey that is not there: deleted (by whom, when), or never was."""
    if deleted is not None:
        return NotFound(
            f"Journey '{name}' in workspace '{ws}' was deleted by {deleted[0]} at "
            f"{readable_time(deleted[1])}; undelete it to bring it back"
        )
    if not workspace_known:
        return NotFound(f"There is no workspace '{ws}'")
    return NotFound(f"There is no journey '{clip_echo(name)}' in workspace '{ws}'")


def taken_name(ws: str, name: str, *, deleted: bool) -> JourneysError:
    """A create or rename refused because the name is in use (possibly by a deleted journey)."""
    if deleted:
        return JourneysError(
            f"A deleted journey named '{name}' exists in workspace '{ws}'; undelete it or choose another name"
        )
    return JourneysError(f"A journey named '{name}' already exists in workspace '{ws}'; choose another name")
