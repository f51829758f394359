"""Graphviz DOT text for a directly-follows graph and for conformance on a journey's steps.

Plain text, no Graphviz dependency: ``dot -Tsvg`` or any DOT viewer draws it. Edge widths grow with
frequency (log scale); labels carry the count and the median time between the two events.
Conformance colours designed transitions grey (dotted when nobody took them), undesigned ones red
and dashed, loops orange.
"""

from __future__ import annotations

import math

from journeys.discover.conformance import Conformance
from journeys.discover.dfg import DFG
from journeys.model import Journey

START, END = "__start__", "__end__"


def quote(text: str) -> str:
    """A DOT string literal (quotes, backslashes and line breaks escaped)."""
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\r", " ").replace("\n", "\\n") + '"'


def duration(seconds: float | None) -> str:
    """A short human duration: 45s, 12m, 3.2h, 2.1d (empty when unknown)."""
    if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)):
        return ""
    s = float(seconds)
    if s < 60:
        return f"{s:.0f}s"
    if s < 3600:
        return f"{s / 60:.0f}m"
    if s < 86400:
        return f"{s / 3600:.1f}h"
    return f"{s / 86400:.1f}d"


def _width(n: int, top: int) -> float:
    return round(1 + 4 * math.log1p(n) / math.log1p(max(top, 1)), 2)


def dfg_dot(graph: DFG, title: str = "") -> str:
    """The DFG with artificial start and end nodes; activities labelled with their event counts."""
    lines = ["digraph dfg {", "  rankdir=LR;", '  node [shape=box, style="rounded,filled", fillcolor="#f4f6f8"];']
    if title:
        lines.append(f"  label={quote(title)}; labelloc=t;")
    lines.append(f'  {quote(START)} [label="start", shape=circle, fillcolor="#8fd19e"];')
    lines.append(f'  {quote(END)} [label="end", shape=doublecircle, fillcolor="#f1a7a7"];')
    for a, n in zip(graph.activities["activity"], graph.activities["events"], strict=True):
        label = quote(f"{a}\n{int(n):,}")
        lines.append(f"  {quote(a)} [label={label}];")
    top = int(graph.edges["frequency"].max()) if len(graph.edges) else 1
    for edge in graph.edges.to_dict("records"):
        took = duration(edge["median_seconds"])
        label = f"{int(edge['frequency']):,}" + (f" · {took}" if took else "")
        lines.append(f"  {quote(edge['source'])} -> {quote(edge['target'])} [label={quote(label)}, "
                     f"penwidth={_width(int(edge['frequency']), top)}];")
    for a, n in zip(graph.starts["activity"], graph.starts["cases"], strict=True):
        lines.append(f'  {quote(START)} -> {quote(a)} [label={quote(f"{int(n):,}")}, style=dashed];')
    for a, n in zip(graph.ends["activity"], graph.ends["cases"], strict=True):
        lines.append(f'  {quote(a)} -> {quote(END)} [label={quote(f"{int(n):,}")}, style=dashed];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def conformance_dot(result: Conformance, journey: Journey) -> str:
    """The journey's steps with observed volumes: designed (grey, dotted if unused), undesigned (red), loops."""
    lines = ["digraph conformance {", "  rankdir=LR;",
             '  node [shape=box, style="rounded,filled", fillcolor="#f4f6f8"];',
             f"  label={quote(f'{journey.name}: {result.designed_share:.1%} of transitions as designed')}; "
             "labelloc=t;"]
    for s in journey.steps:
        lines.append(f"  {quote(s.id)} [label={quote(s.label)}];")
    loops = {(r.source, r.target) for r in result.loops.itertuples(index=False)}
    every = [*result.designed["events"], *result.undesigned["events"]]
    top = int(max(every)) if every else 1
    for row in result.designed.to_dict("records"):
        source, target, events = row["source"], row["target"], int(row["events"])
        colour = "#e07b00" if (source, target) in loops else "#7a7a7a"
        style = "dotted" if events == 0 else "solid"
        observed, expected = row["observed_share"], row["expected_share"]
        share = "" if math.isnan(observed) else f" ({observed:.0%}"
        share += "" if not share else (f" vs {expected:.0%})" if not math.isnan(expected) else ")")
        lines.append(f"  {quote(source)} -> {quote(target)} [label={quote(f'{events:,}{share}')}, "
                     f"color={quote(colour)}, style={style}, penwidth={_width(events, top)}];")
    for row in result.undesigned.to_dict("records"):
        colour, events = ("#e07b00" if row["loop"] else "#d62728"), int(row["events"])
        lines.append(f"  {quote(row['source'])} -> {quote(row['target'])} [label={quote(f'{events:,} undesigned')}, "
                     f"color={quote(colour)}, fontcolor={quote(colour)}, style=dashed, "
                     f"penwidth={_width(events, top)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"
