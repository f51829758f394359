"""A metric drawn on the journey map: each step's value as its fill colour and as a text badge.

:func:`journeys.charts.blueprint.journey_map` draws a :class:`MetricOverlay`; this module
holds what is not about layout: which steps have a value, the colour scale (worse is red)
and the badge text. The text is formatted here, in Python, so the chart's data carries
exactly what is drawn (tests read it, the badges are sized to it). That is why only the
part of d3-format that Python can reproduce exactly is accepted (:data:`FORMAT_HELP`);
Vega formats the legend's labels with the same specifier, so the two agree.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

import pandas as pd

from journeys.charts import style

# ColorBrewer RdYlBu (colour-blind safe) from worse to better, without its palest middle
# shades: a step in the middle of the range must still stand out from the lane bands.
WORSE_TO_BETTER = ["#d73027", "#fc8d59", "#fee090", "#91bfdb", "#4575b4"]

NO_TICKETS = "no tickets"
TOO_FEW_TICKETS = "too few tickets"
TOO_FEW_BADGE = "too few"

# sign, "$", grouping comma, precision, "~" (trim zeros), type: d3-format's syntax for these.
_FORMAT = re.compile(r"^(?P<sign>[-+ (])?(?P<currency>\$)?(?P<comma>,)?(?:\.(?P<precision>\d+))?(?P<trim>~)?"
                     r"(?P<type>[fd%])$")
FORMAT_HELP = ('a d3 format of type f, d or % with optional sign, "$", ",", ".precision" and "~", '
               'e.g. ".1%", ".2f", ",.0f", "$,d"')

State = Literal["value", "too_few", "none"]


def _number(value: Any) -> float | None:
    """A finite float, or None: missing, NaN and ±inf are "no value"."""
    if value is None or isinstance(value, bool):
        return None
    try:
        if pd.isna(value):
            return None
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _pad(x: float) -> float:
    return abs(x) * 0.5 or 1.0


def d3_text(value: float, spec: str) -> str:
    """A finite ``value`` as d3-format (Vega) writes it with ``spec`` (see :data:`FORMAT_HELP`).

    As d3 does: the magnitude is rounded with ties away from zero (JavaScript's ``toFixed``
    and ``Math.round``), the minus sign is "−" (U+2212), a negative value that rounds to
    zero loses its sign, and from 1e21 on JavaScript's own number text is used.
    """
    m = _FORMAT.match(spec)
    if m is None:
        raise ValueError(f"unsupported format {spec!r}: use {FORMAT_HELP}")
    if not math.isfinite(value):
        raise ValueError(f"cannot format {value!r}: not a finite number")
    kind, sign = m["type"], m["sign"] or "-"
    precision = 0 if kind == "d" else 6 if m["precision"] is None else min(20, int(m["precision"]))
    negative = value < 0 or math.copysign(1.0, value) < 0
    magnitude = abs(value * 100 if kind == "%" else value)
    if math.isinf(magnitude):  # a huge value times 100
        text = "Infinity"
    elif magnitude >= 1e21:  # toFixed gives Number.toString's exponent form; d3's "d" writes all digits
        text = f"{Decimal(repr(magnitude)):f}" if kind == "d" else repr(magnitude)
    else:  # JavaScript rounds the exact binary value, ties up
        text = f"{Decimal(magnitude).quantize(Decimal(1).scaleb(-precision), rounding=ROUND_HALF_UP):f}"
    if m["trim"] and "." in text and "e" not in text:
        text = text.rstrip("0").rstrip(".")
    if negative and sign != "+" and text.strip("0.") == "":
        negative = False
    if m["comma"]:  # group the leading digits only
        digits = len(text) - len(text.lstrip("0123456789"))
        text = f"{int(text[:digits]):,}" + text[digits:] if digits else text
    prefix = ("(" if sign == "(" else "−") if negative else ("" if sign in "-(" else sign)
    suffix = ("%" if kind == "%" else "") + (")" if negative and sign == "(" else "")
    return f"{prefix}{'$' if m['currency'] else ''}{text}{suffix}"


@dataclass(frozen=True)
class MetricOverlay:
    """Values of one metric per step, drawn on the map (colour + value badge)."""

    title: str  # legend title, e.g. "Reopen rate" or "Friction"
    values: Mapping[str, float | None]  # step id -> value; None/NaN/±inf = no value
    higher_is_worse: bool  # colour direction: worse is red
    format: str  # d3 format for the badge/tooltip text, e.g. ".1%", ".2f", ",.0f" (see FORMAT_HELP)
    unit: str = ""  # appended in tooltip, e.g. "h", "minutes"
    period: str = ""  # e.g. "2026-01-01 – 2026-11-30", shown in tooltip and the legend title
    too_few: Collection[str] = ()  # step ids whose sample is too small: drawn hollow/grey, badge "too few"
    center: float | None = None  # optional baseline: a diverging scale centred here (e.g. journey average)

    def __post_init__(self) -> None:
        if _FORMAT.match(self.format) is None:
            raise ValueError(f"unsupported format {self.format!r}: use {FORMAT_HELP}")
        if self.center is not None and _number(self.center) is None:
            raise ValueError(f"center must be a finite number, not {self.center!r}")

    def state(self, step_id: str) -> State:
        """"too_few" wins over a value (its number is not shown), then "value", else "none"."""
        if step_id in self.too_few:
            return "too_few"
        return "value" if _number(self.values.get(step_id)) is not None else "none"

    def value(self, step_id: str) -> float | None:
        """The value drawn for a step: None unless its state is "value"."""
        return _number(self.values.get(step_id)) if self.state(step_id) == "value" else None

    def badge(self, step_id: str) -> str | None:
        """The badge's text: the formatted value, "too few", or None (no badge)."""
        state = self.state(step_id)
        if state == "too_few":
            return TOO_FEW_BADGE
        value = self.value(step_id)
        return None if value is None else d3_text(value, self.format)

    def tooltip(self, step_id: str) -> str:
        """The value with its unit, or why there is none."""
        badge = self.badge(step_id)
        if badge is None:
            return NO_TICKETS
        if badge == TOO_FEW_BADGE:
            return TOO_FEW_TICKETS
        return f"{badge} {style.clean(self.unit)}".rstrip()

    def legend_title(self) -> list[str]:
        unit = style.clean(self.unit).strip()
        title = style.clean(self.title).strip() + (f" ({unit})" if unit else "")
        return [title, *([style.clean(self.period)] if self.period.strip() else [])]


def colour_scale(overlay: MetricOverlay, values: list[float]) -> tuple[dict[str, Any], list[float]]:
    """The fill scale over the drawn ``values`` (worse is red) and the values the legend labels.

    Five evenly spaced stops carry the five colours. Without a ``center`` they span the
    values (a single distinct value gets the middle colour); with one they are symmetric
    around it, so equal distances from the baseline look equally strong on both sides.
    Without any value the scale is grey.
    """
    if not values:
        return {"domain": [0.0, 1.0], "range": [style.NO_VALUE_COLOUR] * 2}, []
    low, high = min(values), max(values)
    if overlay.center is not None:
        mid = float(overlay.center)
        half = max(mid - low, high - mid) or _pad(mid)
        lo, hi, labels = mid - half, mid + half, sorted({low, mid, high})
    elif low == high:
        mid, lo, hi, labels = low, low - _pad(low), low + _pad(low), [low]
    else:
        lo, hi, labels = low, high, [low, high]
        mid = lo / 2 + hi / 2
    lo, hi = max(lo, -sys.float_info.max), min(hi, sys.float_info.max)  # values near the float limits
    stops = [lo, lo / 2 + mid / 2, mid, mid / 2 + hi / 2, hi]
    colours = WORSE_TO_BETTER[::-1] if overlay.higher_is_worse else WORSE_TO_BETTER
    return {"type": "linear", "domain": stops, "range": colours, "interpolate": "rgb", "clamp": True}, labels
