"""Step × period heatmap: when and where a metric (or friction) got worse.

Rows are the journey's steps in map order, columns the periods; a cell's colour
uses the map overlay's palette (worse is red), so the heatmap and the coloured
map read the same way. Cells with too few tickets are grey and say so.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import altair as alt
import pandas as pd

from journeys.charts import style
from journeys.charts.overlay import WORSE_TO_BETTER
from journeys.charts.weeks import PARTIAL_OPACITY, mark_partial_weeks
from journeys.charts.wire import to_browser


def step_period_heatmap(cells: pd.DataFrame, *, steps: Sequence[tuple[str, str]], title: str,
                        higher_is_worse: bool, value_format: str, center: float | None = None,
                        period: str = "week", first: datetime | None = None,
                        last: datetime | None = None) -> alt.LayerChart:
    """A heatmap of ``cells`` (columns ``step``, ``period``, ``value``, ``n``; NaN value = too few).

    ``steps`` is (id, label) in the order the rows are drawn; steps without cells keep their row
    empty so the heatmap lines up with the map. ``center`` (e.g. 0 for friction, the journey's
    value for a metric) makes the scale diverge around it.
    """
    order = [label for _, label in steps]
    labels = dict(steps)
    frame = to_browser(cells[cells["step"].isin(labels)]).assign(label=lambda d: d["step"].map(labels))
    frame = frame.assign(shown=frame["value"].notna(),
                         start=pd.to_datetime(frame["period"], utc=True).dt.strftime("%Y-%m-%d"))
    frame = mark_partial_weeks(frame, *((first, last) if period == "week" else (None, None)))
    known = frame.loc[frame["shown"], "value"]
    colours = WORSE_TO_BETTER[::-1] if higher_is_worse else WORSE_TO_BETTER
    scale: dict = {"range": colours, "interpolate": "rgb", "clamp": True}
    if center is not None and len(known):
        half = max(abs(known.max() - center), abs(center - known.min())) or 1.0
        scale["domain"] = [center - half, center + half]
        scale["domainMid"] = center
    # Ordinal, not temporal: one band per period with no gaps, labelled by its first day.
    x = alt.X("start:O", title=f"{period} starting", axis=alt.Axis(labelAngle=-45, labelOverlap="greedy"))
    y = alt.Y("label:N", title=None, scale=alt.Scale(domain=order), axis=alt.Axis(labelLimit=220))
    tooltip = [alt.Tooltip("label:N", title="step"), alt.Tooltip("start:O", title=f"{period} starting"),
               alt.Tooltip("value:Q", title=title, format=value_format), alt.Tooltip("n:Q", title="tickets"),
               alt.Tooltip("week_note:N", title=period)]
    base = alt.Chart(frame)
    filled = base.transform_filter("datum.shown").mark_rect(stroke="white", strokeWidth=0.5).encode(
        x=x, y=y, color=alt.Color("value:Q", title=title, scale=alt.Scale(**scale),
                                  legend=alt.Legend(format=value_format, orient="top", gradientLength=260)),
        opacity=alt.condition("datum.partial", alt.value(PARTIAL_OPACITY), alt.value(1.0)), tooltip=tooltip)
    too_few = base.transform_filter("!datum.shown").mark_rect(
        color=style.NO_VALUE_COLOUR, stroke="white", strokeWidth=0.5).encode(
        x=x, y=y, tooltip=[alt.Tooltip("label:N", title="step"),
                           alt.Tooltip("start:O", title=f"{period} starting"),
                           alt.Tooltip("n:Q", title="tickets (too few)")])
    return alt.LayerChart(layer=[too_few, filled]).properties(height=alt.Step(22))
