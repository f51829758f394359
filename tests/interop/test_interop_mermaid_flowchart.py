"""The Mermaid flowchart export as text: ids, shapes, edge styles and labels, escaping, and the CLI.

Whether Mermaid itself parses and draws it is tested with Mermaid's own library in
tests/browser/test_mermaid_render_e2e.py; here, what the file says and that no text can break out of it.
"""

from __future__ import annotations

import re

from hypothesis import given

from journeys.demo import DEMO_JOURNEY, demo_journeys
from journeys.interop import EXPORT_FILES, EXPORT_FORMATS, FORMATS, export_journey
from journeys.interop.mermaid_flowchart import label_text, node_ids
from journeys.model import Journey, Step, StepKind, Transition, TransitionKind
from tests.cli.runner import run
from tests.strategies import examples, journeys

_ID = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_LINE = re.compile(r'\s*(subgraph [a-z0-9_]+\["[^"\n]*"\]|end|step_\w+(\["[^"\n]*"\]|\{"[^"\n]*"\}|\(\["[^"\n]*"\]\))'
                   r'|stage_\d+_empty\(\["no steps yet"\]\)|step_\w+ (-->|==>|-\.->|-\.-o)(\|"[^"\n]*"\|)? step_\w+'
                   r'|%% .*)')


def _billing() -> Journey:
    return Journey(name="Billing", stages=["Get help", "Resolve", "Renew"], steps=[
        Step(id="search-help", label="Search help", stage="Get help"),
        Step(id="bot", label="Chat with bot", stage="Get help", kind=StepKind.decision),
        Step(id="agent", label="Agent replies", stage="Resolve"),
        Step(id="done", label="Solved", stage="Resolve", kind=StepKind.outcome),
    ], transitions=[
        Transition(source="search-help", target="bot", share=0.6),
        Transition(source="bot", target="agent", kind=TransitionKind.escalation, share=0.4),
        Transition(source="bot", target="search-help", kind=TransitionKind.fallback),
        Transition(source="agent", target="agent", kind=TransitionKind.retry, share=0.1, label="asks again"),
        Transition(source="agent", target="done"),
    ])


def test_stages_are_subgraphs_steps_nodes_and_edges_keep_kind_and_share() -> None:
    text = export_journey(_billing(), "mermaid-flowchart")
    body = text.split("flowchart LR\n", 1)[1]
    assert text.startswith('---\ntitle: "Billing"\n---\nflowchart LR\n')
    assert [line.strip() for line in body.splitlines() if not line.strip().startswith("%%")] == [
        'subgraph stage_1["Get help"]', 'step_search_help["Search help"]', 'step_bot{"Chat with bot"}', "end",
        'subgraph stage_2["Resolve"]', 'step_agent["Agent replies"]', 'step_done(["Solved"])', "end",
        'subgraph stage_3["Renew"]', 'stage_3_empty(["no steps yet"])', "end",
        'step_search_help -->|"60#37;"| step_bot',
        'step_bot ==>|"escalation #183; 40#37;"| step_agent',
        'step_bot -.->|"fallback"| step_search_help',
        'step_agent -.-o|"retry #183; 10#37; #183; asks again"| step_agent',
        "step_agent --> step_done",
    ]


def test_the_flowchart_is_export_only_and_the_journey_diagram_names_it() -> None:
    assert (*FORMATS, "mermaid-flowchart") == EXPORT_FORMATS and "mermaid-flowchart" not in FORMATS
    assert tuple(EXPORT_FILES) == EXPORT_FORMATS  # every format offered in the app's Export menu
    assert "no transitions" in EXPORT_FILES["mermaid"].help and "keeps" in EXPORT_FILES["mermaid-flowchart"].help
    journey_text = export_journey(_billing(), "mermaid")
    assert ("%% Mermaid's journey diagram has no transitions: this journey's 5 transitions (including escalation, "
            "fallback, retry) and their shares are not in this file. Export mermaid-flowchart to keep them."
            in journey_text)


def test_ids_are_valid_unique_and_stable() -> None:
    journey = Journey(name="n", stages=["s"], steps=[Step(id=i, label=i, stage="s")
                                                   for i in ["end", "o", "x-ray", "a.b", "a-b", "a_b", "a_b_2", "9"]])
    ids = node_ids(journey)
    assert list(ids.values()) == ["step_end", "step_o", "step_x_ray", "step_a_b", "step_a_b_2", "step_a_b_3",
                                  "step_a_b_2_2", "step_9"]
    assert all(_ID.fullmatch(i) for i in ids.values()) and len(set(ids.values())) == len(ids)
    assert node_ids(journey) == ids


def test_label_text_leaves_nothing_that_could_end_the_string_or_start_syntax() -> None:
    assert label_text('a "q" #1; [x] {y} <b>&</b> %%{init}%% `md` |p|') == (
        "a #34;q#34; #35;1#59; #91;x#93; #123;y#125; #60;b#62;#38;#60;/b#62; #37;#37;#123;init#125;#37;#37; "
        "#96;md#96; #124;p#124;")
    assert label_text("Line\nbreak\r\tand\u00a0space\u2028") == "Line break and space"
    assert label_text("お問い合わせ Réclamation 😀") == "お問い合わせ Réclamation #128512;"


@examples(150, deadline=None)
@given(journeys(max_steps=8, notes=False))
def test_every_line_is_one_of_the_forms_mermaid_reads(journey: Journey) -> None:
    text = export_journey(journey, "mermaid-flowchart")
    head, body = text.split("flowchart LR\n", 1)
    assert re.fullmatch(r'---\ntitle: "([A-Za-z0-9 ]|\\u[0-9a-f]{4})*"\n---\n', head)
    lines = body.splitlines()
    assert all(_LINE.fullmatch(line) for line in lines), [ln for ln in lines if not _LINE.fullmatch(ln)]
    assert sum(bool(re.fullmatch(r"\s*step_\w+ [-=.o>]+(\|.*\|)? step_\w+", ln)) for ln in lines) == len(
        journey.transitions)
    ids = node_ids(journey)
    for step in journey.steps:
        assert sum(bool(re.match(rf"\s*{ids[step.id]}[\[{{(]", line)) for line in lines) == 1


def test_cli_writes_the_flowchart_and_warns_about_the_journey_diagram(cli_demo_copy) -> None:
    """The command's output and messages. In-process (tests.cli.runner.run: the console script's parsing, exit
    codes and streams; the process itself is not under test here), on the demo journeys without tickets."""
    home = cli_demo_copy(0)
    flow = run(home, "journey", "export", DEMO_JOURNEY, "--to", "mermaid-flowchart")
    assert flow.returncode == 0, flow.stderr
    assert flow.stdout == export_journey(demo_journeys(7)[0], "mermaid-flowchart")
    assert flow.stderr == ""
    sketch = run(home, "journey", "export", DEMO_JOURNEY, "--to", "mermaid")
    assert sketch.returncode == 0 and "Note: Mermaid's journey diagram has no transitions" in sketch.stderr
    assert "Export mermaid-flowchart to keep them" in sketch.stderr
    helped = run(home, "journey", "export", "--help")
    words = " ".join(helped.stdout.split())  # the help's line breaks depend on the terminal width
    assert "mermaid-flowchart" in words and "has no transitions" in words
