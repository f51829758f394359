"""Observed movement drawn on the journey map: how customers actually go from step to step.

:func:`journeys.charts.blueprint.journey_map` draws a :class:`FlowOverlay` over the designed
transitions; this module holds what is not about layout: the counts each drawn edge gets,
its width (a square-root scale, so a route twice as busy is not twice as wide), the
legend's reference counts and the tooltip sentences.

- a designed transition's line is as wide as its count; one nobody took is a thin
  dotted grey line ("designed, nobody took it");
- an observed pair the journey lacks is an *undesigned route*: an extra dashed line in
  :data:`ROUTE_COLOUR`, curved as a designed A→B would be, as wide as its count (only the
  :data:`MAX_ROUTES` busiest are drawn, to stay within Streamlit's mark budget);
- a self-loop (A→A) gets a "↻ N" badge above-left of its step (a designed loop's badge, in its
  kind's colour, replaces the loop glyph; the :data:`MAX_LOOPS` busiest are drawn);
- pairs naming an id the journey lacks are not drawn, but they still count in their
  source's total: the observed share of a transition is of *everything* seen leaving its
  source (as :func:`journeys.discover.conformance` computes it).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from journeys.charts import style

# Not a dark orange: fallback edges are already orange and dashed, and a dark orange is
# nearly indistinguishable from the escalations' red for deuteranopes (CIELAB ΔE ≈ 6 after a
# Machado 2009 simulation). This navy stays ≥ 59 from that red, ≥ 89 from the orange and ≥ 37 from
# the normal edges' grey under protanopia, deuteranopia and tritanopia, and the dash sets it apart
# from the (thin, dotted) purple retries.
ROUTE_COLOUR = "#0d3b66"
ROUTE_DASH = [8, 4]
LOOP_DASH = [3, 2]  # the undesigned loop pill's outline
UNUSED_COLOUR = "#8a96a3"
UNUSED_DASH = [1.5, 3]
UNUSED_OPACITY = 0.9

ROUTE = "not on the map"  # the legend entry (and tooltip kind) of an undesigned route
UNUSED = "designed, unused"  # the legend entry of a designed transition nobody took
NOBODY = "designed, nobody took it"

ZERO_WIDTH = 1.0  # a designed transition nobody took
MIN_WIDTH = 1.3  # the thinnest line that still carries customers
MAX_WIDTH = 9.0  # the busiest drawn edge
MAX_ROUTES = 80  # undesigned routes drawn, busiest first: two marks each (a line and its arrowhead)
MAX_LOOPS = 60  # "↻ N" badges drawn, busiest first: two marks each (a pill and its text)
TITLE_CHARS = 22  # the width legend's title wraps into two lines from this length


def _count(value: Any, pair: tuple[str, str]) -> int:
    """A count as an int: a whole, finite, non-negative number (numpy integers and 3.0 included)."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value) and float(value) >= 0
    if not ok or int(value) != value:
        raise ValueError(f"observed[{pair!r}] must be a whole number ≥ 0, not {value!r}")
    return int(value)


@dataclass(frozen=True)
class FlowOverlay:
    """Observed movement between steps, drawn over the designed transitions."""

    # (source step, target step) -> times customers went that way (designed or not)
    observed: Mapping[tuple[str, str], int]
    # optional designed share for tooltips (else the transition's own share)
    expected_share: Mapping[tuple[str, str], float] = field(default_factory=dict)
    title: str = "Customers"  # legend title, e.g. "Customers (event log 'web-2026')"

    def __post_init__(self) -> None:
        counts: dict[tuple[str, str], int] = {}
        leaving: dict[str, int] = {}
        for pair, value in self.observed.items():
            if not (isinstance(pair, tuple) and len(pair) == 2 and all(isinstance(p, str) for p in pair)):
                raise ValueError(f"observed keys must be (source, target) pairs of step ids, not {pair!r}")
            counts[pair] = n = _count(value, pair)
            leaving[pair[0]] = leaving.get(pair[0], 0) + n
        object.__setattr__(self, "_counts", counts)  # validated once; the dataclass stays frozen
        object.__setattr__(self, "_leaving", leaving)

    @classmethod
    def from_conformance(cls, result: Any, title: str = "Customers") -> FlowOverlay:
        """From a :class:`journeys.discover.Conformance`: events per pair (designed, undesigned and the
        pairs touching unmapped activities, which are not drawn but count in their source's total),
        and the designed shares."""
        observed: dict[tuple[str, str], int] = {}
        for table in (result.designed, result.undesigned, result.unmapped):
            for s, t, n in zip(table["source"], table["target"], table["events"], strict=True):
                observed[(str(s), str(t))] = observed.get((str(s), str(t)), 0) + int(n)
        expected = {(str(s), str(t)): float(v) for s, t, v in zip(
            result.designed["source"], result.designed["target"], result.designed["expected_share"], strict=True)
            if v is not None and not math.isnan(v)}
        return cls(observed=observed, expected_share=expected, title=title)

    def count(self, source: str, target: str) -> int:
        """Times customers went from ``source`` to ``target`` (0 when not observed)."""
        return self._counts.get((source, target), 0)  # type: ignore[attr-defined]

    def leaving(self) -> dict[str, int]:
        """Everything observed leaving each source, targets the journey lacks included."""
        return dict(self._leaving)  # type: ignore[attr-defined]

    def pairs(self) -> dict[tuple[str, str], int]:
        """Every observed pair with a count above 0."""
        return {pair: n for pair, n in self._counts.items() if n > 0}  # type: ignore[attr-defined]

    def legend_title(self, routes: tuple[int, int] = (0, 0), loops: tuple[int, int] = (0, 0)) -> list[str]:
        """The width legend's title in short lines (legends sit side by side under a narrow map), and, when
        not every undesigned route or loop is drawn, how many are: ``routes`` and ``loops`` are (drawn, all)."""
        title = " ".join(style.clean(self.title).split()) or "Customers"
        lines = style.wrap_two_lines(title, width=TITLE_CHARS).split("\n")
        if routes[0] < routes[1]:
            lines += [f"{count_text(routes[0])} busiest of {count_text(routes[1])}", f"routes {ROUTE} drawn"]
        if loops[0] < loops[1]:
            lines += [f"{count_text(loops[0])} busiest of {count_text(loops[1])} loops"]
        return lines


def width(count: int, top: int) -> float:
    """Stroke width of an edge ``count`` customers took, when the busiest drawn edge has ``top``."""
    if count <= 0:
        return ZERO_WIDTH
    return round(MIN_WIDTH + (MAX_WIDTH - MIN_WIDTH) * math.sqrt(count / max(top, count)), 2)


def _nice(value: float) -> int:
    """``value`` rounded down to 1, 2 or 5 times a power of ten (at least 1)."""
    if value < 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    return int(max(m for m in (1, 2, 5, 10) if m * power <= value) * power)


def reference_counts(top: int) -> list[int]:
    """Up to three counts the width legend shows: small, middle (round numbers) and the busiest edge."""
    if top <= 0:
        return []
    return sorted({_nice(top / 25), _nice(top / 4), top})


def count_text(n: int) -> str:
    return f"{n:,}"


def share_text(part: int, total: int) -> str:
    return f"{part / total:.0%}" if total else "—"


def customers(n: int) -> str:
    return f"{count_text(n)} customer{'' if n == 1 else 's'}"
