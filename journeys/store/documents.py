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
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    insert,
    select,
)
from sqlalchemy.exc import IntegrityError

from journeys.errors import JourneysError, NotFound, StaleWrite, clip_echo
from journeys.store.core import Revision, Store, _clean, _now, readable_time
from journeys.store.schema import AUTHOR_LENGTH, NAME_LENGTH, UTCDateTime, metadata, workspaces

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


def _body_text(body: Mapping[str, Any]) -> str:
    if not isinstance(body, Mapping):
        raise JourneysError(f"A document body must be a JSON object, not {type(body).__name__}")
    try:
        text = json.dumps(dict(body), ensure_ascii=False, sort_keys=True, default=str)
    except (TypeError, ValueError) as exc:
        raise JourneysError(f"The document cannot be stored as JSON: {exc}") from None
    if len(text) > BODY_LIMIT:
        raise JourneysError(f"The document is too large ({len(text):,} characters; the limit is {BODY_LIMIT:,})")
    return text


class DocumentStore:
    """Versioned documents in a Store's database (same engines, same transaction rules)."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._engine = store._engine
        self._writer = store._writer

    # --- writes ----------------------------------------------------------------------------------

    def save(self, workspace: str, kind: str, key: str, body: Mapping[str, Any], author: str, *,
             message: str = "", expected_version: int = 0, label: str | None = None) -> int:
        """Append ``body`` as the version after ``expected_version`` (0: a new document); returns the new version.

        Raises :class:`StaleWrite` (who saved, when) when the head is not ``expected_version``.
        ``label`` names the document in that message (default "kind key").
        """
        ws, kind, key, who = self._names(workspace, kind, key, author)
        text = _body_text(body)
        shown = label or f"{kind} {key}"
        try:
            with self._writer.begin() as conn:
                ws_id = self._store._ensure_workspace(conn, ws)
                head = self._head(conn, ws_id, kind, key)
                current = head.version if head is not None else 0
                if current != expected_version:
                    raise self._stale(shown, expected_version, head)
                self._append(conn, ws_id, kind, key, expected_version + 1, text, who, message)
        except IntegrityError:  # PostgreSQL: a concurrent save took the version after our check
            head = self.get(ws, kind, key)
            raise StaleWrite(shown, expected_version, head.version if head else 0,
                             head.author if head else "someone", readable_time(head.created_at) if head else "now"
                             ) from None
        return expected_version + 1

    def create(self, workspace: str, kind: str, prefix: str, body: Mapping[str, Any], author: str,
               message: str = "Created") -> str:
        """Store a new document under the next free key ``<prefix>-<n>`` of its kind; returns the key."""
        ws, kind, _, who = self._names(workspace, kind, prefix, author)
        text = _body_text(body)
        pattern = re.compile(rf"^{re.escape(prefix)}-(\d+)$")
        for _attempt in range(5):
            try:
                with self._writer.begin() as conn:
                    ws_id = self._store._ensure_workspace(conn, ws)
                    keys = conn.execute(select(documents.c.key).distinct().where(
                        documents.c.workspace_id == ws_id, documents.c.kind == kind)).scalars().all()
                    taken = [int(m.group(1)) for k in keys if (m := pattern.match(k))]
                    key = f"{prefix}-{max(taken, default=0) + 1}"
                    self._append(conn, ws_id, kind, key, 1, text, who, message)
                return key
            except IntegrityError:  # someone created the same number at the same moment: take the next
                continue
        raise JourneysError(f"Could not pick a free {prefix} number; please try again")

    # --- reads -----------------------------------------------------------------------------------

    def get(self, workspace: str, kind: str, key: str) -> Document | None:
        """The newest version, or None when there is no such document."""
        ws, kind, key, _ = self._names(workspace, kind, key, "reader")
        with self._engine.connect() as conn:
            row = conn.execute(self._query(ws, kind).where(documents.c.key == key)
                               .order_by(documents.c.version.desc()).limit(1)).first()
        return None if row is None else self._document(row)

    def load(self, workspace: str, kind: str, key: str) -> Document:
        """The newest version; :class:`NotFound` naming what exists when there is no such document."""
        found = self.get(workspace, kind, key)
        if found is None:
            known = ", ".join(d.key for d in self.latest(workspace, kind)[:20]) or "none yet"
            raise NotFound(f"There is no {kind} '{clip_echo(key)}' in workspace '{workspace}' (known: {known})")
        return found

    def latest(self, workspace: str, kind: str) -> list[Document]:
        """The newest version of every document of a kind, in key order (``PP-2`` before ``PP-10``)."""
        ws, kind, _, _ = self._names(workspace, kind, "all", "reader")
        newest = (select(documents.c.workspace_id, documents.c.key, func.max(documents.c.version).label("v"))
                  .join(workspaces, workspaces.c.id == documents.c.workspace_id)
                  .where(workspaces.c.name == ws, documents.c.kind == kind)
                  .group_by(documents.c.workspace_id, documents.c.key).subquery())
        query = select(documents).join(newest, (documents.c.workspace_id == newest.c.workspace_id)
                                       & (documents.c.key == newest.c.key) & (documents.c.version == newest.c.v)
                                       ).where(documents.c.kind == kind)
        with self._engine.connect() as conn:
            rows = conn.execute(query).all()
        return sorted((self._document(r) for r in rows), key=lambda d: _natural(d.key))

    def history(self, workspace: str, kind: str, key: str) -> list[Revision]:
        """Every version, newest first (empty when there is no such document)."""
        ws, kind, key, _ = self._names(workspace, kind, key, "reader")
        with self._engine.connect() as conn:
            rows = conn.execute(self._query(ws, kind).where(documents.c.key == key)
                                .order_by(documents.c.version.desc())).all()
        return [Revision(r.version, r.author, r.created_at, r.message) for r in rows]

    def revision(self, workspace: str, kind: str, key: str, version: int) -> Document:
        """One stored version; :class:`NotFound` when it does not exist."""
        ws, kind, key, _ = self._names(workspace, kind, key, "reader")
        with self._engine.connect() as conn:
            row = conn.execute(self._query(ws, kind).where(documents.c.key == key,
                                                           documents.c.version == version)).first()
        if row is None:
            raise NotFound(f"{kind} '{key}' has no version {version}")
        return self._document(row)

    # --- helpers ---------------------------------------------------------------------------------

    @staticmethod
    def _names(workspace: str, kind: str, key: str, author: str) -> tuple[str, str, str, str]:
        return (_clean(workspace, "workspace name", NAME_LENGTH), _clean(kind, "document kind", KIND_LENGTH),
                _clean(key, "document key", KEY_LENGTH), _clean(author, "author", AUTHOR_LENGTH))

    @staticmethod
    def _query(ws: str, kind: str) -> Any:
        return (select(documents).join(workspaces, workspaces.c.id == documents.c.workspace_id)
                .where(workspaces.c.name == ws, documents.c.kind == kind))

    @staticmethod
    def _head(conn: Connection, ws_id: int, kind: str, key: str) -> Any:
        return conn.execute(select(documents).where(
            documents.c.workspace_id == ws_id, documents.c.kind == kind, documents.c.key == key,
        ).order_by(documents.c.version.desc()).limit(1)).first()

    @staticmethod
    def _append(conn: Connection, ws_id: int, kind: str, key: str, version: int, text: str, author: str,
                message: str) -> None:
        conn.execute(insert(documents).values(workspace_id=ws_id, kind=kind, key=key, version=version, body=text,
                                              author=author, created_at=_now(), message=message or ""))

    @staticmethod
    def _stale(label: str, expected: int, head: Any) -> JourneysError:
        if head is None:
            return JourneysError(f"'{label}' does not exist (you expected version {expected}); create it first")
        return StaleWrite(label, expected, head.version, head.author, readable_time(head.created_at))

    @staticmethod
    def _document(row: Any) -> Document:
        return Document(row.kind, row.key, row.version, json.loads(row.body), row.author, row.created_at,
                        row.message)


def _natural(key: str) -> tuple:
    """Sort key that puts PP-2 before PP-10."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", key))
