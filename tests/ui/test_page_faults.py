"""Failure in words on every page: the database down, a read-only database, an unknown error.

Each page shows one short sentence (no stack trace, file path or host name) and works again on the
next run once the fault is gone: the frame's one error boundary (:func:`ui.frame.show_fault`) and
no store cached in a broken state.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from journeys.store import Store
from tests.pg_cluster import PgCluster, find_bindir

APP = str(Path(__file__).resolve().parents[2] / "streamlit_app.py")
PAGES = [None, "map", "compare", "history", "friction", "topics", "import_tickets", "rules", "discover", "priorities",
         "experiments", "review", "settings"]
UNREACHABLE = "Cannot reach the workspace database"
LEAKS = ("Traceback", "127.0.0.1", "localhost", "/work", "/tmp", "psycopg", "sqlalchemy", "File \"", ".py")


def _closed_port() -> int:
    """A port nothing listens on (bound, read, released: connecting is refused at once)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _texts(node: object) -> Iterator[str]:
    """Every string of every element on the page (main area and sidebar), from the elements' protos."""
    proto = getattr(node, "proto", None)
    if proto is not None:
        yield str(proto)
    for child in getattr(node, "children", {}).values():
        yield from _texts(child)


def _open(page: str | None, author: str = "Tester") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["author"] = author
    at.run()
    if page:
        at.switch_page(f"pages/{page}.py")
        at.run()
    return at


def _assert_in_words(at: AppTest, sentence: str, where: str) -> None:
    errors = [e.value for e in at.error]
    assert any(sentence in e for e in errors), (where, errors, at.exception)
    assert not at.exception, (where, at.exception)
    shown = "\n".join(_texts(at._tree))
    for leak in LEAKS:
        assert leak not in shown, (where, leak, [line for line in shown.splitlines() if leak in line][:3])


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("JOURNEYS_HOME", str(tmp_path))
    monkeypatch.delenv("JOURNEYS_WORKSPACE", raising=False)
    return tmp_path


def test_every_page_says_the_database_is_unreachable_in_words(home, monkeypatch):
    monkeypatch.setenv("JOURNEYS_DATABASE_URL", f"postgresql://nobody@127.0.0.1:{_closed_port()}/x")
    for page in PAGES:
        _assert_in_words(_open(page), UNREACHABLE, page or "overview")


def test_an_unknown_error_shows_its_type_only():
    def script() -> None:
        from ui.frame import show_fault

        try:
            raise KeyError("/srv/journeys/secret.db on db.internal.example")
        except KeyError as error:
            show_fault(error)

    at = AppTest.from_function(script).run()
    assert len(at.exception) == 1  # an exception element: tests asserting `not at.exception` still see bugs
    shown = "\n".join(_texts(at._tree))
    assert "KeyError" in at.exception[0].message and "nothing was half-saved" in at.exception[0].message
    assert not at.exception[0].stack_trace
    assert "secret" not in shown and "db.internal" not in shown and "/srv" not in shown


def test_a_read_only_database_is_said_in_words(home, monkeypatch):
    """Root ignores file modes, so the database is opened read-only by SQLite itself (``mode=ro``):
    an empty workspace database makes the first start write the demo journeys, which is refused."""
    path = home / "journeys.db"
    Store(f"sqlite:///{path}")  # migrated, no workspace yet
    monkeypatch.setenv("JOURNEYS_DATABASE_URL", f"sqlite:///file:{path}?mode=ro&uri=true")
    for page in (None, "map"):
        _assert_in_words(_open(page), "read-only", page or "overview")


@pytest.mark.postgres
@pytest.mark.skipif(find_bindir() is None, reason="PostgreSQL binaries (initdb, pg_ctl) not installed")
def test_pages_recover_by_themselves_when_the_database_returns(home, monkeypatch):
    with PgCluster() as pg:
        monkeypatch.setenv("JOURNEYS_DATABASE_URL", pg.create_database("journeys"))
        at = _open("map")
        assert not at.exception and not at.error, (at.exception, at.error)
        assert at.title[0].value == "Journey map"

        data = str(pg.root / "data")
        pg._run("pg_ctl", "-D", data, "-m", "fast", "-w", "stop")
        at.run()  # the same session, the store cached while the database was up
        _assert_in_words(at, UNREACHABLE, "map, database stopped")
        _assert_in_words(_open("friction"), UNREACHABLE, "friction, database stopped")

        pg._run("pg_ctl", "-D", data, "-l", str(pg.root / "server.log"), "-w", "start",
                "-o", f"-p {pg.port} -k '{pg.root}' -c listen_addresses=127.0.0.1")
        at.run()  # nothing restarted, nothing cleared: the next run simply works
        assert not at.exception and not at.error, (at.exception, at.error)
        assert at.title[0].value == "Journey map"
        assert at.selectbox(key="journey_pick").value
