"""End-to-end imports of generated help-desk exports: normalised values, report counts, failure safety.

Every file is made by tests/tickets/exports.py (synthetic, the vendors' documented
layouts with their traps). The values asserted are the canonical ones: durations in
minutes, CSAT 1–5, booleans, tags, UTC timestamps.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, event, given
from hypothesis import strategies as st

from journeys.tickets import normalise
from journeys.tickets.canonical import arrow_schema
from journeys.tickets.column_mapping import ColumnMapping, FieldMap, propose_mapping
from journeys.tickets.importer import ImportReport, TicketImportError, import_file, inspect_file
from tests.strategies import examples
from tests.tickets.exports import (
    FRESHDESK_COLUMNS,
    ZENDESK_COLUMNS,
    ZENDESK_CUSTOM,
    as_rows,
    csv_text,
    freshdesk_api_ticket,
    freshdesk_row,
    intercom_api_conversation,
    intercom_columns,
    intercom_row,
    write_csv,
    write_json,
    write_xlsx,
    zendesk_api_ticket,
    zendesk_bulk_csv,
    zendesk_row,
)

ROOT = Path(__file__).resolve().parents[2]
ZD = [*ZENDESK_COLUMNS, *ZENDESK_CUSTOM]


def utc(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=UTC)


def run(path: Path, tmp_path: Path, mapping: ColumnMapping | None = None) -> tuple[ImportReport, list[dict]]:
    out = tmp_path / "out.parquet"
    report = import_file(path, out, mapping)
    table = pq.read_table(out)
    assert table.schema.equals(arrow_schema(tuple(report.extras))), "the file must carry exactly the schema"
    assert report.rows_read == report.rows_kept + report.rows_rejected + report.collapsed_updates
    assert table.num_rows == report.rows_kept
    assert not (tmp_path / "out.parquet.tmp").exists()
    return report, table.to_pylist()


def by_id(rows: list[dict]) -> dict[str, dict]:
    return {r["ticket_id"]: r for r in rows}


# --- Zendesk ---------------------------------------------------------------------------------------------

def test_zendesk_csv_full_layout(tmp_path):
    rows = [zendesk_row(i) for i in range(6)]
    rows[1].update({"Satisfaction Score": "Offered", "Solved at": "1900-01-01 00:00:00", "Status": "open",
                    "Full resolution time in minutes": "", "Resolution time": "", "Product [list]": "-"})
    rows[2].update({"Satisfaction Score": "Bad", "Group stations": "3", "Tags": "vip  Billing"})
    rows[3].update({"Satisfaction Score": "4", "Reopens": "2"})
    rows[4].update({"Satisfaction Score": "Unoffered", "First reply time in minutes": "-12"})
    rows[5].update({"Subject": "<script>alert('x')</script>", "Requester": '=HYPERLINK("http://evil","x")'})
    path = write_csv(tmp_path / "zendesk.csv", ZD, as_rows(ZD, rows))
    report, out = run(path, tmp_path)
    assert report.layout == "zendesk"
    assert (report.rows_read, report.rows_kept, report.rows_rejected) == (6, 6, 0)
    t = by_id(out)
    first = t["1000"]
    assert first["created_at"] == utc(2024, 3, 4, 9)
    assert first["first_response_minutes"] == 30 and first["resolution_minutes"] == 300
    assert first["csat"] == 5 and first["escalated"] is False and first["tags"] == ["login", "password_reset"]
    assert first["channel"] == "Mail" and first["category"] == "question" and first["agent_replies"] == 2
    assert first["customer_id"] == "5000" and first["group"] == "Support" and first["priority"] == "normal"
    # Excel's zero date is "never happened", Offered is not a rating, "-" custom field is empty
    assert t["1001"]["resolution_minutes"] is None and t["1001"]["csat"] is None
    assert t["1001"]["x_Product [list]"] is None and t["1001"]["x_Organization"] == "Example Ltd"
    assert t["1002"]["csat"] == 1 and t["1002"]["escalated"] is True and t["1002"]["tags"] == ["vip", "billing"]
    assert t["1003"]["csat"] == 4 and t["1003"]["reopens"] == 2
    assert t["1004"]["csat"] is None and t["1004"]["first_response_minutes"] is None
    # hostile text is data, kept verbatim
    assert t["1005"]["subject"] == "<script>alert('x')</script>"
    assert t["1005"]["x_Requester"] == '=HYPERLINK("http://evil","x")'
    assert report.coerced == {"first_response_minutes": 1}
    assert any("'-12'" in w for w in report.warnings)
    assert any("not ratings" in w for w in report.warnings)  # Offered/Unoffered said out loud
    assert "Requester" in report.unused_columns and "x_Requester" in report.extras
    assert "Resolution time" in report.unused_columns  # hours column unused when minutes exist, but kept


def test_zendesk_subset_reordered_hours_and_business_hours_only(tmp_path):
    header = ["Tags", "Resolution time", "Subject", "Created at", "Id",
              "First reply time in minutes within business hours", "Satisfaction Score", "Category [list]"]
    rows = [zendesk_row(i, **{"Resolution time": str(i + 1), "Category [list]": "billing" if i else "-"})
            for i in range(3)]
    path = write_csv(tmp_path / "subset.csv", header, as_rows(header, rows))
    report, out = run(path, tmp_path)
    assert report.layout == "zendesk"
    t = by_id(out)
    assert [t[str(1000 + i)]["resolution_minutes"] for i in range(3)] == [60, 120, 180]  # hours × 60
    assert t["1000"]["first_response_minutes"] == 20  # the business-hours column, said so in a warning
    assert any("business" in w for w in report.warnings)
    assert t["1001"]["category"] == "billing" and t["1000"]["category"] is None  # custom field, "-" is empty
    assert report.mapping.field("category").source == "Category [list]"


def test_zendesk_resolution_from_solved_at_when_minutes_missing(tmp_path):
    header = ["Id", "Created at", "Solved at", "Full resolution time in minutes", "Satisfaction Score"]
    rows = [zendesk_row(0), zendesk_row(1, **{"Full resolution time in minutes": ""}),
            zendesk_row(2, **{"Full resolution time in minutes": "", "Solved at": "1900-01-01 00:00:00"})]
    path = write_csv(tmp_path / "z.csv", header, as_rows(header, rows))
    _, out = run(path, tmp_path)
    t = by_id(out)
    assert t["1000"]["resolution_minutes"] == 300
    assert t["1001"]["resolution_minutes"] == 300  # recomputed: Solved at − Created at
    assert t["1002"]["resolution_minutes"] is None


# --- Intercom --------------------------------------------------------------------------------------------

def test_intercom_csv_timezone_seconds_and_bot(tmp_path):
    tz = "America/New_York"
    cols = intercom_columns(tz)
    rows = [intercom_row(0, tz), intercom_row(1, tz, **{"Fin AI Agent involved": "true",
                                                         "Fin AI Agent deflected": "true",
                                                         "Last teammate rating": ""}),
            intercom_row(2, tz, **{"Fin AI Agent involved": "false", "Number of reassignments": "2"}),
            intercom_row(3, tz, **{"Fin AI Agent involved": "false"})]
    path = write_csv(tmp_path / "intercom.csv", cols, as_rows(cols, rows))
    report, out = run(path, tmp_path)
    assert report.layout == "intercom"
    t = by_id(out)
    c = t["9000"]
    assert c["created_at"] == utc(2024, 3, 4, 14)  # 09:00 in New York (EST) is 14:00 UTC
    assert c["first_response_minutes"] == 15 and c["resolution_minutes"] == 120  # seconds / 60
    assert c["csat"] == 5 and c["tags"] == ["billing", "refund"] and c["category"] == "Billing"
    assert c["handled_by"] == "human" and c["escalated"] is True  # Fin involved, not deflected: bot → human
    assert t["9001"]["handled_by"] == "bot" and t["9001"]["escalated"] is False and t["9001"]["csat"] is None
    assert t["9002"]["escalated"] is True and t["9003"]["escalated"] is False  # reassignments > 0
    assert any("America/New_York" in w for w in report.warnings)


def test_intercom_dst_switch_is_converted_per_value(tmp_path):
    tz = "Europe/Paris"
    cols = intercom_columns(tz)
    rows = [intercom_row(0, tz, **{cols[1]: "2024-01-15 10:00:00"}),
            intercom_row(1, tz, **{cols[1]: "2024-07-15 10:00:00"})]
    path = write_csv(tmp_path / "i.csv", cols, as_rows(cols, rows))
    _, out = run(path, tmp_path)
    t = by_id(out)
    assert t["9000"]["created_at"] == utc(2024, 1, 15, 9) and t["9001"]["created_at"] == utc(2024, 7, 15, 8)


# --- Freshdesk -------------------------------------------------------------------------------------------

def test_freshdesk_csv_hhmmss_and_recompute(tmp_path):
    rows = [freshdesk_row(0), freshdesk_row(1, **{"First response time (in hrs)": "",
                                                  "Resolution time (in hrs)": ""}),
            freshdesk_row(2, **{"Survey results": "Not Good", "First response time (in hrs)": "26:15:00"})]
    path = write_csv(tmp_path / "fd.csv", list(FRESHDESK_COLUMNS), as_rows(FRESHDESK_COLUMNS, rows))
    report, out = run(path, tmp_path)
    assert report.layout == "freshdesk"
    t = by_id(out)
    assert t["1"]["first_response_minutes"] == 60 and t["1"]["resolution_minutes"] == 210
    assert t["2"]["first_response_minutes"] == 60 and t["2"]["resolution_minutes"] == 210  # from timestamps
    assert t["3"]["first_response_minutes"] == 26 * 60 + 15 and t["3"]["csat"] == 1
    assert t["1"]["csat"] == 5 and t["1"]["tags"] == ["refund", "billing"] and t["1"]["agent_replies"] == 2
    assert t["1"]["channel"] == "Email" and t["1"]["category"] == "Refund" and t["1"]["customer_id"] == "300"


# --- API shapes ------------------------------------------------------------------------------------------

def test_zendesk_api_ndjson(tmp_path):
    recs = [zendesk_api_ticket(0), zendesk_api_ticket(1, satisfaction_rating={"score": "offered", "comment": None}),
            zendesk_api_ticket(2, via={"channel": "chat", "source": {"rel": None}}, tags=["VIP"])]
    recs[2]["metric_set"]["group_stations"] = 2
    path = write_json(tmp_path / "tickets.ndjson", recs, ndjson=True)
    report, out = run(path, tmp_path)
    assert report.layout == "zendesk"
    t = by_id(out)
    assert t["1000"]["created_at"] == utc(2024, 3, 4, 9) and t["1000"]["channel"] == "email"
    assert t["1000"]["csat"] == 5 and t["1001"]["csat"] is None and t["1000"]["tags"] == ["login", "password_reset"]
    assert t["1000"]["first_response_minutes"] == 30 and t["1000"]["resolution_minutes"] == 300
    assert t["1002"]["channel"] == "chat" and t["1002"]["escalated"] is True and t["1002"]["tags"] == ["vip"]


def test_intercom_api_envelope_unix_seconds(tmp_path):
    recs = [intercom_api_conversation(0), intercom_api_conversation(1, conversation_rating=None)]
    path = write_json(tmp_path / "conversations.json", recs, envelope="conversations")
    report, out = run(path, tmp_path)
    assert report.layout == "intercom"
    t = by_id(out)
    c = t["9000"]
    assert c["created_at"] == utc(2024, 3, 4, 9) and c["tags"] == ["billing", "refund"]
    assert c["first_response_minutes"] == 15 and c["resolution_minutes"] == 120 and c["reopens"] == 1
    assert c["csat"] == 4 and c["customer_id"] == "user-0" and c["subject"] == "Billing 0"
    assert c["escalated"] is True  # two assignments


def test_freshdesk_api_numeric_enums(tmp_path):
    recs = [freshdesk_api_ticket(0), freshdesk_api_ticket(1, status=2, source=3, priority=4)]
    path = write_json(tmp_path / "fd.json", recs)
    report, out = run(path, tmp_path)
    assert report.layout == "freshdesk"
    t = by_id(out)
    assert (t["1"]["status"], t["1"]["channel"], t["1"]["priority"]) == ("Resolved", "Chat", "Medium")
    assert (t["2"]["status"], t["2"]["channel"], t["2"]["priority"]) == ("Open", "Phone", "Urgent")
    assert t["1"]["first_response_minutes"] == 60 and t["1"]["resolution_minutes"] == 210


# --- encodings, delimiters, header rows ---------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-be-bom", "cp1252"])
def test_encodings(tmp_path, encoding):
    rows = [zendesk_row(0, Subject="Café – naïve “quotes” €5"), zendesk_row(1)]
    path = write_csv(tmp_path / "enc.csv", ZD, as_rows(ZD, rows), encoding=encoding)
    report, out = run(path, tmp_path)
    assert report.layout == "zendesk" and report.rows_kept == 2
    assert by_id(out)["1000"]["subject"] == "Café – naïve “quotes” €5"


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiters_and_decimal_comma(tmp_path, delimiter):
    header = ["Ticket ID", "Created", "Subject", "Resolution minutes", "Status"]
    minutes = "90,5" if delimiter == ";" else "90.5"
    rows = [["T-1", "2024-05-01 10:00", "Hello; world, again", minutes, "open"],
            ["T-2", "2024-05-02 11:30", "Second", "15", "closed"]]
    path = write_csv(tmp_path / "d.csv", header, rows, delimiter=delimiter)
    report, out = run(path, tmp_path)
    assert report.delimiter == delimiter and report.layout == "generic"
    t = by_id(out)
    assert t["T-1"]["subject"] == "Hello; world, again" and t["T-1"]["resolution_minutes"] == 90.5
    assert t["T-2"]["created_at"] == utc(2024, 5, 2, 11, 30)


def test_preamble_and_duplicated_headers(tmp_path):
    header = ["Id", "Created at", "Tags", "Subject", "Tags", "Satisfaction Score"]
    rows = [["1", "2024-03-04 09:00:00", "a b", "s", "second", "Good"]]
    path = write_csv(tmp_path / "p.csv", header, rows, preamble=["Zendesk export", "Generated 2024-03-05", ""])
    report, out = run(path, tmp_path)
    assert report.header_row == 3
    assert out[0]["tags"] == ["a", "b"] and out[0]["x_Tags (2)"] == "second"
    assert any("Duplicated column names" in w for w in report.warnings)
    assert any("before the header" in w for w in report.warnings)


# --- generic exports: null markers, date orders, update rows, rejects -----------------------------------

def test_generic_null_markers_and_day_first(tmp_path):
    header = ["Case Number", "Opened", "Short description", "Priority", "Assignment group", "Resolved"]
    rows = [["C1", "13/03/2024 09:05", "Printer", "N/A", "?", "13/03/2024 10:05"],
            ["C2", "1/4/2024 14:00", "null", "2 - High", "Desk", "-"],
            ["C3", "02/04/2024 08:00", "VPN", "3", "Desk", "02/04/2024 07:00"]]
    path = write_csv(tmp_path / "snow.csv", header, rows)
    report, out = run(path, tmp_path)
    assert report.date_order == "dayfirst"
    t = by_id(out)
    assert t["C1"]["created_at"] == utc(2024, 3, 13, 9, 5) and t["C1"]["resolution_minutes"] == 60
    assert t["C2"]["created_at"] == utc(2024, 4, 1, 14)
    assert t["C1"]["priority"] is None and t["C1"]["group"] is None and t["C2"]["subject"] is None
    assert t["C2"]["resolution_minutes"] is None  # "-" is empty, not an error
    assert t["C3"]["resolution_minutes"] is None and report.coerced == {"resolution_minutes": 1}  # negative


def test_month_first_and_ambiguous_dates(tmp_path):
    header = ["id", "created_at"]
    path = write_csv(tmp_path / "us.csv", header, [["a", "03/13/2024 5:00 PM"], ["b", "12/01/2024 08:00"]])
    report, out = run(path, tmp_path)
    assert report.date_order == "monthfirst"
    t = by_id(out)
    assert t["a"]["created_at"] == utc(2024, 3, 13, 17) and t["b"]["created_at"] == utc(2024, 12, 1, 8)
    path = write_csv(tmp_path / "amb.csv", header, [["a", "03/04/2024"], ["b", "05/06/2024"]])
    report, out = run(path, tmp_path)
    assert by_id(out)["a"]["created_at"] == utc(2024, 3, 4)
    assert any("ambiguous" in w for w in report.warnings)


def test_day_first_proven_late_in_the_file_reruns(tmp_path, monkeypatch):
    real = normalise.date_order_evidence
    monkeypatch.setattr(normalise, "date_order_evidence", lambda con, sql, cols, types, limit=2: real(
        con, sql, cols, types, limit=2))
    rows = [[f"t{i}", "05/06/2024 10:00"] for i in range(3)] + [["late", "25/06/2024 10:00"]]
    path = write_csv(tmp_path / "late.csv", ["id", "created_at"], rows)
    report, out = run(path, tmp_path)
    assert report.date_order == "dayfirst" and report.rows_kept == 4
    assert by_id(out)["t0"]["created_at"] == utc(2024, 6, 5, 10)


def test_one_row_per_update_is_collapsed(tmp_path):
    header = ["Ticket", "Created", "Status", "Updated", "Group"]
    rows = [["7", "2024-03-01 10:00", "new", "2024-03-01 10:00", "L1"],
            ["8", "2024-03-01 11:00", "new", "2024-03-01 11:00", "L1"],
            ["7", "", "open", "2024-03-01 12:00", "L2"],
            ["7", "", "solved", "2024-03-02 09:00", "L2"],
            ["", "", "orphan", "2024-03-02 09:00", "L2"],
            ["8", "2024-03-01 11:00", "pending", "2024-03-01 11:30", "L1"]]
    path = write_csv(tmp_path / "updates.csv", header, rows)
    info, mapping = inspect_file(path)
    assert info.columns == header
    assert mapping.ticket_key == "Ticket" and mapping.updated_at == "Updated"
    report, out = run(path, tmp_path)
    assert report.collapsed_updates == 3 and report.rejected == {"missing ticket_id": 1}
    t = by_id(out)
    assert t["7"]["status"] == "solved" and t["7"]["group"] == "L2" and t["7"]["created_at"] == utc(2024, 3, 1, 10)
    assert t["8"]["status"] == "pending"


def test_rejects_duplicates_and_counts(tmp_path):
    header = ["id", "created_at", "subject", "first response minutes"]
    rows = [["1", "2024-03-01 10:00", "ok", "5"],
            ["", "2024-03-01 10:00", "no id", "5"],
            ["3", "yesterday", "bad date", "5"],
            ["4", "1850-02-01 00:00", "impossible", "5"],
            ["5", "2999-01-01 00:00", "future", "5"],
            ["1", "2024-03-02 10:00", "dup of 1", "5"],
            ["6", "", "no date", "abc"],
            ["7", "2024-03-03 10:00", "bad number", "abc"]]
    path = write_csv(tmp_path / "r.csv", header, rows)
    report, out = run(path, tmp_path)
    assert report.rows_read == 8 and report.rows_kept == 2
    assert report.rejected == {"missing ticket_id": 1, "unparseable created_at": 1, "impossible created_at": 2,
                               "duplicate ticket_id": 1, "missing created_at": 1}
    assert report.duplicate_ids == 1 and report.examples["duplicate ticket_id"] == ["id '1'"]
    assert report.examples["unparseable created_at"] == ["row 3: 'yesterday'"]
    assert by_id(out)["1"]["subject"] == "ok"  # the first row of an id is kept
    assert report.coerced == {"first_response_minutes": 1}
    assert "Rejected 6 rows" in report.summary()
    json.dumps(report.to_json())  # serialisable as is


def test_malformed_lines_are_rejected_with_line_numbers(tmp_path):
    text = csv_text(["id", "created_at", "subject"], [["1", "2024-03-01", "a"], ["2", "2024-03-01", "b"]])
    text += '3,2024-03-01,c,EXTRA,FIELDS\r\n4,2024-03-02,"d"\r\n'
    path = tmp_path / "m.csv"
    path.write_text(text)
    report, out = run(path, tmp_path)
    assert sorted(r["ticket_id"] for r in out) == ["1", "2", "4"]
    assert report.rejected == {"malformed line (more fields than the header)": 1}
    assert report.examples["malformed line (more fields than the header)"][0].startswith("line 4")


def test_short_lines_are_padded_and_invalid_utf8_read_as_cp1252(tmp_path):
    body = "id,created_at,subject,status\r\n1,2024-03-01,short\r\n2,2024-03-01,ok,open\r\n"
    path = tmp_path / "mixed.csv"
    path.write_bytes(body.encode() + "3,2024-03-02,caf\xe9,open\r\n".encode("cp1252"))
    path.write_bytes(b"x" * 0 + path.read_bytes())
    report, out = run(path, tmp_path)
    t = by_id(out)
    assert t["1"]["status"] is None and t["2"]["status"] == "open"
    assert report.rows_kept == 3


def test_excel_workbook(tmp_path):
    rows = [["Tickets export"], ["Id", "Created at", "Solved at", "Full resolution time in minutes",
                                 "Satisfaction Score", "Group stations", "Subject"]]
    rows.append([1001, datetime(2024, 3, 4, 9), datetime(2024, 3, 4, 14), 300, "Good", 1, "=1+1"])
    rows.append([1002, datetime(2024, 3, 4, 10), datetime(1900, 1, 1), None, "Offered", 2, "-"])
    path = write_xlsx(tmp_path / "export.xlsx", rows)
    report, out = run(path, tmp_path)
    assert report.layout == "zendesk" and report.header_row == 1
    t = by_id(out)
    assert t["1001"]["created_at"] == utc(2024, 3, 4, 9) and t["1001"]["resolution_minutes"] == 300
    assert t["1001"]["subject"] == "=1+1" and t["1001"]["csat"] == 5
    assert t["1002"]["resolution_minutes"] is None and t["1002"]["escalated"] is True and t["1002"]["subject"] is None


def test_explicit_mapping_and_parquet_source(tmp_path):
    src = tmp_path / "src.csv"
    write_csv(src, ["key", "when", "mins", "who"], [["a", "2024-01-01T10:00:00+02:00", "120", "Bot"],
                                                    ["b", "2024-01-01T10:00:00Z", "30", "agent"]])
    import duckdb

    parquet = tmp_path / "src.parquet"
    duckdb.sql(f"COPY (SELECT * FROM read_csv('{src}', all_varchar=true)) TO '{parquet}' (FORMAT parquet)")
    mapping = propose_mapping(["key", "when", "mins", "who"]).with_field("ticket_id", FieldMap("key"))
    mapping = mapping.with_field("created_at", FieldMap("when")).with_field(
        "resolution_minutes", FieldMap("mins", "seconds_to_minutes")).with_field("handled_by", FieldMap("who"))
    report, out = run(parquet, tmp_path, mapping)
    t = by_id(out)
    assert t["a"]["created_at"] == utc(2024, 1, 1, 8) and t["b"]["created_at"] == utc(2024, 1, 1, 10)
    assert t["a"]["resolution_minutes"] == 2 and t["a"]["handled_by"] == "bot" and t["b"]["handled_by"] == "human"
    assert report.format == "parquet"


def test_progress_is_reported(tmp_path):
    path = write_csv(tmp_path / "z.csv", ZD, as_rows(ZD, [zendesk_row(i) for i in range(3)]))
    seen: list[tuple[str, float]] = []
    import_file(path, tmp_path / "o.parquet", progress=lambda stage, f: seen.append((stage, f)))
    assert seen[0] == ("sniffing", 0.0) and seen[-1] == ("done", 1.0)
    assert [f for _, f in seen] == sorted(f for _, f in seen)


# --- nothing usable ------------------------------------------------------------------------------------

@pytest.mark.parametrize("content, words", [
    (b"", "empty"),
    (b"\x00\x01\x02\x03PNG\x00\x00" * 50, "binary"),
    (b"just one line of prose without any delimiter\n", "table"),
    (b"id,created_at\n", "no rows"),
    (b"name,email\nAda,ada@example.com\n", "ticket_id"),
    (b"id,created_at\n1,never\n2,\n", "No row"),
])
def test_nothing_usable_raises_and_keeps_previous_file(tmp_path, content, words):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    out = tmp_path / "out.parquet"
    out.write_bytes(b"previous complete file")
    with pytest.raises(TicketImportError) as info:
        import_file(path, out)
    assert words.lower() in str(info.value).lower()
    assert out.read_bytes() == b"previous complete file"
    assert not Path(str(out) + ".tmp").exists()


def test_mapping_that_does_not_fit_is_refused(tmp_path):
    path = write_csv(tmp_path / "z.csv", ZD, as_rows(ZD, [zendesk_row(0)]))
    bad = propose_mapping(ZD).with_field("csat", FieldMap("Nope", "csat")).with_field(
        "escalated", FieldMap("Group stations", "seconds_to_minutes"))
    with pytest.raises(TicketImportError) as info:
        import_file(path, tmp_path / "o.parquet", bad)
    text = str(info.value)
    assert "Nope" in text and "does not fit escalated" in text
    assert info.value.report is not None and info.value.report.rows_read == 0


# --- a killed import -------------------------------------------------------------------------------------

_CHILD = """
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[3])
from journeys.tickets.importer import import_file
def progress(stage, fraction):
    if stage == "reading" and fraction > 0.05:   # after the first batch reached the .tmp file
        print("writing", flush=True)
        sys.stdin.readline()                     # hold here until the test kills us
import_file(Path(sys.argv[1]), Path(sys.argv[2]), progress=progress)
"""


@pytest.mark.parametrize("previous", [False, True])
def test_killed_import_leaves_nothing_or_the_previous_file(tmp_path, previous):
    src = write_csv(tmp_path / "z.csv", ZD, as_rows(ZD, [zendesk_row(i) for i in range(50)]))
    out = tmp_path / "tickets.parquet"
    if previous:
        import_file(write_csv(tmp_path / "old.csv", ZD, as_rows(ZD, [zendesk_row(0)])), out)
        before = out.read_bytes()
    child = subprocess.Popen([sys.executable, "-c", _CHILD, str(src), str(out), str(ROOT)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "writing", "the import ended before it could be killed"
        assert Path(str(out) + ".tmp").exists()  # mid-way: the partial file is the .tmp one
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    if previous:
        assert out.read_bytes() == before
        assert pq.read_table(out).num_rows == 1
    else:
        assert not out.exists()
    report = import_file(src, out)  # the next import replaces the stale .tmp and completes
    assert report.rows_kept == 50 and pq.read_table(out).num_rows == 50


# --- property tests: never any other exception, never a partial out_path ------------------------------

def _check_outcome(path: Path, out: Path) -> None:
    if out.exists():
        out.unlink()
    try:
        report = import_file(path, out)
    except TicketImportError as exc:
        event(f"refused: {exc.message[:40]}")
        assert str(exc)
        assert not out.exists()
        if exc.report is not None:
            assert exc.report.rows_kept == 0
    else:
        event("imported")
        table = pq.read_table(out)
        assert table.num_rows == report.rows_kept > 0
        assert report.rows_read == report.rows_kept + report.rows_rejected + report.collapsed_updates
        assert table.schema.equals(arrow_schema(tuple(report.extras)))
        assert report.summary()
    assert not Path(str(out) + ".tmp").exists()


_PROPS = examples(40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                            HealthCheck.too_slow])


@_PROPS
@given(data=st.binary(max_size=3000), suffix=st.sampled_from([".csv", ".json", ".xlsx", ".parquet", ".txt"]))
def test_random_bytes(tmp_path, data, suffix):
    path = tmp_path / f"random{suffix}"
    path.write_bytes(data)
    _check_outcome(path, tmp_path / "out.parquet")


_CELLS = st.one_of(
    st.sampled_from(["", "-", "?", "N/A", "null", "1900-01-01 00:00:00", "13/02/2024", "02/13/2024 1:00 PM",
                     "2024-02-30", "99999999999999", "-5", "1,5", "Good", "Offered", "=cmd|' /C calc'!A0",
                     "<img src=x onerror=alert(1)>", '"', "a\nb", "🙂", "\u202etxt", "0", "true"]),
    st.text(max_size=12),
)


@_PROPS
@given(layout=st.sampled_from(["zendesk", "intercom", "freshdesk"]), seed=st.randoms(use_true_random=False),
       cells=st.lists(st.tuples(st.integers(0, 5), st.integers(0, 60), _CELLS), max_size=12),
       shuffle=st.booleans(), cut=st.one_of(st.none(), st.integers(0, 4000)),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]),
       delimiter=st.sampled_from([",", ";", "\t"]))
def test_mutated_exports(tmp_path, layout, seed, cells, shuffle, cut, encoding, delimiter):
    if layout == "zendesk":
        header, rows = ZD, [zendesk_row(i) for i in range(6)]
    elif layout == "intercom":
        header, rows = list(intercom_columns()), [intercom_row(i) for i in range(6)]
    else:
        header, rows = list(FRESHDESK_COLUMNS), [freshdesk_row(i) for i in range(6)]
    table = as_rows(header, rows)
    for r, c, value in cells:
        table[r][c % len(header)] = value
    header = list(header)
    if shuffle:
        order = list(range(len(header)))
        seed.shuffle(order)
        header = [header[i] for i in order]
        table = [[row[i] for i in order] for row in table]
    text = csv_text(header, table, delimiter=delimiter)
    data = text.encode(encoding, errors="replace")
    if cut is not None:
        data = data[:cut]
    path = tmp_path / "mutated.csv"
    path.write_bytes(data)
    _check_outcome(path, tmp_path / "out.parquet")


_HEADERS = ["id", "ticket id", "created", "created at", "subject", "tags", "csat", "status", "resolved at",
            "first response time", "escalated", "handled by", "priority", "group", "x", "id", "", "Updated"]


_DATES = st.sampled_from(["2024-03-04 09:00", "04/03/2024", "03/04/2024 10:00 PM", "2024-03-04T09:00:00+01:00",
                          "1709542800", "13.03.2024", "Mar 4, 2024", "2024-02-30", "", "-", "soon"])


@_PROPS
@given(header=st.lists(st.sampled_from(_HEADERS), min_size=1, max_size=7), usable=st.booleans(),
       body=st.lists(st.tuples(st.text(min_size=0, max_size=4), _DATES, st.lists(_CELLS, max_size=6)), max_size=8),
       as_json=st.booleans())
def test_random_generic_tables(tmp_path, header, usable, body, as_json):
    """Random headers and cells; half the time with an id and a created-at column in front."""
    if usable:
        header = ["id", "created at", *header]
        body = [[i, d, *cells] for i, d, cells in body]
    else:
        body = [[i, *cells] for i, _, cells in body]
    if as_json:
        recs = [dict(zip(header, row, strict=False)) for row in body]
        path = write_json(tmp_path / "random.json", recs, ndjson=bool(len(body) % 2))
    else:
        path = tmp_path / "random.csv"
        path.write_text(csv_text(header, body), encoding="utf-8")
    _check_outcome(path, tmp_path / "out.parquet")


def test_medium_bulk_file_end_to_end(tmp_path):
    """20k seeded rows of the benchmark's generator: every row kept, traps counted, values sane."""
    path = zendesk_bulk_csv(tmp_path / "bulk.csv", 20_000, seed=3)
    report, _ = run(path, tmp_path)
    assert report.rows_kept == 20_000 and report.rows_rejected == 0 and report.layout == "zendesk"
    table = pq.read_table(tmp_path / "out.parquet", columns=["created_at", "resolution_minutes", "csat", "status"])
    import pyarrow.compute as pc

    assert pc.min(table["resolution_minutes"]).as_py() >= 0
    assert set(pc.unique(table["csat"]).drop_null().to_pylist()) <= {1.0, 5.0}
    assert pc.min(table["created_at"]).as_py() >= utc(2024, 1, 1) - timedelta(days=1)
    unsolved = pc.sum(pc.is_in(table["status"], value_set=__import__("pyarrow").array(
        ["new", "open", "pending", "hold"]))).as_py()
    assert pc.sum(pc.is_null(table["resolution_minutes"])).as_py() == unsolved  # Excel zero date → null


def test_invalid_utf8_after_the_sniffed_head_is_read_as_cp1252(tmp_path):
    lines = ["id,created_at,subject"] + [f"{i},2024-03-04 09:00:00,plain subject {i:07d} é" for i in range(40_000)]
    data = ("\n".join(lines) + "\n").encode("utf-8") + "late,2024-03-05 09:00:00,caf\xe9 cr\xe8me\n".encode("cp1252")
    assert len(data) > 1 << 20
    path = tmp_path / "late.csv"
    path.write_bytes(data)
    report, out = run(path, tmp_path)
    assert report.rows_kept == 40_001 and report.rows_rejected == 0
    assert by_id(out)["late"]["subject"] == "café crème" and by_id(out)["0"]["subject"].endswith("é")
    assert any("cp1252" in w for w in report.warnings)


def test_awkward_header_names_and_extras(tmp_path):
    header = ["Id", "Created at", 'Say "hi"', "it's", "=SUM(A1)", "x_custom", "custom", "Ünïcødé 🙂", "a.b[]"]
    row = ["1", "2024-03-04 09:00:00", "q", "apostrophe", "formula", "pre", "plain", "u", "dots"]
    path = write_csv(tmp_path / "h.csv", header, [row])
    report, out = run(path, tmp_path)
    rec = out[0]
    assert rec['x_Say "hi"'] == "q" and rec["x_it's"] == "apostrophe" and rec["x_=SUM(A1)"] == "formula"
    assert rec["x_custom"] == "pre" and rec["x_custom (2)"] == "plain" and rec["x_Ünïcødé 🙂"] == "u"
    assert set(report.unused_columns) == set(header[2:])


def test_json_with_mixed_types_and_zero_dates(tmp_path):
    recs = [{"id": 1, "created_at": "2024-03-04T09:00:00Z", "resolved_at": "1900-01-01", "priority": "high"},
            {"id": "B-2", "created_at": 1709546400, "resolved_at": "2024-03-04T12:00:00Z", "priority": 3}]
    path = write_json(tmp_path / "mixed.ndjson", recs, ndjson=True)
    report, out = run(path, tmp_path)
    t = by_id(out)
    assert t["1"]["created_at"] == utc(2024, 3, 4, 9) and t["1"]["resolution_minutes"] is None
    assert t["B-2"]["created_at"] == utc(2024, 3, 4, 10) and t["B-2"]["resolution_minutes"] == 120
    assert t["1"]["priority"] == "high" and t["B-2"]["priority"] == "3"
    assert report.coerced == {}


def test_broken_binary_formats_are_refused(tmp_path):
    good = write_xlsx(tmp_path / "good.xlsx", [["Id", "Created at"], [1, datetime(2024, 3, 4)]])
    cases = {
        "truncated.xlsx": good.read_bytes()[: len(good.read_bytes()) // 2],
        "fake.xlsx": b"PK\x03\x04" + b"not really a zip" * 20,
        "broken.parquet": b"PAR1" + b"\x00garbage" * 50 + b"PAR1",
        "array.json": b'[{"id": 1, "created_at": "2024-03-04"}, {"id": ',
    }
    for name, data in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(TicketImportError):
            import_file(path, tmp_path / "out.parquet")
        assert not (tmp_path / "out.parquet").exists()


def test_a_failure_while_writing_leaves_no_file_and_no_thread(tmp_path, monkeypatch):
    import threading

    from journeys.tickets import importer

    path = zendesk_bulk_csv(tmp_path / "bulk.csv", 3000, seed=5)
    monkeypatch.setattr(importer, "BATCH_ROWS", 1000)
    calls = []

    def boom(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise OSError("disk full")

    real_writer = importer._writer

    def writer(*args, **kwargs):
        w = real_writer(*args, **kwargs)
        original = w.write_table

        def write_table(table, *a, **k):
            boom()
            return original(table, *a, **k)

        w.write_table = write_table
        return w

    monkeypatch.setattr(importer, "_writer", writer)
    with pytest.raises(TicketImportError) as info:
        import_file(path, tmp_path / "out.parquet")
    assert "disk full" in str(info.value)
    assert not (tmp_path / "out.parquet").exists() and not (tmp_path / "out.parquet.tmp").exists()
    assert not [t for t in threading.enumerate() if t.name == "journeys-import-reader"]
