"""Business minutes for 1M tickets: journeys.business_hours vs calendar minutes, in one process.

    python benchmarks/bench_business_hours.py [--tickets 1000000] [--weeks 104] [--repeat 5]

Generates a canonical ticket table (journeys/tickets/synthetic.py, two years) into a temporary
Parquet file and a CSV of it, then times (warm, median of ``--repeat`` runs), each materialised
as an Arrow table:

- **calendar**: the calendar minutes from timestamps (``created_at`` and ``created_at +
  minutes`` for first reply and resolution, subtracted as epoch seconds) in one DuckDB query;
- **business**: ``with_business_minutes(tickets_table(parquet), schedule)`` (London, Mon–Fri
  09:00–17:30 and Saturday mornings, GB-ENG holidays, two closures): the span aggregate, the day
  table and the joined query;
- **import baseline**: DuckDB's own CSV → Parquet of the same tickets (the import budget's baseline
  in shared/DESIGN.md), to say what computing business minutes at import would add.

Prints the times and the ratios. Exits non-zero when business minutes cost more than the import
budget leaves (0.3 × the CSV → Parquet baseline: the import may take 1.3× of it).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402

from journeys.business_hours import Schedule, parse_hours, with_business_minutes  # noqa: E402
from journeys.metrics import tickets_table  # noqa: E402
from journeys.tickets.synthetic import write_parquet  # noqa: E402

SCHEDULE = Schedule("Europe/London", parse_hours(["mon-fri 09:00-17:30", "sat 10:00-14:00"]), country="GB",
                    subdivision="ENG", closures=(date(2025, 12, 24), date(2025, 12, 31)))
BUDGET_OF_IMPORT = 0.3

CALENDAR_SQL = """
SELECT ticket_id,
       (epoch(created_at + to_microseconds(CAST(first_response_minutes * 60e6 AS BIGINT))) - epoch(created_at))
         / 60 AS first_response_calendar,
       (epoch(created_at + to_microseconds(CAST(resolution_minutes * 60e6 AS BIGINT))) - epoch(created_at))
         / 60 AS resolution_calendar
FROM read_parquet('{path}')
"""


def timed(fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--weeks", type=int, default=104)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        parquet = write_parquet(Path(tmp) / "tickets.parquet", args.tickets, steps=10, weeks=args.weeks, seed=3)
        csv = Path(tmp) / "tickets.csv"
        con = duckdb.connect()
        con.execute(f"COPY (SELECT * EXCLUDE (tags) FROM read_parquet('{parquet}')) TO '{csv}' (HEADER)")
        out = Path(tmp) / "out.parquet"

        def calendar() -> object:
            return con.sql(CALENDAR_SQL.format(path=parquet)).to_arrow_table()

        def business() -> object:
            return with_business_minutes(tickets_table(parquet), SCHEDULE).select(
                "ticket_id", "first_response_business_minutes", "resolution_business_minutes").to_pyarrow()

        def import_baseline() -> None:
            con.execute(f"COPY (SELECT * FROM read_csv('{csv}')) TO '{out}' (FORMAT parquet)")

        result = business()
        known = sum(result.column(c).null_count for c in ("first_response_business_minutes",
                                                          "resolution_business_minutes"))
        t_cal, t_bus, t_imp = (timed(calendar, args.repeat), timed(business, args.repeat),
                               timed(import_baseline, args.repeat))
    print(f"tickets: {args.tickets:,} over {args.weeks} weeks; null business values: {known:,}")
    print(f"calendar minutes (DuckDB):          {t_cal * 1000:8.0f} ms")
    print(f"business minutes (ours):            {t_bus * 1000:8.0f} ms   ratio {t_bus / t_cal:5.2f}x calendar")
    print(f"import baseline (CSV -> Parquet):   {t_imp * 1000:8.0f} ms   business = {t_bus / t_imp:5.2f}x of it")
    ok = t_bus <= BUDGET_OF_IMPORT * t_imp
    print(("within" if ok else "OVER") + f" budget: business minutes ≤ {BUDGET_OF_IMPORT}× the import baseline")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
