"""A workshop under load: 20 people on one journey for 2 minutes, each saving every 10 s and polling every 2 s.

    python benchmarks/bench_workshop.py [--seconds 120] [--sessions 20] [--database-url URL]

Each session is a thread acting as one editor (``ws.as_user``: the role-checked store the page uses) and
does what the map page does:

- every ``--poll`` seconds, what the live fragment (ui/workshop_view.py) does: the journey's head version,
  who is here, and every ``--beat`` seconds a heartbeat with the step it has open; when the head moved on
  it reloads the journey, as the page's rerun does;
- every ``--save-every`` seconds (first at a random offset), a real inspector edit: one step's owner set
  to a token unique to this save, applied to the version it last saw and saved with compare-and-set
  (``ws.journeys.save``). A refusal (StaleWrite) is counted as a clean refusal, and the edit is
  applied on top of the newest version and saved again, as "Apply my change on top" does.

At the end every accepted save is checked against the history: the revision with its version must hold its
token on its step (a lost write is one that is not there). Prints saves attempted, revisions written, clean
refusals, lost writes, p50/p95/max save time, p95 of a poll and of a heartbeat, and peak RSS. Threads in one
process on the real store: SQLite in a temporary folder by default, PostgreSQL with ``--database-url``.
Issue 17's budget: no lost write, p95 save under 500 ms (server time), RSS under 1.5 GB.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import journeys  # noqa: E402
from journeys import editing  # noqa: E402
from journeys.demo.journey_maps import DEMO_JOURNEY, current_state_journey  # noqa: E402
from journeys.editing import Edit  # noqa: E402
from journeys.errors import StaleWrite  # noqa: E402
from journeys.members import Role, User  # noqa: E402
from journeys.store import LoadedJourney  # noqa: E402
from journeys.usecases import workshop  # noqa: E402
from journeys.workspace import Workspace  # noqa: E402

SAVE_BUDGET_MS = 500
RSS_BUDGET_MB = 1536


@dataclass
class Tally:
    """What one session did (merged at the end; each thread writes only its own)."""

    attempts: int = 0
    refusals: int = 0
    errors: list[str] = field(default_factory=list)
    accepted: list[tuple[int, str, str]] = field(default_factory=list)  # (version, step, token)
    save_ms: list[float] = field(default_factory=list)
    poll_ms: list[float] = field(default_factory=list)
    beat_ms: list[float] = field(default_factory=list)
    reloads: int = 0


def _save(ws: Workspace, seen: LoadedJourney, edit: Edit, who: str, tally: Tally) -> int | None:
    """Save ``edit`` on the version seen; on a refusal apply it on top of the newest, as the page offers."""
    for _ in range(10):
        tally.attempts += 1
        start = time.perf_counter()
        try:
            version = ws.journeys.save(edit(seen.journey), seen.version, who, edit.message)
        except StaleWrite:
            tally.save_ms.append((time.perf_counter() - start) * 1000)
            tally.refusals += 1
            seen = ws.journeys.load(DEMO_JOURNEY)  # "Apply my change on top of the newer version"
            continue
        tally.save_ms.append((time.perf_counter() - start) * 1000)
        return version
    tally.errors.append("refused 10 times in a row")
    return None


def _poll(ws: Workspace, session: str, step: str, seen: LoadedJourney, beat: bool, tally: Tally) -> LoadedJourney:
    """What the live fragment does every poll (a heartbeat only every few polls); returns the version to edit
    from next, reloaded when the head moved on (the page's rerun)."""
    start = time.perf_counter()
    head = workshop.head_version(ws, DEMO_JOURNEY)
    if beat:
        beat_start = time.perf_counter()
        workshop.heartbeat(ws, DEMO_JOURNEY, session, step)
        tally.beat_ms.append((time.perf_counter() - beat_start) * 1000)
    workshop.present(ws, DEMO_JOURNEY)
    tally.poll_ms.append((time.perf_counter() - start) * 1000)
    if head > seen.version:
        tally.reloads += 1
        return ws.journeys.load(DEMO_JOURNEY)
    return seen


def session(ws: Workspace, n: int, args: argparse.Namespace, start: threading.Barrier, tally: Tally) -> None:
    """One person for ``args.seconds``: polls every ``args.poll`` s, an inspector save every ``args.save_every`` s."""
    rng = random.Random(n)
    who = f"Person {n:02d}"
    me = ws.as_user(User(f"person{n:02d}@bench.example", who), Role.editor)
    steps = [s.id for s in me.journeys.get(DEMO_JOURNEY).steps]
    seen = me.journeys.load(DEMO_JOURNEY)
    start.wait()
    began = time.monotonic()
    # Browsers are not in step: each session's first poll, beat and save at its own offset.
    next_poll, next_save, saves = began + rng.uniform(0, args.poll), began + rng.uniform(0, args.save_every), 0
    next_beat = began + rng.uniform(0, args.beat)
    while (now := time.monotonic()) < began + args.seconds:
        step = steps[(n + saves) % len(steps)]
        try:
            if now >= next_poll:
                beat = now >= next_beat
                seen = _poll(me, f"bench-{n}", step, seen, beat, tally)
                next_poll += args.poll
                next_beat += args.beat if beat else 0
            if now >= next_save:
                saves += 1
                token = f"{who} save {saves}"
                edit = Edit(f"Edited step '{step}'", partial(editing.update_step, step_id=step, owner=token))
                version = _save(me, seen, edit, who, tally)
                if version is not None:
                    tally.accepted.append((version, step, token))
                    seen = me.journeys.load(DEMO_JOURNEY)
                next_save += args.save_every
        except Exception as error:  # counted and shown: a benchmark reports, it does not stop at the first
            tally.errors.append(f"{type(error).__name__}: {error}")
        time.sleep(max(0.0, min(next_poll, next_save) - time.monotonic()))  # pacing, not synchronisation


def lost_writes(ws: Workspace, accepted: list[tuple[int, str, str]]) -> list[str]:
    """Accepted saves whose token is not on their step in the revision with their version."""
    versions = [v for v, _, _ in accepted]
    lost = [f"version {v} accepted twice" for v in set(versions) if versions.count(v) > 1]
    for version, step, token in accepted:
        if ws.journeys.revision(DEMO_JOURNEY, version).step(step).owner != token:
            lost.append(f"version {version}: {token!r} is not on step {step!r}")
    return lost


def pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else (values or [0])[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--save-every", type=float, default=10)
    parser.add_argument("--poll", type=float, default=1, help="the fragment's POLL_SECONDS")
    parser.add_argument("--beat", type=float, default=3, help="the fragment's BEAT_SECONDS")
    parser.add_argument("--database-url", default=None, help="default: SQLite in a temporary folder")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="bench-workshop-"))
    with journeys.open_workspace(home, args.database_url, "bench") as ws:
        ws.store.ensure_workspace("bench")
        if DEMO_JOURNEY not in ws.journeys.names():
            ws.journeys.create(current_state_journey(), "Facilitator")
        first = ws.journeys.load(DEMO_JOURNEY).version
        tallies = [Tally() for _ in range(args.sessions)]
        start = threading.Barrier(args.sessions)
        threads = [threading.Thread(target=session, args=(ws, n, args, start, tallies[n]))
                   for n in range(args.sessions)]
        began = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        took = time.perf_counter() - began
        accepted = [a for t in tallies for a in t.accepted]
        written = ws.journeys.load(DEMO_JOURNEY).version - first
        report(args, ws, tallies, accepted, written, took)


def report(args: argparse.Namespace, ws: Workspace, tallies: list[Tally], accepted: list[tuple[int, str, str]],
           written: int, took: float) -> None:
    saves = [ms for t in tallies for ms in t.save_ms]
    polls = [ms for t in tallies for ms in t.poll_ms]
    beats = [ms for t in tallies for ms in t.beat_ms]
    errors = [e for t in tallies for e in t.errors]
    lost = lost_writes(ws, accepted)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    backend = ws.store.url.split(":", 1)[0]
    print(f"Workshop load: {args.sessions} sessions on one journey for {took:.0f} s ({backend}), "
          f"a save every {args.save_every:g} s, a poll every {args.poll:g} s and a heartbeat every "
          f"{args.beat:g} s each")
    print(f"  saves attempted        {sum(t.attempts for t in tallies):6d}  (edits: {len(accepted)} accepted)")
    print(f"  revisions written      {written:6d}")
    print(f"  clean refusals         {sum(t.refusals for t in tallies):6d}  (StaleWrite, then applied on top)")
    print(f"  lost writes            {len(lost):6d}" + "".join(f"\n    {x}" for x in lost[:10]))
    print(f"  other errors           {len(errors):6d}" + "".join(f"\n    {x}" for x in errors[:10]))
    print(f"  save time ms           p50 {pct(saves, 50):7.1f}  p95 {pct(saves, 95):7.1f}  max {max(saves or [0]):7.1f}"
          f"  (budget p95 < {SAVE_BUDGET_MS})")
    print(f"  poll ms (head+who+beat) p50 {pct(polls, 50):6.1f}  p95 {pct(polls, 95):7.1f}"
          f"  max {max(polls or [0]):7.1f}"
          f"  ({len(polls)} polls, {sum(t.reloads for t in tallies)} reloads of a newer version)")
    print(f"  heartbeat ms           p50 {pct(beats, 50):7.1f}  p95 {pct(beats, 95):7.1f}")
    print(f"  peak RSS               {rss_mb:7.0f} MB  (budget < {RSS_BUDGET_MB} MB)")
    verdict = not lost and not errors and written == len(accepted) and pct(saves, 95) < SAVE_BUDGET_MS
    print("  verdict: " + ("within budget, no lost write" if verdict and rss_mb < RSS_BUDGET_MB else "OVER BUDGET"))


if __name__ == "__main__":
    main()
