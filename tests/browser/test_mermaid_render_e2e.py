"""Mermaid exports judged by Mermaid itself: its own library (npm ``mermaid``, pinned in package.json) parses
and renders each export in headless Chromium, and the rendered SVG shows every step, stage and transition.

``./run.sh test`` installs the library with ``npm ci`` when node_modules is missing. One page, loaded once per
module, renders every diagram (hypothesis examples included), so the run stays short.
"""

from __future__ import annotations

import re
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings

from journeys.demo import demo_journeys
from journeys.interop import export_journey
from journeys.interop.mermaid import task_order
from journeys.interop.mermaid_flowchart import label_text, node_ids
from journeys.model import Journey, Step, Transition, TransitionKind
from journeys.templates import TEMPLATES, from_template
from tests.browser.conftest import ROOT
from tests.strategies import REALISTIC_LABELS, journeys

MERMAID_JS = ROOT / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"
FEW = settings(max_examples=25, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],  # no shrinking:
               suppress_health_check=[HealthCheck.too_slow,
                                                                    HealthCheck.function_scoped_fixture])
_RENDER = """async ([id, text]) => {
  try {
    const parsed = await mermaid.parse(text);
    const {svg} = await mermaid.render(id, text);
    const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
    const texts = (selector) => [...doc.querySelectorAll(selector)].map((el) => el.textContent);
    return {ok: true, type: parsed.diagramType,
            nodes: [...doc.querySelectorAll('g.node')].map((n) => [n.id, n.textContent]),
            edges: [...doc.querySelectorAll('g.edgePaths > path')].map((e) => e.id),
            clusters: [...doc.querySelectorAll('g.cluster')].map((c) => [c.id, c.textContent]),
            tasks: texts('text.legend, .task-line + text, g.task text'), svgText: doc.documentElement.textContent};
  } catch (error) {
    return {ok: false, error: String(error && error.message || error)};
  }
}"""


@pytest.fixture(scope="module")
def mermaid_page(browser):
    if not MERMAID_JS.exists():
        pytest.fail(f"{MERMAID_JS} is missing: run `npm ci` (./run.sh test does it)")
    context = browser.new_context()
    page = context.new_page()
    page.set_content("<!doctype html><html><body></body></html>")
    page.add_script_tag(path=str(MERMAID_JS))
    page.evaluate("mermaid.initialize({startOnLoad: false, securityLevel: 'strict'})")
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page, errors
    context.close()


_count = [0]


def render(mermaid_page, text: str) -> dict[str, Any]:
    page, errors = mermaid_page
    _count[0] += 1
    result = page.evaluate(_RENDER, [f"d{_count[0]}", text])
    assert result["ok"], f"Mermaid refused the export: {result['error']}\n{text}"
    assert not errors, errors
    return result


def shown(text: str) -> str:
    """How a label reads once drawn: one line, whitespace runs as one space (HTML labels collapse them)."""
    one_line = re.sub(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]", " ", text)
    return re.sub(r"\s+", " ", "".join(c for c in one_line if c.isprintable())).strip()


def assert_flowchart_drawn(mermaid_page, journey: Journey) -> None:
    """Every step a node with its label, every stage a cluster with its name, one edge per transition."""
    drawn = render(mermaid_page, export_journey(journey, "mermaid-flowchart"))
    assert drawn["type"] == "flowchart-v2"
    ids = node_ids(journey)
    nodes = {re.sub(r"^d\d+-flowchart-(.*)-\d+$", r"\1", node_id): text for node_id, text in drawn["nodes"]}
    for step in journey.steps:
        assert ids[step.id] in nodes, step.id
        assert shown(nodes[ids[step.id]]) == (shown(step.label) if label_text(step.label) else "Untitled step")
    stages = list(dict.fromkeys([*journey.stages, *(s.stage for s in journey.steps)]))
    clusters = {re.sub(r"^d\d+-", "", cluster_id): text for cluster_id, text in drawn["clusters"]}
    assert len(clusters) == len(stages)
    for i, stage in enumerate(stages, start=1):
        assert shown(stage) in shown(clusters[f"stage_{i}"]) or not shown(stage)
    assert len(drawn["edges"]) == len(journey.transitions)


# ---------------------------------------------------------------- flowchart


def test_the_demo_journeys_render_with_every_step_stage_and_transition(mermaid_page) -> None:
    for journey in demo_journeys(7):
        assert_flowchart_drawn(mermaid_page, journey)


@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_every_template_renders(mermaid_page, template: str) -> None:
    assert_flowchart_drawn(mermaid_page, from_template(template, f"From {template}"))


def test_hostile_labels_are_shown_as_text_not_run(mermaid_page) -> None:
    hostile = [*REALISTIC_LABELS, '"]; click a call alert(1)', "end", "%%{init: {'theme': 'dark'}}%%",
               "<img src=x onerror=alert(1)>", "subgraph x", "A --> B", "#quot; #35;", "o", "x-ray"]
    steps = [Step(id=f"s{i}", label=label, stage="Get help" if i % 2 else "Use") for i, label in enumerate(hostile)]
    kinds = list(TransitionKind)
    journey = Journey(name="%%{init: {'theme': 'dark'}}%% <b>x</b> \"q\" 😀", stages=["Use", "Get help"],
                      steps=steps, transitions=[Transition(source=a.id, target=b.id, kind=kinds[i % 4],
                                                           share=0.25 if i % 3 else None, label=hostile[i])
                                                for i, (a, b) in enumerate(pairwise(steps))])
    assert_flowchart_drawn(mermaid_page, journey)
    drawn = render(mermaid_page, export_journey(journey, "mermaid-flowchart"))
    assert "<img" in drawn["svgText"] or "alert(1)" in drawn["svgText"]  # shown as text
    page, _ = mermaid_page
    assert page.evaluate("document.querySelectorAll('img').length") == 0


@FEW
@given(journeys(min_steps=1, max_steps=8, notes=False))
def test_generated_journeys_render(mermaid_page, journey: Journey) -> None:
    assert_flowchart_drawn(mermaid_page, journey)


# ---------------------------------------------------------------- the journey diagram


def test_the_journey_diagram_renders_every_task_and_says_it_has_no_transitions(mermaid_page) -> None:
    for journey in [*demo_journeys(7), *(from_template(t, t) for t in sorted(TEMPLATES))]:
        text = export_journey(journey, "mermaid")
        assert "no transitions" in text
        drawn = render(mermaid_page, text)
        assert drawn["type"] == "journey"
        for _, steps in task_order(journey):
            for step in steps:
                assert shown(step.label) in drawn["svgText"]


@FEW
@given(journeys(min_steps=1, max_steps=8, notes=False))
def test_generated_journey_diagrams_render(mermaid_page, journey: Journey) -> None:
    drawn = render(mermaid_page, export_journey(journey, "mermaid"))
    assert drawn["type"] == "journey"


def test_the_library_is_the_pinned_one() -> None:
    import json

    pinned = json.loads((ROOT / "package.json").read_text())["devDependencies"]["mermaid"]
    installed = json.loads((ROOT / "node_modules" / "mermaid" / "package.json").read_text())["version"]
    assert installed == pinned, "node_modules is out of date: run `npm ci`"
    assert Path(MERMAID_JS).stat().st_size > 1_000_000
