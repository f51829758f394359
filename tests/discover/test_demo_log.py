"""The demo event log: seeded, mapped by name, and its planted routes are what conformance finds."""

from __future__ import annotations

import pytest

from journeys.demo import DEMO_JOURNEY, current_state_journey
from journeys.demo.event_log import (
    DEMO_ACTIVITIES,
    DEMO_LOG,
    UNDESIGNED,
    demo_activity_map,
    demo_events,
    load_demo_log,
    observed_probabilities,
    write_demo_log,
)
from journeys.discover import EventLogs, conformance, dfg, import_log, load_activity_map, propose_activity_map


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    source = write_demo_log(folder / "demo.csv", cases=4_000, seed=7)
    report = import_log(source, folder / "demo.parquet")
    return folder / "demo.parquet", report


def test_seeded_and_in_time_order():
    a, b = demo_events(300, seed=3), demo_events(300, seed=3)
    assert a.equals(b) and not a.equals(demo_events(300, seed=4))
    stamps = a["timestamp"].to_pylist()
    assert stamps == sorted(stamps)
    assert set(a["activity"].to_pylist()) <= set(DEMO_ACTIVITIES.values())


def test_imports_cleanly_with_every_activity(demo):
    _, report = demo
    assert report.rows_rejected == 0 and report.ties == 0 and report.cases == 4_000
    assert report.activities == len(DEMO_ACTIVITIES)
    assert report.extras == ["x_channel", "x_plan"]


def test_the_proposal_maps_every_activity_to_its_step():
    assert propose_activity_map(DEMO_ACTIVITIES.values(), current_state_journey()) == demo_activity_map()


def test_conformance_finds_exactly_the_planted_routes(demo):
    path, _ = demo
    journey = current_state_journey()
    result = conformance(path, journey, demo_activity_map())
    assert set(zip(result.undesigned["source"], result.undesigned["target"], strict=True)) == set(UNDESIGNED)
    assert result.unused[["source", "target"]].values.tolist() == [["bot-faq", "bot-greeting"]]
    designed = result.designed.set_index(["source", "target"])
    login_reset = designed.loc[("login", "reset-password")]
    assert login_reset.expected_share == 0.15 and login_reset.observed_share == pytest.approx(0.35, abs=0.03)
    loops = set(zip(result.loops["source"], result.loops["target"], strict=True))
    assert {("login", "reset-password"), ("reset-password", "login")} <= loops
    hop = result.undesigned.set_index(["source", "target"]).loc[("email-support", "open-chat")]
    assert hop.observed_share == pytest.approx(0.25, abs=0.06)
    assert 0.9 < result.designed_share < 1.0 and result.mapped_events == result.transitions


def test_the_chain_rows_sum_to_one():
    probs = observed_probabilities(current_state_journey())
    totals: dict[str, float] = {}
    for (s, _), p in probs.items():
        totals[s] = totals.get(s, 0.0) + p
    assert all(t == pytest.approx(1.0) for t in totals.values())
    assert probs[("login", "reset-password")] == 0.35 and ("bot-faq", "bot-greeting") not in probs


def test_parquet_and_csv_give_the_same_graph(tmp_path):
    write_demo_log(tmp_path / "d.parquet", cases=500)
    write_demo_log(tmp_path / "d.csv", cases=500)
    import_log(tmp_path / "d.parquet", tmp_path / "a.parquet")
    import_log(tmp_path / "d.csv", tmp_path / "b.parquet")
    assert dfg(tmp_path / "a.parquet").edge_counts() == dfg(tmp_path / "b.parquet").edge_counts()


def test_load_demo_log_creates_the_log_and_its_map_once(store, tmp_path):
    store.create("demo", current_state_journey(), "test", "demo journey")
    created = load_demo_log(store, "demo", tmp_path, cases=300)
    assert created == [f"event log {DEMO_LOG}", f"activity map {DEMO_LOG} → {DEMO_JOURNEY}"]
    assert load_demo_log(store, "demo", tmp_path, cases=300) == []
    version = EventLogs(store, tmp_path).latest("demo", DEMO_LOG)
    assert version.cases == 300 and version.path.is_file()
    assert load_activity_map(store, "demo", DEMO_LOG, DEMO_JOURNEY).mapping == demo_activity_map()
