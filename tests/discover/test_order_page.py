"""The Discover page's order control, through AppTest: shown only for logs that record starts, its choice reaches the
import, and the stored report states the order used."""

from __future__ import annotations

import io

import pandas as pd
from streamlit.testing.v1 import AppTest

from journeys.discover import EventLogs, dfg
from journeys.store import Store
from tests.pagetest import open_page
from ui import discover_state as view

# case 1: A 10:00-10:30 and B 10:05-10:10 overlap: by start A → B → C, by completion B → A → C
INTERVALS = pd.DataFrame({"case": ["1", "1", "1"], "activity": ["A", "B", "C"],
                          "start_timestamp": ["2024-03-04 10:00", "2024-03-04 10:05", "2024-03-04 10:40"],
                          "time:timestamp": ["2024-03-04 10:30", "2024-03-04 10:10", "2024-03-04 10:45"]})


def _csv(frame: pd.DataFrame) -> bytes:
    out = io.StringIO()
    frame.to_csv(out, index=False)
    return out.getvalue().encode("utf-8")


def _upload(name: str, data: bytes) -> AppTest:
    at = open_page("discover")
    at.radio(key=view.MODE).set_value("upload").run()
    at.file_uploader[0].set_value((name, data, "text/csv"))
    at.run()
    assert not at.exception, at.exception
    return at


def _orders(at: AppTest) -> list:
    return [r for r in at.radio if r.key == view.ORDER]


def test_the_order_control_reaches_the_import_and_the_report_states_it(demo_home):
    at = _upload("intervals.csv", _csv(INTERVALS))
    assert at.selectbox(key=view.W + "role_start").value == "start_timestamp"  # detected
    (control,) = _orders(at)
    assert control.value == "start" and control.options == ["Start time (as pm4py)", "Completion time"]
    control.set_value("complete").run()
    at.text_input(key=view.LOG_NAME).set_value("Overlaps")
    at.button(key="disc_import").click().run()
    assert not at.exception, at.exception
    with Store.for_folder(demo_home) as store:
        stored = EventLogs(store, demo_home).latest("demo", "Overlaps")
    assert stored.report["order"] == "complete" and stored.report["columns"]["start"] == "start_timestamp"
    assert dfg(stored).edge_counts() == {("B", "A"): 1, ("A", "C"): 1}
    captions = "\n".join(str(c.value) for c in at.caption)
    assert "Order within a case: by completion time, then file order." in captions


def test_a_log_with_one_time_shows_no_order_control(demo_home):
    at = _upload("plain.csv", _csv(INTERVALS.drop(columns="start_timestamp")))
    assert not _orders(at)
    assert at.selectbox(key=view.W + "role_start").value is None
