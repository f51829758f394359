"""The directly-follows graph of a small log, every number computed by hand.

The log (tests/discover/helpers.py HAND_LOG), all on 2024-03-04 UTC:

    case 1  A 10:00  B 10:05  C 10:20  D 11:00            gold
    case 2  A 09:00  C 09:10  D 09:40                     gold
    case 3  A 08:00  B 08:01  B 08:04  C 08:10  D 09:10   gold
    case 4  A 12:00  B 12:30                              silver
    case 5  B 07:00                                       silver
    case 6  A 13:00  C 13:20  D 13:30                     silver

18 events, 6 cases, so 12 directly-follows steps:

    A→B  3 (cases 1, 3, 4)  300, 60, 1800 s     mean 720   median 300   p90 300 + 0.8·1500 = 1500
    C→D  4 (1, 2, 3, 6)     2400, 1800, 3600, 600  mean 2100  median (1800+2400)/2  p90 2400 + 0.7·1200 = 3240
    B→C  2 (1, 3)           900, 360            mean 630   median 630   p90 360 + 0.9·540 = 846
    A→C  2 (2, 6)           600, 1200           mean 900   median 900   p90 600 + 0.9·600 = 1140
    B→B  1 (3)              180                 a self-loop

(p90 is the continuous quantile: position 0.9·(n−1) between the sorted values.)
Starts A 5, B 1; ends D 4, B 2. Variants: A C D twice, the four others once each.
"""

from __future__ import annotations

import importlib
from datetime import datetime

import pytest

from journeys.discover import LogFilter, dfg, import_log, variants
from journeys.errors import JourneysError
from tests.discover.helpers import DAY, hand_csv

EDGES = {
    ("A", "B"): (3, 3, 720.0, 300.0, 1500.0),
    ("C", "D"): (4, 4, 2100.0, 2100.0, 3240.0),
    ("B", "C"): (2, 2, 630.0, 630.0, 846.0),
    ("A", "C"): (2, 2, 900.0, 900.0, 1140.0),
    ("B", "B"): (1, 1, 180.0, 180.0, 180.0),
}


@pytest.fixture(scope="module")
def log(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hand")
    report = import_log(hand_csv(folder / "hand.csv"), folder / "hand.parquet")
    assert report.rows_kept == 18 and report.cases == 6 and report.rows_rejected == 0
    return folder / "hand.parquet"


def _edges(graph) -> dict:
    return {(r.source, r.target): (r.frequency, r.cases, r.mean_seconds, r.median_seconds, r.p90_seconds)
            for r in graph.edges.itertuples(index=False)}


def test_edges_counts_and_durations(log):
    graph = dfg(log)
    assert _edges(graph) == EDGES
    assert (graph.events, graph.cases) == (18, 6)
    assert list(graph.edges["source"] + graph.edges["target"]) == ["CD", "AB", "AC", "BC", "BB"]  # by frequency


def test_starts_ends_activities_and_self_loops(log):
    graph = dfg(log)
    assert dict(zip(graph.starts["activity"], graph.starts["cases"], strict=True)) == {"A": 5, "B": 1}
    assert dict(zip(graph.ends["activity"], graph.ends["cases"], strict=True)) == {"D": 4, "B": 2}
    assert dict(zip(graph.activities["activity"], graph.activities["events"], strict=True)) == {
        "A": 5, "B": 5, "C": 4, "D": 4}
    assert graph.self_loops[["source", "target", "frequency"]].values.tolist() == [["B", "B", 1]]
    assert int(graph.edges["frequency"].sum()) == graph.events - graph.cases
    g = graph.to_digraph()
    assert g.nodes["A"] == {"events": 5, "starts": 5, "ends": 0} and g.edges["C", "D"]["cases"] == 4


def test_variants_and_coverage(log):
    found = variants(log)
    assert (found.distinct, found.cases) == (5, 6)
    rows = [(r.rank, "".join(r.activities), r.cases, round(r.coverage, 6), round(r.cumulative_coverage, 6))
            for r in found.table.itertuples(index=False)]
    assert rows == [(1, "ACD", 2, 0.333333, 0.333333), (2, "AB", 1, 0.166667, 0.5), (3, "ABBCD", 1, 0.166667, 0.666667),
                    (4, "ABCD", 1, 0.166667, 0.833333), (5, "B", 1, 0.166667, 1.0)]
    assert len(variants(log, top=2).table) == 2 and variants(log, top=2).distinct == 5


def test_time_range_keeps_the_events_inside_it(log):
    """09:00–12:00: cases 1 and 2 whole, only case 3's last event (D 09:10) — a case of one event."""
    graph = dfg(log, LogFilter(start=DAY.replace(hour=9), end=DAY.replace(hour=12)))
    assert graph.edge_counts() == {("A", "B"): 1, ("B", "C"): 1, ("C", "D"): 2, ("A", "C"): 1}
    assert (graph.events, graph.cases) == (8, 3)
    assert dict(zip(graph.starts["activity"], graph.starts["cases"], strict=True)) == {"A": 2, "D": 1}
    naive = dfg(log, LogFilter(start=datetime(2024, 3, 4, 9), end=datetime(2024, 3, 4, 12)))  # naive = UTC
    assert naive.edge_counts() == graph.edge_counts()


def test_segment_filter(log):
    gold = dfg(log, LogFilter(segment="x_Plan", segment_values=("gold",)))
    assert gold.edge_counts() == {("A", "B"): 2, ("B", "C"): 2, ("C", "D"): 3, ("A", "C"): 1, ("B", "B"): 1}
    assert gold.cases == 3
    both = dfg(log, LogFilter(segment="x_Plan", segment_values=("gold", "silver")))
    assert both.edge_counts() == dfg(log).edge_counts()
    with pytest.raises(JourneysError, match=r"no segment column 'x_nope'.*x_Plan"):
        dfg(log, LogFilter(segment="x_nope", segment_values=("a",)))


def test_min_edge_frequency_hides_edges_but_not_events(log):
    graph = dfg(log, LogFilter(min_edge_frequency=3))
    assert graph.edge_counts() == {("C", "D"): 4, ("A", "B"): 3}
    assert (graph.events, graph.cases) == (18, 6) and len(graph.starts) == 2


def test_top_variants_keeps_only_their_cases(log):
    graph = dfg(log, LogFilter(top_variants=1))
    assert graph.edge_counts() == {("A", "C"): 2, ("C", "D"): 2}
    assert graph.cases == 2
    two = dfg(log, LogFilter(top_variants=2))  # ACD (2 cases) and AB (first of the one-case variants)
    assert two.edge_counts() == {("A", "C"): 2, ("C", "D"): 2, ("A", "B"): 1} and two.cases == 3
    assert variants(log, LogFilter(top_variants=2)).distinct == 2


def test_describe_filters():
    assert LogFilter().describe() == "all events"
    text = LogFilter(start=DAY, segment="x_plan", segment_values=("Pro", None), top_variants=3,
                     min_edge_frequency=5).describe()
    assert "from 2024-03-04" in text and "plan Pro or (none)" in text and "top 3" in text and "at least 5" in text


def test_case_bitmaps_and_count_distinct_agree(log, monkeypatch):
    expected = _edges(dfg(log))
    monkeypatch.setattr(importlib.import_module("journeys.discover.dfg"), "BITMAP_BUDGET", 0)
    assert _edges(dfg(log)) == expected


def test_a_file_that_is_no_stored_log_is_refused(tmp_path, log):
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"case_id": ["1"]}), tmp_path / "plain.parquet")
    with pytest.raises(JourneysError, match="not an event log stored by journeys"):
        dfg(tmp_path / "plain.parquet")
    with pytest.raises(JourneysError, match="cannot be read"):
        dfg(tmp_path / "missing.parquet")
