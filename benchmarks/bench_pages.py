"""Server-side time of Journey-map interactions on a 200-step journey.

    python benchmarks/bench_pages.py [--steps 200] [--repeat 15]

Runs the real page through Streamlit's AppTest (the script run on the server,
without a browser) and prints, warm, the median time of:

- an empty page (the baseline: what any rerun costs),
- a bare map rerun (the page redrawn with nothing changed),
- selecting a node on the map,
- saving an edit of the selected step (a store write + a new revision),

in milliseconds and as a ratio to the empty page measured in the same run.
Budget (shared/DESIGN.md): under 150 ms per interaction.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BUDGET_MS = 150


def _time(fn, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    os.environ["JOURNEYS_HOME"] = str(home)
    from streamlit.testing.v1 import AppTest

    from journeys.demo import large_journey
    from journeys.settings import load_settings
    from journeys.store import Store

    journey = large_journey(args.steps, name="Bench journey")
    with Store(load_settings().database_url) as store:
        store.create("demo", journey, "bench")

    empty = AppTest.from_string("import streamlit as st\nst.title('Empty page')", default_timeout=60)
    empty.run()

    app = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
    app.session_state["author"] = "bench"
    app.query_params["journey"] = "Bench journey"
    app.run()
    app.switch_page("pages/map.py")
    app.run()
    assert not app.exception, app.exception

    ids = journey.step_ids()
    counter = {"i": 0}

    def select() -> None:
        counter["i"] += 1
        app.session_state["map_chart"] = {"selection": {"step": [{"id": ids[counter["i"] % len(ids)]}]}}
        app.run()

    def save() -> None:
        step = app.session_state["selected_step"]
        slider_key = f"insp_{step}_emotion"
        current = app.select_slider(key=slider_key).value
        app.select_slider(key=slider_key).set_value(1 if current != 1 else -1)
        app.button(key=f"FormSubmitter:insp_{step}_form-Save step").click()
        app.run()
        assert not app.exception, app.exception

    # Warm up every path once.
    empty.run()
    app.run()
    select()
    save()

    results = {
        "empty page (baseline)": _time(empty.run, args.repeat),
        "map rerun, nothing changed": _time(app.run, args.repeat),
        "select a node": _time(select, args.repeat),
    }
    save_ms = _time(save, args.repeat)
    results["save an edit of the step"] = save_ms
    base = results["empty page (baseline)"]
    print(f"Journey map, {args.steps} steps, {len(journey.transitions)} transitions, median of {args.repeat} warm runs")
    print(f"{'interaction':32} {'ms':>8} {'× empty page':>14}")
    for label, ms in results.items():
        print(f"{label:32} {ms:8.1f} {ms / base:14.1f}")
    worst = max(results["select a node"], results["save an edit of the step"])
    print(f"budget {BUDGET_MS} ms per interaction: {'within' if worst < BUDGET_MS else 'OVER'} (worst {worst:.1f} ms)")


if __name__ == "__main__":
    main()
