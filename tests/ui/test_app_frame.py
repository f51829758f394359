"""The app frame, run headless through Streamlit's AppTest."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from journeys.demo import DEMO_FUTURE, DEMO_JOURNEY

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


def test_overview_counts_ticket_data(app_home):
    from journeys.demo.loader import load_demo
    from journeys.store import Store

    with Store.for_folder(app_home) as store:
        load_demo(store, "demo", home=app_home, tickets=3_000)
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception
    assert any("3,000 tickets" in c.value and "Zendesk tickets (demo)" in c.value for c in at.caption)
