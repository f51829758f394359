"""Seeded synthetic ticket tables in the canonical schema, for tests, benchmarks and demos.

``generate(n, steps=…, weeks=…, seed=…)`` returns a :class:`pyarrow.Table` with exactly the
columns and types of :func:`journeys.tickets.canonical.arrow_schema` (plus ``journey_step``
filled in), built with vectorised numpy/pyarrow only: 1M rows take about 1.5 s on two cores and
``write_parquet`` writes them (zstd) in under 1 s more.

The distributions are meant to look like a help desk, not to be uniform noise:

- step volumes follow a Zipf-like law (a few steps get most tickets) and each step has a
  hidden *friction* factor (log-normal, a few hot spots) that worsens every metric together:
  slower responses and resolutions, more reopens, escalations and agent replies, lower CSAT
  and more repeat contacts;
- contacts follow a weekday/office-hours rhythm over ``weeks`` weeks starting on a Monday;
- channels differ (chat and phone answer in minutes, email in hours; the bot answers and
  resolves some tickets without a human, has no first-response time then, and escalates
  the rest);
- about a quarter of tickets carry a CSAT rating (1–5), the rest are unrated (null);
- some open tickets have no resolution time yet; a few tickets miss their first-response time;
- a share of tickets are *follow-ups*: the same customer on the same step a few days after an
  earlier ticket, so the repeat-contact window has real work to do.

The same ``seed`` always gives the same table.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from journeys.tickets.canonical import arrow_schema

DEFAULT_START = datetime(2025, 1, 6, tzinfo=UTC)  # a Monday

CHANNELS = ("email", "chat", "phone", "web", "bot", "app")
CHANNEL_SHARE = (0.30, 0.22, 0.12, 0.12, 0.18, 0.06)
# median first-response minutes by channel (bot: when escalated to a human)
CHANNEL_FRT = (240.0, 3.0, 1.5, 300.0, 6.0, 180.0)
CATEGORIES = ("account", "billing", "delivery", "product", "technical", "other")
PRIORITIES = ("low", "normal", "high", "urgent")
PRIORITY_SHARE = (0.25, 0.55, 0.15, 0.05)
TAG_VOCABULARY = (
    "login", "password", "refund", "invoice", "late", "damaged", "bug", "how-to", "cancel",
    "upgrade", "vip", "complaint", "feature-request", "outage", "address", "payment",
)
SUBJECTS = (
    "Cannot log in", "Where is my order?", "Refund request", "Charged twice", "App crashes on start",
    "How do I change my plan?", "Package arrived damaged", "Password reset link expired",
    "Question about my invoice", "Cancel my subscription", "Feature does not work", "Other question",
)


def step_ids(steps: int) -> list[str]:
    """The step ids ``generate`` uses when given a number of steps: ``step_01`` … ``step_NN``."""
    width = max(2, len(str(steps)))
    return [f"step_{i + 1:0{width}d}" for i in range(steps)]


def _strings(values: Sequence[str], codes: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    """A string array from dictionary codes (fast: no Python string per row)."""
    return pa.array(list(values), pa.string()).take(pa.array(codes.astype(np.int32), mask=mask))


def _ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    digits = pc.utf8_lpad(pc.cast(pa.array(numbers), pa.string()), width, "0")
    return pc.binary_join_element_wise(pa.scalar(prefix), digits, "")


def generate(
    n: int = 10_000,
    *,
    steps: int | Sequence[str] = 10,
    weeks: int = 12,
    start: datetime = DEFAULT_START,
    customers: int | None = None,
    repeat_share: float = 0.12,
    seed: int = 0,
) -> pa.Table:
    """``n`` tickets over ``steps`` journey steps and ``weeks`` weeks from ``start``, canonical schema.

    ``steps`` is a number (ids from :func:`step_ids`) or the step ids themselves.
    ``customers`` is the size of the customer pool (default ``n // 3``; heavy users contact
    more often). ``repeat_share`` is the base share of tickets that are follow-ups of an
    earlier ticket by the same customer on the same step (scaled up on high-friction steps).
    Rows are sorted by ``created_at``; ``ticket_id`` follows that order.
    """
    if n < 0 or weeks < 1:
        raise ValueError("n must be ≥ 0 and weeks ≥ 1")
    names = step_ids(steps) if isinstance(steps, int) else [str(s) for s in steps]
    if not names:
        raise ValueError("at least one step is needed")
    if start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    rng = np.random.default_rng(seed)
    k = len(names)

    # --- steps: Zipf-like volume, hidden friction -------------------------------------------------
    share = 1.0 / np.arange(1, k + 1) ** 0.9
    share = share[rng.permutation(k)]
    share /= share.sum()
    friction = np.exp(rng.normal(0.0, 0.35, k))
    hot = rng.random(k) < 0.1
    friction[hot] *= 1.8
    step_category = rng.integers(0, len(CATEGORIES), k)
    step = rng.choice(k, size=n, p=share)
    f = friction[step]

    # --- when: weekdays busier than weekends, office hours busier than nights --------------------
    days = weeks * 7
    day_weight = np.tile([1.15, 1.1, 1.05, 1.0, 0.95, 0.45, 0.35], weeks) * np.linspace(0.9, 1.1, days)
    day = rng.choice(days, size=n, p=day_weight / day_weight.sum())
    seconds = np.clip(rng.normal(14 * 3600, 4 * 3600, n), 0, 86_399).astype(np.int64)
    micros = rng.integers(0, 1_000_000, n)
    start_us = int(start.timestamp() * 1_000_000)
    created = start_us + day.astype(np.int64) * 86_400_000_000 + seconds * 1_000_000 + micros

    # --- customers: a skewed pool; follow-ups copy an earlier ticket's customer and step ----------
    pool = customers or max(1, n // 3)
    customer = (rng.pareto(1.5, n) * pool / 8).astype(np.int64) % pool
    follow = rng.random(n) < np.clip(repeat_share * f, 0, 0.6)
    follow_idx = np.flatnonzero(follow)
    if n > 1 and follow_idx.size:
        parent = rng.integers(0, n, follow_idx.size)
        parent = np.where(parent == follow_idx, (parent + 1) % n, parent)
        gap_us = (rng.exponential(3.0, follow_idx.size) * 86_400_000_000).astype(np.int64) + 60_000_000
        customer[follow_idx] = customer[parent]
        step[follow_idx] = step[parent]
        later = created[parent] + gap_us
        end_us = start_us + days * 86_400_000_000
        created[follow_idx] = np.where(later < end_us, later, np.maximum(created[parent] - gap_us, start_us))
        f = friction[step]

    # --- channel, handling, escalation ------------------------------------------------------------
    channel = rng.choice(len(CHANNELS), size=n, p=CHANNEL_SHARE)
    is_bot = (channel == CHANNELS.index("bot")) | ((channel == CHANNELS.index("chat")) & (rng.random(n) < 0.3))
    escalated = rng.random(n) < np.where(is_bot, np.clip(0.25 * f, 0, 0.9), np.clip(0.07 * f, 0, 0.9))
    human = ~is_bot | escalated
    handled_by = np.where(is_bot, 0, 1)
    group = np.where(is_bot & ~escalated, 0, np.where(escalated, 2, 1 + (step_category[step] == 1) * 2))

    # --- times, replies, reopens ------------------------------------------------------------------
    frt = np.exp(rng.normal(0.0, 0.9, n)) * np.asarray(CHANNEL_FRT)[channel] * f
    frt_missing = ~human | (rng.random(n) < 0.02)
    resolution = frt + np.exp(rng.normal(np.log(600.0), 1.2, n)) * f
    resolution = np.where(is_bot & ~escalated, np.exp(rng.normal(np.log(4.0), 0.6, n)), resolution)
    status_code = np.where(rng.random(n) < 0.06, rng.integers(2, 4, n), rng.integers(0, 2, n))  # 2,3 = open
    resolution_missing = status_code >= 2
    replies = np.where(human, 1 + rng.poisson(0.9 * f * f), 0).astype(np.int32)
    reopens = rng.poisson(np.clip(0.07 * f * f, 0, 3)).astype(np.int32)

    # --- satisfaction: rated sometimes; worse friction, slower, reopened → lower scores ----------
    rated = rng.random(n) < 0.25
    quality = 1.6 - 0.9 * np.log(f) - 0.5 * reopens - 0.25 * escalated + rng.normal(0, 1.0, n)
    csat = np.clip(np.round(2.9 + quality), 1, 5)

    # --- text-ish columns -------------------------------------------------------------------------
    n_tags = rng.integers(0, 4, n)
    offsets = np.concatenate([[0], np.cumsum(n_tags)]).astype(np.int32)
    tag_values = _strings(TAG_VOCABULARY, rng.integers(0, len(TAG_VOCABULARY), int(offsets[-1])))
    tags = pa.ListArray.from_arrays(pa.array(offsets), tag_values)
    variant_step = rng.random(k) < 0.2
    variant_mask = ~variant_step[step]

    order = np.argsort(created, kind="stable")
    columns = {
        "ticket_id": _ids("T", np.arange(1, n + 1), max(8, len(str(n)))),
        "created_at": pa.array(created[order], pa.timestamp("us", tz="UTC")),
        "channel": _strings(CHANNELS, channel[order]),
        "subject": _strings(SUBJECTS, rng.integers(0, len(SUBJECTS), n)[order]),
        "tags": tags.take(pa.array(order)),
        "category": _strings(CATEGORIES, step_category[step][order]),
        "status": _strings(("solved", "closed", "open", "pending"), status_code[order]),
        "customer_id": _ids("C", customer[order], max(7, len(str(pool)))),
        "csat": pa.array(csat[order], pa.float64(), mask=~rated[order]),
        "first_response_minutes": pa.array(np.round(frt, 2)[order], pa.float64(), mask=frt_missing[order]),
        "resolution_minutes": pa.array(np.round(resolution, 2)[order], pa.float64(), mask=resolution_missing[order]),
        "reopens": pa.array(reopens[order], pa.int32()),
        "escalated": pa.array(escalated[order], pa.bool_()),
        "handled_by": _strings(("bot", "human"), handled_by[order]),
        "agent_replies": pa.array(replies[order], pa.int32()),
        "variant": _strings(("A", "B"), rng.integers(0, 2, n)[order], mask=variant_mask[order]),
        "journey_step": _strings(names, step[order]),
        "group": _strings(("bot", "tier1", "tier2", "billing"), group[order]),
        "priority": _strings(PRIORITIES, rng.choice(len(PRIORITIES), size=n, p=PRIORITY_SHARE)[order]),
    }
    schema = arrow_schema()
    return pa.Table.from_arrays([columns[field.name] for field in schema], schema=schema)


def write_parquet(path: str | Path, n: int = 10_000, *, row_group_size: int = 128 * 1024, **options: Any) -> Path:
    """Generate a table (``options`` as for :func:`generate`) and write it to ``path`` as Parquet."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(generate(n, **options), path, row_group_size=row_group_size, compression="zstd")
    return path
