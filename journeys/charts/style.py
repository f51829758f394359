"""Colours, sizes and text helpers shared by the chart builders.

Kept in one place so the map, the emotion curve and any later chart speak the
same visual language: a channel has the same colour on every page, red always
means "look here", and an escalation edge looks the same everywhere.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pandas as pd

FONT = "Source Sans Pro, Helvetica, Arial, sans-serif"
INK = "#1f2933"
MUTED = "#616e7c"
GRID = "#d9dee5"

# Stable colour per known channel (Tableau-like, reds and greens left out: red marks
# findings and escalations, red/green carry emotion). Unknown channels get EXTRA in order.
CHANNEL_COLOURS: dict[str, str] = {
    "web": "#4e79a7",
    "app": "#76b7b2",
    "email": "#f28e2b",
    "chat": "#59a14f",
    "bot": "#b07aa1",
    "phone": "#9c755f",
    "store": "#edc948",
    "community": "#ff9da7",
    "social": "#86bcb6",
    "sms": "#d4a6c8",
}
EXTRA_COLOURS = ["#5f9ed1", "#c85200", "#898989", "#a2c8ec", "#ffbc79", "#cfcfcf", "#8cd17d", "#499894"]
NO_CHANNEL = "no channel"
NO_VALUE_COLOUR = "#c7ccd3"

LANE_COLOURS = ["#4e79a7", "#f28e2b", "#76b7b2", "#b07aa1", "#9c755f", "#edc948", "#ff9da7", "#86bcb6"]

# Emotion −2 … +2: diverging red → grey → green.
EMOTION_DOMAIN = [-2, -1, 0, 1, 2]
EMOTION_COLOURS = ["#c62828", "#ef8a62", "#bdbdbd", "#7fbf7b", "#1b7837"]
EMOTION_NAMES = {-2: "−2 very unhappy", -1: "−1 unhappy", 0: "0 neutral", 1: "+1 happy", 2: "+2 delighted"}

KIND_SHAPES = {"touchpoint": "circle", "decision": "diamond", "outcome": "square"}
KIND_SIZES = {"touchpoint": 300, "decision": 420, "outcome": 260}

# Transition kinds: colour, stroke width, dash.
EDGE_STYLES: dict[str, tuple[str, float, list[int]]] = {
    "normal": ("#8a96a3", 1.4, [1, 0]),
    "escalation": ("#d62728", 2.6, [1, 0]),
    "fallback": ("#e8820c", 1.8, [6, 4]),
    "retry": ("#7b4fa0", 1.8, [2, 3]),
}

# Rings drawn around steps: (legend text, colour, area, stroke width).
RINGS: dict[str, tuple[str, str, int, float]] = {
    "selected": ("selected", "#1565c0", 720, 3.0),
    "added": ("added", "#2e7d32", 900, 3.0),
    "changed": ("changed", "#f0a202", 900, 3.0),
    "removed": ("removed", "#9aa5b1", 900, 1.5),
    "finding": ("check finding", "#d62728", 1250, 3.5),
}

BADGE_FILL = "#fbc02d"
SELECTED_LABEL = "#0d47a1"


# Characters XML 1.0 forbids: vl-convert aborts the whole process (a Rust panic) on them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def clean(text: str) -> str:
    """User text made safe to draw: control characters dropped (they cannot live in SVG)."""
    return _NOT_XML.sub("", text)


def truncate(text: str, limit: int = 24) -> str:
    """Shorten a label for the map; the full text stays in the tooltip."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit // 2:  # end on a whole word when that keeps most of the label
        cut = cut[:space]
    return cut.rstrip(" ,;:-") + "…"


def wrap_two_lines(text: str, width: int = 14) -> str:
    """Break a short label into at most two balanced lines (joined by a newline).

    Two narrow lines fit between neighbouring steps far better than one wide one.
    """
    if len(text) <= width or " " not in text:
        return text
    spaces = [i for i, ch in enumerate(text) if ch == " "]
    best = min(spaces, key=lambda i: (max(i, len(text) - i - 1), i))
    return text[:best] + "\n" + text[best + 1 :]


def text_width(text: str, font_size: float) -> float:
    """Rough rendered width in pixels of the widest line (sans-serif average glyph)."""
    return max((len(line) for line in text.split("\n")), default=0) * font_size * 0.6


def js_string_array(values: list[str]) -> str:
    """A Vega expression array literal of strings, safely quoted (JSON is valid there)."""
    return json.dumps(values, ensure_ascii=True)


def records(data: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-ready rows (None for missing) via pandas' C encoder, not Altair's per-column sanitising.

    The frames built here hold only strings, numbers and booleans, so this is
    exact, and on a 200-step map ~20× cheaper than Altair's data transformer.
    """
    return json.loads(data.to_json(orient="records", double_precision=6)) if len(data) else []
