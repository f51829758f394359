"""The Friction page and `journeys metrics` show the same numbers for the same tickets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from journeys.demo import DEMO_JOURNEY
from journeys.metrics import METRICS
from journeys.store import Store
from journeys.workspace import load_demo
from tests.test_cli import run

APP = str(Path(__file__).resolve().parent.parent / "streamlit_app.py")


def test_page_table_equals_the_cli_per_step(tmp_path, monkeypatch):
    monkeypatch.setenv("JOURNEYS_HOME", str(tmp_path))
    for var in ("JOURNEYS_DATABASE_URL", "JOURNEYS_WORKSPACE"):
        monkeypatch.delenv(var, raising=False)
    with Store.for_folder(tmp_path) as store:
        load_demo(store, "demo", home=tmp_path, tickets=20_000)
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["author"] = "Tester"
    at.query_params["journey"] = DEMO_JOURNEY
    at.run()
    at.switch_page("pages/friction.py")
    at.run()
    assert not at.exception
    page = at.dataframe[0].value.set_index("Step")

    out = run(tmp_path, "metrics", "--dataset", "Zendesk tickets (demo)", "--journey", DEMO_JOURNEY,
              "--format", "json", check_ok=True)
    cli = {row["journey_step"]: row for row in json.loads(out.stdout)}
    with Store.for_folder(tmp_path) as store:
        labels = {s.id: s.label for s in store.load("demo", DEMO_JOURNEY).journey.steps}
    compared = 0
    for step, row in cli.items():
        if step is None or labels.get(step) not in page.index:
            continue
        shown = page.loc[labels[step]]
        assert shown["Tickets"] == row["volume"]
        for metric in ("csat", "reopen_rate", "escalation_rate", "repeat_contact_rate", "resolution_p90"):
            if row[metric] is None:
                assert pytest.approx(float("nan"), nan_ok=True) == shown[METRICS[metric].label]
            else:
                assert shown[METRICS[metric].label] == pytest.approx(row[metric], abs=1e-6)  # CLI: 6 places
        compared += 1
    assert compared == len(page) >= 10
