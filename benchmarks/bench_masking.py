"""Masking personal data in ticket text (journeys.tickets.masking) on a column of 1M subjects.

    python benchmarks/bench_masking.py [--rows 1000000] [--share 0.2] [--repeat 3]

Generates seeded subjects: ``--share`` of them hold an e-mail address, a phone number, a card number or a long
order number (the rows the rules must read); the rest are ordinary subjects, a quarter of them dated
(2026-12-07, which the bulk prefilter leaves out). Prints, as figures (CPU seconds, best of ``--repeat``): the
whole column, the RE2 prefilter alone, and the Python rules per candidate row, with the values masked by kind.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pyarrow as pa  # noqa: E402
import pyarrow.compute as pc  # noqa: E402

from journeys.tickets.masking import candidates, mask_array, mask_text  # noqa: E402

PLAIN = ["Refund not received for order #{id}", "Cannot log in since {date}", "Delivery late, parcel {short}",
         "Question about invoice {id} from {date}", "App crashes when I open settings", "Change my address please"]
PERSONAL = ["Card {card} charged twice", "Please call me back on {phone}", "Reply to {email} not this address",
            "Wrong item in order {long}"]
PHONES = ["+44 20 7946 0958", "(555) 123-4567", "0151 496 0000", "+1 555-123-4567"]


def subjects(rows: int, share: float, seed: int = 17) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(rows):
        template = rng.choice(PERSONAL if rng.random() < share else PLAIN)
        out.append(template.format(
            id=rng.randint(10_000, 99_999), date=f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            short=rng.randint(100_000, 999_999), card="4539 1488 0343 6467", phone=rng.choice(PHONES),
            email=f"user{rng.randint(1, 10**6)}@example.com", long=rng.randint(10**7, 10**8)))
    return out


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.process_time()
        fn()
        times.append(time.process_time() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--share", type=float, default=0.2)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    column = pa.array(subjects(args.rows, args.share), pa.string())
    counts: Counter = Counter()
    mask_array(column, counts)
    whole = best(lambda: mask_array(column), args.repeat)
    prefilter = best(lambda: candidates(column), args.repeat)
    rows = pc.take(column, pc.indices_nonzero(candidates(column))).to_pylist()
    rules = best(lambda: [mask_text(v) for v in rows], args.repeat)
    print(f"{args.rows:,} subjects ({args.share:.0%} with personal data): {whole:.2f} s CPU for the column; "
          f"prefilter {prefilter:.2f} s; {len(rows):,} candidate rows through the rules in {rules:.2f} s "
          f"({rules / max(len(rows), 1) * 1e6:.1f} µs each); masked {dict(counts)}")


if __name__ == "__main__":
    main()
