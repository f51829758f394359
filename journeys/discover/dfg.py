"""The directly-follows graph of a stored event log, computed in DuckDB in one window query.

Event *b* directly follows event *a* when both belong to one case and *b* is the next event after
*a* in the case's order (timestamp — for logs with start times, start then completion or completion
alone, as chosen at import —, tie-breaker, file order — fixed at import as ``seq``, see :mod:`.log`).
One query over the stored Parquet takes ``lead()``/``lag()`` over ``seq`` and
aggregates, per pair of activities:

- ``frequency``: how many times *b* directly followed *a* (events);
- ``cases``: how many cases contain that step at least once;
- ``mean_seconds``, ``median_seconds``, ``p90_seconds``: time between the two events (exact,
  continuous quantiles as in :mod:`journeys.metrics`); with start times, from *a*'s completion to
  *b*'s start, 0 when they overlap.

The same query yields the start and end activities (first/last event of each case) and the events
per activity. The stored log is sorted by case and numbered at import, so the window needs neither a
partition (the next row belongs to the same case exactly when its ``case_idx`` is equal) nor, as a
rule, a sort: it runs over the rows in the order the scan delivers them and checks in the same query
that this is the stored order (see :func:`edge_rows`). Every code is an integer. Together that is
what makes it fast (``benchmarks/bench_discover.py``). Case counts are exact: a bitmap of cases per
edge when that fits in memory, ``count(DISTINCT …)`` otherwise (same result).

Filters (:class:`LogFilter`) apply before the graph is built: a time range and a segment keep the
events inside them (so the graph shows what happened in that window or segment); ``top_variants``
keeps the cases following the *k* most frequent activity sequences; ``min_edge_frequency`` hides
rarer edges afterwards (starts, ends and totals still count every event).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import duckdb
import networkx as nx
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from journeys.discover.log import ACTIVITIES_KEY, CASES_KEY, FORMAT_KEY, STORED_COLUMNS
from journeys.errors import JourneysError, Problem
from journeys.metrics import utc_timestamp
from journeys.tickets.export_files import quote_ident as qi
from journeys.tickets.export_files import quote_str as qs

BITMAP_BUDGET = 128 << 20  # bytes of per-edge case bitmaps before falling back to count(DISTINCT)
EDGE_COLUMNS = ("source", "target", "frequency", "cases", "mean_seconds", "median_seconds", "p90_seconds")


@dataclass(frozen=True)
class LogFilter:
    """Which events and cases a graph looks at; hashable, so pages can key caches on it.

    ``start`` (inclusive) / ``end`` (exclusive) on event timestamps (naive = UTC); ``segment`` a
    column of the stored log (``resource`` or an ``x_`` attribute) with the values to keep (None
    among them keeps events without a value); ``top_variants`` the number of most frequent activity
    sequences whose cases are kept; ``min_edge_frequency`` hides edges seen fewer times.
    """

    start: datetime | None = None
    end: datetime | None = None
    segment: str | None = None
    segment_values: tuple[str | None, ...] = ()
    min_edge_frequency: int = 1
    top_variants: int | None = None

    def describe(self) -> str:
        """The filter in words for captions and exports ("all events" when nothing is filtered)."""
        parts = []
        if self.start or self.end:
            parts.append(f"from {self.start:%Y-%m-%d %H:%M}" if self.start else "")
            parts.append(f"until {self.end:%Y-%m-%d %H:%M}" if self.end else "")
        if self.segment and self.segment_values:
            shown = " or ".join("(none)" if v is None else str(v) for v in self.segment_values)
            parts.append(f"{self.segment.removeprefix('x_')} {shown}")
        if self.top_variants:
            parts.append(f"cases of the top {self.top_variants} variant(s)")
        if self.min_edge_frequency > 1:
            parts.append(f"edges seen at least {self.min_edge_frequency} times")
        return ", ".join(p for p in parts if p) or "all events"


@dataclass(frozen=True)
class StoredLog:
    """An event log as stored by :func:`journeys.discover.log.import_log`: its file and dictionary."""

    path: Path
    activities: tuple[str, ...]
    cases: int
    columns: tuple[str, ...]

    @property
    def source(self) -> str:
        return f"read_parquet({qs(str(self.path))})"

    @property
    def intervals(self) -> bool:
        """Whether events carry a start time (``start_timestamp``) as well as their completion time."""
        return "start_timestamp" in self.columns

    @property
    def segments(self) -> list[str]:
        """Columns a segment filter may use: the resource and the kept ``x_`` attributes."""
        return [c for c in self.columns if c == "resource" or c.startswith("x_")]


def open_log(log: Any) -> StoredLog:
    """The stored log behind ``log`` (a path, or anything with a ``path``, e.g. an EventLogVersion).

    Reads the Parquet footer only; JourneysError when it is not an event log stored by this module.
    """
    if isinstance(log, StoredLog):
        return log
    path = Path(getattr(log, "path", log))
    try:
        meta = pq.read_metadata(path)
        schema = pq.read_schema(path)
    except (OSError, pa.ArrowException, ValueError) as exc:
        raise JourneysError(f"The event log {path.name} cannot be read ({exc})") from None
    kv = meta.metadata or {}
    missing = [c for c in STORED_COLUMNS if c not in schema.names]
    if FORMAT_KEY.encode() not in kv or missing:
        raise JourneysError(f"{path.name} is not an event log stored by journeys",
                            [Problem(path.name, f"missing {', '.join(missing) or 'its event-log metadata'}; "
                                                "import the file with journeys.discover.import_log")])
    names = json.loads(kv[ACTIVITIES_KEY.encode()].decode("utf-8"))
    return StoredLog(path, tuple(names), int(kv[CASES_KEY.encode()]), tuple(schema.names))


@dataclass(frozen=True)
class DFG:
    """A directly-follows graph: edges with counts and durations, start/end activities, totals.

    ``edges`` columns: :data:`EDGE_COLUMNS`, most frequent first. ``starts``/``ends``: ``activity``,
    ``cases``. ``activities``: ``activity``, ``events``. ``events``/``cases`` count the filtered log.
    """

    edges: pd.DataFrame
    starts: pd.DataFrame
    ends: pd.DataFrame
    activities: pd.DataFrame
    events: int
    cases: int
    filters: LogFilter = field(default_factory=LogFilter)

    @property
    def self_loops(self) -> pd.DataFrame:
        """Edges from an activity to itself (a repeated step: retries, ping-pong on one screen)."""
        return self.edges[self.edges["source"] == self.edges["target"]].reset_index(drop=True)

    def edge_counts(self) -> dict[tuple[str, str], int]:
        """``{(source, target): frequency}``, handy for comparisons and tests."""
        return {(s, t): int(n) for s, t, n in zip(self.edges["source"], self.edges["target"],
                                                   self.edges["frequency"], strict=True)}

    def to_digraph(self) -> nx.DiGraph:
        """The graph for NetworkX work and drawing: node ``events``/``starts``/``ends``, edge statistics."""
        g: nx.DiGraph[str] = nx.DiGraph()
        starts = dict(zip(self.starts["activity"], self.starts["cases"], strict=True))
        ends = dict(zip(self.ends["activity"], self.ends["cases"], strict=True))
        for a, n in zip(self.activities["activity"], self.activities["events"], strict=True):
            g.add_node(a, events=int(n), starts=int(starts.get(a, 0)), ends=int(ends.get(a, 0)))
        for row in self.edges.to_dict("records"):
            g.add_edge(row["source"], row["target"], frequency=int(row["frequency"]), cases=int(row["cases"]),
                       mean_seconds=row["mean_seconds"], median_seconds=row["median_seconds"],
                       p90_seconds=row["p90_seconds"])
        return g


# --- SQL ------------------------------------------------------------------------------------------------


def _where(log: StoredLog, filters: LogFilter) -> str:
    preds = []
    start, end = utc_timestamp(filters.start), utc_timestamp(filters.end)
    if start is not None:
        preds.append(f"\"timestamp\" >= TIMESTAMPTZ {qs(start.isoformat())}")
    if end is not None:
        preds.append(f"\"timestamp\" < TIMESTAMPTZ {qs(end.isoformat())}")
    if filters.segment:
        if filters.segment not in log.segments:
            raise JourneysError(f"The event log has no segment column '{filters.segment}'",
                                [Problem("segment", f"choose one of: {', '.join(log.segments) or 'none'}")])
        values = [v for v in filters.segment_values if v is not None]
        col = qi(filters.segment)
        hit = f"{col} IN ({', '.join(qs(str(v)) for v in values)})" if values else "false"
        preds.append(f"({hit} OR {col} IS NULL)" if None in filters.segment_values else hit)
    return " AND ".join(preds) or "true"


def events_sql(log: StoredLog, filters: LogFilter | None = None, node: str = "activity_idx") -> str:
    """A SELECT of the filtered events as (case_idx, node, t µs, seq[, s µs]); ``node`` maps activity codes to nodes.

    ``t`` is the (completion) time; logs with start times add ``s``, the start time.
    """
    filters = filters or LogFilter()
    start = ", epoch_us(start_timestamp) AS s" if log.intervals else ""
    base = (f"SELECT case_idx, activity_idx, {node} AS node, epoch_us(\"timestamp\") AS t, seq{start} "
            f"FROM {log.source} WHERE {_where(log, filters)}")
    cols = "case_idx, node, t, seq" + (", s" if log.intervals else "")
    if not filters.top_variants:
        return f"SELECT {cols} FROM ({base})"
    k = int(filters.top_variants)
    if k < 1:
        raise JourneysError("top_variants must be at least 1")
    return (f"WITH base AS ({base}), tr AS (SELECT case_idx, list(activity_idx ORDER BY seq) AS v FROM base "
            f"GROUP BY case_idx), top AS (SELECT v FROM tr GROUP BY v ORDER BY count(*) DESC, v LIMIT {k}) "
            f"SELECT {cols} FROM base WHERE case_idx IN "
            f"(SELECT case_idx FROM tr SEMI JOIN top USING (v))")


def case_count(log: StoredLog, groups: int) -> str:
    """SQL counting distinct cases per group: a bitmap of ``case_idx`` when ``groups`` of them fit in memory."""
    if log.cases > 0 and groups * (log.cases // 8 + 16) <= BITMAP_BUDGET:
        return f"bit_count(bitstring_agg(case_idx, 0, {log.cases - 1}))"
    return "count(DISTINCT case_idx)"


def edge_rows(con: duckdb.DuckDBPyConnection, log: StoredLog, filters: LogFilter | None = None,
              node: str = "activity_idx", *, scan_order: bool = True) -> list[tuple]:
    """One row per (node, next node or None for case ends): count, starts, cases, mean µs, [median, p90] µs.

    The single window query of this module. ``node`` maps ``activity_idx`` to the graph's nodes (the
    activity itself, or a journey step in :mod:`.conformance`). The stored log is sorted by ``seq``,
    so the window first runs over the rows in the order the scan delivers them (``OVER ()``: no
    sort, streamed) and the same query checks that order — every row's successor has a higher
    ``seq``; only if some does not is the query run again with ``ORDER BY seq`` (``scan_order=False``
    goes there directly).
    """
    n = len(log.activities)  # a node is a function of the activity: never more distinct nodes than that
    distinct = case_count(log, n * (n + 1))
    source = events_sql(log, filters, node)

    # The successor's columns are NULL at a case's end, so the aggregates need no FILTER: a case end
    # lands in the group (node, NULL), whose duration aggregates stay NULL (its case count is unused).
    # With start times the time between two events is from this one's completion to the next one's start,
    # 0 when they overlap (as pm4py's performance DFG measures it).
    gap = "greatest(lead(s) OVER o, t) - t" if log.intervals else "lead(t) OVER o - t"

    def query(window: str) -> str:
        return (f"WITH w AS (SELECT case_idx, node, lead(case_idx) OVER o = case_idx AS more, "
                f"lead(node) OVER o AS nxt, {gap} AS gap, "
                f"lag(case_idx) OVER o IS DISTINCT FROM case_idx AS first, lead(seq) OVER o > seq AS ordered "
                f"FROM ({source}) WINDOW o AS ({window})) "
                f"SELECT node, CASE WHEN more THEN nxt END AS target, count(*) AS n, "
                f"count(*) FILTER (first) AS starts, {distinct} AS cases, avg(d) AS mean_d, "
                f"quantile_cont(d, [0.5, 0.9]) AS q, bool_and(ordered) "
                f"FROM (SELECT *, CASE WHEN more THEN gap END AS d FROM w) GROUP BY ALL")

    rows = con.execute(query("")).fetchall() if scan_order else [(False,)]
    if any(r[-1] is False for r in rows):  # the scan did not deliver the file's order: sort explicitly
        rows = con.execute(query("ORDER BY seq")).fetchall()
    return [r[:-1] for r in rows]


class Cursors(Protocol):
    """What a Discover query runs on: a DuckDB connection, or anything handing out cursors of one (the
    workspace's engine, :class:`journeys.tickets.engine.TicketEngine`)."""

    def cursor(self) -> duckdb.DuckDBPyConnection: ...


@contextmanager
def cursor(con: Cursors | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor of ``con`` for one query, closed after it; without ``con``, a DuckDB of this call's own.

    The app, the CLI and the use cases pass their workspace's engine (``ws.engine.cursor()``): its one
    DuckDB is the only connection they use, and each call takes its own cursor, so threads (Streamlit
    sessions) never share one (DuckDB connections are not thread-safe). A notebook or test that passes
    nothing gets an in-memory DuckDB opened for the call (15–25 ms) and closed after it: no module keeps
    a hidden connection of its own.
    """
    cur = duckdb.connect() if con is None else con.cursor()
    try:
        yield cur
    finally:
        cur.close()


def dfg(log: Any, filters: LogFilter | None = None, *, con: Cursors | None = None) -> DFG:
    """The directly-follows graph of a stored log (a path or an EventLogVersion), optionally filtered."""
    stored = open_log(log)
    filters = filters or LogFilter()
    with cursor(con) as cur:
        rows = edge_rows(cur, stored, filters)
    return build_dfg(rows, stored.activities, filters)


def segment_values(log: Any, column: str, limit: int = 50, *,
                   con: Cursors | None = None) -> list[tuple[str | None, int]]:
    """The ``limit`` most frequent values of a segment column with their event counts, most events first.

    For a segment picker (:attr:`LogFilter.segment_values`); None stands for events without a value.
    JourneysError when ``column`` is not one of the log's segments.
    """
    stored = open_log(log)
    if column not in stored.segments:
        raise JourneysError(f"The event log has no segment column '{column}'",
                            [Problem("segment", f"choose one of: {', '.join(stored.segments) or 'none'}")])
    with cursor(con) as cur:
        rows = cur.execute(f"SELECT {qi(column)}, count(*) AS n FROM {stored.source} GROUP BY ALL "
                           f"ORDER BY n DESC, 1 NULLS LAST LIMIT {max(1, int(limit))}").fetchall()
    return [(None if v is None else str(v), int(n)) for v, n in rows]


def _seconds(us: Any) -> float:
    return float("nan") if us is None else float(us) / 1e6


def build_dfg(rows: Sequence[tuple], names: Sequence[str], filters: LogFilter) -> DFG:
    """Assemble a DFG from :func:`edge_rows` output, naming node codes by ``names``."""
    cols: dict[str, list] = {c: [] for c in EDGE_COLUMNS}
    starts: dict[str, int] = {}
    ends: dict[str, int] = {}
    events: dict[str, int] = {}
    for node, target, n, first, cases, mean_d, q in rows:
        a = names[node]
        events[a] = events.get(a, 0) + n
        if first:
            starts[a] = starts.get(a, 0) + first
        if target is None:
            ends[a] = ends.get(a, 0) + n
            continue
        if n < filters.min_edge_frequency:
            continue
        q50, q90 = q if q else (None, None)
        for col, value in zip(EDGE_COLUMNS, (a, names[target], n, cases or 0, _seconds(mean_d), _seconds(q50),
                                             _seconds(q90)), strict=True):
            cols[col].append(value)
    order = sorted(range(len(cols["source"])), key=lambda i: (-cols["frequency"][i], cols["source"][i],
                                                               cols["target"][i]))
    frame = pd.DataFrame({
        "source": pd.Series([cols["source"][i] for i in order], dtype=object),
        "target": pd.Series([cols["target"][i] for i in order], dtype=object),
        **{c: pd.Series([cols[c][i] for i in order], dtype="int64") for c in ("frequency", "cases")},
        **{c: pd.Series([cols[c][i] for i in order], dtype="float64")
           for c in ("mean_seconds", "median_seconds", "p90_seconds")},
    })

    def table(counts: dict[str, int], value: str) -> pd.DataFrame:
        items = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        return pd.DataFrame({"activity": pd.Series([k for k, _ in items], dtype=object),
                             value: pd.Series([v for _, v in items], dtype="int64")})

    return DFG(edges=frame, starts=table(starts, "cases"), ends=table(ends, "cases"),
               activities=table(events, "events"), events=sum(events.values()), cases=sum(starts.values()),
               filters=filters)


# --- variants -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Variants:
    """Activity sequences with their case counts, most frequent first.

    ``table`` columns: ``rank``, ``activities`` (tuple), ``length``, ``cases``, ``coverage`` (share of
    the filtered cases), ``cumulative_coverage``. ``distinct`` counts every variant, also those past
    ``top``; ``cases`` is the number of cases in the filtered log.
    """

    table: pd.DataFrame
    distinct: int
    cases: int


def variants(log: Any, filters: LogFilter | None = None, *, top: int | None = 100,
             con: Cursors | None = None) -> Variants:
    """The log's variants (a case's activities in order), most frequent first, ``top`` of them (None: all)."""
    stored = open_log(log)
    filters = filters or LogFilter()
    limit = f"LIMIT {max(1, int(top))}" if top is not None else ""  # one row at least: it carries the totals
    with cursor(con) as cur:
        rows = cur.execute(
            f"WITH v AS (SELECT v, count(*) AS n FROM (SELECT case_idx, list(node ORDER BY seq) AS v "
            f"FROM ({events_sql(stored, filters)}) GROUP BY case_idx) GROUP BY v) "
            f"SELECT v, n, count(*) OVER () AS distinct_variants, sum(n) OVER () AS cases FROM v "
            f"ORDER BY n DESC, v {limit}").fetchall()
    distinct, cases = (rows[0][2], rows[0][3]) if rows else (0, 0)
    rows = [(v, n) for v, n, _, _ in rows][: top if top is not None else None]
    names = stored.activities
    cases = int(cases)
    out = pd.DataFrame({
        "rank": range(1, len(rows) + 1),
        "activities": [tuple(names[c] for c in v) for v, _ in rows],
        "length": [len(v) for v, _ in rows],
        "cases": [int(n) for _, n in rows],
    })
    out["coverage"] = out["cases"] / cases if cases else 0.0
    out["cumulative_coverage"] = out["coverage"].cumsum()
    return Variants(out.astype({"rank": "int64", "length": "int64", "cases": "int64", "coverage": "float64",
                                "cumulative_coverage": "float64"}), int(distinct), cases)
