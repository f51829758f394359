"""Is a topic emerging or fading? One stated test over a topic × week count table.

**Emerging / fading — the stated test.** The recent window is the last 4 complete ISO weeks, the
baseline the 8 weeks before them. The week holding the latest ticket counts as incomplete (an export
is taken mid-week), unless ``end`` falls on a Monday 00:00 UTC. For each topic a two-proportion
z-test (``statsmodels.stats.proportion.proportions_ztest``, two-sided, pooled) compares its share of
all tickets (unassigned included) in the two windows. We test *shares* rather than Poisson rates of
counts on purpose: a busy season raises every topic's count at once, and a rate test would call
them all "emerging"; the share asks whether customers write about this topic *more than about the
rest*. The p-values are adjusted by Benjamini–Hochberg across the topics tested (q = 0.05,
``multipletests(method="fdr_bh")``). A topic is flagged only when, in addition, its share moved by
at least 50 % relative (recent ≥ 1.5 × or ≤ 0.5 × the baseline share) and it has at least 30
tickets in the window where it is larger (recent for emerging, baseline for fading: a topic that
has all but vanished has few recent tickets by definition). Without 12 weeks of tickets nothing is
flagged.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportions_ztest

from journeys.metrics import utc_timestamp

RECENT_WEEKS, BASELINE_WEEKS = 4, 8
FDR_Q = 0.05
MIN_RELATIVE_CHANGE = 0.5
MIN_TREND_TICKETS = 30
EMERGING, FADING = "emerging", "fading"
TREND_TEST = (f"last {RECENT_WEEKS} complete weeks against the {BASELINE_WEEKS} before: two-proportion z-test of "
              f"each topic's share of tickets, Benjamini–Hochberg across topics at q = {FDR_Q}, flagged when the "
              f"share moved by ≥ {MIN_RELATIVE_CHANGE:.0%} and the topic has ≥ {MIN_TREND_TICKETS} tickets in the "
              "larger window")


def _anchor(weekly: pd.DataFrame, end: datetime | None) -> pd.Timestamp | None:
    """The start of the first week not counted as complete (see the module docstring)."""
    if end is not None:
        stop = pd.Timestamp(utc_timestamp(end))
        return (stop - pd.Timedelta(days=stop.weekday())).normalize()
    if weekly.empty:
        return None
    return pd.Timestamp(weekly["period"].max())


def emerging_fading(weekly: pd.DataFrame, end: datetime | None = None) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Per topic: ``trend`` (emerging / fading / ""), ``trend_p`` (BH-adjusted), ``recent_share``, ``baseline_share``.

    ``weekly``: ``compute(…, by=("topic",), period="week", metrics=["volume"])`` — one row per topic
    (None = unassigned) and week. The test is the module docstring's. Also returns the windows used.
    """
    anchor = _anchor(weekly, end)
    empty = pd.DataFrame({"topic": pd.Series(dtype=object), "trend": pd.Series(dtype=object),
                          "trend_p": pd.Series(dtype=float), "recent_share": pd.Series(dtype=float),
                          "baseline_share": pd.Series(dtype=float)})
    if anchor is None:
        return empty, {"recent": None, "baseline": None}
    recent_from = anchor - pd.Timedelta(weeks=RECENT_WEEKS)
    baseline_from = recent_from - pd.Timedelta(weeks=BASELINE_WEEKS)
    windows = {"recent": (recent_from, anchor), "baseline": (baseline_from, recent_from)}
    period = pd.to_datetime(weekly["period"], utc=True)
    if weekly.empty or period.min() > baseline_from:  # fewer than 12 complete weeks: no trend
        return empty, windows
    recent = weekly[(period >= recent_from) & (period < anchor)]
    baseline = weekly[(period >= baseline_from) & (period < recent_from)]
    n_recent, n_base = int(recent["n"].sum()), int(baseline["n"].sum())
    counts = pd.DataFrame({"recent": recent.groupby("topic")["n"].sum(),
                           "baseline": baseline.groupby("topic")["n"].sum()}).fillna(0).astype("int64")
    if not n_recent or not n_base or counts.empty:
        return empty, windows
    counts["recent_share"] = counts["recent"] / n_recent
    counts["baseline_share"] = counts["baseline"] / n_base
    raw = [_p_value(r, n_recent, b, n_base) for r, b in zip(counts["recent"], counts["baseline"], strict=True)]
    counts["trend_p"] = _bh(np.asarray(raw, dtype=float))
    counts["trend"] = [_verdict(row) for row in counts.itertuples()]
    out = counts.reset_index(names="topic")[["topic", "trend", "trend_p", "recent_share", "baseline_share"]]
    return out, windows


def _p_value(recent: int, n_recent: int, baseline: int, n_base: int) -> float:
    if recent + baseline == 0 or recent + baseline == n_recent + n_base:
        return float("nan")  # no variance: nothing to test
    _, p = proportions_ztest(np.array([recent, baseline]), np.array([n_recent, n_base]))
    return float(p)


def _bh(p: np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values over the finite ones (NaN stays NaN)."""
    adjusted = np.full(p.shape, np.nan)
    ok = np.isfinite(p)
    if ok.any():
        adjusted[ok] = multipletests(p[ok], alpha=FDR_Q, method="fdr_bh")[1]
    return adjusted


def _verdict(row: Any) -> str:
    if not np.isfinite(row.trend_p) or row.trend_p >= FDR_Q:
        return ""
    if row.recent_share >= (1 + MIN_RELATIVE_CHANGE) * row.baseline_share and row.recent >= MIN_TREND_TICKETS:
        return EMERGING
    if row.recent_share <= (1 - MIN_RELATIVE_CHANGE) * row.baseline_share and row.baseline >= MIN_TREND_TICKETS:
        return FADING
    return ""
