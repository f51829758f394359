"""Versioned JSON documents of a workspace: pain points, journey reviews, workspace settings, experiments.

Each document is identified by (workspace, kind, key) and stored as an
append-only list of versions, like journeys: every save names the version it
was based on and is refused with :class:`~journeys.errors.StaleWrite` when
someone saved since, so two managers editing one pain point never overwrite
each other. History, old versions and "who changed what" come for free.

The body is plain JSON (a dict) validated by the domain model that owns the
kind (e.g. :class:`journeys.painpoints.PainPoint`); this module never looks
inside it. Keys of new documents can be numbered per kind (``PP-1``, ``PP-2``)
inside the creating transaction, so two people creating at once get distinct
keys. Migration ``0003`` creates the table.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, Integer, String, Table, Text, UniqueConstraint, select

from journeys.errors import JourneysError, NotFound, StaleWrite, clip_echo
from journeys.store.core import Store, workspace_named
from journeys.store.records import Change, Revision, RevisionLog, VersionTaken, clean, readable_time
from journeys.store.schema import AUTHOR_LENGTH, NAME_LENGTH, UTCDateTime, metadata

KIND_LENGTH = 40
KEY_LENGTH = 200
BODY_LIMIT = 2_000_000  # characters of JSON: a pain point with quotes and evidence is a few KB

documents = Table(
    "documents",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("workspace_id", Integer, ForeignKey("workspaces.id"), nullable=False),
    Column("kind", String(KIND_LENGTH), nullable=False),
    Column("key", String(KEY_LENGTH), nullable=False),
    Column("version", Integer, nullable=False),
    Column("body", Text, nullable=False),  # JSON object
    Column("author", String(AUTHOR_LENGTH), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("message", Text, nullable=False, server_default=""),
    UniqueConstraint("workspace_id", "kind", "key", "version"),
)


@dataclass(frozen=True)
class Document:
    """One version of a document as stored."""

    kind: str
    key: str
    version: int
    body: dict[str, Any]
    author: str
    created_at: datetime
    message: str


def body_text(body: Mapping[str, Any]) -> str:
    if not isinstance(body, Mapping):
        raise JourneysError(f"A document body must be a JSON object, not {type(body).__name__}")
    try:
        text = json.dumps(dict(body), ensure_ascii=False, sort_keys=True, default=str)
    except (TypeError, ValueError) as exc:
        raise JourneysError(f"The document cannot be stored as JSON: {exc}") from None
    if len(text) > BODY_LIMIT:
        raise JourneysError(f"The document is too large ({len(text):,} characters; the limit is {BODY_LIMIT:,})")
    return text


def stale_document(label: str, expected: int, head: Any) -> JourneysError:
    """The refusal of a save based on ``expected`` when ``head`` (newest revision, or None) is current."""
    if head is None:
        return JourneysError(f"'{label}' does not exist (you expected version {expected}); create it first")
    return StaleWrite(label, expected, head.version, head.author, readable_time(head.created_at))


def no_document(workspace: str, kind: str, key: str, known: list[str]) -> NotFound:
    """The refusal of a read of a document that does not exist, naming (up to 20 of) those that do."""
    shown = ", ".join(known[:20]) or "none yet"
    return NotFound(f"There is no {kind} '{clip_echo(key)}' in workspace '{workspace}' (known: {shown})")


def no_document_version(kind: str, key: str, version: int) -> NotFound:
    return NotFound(f"{kind} '{key}' has no version {version}")


def next_key(prefix: str, keys: list[str]) -> str:
    """The next free ``<prefix>-<n>`` after the numbered keys in ``keys`` (PP-1, PP-2 …)."""
    pattern = re.compile(rf"^{re.escape(prefix)}-(\d+)$")
    taken = [int(m.group(1)) for k in keys if (m := pattern.match(k))]
    return f"{prefix}-{max(taken, default=0) + 1}"


class DocumentStore:
    """Versioned documents in a Store's database (same engines, same transaction rules, same record log)."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._engine = store.reader
        self._log = RevisionLog(documents, ("workspace_id", "kind", "key"), "body")

    # --- writes ----------------------------------------------------------------------------------

    def save(self, workspace: str, kind: str, key: str, body: Mapping[str, Any], author: str, *,
             message: str = "", expected_version: int = 0, label: str | None = None) -> int:
        """Append ``body`` as the version after ``expected_version`` (0: a new document); returns the new version.

        Raises :class:`StaleWrite` (who saved, when) when the head is not ``expected_version``.
        ``label`` names the document in that message (default "kind key").
        """
        ws, kind, key, who = self._names(workspace, kind, key, author)
        text = body_text(body)
        shown = label or f"{kind} {key}"
        with self._store.writer.begin() as conn:
            record = self._record(self._store.workspace_id(conn, ws), kind, key)
            return self._log.compare_and_set(conn, record, expected_version, text, who, message,
                                             lambda head: stale_document(shown, expected_version, head))

    def create(self, workspace: str, kind: str, prefix: str, body: Mapping[str, Any], author: str,
               message: str = "Created") -> str:
        """Store a new document under the next free key ``<prefix>-<n>`` of its kind; returns the key."""
        ws, kind, _, who = self._names(workspace, kind, prefix, author)
        text = body_text(body)
        for _attempt in range(5):
            try:
                with self._store.writer.begin() as conn:
                    ws_id = self._store.workspace_id(conn, ws)
                    keys = conn.execute(select(documents.c.key).distinct().where(
                        documents.c.workspace_id == ws_id, documents.c.kind == kind)).scalars().all()
                    key = next_key(prefix, list(keys))
                    self._log.append(conn, self._record(ws_id, kind, key), 1, text, who, message)
                return key
            except VersionTaken:  # someone created the same number at the same moment: take the next
                continue
        raise JourneysError(f"Could not pick a free {prefix} number; please try again")

    def append_next(self, workspace: str, kind: str, key: str, body_for: Callable[[int], Mapping[str, Any]],
                    author: str, message: str = "", attempts: int = 5) -> Document:
        """Append the next version, whatever it is; ``body_for(version)`` runs in the transaction once the
        number is known (e.g. to put a file in place under that number). Concurrent appends get distinct
        versions: one that loses the race calls ``body_for`` again with the next number."""
        ws, kind, key, who = self._names(workspace, kind, key, author)
        for _attempt in range(attempts):
            try:
                with self._store.writer.begin() as conn:
                    record = self._record(self._store.workspace_id(conn, ws), kind, key)
                    head = self._log.head(conn, record)
                    version = head.version + 1 if head is not None else 1
                    self._log.append(conn, record, version, body_text(body_for(version)), who, message)
            except VersionTaken:
                continue
            return self.revision(ws, kind, key, version)
        raise JourneysError(f"Could not record a new version of {kind} '{key}': too many saves at once; try again")

    def restore(self, workspace: str, kind: str, key: str, version: int, author: str, *,
                expected_version: int | None = None, label: str | None = None) -> int:
        """Write version ``version``'s body as a new version on top ("Restored version N"); with
        ``expected_version`` a save by someone else since is refused, as for :meth:`save`."""
        ws, kind, key, who = self._names(workspace, kind, key, author)
        shown = label or f"{kind} {key}"
        with self._store.writer.begin() as conn:
            record = self._record(self._store.workspace_id(conn, ws), kind, key)
            return self._log.restore(conn, record, version, who, expected_version,
                                     lambda expected, head: stale_document(shown, expected, head),
                                     lambda v: no_document_version(kind, key, v))

    # --- reads -----------------------------------------------------------------------------------

    def get(self, workspace: str, kind: str, key: str) -> Document | None:
        """The newest version, or None when there is no such document."""
        ws, kind, key, _ = self._names(workspace, kind, key, "reader")
        with self._engine.connect() as conn:
            row = self._log.head(conn, self._named(ws, kind, key))
        return None if row is None else self._document(row)

    def load(self, workspace: str, kind: str, key: str) -> Document:
        """The newest version; :class:`NotFound` naming what exists when there is no such document."""
        found = self.get(workspace, kind, key)
        if found is None:
            raise no_document(workspace, kind, key, [d.key for d in self.latest(workspace, kind)])
        return found

    def latest(self, workspace: str, kind: str) -> list[Document]:
        """The newest version of every document of a kind, in key order (``PP-2`` before ``PP-10``)."""
        ws, kind, _, _ = self._names(workspace, kind, "all", "reader")
        scope = [documents.c.workspace_id == workspace_named(ws), documents.c.kind == kind]
        with self._engine.connect() as conn:
            rows = conn.execute(self._log.newest(scope)).all()
        return sorted((self._document(r) for r in rows), key=lambda d: natural(d.key))

    def history(self, workspace: str, kind: str, key: str) -> list[Revision]:
        """Every version, newest first (empty when there is no such document)."""
        ws, kind, key, _ = self._names(workspace, kind, key, "reader")
        with self._engine.connect() as conn:
            return self._log.history(conn, self._named(ws, kind, key))

    def revision(self, workspace: str, kind: str, key: str, version: int) -> Document:
        """One stored version; :class:`NotFound` when it does not exist."""
        ws, kind, key, _ = self._names(workspace, kind, key, "reader")
        with self._engine.connect() as conn:
            row = self._log.at(conn, self._named(ws, kind, key), version)
        if row is None:
            raise no_document_version(kind, key, version)
        return self._document(row)

    def diff(self, workspace: str, kind: str, key: str, old: int, new: int) -> list[Change]:
        """Every value that differs between two versions of a document."""
        ws, kind, key, _ = self._names(workspace, kind, key, "reader")
        with self._engine.connect() as conn:
            return self._log.diff(conn, self._named(ws, kind, key), old, new,
                                  lambda v: no_document_version(kind, key, v))

    # --- helpers ---------------------------------------------------------------------------------

    @staticmethod
    def _names(workspace: str, kind: str, key: str, author: str) -> tuple[str, str, str, str]:
        return (clean(workspace, "workspace name", NAME_LENGTH), clean(kind, "document kind", KIND_LENGTH),
                clean(key, "document key", KEY_LENGTH), clean(author, "author", AUTHOR_LENGTH))

    @staticmethod
    def _record(ws_id: int, kind: str, key: str) -> dict[str, Any]:
        return {"workspace_id": ws_id, "kind": kind, "key": key}

    @staticmethod
    def _named(ws: str, kind: str, key: str) -> dict[str, Any]:
        return {"workspace_id": workspace_named(ws), "kind": kind, "key": key}

    @staticmethod
    def _document(row: Any) -> Document:
        return Document(row.kind, row.key, row.version, json.loads(row.body), row.author, row.created_at,
                        row.message)


def natural(key: str) -> tuple[Any, ...]:
    """Sort key that puts PP-2 before PP-10."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", key))
