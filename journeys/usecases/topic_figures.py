"""Topic figures: each topic's volume, share, catalogue metrics, weekly trend and example tickets.

The Topics page, ``journeys topics show`` and the topic-to-step suggestions read these, so a topic's
numbers are the metric catalogue's (:func:`journeys.metrics.compute` grouped by ``topic`` over the
dataset's tickets with the topic assignment joined on) wherever they are shown.

Emerging / fading is :mod:`journeys.topics.figures`' stated test (shown on the page too).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import ibis
import numpy as np
import pandas as pd

from journeys.metrics import compute
from journeys.topics.figures import TREND_TEST, emerging_fading
from journeys.topics.storage import StoredTopicSet, assignment_path
from journeys.usecases.topics import dataset_of, topics_of

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from journeys.tickets.datasets import DatasetVersion
    from journeys.workspace import Workspace

TOPIC_METRICS = ("csat", "resolution_p50", "resolution_p90", "reopen_rate", "escalation_rate")
MIN_SAMPLE = 30  # the catalogue's minimum sample: below it a value is shown as "few tickets (n=…)"
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


def topic_weekly(ws: Workspace, dataset: str | None, topic_id: str, *,
                 stored: StoredTopicSet | None = None) -> pd.DataFrame:
    """One topic's weeks: ``week``, ``week_end``, ``tickets``, ``share`` of that week's tickets, and its metrics.

    Two queries: every ticket per week (the share's denominator) and the topic's metrics per week.
    Metric values on fewer than 30 tickets are kept and flagged (``<metric>_too_few``)."""
    stored = stored or topics_of(ws, dataset)
    table = topic_tickets(ws, stored)
    totals = _weekly_totals(dataset_of(ws, stored), table)
    mine = compute(table, by=("topic",), period="week", filters={"topic": [topic_id]},
                   metrics=["volume", *TOPIC_METRICS], min_sample=MIN_SAMPLE, keep_few=True)
    out = totals.rename(columns={"n": "all_tickets"}).merge(mine.drop(columns=["topic"]), on="period", how="left")
    out["n"] = out["n"].fillna(0).astype("int64")
    out["share"] = out["n"] / out["all_tickets"]
    out["period_end"] = out["period"] + pd.Timedelta(weeks=1)
    out = out.drop(columns=["volume", "volume_too_few"]).rename(
        columns={"period": "week", "period_end": "week_end", "n": "tickets"})
    return out.reset_index(drop=True)


_TOTALS: dict[tuple[str, int], pd.DataFrame] = {}  # per dataset version: its tickets per week
TOTALS_KEPT = 8


def _weekly_totals(version: DatasetVersion, table: ir.Table) -> pd.DataFrame:
    """Every ticket per week (``period``, ``n``), the same for every topic of a version: counted once per process
    (a quarter of a second over a million tickets, on each topic picked)."""
    key = (str(version.path), version.version)
    if key not in _TOTALS:
        if len(_TOTALS) >= TOTALS_KEPT:
            _TOTALS.pop(next(iter(_TOTALS)), None)
        _TOTALS[key] = compute(table, by=(), period="week", metrics=["volume"])[["period", "n"]]
    return _TOTALS[key].copy()


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

