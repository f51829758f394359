"""Structural checks and path analytics on hostile journey sizes: a bot loop of 1k … 20k steps.

    python benchmarks/bench_checks.py [--sizes 1000,5000,10000,19999] [--repeat 3] [--old]

The journey is an entry step and ``n`` bot steps in one cycle with no exit (issue 12's attacker
journey). For each size it prints, best of ``--repeat`` runs, the time of:

- the baseline: ``to_digraph`` plus one ``nx.descendants`` search from the entry — the
  irreducible linear work any check does;
- ``check`` (every structural check: what ``journeys journey check``, the map's check panel
  and the Overview run), ``expected_reach``, ``most_likely_path`` and ``swimlane_layout``;
- the Overview's use case (load from a real SQLite store, then check) at the largest size;

in seconds and as a ratio to the baseline measured in the same process. Linear work keeps the
ratios flat as ``n`` grows; quadratic work makes them grow with ``n``. Budget (issue 12): the
10,000-step loop checked in under 2 s. ``--old`` also times the per-step searches the checks
used before (quadratic; at 1,000 steps only, since 10,000 took minutes and gigabytes).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import networkx as nx  # noqa: E402

from journeys.charts.swimlanes import swimlane_layout  # noqa: E402
from journeys.graph import check, expected_reach, most_likely_path, to_digraph  # noqa: E402
from journeys.model import HandledBy, Journey, Step, Transition  # noqa: E402

BUDGET_S = 2.0


def bot_loop(n: int) -> Journey:
    """An entry step, then ``n`` bot steps in one cycle with no way out (tests/test_checks_scale.py uses it too)."""
    steps = [Step(id="entry", label="Entry", stage="Discover")]
    steps += [Step(id=f"b{i}", label=f"Bot step {i}", stage="Get help", lane="system", handled_by="bot")
              for i in range(n)]
    transitions = [Transition(source="entry", target="b0")]
    transitions += [Transition(source=f"b{i}", target=f"b{(i + 1) % n}") for i in range(n)]
    return Journey(name="Bot loop", steps=steps, transitions=transitions, entry="entry")


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def old_checks(journey: Journey) -> int:
    """The bot-loop and no-route checks as they were: one descendants search per bot step."""
    g = to_digraph(journey)
    bots = g.subgraph(n for n in g if g.nodes[n]["handled_by"] == HandledBy.bot)
    found = 0
    for component in nx.strongly_connected_components(bots):
        if len(component) > 1:
            set().union(*(nx.descendants(g, n) for n in component))
            found += 1
    for n in bots:
        any(g.nodes[d]["handled_by"] == HandledBy.human for d in nx.descendants(g, n))
    return found


def overview_time(journey: Journey, repeat: int) -> float:
    from journeys.demo.loader import overview
    from journeys.store import Store

    with tempfile.TemporaryDirectory() as home, Store(f"sqlite:///{home}/bench.db") as store:
        store.ensure_workspace("bench")
        store.create("bench", journey, "bench")
        return best(lambda: overview(store, "bench"), repeat)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,5000,10000,19999")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--old", action="store_true", help="also time the old quadratic checks at 1,000 steps")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"{'bot loop steps':>14} {'baseline s':>11} {'check s':>8} {'× base':>7} {'reach s':>8} {'× base':>7} "
          f"{'path s':>7} {'× base':>7} {'layout s':>9} {'× base':>7}")
    for n in sizes:
        journey = bot_loop(n)
        base = best(lambda j=journey: nx.descendants(to_digraph(j), "entry"), args.repeat)
        row = [best(lambda j=journey, f=f: f(j), args.repeat)
               for f in (check, expected_reach, most_likely_path, swimlane_layout)]
        cells = " ".join(f"{t:>8.3f} {t / base:>7.1f}" for t in row)
        print(f"{n:>14,} {base:>11.3f} {cells}")
        if n >= 10_000 and row[0] > BUDGET_S:
            print(f"  over budget: check took {row[0]:.2f} s (budget {BUDGET_S} s)")
    largest = bot_loop(sizes[-1])
    print(f"Overview (load from SQLite + check), {sizes[-1]:,} steps: {overview_time(largest, args.repeat):.3f} s")
    if args.old:
        small = bot_loop(1000)
        base = best(lambda: nx.descendants(to_digraph(small), "entry"), 1)
        old = best(lambda: old_checks(small), 1)
        new = best(lambda: check(small), args.repeat)
        print(f"old per-step checks at 1,000 steps: {old:.3f} s ({old / base:.0f}× base); "
              f"now every check: {new:.3f} s ({new / base:.1f}× base)")


if __name__ == "__main__":
    main()
