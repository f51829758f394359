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
    for row in graph.edges.itertuples(index=False):
        label = f"{int(row.frequency):,}" + (f" · {duration(row.median_seconds)}" if duration(row.median_seconds)
                                             else "")
        lines.append(f"  {quote(row.source)} -> {quote(row.target)} [label={quote(label)}, "
                     f"penwidth={_width(int(row.frequency), top)}];")
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
    for row in result.designed.itertuples(index=False):
        colour = "#e07b00" if (row.source, row.target) in loops else "#7a7a7a"
        style = "dotted" if row.events == 0 else "solid"
        share = "" if math.isnan(row.observed_share) else f" ({row.observed_share:.0%}"
        share += "" if not share else (f" vs {row.expected_share:.0%})" if not math.isnan(row.expected_share) else ")")
        lines.append(f"  {quote(row.source)} -> {quote(row.target)} [label={quote(f'{row.events:,}{share}')}, "
                     f"color={quote(colour)}, style={style}, penwidth={_width(int(row.events), top)}];")
    for row in result.undesigned.itertuples(index=False):
        colour = "#e07b00" if row.loop else "#d62728"
        lines.append(f"  {quote(row.source)} -> {quote(row.target)} [label={quote(f'{row.events:,} undesigned')}, "
                     f"color={quote(colour)}, fontcolor={quote(colour)}, style=dashed, "
                     f"penwidth={_width(int(row.events), top)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"
