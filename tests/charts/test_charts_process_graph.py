"""The directly-follows graph drawing (journeys.charts.process_graph): layout rules that keep it readable,
checked on the demo log and on a synthetic 50-activity log (ten stages of five activities, with skips, loops
back and jumps)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from itertools import combinations, pairwise
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from journeys.charts import export_chart, mark_count
from journeys.charts.process_graph import (
    BOX_W,
    DUMMY_W,
    MAX_EDGES,
    MAX_LABELS,
    MAX_PER_ROW,
    dfg_chart,
    dfg_frames,
    dfg_layout,
    variant_chains,
)
from journeys.demo.event_log import write_demo_log
from journeys.discover import LogFilter, dfg, import_log, variants

KINDS = ["Review application", "Check documents", "Call customer", "Send reminder", "Escalate to manager"]


def synthetic_log(path: Path, cases: int = 3000, stages: int = 10, seed: int = 3) -> Path:
    """50 activities: each case walks ten stages, picking one of five activities per stage (skewed), sometimes
    going back a stage, skipping one, or jumping anywhere."""
    rng = np.random.default_rng(seed)
    weights = np.array([0.5, 0.2, 0.15, 0.1, 0.05])
    rows = []
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for case in range(cases):
        when = start + timedelta(minutes=int(rng.integers(0, 100_000)))
        stage = steps = 0
        while stage < stages and steps < 40:
            kind = KINDS[rng.choice(len(KINDS), p=weights)]
            rows.append((f"c{case}", f"Stage {stage + 1:02d}: {kind}", when.isoformat()))
            when += timedelta(minutes=int(rng.integers(1, 500)))
            steps += 1
            u = rng.random()
            stage = (stage - 1 if u < 0.08 and stage > 0 else stage + 2 if u < 0.16 else
                     int(rng.integers(0, stages)) if u < 0.19 else stage + 1)
    pd.DataFrame(rows, columns=["case", "activity", "timestamp"]).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def fifty(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("dfg50")
    import_log(synthetic_log(folder / "fifty.csv"), folder / "fifty.parquet")
    return folder / "fifty.parquet"


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("dfgdemo")
    import_log(write_demo_log(folder / "demo.csv", cases=3000), folder / "demo.parquet")
    return folder / "demo.parquet"


def _check_readable(graph) -> dict:
    f = dfg_frames(graph)
    layout, nodes, edges = f["layout"], f["nodes"], f["edges"]
    assert set(nodes["activity"]) == set(graph.activities["activity"])  # every activity has a box
    for _, row in nodes.groupby("row"):
        assert len(row) <= MAX_PER_ROW
        xs = sorted(row["x"])
        assert all(b - a >= 1 - 1e-6 for a, b in pairwise(xs))  # boxes never overlap
    assert nodes["x"].abs().max() <= layout.slots / 2
    pos = {a: (x, r) for a, x, r in zip(nodes["activity"], nodes["x"], nodes["row"], strict=True)}
    for e in edges.itertuples(index=False):
        if not e.back:
            assert pos[e.target][1] > pos[e.source][1]  # forward edges point down
    for (s, t), bends in layout.bends.items():  # a long edge passes each row in between beside the boxes
        assert [r for _, r in bends] == list(range(int(pos[s][1]) + 1, int(pos[t][1])))
        for x, r in bends:
            boxes = nodes.loc[nodes["row"] == r, "x"]
            assert ((boxes - x).abs() >= (1 + DUMMY_W) / 2 - 1e-6).all()
    assert len(edges) <= MAX_EDGES
    labels = edges[edges["label"] != ""]
    assert len(labels) <= MAX_LABELS
    for a, b in combinations(labels[["lx", "ly"]].itertuples(index=False), 2):
        assert abs(a.lx - b.lx) >= 0.3 or abs(a.ly - b.ly) >= 0.16  # count labels never sit on each other
    return f


def test_fifty_activities_are_laid_out_readably(fifty):
    graph = dfg(fifty)
    assert len(graph.activities) == 50 and len(graph.edges) > MAX_EDGES  # a dense log: more edges than drawn
    f = _check_readable(graph)
    assert f["layout"].rows <= 12  # ten stages: about one row each
    assert f["drawn"] == MAX_EDGES and f["total"] > MAX_EDGES
    chart = dfg_chart(graph)
    spec = chart.to_dict()  # validated against the Vega-Lite schema
    assert mark_count(spec) < 2000  # Streamlit draws it as SVG (hover, find by text)
    png = export_chart(chart.properties(width=1100), "png", scale=1)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 50_000


def test_a_minimum_edge_frequency_thins_the_fifty_activity_graph(fifty):
    graph = dfg(fifty, LogFilter(min_edge_frequency=100))
    f = _check_readable(graph)
    assert f["drawn"] == f["total"] < MAX_EDGES  # everything kept is drawn


def test_the_demo_map_runs_top_to_bottom_with_loops_drawn_back(demo):
    graph = dfg(demo)
    f = _check_readable(graph)
    rows = dict(zip(f["nodes"]["activity"], f["nodes"]["row"], strict=True))
    assert [rows["In-app billing alert"], rows["Notices wrong invoice"], rows["Login"]] == [0, 1, 2]
    assert ("Password reset", "Login") in f["layout"].back_edges  # the password loop goes back up
    assert list(f["start_edges"]["target"]) == ["In-app billing alert"]
    nodes = f["nodes"].set_index("activity")
    assert nodes.loc["Subscription renewed", "stats"].endswith("end")  # where cases end is marked
    widths = f["edges"].set_index(["source", "target"])["width"]
    assert widths[("In-app billing alert", "Notices wrong invoice")] == widths.max()  # width by frequency
    assert all(math.isclose(b, BOX_W) for b in nodes["x1"] - nodes["x0"])


def test_the_layout_is_deterministic_and_copes_with_empty_and_loop_only_graphs(demo):
    graph = dfg(demo)
    assert dfg_layout(graph).nodes.equals(dfg_layout(graph).nodes)
    empty = dfg(demo, LogFilter(start=datetime(2030, 1, 1, tzinfo=UTC)))
    assert empty.events == 0
    dfg_chart(empty).to_dict()
    lonely = dfg(demo, LogFilter(segment="x_channel", segment_values=("web",)))  # single-step cases
    dfg_chart(lonely).to_dict()


def test_variant_chains_draw_one_row_per_variant(demo):
    table = variants(demo, top=20).table
    chart = variant_chains(table, top=8, max_steps=6)
    spec = chart.to_dict()
    rows = [r for layer in spec["layer"] for r in (spec["datasets"].get(layer["data"]["name"], [])
                                                   if "name" in layer.get("data", {}) else [])]
    heads = {r["text"] for r in rows if str(r.get("text", "")).startswith("#")}
    assert len(heads) == 8 and any("#1 · " in h for h in heads)
    longest = int(table.head(8)["length"].max())
    if longest > 6:
        assert any(str(r.get("text", "")).startswith("+") for r in rows)  # long variants end in "+N more"
