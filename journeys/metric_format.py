"""One way to show a metric's value: in words for pages, CLI, exports and reports; as a d3 format for charts.

Every front end used to format values its own way ("45%" here, "2,088 min" there, "1.5 days" in the
demo), so the same number read differently from page to page. Formatting lives here, once, at the
edge: the core computes plain floats in the catalogue's units (rates 0–1, times in minutes) and the
pages, the CLI and the reports turn them into text through :func:`format_value`.

>>> format_value("csat", 0.8123)
'81%'
>>> format_value("resolution_p90", 95), format_value("resolution_p90", 300), format_value("resolution_p90", 4320)
('95 min', '5.0 hours', '3.0 days')
>>> format_value("resolution_p90", 4320, in_minutes=True)
'4,320 min'
>>> format_value("volume", 1234), format_value("agent_replies_mean", 1.45)
('1,234 tickets', '1.4 replies')
>>> format_value("csat", float("nan")), format_value("csat", None, n=12), format_value("csat", 0.5, n=12)
('–', '– (n=12)', '50% (n=12)')
>>> format_value(FRICTION, 0.1234)
'0.12'
>>> d3_format("csat"), d3_format("frt_p50").spec, d3_format(FRICTION)
(D3Format(spec='.0%', unit=''), ',.0f', D3Format(spec='.2f', unit=''))

A *change* of a metric (an experiment's effect, a target) is stated in its own units: shares in
percentage points, counts a week.

>>> str(change_amount("reopen_rate", -0.116)), str(change_amount("frt_p50", 118)), effect_scale("csat")
('−11.6 points', '+118 min', (100.0, 'percentage points'))
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

from journeys.metrics import METRICS

FRICTION = "friction"  # the friction score: not a catalogue metric, but shown wherever metrics are
UNKNOWN = "–"  # a value nobody can tell: no tickets, too few, NaN

_HOUR = 60.0
_DAY = 24 * _HOUR


class D3Format(NamedTuple):
    """How a chart shows a metric: the d3 format ``spec`` and the ``unit`` written after the number."""

    spec: str
    unit: str


def unit_of(metric: str) -> str:
    """The catalogue unit of ``metric`` ("%", "minutes", "tickets", …); "" for the friction score or an unknown name."""
    return METRICS[metric].unit if metric in METRICS else ""


def format_minutes(value: float) -> str:
    """A duration in minutes as a reader says it: "95 min", "5.0 hours" (from 2 hours), "3.0 days" (from 1 day)."""
    if abs(value) >= _DAY:
        return f"{value / _DAY:,.1f} days"
    if abs(value) >= 2 * _HOUR:
        return f"{value / _HOUR:,.1f} hours"
    return f"{value:,.0f} min"


def format_value(metric: str, value: float | None, *, n: int | None = None, in_minutes: bool = False) -> str:
    """``value`` of ``metric`` in its unit; ``n`` (when given and not 0) is added as "(n=…)".

    Shares as whole percents, minutes as min · hours · days, counts with thousands separators, the
    friction score with two decimals, and "–" for a value that is unknown (None, NaN or infinite).
    A caller passes ``n`` when the sample size matters to the reader (e.g. a value on too few tickets),
    and ``in_minutes`` for a table column, whose rows are compared and so keep one unit ("2,088 min").
    """
    text = _number(metric, value, in_minutes)
    return f"{text} (n={n:,})" if n else text


def _number(metric: str, value: float | None, in_minutes: bool) -> str:
    if value is None or not math.isfinite(value):
        return UNKNOWN
    unit = unit_of(metric)
    if metric == FRICTION:
        return f"{value:.2f}"
    if unit == "%":
        return f"{value:.0%}"
    if unit == "minutes":
        return f"{value:,.0f} min" if in_minutes else format_minutes(value)
    if unit == "tickets":
        return f"{value:,.0f} tickets"
    return f"{value:,.1f} {unit}".strip()


def d3_format(metric: str) -> D3Format:
    """The d3 format and unit of ``metric`` for a chart's badges, tooltips, axes and legends."""
    if metric == FRICTION:
        return D3Format(".2f", "")
    unit = unit_of(metric)
    if unit == "%":
        return D3Format(".0%", "")
    if unit == "minutes":
        return D3Format(",.0f", "min")
    if unit == "tickets":
        return D3Format(",d", "tickets")
    return D3Format(".1f", unit)


# --- changes (effects, targets) ------------------------------------------------------------------------


def effect_scale(metric: str) -> tuple[float, str]:
    """(factor from the catalogue's units, unit words) to state a change: shares in percentage points,
    counts a week, anything else in its own unit. Charts and forms scale by it; :func:`change_amount` words it."""
    unit = unit_of(metric)
    if unit == "%":
        return 100.0, "percentage points"
    if unit == "tickets":
        return 1.0, "tickets a week"
    return 1.0, unit


_SHORT_UNITS = {"percentage points": "points", "minutes": "min"}  # in running text and tables


@dataclass(frozen=True)
class Amount:
    """A change in a metric's units, kept apart: the number ("−11.6") and the unit words ("points").

    A narrow page puts the unit in a label and the number in the value; everywhere else it is read as
    ``str(amount)``. Returned whole so no caller has to split a sentence to find the unit."""

    number: str
    unit: str = ""

    def __str__(self) -> str:
        return f"{self.number} {self.unit}".strip()


def change_amount(metric: str, effect: float | None, *, signed: bool = True) -> Amount:
    """A change in the metric's units: rates in percentage points, times in minutes, counts a week."""
    if effect is None or not math.isfinite(effect):
        return Amount("—")
    factor, words = effect_scale(metric)
    amount, unit = effect * factor, unit_of(metric)
    digits = 1 if unit == "%" else 0 if unit in ("minutes", "tickets") and abs(amount) >= 10 else 2
    number = f"{abs(amount):,.{digits}f}"
    if signed:
        number = ("−" if amount < 0 else "+") + number
    return Amount(number, _SHORT_UNITS.get(words, words))
