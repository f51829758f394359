"""Partial weeks: the first and last week of a weekly trend that the data covers only in part.

Data that starts on a Wednesday puts five days in its first "week", an export taken on a Tuesday puts
one day in its last: a weekly count then collapses at both ends and a weekly rate rests on a thin
sample, which a line reads as "volume fell off a cliff". Every weekly chart marks such weeks the same
way through this module: :func:`mark_partial_weeks` says which weeks are partial and how much of them
the data covers, :func:`week_note` words it for tooltips, and :data:`PARTIAL_CAPTION` tells the reader
what a faded point means. Weeks are ISO weeks starting Monday 00:00 UTC, as
:func:`journeys.metrics.compute` makes them.
"""

from __future__ import annotations

from datetime import datetime

import altair as alt
import numpy as np
import pandas as pd

from journeys.charts.wire import to_browser

WEEK = pd.Timedelta(days=7)
PARTIAL_OPACITY = 0.35
PARTIAL_CAPTION = ("Faded, unconnected points are partial weeks (the data starts or ends mid-week): their counts "
                   "cover only some days, so they are not drawn as a drop.")


def _utc(moment: datetime | pd.Timestamp) -> pd.Timestamp:
    stamp = pd.Timestamp(moment)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def week_coverage(weeks: pd.Series, first: datetime | None, last: datetime | None) -> pd.Series:
    """Days of each week (start Monday) that the data span covers, 0 … 7 (whole days, rounded up).

    ``first`` is the first ticket's time, ``last`` the last ticket's time or the exclusive end of a chosen
    range (both inclusive of their day). Unknown span (None): every week counts as whole.
    """
    starts = pd.to_datetime(weeks, utc=True)
    if first is None or last is None or starts.empty:
        return pd.Series(7, index=weeks.index, dtype="int64")
    begin = _utc(first).normalize()
    end = _utc(last)
    end = end.normalize() + pd.Timedelta(days=1) if end != end.normalize() or end == begin else end.normalize()
    # numpy's ufunc stubs take no Series of Timestamps, which pandas dispatches (__array_ufunc__) at run time.
    earliest_end = np.minimum(starts + WEEK, end)  # type: ignore[call-overload]
    latest_start = np.maximum(starts, begin)  # type: ignore[call-overload]
    covered = (earliest_end - latest_start).dt.days.clip(0, 7)
    return covered.astype("int64").set_axis(weeks.index)


def mark_partial_weeks(frame: pd.DataFrame, first: datetime | None, last: datetime | None, *,
                       column: str = "period") -> pd.DataFrame:
    """``frame`` with ``days_covered`` (0 … 7), ``partial`` (bool) and ``week_note`` (words) for its weeks."""
    days = week_coverage(frame[column], first, last) if len(frame) else pd.Series(dtype="int64")
    return frame.assign(days_covered=days.to_numpy(), partial=(days < 7).to_numpy(),
                        week_note=[week_note(int(d)) for d in days])


def week_note(days: int) -> str:
    """The tooltip's words for a week the data covers ``days`` days of."""
    return "whole week" if days >= 7 else f"partial week: the data covers {days} of its 7 days"


def weekly_line(weekly: pd.DataFrame, value: str, *, first: datetime | None, last: datetime | None, title: str,
                value_format: str, column: str = "period", height: int = 240) -> alt.LayerChart:
    """One metric week by week: a line through the whole weeks, every week a point, partial weeks faded.

    ``weekly`` has ``column`` (week start), ``value`` and ``n`` (the sample). NaN values (too few tickets)
    are sent as nulls and leave a gap, never as ``NaN`` (invalid JSON in the browser).
    """
    frame = mark_partial_weeks(to_browser(weekly[[column, value, "n"]]), first, last, column=column)
    frame = frame.astype({value: "float64"}).astype({value: object})
    frame[value] = frame[value].where(np.isfinite(frame[value].astype("float64")), None)
    x = alt.X(f"{column}:T", title="week")
    y = alt.Y(f"{value}:Q", title=title, axis=alt.Axis(format=value_format))
    line = alt.Chart(frame).transform_filter("!datum.partial").mark_line().encode(x=x, y=y)
    points = alt.Chart(frame).mark_point(filled=True, size=50).encode(
        x=x, y=y, opacity=alt.condition("datum.partial", alt.value(PARTIAL_OPACITY), alt.value(1.0)),
        tooltip=[alt.Tooltip(f"{column}:T", title="week of"), alt.Tooltip(f"{value}:Q", title=title,
                                                                          format=value_format),
                 alt.Tooltip("n:Q", title="tickets"), alt.Tooltip("week_note:N", title="week")])
    return alt.LayerChart(layer=[line, points]).properties(height=height)
