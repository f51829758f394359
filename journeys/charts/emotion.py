"""The emotion curve: how the customer feels step by step along one path.

The classic lower band of a journey map; drawn along the most likely path by
default, so a workshop sees the typical customer's highs and lows in order.
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd
from altair.utils.schemapi import debug_mode

from journeys.charts import style
from journeys.graph import most_likely_path
from journeys.model import EMOTION_MAX, EMOTION_MIN, Journey

TONE_COLOURS = {"negative": "#c62828", "neutral": "#9e9e9e", "positive": "#1b7837"}
PERSONA_COLOURS = ("#5e35b1", "#00838f", "#ef6c00", "#6d4c41", "#ad1457")
LABEL_CHARS = 28
SIGNED = "datum.value > 0 ? '+' + datum.value : datum.value < 0 ? '−' + abs(datum.value) : '0'"  # −2 … +2


def _tone(emotion: int | None) -> str | None:
    if emotion is None:
        return None
    return "negative" if emotion < 0 else "positive" if emotion > 0 else "neutral"


def _emotion_text(emotion: int | None) -> str:
    return "not set" if emotion is None else style.EMOTION_NAMES.get(emotion, "not set")


def emotion_curve(journey: Journey, path: Sequence[str] | None = None) -> alt.LayerChart:
    """Emotion (−2 … +2) at each step of ``path`` (default: the most likely path), in path order.

    Personas whose emotion differs from the step's somewhere on the path get a
    dashed line of their own (their emotion where given, the step's elsewhere).

    Steps without an emotion leave a gap in the line rather than pretending to be
    neutral. Raises ValueError when ``path`` names a step the journey lacks.
    """
    order = list(path) if path is not None else most_likely_path(journey)
    steps = {s.id: s for s in journey.steps}
    missing = [sid for sid in order if sid not in steps]
    if missing:
        raise ValueError(f"the path names steps the journey '{journey.name}' does not have: {', '.join(missing)}")
    data = pd.DataFrame.from_records(
        [{"position": i, "id": sid, "label": style.clean(steps[sid].label), "stage": style.clean(steps[sid].stage),
          "emotion": steps[sid].emotion, "emotion_text": _emotion_text(steps[sid].emotion),
          "tone": _tone(steps[sid].emotion)} for i, sid in enumerate(order)],
        columns=["position", "id", "label", "stage", "emotion", "emotion_text", "tone"])
    data["emotion"] = data["emotion"].astype("Int64")
    personas = pd.DataFrame.from_records(
        [{"position": i, "persona": persona, "label": style.clean(steps[sid].label),
          "emotion": journey.emotion_of(sid, persona),
          "emotion_text": _emotion_text(journey.emotion_of(sid, persona))}
         for persona in journey.personas if any(persona in steps[sid].persona_emotions for sid in order)
         for i, sid in enumerate(order)],
        columns=["position", "persona", "label", "emotion", "emotion_text"])
    with debug_mode(False):  # skip per-object schema checks: the tests validate the whole spec
        return _curve(data, personas)


def _curve(data: pd.DataFrame, personas: pd.DataFrame) -> alt.LayerChart:
    short = style.js_string_array([style.truncate(label, LABEL_CHARS) for label in data["label"]])
    x = alt.X("position:O", sort="ascending", title=None, scale=alt.Scale(paddingOuter=0.3),
              axis=alt.Axis(labelExpr=f"{short}[datum.value] || ''", labelAngle=-35, labelAlign="right",
                            labelFontSize=11, labelColor=style.INK, labelLimit=230, ticks=False, domain=False))
    scale = alt.Scale(domain=[EMOTION_MIN, EMOTION_MAX], nice=False)  # one scale for every layer
    y = alt.Y("emotion:Q", title="emotion", scale=scale, axis=alt.Axis(
        values=list(range(EMOTION_MIN, EMOTION_MAX + 1)), labelExpr=SIGNED, labelFontSize=11, titleFontSize=11,
        gridColor=style.GRID, domain=False, ticks=False))
    tooltip = [alt.Tooltip("label:N", title="step"), alt.Tooltip("stage:N"),
               alt.Tooltip("emotion_text:N", title="emotion")]
    # Faint red below zero, green above: the curve reads as "how far from fine" at a glance.
    shades = [{"low": EMOTION_MIN, "high": 0, "shade": "#fbeff0"}, {"low": 0, "high": EMOTION_MAX, "shade": "#eef7ef"}]
    halves = alt.Chart(alt.InlineData(values=shades)).mark_rect(aria=False).encode(
        y=alt.Y("low:Q", scale=scale, title="emotion"), y2="high", fill=alt.Fill("shade:N", scale=None),
        tooltip=alt.value(None))
    zero = alt.Chart(alt.InlineData(values=[{"zero": 0}])).mark_rule(color=style.MUTED, strokeWidth=1.2).encode(
        y=alt.Y("zero:Q", scale=scale, title="emotion"))
    rows = alt.InlineData(values=style.records(data))
    line = alt.Chart(rows).mark_line(interpolate="monotone", color="#8a96a3", strokeWidth=2).encode(
        x=x, y=y, tooltip=tooltip)
    points = alt.Chart(rows).mark_point(filled=True, opacity=1, size=110, stroke="white", strokeWidth=1.5).encode(
        x=x, y=y, tooltip=tooltip,
        color=alt.Color("tone:N", scale=alt.Scale(domain=list(TONE_COLOURS), range=list(TONE_COLOURS.values())),
                        legend=None))
    layers = [halves, zero, line, points]
    if len(personas):
        # Personas who feel differently somewhere on the path: one dashed line each, legend underneath.
        persona_scale = alt.Scale(range=list(PERSONA_COLOURS))
        colour = alt.Color("persona:N", title="persona", scale=persona_scale,
                           legend=alt.Legend(orient="bottom", direction="horizontal", labelFontSize=11))
        persona_rows = alt.InlineData(values=style.records(personas))
        persona_tip = [alt.Tooltip("persona:N"), alt.Tooltip("label:N", title="step"),
                       alt.Tooltip("emotion_text:N", title="emotion")]
        layers[2:2] = [
            alt.Chart(persona_rows).mark_line(interpolate="monotone", strokeWidth=1.6, strokeDash=[5, 3],
                                              opacity=0.9).encode(x=x, y=y, color=colour, tooltip=persona_tip),
            alt.Chart(persona_rows).mark_point(filled=True, size=40, opacity=0.9).encode(
                x=x, y=y, color=alt.Color("persona:N", scale=persona_scale, legend=None), tooltip=persona_tip),
        ]
    return alt.LayerChart(layer=[*layers]).properties(
        width="container", height=260 + (30 if len(personas) else 0), view=alt.ViewBackground(stroke=None),
    ).resolve_scale(color="independent")
