"""Opening the app's pages in AppTest the way every page test does: a workspace folder, a name, a page."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from journeys.settings import load_settings
from journeys.store import Store

APP = str(Path(__file__).resolve().parent.parent / "streamlit_app.py")
DEMO_TICKETS = 30_000  # the shared demo workspace's tickets: enough for every planted effect to show


def use_home(monkeypatch: pytest.MonkeyPatch, home: Path) -> Path:
    """Point the app at ``home`` with the embedded database and the default workspace."""
    monkeypatch.setenv("JOURNEYS_HOME", str(home))
    for var in ("JOURNEYS_DATABASE_URL", "JOURNEYS_WORKSPACE"):
        monkeypatch.delenv(var, raising=False)
    return home


def open_page(page: str | None = None, *, author: str | None = "Tester", timeout: int = 90,
              **params: str) -> AppTest:
    """Run the app (as ``author``, with query ``params``), switch to ``pages/<page>.py`` and check it ran."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    if author:
        at.session_state["author"] = author
    for key, value in params.items():
        at.query_params[key] = value
    if page:  # straight to the page, as a deep link opens it: the frame runs around it all the same, and the
        at.switch_page(f"pages/{page}.py")  # Overview (the whole loop at a glance) is not computed first for nothing
    at.run()
    assert not at.exception, at.exception
    return at


def section(at: AppTest, title: str) -> list[str]:
    """The markdown and captions of the smallest block holding a markdown with ``title`` (one bordered box)."""
    found: list[list[str]] = []
    todo = list(at.main.children.values())
    while todo:
        block = todo.pop()
        if not hasattr(block, "children"):
            continue
        todo += list(block.children.values())
        texts = [m.value for m in block.markdown]
        if any(title in t for t in texts):
            found.append(texts + [c.value for c in block.caption])
    assert found, f"no section {title!r}"
    return min(found, key=len)


def store_at(home: Path) -> Store:
    """The workspace database of the folder ``home`` (a test reads what a page saved)."""
    return Store(load_settings(home=home).database_url)
