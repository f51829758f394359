"""Property tests: the engine's graph equals a by-the-book one; readers never end in a traceback."""

from __future__ import annotations

import gzip
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, event, given
from hypothesis import strategies as st

from journeys.discover import ImportOptions, LogColumns, LogFilter, LogImportError, dfg, import_log, variants
from journeys.discover.dfg import build_dfg, edge_rows, open_log
from tests.discover.helpers import DAY, hand_traces, reference_dfg, write_csv, xes_text
from tests.strategies import examples

_PROPS = examples(40, deadline=None,
                  suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

_EVENT = st.tuples(
    st.sampled_from(["c1", "c2", "c3", "7", "case 10", "Ünï"]),        # case
    st.sampled_from(["A", "B", "C", "D", "Login", "A B"]),              # activity
    st.integers(0, 40),                                                 # seconds after 10:00 (ties likely)
    st.sampled_from([None, "1", "2", "10", "x", "y"]),                  # tie-breaker
)


def _write(tmp: Path, events: list[tuple], with_tb: bool) -> Path:
    header = ["case", "activity", "timestamp", *(["tb"] if with_tb else [])]
    rows = [[c, a, (DAY.replace(hour=10) + timedelta(seconds=s)).strftime("%Y-%m-%d %H:%M:%S"),
             *([tb or ""] if with_tb else [])] for c, a, s, tb in events]
    return write_csv(tmp / "random.csv", header, rows)


def _reference(events: list[tuple], with_tb: bool, keep=lambda s: True) -> dict:
    return reference_dfg([(c, a, float(s), tb if with_tb else None) for c, a, s, tb in events if keep(s)])


def _check(graph, ref: dict) -> None:
    got = {(r.source, r.target): r for r in graph.edges.itertuples(index=False)}
    assert set(got) == set(ref["edges"])
    for key, (n, cases, mean, median, p90) in ref["edges"].items():
        row = got[key]
        assert (row.frequency, row.cases) == (n, cases)
        assert row.mean_seconds == pytest.approx(mean) and row.median_seconds == pytest.approx(median)
        assert row.p90_seconds == pytest.approx(p90)
    assert dict(zip(graph.starts["activity"], graph.starts["cases"], strict=True)) == ref["starts"]
    assert dict(zip(graph.ends["activity"], graph.ends["cases"], strict=True)) == ref["ends"]
    assert (graph.events, graph.cases) == (ref["events"], ref["cases"])


@_PROPS
@given(events=st.lists(_EVENT, min_size=1, max_size=40), with_tb=st.booleans())
def test_graph_equals_the_reference(tmp_path, events, with_tb):
    out = tmp_path / "log.parquet"
    import_log(_write(tmp_path, events, with_tb), out, LogColumns(case="case", activity="activity",
               timestamp="timestamp", tiebreak="tb" if with_tb else None), ImportOptions(duplicates="keep"))
    graph = dfg(out)
    ref = _reference(events, with_tb)
    _check(graph, ref)
    # the invariants any directly-follows graph of an unfiltered log has
    assert int(graph.edges["frequency"].sum()) == graph.events - graph.cases
    assert int(graph.starts["cases"].sum()) == int(graph.ends["cases"].sum()) == graph.cases
    firsts = {v[0] for v in ref["variants"]}
    assert firsts == set(graph.starts["activity"])
    found = variants(out, top=None)
    counted = dict(zip(found.table["activities"], found.table["cases"], strict=True))
    assert {tuple(v): n for v, n in counted.items()} == ref["variants"]
    assert found.table["cumulative_coverage"].iloc[-1] == pytest.approx(1.0)
    # the explicit ORDER BY seq window gives the same rows as the scan-order window
    stored = open_log(out)
    with duckdb.connect() as con:
        sorted_rows = edge_rows(con, stored, scan_order=False)
        scan_rows = edge_rows(con, stored)
    assert sorted(map(repr, sorted_rows)) == sorted(map(repr, scan_rows))
    assert build_dfg(sorted_rows, stored.activities, LogFilter()).edge_counts() == graph.edge_counts()


@_PROPS
@given(events=st.lists(_EVENT, min_size=1, max_size=40), lo=st.integers(0, 40), width=st.integers(0, 40),
       k=st.integers(1, 4))
def test_filters_equal_the_reference_on_the_kept_events(tmp_path, events, lo, width, k):
    out = tmp_path / "log.parquet"
    import_log(_write(tmp_path, events, True), out, LogColumns(tiebreak="tb"), ImportOptions(duplicates="keep"))
    start, end = DAY.replace(hour=10) + timedelta(seconds=lo), DAY.replace(hour=10) + timedelta(seconds=lo + width)
    kept = [e for e in events if lo <= e[2] < lo + width]
    graph = dfg(out, LogFilter(start=start, end=end))
    if kept:
        _check(graph, _reference(kept, True))
    else:
        assert graph.edges.empty and (graph.events, graph.cases) == (0, 0)
    # top-k variants: the cases of the k most frequent sequences (ties by the sequence itself)
    ref = _reference(events, True)
    top = sorted(ref["variants"].items(), key=lambda kv: (-kv[1], kv[0]))[:k]
    graph = dfg(out, LogFilter(top_variants=k))
    assert graph.cases == sum(n for _, n in top)
    assert set(variants(out, LogFilter(top_variants=k), top=None).table["activities"]) == {v for v, _ in top}


# --- readers: a report or a clear error, never a traceback ---------------------------------------------


def _outcome(path: Path, out: Path) -> None:
    if out.exists():
        out.unlink()
    try:
        report = import_log(path, out)
    except LogImportError as exc:
        event(f"refused: {exc.message[:40]}")
        assert str(exc) and not out.exists()
        if exc.report is not None:
            assert exc.report.rows_kept == 0
    else:
        event("imported")
        assert report.rows_kept > 0 and report.rows_read == report.rows_kept + report.rows_rejected
        graph = dfg(out)
        assert graph.events == report.rows_kept and graph.cases == report.cases
        assert report.summary()
    assert not Path(str(out) + ".tmp").exists()


@_PROPS
@given(data=st.binary(max_size=3000), suffix=st.sampled_from([".csv", ".xes", ".xes.gz", ".parquet", ".json", ""]))
def test_random_bytes(tmp_path, data, suffix):
    path = tmp_path / f"random{suffix}"
    path.write_bytes(gzip.compress(data) if suffix.endswith(".gz") else data)
    _outcome(path, tmp_path / "out.parquet")


_CELLS = st.one_of(st.sampled_from(["", "-", "null", "2024-02-30", "13/02/2024 10:00", "02/13/2024", "1709542800",
                                    "2024-03-04T10:00:00+05:30", "9999-12-31", "1899-12-30", "=cmd|' /C calc'!A0",
                                    "<script>", '"', "a\nb", "🙂", "0", "1e309"]),
                   st.text(max_size=12))


@_PROPS
@given(cells=st.lists(st.tuples(st.integers(0, 17), st.integers(0, 3), _CELLS), max_size=15),
       cut=st.one_of(st.none(), st.integers(0, 900)), encoding=st.sampled_from(["utf-8", "utf-16", "cp1252"]),
       delimiter=st.sampled_from([",", ";", "\t"]), header=st.sampled_from([
           ["case", "activity", "timestamp", "plan"], ["case:concept:name", "concept:name", "time:timestamp", "x"],
           ["id", "what", "when", "who"]]))
def test_mutated_logs(tmp_path, cells, cut, encoding, delimiter, header):
    from tests.discover.helpers import HAND_LOG, at

    table = [[str(c), a, at(t).strftime("%Y-%m-%d %H:%M:%S"), p] for c, a, t, p in HAND_LOG]
    for r, c, value in cells:
        table[r][c] = value
    lines = [delimiter.join(header)] + [delimiter.join(
        '"' + v.replace('"', '""') + '"' if any(ch in v for ch in (delimiter, '"', "\n")) else v for v in row)
        for row in table]
    data = "\n".join(lines).encode(encoding, errors="replace")
    path = tmp_path / "mutated.csv"
    path.write_bytes(data[:cut] if cut is not None else data)
    _outcome(path, tmp_path / "out.parquet")


@_PROPS
@given(cut=st.one_of(st.none(), st.integers(0, 100)),
       junk=st.sampled_from(["", "<", "&amp;", "</event>", "<event>", "\x00", "]]>", "<!ENTITY x 'y'>",
                             "<trace><string key='concept:name'/>"]),
       where=st.integers(0, 100), gz=st.booleans())
def test_mutated_xes(tmp_path, cut, junk, where, gz):
    """Junk inserted and the file cut at ``where`` / ``cut`` per cent of its length."""
    text = xes_text(hand_traces(), nested=True)
    at_ = len(text) * where // 100
    text = text[:at_] + junk + text[at_:]
    data = text.encode("utf-8")
    data = data[: len(data) * cut // 100] if cut is not None else data
    path = tmp_path / ("m.xes.gz" if gz else "m.xes")
    path.write_bytes(gzip.compress(data) if gz else data)
    _outcome(path, tmp_path / "out.parquet")
