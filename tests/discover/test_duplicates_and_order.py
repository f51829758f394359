"""Which rows are duplicates (only rows identical in every column), and how events with start and completion times
are put in order (by start as pm4py does, or by completion): the import, its report, the CLI option.

Expected figures are counted in plain Python / pandas over the rows the test writes.
"""

from __future__ import annotations

import json
from collections import deque
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given
from hypothesis import strategies as st

from journeys.discover import ImportOptions, LogColumns, LogImportError, dfg, import_log
from journeys.discover.log import BAD_START, DUPLICATE, LATE_START, OPEN_START, OTHER_TRANSITION
from tests.cli.runner import run
from tests.discover.helpers import write_csv
from tests.strategies import examples

LC = ["case:concept:name", "concept:name", "time:timestamp", "lifecycle:transition"]
IV = ["case", "activity", "start_timestamp", "time:timestamp"]


def _t(minute: int) -> str:
    return f"2024-03-04 10:{minute:02d}:00"


# --- duplicates ------------------------------------------------------------------------------------------


def test_rows_differing_in_any_column_are_not_duplicates_identical_ones_are_counted(tmp_path):
    rows = [
        ["1", "A", _t(0), "start", "ana"], ["1", "A", _t(0), "start", "bo"],   # differ in the resource
        ["1", "A", _t(0), "complete", "ana"],                                 # differs in the transition
        ["1", "A", _t(0), "complete", "ana"], ["1", "A", _t(0), "complete", "ana"],  # two identical copies
        ["2", "B", _t(1), "complete", "cy"],
    ]
    path = write_csv(tmp_path / "d.csv", ["case", "activity", "timestamp", "phase", "who"], rows)
    expected = int(pd.read_csv(path, dtype=str).duplicated().sum())
    report = import_log(path, tmp_path / "o.parquet")  # "phase" is no lifecycle column: every row is an event
    assert expected == 2 and report.duplicates == 2 and report.rejected == {DUPLICATE: 2}
    assert report.rows_kept == 4 and report.ties == 3  # the kept rows of case 1 share a time: ties, reported
    kept = import_log(path, tmp_path / "k.parquet", options=ImportOptions(duplicates="keep"))
    assert kept.duplicates == 2 and kept.duplicates_kept and kept.rows_kept == 6 and not kept.rejected
    assert "identical in every column" in kept.summary()


def test_start_and_complete_rows_at_one_instant_are_one_instant_event_not_a_duplicate(tmp_path):
    path = write_csv(tmp_path / "lc.csv", LC, [["1", "A", _t(0), "start"], ["1", "A", _t(0), "complete"],
                                                ["1", "B", _t(1), "complete"]])
    report = import_log(path, tmp_path / "o.parquet")
    assert report.duplicates == 0 and report.lifecycle_pairs == 1 and report.rows_kept == 2
    assert dfg(tmp_path / "o.parquet").edge_counts() == {("A", "B"): 1}


# --- lifecycle pairing -----------------------------------------------------------------------------------


def test_lifecycle_rows_pair_first_in_first_out_and_leave_out_what_is_no_instance(tmp_path):
    path = write_csv(tmp_path / "lc.csv", [*LC, "org:resource"], [
        ["1", "A", _t(0), "start", "ana"], ["1", "A", _t(2), "start", "bo"],  # A runs twice at once
        ["1", "B", _t(3), "schedule", "cy"], ["1", "B", _t(4), "START", "cy"],  # schedule: not an instance
        ["1", "A", _t(5), "complete", ""], ["1", "B", _t(6), "Complete", "cy"], ["1", "A", _t(9), "complete", ""],
        ["1", "C", _t(10), "", "cy"],  # no transition: a completion, instant
        ["1", "D", _t(11), "start", "cy"],  # never completed
    ])
    report = import_log(path, tmp_path / "o.parquet")
    stored = pd.read_parquet(tmp_path / "o.parquet").sort_values("seq")
    got = [(r.activity, r.start_timestamp.minute, r.timestamp.minute, r.resource) for r in stored.itertuples()]
    # the first A completion (10:05) takes the first A start (10:00, ana); the second takes 10:02 (bo)
    assert got == [("A", 0, 5, "ana"), ("A", 2, 9, "bo"), ("B", 4, 6, "cy"), ("C", 10, 10, "cy")]
    assert report.lifecycle_pairs == 3 and report.rejected == {OTHER_TRANSITION: 1, OPEN_START: 1}
    assert report.examples[OTHER_TRANSITION] == ["case '1', 'B': 'schedule'"]
    assert report.activities == 3 and report.cases == 1  # D (only a start) is no activity of the log
    assert "x_lifecycle:transition" not in report.extras
    assert "1 completion(s) without a start are instant events" in " ".join(report.warnings)


def _fifo_pairs(rows: list[tuple[str, int]]) -> list[tuple[int | None, int]]:
    """(start, completion) minutes, first in first out, in plain Python over rows in time order."""
    queue: deque[int] = deque()
    out = []
    for kind, minute in rows:
        if kind == "start":
            queue.append(minute)
        else:
            out.append((queue.popleft() if queue else None, minute))
    return out


@examples(20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["start", "complete"]), st.integers(0, 5)), min_size=1, max_size=12))
def test_pairing_equals_a_plain_first_in_first_out_queue(tmp_path_factory, steps):
    """One activity's transitions in any mix (lone completions, open starts, many at once) pair as a queue would."""
    minute, rows = 0, []
    for kind, gap in steps:  # times never go back; a start comes before a completion at the same minute
        minute += gap
        rows.append((kind, minute))
    rows.sort(key=lambda r: (r[1], r[0] != "start"))
    expected = _fifo_pairs(rows)
    tmp = tmp_path_factory.mktemp("fifo")
    # a row number keeps equal transitions at one minute apart (identical rows would be duplicates); Z makes sure
    # the log has both starts and completions (else its rows are plain events)
    data = [["1", "A", _t(m), k, f"r{i}"] for i, (k, m) in enumerate(rows)]
    data += [["1", "Z", _t(58), "start", "z"], ["1", "Z", _t(59), "complete", "z"]]
    import_log(write_csv(tmp / "lc.csv", [*LC, "n"], data), tmp / "o.parquet")
    stored = pd.read_parquet(tmp / "o.parquet")
    stored = stored[stored["activity"] == "A"].sort_values(["timestamp", "seq"])
    got = [(None if s == c else s.minute, c.minute) for s, c in zip(stored["start_timestamp"], stored["timestamp"],
                                                                      strict=True)]
    assert [(None if s == c else s, c) for s, c in expected] == got


# --- the order option ------------------------------------------------------------------------------------


def _overlapping(tmp_path: Path) -> Path:
    # case 1: A 10:00-10:30 and B 10:05-10:10 overlap; by start A, B, C; by completion B, A, C
    return write_csv(tmp_path / "iv.csv", IV, [
        ["1", "A", _t(0), _t(30)], ["1", "B", _t(5), _t(10)], ["1", "C", _t(40), _t(45)],
        ["2", "A", _t(0), _t(1)], ["2", "C", _t(2), _t(3)],
    ])


@pytest.mark.parametrize(("order", "edges", "rule"), [
    ("start", {("A", "B"): 1, ("B", "C"): 1, ("A", "C"): 1}, "by start time, then completion time (as pm4py does)"),
    ("complete", {("B", "A"): 1, ("A", "C"): 2}, "by completion time"),
])
def test_the_order_option_decides_and_the_report_says_so(tmp_path, order, edges, rule):
    path = _overlapping(tmp_path)
    report = import_log(path, tmp_path / "o.parquet", options=ImportOptions(order=order))
    graph = dfg(tmp_path / "o.parquet")
    assert report.columns.start == "start_timestamp" and report.intervals and report.order == order
    assert graph.edge_counts() == edges
    assert report.order_rule.startswith(rule) and f"Order within a case: {rule}" in report.summary()
    assert report.to_json()["order"] == order and report.to_json()["order_rule"] == report.order_rule
    frame = pd.read_parquet(tmp_path / "o.parquet")
    assert set(frame.columns) >= {"start_timestamp", "timestamp"}


def test_waits_run_from_completion_to_the_next_start_and_overlaps_wait_zero(tmp_path):
    import_log(_overlapping(tmp_path), tmp_path / "o.parquet")
    edges = dfg(tmp_path / "o.parquet").edges.set_index(["source", "target"])
    assert edges.loc[("A", "B"), "mean_seconds"] == 0.0  # B starts (10:05) before A completes (10:30)
    assert edges.loc[("B", "C"), "mean_seconds"] == 30 * 60.0  # B completes 10:10, C starts 10:40
    assert edges.loc[("A", "C"), "mean_seconds"] == 60.0  # case 2: A completes 10:01, C starts 10:02


def test_a_log_with_one_time_says_so_and_ignores_the_option(tmp_path):
    path = write_csv(tmp_path / "one.csv", ["case", "activity", "timestamp"],
                     [["1", "A", _t(0)], ["1", "B", _t(1)]])
    report = import_log(path, tmp_path / "o.parquet", options=ImportOptions(order="complete"))
    assert report.order == "time" and not report.intervals and "no start times" in report.order_rule
    assert "start_timestamp" not in pd.read_parquet(tmp_path / "o.parquet").columns


def test_bad_start_times_are_left_out_with_reasons(tmp_path):
    path = write_csv(tmp_path / "bad.csv", IV, [
        ["1", "A", "not a time", _t(5)], ["1", "B", _t(20), _t(10)], ["1", "C", "", _t(30)], ["1", "D", _t(31), _t(32)],
    ])
    report = import_log(path, tmp_path / "o.parquet")
    assert report.rejected == {BAD_START: 1, LATE_START: 1}
    assert report.examples[BAD_START] == ["row 1: 'not a time'"]
    assert report.rows_kept == 2  # C has no start time: an instant event at its completion
    with pytest.raises(LogImportError, match="must be start or complete"):
        import_log(path, tmp_path / "x.parquet", options=ImportOptions(order="middle"))


def test_a_start_column_is_detected_by_its_usual_names_and_can_be_named():
    from journeys.discover import detect_columns

    assert detect_columns(["Case ID", "Activity", "Start Timestamp", "Complete Timestamp"]).start == "Start Timestamp"
    assert detect_columns(["case", "activity", "start time"]) == LogColumns("case", "activity", "start time")
    named = LogColumns("case", "activity", "time", start="began")
    assert [p.where for p in named.problems(["case", "activity", "time"])] == ["start"]


def test_the_cli_orders_by_completion_when_asked_and_says_so(tmp_path):
    home = tmp_path / "ws"
    run(home, "init", check_ok=True)
    path = _overlapping(tmp_path)
    out = {}
    for order in ("start", "complete"):
        done = run(home, "discover", str(path), "--order", order, "--format", "json")
        assert done.returncode == 0, done.stderr
        out[order] = json.loads(done.stdout)
    edges = {o: {(e["source"], e["target"]): e["frequency"] for e in out[o]["edges"]} for o in out}
    assert edges["start"] == {("A", "B"): 1, ("B", "C"): 1, ("A", "C"): 1}
    assert edges["complete"] == {("B", "A"): 1, ("A", "C"): 2}
    assert out["complete"]["log"]["order"].startswith("by completion time")
    bad = run(home, "discover", str(path), "--order", "sideways")
    assert bad.returncode == 2 and "sideways" in bad.stderr and "Traceback" not in bad.stderr


def test_every_discover_query_reads_a_log_with_start_times(tmp_path):
    """Variants, the top-variant filter, conformance and reach run on the stored start column as on any log."""
    from journeys.discover import LogFilter, conformance, reach, variants
    from journeys.templates import build_journey

    import_log(_overlapping(tmp_path), tmp_path / "o.parquet", options=ImportOptions(order="complete"))
    stored = tmp_path / "o.parquet"
    found = variants(stored)
    assert sorted((tuple(v), int(n)) for v, n in zip(found.table["activities"], found.table["cases"], strict=True)) \
        == [(("A", "C"), 1), (("B", "A", "C"), 1)]
    assert dfg(stored, LogFilter(top_variants=1)).cases == 1
    rows = [(s, f"Step {s}", "Use", "customer", "web", 0, "touchpoint", "customer") for s in "abc"]
    journey = build_journey("Tiny", ["Use"], ["customer"], rows, [("a", "c", 1.0, "normal")])
    result = conformance(stored, journey, {"A": "a", "B": "b", "C": "c"})
    assert result.transitions == 3 and set(zip(result.undesigned["source"], result.undesigned["target"],
                                               strict=True)) == {("b", "a")}
    assert reach(stored, {"A": "a", "B": "b", "C": "c"})["a"] == 2
