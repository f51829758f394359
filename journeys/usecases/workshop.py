"""The live workshop on a journey: who else is on it, and whether someone saved since the page was drawn.

A session calls :func:`heartbeat` and :func:`present` every couple of seconds, and :func:`head_version`
to notice a colleague's save (the page then redraws; an edit being typed is kept and saved through the
stale-safe flow). Being seen is not a change to the workspace: any member may, a viewer too, so these
write through the workspace's unguarded store once the person is known to be a member.

    >>> heartbeat(ws, "Billing support", session="3f2a…", step="pay")   # doctest: +SKIP
    >>> [p.shown for p in present(ws, "Billing support")]              # doctest: +SKIP
    ['Ann', 'Bea']
"""

from __future__ import annotations

from datetime import datetime

from journeys.members import Role, User
from journeys.workshop.presence import Head, Here, Presence, head_of
from journeys.workspace import Workspace

__all__ = ["Head", "Here", "head", "head_version", "heartbeat", "present"]


def heartbeat(ws: Workspace, journey: str, session: str, step: str | None, *, user: User | None = None,
              at: datetime | None = None) -> None:
    """Say that this session (as ``user``, default the workspace's person) is on ``journey`` with ``step`` open."""
    ws.require(Role.viewer, "joining the workshop on a journey")
    Presence(ws.shared_store).beat(ws.name, journey, session, user or ws.user, step, at)


def present(ws: Workspace, journey: str, at: datetime | None = None) -> list[Here]:
    """Everyone seen on ``journey`` in the last seconds (this session included), by name."""
    ws.require(Role.viewer, "seeing who is on a journey")
    return Presence(ws.shared_store).here(ws.name, journey, at)


def head(ws: Workspace, journey: str) -> Head:
    """The journey's current version, who saved it and when (one query); the store's NotFound when it is gone."""
    ws.require(Role.viewer, "reading a journey")
    found = head_of(ws.shared_store, ws.name, journey)
    if found is None:  # the store's own NotFound, in words (deleted by whom, or unknown); or undeleted since
        loaded = ws.journeys.load(journey)
        return Head(loaded.version, loaded.saved_by, loaded.saved_at)
    return found


def head_version(ws: Workspace, journey: str) -> int:
    """The journey's current version: what a page polls to notice a colleague's save."""
    return head(ws, journey).version
