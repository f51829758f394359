"""Business minutes against hand-computed cases, and the properties any schedule must keep.

Every expected figure below is worked out by hand in the comment beside it (local times; London is
UTC+0 in winter and UTC+1 in summer, Berlin UTC+1 in winter).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import ibis
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given
from hypothesis import strategies as st

from journeys.business_hours import (
    Schedule,
    business_minutes,
    business_view,
    coverage,
    load_schedule,
    parse_hours,
    save_schedule,
    with_business_minutes,
)
from journeys.errors import JourneysError, StaleWrite
from journeys.store import Store
from tests.strategies import examples

LONDON = Schedule("Europe/London", parse_hours(["mon-fri 09:00-17:30", "sat 10:00-14:00"]))
LONDON_GB = Schedule("Europe/London", LONDON.hours, country="GB", subdivision="ENG")
WEEKDAYS_ONLY = Schedule("Europe/London", parse_hours(["mon-fri 09:00-17:30"]))


def one(start: str, end: str, schedule: Schedule, zone: str = "Europe/London") -> float:
    """Business minutes between two local wall-clock times in ``zone``."""
    s = pd.Timestamp(start).tz_localize(zone).tz_convert("UTC")
    e = pd.Timestamp(end).tz_localize(zone).tz_convert("UTC")
    return float(business_minutes([s], [e], schedule)[0])


def test_a_weekend_counts_only_saturday_morning_hours():
    # Fri 1 Mar 2024 17:00 → Mon 4 Mar 10:00: Fri 17:00–17:30 (30) + Sat 10:00–14:00 (240) + Mon 09:00–10:00 (60)
    assert one("2024-03-01 17:00", "2024-03-04 10:00", LONDON) == pytest.approx(330)
    # without Saturday hours the weekend is closed: 30 + 60
    assert one("2024-03-01 17:00", "2024-03-04 10:00", WEEKDAYS_ONLY) == pytest.approx(90)


def test_gb_christmas_and_boxing_day_are_closed():
    # Tue 24 Dec 2024 16:00 → Fri 27 Dec 10:00: Tue 16:00–17:30 (90), Wed 25 and Thu 26 closed, Fri 09:00–10:00 (60)
    assert one("2024-12-24 16:00", "2024-12-27 10:00", LONDON_GB) == pytest.approx(150)
    # the same interval without a country: Wed and Thu are 510 minutes each
    assert one("2024-12-24 16:00", "2024-12-27 10:00", LONDON) == pytest.approx(150 + 2 * 510)


def test_a_german_subdivision_holiday_closes_only_in_that_state():
    hours = parse_hours(["mon-fri 09:00-17:00"])
    bavaria = Schedule("Europe/Berlin", hours, country="DE", subdivision="BY")
    berlin = Schedule("Europe/Berlin", hours, country="DE", subdivision="BE")
    # Fri 3 Jan 2025 16:00 → Tue 7 Jan 10:00 (Berlin time): Fri 60, Mon 6 Jan (Epiphany in Bavaria) 0, Tue 60
    assert one("2025-01-03 16:00", "2025-01-07 10:00", bavaria, "Europe/Berlin") == pytest.approx(120)
    # Epiphany is not a holiday in the state of Berlin: Monday's 480 minutes count
    assert one("2025-01-03 16:00", "2025-01-07 10:00", berlin, "Europe/Berlin") == pytest.approx(600)


def test_opening_hours_follow_the_local_clock_across_both_dst_changes():
    # Clocks go forward on Sun 31 Mar 2024. Fri 29 Mar 17:00 GMT (17:00 UTC) → Mon 1 Apr 10:00 BST (09:00 UTC):
    # Fri 30 + Mon 09:00–10:00 BST 60 = 90 (in UTC hours Monday would add nothing)
    assert one("2024-03-29 17:00", "2024-04-01 10:00", WEEKDAYS_ONLY) == pytest.approx(90)
    # Clocks go back on Sun 27 Oct 2024. Fri 25 Oct 17:00 BST → Mon 28 Oct 10:00 GMT: 30 + 60
    assert one("2024-10-25 17:00", "2024-10-28 10:00", WEEKDAYS_ONLY) == pytest.approx(90)
    always = Schedule("Europe/London", parse_hours(["mon-sun 00:00-24:00"]))
    # a desk open round the clock: the spring Sunday has 23 hours, the autumn Sunday 25
    assert one("2024-03-31 00:00", "2024-04-01 00:00", always) == pytest.approx(23 * 60)
    assert one("2024-10-27 00:00", "2024-10-28 00:00", always) == pytest.approx(25 * 60)


def test_a_ticket_opened_at_night_and_answered_next_morning():
    # Tue 5 Mar 2024 22:00 → Wed 6 Mar 09:45: only Wed 09:00–09:45
    assert one("2024-03-05 22:00", "2024-03-06 09:45", LONDON) == pytest.approx(45)


def test_a_ticket_inside_one_day_and_one_across_a_lunch_break():
    assert one("2024-03-05 10:00", "2024-03-05 11:30", LONDON) == pytest.approx(90)
    lunch = Schedule("UTC", parse_hours(["mon-fri 09:00-12:00,13:00-17:00"]))
    # 11:00 → 14:30: 11:00–12:00 (60) + 13:00–14:30 (90)
    assert one("2024-03-05 11:00", "2024-03-05 14:30", lunch, "UTC") == pytest.approx(150)


def test_a_closure_day_is_closed():
    closed = Schedule("Europe/London", LONDON.hours, closures=(date(2024, 3, 6),))
    # Tue 5 Mar 17:00 → Thu 7 Mar 09:30: Tue 30, Wed 6 Mar closed, Thu 30
    assert one("2024-03-05 17:00", "2024-03-07 09:30", closed) == pytest.approx(60)
    assert one("2024-03-05 17:00", "2024-03-07 09:30", LONDON) == pytest.approx(60 + 510)


def test_an_end_before_the_start_is_null_and_counted():
    t = ibis.memtable(pd.DataFrame({
        "created_at": pd.to_datetime(["2024-03-05 10:00", "2024-03-05 10:00", "2024-03-05 10:00"], utc=True),
        "first_response_minutes": [30.0, -5.0, None],
        "resolution_minutes": [60.0, 60.0, -1.0],
    }))
    out = with_business_minutes(t, LONDON).execute()
    assert out["first_response_business_minutes"].tolist()[0] == pytest.approx(30)
    assert out["first_response_business_minutes"].isna().tolist() == [False, True, True]
    assert out["resolution_business_minutes"].isna().tolist() == [False, False, True]
    counts = {c.column: c for c in coverage(with_business_minutes(t, LONDON))}
    fr, res = counts["first_response_business_minutes"], counts["resolution_business_minutes"]
    assert (fr.known, fr.unknown, fr.negative) == (1, 1, 1)
    assert (res.known, res.unknown, res.negative) == (2, 0, 1)
    assert "ending before they start" in fr.sentence()


def test_business_view_swaps_business_minutes_into_the_metric_columns():
    t = ibis.memtable(pd.DataFrame({
        "created_at": pd.to_datetime(["2024-03-05 22:00"], utc=True),  # Tue 22:00 GMT
        "first_response_minutes": [11 * 60 + 45.0],  # → Wed 09:45: 45 business minutes
    }))
    out = business_view(t, LONDON).execute().iloc[0]
    assert out["first_response_minutes"] == pytest.approx(45)
    assert out["first_response_calendar_minutes"] == pytest.approx(705)
    assert pd.isna(out["resolution_minutes"])  # no calendar resolution: typed null, still readable


def test_an_empty_table_and_a_table_without_durations():
    empty = ibis.memtable(pd.DataFrame({"created_at": pd.to_datetime([], utc=True),
                                        "first_response_minutes": pd.Series([], dtype="float64")}))
    assert with_business_minutes(empty, LONDON).execute().empty
    bare = ibis.memtable(pd.DataFrame({"created_at": pd.to_datetime(["2024-03-05"], utc=True)}))
    row = with_business_minutes(bare, LONDON).execute().iloc[0]
    assert pd.isna(row["first_response_business_minutes"]) and pd.isna(row["resolution_business_minutes"])


@pytest.mark.parametrize(("make", "says"), [
    (lambda: Schedule("Mars/Olympus"), "time zone"),
    (lambda: Schedule(hours=(("moonday", "09:00", "17:00"),)), "weekday"),
    (lambda: Schedule(hours=(("mon", "17:00", "09:00"),)), "before the closing"),
    (lambda: Schedule(hours=(("mon", "09:00", "25:00"),)), "time of day"),
    (lambda: Schedule(hours=(("mon", "09:00", "13:00"), ("mon", "12:00", "17:00"))), "overlap"),
    (lambda: Schedule(country="XX"), "Public holidays"),
    (lambda: Schedule(country="DE", subdivision="ZZ"), "Public holidays"),
    (lambda: Schedule(subdivision="BY"), "needs a country"),
    (lambda: parse_hours(["mon-fri"]), "DAYS HOURS"),
    (lambda: parse_hours(["someday 09:00-17:00"]), "weekday"),
    (lambda: parse_hours(["mon 0900"]), "HH:MM-HH:MM"),
])
def test_a_wrong_schedule_is_refused_with_a_reason(make, says):
    with pytest.raises(JourneysError, match=says):
        make()


def test_hours_wrap_round_the_week_and_a_day_takes_several_spans():
    assert [d for d, _, _ in parse_hours(["fri-mon 10:00-12:00"])] == ["fri", "sat", "sun", "mon"]
    assert parse_hours(["tue 09:00-12:00,13:00-17:00"]) == (("tue", "09:00", "12:00"), ("tue", "13:00", "17:00"))


def test_the_schedule_is_a_versioned_workspace_setting(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'j.db'}")
    try:
        assert load_schedule(store, "demo") == (None, 0)
        assert save_schedule(store, "demo", LONDON_GB, "Ida", expected_version=0) == 1
        loaded, version = load_schedule(store, "demo")
        assert (loaded, version) == (LONDON_GB, 1)
        with pytest.raises(StaleWrite):
            save_schedule(store, "demo", LONDON, "Bo", expected_version=0)
        assert load_schedule(store, "other") == (None, 0)
    finally:
        store.close()


# --- properties ------------------------------------------------------------------------------------

T0 = datetime(2024, 1, 1, tzinfo=UTC)
SCHEDULES = st.sampled_from([LONDON, LONDON_GB, WEEKDAYS_ONLY,
                             Schedule("America/New_York", parse_hours(["mon-fri 08:00-12:00,13:00-18:00"]),
                                      country="US"),
                             Schedule("Australia/Sydney", parse_hours(["mon-sat 07:30-23:00"]),
                                      closures=(date(2024, 4, 2),))])
MINUTES = st.integers(min_value=0, max_value=400 * 24 * 60)  # instants in 2024 and early 2025, to the minute


@examples(25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schedule=SCHEDULES, points=st.lists(st.tuples(MINUTES, MINUTES, MINUTES), min_size=1, max_size=40))
def test_business_minutes_never_exceed_calendar_minutes_and_add_up_over_a_split(schedule, points):
    a, m, b = (np.sort(np.array(points), axis=1).T * 60).astype("int64")  # a ≤ m ≤ b in seconds
    at = [T0 + timedelta(seconds=int(x)) for x in (*a, *m, *a)]
    to = [T0 + timedelta(seconds=int(x)) for x in (*b, *b, *m)]
    got = business_minutes(at, to, schedule)
    n = len(a)
    whole, tail, head = got[:n], got[n:2 * n], got[2 * n:]
    calendar = (b - a) / 60
    assert np.all(whole >= -1e-9) and np.all(whole <= calendar + 1e-6)
    np.testing.assert_allclose(whole, head + tail, atol=1e-6)


@examples(25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(day=st.integers(min_value=0, max_value=360), start=st.integers(min_value=0, max_value=24 * 60),
       length=st.integers(min_value=0, max_value=24 * 60))
@example(day=42, start=60, length=60)  # 27 Oct 2024: 01:00-02:00 happens twice in London
@example(day=12, start=60, length=30)  # 31 Mar 2024: 01:00-02:00 never happens
def test_an_interval_wholly_outside_opening_hours_has_no_business_minutes(day, start, length):
    # WEEKDAYS_ONLY is closed on Sundays and from 17:30 to 09:00: a Sunday, or a weekday evening into the night
    first_sunday = pd.Timestamp("2024-01-07")
    sunday = first_sunday + pd.Timedelta(weeks=day % 52)
    a = sunday + pd.Timedelta(minutes=start)
    b = min(a + pd.Timedelta(minutes=length), sunday + pd.Timedelta(days=1))
    tuesday_evening = sunday + pd.Timedelta(days=2, hours=17, minutes=30)
    c = tuesday_evening + pd.Timedelta(minutes=start % (15 * 60 + 30))
    d = min(c + pd.Timedelta(minutes=length), tuesday_evening + pd.Timedelta(hours=15, minutes=30))
    local = [(a, b), (c, d)]
    # Sundays include the clock changes: an hour that happens twice (read as summer time, both ends alike, so
    # the order holds) or never (moved forward); either way the interval stays on the closed Sunday.
    def utc_of(moment: pd.Timestamp) -> pd.Timestamp:
        return moment.tz_localize("Europe/London", ambiguous=True, nonexistent="shift_forward").tz_convert("UTC")

    utc = [(utc_of(x), utc_of(y)) for x, y in local]
    got = business_minutes([x for x, _ in utc], [y for _, y in utc], WEEKDAYS_ONLY)
    assert got.tolist() == [0.0, 0.0]


def test_a_servicenow_business_duration_in_seconds_is_compared_in_minutes():
    from journeys.business_hours import vendor_agreement

    t = ibis.memtable(pd.DataFrame({
        "created_at": pd.to_datetime(["2024-03-05 17:00", "2024-03-05 17:00"], utc=True),  # Tue 17:00 GMT
        "resolution_minutes": [16 * 60 + 30.0, 16 * 60 + 30.0],  # → Wed 09:30: 30 + 30 business minutes
        "x_business_duration": ["3600", "7200"],  # 60 minutes (agrees), 120 minutes (does not)
    }))
    [found] = vendor_agreement(with_business_minutes(t, LONDON))
    assert (found.vendor, found.column, found.compared, found.agree) == ("ServiceNow", "resolution_business_minutes",
                                                                          2, 1)


def test_absurd_durations_and_clock_errors_are_null_and_never_spoil_the_other_tickets():
    t = ibis.memtable(pd.DataFrame({
        "ticket_id": [str(i) for i in range(8)],
        "created_at": pd.to_datetime(["2024-03-05 10:00"] * 5 + ["1970-01-01 00:00", "2262-01-01 00:00",
                                                                  "1800-01-01 00:00"], utc=True),
        "first_response_minutes": [1e300, np.inf, -np.inf, 1e12, 30.0, 30.0, 30.0, 30.0],
    }))
    out = with_business_minutes(t, LONDON).execute().set_index("ticket_id")["first_response_business_minutes"]
    # a stray 1970 ticket (a Thursday night: 0) neither fails the query nor nulls the 2024 ticket (30)
    assert (out["4"], out["5"]) == (pytest.approx(30.0), pytest.approx(0.0))
    assert out[["0", "1", "2", "3", "6", "7"]].isna().all()
    [counted] = coverage(with_business_minutes(t, LONDON))
    assert (counted.known, counted.negative, counted.beyond) == (2, 1, 5)


def test_the_one_line_summary_joins_runs_of_days_with_the_same_hours():
    assert LONDON_GB.summary() == "Europe/London · Mon–Fri 09:00–17:30; Sat 10:00–14:00 · holidays GB-ENG · no closures"
    split = Schedule("UTC", parse_hours(["mon,wed 09:00-12:00,13:00-17:00", "tue 09:00-17:00"]))
    assert "Mon 09:00–12:00, 13:00–17:00; Tue 09:00–17:00; Wed 09:00–12:00, 13:00–17:00" in split.summary()
    assert "always closed" in Schedule().summary()
