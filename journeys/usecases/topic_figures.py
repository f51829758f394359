"""Topic figures: each topic's volume, share, catalogue metrics, weekly trend and example tickets.

The Topics page, ``journeys topics show`` and the topic-to-step suggestions read these, so a topic's
numbers are the metric catalogue's (:func:`journeys.metrics.compute` grouped by ``topic`` over the
dataset's tickets with the topic assignment joined on) wherever they are shown.

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
from typing import TYPE_CHECKING, Any

import ibis
import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportions_ztest

from journeys.metrics import compute, utc_timestamp
from journeys.topics.storage import StoredTopicSet, assignment_path
from journeys.usecases.topics import dataset_of, topics_of

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from journeys.workspace import Workspace

TOPIC_METRICS = ("csat", "resolution_p50", "resolution_p90", "reopen_rate", "escalation_rate")
MIN_SAMPLE = 30  # the catalogue's minimum sample: below it a value is shown as "few tickets (n=…)"
RECENT_WEEKS, BASELINE_WEEKS = 4, 8
FDR_Q = 0.05
MIN_RELATIVE_CHANGE = 0.5
MIN_TREND_TICKETS = 30
EMERGING, FADING = "emerging", "fading"
TREND_TEST = (f"last {RECENT_WEEKS} complete weeks against the {BASELINE_WEEKS} before: two-proportion z-test of "
              f"each topic's share of tickets, Benjamini–Hochberg across topics at q = {FDR_Q}, flagged when the "
              f"share moved by ≥ {MIN_RELATIVE_CHANGE:.0%} and the topic has ≥ {MIN_TREND_TICKETS} tickets in the "
              "larger window")
EXAMPLE_COLUMNS = ("ticket_id", "created_at", "subject", "channel", "csat", "status")


def topic_tickets(ws: Workspace, stored: StoredTopicSet) -> ir.Table:
    """The tickets of the topic set's dataset version with ``topic``, ``subtopic`` and ``language`` joined on."""
    version = dataset_of(ws, stored)
    return ws.engine.tickets(version, topics=assignment_path(version, stored.topics))


def topic_table(ws: Workspace, dataset: str | None = None, *, start: datetime | None = None,
                end: datetime | None = None, stored: StoredTopicSet | None = None) -> pd.DataFrame:
    """One row per topic in the topic set's order: labels, volume, share, metrics (with too-few flags), trend.

    ``share`` is of every ticket in [start, end), unassigned ones included; each metric keeps the value
    computed on fewer than 30 tickets (``keep_few``) and flags it in ``<metric>_too_few`` beside its
    sample column (``n_rated`` …), for the "few tickets (n=…)" display. ``attrs``: tickets, unassigned,
    the trend windows and the test in words.
    """
    stored = stored or topics_of(ws, dataset)
    table = topic_tickets(ws, stored)
    by_topic = compute(table, by=("topic",), start=start, end=end, metrics=["volume", *TOPIC_METRICS],
                       min_sample=MIN_SAMPLE, keep_few=True)
    weekly = compute(table, by=("topic",), period="week", start=start, end=end, metrics=["volume"])
    total = int(by_topic["n"].sum())
    unassigned = int(by_topic.loc[by_topic["topic"].isna(), "n"].sum())
    trends, windows = emerging_fading(weekly, end)
    topics = stored.topics.topics
    rows = pd.DataFrame({"topic": [t.id for t in topics], "label": [t.label for t in topics],
                         "method": [t.method for t in topics], "language": [t.language for t in topics],
                         "pinned": [t.pinned for t in topics], "new": [t.new for t in topics],
                         "renamed": [t.renamed for t in topics]})
    figures = by_topic[by_topic["topic"].notna()].drop(columns=["volume", "volume_too_few"])
    out = rows.merge(figures, on="topic", how="left").merge(trends, on="topic", how="left")
    out = out.rename(columns={"n": "tickets"})
    samples = [c for c in figures.columns if c.startswith("n_")]
    out[["tickets", *samples]] = out[["tickets", *samples]].fillna(0).astype("int64")
    for m in TOPIC_METRICS:
        out[f"{m}_too_few"] = out[f"{m}_too_few"].astype("boolean").fillna(True).astype(bool)
    out["share"] = out["tickets"] / total if total else np.nan
    out["trend"] = out["trend"].fillna("")
    columns = ["topic", "label", "method", "language", "tickets", "share", *TOPIC_METRICS, *samples,
               *[f"{m}_too_few" for m in TOPIC_METRICS], "trend", "trend_p", "recent_share", "baseline_share",
               "pinned", "new", "renamed"]
    out = out[columns]
    out.attrs.update(tickets=total, unassigned=unassigned, version=stored.version, dataset=stored.key,
                     dataset_version=stored.topics.dataset_version, test=TREND_TEST, **windows)
    return out


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


def topic_weekly(ws: Workspace, dataset: str | None, topic_id: str, *,
                 stored: StoredTopicSet | None = None) -> pd.DataFrame:
    """One topic's weeks: ``week``, ``week_end``, ``tickets``, ``share`` of that week's tickets, and its metrics.

    Two queries: every ticket per week (the share's denominator) and the topic's metrics per week.
    Metric values on fewer than 30 tickets are kept and flagged (``<metric>_too_few``)."""
    stored = stored or topics_of(ws, dataset)
    table = topic_tickets(ws, stored)
    totals = compute(table, by=(), period="week", metrics=["volume"])[["period", "n"]]
    mine = compute(table, by=("topic",), period="week", filters={"topic": [topic_id]},
                   metrics=["volume", *TOPIC_METRICS], min_sample=MIN_SAMPLE, keep_few=True)
    out = totals.rename(columns={"n": "all_tickets"}).merge(mine.drop(columns=["topic"]), on="period", how="left")
    out["n"] = out["n"].fillna(0).astype("int64")
    out["share"] = out["n"] / out["all_tickets"]
    out["period_end"] = out["period"] + pd.Timedelta(weeks=1)
    out = out.drop(columns=["volume", "volume_too_few"]).rename(
        columns={"period": "week", "period_end": "week_end", "n": "tickets"})
    return out.reset_index(drop=True)


def topic_examples(ws: Workspace, dataset: str | None, topic_id: str, limit: int = 20, *,
                   stored: StoredTopicSet | None = None, subtopic: str | None = None) -> pd.DataFrame:
    """Tickets of a topic (or one of its subtopics) to read: the representative ticket first, then the newest."""
    stored = stored or topics_of(ws, dataset)
    table = topic_tickets(ws, stored)
    example = stored.topics.topic(topic_id).example_ticket
    picked = table.filter(table.topic == topic_id)
    if subtopic is not None:
        picked = picked.filter(picked.subtopic == subtopic)
    representative = (picked.ticket_id == example).ifelse(0, 1)
    columns = [c for c in (*EXAMPLE_COLUMNS, "subtopic", "language") if c in picked.columns]
    ordered = picked.order_by([representative, ibis.desc("created_at"), "ticket_id"])
    return ordered.select(*columns).limit(limit).execute().reset_index(drop=True)

