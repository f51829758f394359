"""Freezing the evidence behind a pain point, and exporting the ranked list for leadership.

``capture`` measures the steps' metrics over a period and returns them as
:class:`~journeys.painpoints.Evidence` (value, journey baseline, sample size,
period, dataset version) with the newest example tickets, so a pain point keeps
what the team saw when it decided, even after the data moves on. ``draft`` turns a
friction finding (a step, a metric, a period) into a ready pain point.
``ranked_csv`` / ``ranked_markdown`` are the two exports of the Priorities page
and ``journeys painpoints export``, written once for both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import ibis
import pandas as pd

from journeys.csv_export import csv_text
from journeys.metric_format import format_value
from journeys.metrics import METRICS, compute
from journeys.model import Journey
from journeys.painpoints import Evidence, PainPoint, Source, StoredPainPoint
from journeys.priorities import Score

# Always frozen next to the pain point's own metric: the numbers a manager asks for first.
CONTEXT_METRICS = ("volume", "csat", "reopen_rate", "escalation_rate", "repeat_contact_rate", "resolution_p90")
EXAMPLES = 5


def capture(table: ibis.Table, steps: Sequence[str], metrics: Sequence[str], *, start: datetime | None,
            end: datetime | None, dataset: str, dataset_version: int, min_sample: int = 30) -> list[Evidence]:
    """Each metric of each step over [start, end), with the journey's value over the same tickets."""
    chosen = list(dict.fromkeys(m for m in metrics if m in METRICS and m != "contact_rate"))
    if start is None or end is None:  # the evidence always names its period: the data's own span
        span = table.aggregate(first=table.created_at.min(), last=table.created_at.max()).execute().iloc[0]
        start = start if start is not None else _moment(span["first"])
        end = end if end is not None else _moment(span["last"], after=True)
    per_step = compute(table, by=("journey_step",), start=start, end=end, metrics=chosen, min_sample=min_sample)
    per_step = per_step[per_step["journey_step"].notna()]
    overall = compute(table, by=(), start=start, end=end, metrics=chosen, min_sample=min_sample,
                      filters={"journey_step": per_step["journey_step"].tolist()})
    rows = per_step.set_index("journey_step")
    found = []
    for step in steps:
        for m in chosen:
            here = step in rows.index
            sample = METRICS[m].sample
            found.append(Evidence(
                step=step, metric=m, value=_number(rows.loc[step, m]) if here else None,
                baseline=_number(overall[m].iloc[0]) if len(overall) else None,
                n=int(_number(rows.loc[step, sample]) or 0) if here and sample in rows.columns else 0,
                start=start, end=end,
                dataset=dataset, dataset_version=dataset_version))
    return found


def example_ids(table: ibis.Table, steps: Sequence[str], *, start: datetime | None = None,
                end: datetime | None = None, limit: int = EXAMPLES) -> list[str]:
    """The newest ticket ids on the steps in the period."""
    t = table.filter(table.journey_step.isin(list(steps)))
    if start is not None:
        t = t.filter(t.created_at >= start)
    if end is not None:
        t = t.filter(t.created_at < end)
    ids = t.order_by(ibis.desc("created_at")).select("ticket_id").limit(limit).execute()["ticket_id"]
    return [str(i) for i in ids]


def draft(journey: Journey, step: str | Sequence[str], metric: str | None, table: ibis.Table, *,
          start: datetime | None, end: datetime | None, dataset: str, dataset_version: int,
          title: str | None = None) -> PainPoint:
    """A pain point written from a friction finding: the step(s), the metric that hurts, its frozen evidence.

    The title and description name the first step; with several steps the description lists them all."""
    steps = [step] if isinstance(step, str) else list(dict.fromkeys(step))
    label = journey.step(steps[0]).label
    judged = METRICS[metric].label.lower() if metric else "friction"
    evidence = capture(table, steps, [*([metric] if metric else []), *CONTEXT_METRICS], start=start, end=end,
                       dataset=dataset, dataset_version=dataset_version)
    if len(steps) == 1:
        own = next((e for e in evidence if e.metric == metric), None)
        detail = ""
        if metric and own is not None and own.value is not None and own.baseline is not None:
            detail = (f" {format_value(metric, own.value)} against {format_value(metric, own.baseline)} for the "
                      f"journey, on {own.n:,} tickets.")
        description = f"From the Friction page: '{label}' stands out on {judged}.{detail}"
    else:
        labels = ", ".join(f"'{journey.step(s).label}'" for s in steps)
        description = f"Steps {labels}, judged on {judged}."
    return PainPoint(
        title=title or f"{label}: {judged}", description=description,
        journey=journey.name, steps=steps, metric=metric, source=Source.friction, evidence=evidence,
        example_tickets=example_ids(table, steps, start=start, end=end))


def numbers_sentence(evidence: Sequence[Evidence], metric: str | None, period: str) -> str:
    """One sentence with the pain point's own metric as frozen — value, journey baseline, sample — e.g.
    "Last 90 days of tickets: reopen rate 31% against 12% for the journey, on 1,204 tickets." ("" without one)."""
    own = next((e for e in evidence if e.metric == metric), None)
    if metric is None or own is None or own.value is None or own.baseline is None:
        return ""
    return (f"{period}: {METRICS[metric].label.lower()} {format_value(metric, own.value)} against "
            f"{format_value(metric, own.baseline)} for the journey, on {own.n:,} tickets.")


def _moment(value: Any, after: bool = False) -> datetime | None:
    """A timestamp from the engine as a datetime; ``after`` makes the last ticket's time an exclusive end."""
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).to_pydatetime() + (timedelta(seconds=1) if after else timedelta(0))


def _number(value: Any) -> float | None:
    """A cell from the engine as a float (None when it is missing)."""
    return None if value is None or pd.isna(value) else float(value)


# --- exports --------------------------------------------------------------------------------------

RANKED_COLUMNS = ["rank", "key", "title", "journey", "status", "owner", "score", "reach", "impact", "confidence",
                  "effort", "effort_estimated", "metric", "tickets", "change", "delivery_link"]


def ranked_frame(scores: Sequence[Score], pains: Mapping[str, StoredPainPoint],
                 changes: Mapping[str, str] | None = None) -> pd.DataFrame:
    """One row per pain point in rank order, with the score's components (the CSV export's content)."""
    rows = []
    for s in scores:
        p = pains[s.key].pain
        rows.append({"rank": s.rank, "key": s.key, "title": p.title, "journey": p.journey, "status": p.status.value,
                     "owner": p.owner, "score": round(s.score, 4), "reach": round(s.reach, 1),
                     "impact": round(s.impact, 4), "confidence": round(s.confidence, 4), "effort": s.effort,
                     "effort_estimated": s.effort_estimated, "metric": s.metric or "",
                     "tickets": s.tickets, "change": (changes or {}).get(s.key, ""), "delivery_link": p.delivery_link})
    return pd.DataFrame(rows, columns=RANKED_COLUMNS)


def ranked_csv(frame: pd.DataFrame) -> str:
    """CSV through the one writer (titles and owners are typed by people: formula-like cells neutralised)."""
    return csv_text(frame)


def ranked_markdown(scores: Sequence[Score], pains: Mapping[str, StoredPainPoint], *, workspace: str,
                    formula: str, changes: Mapping[str, str] | None = None, top: int = 10) -> str:
    """A leadership update: the top pain points, why they rank there, and who owns them."""
    lines = [f"# Top pain points — {workspace}", "", f"Ranked by {formula}. Reach is tickets per month; impact the "
             "gap to the journey (0.3 = 30 % worse); confidence 0–1 from sample size and how steady the gap is.", "",
             "| # | Pain point | Journey | Score | Reach/month | Impact | Confidence | Effort (pw) | Owner | Status |"
             " Change |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for s in scores[:top]:
        p = pains[s.key].pain
        effort = f"{s.effort:g}" + ("" if s.effort_estimated else " (est.?)")
        lines.append(f"| {s.rank} | {_cell(s.key + ' ' + p.title)} | {_cell(p.journey)} | {s.score:,.1f} | "
                     f"{s.reach:,.0f} | {s.impact:.2f} | {s.confidence:.2f} | {effort} | {_cell(p.owner) or '—'} | "
                     f"{p.status.value} | {(changes or {}).get(s.key, '') or '—'} |")
    lines += ["", "## Why each ranks where it does", ""]
    for s in scores[:top]:
        p = pains[s.key].pain
        lines.append(f"- **{s.key} {_cell(p.title)}**: {s.explain()}."
                     + (f" Delivery: {p.delivery_link}" if p.delivery_link else ""))
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell: no pipes or line breaks, no HTML."""
    return " ".join(text.replace("|", "/").replace("<", "‹").replace(">", "›").split())
