"""One versioned-record mechanism: compare-and-set on an expected version over append-only revisions.

Journeys (``journey_revisions``), documents (``documents``: pain points, experiments, reviews,
settings, activity maps, event-log versions) and mapping rules (``rule_sets``) are the same thing:
an append-only table of revisions of a record, the record named by some identity columns
(``journey_id``; ``workspace_id, kind, key``; ``workspace_id, journey``) and each revision by its
version. :class:`RevisionLog` is that thing, parameterised by table; the stores only choose the
table and word their own messages. So there is one place where:

- a write names the version it was based on and is refused (``stale(head)``) when the newest
  revision is another one: no lock is held across a user's think-time, nothing is overwritten;
- two writers racing past that check both try to insert the same (record, version): the table's
  unique constraint lets one win; the other's insert (in a savepoint, so its transaction stays
  usable) fails, and it is refused like any stale write, naming the winner (PostgreSQL reads the
  winner's committed row in the next statement; SQLite never gets there, as its writes take the
  write lock up front, ``BEGIN IMMEDIATE``);
- history, one revision, the difference between two revisions and a restore (an old body written
  as a new revision on top, "Restored version N") are read and written.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Row, Select, Table, and_, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement

from journeys.errors import JourneysError, NotFound

Identity = Mapping[str, Any]  # column name -> value (or a scalar subquery) naming one record
Stale = Callable[[Row[Any] | None], JourneysError]  # builds the refusal from the newest revision (None: none yet)


@dataclass(frozen=True)
class Revision:
    """One entry of a record's history (without its body, which may be large)."""

    version: int
    author: str
    created_at: datetime
    message: str


@dataclass(frozen=True)
class Change:
    """One value that differs between two revisions; ``path`` is dotted (``steps.2.label``)."""

    path: str
    old: Any
    new: Any


class VersionTaken(Exception):
    """A concurrent writer appended the version this write was about to; the write is stale."""


def now() -> datetime:
    """The time stamped on a revision: aware UTC."""
    return datetime.now(UTC)


def readable_time(moment: datetime) -> str:
    """How a stored time is shown in messages: UTC to the second."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def clean(value: str, what: str, limit: int) -> str:
    """Strip a workspace name, key or author; refuse blanks and overlong values with a clear message."""
    cleaned = (value or "").strip()
    if not cleaned:
        raise JourneysError(f"The {what} is empty; give a {what}")
    if len(cleaned) > limit:
        raise JourneysError(f"The {what} is longer than {limit} characters")
    return cleaned


def insert_ignoring(conn: Connection) -> Callable[..., Any]:
    """The dialect's INSERT that has ON CONFLICT (race-free 'create if missing' and upserts)."""
    return postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert


def changes(old: Any, new: Any, path: str = "") -> list[Change]:
    """Every leaf value that differs between two JSON values, in document order.

    Objects are compared key by key and lists item by item, so a long body yields the few
    values that changed rather than "everything"; a value whose type changed is one change."""
    if isinstance(old, dict) and isinstance(new, dict):
        found: list[Change] = []
        for key in [*old, *(k for k in new if k not in old)]:
            found += changes(old.get(key), new.get(key), f"{path}.{key}" if path else str(key))
        return found
    if isinstance(old, list) and isinstance(new, list):
        found = []
        for index in range(max(len(old), len(new))):
            before = old[index] if index < len(old) else None
            after = new[index] if index < len(new) else None
            found += changes(before, after, f"{path}.{index}" if path else str(index))
        return found
    return [] if old == new else [Change(path, old, new)]


class RevisionLog:
    """The revisions of the records of one append-only table.

    ``identity`` names the columns that pick out one record, ``body`` the column holding a
    revision's JSON text. The table must have ``version``, ``author``, ``created_at`` and
    ``message`` columns and a unique constraint over ``identity`` + ``version``.

    ``heads``: a table with one row per record (``id``, ``version``, and whatever a listing
    needs), as journeys have. The compare-and-set is then the head's ``UPDATE … WHERE version =
    expected`` (PostgreSQL makes a concurrent writer wait on the row and then see zero rows), and
    the revision is appended after it; ``identity`` is then the one column referring to ``heads.id``."""

    def __init__(self, table: Table, identity: Sequence[str], body: str, *, heads: Table | None = None) -> None:
        self.table = table
        self.identity = tuple(identity)
        self.body = table.c[body]
        self.heads = heads
        self._version = table.c.version

    def _match(self, record: Identity) -> list[ColumnElement[bool]]:
        return [self.table.c[name] == record[name] for name in self.identity]

    # --- reads ---------------------------------------------------------------------------------

    def head(self, conn: Connection, record: Identity) -> Row[Any] | None:
        """The newest revision of the record (all columns), or None when it has none."""
        return conn.execute(
            select(self.table).where(*self._match(record)).order_by(self._version.desc()).limit(1)
        ).first()

    def at(self, conn: Connection, record: Identity, version: int) -> Row[Any] | None:
        """One revision of the record, or None when it does not exist."""
        return conn.execute(select(self.table).where(*self._match(record), self._version == version)).first()

    def history(self, conn: Connection, record: Identity) -> list[Revision]:
        """Every revision, newest first; bodies are not fetched (a journey's is ~100 kB a version)."""
        c = self.table.c
        rows = conn.execute(
            select(c.version, c.author, c.created_at, c.message).where(*self._match(record))
            .order_by(self._version.desc())
        ).all()
        return [Revision(r.version, r.author, r.created_at, r.message) for r in rows]

    def newest(self, scope: Sequence[ColumnElement[bool]]) -> Select[Any]:
        """The newest revision of every record matching ``scope`` (conditions on this table)."""
        keys = [self.table.c[name] for name in self.identity]
        top = select(*keys, func.max(self._version).label("v")).where(*scope).group_by(*keys).subquery()
        joined = [self.table.c[name] == top.c[name] for name in self.identity]
        return select(self.table).join(top, and_(*joined, self._version == top.c.v))

    def diff(self, conn: Connection, record: Identity, old: int, new: int,
             missing: Callable[[int], NotFound]) -> list[Change]:
        """What changed from revision ``old`` to revision ``new`` of the record."""
        bodies = []
        for version in (old, new):
            row = self.at(conn, record, version)
            if row is None:
                raise missing(version)
            bodies.append(json.loads(row._mapping[self.body.name]))
        return changes(bodies[0], bodies[1])

    # --- writes --------------------------------------------------------------------------------

    def append(self, conn: Connection, record: Identity, version: int, body: str, author: str, message: str,
               at: datetime | None = None) -> None:
        """Insert one revision; :class:`VersionTaken` when a concurrent writer inserted that version first
        (the insert runs in a savepoint, so the transaction can go on, e.g. to read the winner)."""
        values = {name: record[name] for name in self.identity}
        try:
            with conn.begin_nested():
                conn.execute(insert(self.table).values(
                    **values, version=version, author=author, created_at=at or now(), message=message or "",
                    **{self.body.name: body}))
        except IntegrityError:
            raise VersionTaken() from None

    def compare_and_set(self, conn: Connection, record: Identity, expected: int, body: str, author: str,
                        message: str, stale: Stale, at: datetime | None = None,
                        head_values: Mapping[str, Any] | None = None) -> int:
        """Append ``body`` as version ``expected + 1`` if the newest revision is ``expected`` (0: none yet).

        Otherwise nothing is written and ``stale(newest revision)`` is raised (``stale(None)`` with
        ``heads``, whose row the caller reads). ``head_values``: what else the head row takes on.
        Returns the new version."""
        at = at or now()
        if self.heads is not None:
            (key,) = self.identity
            moved = conn.execute(
                update(self.heads).where(self.heads.c.id == record[key], self.heads.c.version == expected)
                .values(version=expected + 1, **(head_values or {})))
            if moved.rowcount != 1:
                raise stale(None)
            values = {key: record[key], "version": expected + 1, "author": author, "created_at": at,
                      "message": message or "", self.body.name: body}
            conn.execute(insert(self.table).values(**values))  # the head guards the number: no race here
            return expected + 1
        head = self.head(conn, record)
        if (head.version if head is not None else 0) != expected:
            raise stale(head)
        try:
            self.append(conn, record, expected + 1, body, author, message, at)
        except VersionTaken:
            raise stale(self.head(conn, record)) from None
        return expected + 1

    def restore(self, conn: Connection, record: Identity, version: int, author: str, expected: int | None,
                stale: Callable[[int, Row[Any] | None], JourneysError], missing: Callable[[int], NotFound]) -> int:
        """Write revision ``version``'s body on top as a new revision ("Restored version N").

        With ``expected`` a write by someone else since is refused (``stale(expected, newest)``);
        without, it goes on top of whatever is newest (history keeps everything either way)."""
        body = self.body_at(conn, record, version, missing)
        if expected is None:
            head = self.head(conn, record)
            expected = head.version if head is not None else 0
        on_top = expected
        return self.compare_and_set(conn, record, on_top, body, author, restored(version),
                                    lambda newest: stale(on_top, newest))

    def body_at(self, conn: Connection, record: Identity, version: int, missing: Callable[[int], NotFound]
                     ) -> str:
        """The body text of one revision (e.g. to write it on top again as a restore); ``missing(version)`` if none."""
        row = self.at(conn, record, version)
        if row is None:
            raise missing(version)
        return str(row._mapping[self.body.name])


def restored(version: int) -> str:
    """The message of a revision that brings an old one back (the same words for every record)."""
    return f"Restored version {version}"
