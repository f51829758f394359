"""From a ticket table to what the statistics read: weekly cells, or the two arms of an A/B test.

The only module of the experiments that talks to the engine. Weekly values come from the metric
catalogue's :func:`journeys.metrics.compute` (``period="week"``), so an experiment's "before"
number is the number the Friction page shows for the same weeks. One query serves the target
metric and every guardrail.

Cells: one row per (arm, week) — arm ``changed`` (the changed steps pooled) or ``comparison``
(the comparison steps pooled, DiD only) — with ``t`` (weeks from the first whole week after the
change), ``week``, ``value`` and ``n`` (the metric's sample: tickets with a known reopen count for
``reopen_rate``, rated tickets for ``csat`` …). Weeks without a sample are left out. See
:mod:`journeys.experiments.designs` for why the week the change shipped is left out.

**When the look is interim.** The clock is the data: ``as_of`` defaults to the newest ticket on
the experiment's steps, not the wall clock (an export from last week is analysed as of last
week). A look is *interim* while the after-window has not been fully observed, i.e. the newest
ticket is more than a day before ``post_end`` — which is always the case while an experiment is
genuinely running.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

import ibis
import numpy as np
import pandas as pd

from journeys.errors import JourneysError
from journeys.experiments.experiment import Design, Experiment, utc_start
from journeys.metrics import METRICS, compute, utc_timestamp

ARM = "_experiment_arm"  # the column that pools steps into arms inside the query
CHANGED, COMPARISON = "changed", "comparison"
TICKET_VALUE = {"agent_replies_mean": "agent_replies"}  # mean metrics: the per-ticket column averaged


@dataclass(frozen=True)
class Window:
    """The dates one analysis reads: [pre_start, look_end), the change at ``shipped``."""

    pre_start: datetime
    shipped: datetime
    post_end: datetime  # as planned (exclusive)
    look_end: datetime  # exclusive: post_end, or just after as_of for an early look
    data_until: datetime | None  # newest ticket on the experiment's steps in the window
    interim: bool

    @property
    def fraction(self) -> float:
        """Share of the planned after-window the look covers (0–1)."""
        planned = (self.post_end - self.shipped).total_seconds()
        return float(np.clip((self.look_end - self.shipped).total_seconds() / planned, 0.0, 1.0))

    @property
    def planned_post_weeks(self) -> int:
        """Weeks the after-window spans (from the first whole week after the change, as the analysis counts)."""
        return max(1, math.ceil((pd.Timestamp(self.post_end) - first_after_week(self.shipped)) / pd.Timedelta(weeks=1)))

    @property
    def pre_weeks(self) -> int:
        """Weeks the before-window spans (up to the week the change shipped in)."""
        return max(1, math.ceil((_week_of(self.shipped) - _week_of(self.pre_start)) / pd.Timedelta(weeks=1)))


def involved_steps(experiment: Experiment) -> list[str]:
    extra = experiment.comparison_steps if experiment.design == Design.did else []
    return [*experiment.steps, *extra]


def look_window(table: ibis.Table, experiment: Experiment, *, as_of: datetime | None = None,
                interim: bool | None = None) -> Window:
    """The analysis window for a look at ``experiment`` (see the module docstring for "interim")."""
    pre, shipped, end = (utc_start(d) for d in experiment.window())
    last = end if as_of is None else min(end, utc_timestamp(as_of) + timedelta(microseconds=1))
    t = table.filter(table.journey_step.isin(involved_steps(experiment)), table.created_at >= pre,
                     table.created_at < last)
    newest = t.created_at.max().execute()
    data_until = None if newest is None or pd.isna(newest) else utc_timestamp(newest)
    as_of = utc_timestamp(as_of) if as_of is not None else data_until
    look_end = end if as_of is None else min(end, as_of + timedelta(microseconds=1))
    if interim is None:
        interim = as_of is None or as_of + timedelta(days=1) < end
    return Window(pre, shipped, end, max(look_end, shipped), data_until, interim)


def _week_of(moment: datetime) -> pd.Timestamp:
    """The start (Monday 00:00 UTC) of the ISO week holding ``moment``, as the metric periods are."""
    ts = pd.Timestamp(utc_timestamp(moment))
    return (ts - pd.Timedelta(days=ts.weekday())).normalize()


def first_after_week(shipped: datetime) -> pd.Timestamp:
    """The first whole week after the change (the week it shipped in, when it shipped on a Monday)."""
    week = _week_of(shipped)
    return week if pd.Timestamp(utc_timestamp(shipped)) == week else week + pd.Timedelta(weeks=1)


def week_offsets(weeks: pd.Series, shipped: datetime) -> pd.Series:
    """Whole weeks from the first full week after ``shipped``; NaN for the week the change shipped in."""
    weeks = pd.to_datetime(weeks, utc=True)
    first_post = first_after_week(shipped)
    offsets = ((weeks - first_post) / pd.Timedelta(weeks=1)).round().astype("float64")
    if first_post != _week_of(shipped):  # shipped mid-week: that week mixes before and after
        offsets[weeks == _week_of(shipped)] = np.nan
    return offsets


def weekly_cells(table: ibis.Table, experiment: Experiment, metrics: Sequence[str],
                 window: Window) -> dict[str, pd.DataFrame]:
    """Weekly cells of each metric per arm (one engine query for all metrics).

    The changed steps are pooled into the arm ``changed`` and, for DiD, the comparison steps into
    ``comparison``; pooling happens in the engine, so a pooled median is the median of the pooled
    tickets, not an average of medians.
    """
    steps = involved_steps(experiment)
    arm = ibis.ifelse(table.journey_step.isin(list(experiment.steps)), CHANGED, COMPARISON)
    df = compute(table.mutate(**{ARM: arm}), by=(ARM,), period="week", start=window.pre_start,
                 end=window.look_end, filters={"journey_step": steps}, metrics=list(metrics), min_sample=0)
    base = pd.DataFrame({"arm": df[ARM].astype(str), "week": df["period"],
                         "t": week_offsets(df["period"], window.shipped)})
    cells = {}
    for name in metrics:
        frame = base.assign(value=df[name].astype("float64"), n=df[METRICS[name].sample].astype("float64"))
        keep = frame["t"].notna() & frame["value"].notna() & (frame["n"] > 0)
        cells[name] = frame[keep].astype({"t": "int64"}).sort_values(["arm", "t"]).reset_index(drop=True)
    return cells


@dataclass(frozen=True)
class Arm:
    """One A/B arm: its sample and either success counts (rates) or per-ticket values (means, quantiles)."""

    variant: str
    n: int
    value: float
    successes: int | None = None
    values: np.ndarray | None = None


def ab_arms(table: ibis.Table, experiment: Experiment, metric: str, window: Window) -> tuple[Arm, Arm]:
    """(control, treatment) tickets of the changed steps after the change, split by ``variant``."""
    kind = METRICS[metric].kind
    control, treatment = experiment.variants
    if kind == "count":
        raise JourneysError(f"'{metric}' counts tickets, and an arm's count depends on how traffic was split; "
                            "compare a rate or a time instead")
    where = {"journey_step": list(experiment.steps), "variant": [control, treatment]}
    if kind == "rate":
        df = compute(table, by=("variant",), start=window.shipped, end=window.look_end, filters=where,
                     metrics=[metric], min_sample=0).set_index("variant")
        sample = METRICS[metric].sample

        def arm(v: str) -> Arm:
            if v not in df.index or df.loc[v, sample] == 0:
                return Arm(v, 0, float("nan"), 0)
            n_value, rate_value = df.loc[v, [sample, metric]].to_numpy(dtype=float)
            n, rate = int(n_value), float(rate_value)
            return Arm(v, n, rate, round(rate * n))

        return arm(control), arm(treatment)
    column = TICKET_VALUE.get(metric) or METRICS[metric].column
    t = table.filter(table.journey_step.isin(where["journey_step"]), table.variant.isin(where["variant"]),
                     table.created_at >= window.shipped, table.created_at < window.look_end, table[column].notnull())
    rows = t.select(variant=t.variant, value=t[column].cast("float64")).execute()
    summary = METRICS[metric]

    def values_arm(v: str) -> Arm:
        x = rows.loc[rows["variant"] == v, "value"].to_numpy(dtype=float)
        if not len(x):
            return Arm(v, 0, float("nan"), values=x)
        value = float(np.mean(x)) if kind == "mean" else float(np.quantile(x, cast(float, summary.q)))
        return Arm(v, len(x), value, values=x)

    return values_arm(control), values_arm(treatment)


def weekly_series(table: ibis.Table, experiment: Experiment, *, metric: str | None = None,
                  as_of: datetime | None = None) -> pd.DataFrame:
    """The weekly cells an analysis of ``experiment`` reads, for one metric (default its own): for charts."""
    name = metric or experiment.metric
    return weekly_cells(table, experiment, [name], look_window(table, experiment, as_of=as_of))[name]
