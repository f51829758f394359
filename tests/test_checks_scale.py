"""Structural checks on hostile sizes: one finding per loop, bounded messages, the journey size limit.

Speed is benchmarks/bench_checks.py's job; these tests assert results. The linear rewrites of the
checks and path analytics are compared with the obvious per-step definitions (one search per
step, a dense solve, every shortest path) on random journeys.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given

from benchmarks.bench_checks import bot_loop  # the hostile journey: an entry, then a closed bot cycle
from journeys.bounded import some_of
from journeys.demo import current_state_journey, future_state_journey
from journeys.errors import InvalidJourney
from journeys.graph import (
    check,
    expected_reach,
    find_bot_loops,
    find_no_route_to_human,
    most_likely_path,
    to_digraph,
    transition_probabilities,
)
from journeys.interop import import_journey
from journeys.model import MAX_STEPS, MAX_TRANSITIONS, HandledBy, Journey, StepKind, parse_journey
from tests.cli.runner import run
from tests.strategies import examples, journeys


def test_a_10000_step_bot_loop_is_one_finding_with_a_short_message():
    findings = check(bot_loop(10_000))
    loops = [f for f in findings if f.code == "bot_loop"]
    assert len(loops) == 1
    assert len(loops[0].steps) == 10_000  # every step kept for highlighting on the map
    assert len(loops[0].message) < 1_000
    assert "'Bot step 0', 'Bot step 1', 'Bot step 2'" in loops[0].message  # journey order: reads as drawn
    assert "… and 9,990 more" in loops[0].message
    no_route = [f for f in findings if f.code == "no_route_to_human"]
    assert len(no_route) == 1 and len(no_route[0].steps) == 10_000 and len(no_route[0].message) < 1_000
    assert {f.code for f in findings} == {"bot_loop", "no_route_to_human"}


def test_long_labels_are_clipped_in_messages():
    j = bot_loop(3)
    j = j.model_copy(update={"steps": [s.model_copy(update={"label": s.label + " " + "x" * 190}) for s in j.steps]})
    assert all(len(f.message) < 500 for f in check(j))


def _old_bot_loops(g: nx.DiGraph) -> set[frozenset[str]]:
    """The definition, one search per step (the quadratic code these checks replaced)."""
    bots = g.subgraph(n for n in g if g.nodes[n]["handled_by"] == HandledBy.bot)
    found = set()
    for c in nx.strongly_connected_components(bots):
        node = next(iter(c))
        if len(c) == 1 and not bots.has_edge(node, node):
            continue
        reachable = set().union(*(nx.descendants(g, n) for n in c)) - c
        if not any(g.nodes[n]["handled_by"] == HandledBy.human or g.nodes[n]["kind"] == StepKind.outcome
                   for n in reachable):
            found.add(frozenset(c))
    return found


def _old_no_route(g: nx.DiGraph) -> set[str]:
    return {n for n in g if g.nodes[n]["handled_by"] == HandledBy.bot
            and not any(g.nodes[d]["handled_by"] == HandledBy.human for d in nx.descendants(g, n))}


@examples(150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(journeys(max_steps=12, notes=False))
def test_linear_checks_agree_with_the_per_step_definition(journey: Journey):
    g = to_digraph(journey)
    assert {frozenset(f.steps) for f in find_bot_loops(g)} == _old_bot_loops(g)
    flagged = [f.steps for f in find_no_route_to_human(g)]
    assert {n for steps in flagged for n in steps} == _old_no_route(g)
    assert sum(len(s) for s in flagged) == len({n for s in flagged for n in s})  # each step in one finding


def _dense_reach(journey: Journey) -> dict[str, float]:
    """expected_reach as it was: a dense n×n solve."""
    g = to_digraph(journey)
    nodes = list(g.nodes)
    index = {n: i for i, n in enumerate(nodes)}
    e = np.zeros(len(nodes))
    e[index[journey.entry_step()]] = 1.0
    for drop_retries in (False, True):
        p = np.zeros((len(nodes), len(nodes)))
        for (u, v), share in transition_probabilities(g).items():
            if not (drop_retries and g.edges[u, v]["kind"] == "retry"):
                p[index[u], index[v]] = share
        try:
            reach = np.linalg.solve(np.eye(len(nodes)) - p.T, e)
        except np.linalg.LinAlgError:
            continue
        if np.all(np.isfinite(reach)) and reach.min() > -1e-9:
            return {n: float(max(0.0, reach[index[n]])) for n in nodes}
    return {n: math.nan for n in nodes}


@pytest.mark.parametrize("journey", [current_state_journey(), future_state_journey(current_state_journey())],
                         ids=["current", "future"])
def test_sparse_reach_matches_the_dense_solve_on_the_demo(journey: Journey):
    assert expected_reach(journey) == pytest.approx(_dense_reach(journey), rel=1e-9, abs=1e-12)


@examples(100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(journeys(min_steps=1, max_steps=10, notes=False))
def test_most_likely_path_matches_the_all_paths_search(journey: Journey):
    g = to_digraph(journey)
    entry = journey.entry_step()
    weighted = nx.DiGraph()
    weighted.add_nodes_from(g.nodes)
    for (u, v), share in transition_probabilities(g).items():
        if share > 0 and g.edges[u, v]["kind"] != "retry":
            weighted.add_edge(u, v, cost=-math.log(share))
    cost, paths = nx.single_source_dijkstra(weighted, entry, weight="cost")
    ends = [n for n in paths if weighted.out_degree(n) == 0] or list(paths)
    best = min(ends, key=lambda n: (cost[n] - len(paths[n]) * 1e-9, n))
    assert most_likely_path(journey) == paths[best]


def test_some_of_names_a_few_then_counts_the_rest():
    assert some_of(["a", "b"]) == "'a', 'b'"
    listed = some_of([f"label {i} " + "y" * 100 for i in range(10_000)])
    assert listed.endswith("… and 9,990 more") and len(listed) < 400


def _steps(n: int) -> list[dict]:
    return [{"id": f"s{i}", "label": "S", "stage": "A"} for i in range(n)]


def test_a_journey_over_the_step_limit_is_refused_in_words():
    with pytest.raises(InvalidJourney) as error:
        parse_journey({"name": "big", "stages": ["A"], "steps": _steps(MAX_STEPS + 1)})
    assert f"a journey holds at most {MAX_STEPS:,} steps; this one has {MAX_STEPS + 1:,}" in str(error.value)
    with pytest.raises(ValueError, match="at most"):  # built in code, too
        Journey(name="big", stages=["A"], steps=_steps(MAX_STEPS + 1))


def test_transitions_over_the_limit_are_refused():
    data = {"name": "dense", "stages": ["A"], "steps": _steps(2),
            "transitions": [{"source": "s0", "target": "s1"}] * (MAX_TRANSITIONS + 1)}
    with pytest.raises(InvalidJourney, match=f"at most {MAX_TRANSITIONS:,} transitions"):
        parse_journey(data)


def test_a_100000_task_mermaid_file_is_refused_without_reading_it_all():
    text = "journey\n  title Big\n  section A\n" + "".join(f"    T{i}: 3: customer\n" for i in range(100_000))
    with pytest.raises(InvalidJourney) as error:
        import_journey(text, fmt="mermaid")
    assert f"at most {MAX_STEPS:,} steps" in str(error.value)


def test_cli_refuses_a_100000_step_journey_file_in_words(tmp_path: Path):
    path = tmp_path / "huge.json"
    path.write_text(json.dumps({"name": "huge", "stages": ["A"], "steps": _steps(100_000)},
                               separators=(",", ":")))
    assert path.stat().st_size < 5 * 1024 * 1024  # under the file cap: the step limit is what refuses it
    out = run(tmp_path / "ws", "journey", "import", str(path))
    assert out.returncode == 2
    assert f"a journey holds at most {MAX_STEPS:,} steps; this one has 100,000" in out.stderr
    assert json.loads(run(tmp_path / "ws", "journey", "list", "--format", "json").stdout or "[]") == []


def test_the_overview_counts_follow_each_saved_revision(tmp_path: Path):
    """The Overview checks a revision once (it shows on every visit); a new save is checked again."""
    from journeys.glance import overview
    from journeys.store import Store

    current = current_state_journey()
    with Store.for_folder(tmp_path) as store:
        store.create("w", current, "t")
        assert [(r.errors, r.warnings) for r in overview(store, "w")] == [(2, 0)]
        assert [(r.errors, r.warnings) for r in overview(store, "w")] == [(2, 0)]
        fixed = future_state_journey(current).model_copy(update={"name": current.name})
        store.save("w", fixed, expected_version=1, author="t")
        assert [(r.errors, r.warnings) for r in overview(store, "w")] == [(0, 0)]
