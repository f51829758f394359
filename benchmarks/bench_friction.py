"""Friction metrics for 1M tickets × 50 steps × 52 weeks: journeys.metrics.compute vs one hand-written DuckDB query.

    python benchmarks/bench_friction.py [--tickets 1000000] [--steps 50] [--weeks 52] [--repeat 7]

Generates a canonical ticket table with journeys/tickets/synthetic.py into a temporary Parquet
file, then times (warm, median of ``--repeat`` runs):

- **ours**: ``compute(tickets_table(parquet), period="week", reach=…)`` — every catalogue metric
  per step × week, built in Ibis and run on DuckDB, returned as a pandas DataFrame;
- **hand**: one hand-written DuckDB SQL query over the same Parquet computing the same numbers
  (the same too-few masking included), fetched as a pandas DataFrame.

It checks the two results are equal (every key, sample size, metric and flag; floats within 1e-9),
prints both times and their ratio, and exits non-zero when a budget of shared/DESIGN.md is missed:
under 1 s, and within 1.5× of the hand-written query. Also prints, for information, the time of
the whole friction score (per-step metrics + the journey baseline + the formula).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from journeys.friction import friction  # noqa: E402
from journeys.metrics import METRICS, compute, tickets_table  # noqa: E402
from journeys.tickets.synthetic import step_ids, write_parquet  # noqa: E402

BUDGET_S = 1.0
BUDGET_RATIO = 1.5
MIN_SAMPLE = 30

HAND_SQL = """
WITH t AS (
  SELECT journey_step, created_at, csat, first_response_minutes, resolution_minutes, reopens, escalated,
         handled_by, agent_replies,
         customer_id IS NOT NULL AND journey_step IS NOT NULL
           AND (coalesce(lead(created_at) OVER w <= created_at + INTERVAL 7 DAY, false)
                OR coalesce(lag(created_at) OVER w = created_at, false)) AS repeat_contact
  FROM read_parquet('{path}')
  WINDOW w AS (PARTITION BY customer_id, journey_step ORDER BY created_at)
), agg AS (
  SELECT journey_step, date_trunc('week', created_at) AS period,
         count(*) AS n,
         count(csat) AS n_rated,
         count(first_response_minutes) AS n_first_response,
         count(resolution_minutes) AS n_resolution,
         count(reopens) AS n_reopens,
         count(escalated) AS n_escalated,
         count(handled_by) AS n_handled_by,
         count(*) FILTER (WHERE agent_replies IS NOT NULL AND reopens IS NOT NULL) AS n_fcr,
         count(agent_replies) AS n_agent_replies,
         avg((csat >= 4)::INT) AS csat,
         quantile_cont(first_response_minutes, [0.5, 0.9]) AS frt,
         quantile_cont(resolution_minutes, [0.5, 0.9]) AS res,
         avg((reopens >= 1)::INT) AS reopen_rate,
         avg(escalated::INT) AS escalation_rate,
         avg((handled_by = 'bot' AND NOT coalesce(escalated, false))::INT)
           FILTER (WHERE handled_by IS NOT NULL) AS automated_resolution_rate,
         avg((agent_replies <= 1 AND reopens = 0)::INT)
           FILTER (WHERE agent_replies IS NOT NULL AND reopens IS NOT NULL) AS fcr_rate,
         avg(repeat_contact::INT) AS repeat_contact_rate,
         avg(agent_replies) AS agent_replies_mean
  FROM t
  GROUP BY ALL
)
SELECT a.journey_step, a.period, a.period + INTERVAL 1 WEEK AS period_end,
       n, n_rated, n_first_response, n_resolution, n_reopens, n_escalated, n_handled_by, n_fcr, n_agent_replies,
       r.reach::DOUBLE AS reach,
       n AS volume,
       CASE WHEN r.reach >= {m} THEN 1000.0 * n / r.reach END AS contact_rate,
       CASE WHEN n_rated >= {m} THEN csat END AS csat,
       CASE WHEN n_first_response >= {m} THEN frt[1] END AS frt_p50,
       CASE WHEN n_first_response >= {m} THEN frt[2] END AS frt_p90,
       CASE WHEN n_resolution >= {m} THEN res[1] END AS resolution_p50,
       CASE WHEN n_resolution >= {m} THEN res[2] END AS resolution_p90,
       CASE WHEN n_reopens >= {m} THEN reopen_rate END AS reopen_rate,
       CASE WHEN n_escalated >= {m} THEN escalation_rate END AS escalation_rate,
       CASE WHEN n_handled_by >= {m} THEN automated_resolution_rate END AS automated_resolution_rate,
       CASE WHEN n_fcr >= {m} THEN fcr_rate END AS fcr_rate,
       CASE WHEN n >= {m} THEN repeat_contact_rate END AS repeat_contact_rate,
       CASE WHEN n_agent_replies >= {m} THEN agent_replies_mean END AS agent_replies_mean,
       false AS volume_too_few,
       coalesce(r.reach < {m}, false) AS contact_rate_too_few,
       n_rated < {m} AS csat_too_few,
       n_first_response < {m} AS frt_p50_too_few,
       n_first_response < {m} AS frt_p90_too_few,
       n_resolution < {m} AS resolution_p50_too_few,
       n_resolution < {m} AS resolution_p90_too_few,
       n_reopens < {m} AS reopen_rate_too_few,
       n_escalated < {m} AS escalation_rate_too_few,
       n_handled_by < {m} AS automated_resolution_rate_too_few,
       n_fcr < {m} AS fcr_rate_too_few,
       n < {m} AS repeat_contact_rate_too_few,
       n_agent_replies < {m} AS agent_replies_mean_too_few
FROM agg a LEFT JOIN (VALUES {reach}) AS r(step, reach) ON a.journey_step = r.step
ORDER BY a.journey_step, a.period
"""


def _time(fns: dict[str, Callable[[], object]], repeat: int) -> dict[str, tuple[float, object]]:
    """Median wall time of each function; runs are interleaved so drift hits all of them alike."""
    results = {name: fn() for name, fn in fns.items()}  # warm-up (file cache, Parquet metadata)
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            start = time.perf_counter()
            results[name] = fn()
            samples[name].append(time.perf_counter() - start)
    return {name: (statistics.median(samples[name]), results[name]) for name in fns}


def assert_same(ours: pd.DataFrame, hand: pd.DataFrame) -> None:
    """Every column of ours equals the hand query's: keys and counts exactly, floats within 1e-9."""
    assert list(ours.columns) == list(hand.columns), (list(ours.columns), list(hand.columns))
    assert len(ours) == len(hand), (len(ours), len(hand))
    for column in ours.columns:
        a, b = ours[column], hand[column]
        if (column in METRICS and METRICS[column].kind != "count") or column == "reach":
            x, y = a.to_numpy("float64"), b.to_numpy("float64")
            assert np.array_equal(np.isnan(x), np.isnan(y)), f"{column}: different NaNs"
            assert np.allclose(x, y, rtol=0, atol=1e-9, equal_nan=True), f"{column}: max diff {np.nanmax(abs(x - y))}"
        elif column in ("period", "period_end"):
            assert (pd.to_datetime(a, utc=True).to_numpy() == pd.to_datetime(b, utc=True).to_numpy()).all(), column
        else:
            assert (a.astype(object).to_numpy() == b.astype(object).to_numpy()).all(), column


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-friction-") as tmp:
        path = Path(tmp) / "tickets.parquet"
        started = time.perf_counter()
        write_parquet(path, args.tickets, steps=args.steps, weeks=args.weeks, seed=args.seed)
        print(f"generated {args.tickets:,} tickets × {args.steps} steps × {args.weeks} weeks "
              f"in {time.perf_counter() - started:.2f} s ({path.stat().st_size / 1e6:.0f} MB Parquet)")

        rng = np.random.default_rng(args.seed)
        reach = {s: float(r) for s, r in zip(step_ids(args.steps), rng.integers(10, 50_000, args.steps), strict=True)}
        table = tickets_table(path)
        hand_con = duckdb.connect()
        sql = HAND_SQL.format(path=str(path).replace("'", "''"), m=MIN_SAMPLE,
                              reach=", ".join(f"('{s}', {r})" for s, r in reach.items()))

        timed = _time({
            "ours": lambda: compute(table, period="week", reach=reach, min_sample=MIN_SAMPLE),
            "hand": lambda: hand_con.sql(sql).df(),
        }, args.repeat)
        (t_ours, ours), (t_hand, hand) = timed["ours"], timed["hand"]
        t_friction, scored = _time({"friction": lambda: friction(table, min_sample=MIN_SAMPLE)}, 3)["friction"]
        assert_same(ours, hand)

    ratio = t_ours / t_hand
    print(f"groups (step × week): {len(ours):,}; metrics: {len(METRICS)}; results equal: yes")
    print(f"ours (Ibis → DuckDB, compute)   median {t_ours * 1000:7.1f} ms")
    print(f"hand-written DuckDB SQL         median {t_hand * 1000:7.1f} ms")
    print(f"ratio ours / hand               {ratio:.2f}×   (budget: < {BUDGET_S:.0f} s and ≤ {BUDGET_RATIO}×)")
    print(f"friction score, {len(scored)} steps (2 queries + formula): median {t_friction * 1000:.1f} ms")
    ok = t_ours < BUDGET_S and ratio <= BUDGET_RATIO
    print("budget: met" if ok else "budget: MISSED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
