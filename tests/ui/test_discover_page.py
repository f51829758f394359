"""The Discover page over the demo workspace, through AppTest: the DFG, variants, conformance with the
planted undesigned routes, adding a route (and a stale add refused), uploading a log, bad files.

The demo event log ("Billing support events (demo)") has routes the map lacks planted in it
(bot-faq → phone-support, bot-greeting → phone-support, email-support → open-chat) and a saved
activity map; every number the page shows is checked against :mod:`journeys.discover` itself.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from journeys.demo import DEMO_JOURNEY
from journeys.demo.event_log import DEMO_LOG, demo_events
from journeys.discover import EventLogs, conformance, dfg, load_activity_map
from journeys.editing import add_note
from journeys.store import Store
from tests.pagetest import open_page
from ui import discover_state as view
from ui import uploads

ROUTE = ("bot-faq", "phone-support")


def _page(**params: str) -> AppTest:
    return open_page("discover", **params)


def _tab(at: AppTest, name: str) -> AppTest:
    at.session_state[view.TAB] = name  # only the open tab is computed
    at.run()
    assert not at.exception, at.exception
    return at


def _metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def _chart(at: AppTest, index: int = 0) -> tuple[dict, dict[str, pd.DataFrame]]:
    """A chart as drawn: its Vega-Lite spec and its datasets (Streamlit sends rows as Arrow beside the spec)."""
    chart = at.get("vega_lite_chart")[index].proto
    return json.loads(chart.spec), {d.name: pa.ipc.open_stream(d.data.data).read_pandas() for d in chart.datasets}


def _texts(at: AppTest) -> str:
    return "\n".join(str(el.value) for kind in ("markdown", "caption", "error", "warning", "info", "success")
                     for el in at.get(kind))


def _demo(home: Path):
    """The demo log's latest version, the demo journey (version, content) and its saved activity map."""
    store = Store.for_folder(home)
    log = EventLogs(store, home).latest("demo", DEMO_LOG)
    loaded = store.load("demo", DEMO_JOURNEY)
    mapping = load_activity_map(store, "demo", DEMO_LOG, DEMO_JOURNEY).mapping
    store.close()
    return log, loaded, mapping


def test_the_demo_log_opens_with_its_directly_follows_graph(demo_home):
    at = _page()
    log, _, _ = _demo(demo_home)
    graph = dfg(log)
    assert at.selectbox(key=view.LOG_PICK).value == DEMO_LOG
    assert _metric(at, "Events") == f"{graph.events:,}"
    assert int(_metric(at, "Directly-follows edges")) == len(graph.edges) > 0
    assert len(at.get("vega_lite_chart")) == 1
    _, datasets = _chart(at)
    drawn = pd.concat(datasets.values(), ignore_index=True)
    assert set(graph.activities["activity"]) <= set(drawn["activity"].dropna())  # every activity has its box
    assert "start" in set(drawn["text"].dropna())  # the start marker
    assert {"20,000", "1,043"} <= set(drawn["label"].dropna())  # edges labelled with their counts
    assert "Ties: no two events" in _texts(at).replace("\\", "")  # the import report states the ties rule


def test_variants_cover_at_most_every_case_most_frequent_first(demo_home):
    at = _tab(_page(), "Variants")
    table = at.dataframe[-1].value
    assert list(table.columns) == ["Rank", "Variant", "Steps", "Cases", "Coverage", "Cumulative coverage"]
    assert table["Rank"].iloc[0] == 1 and table["Cases"].is_monotonic_decreasing
    assert table["Coverage"].sum() <= 1 + 1e-9
    assert table["Cumulative coverage"].iloc[-1] == pytest.approx(table["Coverage"].sum())
    assert _metric(at, "The most frequent covers") == f"{table['Coverage'].iloc[0]:.1%}"


def test_conformance_headline_routes_and_map_agree_with_the_core(demo_home):
    at = _tab(_page(), "Conformance")
    log, loaded, mapping = _demo(demo_home)
    result = conformance(log, loaded.journey, mapping)
    assert at.selectbox(key=view.JOURNEY_PICK).value == DEMO_JOURNEY  # the journey the log has a map for
    assert _metric(at, "Follows the map") == f"{result.designed_share:.1%}"
    assert _metric(at, "Routes not on the map") == str(len(result.undesigned))
    routes = result.undesigned.set_index(["source", "target"])
    events = int(routes.loc[ROUTE, "events"])
    line = next(m.value for m in at.markdown if m.value.startswith("**Bot suggests articles → Calls the support"))
    assert f"{events:,} times" in line
    _, datasets = _chart(at)
    drawn = pd.concat(datasets.values(), ignore_index=True)
    assert "not on the map" in set(drawn["look"].dropna())  # undesigned routes drawn on the workshop map
    reach = at.dataframe[-1].value
    assert list(reach.columns[:3]) == ["Step", "Stage", "Cases reaching"]
    assert reach["Cases reaching"].max() == result.cases  # every case reaches the entry step


def test_adding_a_route_saves_a_journey_revision_and_the_route_becomes_designed(demo_home):
    at = _tab(_page(), "Conformance")
    _, before, _ = _demo(demo_home)
    at.button(key=f"disc_add_{ROUTE[0]}__{ROUTE[1]}").click().run()
    assert not at.exception, at.exception
    log, after, mapping = _demo(demo_home)
    assert after.version == before.version + 1
    assert any((t.source, t.target) == ROUTE for t in after.journey.transitions)
    still = conformance(log, after.journey, mapping).undesigned
    assert ROUTE not in set(zip(still["source"], still["target"], strict=True))
    assert not any(m.value.startswith("**Bot suggests articles → Calls the support") for m in at.markdown)
    designed = next(d.value for d in at.dataframe if "Expected share" in d.value.columns and "Kind" in d.value.columns)
    row = designed[(designed["From"] == "Bot suggests articles") & (designed["To"] == "Calls the support line")]
    assert len(row) == 1 and row["Times"].iloc[0] > 0  # now designed, with the customers who take it
    assert _metric(at, "Routes not on the map") == "2"
    assert f"Journey version {after.version}" in _texts(at)


def test_a_stale_add_is_refused_with_who_and_when(demo_home):
    at = _tab(_page(), "Conformance")
    with Store.for_folder(demo_home) as store:  # a colleague saves the journey in between
        loaded = store.load("demo", DEMO_JOURNEY)
        edited = add_note(loaded.journey, step_id="bot-faq", kind="idea", text="Link the phone number", author="Ana")
        store.save("demo", edited, loaded.version, "Ana Colleague", "Added a note")
    at.button(key=f"disc_add_{ROUTE[0]}__{ROUTE[1]}").click().run()
    assert not at.exception, at.exception
    warning = next(w.value for w in at.warning if "Not saved" in w.value)
    assert f"Ana Colleague saved version {loaded.version + 1}" in warning and "UTC" in warning
    with Store.for_folder(demo_home) as store:
        now = store.load("demo", DEMO_JOURNEY)
    assert now.version == loaded.version + 1  # only the colleague's save
    assert not any((t.source, t.target) == ROUTE for t in now.journey.transitions)


def _upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.radio(key=view.MODE).set_value("upload").run()
    at.file_uploader[0].set_value((name, data, "text/csv"))
    at.run()
    assert not at.exception, at.exception
    return at


def _small_log() -> bytes:
    """300 cases of the demo's generator as CSV, one row without a timestamp and one exact duplicate."""
    frame = demo_events(cases=300, seed=3).to_pandas()
    frame["timestamp"] = frame["timestamp"].map(lambda t: t.isoformat())
    frame = pd.concat([frame, frame.iloc[[5]]], ignore_index=True)
    frame.loc[10, "timestamp"] = None
    return frame.to_csv(index=False).encode("utf-8")


def test_uploading_a_log_imports_it_and_shows_its_report(demo_home):
    at = _upload(_page(), "web events.csv", _small_log())
    assert at.selectbox(key=view.W + "role_case").value == "case_id"  # detected, editable
    assert at.selectbox(key=view.W + "role_timestamp").value == "timestamp"
    at.text_input(key=view.LOG_NAME).set_value("Web events")
    at.button(key="disc_import").click().run()
    assert not at.exception, at.exception
    with Store.for_folder(demo_home) as store:
        stored = EventLogs(store, demo_home).latest("demo", "Web events")
    assert stored.version == 1 and stored.report["rejected"]["missing timestamp"] == 1
    assert at.selectbox(key=view.LOG_PICK).value == "Web events"  # the new log is shown
    assert _metric(at, "Rows left out") == "2" and _metric(at, "Duplicates") == "1"
    reasons = at.dataframe[0].value
    assert set(reasons["Why rows were left out"]) == {"missing timestamp",
                                                      "duplicate row (identical in every column)"}
    assert int(_metric(at, "Directly-follows edges")) == len(dfg(stored).edges)
    assert not [p for p in (demo_home / uploads.UPLOADS_FOLDER).glob("**/*") if p.is_file()]


def test_a_bad_file_says_why_and_stores_nothing(demo_home):
    at = _upload(_page(), "events.parquet", b"PAR1 this is not parquet at all")
    assert "cannot be read as an event log" in at.error[0].value
    # a readable file none of whose events can be used: the import fails and nothing is stored
    at.button(key="disc_choose_another").click().run()
    rows = "case,activity,timestamp\n" + "".join(f"c{i},Login,not a date\n" for i in range(20))
    at.file_uploader[0].set_value(("dates.csv", rows.encode(), "text/csv"))
    at.run()
    at.button(key="disc_import").click().run()
    assert not at.exception, at.exception
    assert any("No event could be used" in e.value for e in at.error)
    # a file without recognisable columns: the pickers say what to choose, and the import waits
    at.button(key="disc_choose_another").click().run()
    at.file_uploader[0].set_value(("odd.csv", b"who,what\n1,a\n2,b\n", "text/csv"))
    at.run()
    assert "Case id: choose the column" in at.error[0].value.replace("\\", "")
    assert at.button(key="disc_import").disabled
    with Store.for_folder(demo_home) as store:
        assert [v.name for v in EventLogs(store, demo_home).list("demo")] == [DEMO_LOG]


def test_the_activity_mapping_is_edited_and_saved_as_a_new_version(demo_home):
    at = _tab(_page(), "Conformance")
    log, loaded, mapping = _demo(demo_home)
    names = list(dfg(log).activities["activity"])
    prefix = next(k for k in at.session_state if str(k).startswith("disc_map_") and str(k).endswith("_0"))[:-1]
    index = names.index("Support line call")
    at.selectbox(key=f"{prefix}{index}").set_value(None).run()  # the call is on no step now
    edited = {**mapping, "Support line call": None}
    assert _metric(at, "Follows the map") == f"{conformance(log, loaded.journey, edited).designed_share:.1%}"
    at.button(key="disc_map_save").click().run()
    assert not at.exception, at.exception
    with Store.for_folder(demo_home) as store:
        saved = load_activity_map(store, "demo", DEMO_LOG, DEMO_JOURNEY)
    assert saved.version == 2 and saved.author == "Tester" and saved.mapping["Support line call"] is None
    assert "Saved the activity mapping as version 2" in _texts(at)


def test_a_log_is_derived_from_the_tickets(demo_home):
    at = _page()
    at.radio(key=view.MODE).set_value("tickets").run()
    at.button(key="disc_derive").click().run()
    assert not at.exception, at.exception
    name = at.selectbox(key=view.LOG_PICK).value
    with Store.for_folder(demo_home) as store:
        derived = EventLogs(store, demo_home).latest("demo", name)
    assert name.startswith("Customer journeys") and derived.events > 0
    assert derived.report["columns"]["case"] == "customer_id"
    assert int(_metric(at, "Directly-follows edges")) == len(dfg(derived).edges)
