"""The Friction page over the demo tickets, through AppTest."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from journeys.demo import DEMO_JOURNEY
from journeys.store import Store
from journeys.tickets.analysis import neutralise_formulas
from journeys.workspace import load_demo

APP = str(Path(__file__).resolve().parent.parent / "streamlit_app.py")


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("JOURNEYS_HOME", str(tmp_path))
    for var in ("JOURNEYS_DATABASE_URL", "JOURNEYS_WORKSPACE"):
        monkeypatch.delenv(var, raising=False)
    return tmp_path


def _page(**params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["author"] = "Tester"
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    at.switch_page("pages/friction.py")
    at.run()
    assert not at.exception, at.exception
    return at


def test_without_ticket_data_the_page_says_how_to_get_some(home):
    at = _page()
    assert "journeys tickets import" in at.info[0].value


def test_friction_ranks_the_planted_steps_and_drills_down(home):
    with Store.for_folder(home) as store:
        load_demo(store, "demo", home=home, tickets=30_000)
    at = _page(journey=DEMO_JOURNEY)
    table = at.dataframe[0].value
    assert table.iloc[0]["Step"] in {"Resets password", "Billing team corrects the invoice"}
    assert list(table["Rank"]) == sorted(table["Rank"])
    assert at.metric[0].value == "30,000"
    at.selectbox(key="friction_step").set_value("bot-invoice-status")
    at.selectbox(key="friction_metric").set_value("escalation_rate")
    at.run()
    assert not at.exception
    examples = at.dataframe[1].value
    assert len(examples) == 50 and set(examples["subject"]) == {"Chat: invoice status"}


def test_csv_export_neutralises_formulas():
    import pandas as pd

    frame = pd.DataFrame({"Step": ["=HYPERLINK(\"x\")", "+1", "-2", "@SUM(A1)", "fine"], "n": [1, 2, 3, 4, 5]})
    safe = neutralise_formulas(frame)
    assert list(safe["Step"]) == ["'=HYPERLINK(\"x\")", "'+1", "'-2", "'@SUM(A1)", "fine"]
    assert list(safe["n"]) == [1, 2, 3, 4, 5]
