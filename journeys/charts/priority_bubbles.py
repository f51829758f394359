"""Value against effort: the Priorities page's map of where to start.

A scatter of pain points (value = reach × impact × confidence, effort in person-weeks on a log
scale), sized by reach and coloured by status; clicking a point selects it by key.
"""

from __future__ import annotations

import math

import altair as alt
import pandas as pd

from journeys.painpoints import Status

STATUS_COLOURS = {Status.new: "#4c78a8", Status.investigating: "#f58518", Status.planned: "#b279a2",
                  Status.in_experiment: "#54a24b", Status.resolved: "#88d27a", Status.wont_fix: "#9d9da1"}
EFFORT_TICKS = [0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]


def value_effort_chart(data: pd.DataFrame) -> alt.LayerChart:
    """Value against effort: top left is worth a lot and cheap; a click selects a pain point (by key).

    ``data`` has one row per pain point: key, title, status, effort, value, reach, score, selected (bool).
    """
    pick = alt.selection_point(name="pick", fields=["key"], on="click")
    # Room around the largest values, so no point sits on the frame and every label stays readable.
    # Effort on a log scale: estimates run from half a week to a year, and a linear axis would squash
    # every small fix into one corner as soon as one big project is on the list.
    # Only finite, positive efforts set the domain: an inf or NaN in it would reach the browser as invalid JSON.
    efforts = [e for e in data["effort"] if e is not None and math.isfinite(e) and e > 0]
    low, high = min(efforts, default=1.0), max(efforts, default=1.0)
    x = alt.X("effort:Q", title="Effort (person-weeks, log scale) → more work",
              scale=alt.Scale(type="log", domain=[low / 1.6, max(high * 1.8, low * 4)], nice=False),
              axis=alt.Axis(values=EFFORT_TICKS, format="~g"))
    # A fifth of headroom above the top value: the biggest bubble (radius ≈ 21 px) stays inside the frame.
    finite = [v for v in data["value"] if v is not None and math.isfinite(v)]
    top = max(finite, default=0.0)
    y = alt.Y("value:Q", title="Value → more worth it",
              scale=alt.Scale(zero=True, nice=True, domain=[0, max(top * 1.2, 1.0)]))
    statuses = [s.value for s in Status]
    points = alt.Chart(data).mark_circle(opacity=0.85, stroke="#1f2937").encode(
        x=x, y=y,
        size=alt.Size("reach:Q", title="Reach / month", scale=alt.Scale(range=[60, 1400]),
                      legend=alt.Legend(orient="bottom", tickCount=3)),
        color=alt.Color("status:N", title="Status", legend=alt.Legend(orient="bottom", columns=3), scale=alt.Scale(
            domain=statuses, range=[STATUS_COLOURS[Status(s)] for s in statuses])),
        strokeWidth=alt.condition("datum.selected", alt.value(2.5), alt.value(0)),
        tooltip=[alt.Tooltip("key:N", title="Key"), alt.Tooltip("title:N", title="Pain point"),
                 alt.Tooltip("score:Q", title="Score", format=",.1f"),
                 alt.Tooltip("value:Q", title="Value", format=",.1f"),
                 alt.Tooltip("reach:Q", title="Reach / month", format=",.0f"),
                 alt.Tooltip("effort:Q", title="Effort (pw)", format="g"), alt.Tooltip("status:N", title="Status")],
    ).add_params(pick)
    labels = alt.Chart(data).mark_text(align="left", dx=10, dy=-10, fontSize=11, color="#374151").encode(
        x=x, y=y, text="key:N")
    # Legends under the plot; status in three columns so the size legend's largest symbol fits beside it.
    return alt.LayerChart(layer=[points, labels]).properties(height=360, padding={"left": 5, "top": 10, "right": 28,
                                                                     "bottom": 10})
