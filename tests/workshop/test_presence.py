"""Presence on a journey: heartbeats upserted per session, the 10-second window, pruning, roles, the polled head."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

import journeys
from journeys.errors import NotAllowed, NotFound, StaleWrite
from journeys.members import Role, User
from journeys.model import Journey, Step
from journeys.store import Store
from journeys.store.schema import presence
from journeys.usecases.workshop import head, head_version, heartbeat, present
from journeys.workshop.presence import HERE_SECONDS, KEEP_SECONDS
from journeys.workspace import Workspace

T0 = datetime(2026, 12, 7, 10, 0, 0, tzinfo=UTC)
ANN, BEA = User("ann@example.com", "Ann"), User("bea@example.com", "Bea")
NAME = "Onboarding"


def _journey() -> Journey:
    return Journey(name=NAME, steps=[Step(id="signup", label="Signs up", stage="Sign up"),
                                     Step(id="verify", label="Verifies e-mail", stage="Sign up")])


@pytest.fixture
def ws(store: Store, tmp_path: Path) -> Iterator[Workspace]:
    """A workspace with one journey, on each backend (the ``store`` fixture runs SQLite and PostgreSQL)."""
    with journeys.open_workspace(tmp_path / "home", store.url, "team", store=store) as opened:
        opened.journeys.create(_journey(), "Ann")
        yield opened


def _rows(store: Store) -> int:
    with store.reader.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(presence)).scalar_one())


def test_each_session_is_one_row_upserted_with_the_step_it_has_open(ws: Workspace) -> None:
    heartbeat(ws, NAME, "s-ann", None, user=ANN, at=T0)
    heartbeat(ws, NAME, "s-bea", "signup", user=BEA, at=T0)
    heartbeat(ws, NAME, "s-bea", "verify", user=BEA, at=T0 + timedelta(seconds=2))  # Bea opened another step
    seen = present(ws, NAME, at=T0 + timedelta(seconds=3))
    assert [(p.shown, p.session, p.step) for p in seen] == [("Ann", "s-ann", None), ("Bea", "s-bea", "verify")]
    assert seen[1].seen_at == T0 + timedelta(seconds=2) and seen[1].email == BEA.email
    assert _rows(ws.shared_store) == 2
    assert present(ws, "Another journey", at=T0) == []


def test_here_means_seen_in_the_last_ten_seconds_and_old_rows_are_pruned_by_the_next_beat(ws: Workspace) -> None:
    heartbeat(ws, NAME, "s-ann", None, user=ANN, at=T0)
    heartbeat(ws, NAME, "s-bea", "signup", user=BEA, at=T0 + timedelta(seconds=5))
    edge = T0 + timedelta(seconds=HERE_SECONDS)
    assert [p.shown for p in present(ws, NAME, at=edge)] == ["Ann", "Bea"]
    assert [p.shown for p in present(ws, NAME, at=edge + timedelta(seconds=1))] == ["Bea"]
    assert _rows(ws.shared_store) == 2  # faded, not yet deleted
    later = T0 + timedelta(seconds=5 + KEEP_SECONDS + 1)  # Ann's row is over a minute old, Bea's too
    heartbeat(ws, "Another journey", "s-cy", None, user=User("cy@example.com", "Cy"), at=later)
    assert _rows(ws.shared_store) == 1  # pruned by a beat on any journey, leaving only Cy's own


def test_a_viewer_is_seen_but_someone_who_is_not_a_member_is_refused(ws: Workspace) -> None:
    viewer = ws.as_user(BEA, Role.viewer)
    heartbeat(viewer, NAME, "s-bea", "signup", at=T0)
    assert [(p.email, p.name) for p in present(viewer, NAME, at=T0)] == [(BEA.email, "Bea")]
    with pytest.raises(NotAllowed):  # the viewer's guarded store refuses a journey save, presence is not one
        viewer.journeys.save(_journey(), 1, "Bea")
    stranger = ws.as_user(User("eve@example.com", "Eve"), None)
    with pytest.raises(NotAllowed):
        heartbeat(stranger, NAME, "s-eve", None, at=T0)
    with pytest.raises(NotAllowed):
        present(stranger, NAME, at=T0)
    with pytest.raises(NotAllowed):
        head_version(stranger, NAME)
    assert [p.shown for p in present(ws, NAME, at=T0)] == ["Bea"]


def test_head_version_follows_saves_and_says_who_saved(ws: Workspace) -> None:
    assert head_version(ws, NAME) == 1
    renamed = _journey().model_copy(update={"steps": [*_journey().steps,
                                                      Step(id="welcome", label="Welcome", stage="Sign up")]})
    assert ws.journeys.save(renamed, 1, "Maya") == 2
    now = head(ws, NAME)
    assert (now.version, now.saved_by) == (2, "Maya") == (ws.journeys.load(NAME).version, "Maya")
    with pytest.raises(StaleWrite):
        ws.journeys.save(renamed, 1, "Ann")
    assert head_version(ws, NAME) == 2
    ws.journeys.delete(NAME, 2, "Maya")
    with pytest.raises(NotFound, match="deleted"):
        head_version(ws, NAME)
    with pytest.raises(NotFound):
        head_version(ws, "No such journey")


def test_heartbeats_on_an_unknown_workspace_are_refused_in_words(store: Store, tmp_path: Path) -> None:
    with (journeys.open_workspace(tmp_path / "home", store.url, "nobody-made-this", store=store) as ws,
          pytest.raises(NotFound, match="no workspace 'nobody-made-this'")):
        heartbeat(ws, NAME, "s-ann", None, user=ANN, at=T0)


def test_sessions_beating_at_once_while_pruning_neither_deadlock_nor_lose_a_row(ws: Workspace) -> None:
    import itertools

    from tests.concurrency import at_once

    for i in range(10):  # sessions that left: every beat below tries to prune them, in parallel
        heartbeat(ws, NAME, f"gone-{i}", None, user=ANN, at=T0)
    numbers = itertools.count()
    later = T0 + timedelta(seconds=KEEP_SECONDS + 30)

    def beats() -> str:
        session = f"s-{next(numbers)}"
        for n in range(5):
            heartbeat(ws, NAME, session, "signup", user=BEA, at=later + timedelta(milliseconds=n))
        return session

    sessions, errors = at_once(beats, 12)
    assert errors == []
    assert sorted(p.session for p in present(ws, NAME, at=later)) == sorted(sessions)
    assert _rows(ws.shared_store) == 12


def test_migration_0004_applies_on_a_database_at_0003_and_goes_back_down(db_url: str) -> None:
    from alembic import command
    from sqlalchemy import create_engine, inspect

    from journeys.store.migrate import alembic_config

    engine = create_engine(db_url)
    try:
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn), "0003")
        assert "presence" not in inspect(engine).get_table_names()
        with Store(db_url) as store:  # opening migrates 0003 -> head
            store.ensure_workspace("team")
            with journeys.open_workspace(Path("unused"), db_url, "team", store=store) as ws:
                heartbeat(ws, NAME, "s-ann", None, user=ANN, at=T0)
                assert [p.shown for p in present(ws, NAME, at=T0)] == ["Ann"]
        with engine.begin() as conn:
            command.downgrade(alembic_config(conn), "0003")
        tables = set(inspect(engine).get_table_names())
        assert "presence" not in tables and {"documents", "journeys"} <= tables
    finally:
        engine.dispose()
