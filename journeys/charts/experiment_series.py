"""Experiment charts: the metric week by week around the change, and the effect with its interval.

Pure functions of what :func:`journeys.experiments.weekly_series` and :func:`~journeys.experiments.analyse`
return, so the Review page, the HTML report (SVG through :func:`journeys.charts.export_chart`) and a
notebook draw the same picture from the same numbers.

- :func:`trend_chart`: the weekly value of the changed steps (and, for difference-in-differences, of
  the comparison steps) with the before-window and the after-window shaded and a marker on the day
  the change shipped. The week the change shipped in mixes before and after and is not analysed,
  so it has no point (see :mod:`journeys.experiments.designs`). A first or last week the data covers only in
  part (the window starts mid-week, the data ends mid-week) is a faded point off the line.
- :func:`effect_chart`: the effect as a point with its interval, a zero line, and the smallest change
  worth acting on: an interval wholly on the better side of zero is "improved", one that spans zero
  is "inconclusive" — the picture of the verdict.
"""

from __future__ import annotations

from datetime import date, datetime, time

import altair as alt
import pandas as pd

from journeys.charts.weeks import PARTIAL_OPACITY, mark_partial_weeks
from journeys.charts.wire import to_browser
from journeys.experiments.experiment import Design, Experiment, Result
from journeys.experiments.series import CHANGED, COMPARISON
from journeys.metric_format import d3_format, effect_scale
from journeys.metrics import METRICS

ARM_LABELS = {CHANGED: "Changed steps", COMPARISON: "Comparison steps"}
ARM_COLOURS = {"Changed steps": "#2563eb", "Comparison steps": "#9ca3af"}
WINDOW_COLOURS = {"before": "#f3f4f6", "after": "#e0ecff"}
TREND_HEIGHT = 300
EFFECT_HEIGHT = 80


def axis_format(metric: str) -> str:
    """The d3 format of a metric's values on the trend's axis and tooltip (the catalogue's one format)."""
    return d3_format(metric).spec


def _day(value: date | datetime) -> pd.Timestamp:
    moment = value if isinstance(value, datetime) else datetime.combine(value, time())
    return pd.Timestamp(moment).tz_localize("UTC") if pd.Timestamp(moment).tzinfo is None else pd.Timestamp(moment)


def trend_chart(series: pd.DataFrame, experiment: Experiment, *, interim: bool = False) -> alt.LayerChart:
    """The metric week by week: shaded before/after windows, the change marker, changed vs comparison lines.

    ``series``: :func:`~journeys.experiments.weekly_series` (columns arm, week, t, value, n).
    """
    metric = METRICS[experiment.metric]
    pre, shipped, end = (_day(d) for d in experiment.window())
    data = pd.DataFrame({"week": pd.to_datetime(series["week"], utc=True),
                         "arm": series["arm"].map(ARM_LABELS).fillna(series["arm"]),
                         "value": series["value"].astype(float), "n": series["n"].astype(int),
                         "side": ["after" if t >= 0 else "before" for t in series["t"]]})
    seen = experiment.result.data_until if experiment.result else None
    data = mark_partial_weeks(to_browser(data), pre, min(end, _day(seen)) if seen else end, column="week")
    arms = [a for a in ARM_LABELS.values() if a in set(data["arm"])] or ["Changed steps"]
    last = data["week"].max() + pd.Timedelta(days=7) if len(data) else end
    windows = pd.DataFrame([
        {"start": pre, "end": shipped, "window": "before", "label": "before"},
        {"start": shipped, "end": min(end, max(last, shipped)) if interim else end, "window": "after",
         "label": "after (so far)" if interim else "after"}])
    margin = pd.Timedelta(days=4)  # room for the first and last week's points
    scale_x = alt.Scale(domain=[(pre - margin).isoformat(), (end + margin).isoformat()])
    axis_x = alt.Axis(format="%b %Y", labelAngle=0, tickCount="month", grid=False)
    x = alt.X("week:T", title=None, axis=axis_x, scale=scale_x)
    y = alt.Y("value:Q", title=f"{metric.label} ({metric.unit})",
              axis=alt.Axis(format=axis_format(experiment.metric)), scale=alt.Scale(zero=False, nice=True))
    shade = alt.Chart(windows).mark_rect(opacity=1).encode(
        x=alt.X("start:T", title=None, axis=axis_x, scale=scale_x), x2="end:T",
        fill=alt.Fill("window:N", scale=alt.Scale(domain=list(WINDOW_COLOURS), range=list(WINDOW_COLOURS.values())),
                      legend=None),
        tooltip=[alt.Tooltip("label:N", title="Window"), alt.Tooltip("start:T", title="From", format="%d %b %Y"),
                 alt.Tooltip("end:T", title="Until", format="%d %b %Y")])
    window_labels = alt.Chart(windows).mark_text(align="left", baseline="top", dx=6, dy=6, fontSize=11,
                                                 color="#6b7280").encode(
        x=alt.X("start:T", title=None, axis=axis_x, scale=scale_x), y=alt.value(0), text="label:N")
    marker = pd.DataFrame({"when": [shipped], "label": [f"change shipped {shipped:%-d %b %Y}"]})
    rule = alt.Chart(marker).mark_rule(color="#111827", strokeDash=[5, 4], strokeWidth=1.5).encode(
        x=alt.X("when:T", title=None, axis=axis_x, scale=scale_x), tooltip=[alt.Tooltip("label:N", title="Marker")])
    rule_label = alt.Chart(marker).mark_text(align="left", baseline="top", dx=6, dy=22, fontSize=11,
                                             fontWeight="bold", color="#111827").encode(
        x=alt.X("when:T", title=None, axis=axis_x, scale=scale_x), y=alt.value(0), text="label:N")
    colour = alt.Color("arm:N", title=None, scale=alt.Scale(domain=arms, range=[ARM_COLOURS[a] for a in arms]),
                       legend=alt.Legend(orient="top", direction="horizontal"))
    tooltip = [alt.Tooltip("arm:N", title="Steps"), alt.Tooltip("week:T", title="Week of", format="%d %b %Y"),
               alt.Tooltip("value:Q", title=metric.label, format=axis_format(experiment.metric).replace(".0%", ".1%")),
               alt.Tooltip("n:Q", title="Tickets (sample)", format=","), alt.Tooltip("week_note:N", title="Week")]
    # One line per arm and side: a line drawn across the change would suggest a week nobody measured. Partial
    # first/last weeks (journeys.charts.weeks) are faded points off the line, not a drop.
    lines = alt.Chart(data).transform_filter("!datum.partial").mark_line(strokeWidth=2).encode(
        x=x, y=y, color=colour, detail="side:N")
    points = alt.Chart(data).mark_circle().encode(
        x=x, y=y, color=colour, size=alt.Size("n:Q", legend=None, scale=alt.Scale(range=[12, 90])), tooltip=tooltip,
        opacity=alt.condition("datum.partial", alt.value(PARTIAL_OPACITY), alt.value(0.9)))
    return alt.LayerChart(layer=[shade, window_labels, rule, rule_label, lines, points]).properties(height=TREND_HEIGHT)


def effect_chart(result: Result, experiment: Experiment) -> alt.LayerChart:
    """The effect with its interval against zero and the smallest change worth acting on."""
    factor, words = effect_scale(result.metric)
    label = METRICS[result.metric].label
    rows = pd.DataFrame([{"what": label, "effect": result.effect * factor, "low": result.ci_low * factor,
                          "high": result.ci_high * factor}]) if result.effect is not None and \
        result.ci_low is not None and result.ci_high is not None else pd.DataFrame(
            columns=["what", "effect", "low", "high"])
    marks = [0.0]
    if experiment.smallest_effect:
        marks.append(experiment.sign * experiment.smallest_effect * factor)
    span = [*marks, *rows["low"].tolist(), *rows["high"].tolist()]
    pad = (max(span) - min(span)) * 0.15 or 1.0
    scale = alt.Scale(domain=[min(span) - pad, max(span) + pad], nice=False)
    title = f"Change in {label.lower()} ({words}); {'lower' if experiment.sign < 0 else 'higher'} is better"
    x = alt.X("effect:Q", title=title, scale=scale)
    toward = "right" if experiment.sign > 0 else "left"  # labels sit on the side that counts as better
    references = pd.DataFrame([{"effect": 0.0, "label": "no change", "colour": "#111827", "top": 2}] + (
        [{"effect": marks[1], "label": "smallest change worth acting on", "colour": "#16a34a", "top": 16}]
        if len(marks) > 1 else []))
    rules = alt.Chart(references).mark_rule(strokeWidth=1.5, strokeDash=[4, 3]).encode(
        x=x, color=alt.Color("colour:N", scale=None), tooltip=[alt.Tooltip("label:N", title="Line")])
    rule_labels = alt.Chart(references).mark_text(align="left" if toward == "right" else "right", baseline="top",
                                                  dx=4 if toward == "right" else -4, fontSize=11).encode(
        x=x, y=alt.Y("top:Q", scale=None), text="label:N", color=alt.Color("colour:N", scale=None))
    y = alt.value(EFFECT_HEIGHT * 0.6)  # a pixel position: a one-row band scale collapses in some renderers
    interval = alt.Chart(rows).mark_rule(strokeWidth=6, color="#93c5fd").encode(
        x=alt.X("low:Q", title=title, scale=scale), x2="high:Q", y=y,
        tooltip=[alt.Tooltip("low:Q", title="Interval from", format="+,.2f"),
                 alt.Tooltip("high:Q", title="Interval to", format="+,.2f")])
    point = alt.Chart(rows).mark_point(filled=True, size=140, color="#1d4ed8", shape="diamond", opacity=1).encode(
        x=x, y=y, tooltip=[alt.Tooltip("effect:Q", title="Effect", format="+,.2f")])
    text = alt.Chart(rows).mark_text(dy=-16, fontSize=12, fontWeight="bold", color="#1d4ed8").encode(
        x=x, y=y, text=alt.Text("effect:Q", format="+,.1f"))
    # fit-x: the width fits the container, the height is the plot's own (Streamlit's default "fit" would squeeze
    # this short chart's plot to make room for its axis).
    return alt.LayerChart(layer=[rules, rule_labels, interval, point, text]).properties(
        height=EFFECT_HEIGHT, autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))


def chart_title(experiment: Experiment) -> str:
    """What the trend chart shows, in one line (for reports)."""
    steps = "changed steps" + (" against comparison steps" if experiment.design == Design.did else "")
    return f"{METRICS[experiment.metric].label}, week by week: {steps}"
