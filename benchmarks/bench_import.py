"""Ticket import speed and memory: 1M Zendesk-layout rows, CSV → normalised Parquet.

    python benchmarks/bench_import.py [--rows 1000000] [--repeat 3] [--keep DIR]

Generates a seeded 1M-row Zendesk CSV export (every column of the full export, custom
fields, Excel zero dates, ``Offered``/``Unoffered`` surveys; tests/tickets/exports.py)
in a temporary directory, then runs, each in its own subprocess so peak RSS is per run:

- the baseline: DuckDB's own ``COPY (SELECT * FROM read_csv('f.csv')) TO 'f.parquet'
  (FORMAT parquet)``,
- ``journeys.tickets.importer.import_file`` on the same file (sniffing, mapping,
  normalisation, report, atomic write),

alternating them ``--repeat`` times (a noisy neighbour then hurts both), and prints the
median and best times, the ratio of the medians and each side's peak RSS.
Budgets (shared/DESIGN.md): ratio ≤ 1.5, import peak RSS < 1 GB. Exits 1 when over.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RATIO_BUDGET = 1.5
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
                  "rows_kept": report.rows_kept, "rows_read": report.rows_read}))
"""


def _run(code: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
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
        base, imp = [], []
        for _ in range(args.repeat):
            base.append(_run(_BASELINE, str(csv_path), str(work / "baseline.parquet")))
            imp.append(_run(_IMPORT, str(csv_path), str(work / "import.parquet"), str(ROOT)))
        b = statistics.median(r["seconds"] for r in base)
        i = statistics.median(r["seconds"] for r in imp)
        ratio = i / b
        rss_b = max(r["rss_mb"] for r in base)
        rss_i = max(r["rss_mb"] for r in imp)
        print(f"rows kept            {imp[-1]['rows_kept']:,} of {imp[-1]['rows_read']:,}")
        print(f"duckdb COPY          median {b:.2f} s  best {min(r['seconds'] for r in base):.2f} s  "
              f"peak RSS {rss_b:.0f} MB")
        print(f"journeys import      median {i:.2f} s  best {min(r['seconds'] for r in imp):.2f} s  "
              f"peak RSS {rss_i:.0f} MB")
        ok = ratio <= RATIO_BUDGET and rss_i < RSS_BUDGET_MB
        print(f"ratio (medians)      {ratio:.2f}×  (budget ≤ {RATIO_BUDGET}×; RSS budget < {RSS_BUDGET_MB} MB)  "
              f"{'OK' if ok else 'OVER BUDGET'}")
        return 0 if ok else 1
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
