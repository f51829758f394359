"""A workshop in real browsers: N Chromium pages on one journey of a real `streamlit run` server, every page
polling live (ui/workshop_view.py) while a colleague saves every 10 s; how soon each page shows each save, and
the server's resident memory.

    python benchmarks/bench_workshop_browsers.py [--pages 20] [--saves 6]

bench_workshop.py measures saves under 20 concurrent writers at the use-case layer (server time, lost writes);
this one measures what the room sees: for every save, the delay until each page's map caption names the new
version (timed inside each page against the save's completion), and the server process's peak RSS (its whole
process tree) sampled every 0.5 s. Headless Debian Chromium, one browser, a context per person; the workspace
is a temporary `journeys init --demo --tickets 2000`. Issue 17: others' saves within 3 s; RSS under 1.5 GB.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from journeys.demo.journey_maps import DEMO_JOURNEY  # noqa: E402
from journeys.store import Store  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, IDLE, start_server, stop_server  # noqa: E402

WATCH = """version => { window.shownAt = null; const seen = () => document.body.innerText.includes(
    `version ${version} saved by Colleague`);
  if (seen()) { window.shownAt = Date.now(); return; }
  new MutationObserver((_, obs) => { if (seen()) { window.shownAt = Date.now(); obs.disconnect(); } })
    .observe(document.body, {subtree: true, childList: true, characterData: true}); }"""


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, from /proc (MB)."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS"))
            todo += [int(c) for c in Path(f"/proc/{current}/task/{current}/children").read_text().split()]
        except (OSError, StopIteration):
            continue
    return total / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--saves", type=int, default=6)
    parser.add_argument("--every", type=float, default=10.0, help="seconds between the colleague's saves")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="bench-workshop-")) / "ws"
    subprocess.run([sys.executable, "-m", "journeys", "--home", str(home), "init", "--demo", "--tickets", "2000"],
                   check=True, capture_output=True)
    server = start_server(home)
    peak, stop = [0.0], threading.Event()

    def sample() -> None:
        while not stop.wait(0.5):
            peak[0] = max(peak[0], rss_mb(server.process.pid))

    threading.Thread(target=sample, daemon=True).start()
    delays: list[float] = []
    missed = 0
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            pages = []
            for i in range(args.pages):
                page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
                page.goto(f"{server.url}/map?journey={quote(DEMO_JOURNEY)}", timeout=180_000)
                page.wait_for_selector(IDLE, timeout=120_000)
                box = page.get_by_placeholder("e.g. Sam from Support")
                box.fill(f"Person {i + 1}")
                box.press("Enter")
                pages.append(page)
            print(f"{args.pages} pages open; server RSS {rss_mb(server.process.pid):,.0f} MB")
            with Store.for_folder(home) as store:
                for _ in range(args.saves):
                    loaded = store.load("demo", DEMO_JOURNEY)
                    for page in pages:
                        page.evaluate(WATCH, loaded.version + 1)
                    edited = loaded.journey.model_copy(update={"description": f"Edited at {time.time():.0f}"})
                    store.save("demo", edited, loaded.version, "Colleague")
                    saved = store.load("demo", DEMO_JOURNEY).saved_at.timestamp()
                    deadline = time.monotonic() + args.every
                    for page in pages:
                        try:
                            page.wait_for_function("() => window.shownAt !== null",
                                                   timeout=max(100, (deadline - time.monotonic()) * 1000))
                            delays.append(page.evaluate("() => window.shownAt") / 1000 - saved)
                        except Exception:  # not shown before the next save: counted, not waited for
                            missed += 1
                    time.sleep(max(0.0, deadline - time.monotonic()))  # the save cadence, not synchronisation
            browser.close()
    finally:
        stop.set()
        stop_server(server)
    shown = sorted(delays)
    p95 = shown[int(0.95 * (len(shown) - 1))] if shown else float("nan")
    print(f"saves: {args.saves} × pages: {args.pages} = {args.saves * args.pages} sightings; "
          f"shown {len(shown)}, not shown within {args.every:.0f} s {missed}")
    print(f"delay save → page: p50 {statistics.median(shown):.2f} s · p95 {p95:.2f} s · max {max(shown):.2f} s "
          f"(budget 3 s)")
    print(f"server peak RSS {peak[0]:,.0f} MB (budget 1,536 MB); cores {os.cpu_count()}")


if __name__ == "__main__":
    main()
