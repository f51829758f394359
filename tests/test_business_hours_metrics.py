"""Business minutes through import → metrics, and against the vendors' own business-hours columns.

Samples are written by ``tests/tickets/samples/business_hours.py`` (Zendesk and Intercom layouts, the
vendor figures counted minute by minute); every expected figure here is computed from the generated
rows in plain Python / pandas, never by our importer or ``journeys.business_hours``.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from journeys.business_hours import (
    Schedule,
    business_view,
    parse_hours,
    side_by_side,
    vendor_agreement,
    with_business_minutes,
)
from journeys.metrics import compute, tickets_table
from journeys.store import Store
from journeys.tickets.datasets import Datasets
from journeys.tickets.importer import import_file, inspect_file
from tests.cli.runner import run
from tests.tickets.samples import business_hours as bh

SCHEDULE = Schedule(bh.ZONE, parse_hours(["mon-fri 09:00-17:30", "sat 10:00-14:00"]), country="GB",
                    subdivision="ENG")
WINTER = datetime(2024, 12, 16)  # three weeks over Christmas, Boxing Day and New Year (GMT = UTC)
SUMMER = datetime(2025, 6, 2)  # British Summer Time: local clock = UTC + 1


@pytest.fixture(scope="module")
def winter() -> list[dict]:
    return bh.tickets(120, WINTER, 21)


def _imported(tmp_path: Path, source: Path, zone: str | None = None):
    out = tmp_path / f"{source.stem}-{(zone or 'utc').replace('/', '-')}.parquet"  # read lazily: one file each
    mapping = None
    if zone is not None:
        mapping = dataclasses.replace(inspect_file(source)[1], timezone=zone)
    import_file(source, out, mapping=mapping)
    return tickets_table(out)


def _ours_expected(rows: list[dict], column: str) -> pd.Series:
    """Our schedule's minutes for each ticket (Zendesk id), counted minute by minute by the generator."""
    return pd.Series({str(1000 + r["i"]): r[f"walk_{column}"] for r in rows})


def _share_expected(rows: list[dict], column: str) -> float:
    ours = _ours_expected(rows, column).to_numpy()
    theirs = np.array([r[f"vendor_{column}"] for r in rows])
    return float(np.mean(np.abs(ours - theirs) <= 1))


def test_zendesk_business_minutes_equal_a_minute_by_minute_count(tmp_path, winter):
    table = with_business_minutes(_imported(tmp_path, bh.zendesk_csv(tmp_path / "zendesk.csv", winter)), SCHEDULE)
    got = table.select("ticket_id", "first_response_business_minutes", "resolution_business_minutes").execute()
    got = got.set_index("ticket_id")
    for column, ours in (("first_reply", "first_response_business_minutes"),
                         ("resolution", "resolution_business_minutes")):
        expected = _ours_expected(winter, column)
        np.testing.assert_allclose(got.loc[expected.index, ours].to_numpy(), expected.to_numpy(), atol=1e-6)


def test_zendesk_agreement_is_the_share_within_a_minute(tmp_path, winter):
    table = with_business_minutes(_imported(tmp_path, bh.zendesk_csv(tmp_path / "zendesk.csv", winter)), SCHEDULE)
    found = {a.source: a for a in vendor_agreement(table)}
    first = found["x_First reply time in minutes within business hours"]
    full = found["x_Full resolution time in minutes within business hours"]
    assert (first.vendor, first.column, first.compared) == ("Zendesk", "first_response_business_minutes", 120)
    assert first.share == pytest.approx(_share_expected(winter, "first_reply"))
    assert full.share == pytest.approx(_share_expected(winter, "resolution"))
    # the night shift (1 in 6, counted 24/7 by the vendor) is what disagrees: most of the rest is exact
    assert 0.5 < full.share < 1
    assert "agree within a minute" in first.sentence()


def test_intercom_office_hours_seconds_are_compared_in_minutes(tmp_path, winter):
    table = with_business_minutes(_imported(tmp_path, bh.intercom_csv(tmp_path / "intercom.csv", winter)), SCHEDULE)
    [found] = vendor_agreement(table)
    assert (found.vendor, found.column, found.compared) == ("Intercom", "first_response_business_minutes", 120)
    assert found.share == pytest.approx(_share_expected(winter, "first_reply"))


def test_summer_times_read_in_the_wrong_zone_show_as_disagreement(tmp_path):
    rows = [r for r in bh.tickets(90, SUMMER, 14, seed=3) if r["group"] != bh.NIGHT_SHIFT]
    source = bh.zendesk_csv(tmp_path / "zendesk.csv", rows)
    as_utc = with_business_minutes(_imported(tmp_path, source), SCHEDULE)
    in_london = with_business_minutes(_imported(tmp_path, source, zone=bh.ZONE), SCHEDULE)
    wrong = {a.source: a.share for a in vendor_agreement(as_utc)}
    right = {a.source: a.share for a in vendor_agreement(in_london)}
    key = "x_Full resolution time in minutes within business hours"
    assert right[key] == pytest.approx(_share_expected(rows, "resolution")) == 1.0
    assert wrong[key] < 0.9  # an hour off on every ticket: many intervals cross an opening or closing time


def test_business_metrics_per_group_equal_pandas_over_the_counted_minutes(tmp_path, winter):
    table = business_view(_imported(tmp_path, bh.zendesk_csv(tmp_path / "zendesk.csv", winter)), SCHEDULE)
    got = compute(table, by=("group",), metrics=["frt_p50", "frt_p90", "resolution_p50"], min_sample=5)
    got = got.set_index("group")
    frame = pd.DataFrame({"group": [r["group"] for r in winter],
                          "fr": _ours_expected(winter, "first_reply").to_numpy(),
                          "res": _ours_expected(winter, "resolution").to_numpy()})
    expected = frame.groupby("group").agg(p50=("fr", "median"), p90=("fr", lambda s: s.quantile(0.9)),
                                          res=("res", "median"))
    for group, row in expected.iterrows():
        assert got.loc[group, "frt_p50"] == pytest.approx(row["p50"])
        assert got.loc[group, "frt_p90"] == pytest.approx(row["p90"])
        assert got.loc[group, "resolution_p50"] == pytest.approx(row["res"])
    calendar = compute(table.mutate(first_response_minutes=table.first_response_calendar_minutes), by=("group",),
                       metrics=["frt_p50"], min_sample=5).set_index("group")
    fr_calendar = pd.Series([r["first_reply"] for r in winter]).groupby([r["group"] for r in winter]).median()
    for group, value in fr_calendar.items():
        assert calendar.loc[group, "frt_p50"] == pytest.approx(value)


def test_cli_sets_the_schedule_and_reports_agreement(tmp_path, winter):
    home = tmp_path / "ws"
    source = bh.zendesk_csv(tmp_path / "zendesk.csv", winter)
    with Store.for_folder(home) as store:  # the import itself is the importer's test; here only the schedule
        datasets = Datasets(store, home)
        staged = datasets.staging_path("demo", "zd")
        datasets.commit("demo", "zd", staged, import_file(source, staged).to_json(), "fixture")
    none = run(home, "workspace", "schedule", "show", check_ok=True)
    assert "No business hours set" in none.stdout
    saved = run(home, "workspace", "schedule", "set", "--timezone", bh.ZONE, "--hours", "mon-fri 09:00-17:30",
                "--hours", "sat 10:00-14:00", "--country", "gb", "--subdivision", "eng", check_ok=True)
    assert "version 1" in saved.stdout and "Sat: 10:00–14:00" in saved.stdout and "GB-ENG" in saved.stdout
    shown = json.loads(run(home, "workspace", "schedule", "show", "--dataset", "zd", "--format", "json",
                           check_ok=True).stdout)
    assert shown["version"] == 1 and shown["schedule"]["country"] == "GB"
    shares = {a["source"]: a["share"] for a in shown["vendor_agreement"]}
    assert shares["x_First reply time in minutes within business hours"] == pytest.approx(
        _share_expected(winter, "first_reply"))
    coverage = {c["column"]: c for c in shown["coverage"]}
    assert coverage["resolution_business_minutes"]["known"] == 120
    bad = run(home, "workspace", "schedule", "set", "--timezone", "Nowhere/Land", "--hours", "mon 09:00-17:00")
    assert bad.returncode != 0 and "Unknown time zone" in bad.stderr
    out = run(home, "metrics", "--dataset", "zd", "--by", "group", "--minutes", "business", "--min-sample", "5",
              "--format", "json", check_ok=True)
    body = json.loads(out.stdout)
    assert body["minutes"] == "business" and "business hours version 1" in out.stderr
    medians = (pd.DataFrame({"group": [r["group"] for r in winter], "m": [r["walk_first_reply"] for r in winter]})
               .groupby("group")["m"].median())
    for row in body["rows"]:
        assert row["frt_p50"] == pytest.approx(medians[row["group"]])


def test_side_by_side_gives_the_catalogue_quantiles_in_both_clocks(tmp_path, winter):
    table = _imported(tmp_path, bh.zendesk_csv(tmp_path / "zendesk.csv", winter))
    got = side_by_side(table, SCHEDULE, min_sample=5).set_index("metric")
    calendar = pd.Series([r["first_reply"] for r in winter], dtype="float64")
    business = _ours_expected(winter, "first_reply").astype("float64")
    assert got.loc["frt_p50", "calendar"] == pytest.approx(calendar.median())
    assert got.loc["frt_p90", "business"] == pytest.approx(business.quantile(0.9))
    assert got.loc["resolution_p50", "business"] == pytest.approx(_ours_expected(winter, "resolution").median())
    assert got.loc["frt_p50", "n"] == 120
    too_few = side_by_side(table, SCHEDULE, min_sample=500)
    assert too_few["calendar"].isna().all() and too_few["business"].isna().all()
