"""Mermaid ``flowchart`` export (https://mermaid.js.org/syntax/flowchart.html): the journey *as a graph*.

Mermaid's ``journey`` diagram (:mod:`journeys.interop.mermaid`) has no transitions, so escalations,
fallbacks, retries and shares are lost there. This export keeps them, for wikis, READMEs and slides
that render Mermaid::

    ---
    title: "Get help with billing"
    ---
    flowchart LR
        subgraph stage_1["Get help"]
            step_search["Search help centre"]
            step_bot{"Chat with bot"}
        end
        step_search -->|"60%"| step_bot
        step_bot ==>|"escalation · 40%"| step_agent

Mapping
    stage → ``subgraph`` (every stage, in order; ids ``stage_1`` …; a stage without steps holds one
    "no steps yet" node ``stage_<n>_empty``, as Mermaid draws no box for an empty one); step → node inside its stage's
    subgraph, in flow order (as the journey export's tasks); shape by kind: touchpoint ``["…"]``,
    decision ``{"…"}``, outcome ``(["…"])``. Transition → edge, in the journey's order, drawn by kind:
    normal ``-->``, escalation ``==>`` (thick), fallback ``-.->`` (dotted), retry ``-.-o`` (dotted with
    a circle end); its label says the kind (not for normal), the share (``40%``) when known, and the
    transition's own label, joined by `` · ``.

Ids
    ``step_`` + the step id with every character outside ``[A-Za-z0-9_]`` turned into ``_`` (the
    prefix keeps clear of Mermaid keywords such as ``end`` and of ids starting with ``o``/``x``,
    which Mermaid reads as edge ends); a clash gets ``_2``, ``_3`` … in step order. The same journey
    always gives the same ids.

Text
    Every label is written in double quotes. Line breaks, other control characters and every kind of
    space become plain spaces (Mermaid 11 drops a whole label holding ``#160;``, a no-break space);
    letters and digits of any script, spaces and ``.,-_'!?()/+`` are written as they are; every other
    character becomes Mermaid's entity code ``#<code point>;`` (``"`` → ``#34;``, ``#`` → ``#35;``,
    ``<`` → ``#60;``), so no text can end the string, open a directive (``%%{``), start a comment or
    inject HTML: Mermaid shows it as text. The journey name is the front matter's ``title`` as a
    double-quoted YAML string with every character outside letters, digits and spaces ``\\u``-escaped.

Limits
    Mermaid refuses diagrams over 50,000 characters or 500 edges by default (``maxTextSize``,
    ``maxEdges``, settable only by the site embedding Mermaid); a journey that large needs them raised.
"""

from __future__ import annotations

import re

from journeys.interop.mermaid import task_order
from journeys.model import Journey, Step, StepKind, TransitionKind

ARROWS = {
    TransitionKind.normal: "-->",
    TransitionKind.escalation: "==>",
    TransitionKind.fallback: "-.->",
    TransitionKind.retry: "-.-o",
}
_SHAPES = {StepKind.touchpoint: ('["', '"]'), StepKind.decision: ('{"', '"}'), StepKind.outcome: ('(["', '"])')}
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_PLAIN_PUNCTUATION = frozenset(".,-_'!?()/+ ")
_ID_UNSAFE = re.compile(r"[^A-Za-z0-9_]")
HEADER = ("%% Mermaid flowchart exported by journeys: stages are subgraphs, steps are nodes (touchpoint box, "
          "decision diamond, outcome pill), transitions are edges labelled kind · share · label.")
LEGEND = ("%% Edges: normal -->, escalation ==> (thick), fallback -.-> (dotted), retry -.-o (dotted, circle end); "
          "an edge without a kind in its label is normal.")


def label_text(text: str) -> str:
    """Text for inside a Mermaid ``"…"`` string: one line, anything but plain letters as entity codes."""
    one_line = "".join(" " if c.isspace() else c for c in _CONTROL.sub(" ", text)).strip()
    return "".join(c if c.isalnum() or c in _PLAIN_PUNCTUATION else f"#{ord(c)};" for c in one_line)


def _yaml_string(text: str) -> str:
    """A double-quoted YAML scalar that no Mermaid pre-processing (directives, comments, tags) can touch."""
    one_line = _CONTROL.sub(" ", text).strip()
    return '"' + "".join(c if (c.isalnum() and c.isascii()) or c == " " else _u_escape(c) for c in one_line) + '"'


def _u_escape(c: str) -> str:
    encoded = c.encode("utf-16-be")
    return "".join(f"\\u{int.from_bytes(encoded[i:i + 2]):04x}" for i in range(0, len(encoded), 2))


def node_ids(journey: Journey) -> dict[str, str]:
    """Step id → a valid, unique Mermaid node id (see the module notes)."""
    ids: dict[str, str] = {}
    taken: set[str] = set()
    for step in journey.steps:
        base = "step_" + _ID_UNSAFE.sub("_", step.id)
        candidate, n = base, 1
        while candidate in taken:
            n += 1
            candidate = f"{base}_{n}"
        taken.add(candidate)
        ids[step.id] = candidate
    return ids


def _node(step: Step, node_id: str) -> str:
    opening, closing = _SHAPES.get(step.kind, _SHAPES[StepKind.touchpoint])
    return f"{node_id}{opening}{label_text(step.label) or 'Untitled step'}{closing}"


def edge_words(kind: TransitionKind, share: float | None, label: str = "") -> str:
    """An edge's label in words: "escalation · 40% · <label>" (empty for an unlabelled normal edge)."""
    parts = [] if kind == TransitionKind.normal else [kind.value]
    if share is not None:
        parts.append(f"{share:.0%}")
    if label.strip():
        parts.append(label)
    return " · ".join(parts)


def export_mermaid_flowchart(journey: Journey) -> str:
    """The journey as a Mermaid ``flowchart``: stages as subgraphs, transitions as edges with kind and share."""
    ids = node_ids(journey)
    title = _yaml_string(journey.name) if _CONTROL.sub("", journey.name).strip() else '"Untitled journey"'
    lines = ["---", f"title: {title}", "---",
             "flowchart LR", f"    {HEADER}", f"    {LEGEND}"]
    by_stage = dict(task_order(journey))
    stages = list(dict.fromkeys([*journey.stages, *by_stage]))
    for i, stage in enumerate(stages, start=1):
        lines.append(f'    subgraph stage_{i}["{label_text(stage) or "Unnamed stage"}"]')
        steps = by_stage.get(stage, [])
        lines += [f"        {_node(step, ids[step.id])}" for step in steps]
        if not steps:  # Mermaid draws an empty subgraph as a lone node, not as a box: hold the stage open
            lines.append(f'        stage_{i}_empty(["no steps yet"])')
        lines.append("    end")
    for t in journey.transitions:
        words = edge_words(t.kind, t.share, t.label)
        link = f'{ARROWS[t.kind]}|"{label_text(words)}"|' if words else ARROWS[t.kind]
        lines.append(f"    {ids[t.source]} {link} {ids[t.target]}")
    return "\n".join(lines) + "\n"
