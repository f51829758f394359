"""Who is on a journey right now: each browser session's heartbeat, and the sessions seen in the last seconds.

A workshop is a room of people on one map; Streamlit has no shared state between sessions, so each session
says "I am here, on this step" every couple of seconds (:meth:`Presence.beat`, one upsert of its own row)
and reads who else did lately (:meth:`Presence.here`). Rows are not history: a session that stopped beating
is gone after :data:`HERE_SECONDS`, and its row is deleted a minute later by whoever beats next.

Any member may be present, a viewer too: the use case (:mod:`journeys.usecases.workshop`) checks the
role and writes through the workspace's unguarded store.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, delete, select, tuple_
from sqlalchemy.exc import IntegrityError

from journeys.errors import NotFound
from journeys.members import User
from journeys.store.records import clean, insert_ignoring, now
from journeys.store.schema import AUTHOR_LENGTH, NAME_LENGTH, journeys, presence, workspaces

if TYPE_CHECKING:
    from journeys.store import Store

HERE_SECONDS = 10  # seen this recently: here (a session beats every ~2 s, so four missed beats to be gone)
KEEP_SECONDS = 60  # older rows are deleted by the next heartbeat
SESSION_LENGTH = 64


@dataclass(frozen=True)
class Here:
    """One browser session on the journey: who (as they signed in or named themselves), the step open, when."""

    session: str
    email: str
    name: str
    step: str | None
    seen_at: datetime

    @property
    def shown(self) -> str:
        return self.name.strip() or self.email


@dataclass(frozen=True)
class Head:
    """A journey's current version and who saved it when: what a workshop session polls for."""

    version: int
    saved_by: str
    saved_at: datetime


def head_of(store: Store, workspace: str, journey: str) -> Head | None:
    """The journey's head in one indexed query (no snapshot read); None when it is missing or deleted."""
    query = (select(journeys.c.version, journeys.c.updated_by, journeys.c.updated_at)
             .join(workspaces, workspaces.c.id == journeys.c.workspace_id)
             .where(workspaces.c.name == workspace, journeys.c.name == journey, journeys.c.deleted.is_(False)))
    with store.reader.connect() as conn:
        row = conn.execute(query).first()
    return None if row is None else Head(row.version, row.updated_by, row.updated_at)


def _stale(moment: datetime) -> Select[Any]:
    """The keys of rows older than :data:`KEEP_SECONDS`, skipping rows another transaction has locked
    (PostgreSQL's ``FOR UPDATE SKIP LOCKED``; SQLite has one writer at a time and no row locks)."""
    keys = select(*presence.primary_key.columns).where(presence.c.seen_at < moment - timedelta(seconds=KEEP_SECONDS))
    return keys.with_for_update(skip_locked=True)


class Presence:
    """The presence table of a store (SQLite or PostgreSQL)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def beat(self, workspace: str, journey: str, session: str, user: User, step: str | None,
             at: datetime | None = None) -> None:
        """Say that ``session`` (``user``) is on ``journey`` with ``step`` open: one upsert of its row, after
        deleting the rows nobody has refreshed for a minute (:func:`_stale`: never waiting on a row another
        heartbeat holds, so concurrent heartbeats cannot deadlock on PostgreSQL)."""
        ws = clean(workspace, "workspace name", NAME_LENGTH)
        key = {"journey": clean(journey, "journey name", NAME_LENGTH),
               "session": clean(session, "session", SESSION_LENGTH)}
        moment = at or now()
        row = {"email": user.email[:AUTHOR_LENGTH], "name": user.name.strip()[:AUTHOR_LENGTH],
               "step": step[:NAME_LENGTH] if step else None, "seen_at": moment}
        ws_id = select(workspaces.c.id).where(workspaces.c.name == ws).scalar_subquery()
        with self._store.writer.begin() as conn:
            conn.execute(delete(presence).where(tuple_(*presence.primary_key.columns).in_(_stale(moment))))
            upsert = insert_ignoring(conn)(presence).values(workspace_id=ws_id, **key, **row)
            try:
                conn.execute(upsert.on_conflict_do_update(
                    index_elements=[presence.c.workspace_id, presence.c.journey, presence.c.session], set_=row))
            except IntegrityError:  # the workspace id came back NULL: no such workspace
                raise NotFound(f"There is no workspace '{ws}'") from None

    def here(self, workspace: str, journey: str, at: datetime | None = None) -> list[Here]:
        """The sessions seen on ``journey`` in the last :data:`HERE_SECONDS`, by name."""
        ws = clean(workspace, "workspace name", NAME_LENGTH)
        since = (at or now()) - timedelta(seconds=HERE_SECONDS)
        query = (select(presence).join(workspaces, workspaces.c.id == presence.c.workspace_id)
                 .where(workspaces.c.name == ws, presence.c.journey == journey, presence.c.seen_at >= since))
        with self._store.reader.connect() as conn:
            rows = conn.execute(query).all()
        found = [Here(r.session, r.email, r.name, r.step, r.seen_at) for r in rows]
        return sorted(found, key=lambda h: (h.shown.casefold(), h.session))
