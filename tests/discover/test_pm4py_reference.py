"""Our directly-follows graph equals pm4py's ``discover_dfg`` (edges, start and end activities) on generated logs
that record starts and completions, under each ordering convention, and a plain-Python count over the generated
activity instances says the same.

The logs (:mod:`tests.tickets.samples.event_log_lifecycle`, seeded) have ties, start/complete pairs, overlapping
activities, the same activity running twice at once, instant activities, schedule rows, starts never completed and
rows exported twice. pm4py is AGPL: only tests and benchmarks import it (``bench`` extra, installed by
``./run.sh test``); ``journeys`` never does.

pm4py's conventions, as its code does them (2.7): ``discover_dfg`` on a frame sorts each case by
``start_timestamp`` then ``time:timestamp`` (stable, so file order last) when the frame has a ``start_timestamp``
column, else by ``time:timestamp``; lifecycle rows become one event per instance through
``interval_lifecycle.to_interval`` (first in, first out; a completion without a start is instant; other
transitions and open starts dropped). Its start/end activities read the first/last row of each case *as the frame
is ordered*, so the frame is handed over in the order pm4py's own DFG sorts by (``format_dataframe`` for the
completion convention). Identical rows: pm4py keeps them; ours drops them by default (compared with pm4py on the
file without the copies) or keeps them (compared with pm4py on the file as it is).
"""

from __future__ import annotations

from collections import Counter
from itertools import pairwise
from pathlib import Path

import pandas as pd
import pytest

from journeys.discover import ImportOptions, dfg, import_log
from journeys.discover.log import DUPLICATE, OPEN_START, OTHER_TRANSITION
from tests.tickets.samples import event_log_lifecycle as lc

pm4py = pytest.importorskip("pm4py")
pytestmark = pytest.mark.filterwarnings("ignore:Install the optional requirement")

SEEDS = [1, 2, 3, 4]
Graph = tuple[dict[tuple[str, str], int], dict[str, int], dict[str, int]]


def _ours(path: Path, out: Path, **options) -> tuple[Graph, object]:
    report = import_log(path, out, options=ImportOptions(**options))
    g = dfg(out)
    return (g.edge_counts(), dict(zip(g.starts["activity"], g.starts["cases"].astype(int), strict=True)),
            dict(zip(g.ends["activity"], g.ends["cases"].astype(int), strict=True))), report


def _pm4py(frame: pd.DataFrame) -> Graph:
    edges, starts, ends = pm4py.discover_dfg(frame, case_id_key="case:concept:name", activity_key="concept:name",
                                             timestamp_key="time:timestamp")
    return ({k: int(v) for k, v in edges.items()}, {k: int(v) for k, v in starts.items()},
            {k: int(v) for k, v in ends.items()})


def _by_start(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame in the order pm4py's DFG sorts an interval log by (its start/end activities read the rows)."""
    return frame.sort_values(["case:concept:name", "start_timestamp", "time:timestamp"], kind="stable")


def _pm4py_lifecycle(xes: Path, order: str) -> Graph:
    """pm4py on a lifecycle XES: paired by ``to_interval`` (start order) or its completions alone."""
    from pm4py.objects.log.util import interval_lifecycle

    if order == "start":
        log = interval_lifecycle.to_interval(pm4py.read_xes(str(xes), return_legacy_log_object=True))
        return _pm4py(_by_start(pm4py.convert_to_dataframe(log)))
    frame = pm4py.read_xes(str(xes))
    frame = frame[frame["lifecycle:transition"] == "complete"]
    return _pm4py(pm4py.format_dataframe(frame, case_id="case:concept:name", activity_key="concept:name",
                                         timestamp_key="time:timestamp"))


def _paired(sample: lc.Sample) -> list[lc.Instance]:
    """The activity instances a reader can see in the lifecycle rows: per case and activity, each completion takes
    the earliest open start (first in, first out), none open = instant; in plain Python over the generated rows.

    This differs from the generated truth where it must: an instant completion of an activity that is also
    running longer is paired with that run's start, as the rows cannot tell them apart. ``n`` = the completion
    row's position.
    """
    open_: dict[tuple[str, str], list[lc.Row]] = {}
    out = []
    for n, row in enumerate(sample.rows):
        if row.transition == "start":
            open_.setdefault((row.case, row.activity), []).append(row)
        elif row.transition == "complete":
            queue = open_.get((row.case, row.activity))
            start = queue.pop(0).at if queue else None
            out.append(lc.Instance(row.case, row.activity, start, row.at, row.resource, n))
    return out


def _plain(instances: list[lc.Instance], order: str, key=None) -> Graph:
    """The graph counted in plain Python from activity instances, ordered by start or completion, then ``n``."""
    key = key or ((lambda i: (i.start or i.complete, i.complete, i.n)) if order == "start"
                  else (lambda i: (i.complete, i.n)))
    cases: dict[str, list[lc.Instance]] = {}
    for i in instances:
        cases.setdefault(i.case, []).append(i)
    edges: Counter = Counter()
    starts: Counter = Counter()
    ends: Counter = Counter()
    for trace in cases.values():
        names = [i.activity for i in sorted(trace, key=key)]
        starts[names[0]] += 1
        ends[names[-1]] += 1
        edges.update(pairwise(names))
    return dict(edges), dict(starts), dict(ends)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("order", ["start", "complete"])
def test_lifecycle_xes_equals_pm4py_and_the_instances(tmp_path, seed, order):
    sample = lc.generate(seed)
    ours, report = _ours(lc.write_xes(sample, tmp_path / "log.xes"), tmp_path / "o.parquet", order=order)
    clean = lc.write_xes(sample, tmp_path / "clean.xes", with_duplicates=False)
    assert ours == _pm4py_lifecycle(clean, order)
    assert ours == _plain(_paired(sample), order)
    started = sum(1 for i in sample.instances if i.start is not None)
    assert report.lifecycle_pairs == started and report.rows_kept == len(sample.instances)
    assert report.duplicates == len(sample.duplicated) and report.rejected.get(DUPLICATE) == len(sample.duplicated)
    assert report.rejected.get(OPEN_START, 0) == sample.open_starts
    assert report.rejected.get(OTHER_TRANSITION, 0) == sample.schedules
    assert report.order == order and report.ties > 0  # the generator makes ties: they are reported


@pytest.mark.parametrize("seed", SEEDS[:2])
def test_identical_rows_kept_equal_pm4py_on_the_file_as_it_is(tmp_path, seed):
    sample = lc.generate(seed)
    xes = lc.write_xes(sample, tmp_path / "log.xes")
    ours, report = _ours(xes, tmp_path / "o.parquet", order="start", duplicates="keep")
    assert report.duplicates_kept and report.duplicates == len(sample.duplicated)
    assert ours == _pm4py_lifecycle(xes, "start")


@pytest.mark.parametrize("seed", SEEDS[:2])
def test_lifecycle_csv_with_cases_interleaved_reads_as_the_xes(tmp_path, seed):
    sample = lc.generate(seed)
    xes, _ = _ours(lc.write_xes(sample, tmp_path / "log.xes"), tmp_path / "x.parquet")
    csv, report = _ours(lc.write_lifecycle_csv(sample, tmp_path / "log.csv"), tmp_path / "c.parquet")
    assert csv == xes and report.lifecycle_pairs > 0 and report.format == "csv"


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("order", ["start", "complete"])
def test_interval_csv_equals_pm4py(tmp_path, seed, order):
    sample = lc.generate(seed)
    path = lc.write_interval_csv(sample, tmp_path / "log.csv")
    ours, report = _ours(path, tmp_path / "o.parquet", order=order)
    assert report.columns.start == "start_timestamp" and report.intervals and not report.lifecycle_pairs
    frame = pd.read_csv(path, dtype=str)
    copies = int(frame.duplicated().sum())
    assert report.duplicates == copies > 0
    frame = frame.drop_duplicates().reset_index(drop=True)
    for column in ("start_timestamp", "time:timestamp"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    if order == "start":
        theirs = _pm4py(_by_start(frame))
    else:
        theirs = _pm4py(pm4py.format_dataframe(frame.drop(columns="start_timestamp"), case_id="case:concept:name",
                                               activity_key="concept:name", timestamp_key="time:timestamp"))
    assert ours == theirs
    # the file is written by (start, completion, generated order): completion ties fall back on that order
    key = None if order == "start" else (lambda i: (i.complete, i.start or i.complete, i.n))
    assert ours == _plain(sample.instances, order, key)


def test_waiting_times_equal_pm4py_performance_dfg(tmp_path):
    sample = lc.generate(7)
    path = lc.write_interval_csv(sample, tmp_path / "log.csv", with_duplicates=False)
    import_log(path, tmp_path / "o.parquet")
    ours = dfg(tmp_path / "o.parquet").edges
    frame = pd.read_csv(path, dtype=str)
    for column in ("start_timestamp", "time:timestamp"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    # pm4py clips a wait at 0 where the next activity starts before this one completes when told the start
    # column (``discover_performance_dfg`` does not tell it, and averages negative waits in)
    from pm4py.algo.discovery.dfg.adapters.pandas.df_statistics import get_dfg_graph

    perf = get_dfg_graph(frame, measure="performance", case_id_glue="case:concept:name",
                         activity_key="concept:name", start_timestamp_key="start_timestamp",
                         timestamp_key="time:timestamp", perf_aggregation_key="all")
    assert len(ours) == len(perf)
    for row in ours.itertuples():
        assert row.mean_seconds == pytest.approx(perf[(row.source, row.target)]["mean"], abs=1e-6)
        assert row.median_seconds == pytest.approx(perf[(row.source, row.target)]["median"], abs=1e-6)
