"""Mermaid exports judged by Mermaid itself: its own library (npm ``mermaid``, pinned in package.json) parses
and renders each export in headless Chromium, and the rendered SVG shows every step, stage and transition —
for the journey diagram, every task, section, actor and the title with exactly our text (hostile labels too).

``./run.sh test`` installs the library with ``npm ci`` when node_modules is missing. One page, loaded once per
module, renders every diagram (hypothesis examples included), so the run stays short.
"""

from __future__ import annotations

import re
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given

from journeys.demo import demo_journeys
from journeys.interop import export_journey, import_journey
from journeys.interop.mermaid import actor_text, task_order, written_actors
from journeys.interop.mermaid_flowchart import label_text, node_ids
from journeys.model import Journey, Step, Transition, TransitionKind
from journeys.templates import TEMPLATES, from_template
from tests.browser.conftest import ROOT
from tests.strategies import REALISTIC_LABELS, examples, journeys
from tests.tickets.samples.mermaid_journey import docs_example, skeleton, wiki_page

pytestmark = pytest.mark.browser  # headless Chromium: not in the fast tier (-m "not browser")

MERMAID_JS = ROOT / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"
FEW = examples(25, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],  # no shrinking:
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
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
            tasks: texts('text.legend, .task-line + text, g.task text'), svgText: doc.documentElement.textContent,
            drawn: [...doc.querySelectorAll('text')].map((el) => [el.getAttribute('class') || '', el.textContent])};
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
    """How a label reads once drawn: one line, whitespace runs as one space (HTML labels collapse them).

    Unicode spaces (no-break space, em space …) are not "printable" to Python but are drawn as spaces, so they
    count as whitespace here before anything unprintable is dropped."""
    one_line = re.sub(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]", " ", text)
    drawn = "".join(c if c.isprintable() else " " if c.isspace() else "" for c in one_line)
    return re.sub(r"\s+", " ", drawn).strip()


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
        assert "no transitions" in export_journey(journey, "mermaid")
        assert_journey_drawn(mermaid_page, journey)


@FEW
@given(journeys(min_steps=1, max_steps=8, notes=False))
def test_generated_journey_diagrams_render(mermaid_page, journey: Journey) -> None:
    assert_journey_drawn(mermaid_page, journey)


def same(text: str) -> str:
    """Text as compared with the drawing: C0 controls (which the export turns into spaces) and whitespace runs as
    one space — every other character, C1 controls and unassigned code points included, must be drawn as is."""
    return re.sub(r"\s+", " ", re.sub(r"[\x00-\x1f\x7f]", " ", text)).strip()


def _unwrapped(text: str) -> str:
    return re.sub(r"[\s-]", "", text)


def assert_journey_drawn(mermaid_page, journey: Journey) -> dict[str, Any]:
    """Mermaid itself draws every task, section, actor and the title with exactly our text (no parser of ours)."""
    text = export_journey(journey, "mermaid")
    drawn = render(mermaid_page, text)
    assert drawn["type"] == "journey"
    by_class: dict[str, list[str]] = {}
    for cls, content in drawn["drawn"]:
        by_class.setdefault(cls.split()[0] if cls else "", []).append(same(content))
    sections = task_order(journey)
    steps = [step for _, steps in sections for step in steps]
    assert by_class.get("task", []) == [same(s.label) or "Untitled step" for s in steps], text
    # Mermaid draws a section's name once per run of its tasks, and nothing for a section without tasks
    assert by_class.get("journey-section", []) == [same(stage) or "Unnamed stage" for stage, tasks in sections
                                                   if tasks], text
    # The legend lists the actors sorted as JavaScript sorts (UTF-16 code units) the names as Mermaid holds them
    # (entity codes as its placeholders, '#60;' as 'ﬂ°°60¶ß'), a long name wrapped over lines (a long word broken
    # with '-'): compared without spaces and hyphens, and whole for short names.
    def held(actor: str) -> bytes:
        written = re.sub(r"#(\d+);", "ﬂ°°\\1¶ß", actor_text(actor))
        return same(written).encode("utf-16-be")

    actors = sorted({same(a) for step_actors in written_actors(journey).values() for a in step_actors}, key=held)
    legend = by_class.get("legend", [])
    assert "".join(map(_unwrapped, legend)) == "".join(map(_unwrapped, actors)), text
    assert {a for a in actors if len(a) < 20 and " " not in a} <= set(legend), text
    assert (same(journey.name) or "Untitled journey") in by_class.get("", []), text
    return drawn


HOSTILE = ["%50 off", "%% not a comment", "a%%b", "Step 1: sign in", "C# intro", "Semi; colon", "#58; literal",
           "#quot; and #35;", "&amp; kept", "<b>bold</b>", "<img src=x onerror=alert(1)>", '"quoted" \'single\'',
           "50% done", "😀 emoji ♥", "x #35; y", "title search", "section 8", "accTitle: x", "journey", ":", "#", ";",
           "%", "a: b: c", "Comma, separated", "%%{init: {'theme': 'dark'}}%%"]


def test_hostile_labels_are_drawn_exactly_in_the_journey_diagram(mermaid_page) -> None:
    steps = [Step(id=f"s{i}", label=label, stage=["%Use: now", "Get #help;", "Renew"][i % 3],
                  lane=["customer", "frontstage"][i % 2]) for i, label in enumerate(HOSTILE)]
    journey = Journey(name="%T: #1; \"q\" <b>x</b> 😀", stages=["%Use: now", "Get #help;", "Renew", "Later"],
                      personas=["Ana, tier 1", "%P", "Cat#58;", "Me; you", "__proto__", "constructor"], steps=steps)
    drawn = assert_journey_drawn(mermaid_page, journey)
    assert "<img" in drawn["svgText"]  # shown as text, not an element
    page, _ = mermaid_page
    assert page.evaluate("document.querySelectorAll('img').length") == 0


def test_imported_actors_are_drawn_as_written(mermaid_page) -> None:
    diagram = docs_example()
    journey = import_journey(diagram.text, "mermaid")
    drawn = assert_journey_drawn(mermaid_page, journey)
    assert sorted(t for c, t in drawn["drawn"] if c == "legend") == ["Cat", "Me"]  # no lane added as an actor
    wiki = import_journey(wiki_page(1).text, "mermaid")
    assert_journey_drawn(mermaid_page, wiki)
    assert_journey_drawn(mermaid_page, import_journey(skeleton(["Discover", "Use"]).text, "mermaid"))


def test_the_library_is_the_pinned_one() -> None:
    import json

    pinned = json.loads((ROOT / "package.json").read_text())["devDependencies"]["mermaid"]
    installed = json.loads((ROOT / "node_modules" / "mermaid" / "package.json").read_text())["version"]
    assert installed == pinned, "node_modules is out of date: run `npm ci`"
    assert Path(MERMAID_JS).stat().st_size > 1_000_000


# ---------------------------------------------------------------- the map: a wiki file as a new revision


@pytest.mark.parametrize(("width", "height"), [(1440, 900), (1280, 800)])
def test_the_map_imports_a_wiki_file_as_a_new_revision(fresh_server, page_factory, tmp_path, width, height) -> None:
    from urllib.parse import quote

    from playwright.sync_api import expect

    from journeys.demo import DEMO_JOURNEY
    from journeys.diff import diff_journeys
    from journeys.settings import load_settings
    from journeys.store import Store
    from tests.browser.conftest import shot, wait_idle, watch_errors
    from ui.journey_admin import REVISION

    page = page_factory(width, height)
    errors = watch_errors(page)
    page.goto(f"{fresh_server.url}/map?journey={quote(DEMO_JOURNEY)}")
    wait_idle(page)
    expect(page.get_by_text("version 1 saved by")).to_be_visible()
    box = page.get_by_placeholder("e.g. Sam from Support")
    box.fill("Wiki editor")
    box.press("Enter")
    expect(page.get_by_text("Working as Wiki editor")).to_be_visible()
    store = Store(load_settings(home=fresh_server.home).database_url)
    head = store.load("demo", DEMO_JOURNEY).journey
    wiki = tmp_path / "billing.mmd"
    wiki.write_text(export_journey(head, "mermaid") + "    section Renew\n      Renews yearly#58; online: 5: "
                    "Account owner\n    %% edited in the wiki\n")
    page.get_by_role("button", name="New journey").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("tab", name="From a file").click()
    dialog.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(wiki))
    expect(dialog.get_by_text("billing.mmd")).to_be_visible()
    wait_idle(page)  # the upload's run redraws the dialog: a click during it can be lost (seen in a loaded run)
    dialog.get_by_text(REVISION).click()
    expect(dialog.get_by_placeholder("name from the file")).to_have_count(0)  # a revision keeps the name
    wait_idle(page)
    shot(page, f"import-as-revision-dialog-{width}")
    dialog.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_text(f"as version 2 of '{DEMO_JOURNEY}'")).to_be_visible()
    expect(page.get_by_text("version 2 saved by Wiki editor")).to_be_visible()
    shot(page, f"import-as-revision-saved-{width}")
    [newest, _] = store.history("demo", DEMO_JOURNEY)
    assert (newest.author, newest.message) == ("Wiki editor", "Imported from billing.mmd")
    changes = diff_journeys(head, store.load("demo", DEMO_JOURNEY).journey)
    assert [s.label for s in changes.added_steps] == ["Renews yearly: online"] and not changes.removed_steps
    assert not errors, errors
