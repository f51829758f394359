"""Partial weeks: which weeks of a weekly trend the data covers only in part, and how the charts show it."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from journeys.charts.weeks import mark_partial_weeks, week_coverage

MON = datetime(2025, 3, 3, tzinfo=UTC)  # a Monday


def weeks(*starts: str) -> pd.Series:
    return pd.Series(pd.to_datetime(list(starts), utc=True))


def test_data_starting_on_a_wednesday_and_ending_on_a_tuesday():
    marked = mark_partial_weeks(pd.DataFrame({"period": weeks("2025-03-03", "2025-03-10", "2025-03-17")}),
                                datetime(2025, 3, 5, 9, 30, tzinfo=UTC),  # Wednesday morning
                                datetime(2025, 3, 18, 16, 0, tzinfo=UTC))  # the last ticket on a Tuesday
    assert marked["days_covered"].tolist() == [5, 7, 2]
    assert marked["partial"].tolist() == [True, False, True]
    assert marked["week_note"].tolist() == ["partial week: the data covers 5 of its 7 days", "whole week",
                                            "partial week: the data covers 2 of its 7 days"]


def test_exactly_whole_weeks_are_all_whole():
    span = weeks("2025-03-03", "2025-03-10")
    # The last ticket late on Sunday, or a chosen range ending at Monday 00:00 (exclusive): both whole.
    assert week_coverage(span, MON, datetime(2025, 3, 16, 23, 59, tzinfo=UTC)).tolist() == [7, 7]
    assert week_coverage(span, MON, datetime(2025, 3, 17, tzinfo=UTC)).tolist() == [7, 7]


def test_unknown_span_or_no_weeks():
    assert week_coverage(weeks("2025-03-03"), None, None).tolist() == [7]
    empty = mark_partial_weeks(pd.DataFrame({"period": pd.Series([], dtype="datetime64[ns, UTC]")}), MON, MON)
    assert empty.empty and {"partial", "days_covered", "week_note"} <= set(empty.columns)


def test_naive_times_are_read_as_utc_and_a_one_day_span_covers_a_day():
    assert week_coverage(weeks("2025-03-03"), datetime(2025, 3, 4), datetime(2025, 3, 4)).tolist() == [1]


@given(st.integers(0, 60), st.integers(0, 60), st.integers(1, 23))
def test_coverage_adds_up_to_the_days_of_the_span(offset, length, hour):
    first = pd.Timestamp(MON) + pd.Timedelta(days=offset, hours=hour)
    last = first + pd.Timedelta(days=length)
    start = first.normalize() - pd.Timedelta(days=first.weekday())
    span = pd.Series(pd.date_range(start, last, freq="7D"))
    days = week_coverage(span, first.to_pydatetime(), last.to_pydatetime())
    assert days.sum() == (last.normalize() - first.normalize()).days + 1
    assert ((days > 0) & (days <= 7)).all() and (days.iloc[1:-1] == 7).all()


def test_the_friction_step_trend_fades_partial_weeks_and_leaves_them_off_the_line():
    from journeys.charts.weeks import weekly_line

    weekly = pd.DataFrame({"period": weeks("2025-03-03", "2025-03-10", "2025-03-17"), "volume": [40, 70, 9],
                           "n": [40, 70, 9]})
    chart = weekly_line(weekly, "volume", first=datetime(2025, 3, 5, tzinfo=UTC),
                        last=datetime(2025, 3, 18, tzinfo=UTC), title="Tickets", value_format=",d")
    spec = chart.to_dict()
    json.dumps(spec, allow_nan=False)
    line, points = spec["layer"]
    assert line["mark"]["type"] == "line" and line["transform"] == [{"filter": "!datum.partial"}]
    assert points["encoding"]["opacity"]["condition"]["value"] == pytest.approx(0.35)
    rows = next(iter(spec["datasets"].values()))
    assert [r["partial"] for r in rows] == [True, False, True]
    assert any(t["field"] == "week_note" for t in points["encoding"]["tooltip"])


def test_the_experiment_trend_fades_a_window_starting_mid_week_and_data_ending_mid_week():
    from datetime import date

    from journeys.charts.experiment_series import trend_chart
    from journeys.experiments.experiment import Design, Experiment, Result

    experiment = Experiment(
        title="Shorter reset link", journey="j", steps=["a"], metric="reopen_rate", design=Design.before_after,
        pre_start=date(2025, 3, 5), shipped=date(2025, 3, 24), post_end=date(2025, 4, 21),  # a Wednesday start
        result=Result(design=Design.before_after, metric="reopen_rate", interim=True,
                      analysed_at=datetime(2025, 4, 9, tzinfo=UTC),
                      data_until=datetime(2025, 4, 8, 12, tzinfo=UTC)))  # a Tuesday: the data ends mid-week
    starts = ["2025-03-03", "2025-03-10", "2025-03-17", "2025-03-24", "2025-03-31", "2025-04-07"]
    series = pd.DataFrame({"arm": "changed", "week": weeks(*starts), "t": [-3, -2, -1, 0, 1, 2],
                           "value": [0.2, 0.21, 0.2, 0.12, 0.11, 0.02], "n": [300, 420, 410, 400, 415, 90]})
    spec = trend_chart(series, experiment, interim=True).to_dict()
    json.dumps(spec, allow_nan=False)
    lines, points = spec["layer"][-2:]
    assert lines["transform"] == [{"filter": "!datum.partial"}]
    assert points["encoding"]["opacity"]["condition"] == {"test": "datum.partial", "value": 0.35}
    rows = spec["datasets"][points["data"]["name"]]
    assert [(r["partial"], r["days_covered"]) for r in rows] == [
        (True, 5), (False, 7), (False, 7), (False, 7), (False, 7), (True, 2)]


def test_the_heatmap_fades_partial_weeks():
    from journeys.charts.heatmap import step_period_heatmap

    cells = pd.DataFrame({"step": ["a"] * 3, "period": weeks("2025-03-03", "2025-03-10", "2025-03-17"),
                          "value": [0.1, float("nan"), 0.3], "n": [5, 1, 7]})
    chart = step_period_heatmap(cells, steps=[("a", "Step A")], title="Reopen rate", higher_is_worse=True,
                                value_format=".0%", first=datetime(2025, 3, 6, tzinfo=UTC),
                                last=datetime(2025, 3, 23, 22, tzinfo=UTC))
    spec = chart.to_dict()
    filled = spec["layer"][1]
    assert filled["encoding"]["opacity"]["condition"]["test"] == "datum.partial"
    rows = next(iter(spec["datasets"].values()))
    assert [r["partial"] for r in rows] == [True, False, False]
    assert {"field": "week_note", "title": "week", "type": "nominal"} in filled["encoding"]["tooltip"]
