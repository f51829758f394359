"""Reading event logs: formats give identical graphs, ties and duplicates are reported, bad files refused cleanly."""

from __future__ import annotations

import importlib
from datetime import timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from journeys.discover import ImportOptions, LogColumns, LogImportError, dfg, import_log, open_log
from journeys.discover.log import DUPLICATE
from tests.discover.helpers import (
    DAY,
    HAND_LOG,
    at,
    hand_csv,
    hand_traces,
    hand_xes_style_csv,
    write_csv,
    write_xes,
    xes_text,
)

log_module = importlib.import_module("journeys.discover.log")


def _graph(path: Path, out: Path, **kw):
    report = import_log(path, out, **kw)
    return dfg(out), report


def _same(a, b) -> None:
    cols = ["source", "target", "frequency", "cases", "mean_seconds", "median_seconds", "p90_seconds"]
    assert a.edges[cols].values.tolist() == b.edges[cols].values.tolist()
    assert a.starts.values.tolist() == b.starts.values.tolist() and a.ends.values.tolist() == b.ends.values.tolist()
    assert (a.events, a.cases) == (b.events, b.cases)


# --- the same log in different clothes -----------------------------------------------------------------


def test_plain_and_xes_style_csv_give_the_same_graph(tmp_path):
    plain, r1 = _graph(hand_csv(tmp_path / "plain.csv"), tmp_path / "a.parquet")
    xes_style, r2 = _graph(hand_xes_style_csv(tmp_path / "xes-style.csv"), tmp_path / "b.parquet")
    _same(plain, xes_style)
    assert r2.columns == LogColumns(case="case:concept:name", activity="concept:name", timestamp="time:timestamp",
                                    resource="org:resource")
    assert r1.columns.case == "Case ID" and r1.columns.resource is None
    assert r2.extras == ["x_case:plan"] and r1.extras == ["x_Plan"]
    assert r1.first == r2.first == at("07:00")


def test_parquet_with_integer_ids_and_typed_timestamps(tmp_path):
    table = pa.table({
        "case": pa.array([c for c, *_ in HAND_LOG], pa.int64()),
        "event": [a for _, a, *_ in HAND_LOG],
        "time": pa.array([at(t) for _, _, t, _ in HAND_LOG], pa.timestamp("ms", tz="Europe/Berlin")),
    })
    pq.write_table(table, tmp_path / "typed.parquet")
    typed, report = _graph(tmp_path / "typed.parquet", tmp_path / "t.parquet")
    plain, _ = _graph(hand_csv(tmp_path / "plain.csv"), tmp_path / "p.parquet")
    _same(typed, plain)
    assert report.format == "parquet" and report.columns.activity == "event"


@pytest.mark.parametrize("gz", [False, True])
def test_xes_plain_and_gzipped_with_nested_attributes(tmp_path, gz):
    path = write_xes(tmp_path / ("log.xes.gz" if gz else "log.xes"), xes_text(hand_traces(), nested=True,
                     trace_attrs={"1": {"plan": "gold"}}), gz=gz)
    xes, report = _graph(path, tmp_path / "x.parquet")
    plain, _ = _graph(hand_csv(tmp_path / "plain.csv"), tmp_path / "p.parquet")
    _same(xes, plain)
    assert report.format == "xes" and report.columns.case == "case:concept:name"
    assert any("nested XES attribute" in w for w in report.warnings)
    assert "x_lifecycle:transition" in report.extras and "x_case:plan" in report.extras
    assert "meta:note" not in " ".join(report.extras)  # nested attributes are not columns
    seg = pq.read_table(tmp_path / "x.parquet", columns=["case_id", "x_case:plan"]).to_pylist()
    assert {r["case_id"]: r["x_case:plan"] for r in seg} == {"1": "gold", **{str(c): None for c in range(2, 7)}}


def test_gzipped_csv_is_read_like_a_csv(tmp_path):
    import gzip

    src = hand_csv(tmp_path / "plain.csv")
    with gzip.open(tmp_path / "plain.csv.gz", "wb") as fh:
        fh.write(src.read_bytes())
    zipped, report = _graph(tmp_path / "plain.csv.gz", tmp_path / "z.parquet")
    plain, _ = _graph(src, tmp_path / "p.parquet")
    _same(zipped, plain)
    assert report.format == "csv"


def test_columns_can_be_named_and_encodings_and_delimiters_are_sniffed(tmp_path):
    rows = [[c, a, at(t).strftime("%d/%m/%Y %H:%M"), "Zoë"] for c, a, t, _ in HAND_LOG]
    path = tmp_path / "odd.csv"
    path.write_bytes(("Kunde;Schritt;Wann;Wer\n" + "\n".join(";".join(map(str, r)) for r in rows)).encode("cp1252"))
    with pytest.raises(LogImportError, match="no column for the case"):
        import_log(path, tmp_path / "o.parquet")
    named, report = _graph(path, tmp_path / "o.parquet",
                           columns=LogColumns(case="Kunde", activity="Schritt", timestamp="Wann", resource="Wer"))
    plain, _ = _graph(hand_csv(tmp_path / "plain.csv"), tmp_path / "p.parquet")
    assert named.edge_counts() == plain.edge_counts()
    assert report.delimiter == ";" and report.encoding == "cp1252"
    assert pq.read_table(tmp_path / "o.parquet", columns=["resource"])["resource"][0].as_py() == "Zoë"


def test_naive_timestamps_read_in_a_given_zone(tmp_path):
    path = write_csv(tmp_path / "ny.csv", ["case", "activity", "timestamp"],
                     [[1, "A", "2024-03-04 10:00:00"], [1, "B", "2024-03-04 10:30:00"]])
    report = import_log(path, tmp_path / "o.parquet", options=ImportOptions(timezone="America/New_York"))
    assert report.first == DAY.replace(hour=15)  # EST is UTC−5 in early March


# --- ties and duplicates -----------------------------------------------------------------------------------


def _tied(tmp_path: Path) -> Path:
    # case 1: A and B at the same instant, A first in the file, but B has the lower sequence number
    # (9 < 10 as numbers, though "10" < "9" as text); case 2 has no tie
    return write_csv(tmp_path / "tied.csv", ["case", "activity", "timestamp", "seq"], [
        [1, "A", "2024-03-04 10:00:00", 10], [1, "B", "2024-03-04 10:00:00", 9], [1, "C", "2024-03-04 10:05:00", 1],
        [2, "A", "2024-03-04 11:00:00", 5], [2, "C", "2024-03-04 11:01:00", 6],
    ])


def test_a_tie_breaker_column_orders_ties_as_numbers_and_is_reported(tmp_path):
    graph, report = _graph(_tied(tmp_path), tmp_path / "o.parquet")
    assert report.columns.tiebreak == "seq"  # detected by name
    assert graph.edge_counts() == {("B", "A"): 1, ("A", "C"): 2}
    assert (report.ties, report.tie_groups) == (2, 1)
    assert "tie-breaker column 'seq'" in report.tie_rule and "file order" in report.tie_rule
    assert "case '1': 2 events at 2024-03-04 10:00:00" in report.tie_examples[0]
    assert "2 events in 1 group(s) share their case's timestamp" in report.summary()


def test_without_a_tie_breaker_file_order_decides(tmp_path):
    path = _tied(tmp_path)
    plain = write_csv(tmp_path / "plain.csv", ["case", "activity", "timestamp"],
                      [r.split(",")[:3] for r in path.read_text().splitlines()[1:]])
    graph, report = _graph(plain, tmp_path / "o.parquet")
    assert report.columns.tiebreak is None and report.tie_rule == "file order"
    assert graph.edge_counts() == {("A", "B"): 1, ("B", "C"): 1, ("A", "C"): 1}
    assert report.ties == 2 and "ordered by file order" in report.summary()


def test_duplicates_are_counted_and_dropped_or_kept(tmp_path):
    path = write_csv(tmp_path / "dups.csv", ["case", "activity", "timestamp"], [
        [1, "A", "2024-03-04 10:00:00"], [1, "A", "2024-03-04 10:00:00"], [1, "B", "2024-03-04 10:01:00"],
        [1, "A", "2024-03-04 10:00:00"], [2, "A", "2024-03-04 10:00:00"],
    ])
    graph, report = _graph(path, tmp_path / "o.parquet")
    assert report.duplicates == 2 and report.rejected == {DUPLICATE: 2} and report.rows_kept == 3
    assert report.examples[DUPLICATE][0] == "case '1', 'A' at 2024-03-04 10:00:00"
    assert graph.edge_counts() == {("A", "B"): 1}
    kept, report = _graph(path, tmp_path / "k.parquet", options=ImportOptions(duplicates="keep"))
    assert report.duplicates == 2 and report.duplicates_kept and report.rows_kept == 5 and not report.rejected
    assert kept.edge_counts() == {("A", "A"): 2, ("A", "B"): 1}
    assert "2 duplicate row(s)" in report.summary()


def test_rejected_rows_are_counted_with_reasons_and_examples(tmp_path):
    path = write_csv(tmp_path / "mixed.csv", ["case", "activity", "timestamp"], [
        [1, "A", "2024-03-04 10:00:00"], ["", "A", "2024-03-04 10:00:00"], [1, "", "2024-03-04 10:00:00"],
        [1, "B", ""], [1, "C", "soon"], [1, "D", "1899-12-30 00:00:00"], [1, "E", "1950-01-01 00:00:00"],
        [1, "F", "2999-01-01 00:00:00"], [1, "G", "2024-03-04 10:05:00"],
    ])
    report = import_log(path, tmp_path / "o.parquet")
    assert report.rows_read == 9 and report.rows_kept == 2
    assert report.rejected == {"missing case id": 1, "missing activity": 1, "missing timestamp": 2,
                               "unparseable timestamp": 1, "impossible timestamp (before 1971)": 1,
                               "impossible timestamp (in the future)": 1}
    assert report.examples["unparseable timestamp"] == ["row 5: 'soon'"]
    assert report.rows_read == report.rows_kept + report.rows_rejected
    assert "Rejected 7 rows" in report.summary()


def test_malformed_csv_lines_are_rejected_with_line_numbers(tmp_path):
    path = tmp_path / "broken.csv"
    path.write_text("case,activity,timestamp\n1,A,2024-03-04 10:00:00\n1,B,2024-03-04 10:01:00,extra,fields\n"
                    "1,C,2024-03-04 10:02:00\n", encoding="utf-8")
    report = import_log(path, tmp_path / "o.parquet")
    assert report.rows_kept == 2 and report.rows_read == 3
    (reason,) = report.rejected
    assert reason.startswith("malformed line") and report.examples[reason][0].startswith("line 3")


# --- bad input: a clear message, nothing written --------------------------------------------------------


@pytest.mark.parametrize("content, words", [
    (b"", "empty"),
    (b"\x00\x01\x02\x03PNG\x00\x00" * 50, "binary"),
    (b"case,activity,timestamp\n", "no events"),
    (b"name,email\nAda,ada@example.com\n", "no column for the case"),
    (b"case,activity,timestamp\n1,A,never\n2,B,1900-01-01\n", "No event could be used"),
    (b"<?xml version='1.0'?><html><body/></html>", "not an XES event log"),
    (b"<?xml version='1.0'?><log><trace><event>", "not a readable XES file"),
    (b"<?xml version='1.0'?><!DOCTYPE log [<!ENTITY a 'aaaa'>]><log>&a;</log>", "declares entities"),
    (b"\x1f\x8b\x08\x00garbage", "cannot be read"),
])
def test_nothing_usable_raises_and_keeps_the_previous_file(tmp_path, content, words):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    out = tmp_path / "out.parquet"
    out.write_bytes(b"previous complete file")
    with pytest.raises(LogImportError) as info:
        import_log(path, out)
    assert words.lower() in str(info.value).lower()
    assert out.read_bytes() == b"previous complete file"
    assert not Path(str(out) + ".tmp").exists()


def test_a_truncated_xes_keeps_its_complete_traces(tmp_path):
    text = xes_text(hand_traces(), nested=False)
    cut = text[: text.index("<trace>", text.index("<trace>", text.index("<trace>") + 1) + 1) + 40]
    report = import_log(write_xes(tmp_path / "cut.xes", cut), tmp_path / "o.parquet")
    assert report.cases == 2 and any("well-formed" in w for w in report.warnings)


def test_huge_files_are_refused_before_reading(tmp_path, monkeypatch):
    monkeypatch.setenv("JOURNEYS_MAX_LOG_BYTES", "100")
    with pytest.raises(LogImportError, match="too large"):
        import_log(hand_csv(tmp_path / "plain.csv"), tmp_path / "o.parquet")
    monkeypatch.setenv("JOURNEYS_MAX_LOG_BYTES", str(1 << 40))
    monkeypatch.setenv("JOURNEYS_MAX_EVENTS", "10")
    with pytest.raises(LogImportError, match="more than 10 events"):
        import_log(hand_csv(tmp_path / "plain.csv"), tmp_path / "o.parquet")
    with pytest.raises(LogImportError, match="more than 10 events"):
        import_log(write_xes(tmp_path / "l.xes", xes_text(hand_traces())), tmp_path / "o.parquet")
    assert not (tmp_path / "o.parquet").exists()


def test_a_failure_while_writing_leaves_nothing(tmp_path, monkeypatch):
    out = tmp_path / "out.parquet"

    def broken(self, tmp, report):
        tmp.write_bytes(b"PAR1 half a file")
        raise OSError("disk full")

    monkeypatch.setattr(log_module._Run, "_write", broken)
    with pytest.raises(LogImportError, match="disk full"):
        import_log(hand_csv(tmp_path / "plain.csv"), out)
    assert not out.exists() and not Path(str(out) + ".tmp").exists()


def test_stored_file_layout(tmp_path):
    report = import_log(hand_csv(tmp_path / "plain.csv"), tmp_path / "o.parquet")
    stored = open_log(tmp_path / "o.parquet")
    assert stored.activities == ("A", "B", "C", "D") and stored.cases == 6 == report.cases
    table = pq.read_table(tmp_path / "o.parquet")
    assert table.column_names[:7] == ["case_id", "activity", "timestamp", "resource", "case_idx", "activity_idx",
                                      "seq"]
    assert table.schema.field("timestamp").type == pa.timestamp("us", tz="UTC")
    assert table["seq"].to_pylist() == list(range(18))
    rows = table.select(["case_id", "timestamp"]).to_pylist()
    assert rows == sorted(rows, key=lambda r: (r["case_id"], r["timestamp"]))
    assert report.last - report.first == timedelta(hours=6, minutes=30)


# --- preview before importing --------------------------------------------------------------------------


def test_inspect_proposes_columns_and_shows_first_rows(tmp_path):
    from journeys.discover import inspect_log

    preview = inspect_log(hand_xes_style_csv(tmp_path / "x.csv"), sample_rows=3)
    assert preview.format == "csv" and preview.detected.case == "case:concept:name" and len(preview.sample) == 3
    xes = inspect_log(write_xes(tmp_path / "l.xes.gz", xes_text(hand_traces()), gz=True), sample_rows=2)
    assert xes.format == "xes" and xes.detected.timestamp == "time:timestamp" and len(xes.sample) == 2
    assert xes.sample[0]["concept:name"] == "A"
    (tmp_path / "bad.gz").write_bytes(b"\x1f\x8b\x08\x00broken")
    with pytest.raises(LogImportError):
        inspect_log(tmp_path / "bad.gz")
    with pytest.raises(LogImportError, match="empty"):
        (tmp_path / "empty.csv").write_bytes(b"")
        inspect_log(tmp_path / "empty.csv")


def test_start_and_complete_rows_are_paired_into_one_event_each(tmp_path):
    path = write_csv(tmp_path / "lc.csv", ["case:concept:name", "concept:name", "time:timestamp",
                                           "lifecycle:transition"],
                     [["1", "A", "2024-03-04 10:00:00", "start"], ["1", "A", "2024-03-04 10:01:00", "complete"],
                      ["1", "B", "2024-03-04 10:02:00", "start"], ["1", "B", "2024-03-04 10:03:00", "complete"]])
    graph, report = _graph(path, tmp_path / "o.parquet")
    assert any("start and when they complete" in w for w in report.warnings)
    assert graph.edge_counts() == {("A", "B"): 1} and report.lifecycle_pairs == 2 and report.rows_kept == 2
    assert "x_lifecycle:transition" not in report.extras and report.intervals and report.order == "start"
    assert graph.edges["mean_seconds"].tolist() == [60.0]  # A completes 10:01, B starts 10:02


def test_bad_options_are_refused(tmp_path):
    with pytest.raises(LogImportError) as info:
        import_log(hand_csv(tmp_path / "plain.csv"), tmp_path / "o.parquet",
                   options=ImportOptions(timezone="Mars/Olympus", duplicates="maybe"))
    assert "unknown time zone 'Mars/Olympus'" in str(info.value) and "drop or keep" in str(info.value)
