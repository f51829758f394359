"""The metric catalogue: every friction metric defined once, computed by one function.

``METRICS`` names each metric exactly as in shared/DESIGN.md (code, CLI, exports) with its label,
one-sentence definition, unit, direction and kind, plus its Ibis expression. ``compute`` turns a
ticket table (canonical schema, :mod:`journeys.tickets.canonical`) into one row per group —
per step, per period, per segment — and is what the map, the friction view, the priorities,
the experiments and the CLI all call, so their numbers agree.

The query is written once in Ibis. It runs on DuckDB by default (``tickets_table`` reads Parquet
into an in-process DuckDB) and unchanged on PostgreSQL or any other Ibis backend with window
functions and exact percentiles; ``tests/test_metrics.py`` checks DuckDB and PostgreSQL agree to
1e-9 on every metric.

Decisions (each a rule a reader may want to argue with, so they are written down):

- **Sample sizes.** Each metric reads a *sample* column: ``n`` (tickets) for volume and repeat
  contacts, ``n_rated`` (tickets with a CSAT rating) for ``csat``, and for the others the tickets
  where the metric's input is known (``n_first_response``, ``n_resolution``, ``n_reopens``,
  ``n_escalated``, ``n_handled_by``, ``n_fcr``, ``n_agent_replies``); ``contact_rate`` reads
  ``reach``. A rate, quantile or mean on a sample smaller than ``min_sample`` is NaN and its
  ``<metric>_too_few`` column is True. A metric whose input column is entirely missing from an
  export is therefore "too few", never a misleading 0 %. ``volume`` is a count and never too few.
- **Rates are fractions 0–1** (the UI formats %); ``contact_rate`` is per 1,000; times in minutes.
- **csat**: share of rated tickets rated 4 or 5 (importers map satisfied/good → 5, bad → 1);
  null = unrated (offered/unoffered surveys are not ratings).
- **Quantiles** are exact and continuous (linear interpolation between the two nearest values,
  Hyndman–Fan type 7 — the same as ``numpy.quantile``'s default): Ibis compiles them to
  ``quantile_cont`` on DuckDB and ``percentile_cont … WITHIN GROUP`` on PostgreSQL, which share
  that definition. Quantiles over the same column are computed in one call (one sort per group).
- **automated_resolution_rate**: the canonical schema has no "resolved by" column, so a ticket is
  resolved by automation when ``handled_by = 'bot'`` and it was not escalated (a null
  ``escalated`` counts as not escalated); the sample is the tickets with a known ``handled_by``.
- **fcr_rate**: ``agent_replies ≤ 1`` and ``reopens = 0``, over tickets where both are known.
- **repeat_contact_rate**: a ticket is a repeat-contact ticket when the same customer opened
  another ticket on the same step at the same instant or within the 7 days (inclusive) after it.
  It is one window function (``lead``/``lag`` over customer × step ordered by ``created_at``),
  evaluated on the whole table *before* filters and the date range, so a follow-up through another
  channel or just after ``end`` still counts. Tickets without a customer or a step are never
  repeats. Tickets in the last 7 days of the data cannot yet show a repeat (right-censored).
- **contact_rate**: ``1000 · volume / reach``, only where a reach is given for the row's step
  (``reach`` keys: a step id, or ``(step, period start)`` for per-period reach); too few when the
  reach is under ``min_sample``; NaN without a reach.
- **Periods**: ``period`` is the start of the UTC calendar day, ISO week (Monday) or month; the
  ``period_end`` column is its exclusive end. ``start`` is inclusive, ``end`` exclusive; a first or
  last period cut by them covers only part of its span. ``df.attrs`` records the arguments used.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal, overload

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from journeys.tickets.canonical import BY_NAME

Direction = Literal["lower", "higher"]
Kind = Literal["count", "rate", "quantile", "mean"]

REPEAT_WINDOW_DAYS = 7
PERIODS: dict[str, str] = {"day": "D", "week": "W", "month": "M"}
_PERIOD_LENGTH = {"day": pd.DateOffset(days=1), "week": pd.DateOffset(weeks=1), "month": pd.DateOffset(months=1)}
REPEAT_FLAG = "_repeat_contact"  # a column of the ticket table when precomputed (see with_repeat_flag)


@dataclass(frozen=True)
class Metric:
    """One catalogue metric: what it means, how it reads, which way is better, how it is computed."""

    name: str
    label: str
    definition: str
    unit: str  # "tickets", "%", "minutes", "per 1,000", "replies"
    direction: Direction  # which way is better
    kind: Kind
    sample: str  # the sample-size column its too-few rule reads
    expr: Callable[[ibis.Table], ir.Scalar] | None = field(default=None, repr=False, compare=False)
    column: str | None = None  # for quantiles: the column …
    q: float | None = None  # … and the quantile
    # A definition variant (journeys.definitions) brings its own sample and the columns it reads:
    sample_expr: Callable[[ibis.Table], ir.IntegerScalar] | None = field(default=None, repr=False, compare=False)
    inputs: tuple[str, ...] | None = None  # None: the catalogue's inputs for this metric name

    @property
    def sign(self) -> int:
        """+1 when a higher value is worse (direction "lower"), -1 when a higher value is better."""
        return 1 if self.direction == "lower" else -1


def _quantile(column: str, q: float) -> Callable[[ibis.Table], ir.Scalar]:
    return lambda t: t[column].quantile(q)


def _automated(t: ibis.Table) -> ir.Scalar:
    resolved_by_bot = (t.handled_by == "bot") & ~t.escalated.fill_null(False)
    return resolved_by_bot.mean(where=t.handled_by.notnull())


def _fcr(t: ibis.Table) -> ir.Scalar:
    return ((t.agent_replies <= 1) & (t.reopens == 0)).mean(where=t.agent_replies.notnull() & t.reopens.notnull())


_CATALOGUE: tuple[Metric, ...] = (
    Metric("volume", "Volume", "Tickets in the group (a step, a segment, a period).", "tickets", "lower", "count", "n",
           lambda t: t.count()),
    Metric("contact_rate", "Contact rate",
           "Tickets per 1,000 customers or cases reaching the step, where the reach is known.",
           "per 1,000", "lower", "rate", "reach", None),
    Metric("csat", "CSAT", "Share of rated tickets rated 4 or 5 (unrated tickets are left out).",
           "%", "higher", "rate", "n_rated", lambda t: (t.csat >= 4).mean()),
    Metric("frt_p50", "First response (median)", "Median minutes from creation to the first agent reply.",
           "minutes", "lower", "quantile", "n_first_response", _quantile("first_response_minutes", 0.5),
           "first_response_minutes", 0.5),
    Metric("frt_p90", "First response (p90)", "90th percentile of minutes to the first agent reply.",
           "minutes", "lower", "quantile", "n_first_response", _quantile("first_response_minutes", 0.9),
           "first_response_minutes", 0.9),
    Metric("resolution_p50", "Resolution (median)", "Median minutes from creation to resolution.",
           "minutes", "lower", "quantile", "n_resolution", _quantile("resolution_minutes", 0.5),
           "resolution_minutes", 0.5),
    Metric("resolution_p90", "Resolution (p90)", "90th percentile of minutes from creation to resolution.",
           "minutes", "lower", "quantile", "n_resolution", _quantile("resolution_minutes", 0.9),
           "resolution_minutes", 0.9),
    Metric("reopen_rate", "Reopen rate", "Share of tickets reopened at least once.",
           "%", "lower", "rate", "n_reopens", lambda t: (t.reopens >= 1).mean()),
    Metric("escalation_rate", "Escalation rate",
           "Share of tickets escalated (bot to human, tier 1 to tier 2, or group change).",
           "%", "lower", "rate", "n_escalated", lambda t: t.escalated.mean()),
    Metric("automated_resolution_rate", "Automated resolution",
           "Share of tickets handled by the bot and not escalated to a human.",
           "%", "higher", "rate", "n_handled_by", _automated),
    Metric("fcr_rate", "First-contact resolution",
           "Share of tickets resolved with at most one agent reply and no reopen.",
           "%", "higher", "rate", "n_fcr", _fcr),
    Metric("repeat_contact_rate", "Repeat contacts",
           "Share of tickets whose customer opened another ticket on the same step within 7 days after it.",
           "%", "lower", "rate", "n", lambda t: t[REPEAT_FLAG].mean()),
    Metric("agent_replies_mean", "Agent replies", "Mean agent replies per ticket (the agents' side of friction).",
           "replies", "lower", "mean", "n_agent_replies", lambda t: t.agent_replies.mean()),
)
METRICS: dict[str, Metric] = {m.name: m for m in _CATALOGUE}


def metric_words(metric: str) -> str:
    """A metric's label inside a sentence: lower case, except an acronym ("CSAT", "reopen rate")."""
    label = METRICS[metric].label
    return label if label.split()[0].isupper() else label.lower()

# Sample-size columns: how many tickets each metric's value rests on.
SAMPLES: dict[str, Callable[[ibis.Table], ir.IntegerScalar]] = {
    "n": lambda t: t.count(),
    "n_rated": lambda t: t.csat.count(),
    "n_first_response": lambda t: t.first_response_minutes.count(),
    "n_resolution": lambda t: t.resolution_minutes.count(),
    "n_reopens": lambda t: t.reopens.count(),
    "n_escalated": lambda t: t.escalated.count(),
    "n_handled_by": lambda t: t.handled_by.count(),
    "n_fcr": lambda t: t.count(where=t.agent_replies.notnull() & t.reopens.notnull()),
    "n_agent_replies": lambda t: t.agent_replies.count(),
}

# Canonical columns each metric reads (beyond created_at); missing ones are added as typed nulls.
_INPUTS: dict[str, tuple[str, ...]] = {
    "volume": (), "contact_rate": (), "csat": ("csat",),
    "frt_p50": ("first_response_minutes",), "frt_p90": ("first_response_minutes",),
    "resolution_p50": ("resolution_minutes",), "resolution_p90": ("resolution_minutes",),
    "reopen_rate": ("reopens",), "escalation_rate": ("escalated",),
    "automated_resolution_rate": ("handled_by", "escalated"), "fcr_rate": ("agent_replies", "reopens"),
    "repeat_contact_rate": ("customer_id", "journey_step"), "agent_replies_mean": ("agent_replies",),
}


def tickets_table(parquet: str | Path | Sequence[str | Path], con: ibis.BaseBackend | None = None,
                  *, name: str | None = None) -> ibis.Table:
    """A ticket table over Parquet file(s): a DuckDB view by default (``ibis.duckdb.connect()``).

    On a backend that cannot read Parquet itself (PostgreSQL …) the files are read with pyarrow
    and loaded as a temporary table ``name`` (default ``tickets``).
    """
    paths = [str(parquet)] if isinstance(parquet, str | Path) else [str(p) for p in parquet]
    if not paths:
        raise ValueError("no Parquet file given")
    for p in paths:
        if not Path(p).exists():
            raise FileNotFoundError(f"Parquet file not found: {p}")
    con = con if con is not None else ibis.duckdb.connect()
    if con.name == "duckdb":
        return con.read_parquet(paths, table_name=name)
    import pyarrow.dataset as ds

    return con.create_table(name or "tickets", ds.dataset(paths, format="parquet").to_table(), temp=True,
                            overwrite=True)


@overload
def utc_timestamp(value: datetime | date | str) -> datetime: ...
@overload
def utc_timestamp(value: None) -> None: ...
def utc_timestamp(value: datetime | date | str | None) -> datetime | None:
    if value is None:
        return None
    ts = pd.Timestamp(value)
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return ts.to_pydatetime()


def _select(metrics: Sequence[str] | None) -> list[str]:
    if metrics is None:
        return list(METRICS)
    if isinstance(metrics, str):
        metrics = [metrics]
    unknown = [m for m in metrics if m not in METRICS]
    if unknown:
        raise ValueError(f"unknown metric(s) {', '.join(unknown)}; known: {', '.join(METRICS)}")
    return [m for m in METRICS if m in set(metrics)]  # catalogue order, no duplicates


def with_repeat_flag(t: ibis.Table) -> ibis.Table:
    """Add the repeat-contact flag: another ticket by the same customer on the same step in [t, t + 7 days].

    A window over every ticket, so it is the costly part of ``repeat_contact_rate``; a table that
    already has the :data:`REPEAT_FLAG` column (the mapped tickets keep it on disk) skips it. The
    flag is computed before any date or segment filter: a repeat contact counts whatever its channel.
    """
    w = ibis.window(group_by=[t.customer_id, t.journey_step], order_by=t.created_at)
    nxt, prev = t.created_at.lead().over(w), t.created_at.lag().over(w)
    again = (nxt <= t.created_at + ibis.interval(days=REPEAT_WINDOW_DAYS)).fill_null(False)
    tied = (prev == t.created_at).fill_null(False)  # a simultaneous ticket is "at or after" too
    return t.mutate(**{REPEAT_FLAG: t.customer_id.notnull() & t.journey_step.notnull() & (again | tied)})


def _reach_for(df: pd.DataFrame, reach: Mapping[Any, float], period: str | None) -> pd.Series:
    """Reach per result row: a ``(step, period start)`` key wins over a plain ``step`` key."""
    out = df["journey_step"].map({k: v for k, v in reach.items() if not isinstance(k, tuple)}).astype("float64")
    specific = [(s, pd.Timestamp(p), float(v)) for k, v in reach.items() if isinstance(k, tuple) for s, p in [k]]
    if specific and period is not None:
        lookup = pd.DataFrame(specific, columns=["journey_step", "period", "_reach"])
        lookup["period"] = pd.to_datetime(lookup["period"].map(lambda ts: ts.tz_localize("UTC") if ts.tzinfo is None
                                                                else ts.tz_convert("UTC")), utc=True)
        lookup["period"] = lookup["period"].astype(df["period"].dtype)
        matched = df[["journey_step", "period"]].merge(lookup, how="left", on=["journey_step", "period"])["_reach"]
        out = pd.Series(np.where(matched.notna().to_numpy(), matched.to_numpy(), out.to_numpy()), index=df.index)
    return out


def query(
    table: ibis.Table,
    *,
    by: Sequence[str] = ("journey_step",),
    period: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    filters: Mapping[str, Sequence[Any]] | None = None,
    metrics: Sequence[str] | None = None,
    definitions: Mapping[str, Metric] | None = None,
) -> ibis.Table:
    """The Ibis expression ``compute`` runs: one aggregation (plus the repeat-contact window).

    One row per group: the keys, ``period`` when asked, ``n`` and the sample columns, and the raw
    metric values (not yet masked for small samples; ``contact_rate`` is added by ``compute``
    because the reach is not in the ticket table). Arguments as for :func:`compute`. Useful to
    show the SQL (``ibis.to_sql(query(t), dialect="postgres")``) or to run it lazily elsewhere.
    """
    names = _select(metrics)
    catalogue = {**METRICS, **(definitions or {})}
    by = [by] if isinstance(by, str) else list(by)
    if period is not None and period not in PERIODS:
        raise ValueError(f"period must be one of {', '.join(PERIODS)} or None, not {period!r}")
    if "period" in by:
        raise ValueError("use period='day'|'week'|'month' rather than 'period' in by")
    filters = dict(filters or {})
    start_ts, end_ts = utc_timestamp(start), utc_timestamp(end)
    schema = table.schema()
    for col in [*by, *filters]:
        if col not in schema:
            raise ValueError(f"unknown column {col!r}; the table has: {', '.join(schema.names)}")
    if "created_at" not in schema:
        raise ValueError("the ticket table has no created_at column")

    # Keep only the columns the query reads (a window materialises what passes through it),
    # adding any missing canonical input as a typed null so its metric reads "too few".
    inputs = {c for m in names for c in _inputs(catalogue[m], m)
              if c in schema or c in BY_NAME}  # a variant's extra (x_) input is only named when present
    flagged = "repeat_contact_rate" in names and REPEAT_FLAG in schema
    wanted = ["created_at", *dict.fromkeys([*by, *filters, *sorted(inputs)]), *([REPEAT_FLAG] if flagged else [])]
    t = table.select(*[table[c] if c in schema else ibis.null(_ibis_type(c)).name(c) for c in wanted])
    if "repeat_contact_rate" in names and not flagged:
        t = with_repeat_flag(t)

    t = _within(t, start_ts, end_ts, filters)
    keys: dict[str, ir.Value] = {k: t[k] for k in by}
    if period is not None:
        keys["period"] = t.created_at.truncate(PERIODS[period])
    return _aggregate(t, keys, names, catalogue)


def _within(t: ibis.Table, start: datetime | None, end: datetime | None,
            filters: Mapping[str, Sequence[Any]]) -> ibis.Table:
    """The tickets created in [start, end) whose columns hold the filters' values."""
    predicates = []
    if start is not None:
        predicates.append(t.created_at >= start)
    if end is not None:
        predicates.append(t.created_at < end)
    predicates += [value_filter(t[col], values) for col, values in filters.items()]
    return t.filter(*predicates) if predicates else t


def _aggregate(t: ibis.Table, keys: Mapping[str, ir.Value], names: Sequence[str],
               catalogue: Mapping[str, Metric]) -> ibis.Table:
    """One aggregation per group: the keys, the sample columns and the raw metric values."""
    samples = _samples(names, catalogue)
    counters = SAMPLES | {catalogue[m].sample: e for m in names if (e := catalogue[m].sample_expr) is not None}
    aggs: dict[str, ir.Scalar] = {s: counters[s](t) for s in samples}
    quantiles: dict[str | None, list[Metric]] = {}  # keyed by Metric.column
    for m in names:
        metric = catalogue[m]
        if metric.kind == "quantile" and metric.sample_expr is None:  # a variant's quantile keeps its own filter
            quantiles.setdefault(metric.column, []).append(metric)
        elif metric.expr is not None and m != "volume":
            aggs[m] = metric.expr(t)
    for column, group in quantiles.items():  # one multi-quantile call per column: one sort per group
        if len(group) == 1 and (expr := group[0].expr) is not None:
            aggs[group[0].name] = expr(t)
        else:
            aggs[f"_q_{column}"] = t[column].quantile([g.q for g in group])
    agg = t.group_by(**keys).aggregate(**aggs) if keys else t.aggregate(**aggs)

    out: dict[str, ir.Value] = {k: agg[k] for k in keys} | {s: agg[s] for s in samples}
    for m in names:
        metric = catalogue[m]
        if m == "volume":
            out[m] = agg["n"]
        elif metric.kind == "quantile" and metric.sample_expr is None and len(quantiles[metric.column]) > 1:
            out[m] = agg[f"_q_{metric.column}"][quantiles[metric.column].index(metric)]
        elif m in agg.columns:
            out[m] = agg[m]
    return agg.select(**out)


def _inputs(metric: Metric, name: str) -> tuple[str, ...]:
    """The columns a metric reads: a variant's own, else the catalogue's for its name."""
    return metric.inputs if metric.inputs is not None else _INPUTS[name]


def _samples(names: Sequence[str], catalogue: Mapping[str, Metric] = METRICS) -> list[str]:
    return list(dict.fromkeys(["n", *(catalogue[m].sample for m in names if catalogue[m].sample != "reach")]))


def compute(
    table: ibis.Table,
    *,
    by: Sequence[str] = ("journey_step",),
    period: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    filters: Mapping[str, Sequence[Any]] | None = None,
    metrics: Sequence[str] | None = None,
    reach: Mapping[Any, float] | None = None,
    min_sample: int = 30,
    definitions: Mapping[str, Metric] | None = None,
    keep_few: bool = False,
) -> pd.DataFrame:
    """Every catalogue metric for every group, in one query (one aggregation + one window).

    - ``by``: group keys, any ticket columns (``journey_step``, ``channel``, ``group``, ``x_…``);
      ``()`` gives one row for the whole table (the journey baseline).
    - ``period``: None, "day", "week" or "month" adds the ``period`` (start, UTC) and
      ``period_end`` (exclusive) columns.
    - ``start`` (inclusive) / ``end`` (exclusive): on ``created_at``; naive datetimes are UTC.
    - ``filters``: column → allowed values (``None`` among them keeps nulls; on a list column such
      as ``tags`` a ticket passes when it carries any of the values).
    - ``metrics``: names from ``METRICS`` (default all), returned in catalogue order.
    - ``reach``: step → customers/cases reaching the step (or ``(step, period start)`` → reach)
      for ``contact_rate``.
    - ``min_sample``: rates, quantiles and means on fewer tickets than this are NaN, flagged in
      ``<metric>_too_few``.
    - ``definitions``: metric name → a variant :class:`Metric` (see :mod:`journeys.definitions`) computed
      under that name instead of the catalogue's.
    - ``keep_few``: keep the value computed on fewer than ``min_sample`` tickets (still flagged in
      ``<metric>_too_few``), for the small-team "few tickets (n=…)" display instead of a blank.

    Returns one row per group, sorted by the keys: the keys, ``period``/``period_end``, ``n``, the
    sample columns the chosen metrics read, ``reach`` (when ``contact_rate`` is chosen), the
    metrics, then one boolean ``<metric>_too_few`` per metric. ``df.attrs`` holds the arguments.
    """
    if min_sample < 0:
        raise ValueError("min_sample must be ≥ 0")
    names = _select(metrics)
    by = [by] if isinstance(by, str) else list(by)
    catalogue = {**METRICS, **(definitions or {})}
    df = query(table, by=by, period=period, start=start, end=end, filters=filters, metrics=names,
               definitions=definitions).execute()

    samples = _samples(names, catalogue)
    for s in samples:
        df[s] = df[s].astype("int64")
    if period is not None:
        df["period"] = pd.to_datetime(df["period"], utc=True)
        df["period_end"] = df["period"] + _PERIOD_LENGTH[period]
    if "contact_rate" in names:
        df["reach"] = _reach_for(df, reach, period) if reach and "journey_step" in by else np.nan
        df["contact_rate"] = 1000.0 * df["n"] / df["reach"]

    flags = {}
    for m in names:
        metric = catalogue[m]
        if metric.kind == "count":
            df[m] = df[m].astype("int64")
            flags[f"{m}_too_few"] = np.zeros(len(df), dtype=bool)
            continue
        too_few = (df[metric.sample] < min_sample).to_numpy()  # NaN reach compares False: no reach ≠ too few
        df[m] = df[m].astype("float64") if keep_few else df[m].astype("float64").mask(too_few)
        flags[f"{m}_too_few"] = too_few
    df = pd.concat([df, pd.DataFrame(flags, index=df.index)], axis=1)

    key_cols = [*by, *(["period", "period_end"] if period else [])]
    columns = [*key_cols, *samples, *(["reach"] if "contact_rate" in names else []), *names, *flags]
    df = df[columns]
    sort = [*by, *(["period"] if period else [])]
    if sort and len(df):
        df = df.sort_values(sort, na_position="last", kind="stable")
    df = df.reset_index(drop=True)
    df.attrs.update(by=tuple(by), period=period, start=utc_timestamp(start), end=utc_timestamp(end),
                    filters=dict(filters or {}), metrics=tuple(names), min_sample=min_sample, keep_few=keep_few,
                    samples={m: catalogue[m].sample for m in names})
    return df


def _ibis_type(column: str) -> Any:
    import ibis.expr.datatypes as dt

    return dt.dtype(BY_NAME[column].type)


def value_filter(column: ir.Value, values: Sequence[Any]) -> ir.BooleanValue:
    values = [values] if isinstance(values, str) else list(values)
    keep_null = any(v is None for v in values)
    values = [v for v in values if v is not None]
    if column.type().is_array():
        if not values:
            return column.isnull() if keep_null else ibis.literal(False)
        hit = ibis.or_(*[column.contains(v) for v in values])
    else:
        hit = column.isin(values) if values else ibis.literal(False)
    return hit | column.isnull() if keep_null else hit


# Metrics that need journey steps: a dataset overview (no journey yet) leaves them out rather than show 0 %.
NEEDS_STEPS: tuple[str, ...] = ("contact_rate", "repeat_contact_rate")


def few_note(n: int) -> str:
    """How a value on fewer tickets than the minimum sample is marked wherever it is shown."""
    return f"few tickets (n={n:,})"
