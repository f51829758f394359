"""Directly-follows graph at 1M and 5M events: journeys.discover.dfg vs pm4py and a hand-written DuckDB query.

    python benchmarks/bench_discover.py [--events 1000000 5000000] [--repeat 5] [--no-pm4py]

For each size the demo generator (journeys/demo/event_log.py: the "Billing support" journey with
its planted routes, every case's timestamps strictly increasing so the order of events is never
ambiguous) writes the raw events to Parquet in time order, as an export would be. Then:

- **import** (once, timed for information): ``import_log`` sorts the log by case and time and
  numbers it — the stored form every Discover query reads;
- **ours**: ``dfg(stored, con=…)`` on the DuckDB the hand queries use (a workspace passes its engine):
  edges with frequency, case frequency, mean/median/p90 durations, start and end activities,
  returned as DataFrames;
- **hand**: one hand-written DuckDB query over the *raw* file computing the same statistics
  (``lead()`` over ``PARTITION BY case_id ORDER BY timestamp``), as an analyst would write it;
  printed for information: the same query over the stored file, and an edge-count-only query;
- **pm4py**: ``pm4py.discover_dfg`` (frequencies, starts, ends only) on a pandas DataFrame of the
  raw events, loaded before timing. pm4py is AGPL: it is imported here only, never by journeys;
  install it with ``pip install pm4py`` (``--no-pm4py`` skips it).

Runs are interleaved (ours, hand, pm4py, ours, …) so machine load hits all alike; medians are
printed, with every ratio. The edges (and starts/ends) of all three are asserted identical. The
peak RSS of our side (import + graph + variants + conformance, in a fresh child process that never
loads pandas' copy of the log or pm4py) is measured with ``getrusage``.

Budgets (shared/DESIGN.md): at 1M events ours is ≥ 8× faster than pm4py and ≤ 1.5× the hand
query; at 5M events our peak RSS is under 1.5 GB. Exits 1 when one is missed.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

from journeys.demo.event_log import demo_events  # noqa: E402

BUDGET_PM4PY = 8.0
BUDGET_HAND = 1.5
BUDGET_RSS_GB = 1.5
EVENTS_PER_CASE = 10.58  # the demo chain's mean case length (measured on 200k cases)

HAND_SQL = """
WITH e AS (
  SELECT case_id, activity,
         lead(activity) OVER w AS next_activity,
         epoch_us(lead("timestamp") OVER w) - epoch_us("timestamp") AS gap,
         row_number() OVER w = 1 AS first
  FROM read_parquet('{path}')
  WINDOW w AS (PARTITION BY case_id ORDER BY "timestamp"{tiebreak})
)
SELECT activity, next_activity, count(*) AS n, count(*) FILTER (first) AS starts,
       count(DISTINCT case_id) AS cases, avg(gap) AS mean_gap, quantile_cont(gap, [0.5, 0.9]) AS q
FROM e GROUP BY ALL
"""
COUNT_SQL = """
SELECT activity, next_activity, count(*) FROM (
  SELECT activity, lead(activity) OVER (PARTITION BY case_id ORDER BY "timestamp") AS next_activity
  FROM read_parquet('{path}')) WHERE next_activity IS NOT NULL GROUP BY ALL
"""

# Our side in a child process: its peak RSS is ours alone.
_CHILD = """
import json, resource, sys, time
import duckdb
sys.path.insert(0, sys.argv[3])
from journeys.demo import current_state_journey
from journeys.demo.event_log import demo_activity_map  # noqa: E402
from journeys.discover import conformance, dfg, import_log, variants
t0 = time.perf_counter()
report = import_log(sys.argv[1], sys.argv[2])
t1 = time.perf_counter()
con = duckdb.connect()  # the analytics engine's one DuckDB, as a workspace opens it
graph = dfg(sys.argv[2], con=con)
t2 = time.perf_counter()
found = variants(sys.argv[2], con=con)
t3 = time.perf_counter()
result = conformance(sys.argv[2], current_state_journey(), demo_activity_map(), con=con)
t4 = time.perf_counter()
print(json.dumps({"events": report.rows_kept, "cases": report.cases, "import_s": t1 - t0, "dfg_cold_s": t2 - t1,
                  "variants_s": t3 - t2, "conformance_s": t4 - t3, "distinct_variants": found.distinct,
                  "designed_share": result.designed_share,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _time(fns: dict[str, Callable[[], object]], repeat: int) -> dict[str, tuple[list[float], object]]:
    """Wall times of each function over ``repeat`` interleaved rounds (after one warm-up), and its last result."""
    results = {name: fn() for name, fn in fns.items()}
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            start = time.perf_counter()
            results[name] = fn()
            samples[name].append(time.perf_counter() - start)
    return {name: (samples[name], results[name]) for name in fns}


def _hand_edges(rows: list[tuple]) -> tuple[dict, dict, dict]:
    edges, starts, ends = {}, {}, {}
    for a, b, n, first, cases, mean, q in rows:
        if first:
            starts[a] = starts.get(a, 0) + first
        if b is None:
            ends[a] = ends.get(a, 0) + n
        else:
            edges[(a, b)] = (n, cases, mean / 1e6, q[0] / 1e6, q[1] / 1e6)
    return edges, starts, ends


def _ms(samples: list[float]) -> str:
    return f"median {statistics.median(samples) * 1000:8.1f} ms  (min {min(samples) * 1000:7.1f})"


def bench(events: int, repeat: int, with_pm4py: bool, tmp: Path) -> dict:
    from journeys.discover import dfg

    raw = tmp / f"raw-{events}.parquet"
    stored = tmp / f"stored-{events}.parquet"
    started = time.perf_counter()
    table = demo_events(cases=max(1, round(events / EVENTS_PER_CASE)), seed=11)
    pq.write_table(table, raw)
    n_events = table.num_rows
    del table
    print(f"\n== {n_events:,} events: generated in {time.perf_counter() - started:.1f} s "
          f"({raw.stat().st_size / 1e6:.0f} MB raw Parquet)")

    child = subprocess.run([sys.executable, "-c", _CHILD, str(raw), str(stored), str(ROOT)], capture_output=True,
                           text=True, check=True)
    ours_side = json.loads(child.stdout.strip().splitlines()[-1])
    print(f"import (sort + number, once)     {ours_side['import_s'] * 1000:8.1f} ms   "
          f"{ours_side['cases']:,} cases")
    print(f"our side, fresh process: first dfg {ours_side['dfg_cold_s'] * 1000:.0f} ms, variants "
          f"{ours_side['variants_s'] * 1000:.0f} ms ({ours_side['distinct_variants']:,}), conformance "
          f"{ours_side['conformance_s'] * 1000:.0f} ms ({ours_side['designed_share']:.1%} designed); "
          f"peak RSS {ours_side['peak_rss_mb']:.0f} MB")

    con = duckdb.connect()
    raw_sql, stored_sql = str(raw).replace("'", "''"), str(stored).replace("'", "''")
    hand_raw = HAND_SQL.format(path=raw_sql, tiebreak="")
    hand_stored = HAND_SQL.format(path=stored_sql, tiebreak=", seq")
    fns: dict[str, Callable[[], object]] = {
        "ours": lambda: dfg(stored, con=con),  # a cursor of the same DuckDB per call, as the workspace's engine
        "hand": lambda: con.execute(hand_raw).fetchall(),
        "hand over the stored file": lambda: con.execute(hand_stored).fetchall(),
        "hand, edge counts only": lambda: con.execute(COUNT_SQL.format(path=raw_sql)).fetchall(),
    }
    frames = []
    if with_pm4py:
        import pandas as pd
        import pm4py

        frames.append(pd.read_parquet(raw, columns=["case_id", "activity", "timestamp"]))  # loaded before timing
        fns["pm4py"] = lambda: pm4py.discover_dfg(frames[0], case_id_key="case_id", activity_key="activity",
                                                  timestamp_key="timestamp")
    timed = _time(fns, repeat)

    graph = timed["ours"][1]
    ours_edges = {(r.source, r.target): (r.frequency, r.cases, r.mean_seconds, r.median_seconds, r.p90_seconds)
                  for r in graph.edges.itertuples(index=False)}
    ours_starts = dict(zip(graph.starts["activity"], graph.starts["cases"], strict=True))
    ours_ends = dict(zip(graph.ends["activity"], graph.ends["cases"], strict=True))
    for name in ("hand", "hand over the stored file"):
        edges, starts, ends = _hand_edges(timed[name][1])
        assert set(edges) == set(ours_edges), f"{name}: different edges"
        for key, values in edges.items():
            assert values[:2] == ours_edges[key][:2], (name, key, values, ours_edges[key])
            assert all(abs(x - y) <= 1e-6 * max(1.0, abs(y)) for x, y in zip(values[2:], ours_edges[key][2:],
                                                                               strict=True)), (name, key)
        assert starts == ours_starts and ends == ours_ends, f"{name}: different starts/ends"
    counts = {(a, b): n for a, b, n in timed["hand, edge counts only"][1]}
    assert counts == graph.edge_counts()
    if with_pm4py:
        pm_dfg, pm_starts, pm_ends = timed["pm4py"][1]
        assert {k: int(v) for k, v in pm_dfg.items()} == graph.edge_counts(), "pm4py: different edges"
        assert {k: int(v) for k, v in pm_starts.items()} == ours_starts, "pm4py: different start activities"
        assert {k: int(v) for k, v in pm_ends.items()} == ours_ends, "pm4py: different end activities"
    print(f"edges: {len(ours_edges)}; identical in ours, hand queries{' and pm4py' if with_pm4py else ''} "
          "(counts, case counts, durations, starts, ends)")

    med = {name: statistics.median(samples) for name, (samples, _) in timed.items()}
    for name, (samples, _) in timed.items():
        print(f"{name:32s} {_ms(samples)}")
    out = {"events": n_events, "ours_s": med["ours"], "hand_s": med["hand"], "peak_rss_mb": ours_side["peak_rss_mb"]}
    print(f"ratio ours / hand                {med['ours'] / med['hand']:.2f}×   (budget ≤ {BUDGET_HAND}× at 1M)")
    print(f"ratio ours / hand (stored file)  {med['ours'] / med['hand over the stored file']:.2f}×")
    print(f"ratio ours / hand (counts only)  {med['ours'] / med['hand, edge counts only']:.2f}×")
    if with_pm4py:
        out["pm4py_s"] = med["pm4py"]
        paired = [p / o for p, o in zip(timed["pm4py"][0], timed["ours"][0], strict=True)]
        print(f"pm4py / ours                     {med['pm4py'] / med['ours']:.1f}× faster (per round: "
              f"{', '.join(f'{r:.1f}' for r in paired)})   (budget ≥ {BUDGET_PM4PY:.0f}× at 1M)")
    frames.clear()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, nargs="+", default=[1_000_000, 5_000_000])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-pm4py", action="store_true", help="Skip pm4py (not installed, or AGPL-averse).")
    args = parser.parse_args()
    with_pm4py = not args.no_pm4py
    if with_pm4py:
        try:
            import pm4py  # noqa: F401
        except ImportError:
            sys.exit("pm4py is not installed: pip install pm4py (or run with --no-pm4py)")
    ok = True
    with tempfile.TemporaryDirectory(prefix="bench-discover-") as tmp:
        for n in args.events:
            r = bench(n, args.repeat, with_pm4py, Path(tmp))
            if r["events"] <= 1_500_000:
                ok &= r["ours_s"] <= BUDGET_HAND * r["hand_s"]
                if with_pm4py:
                    ok &= r["pm4py_s"] >= BUDGET_PM4PY * r["ours_s"]
            if r["events"] >= 4_000_000:
                ok &= r["peak_rss_mb"] < BUDGET_RSS_GB * 1024
    print(f"\npeak RSS of this process (pm4py and pandas included): "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    print("budget: met" if ok else "budget: MISSED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
