"""The app frame, run headless through Streamlit's AppTest."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from journeys.demo import DEMO_FUTURE, DEMO_JOURNEY
from tests.pagetest import DEMO_TICKETS

APP = str(Path(__file__).resolve().parents[2] / "streamlit_app.py")


@pytest.fixture
def app_home(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("JOURNEYS_HOME", str(tmp_path))
    monkeypatch.delenv("JOURNEYS_DATABASE_URL", raising=False)
    monkeypatch.delenv("JOURNEYS_WORKSPACE", raising=False)
    return tmp_path


def test_first_start_loads_demo_and_lists_its_journeys(app_home):
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception
    table = at.dataframe[0].value
    assert set(table["Journey"]) == {DEMO_JOURNEY, DEMO_FUTURE}
    planted = table.set_index("Journey").loc[DEMO_JOURNEY, "Errors"]
    assert planted == 2
    assert (app_home / "journeys.db").exists()
    assert at.sidebar.selectbox[0].value == "demo"


def test_overview_counts_ticket_data(demo_home):
    """On the session's demo workspace (tests/conftest.py) rather than a demo built here: only the count differs."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception
    assert any(f"{DEMO_TICKETS:,} tickets" in c.value and "Zendesk tickets (demo)" in c.value for c in at.caption)
