"""Ticket import speed and memory: 1M Zendesk-layout rows, CSV → normalised Parquet; a 1M-row update log.

    python benchmarks/bench_import.py [--rows 1000000] [--repeat 3] [--keep DIR]

Generates a seeded 1M-row Zendesk CSV export (every column of the full export, custom
fields, Excel zero dates, ``Offered``/``Unoffered`` surveys; tests/tickets/exports.py)
in a temporary directory, then runs, each in its own subprocess so peak RSS is per run:

- the baseline: DuckDB's own ``COPY (SELECT * FROM read_csv('f.csv')) TO 'f.parquet'
  (FORMAT parquet)``,
- ``journeys.tickets.importer.import_file`` on the same file (sniffing, mapping,
  normalisation, report, atomic write),
- ``import_file`` on a one-row-per-update log of the same shape and size: the same columns and
  1M rows, but each ticket's id on ``--updates`` rows (4: 250,000 tickets) with its
  ``Updated at`` rising, rows of a ticket adjacent as help desks export them. Found without
  being told and collapsed to each ticket's last state (journeys.tickets.history),

alternating them ``--repeat`` times (a noisy neighbour then hurts all), and prints the
median and best times, the ratios of the medians and each side's peak RSS.
Budgets (shared/DESIGN.md): import ≤ 1.3× DuckDB's COPY, the update log ≤ 2× the import, peak
RSS < 1 GB. Exits 1 when over. Run it when the machine is quiet (it prints the load average).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RATIO_BUDGET = 1.3
COLLAPSE_BUDGET = 2.0
RSS_BUDGET_MB = 1024

_BASELINE = """
import duckdb, json, resource, sys, time
src, dst = sys.argv[1], sys.argv[2]
con = duckdb.connect()
t = time.perf_counter()
con.execute(f"COPY (SELECT * FROM read_csv('{src}')) TO '{dst}' (FORMAT parquet)")
print(json.dumps({"seconds": time.perf_counter() - t,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

_IMPORT = """
import json, resource, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[3])
import pandas  # noqa: F401  (loaded in the app and CLI anyway; the baseline's timing excludes imports too)
from journeys.tickets.importer import import_file
t = time.perf_counter()
report = import_file(Path(sys.argv[1]), Path(sys.argv[2]))
print(json.dumps({"seconds": time.perf_counter() - t,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "rows_kept": report.rows_kept, "rows_read": report.rows_read,
                  "collapsed": report.collapsed_updates}))
"""


def _run(code: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def update_log_csv(path: Path, n: int, updates: int, seed: int, chunk: int = 200_000) -> Path:
    """The bulk Zendesk rows made a log: ids repeat ``updates`` times in a row, ``Updated at`` rises by an hour."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    from tests.tickets.exports import zendesk_bulk_table

    writer = None
    try:
        for start in range(0, n, chunk):
            table = zendesk_bulk_table(min(chunk, n - start), seed=seed, start=start)
            rows = pa.array(range(start, start + table.num_rows))
            ids = pc.cast(pc.add(pc.divide(rows, updates), 1_000_000), pa.string())
            created = pc.strptime(table["Created at"], format="%Y-%m-%d %H:%M:%S", unit="s")
            step = pc.cast(pc.multiply(pc.cast(pc.subtract(rows, pc.multiply(pc.divide(rows, updates), updates)),
                                               pa.int64()), 3600), pa.duration("s"))
            updated = pc.strftime(pc.add(created, step), format="%Y-%m-%d %H:%M:%S")
            table = table.set_column(table.schema.get_field_index("Id"), "Id", ids)
            table = table.set_column(table.schema.get_field_index("Updated at"), "Updated at", updated)
            if writer is None:
                writer = pacsv.CSVWriter(str(path), table.schema,
                                         write_options=pacsv.WriteOptions(include_header=True, quoting_style="needed"))
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--updates", type=int, default=4, help="update rows per ticket in the log")
    parser.add_argument("--keep", type=Path, default=None, help="generate into (and keep) this directory")
    args = parser.parse_args()

    from tests.tickets.exports import zendesk_bulk_csv

    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-import-"))
    work.mkdir(parents=True, exist_ok=True)
    csv_path = work / f"zendesk_{args.rows}.csv"
    try:
        if not csv_path.exists():
            t = time.perf_counter()
            zendesk_bulk_csv(csv_path, args.rows, seed=args.seed)
            print(f"generated {args.rows:,} rows ({csv_path.stat().st_size / 1e6:.0f} MB) "
                  f"in {time.perf_counter() - t:.1f} s")
        log_path = work / f"zendesk_log_{args.rows}x{args.updates}.csv"
        if not log_path.exists():
            update_log_csv(log_path, args.rows, args.updates, args.seed)
        print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())} ({os.cpu_count()} CPUs)")
        base, imp, log = [], [], []
        for _ in range(args.repeat):
            base.append(_run(_BASELINE, str(csv_path), str(work / "baseline.parquet")))
            imp.append(_run(_IMPORT, str(csv_path), str(work / "import.parquet"), str(ROOT)))
            log.append(_run(_IMPORT, str(log_path), str(work / "log.parquet"), str(ROOT)))
        b, i, c = (statistics.median(r["seconds"] for r in runs) for runs in (base, imp, log))
        ratio, collapse_ratio = i / b, c / i
        rss_i = max(r["rss_mb"] for r in imp + log)
        print(f"rows kept            {imp[-1]['rows_kept']:,} of {imp[-1]['rows_read']:,}; update log: "
              f"{log[-1]['rows_kept']:,} tickets of {log[-1]['rows_read']:,} rows "
              f"({log[-1]['collapsed']:,} update rows collapsed)")
        for label, runs in (("duckdb COPY", base), ("journeys import", imp), ("update log import", log)):
            print(f"{label:<20} median {statistics.median(r['seconds'] for r in runs):.2f} s  "
                  f"best {min(r['seconds'] for r in runs):.2f} s  peak RSS {max(r['rss_mb'] for r in runs):.0f} MB")
        ok = ratio <= RATIO_BUDGET and collapse_ratio <= COLLAPSE_BUDGET and rss_i < RSS_BUDGET_MB
        print(f"import / COPY        {ratio:.2f}×  (budget ≤ {RATIO_BUDGET}×)")
        print(f"update log / import  {collapse_ratio:.2f}×  (budget ≤ {COLLAPSE_BUDGET}×)")
        print(f"peak RSS             {rss_i:.0f} MB  (budget < {RSS_BUDGET_MB} MB)  {'OK' if ok else 'OVER BUDGET'}")
        print(f"load average after:  {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        return 0 if ok else 1
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
