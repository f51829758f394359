"""HubSpot's tickets export (English and translated labels, milliseconds or HH:MM:SS durations), written
by code, through the real importer: the figures equal those pandas computes from the generated rows."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import HealthCheck, given
from hypothesis import strategies as st

from journeys.tickets.column_mapping import detect_layout
from tests.strategies import examples
from tests.tickets.exports import as_rows, write_csv
from tests.tickets.samples import hubspot
from tests.tickets.samples.figures import assert_same_figures, hms_minutes, imported, per_ticket


def expected(rows: list[dict[str, str]], lang: str, durations: str) -> pd.DataFrame:
    raw = pd.DataFrame(rows).replace("", None)

    def minutes(col: str) -> pd.Series:
        if durations == "ms":
            return pd.to_numeric(raw[col]) / 60_000
        return raw[col].map(hms_minutes, na_action="ignore").astype(float)

    created = pd.to_datetime(raw["Create date"], format=hubspot.DATE_FORMAT[lang]).dt.tz_localize("UTC")
    return pd.DataFrame({"ticket_id": raw["Ticket ID"], "created_at": created, "channel": raw["Source"],
                         "status": raw["Ticket status"], "first_response_minutes": minutes("Time to first agent reply"),
                         "resolution_minutes": minutes("Time to close"), "csat": None})


@pytest.mark.parametrize(("lang", "durations"), [("en", "ms"), ("en", "hms"), ("de", "hms"), ("es", "ms"),
                                                 ("fr", "ms"), ("pt", "hms")])
def test_hubspot_export_gives_the_figures_of_its_rows(tmp_path, lang, durations):
    path = tmp_path / f"hubspot_{lang}.csv"
    rows = hubspot.write(path, n=140, seed=5, lang=lang, durations=durations)
    report, got = imported(path, tmp_path)
    want = expected(rows, lang, durations)
    assert_same_figures(report, got, want, "hubspot", 140, ("first_response_minutes", "resolution_minutes"))
    assert not report.warnings, report.warnings  # dd.mm.yyyy / dd/mm/yyyy decided without a guess
    assert (got.set_index("ticket_id")["created_at"] == want.set_index("ticket_id")["created_at"]).all()
    assert got["csat"].isna().all()  # a ticket export carries no satisfaction score


def test_hubspot_close_date_fills_a_missing_time_to_close(tmp_path):
    path = tmp_path / "hubspot.csv"
    rows = hubspot.rows(n=30, seed=8)
    for r in rows:
        r["Time to close"] = ""
    write_csv(path, hubspot.COLUMNS, as_rows(hubspot.COLUMNS, rows))
    _, got = imported(path, tmp_path)
    raw = pd.DataFrame(rows).replace("", None)
    want = (pd.to_datetime(raw["Close date"]) - pd.to_datetime(raw["Create date"])).dt.total_seconds() / 60
    assert per_ticket(got, "resolution_minutes") == per_ticket(pd.DataFrame(
        {"ticket_id": raw["Ticket ID"], "resolution_minutes": want}), "resolution_minutes")


@pytest.mark.parametrize("subset", [
    ("Ticket ID", "Ticket name", "Ticket status", "Create date", "Close date"),
    ("Ticket-ID", "Ticketname", "Ticketstatus", "Erstellungsdatum", "Datum des Schließens", "Quelle"),
    ("ID del ticket", "Fecha de creación", "Fecha de cierre", "Estado del ticket", "Origen"),
    ("Ticket ID", "Pipeline", "Ticket status", "Time to first agent reply", "Time to close", "Priority"),
])
def test_hubspot_subsets_and_translations_are_recognised(subset):
    assert detect_layout(subset)[0] == "hubspot"


@examples(12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seconds=st.lists(st.one_of(st.none(), st.integers(0, 400 * 3600)), min_size=3, max_size=25),
       durations=st.sampled_from(["ms", "hms"]))
def test_hubspot_durations_read_back_as_written(tmp_path, seconds, durations):
    """Any duration, as milliseconds or HH:MM:SS past 24 hours, reads back to the same minutes."""
    rows = hubspot.rows(n=len(seconds), seed=1, durations=durations)
    for r, s in zip(rows, seconds, strict=True):
        r["Time to first agent reply"] = hubspot.duration(s, durations)
    path = tmp_path / "hubspot_prop.csv"
    write_csv(path, hubspot.COLUMNS, as_rows(hubspot.COLUMNS, rows))
    report, got = imported(path, tmp_path)
    assert report.layout == "hubspot" and not report.coerced
    g = got.set_index("ticket_id")["first_response_minutes"]
    for r, s in zip(rows, seconds, strict=True):
        value = g[r["Ticket ID"]]
        assert (pd.isna(value) if s is None else value == pytest.approx(s / 60, abs=1e-9)), (s, value)


def test_hubspot_german_export_resaved_by_excel(tmp_path):
    """Excel on a German Windows saves the export as cp1252 with semicolons: the accented labels
    ("Datum des Schließens", "Priorität") still map, and the figures do not move."""
    rows = hubspot.rows(n=120, seed=11, lang="de", durations="hms")
    path = tmp_path / "hubspot_de_excel.csv"
    write_csv(path, hubspot.header("de"), as_rows(hubspot.COLUMNS, rows), delimiter=";", encoding="cp1252")
    report, got = imported(path, tmp_path)
    assert (report.encoding, report.delimiter) == ("cp1252", ";")
    assert_same_figures(report, got, expected(rows, "de", "hms"), "hubspot", 120,
                        ("first_response_minutes", "resolution_minutes"))
