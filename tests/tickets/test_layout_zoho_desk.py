"""Zoho Desk's tickets export (English and translated labels), written by code, through the real
importer: the figures equal those pandas computes from the generated rows."""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
import pytest
from hypothesis import HealthCheck, given
from hypothesis import strategies as st

from journeys.tickets.column_mapping import detect_layout
from tests.strategies import examples
from tests.tickets.exports import as_rows, write_csv
from tests.tickets.samples import zoho_desk
from tests.tickets.samples.figures import assert_same_figures, hms_minutes, imported, per_ticket

HAPPINESS = {"Good": 5.0, "Okay": 3.0, "Bad": 1.0}


def expected(rows: list[dict[str, str]]) -> pd.DataFrame:
    raw = pd.DataFrame(rows).replace("", None)
    created = pd.to_datetime(raw["Created Time"], format=zoho_desk.FMT).dt.tz_localize("UTC")
    closed = pd.to_datetime(raw["Closed Time"], format=zoho_desk.FMT).dt.tz_localize("UTC")
    resolution = raw["Resolution Time"].map(hms_minutes, na_action="ignore").astype(float)
    return pd.DataFrame({
        "ticket_id": raw["Request Id"], "created_at": created, "channel": raw["Channel"], "status": raw["Status"],
        "first_response_minutes": raw["First Response Time"].map(hms_minutes, na_action="ignore").astype(float),
        "resolution_minutes": resolution.fillna((closed - created).dt.total_seconds() / 60),
        "csat": raw["Happiness Rating"].map(HAPPINESS), "reopens": pd.to_numeric(raw["Reopen Count"]),
        "escalated": raw["Is Escalated"] == "true"})


@pytest.mark.parametrize("lang", ["en", "es", "de", "fr", "pt"])
def test_zoho_desk_export_gives_the_figures_of_its_rows(tmp_path, lang):
    path = tmp_path / f"zoho_{lang}.csv"
    rows = zoho_desk.write(path, n=130, seed=9, lang=lang)
    report, got = imported(path, tmp_path)
    want = expected(rows)
    assert_same_figures(report, got, want, "zoho_desk", 130)
    g, w = got.set_index("ticket_id"), want.set_index("ticket_id")
    assert (g["created_at"] == w["created_at"]).all()
    assert (g["reopens"] == w["reopens"]).all() and (g["escalated"] == w["escalated"]).all()
    # the 18-digit record id is kept whole, as text
    record = "x_Ticket Id" if lang == "en" else "x_" + zoho_desk.TRANSLATED[lang]["Ticket Id"]
    assert set(got[record]) == {r["Ticket Id"] for r in rows}


def test_zoho_resolution_falls_back_to_closed_time(tmp_path):
    rows = zoho_desk.rows(n=40, seed=2)
    for r in rows:
        r["Resolution Time"] = ""
    write_csv(tmp_path / "zoho.csv", zoho_desk.COLUMNS, as_rows(zoho_desk.COLUMNS, rows))
    _, got = imported(tmp_path / "zoho.csv", tmp_path)
    assert per_ticket(got, "resolution_minutes") == per_ticket(expected(rows), "resolution_minutes")


def test_zoho_api_tickets_give_the_same_figures(tmp_path):
    rows = zoho_desk.write_api(tmp_path / "tickets.json", n=90, seed=3)
    report, got = imported(tmp_path / "tickets.json", tmp_path)
    want = expected([{**r, "Resolution Time": "", "First Response Time": "", "Happiness Rating": ""} for r in rows])
    assert_same_figures(report, got, want, "zoho_desk", 90)  # resolution from closedTime − createdTime
    assert (got.set_index("ticket_id")["escalated"] == want.set_index("ticket_id")["escalated"]).all()


@examples(15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(minutes=st.lists(st.integers(0, 250 * 60), min_size=1, max_size=30),
       offsets=st.lists(st.integers(0, 400 * 24 * 60), min_size=30, max_size=30))
def test_zoho_hrs_durations_and_12_hour_times_parse(tmp_path, minutes, offsets):
    """Any ``HH:MM hrs`` and any ``dd MMM yyyy hh:mm a`` time reads back as written."""
    base = datetime(2023, 1, 1)
    rows = []
    for i, m in enumerate(minutes):
        created = base + timedelta(minutes=offsets[i])
        rows.append({**zoho_desk.rows(1, seed=i)[0], "Request Id": str(i),
                     "Created Time": created.strftime(zoho_desk.FMT),
                     "First Response Time": f"{m // 60:02d}:{m % 60:02d} hrs", "Closed Time": ""})
    path = tmp_path / "zoho_prop.csv"
    write_csv(path, zoho_desk.COLUMNS, as_rows(zoho_desk.COLUMNS, rows))
    report, got = imported(path, tmp_path)
    assert report.rows_kept == len(rows) and not report.coerced
    g = got.set_index("ticket_id")
    for i, m in enumerate(minutes):
        assert g.loc[str(i), "first_response_minutes"] == m
        assert g.loc[str(i), "created_at"].to_pydatetime().replace(tzinfo=None) == base + timedelta(minutes=offsets[i])


@pytest.mark.parametrize("subset", [
    ("Ticket Id", "Request Id", "Subject", "Status", "Created Time", "Closed Time"),
    ("Request Id", "Department", "Channel", "Happiness Rating", "Created Time"),
    ("Id. de solicitud", "Asunto", "Estado", "Canal", "Departamento", "Hora de creación", "Hora de cierre"),
    ("Ticket-ID", "Anfrage-ID", "Betreff", "Kanal", "Erstellungszeit", "Zufriedenheitsbewertung"),
])
def test_zoho_subsets_and_translations_are_recognised(subset):
    assert detect_layout(subset)[0] == "zoho_desk"
