"""Hand-made ticket tables for the experiments' tests (columns as arrays, the rest of the schema null)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import ibis
import numpy as np
import pyarrow as pa

from journeys.tickets.canonical import arrow_schema

MONDAY = datetime(2026, 1, 5, tzinfo=UTC)


def ticket_table(**columns: np.ndarray | list) -> ibis.Table:
    """An Ibis (DuckDB) ticket table with the given canonical columns; ``ticket_id`` is filled in."""
    n = len(next(iter(columns.values())))
    columns.setdefault("ticket_id", [f"T{i}" for i in range(n)])
    schema = arrow_schema()
    arrays = [pa.array(columns[f.name], type=f.type, from_pandas=True) if f.name in columns else pa.nulls(n, f.type)
              for f in schema]
    return ibis.duckdb.connect().create_table("tickets", pa.Table.from_arrays(arrays, schema=schema))


def weekly_tickets(rng: np.random.Generator, steps: dict[str, tuple[int, float]], weeks: int, *,
                   start: datetime = MONDAY, change: dict[str, tuple[int, float]] | None = None
                   ) -> dict[str, np.ndarray]:
    """Tickets spread over ``weeks`` weeks: step → (tickets a week, reopen rate).

    ``change``: step → (from week, new reopen rate).
    """
    created, step, reopens = [], [], []
    for name, (per_week, rate) in steps.items():
        count = per_week * weeks
        offsets = np.sort(rng.uniform(0, weeks * 7 * 24 * 3600, count))
        week = (offsets // (7 * 24 * 3600)).astype(int)
        p = np.full(count, rate)
        if change and name in change:
            p[week >= change[name][0]] = change[name][1]
        created += [start + timedelta(seconds=float(s)) for s in offsets]
        step += [name] * count
        reopens.append((rng.random(count) < p).astype(int))
    out = {"created_at": created, "journey_step": step, "reopens": np.concatenate(reopens)}
    n = len(created)
    out["agent_replies"] = rng.poisson(2.0, n)
    out["first_response_minutes"] = rng.lognormal(4, 0.8, n)
    out["csat"] = np.where(rng.random(n) < 0.35, np.where(rng.random(n) < 0.7, 5.0, 1.0), np.nan)
    return out
