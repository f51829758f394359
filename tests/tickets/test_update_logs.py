"""One-row-per-update logs, imported with no mapping: one row per ticket, its last state, its history's counts.

The log is generated (tests/tickets/samples/audit_log.py, ServiceNow's incident audit shape); the
expected figures are computed here with pandas from the generated rows, not by the importer.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pandas as pd
import pyarrow.parquet as pq
import pytest

from journeys.tickets import history
from journeys.tickets.column_mapping import ColumnMapping, FieldMap
from journeys.tickets.importer import import_file, inspect_file
from tests.tickets.samples.audit_log import write_audit_log
from tests.tickets.test_import import write_csv

CLOSED = {"Resolved", "Closed"}


def _expected(rows: list[dict], derive: bool) -> pd.DataFrame:
    """Per incident: last state, group, first opened time, reopens and reassignments — from the rows alone."""
    df = pd.DataFrame(rows).drop_duplicates()
    df["t"] = pd.to_datetime(df["sys_updated_at"], format="%d/%m/%Y %H:%M")
    df["seq"] = df["sys_mod_count"].astype(int)
    df = df.sort_values(["number", "t", "seq"])
    out = {}
    for number, g in df.groupby("number", sort=False):
        states = g["incident_state"].tolist()
        reopens = sum(1 for a, b in itertools.pairwise(states) if a in CLOSED and b not in CLOSED)
        if derive:  # a change of group or assignee from the last one set ("?" is empty)
            reassign, last = 0, {"assignment_group": None, "assigned_to": None}
            for _, row in g.iterrows():
                changed = False
                for col in last:
                    if row[col] != "?":
                        changed |= last[col] is not None and row[col] != last[col]
                        last[col] = row[col]
                reassign += changed
        else:
            reassign = int(g["reassignment_count"].iloc[-1])
        first = g.iloc[0]
        out[number] = {"state": states[-1], "group": g["assignment_group"].iloc[-1],
                       "created": datetime.strptime(first["opened_at"], "%d/%m/%Y %H:%M").replace(tzinfo=UTC),
                       "reopens": reopens, "reassignments": reassign, "mods": int(g["seq"].max())}
    return pd.DataFrame.from_dict(out, orient="index")


def _imported(out) -> pd.DataFrame:
    df = pq.read_table(out).to_pandas().set_index("ticket_id")
    state = df["status"] if df["status"].notna().all() else df["x_incident_state"]
    return pd.DataFrame({"state": state, "group": df["group"], "created": df["created_at"],
                         "reopens": df["reopens"].astype(int), "reassignments": df["x_reassignments"].astype(int),
                         "mods": df["x_sys_mod_count"].astype(int)})


@pytest.mark.parametrize(("shuffle", "drop"), [
    (False, ()),                                            # as exported: each incident's saves together
    (True, ()),                                             # scattered: the repeats are found after the pass
    (True, ("reassignment_count", "reopen_count")),         # no running counts: derived from the history
])
def test_servicenow_audit_log_collapses_to_each_incidents_last_state(tmp_path, shuffle, drop):
    path = tmp_path / "incident_audit.csv"
    rows = write_audit_log(path, 400, seed=14, shuffle=shuffle, duplicates=5, drop=drop)
    expected = _expected(rows, derive=bool(drop))
    assert expected["reopens"].sum() > 20 and expected["reassignments"].sum() > 50  # the log has histories

    report = import_file(path, tmp_path / "out.parquet")
    got = _imported(tmp_path / "out.parquet")

    assert report.rows_read == len(rows) and report.rows_kept == len(expected) == 400
    assert report.rejected == {"duplicate row (identical to another)": 5} and report.duplicate_ids == 5
    assert report.collapsed_updates == len(rows) - 5 - 400 and report.updated_tickets == 400
    assert report.rows_read == report.rows_kept + report.rows_rejected + report.collapsed_updates
    note = f"Collapsed {len(rows) - 405:,} update rows to the last state of 400 tickets"
    assert note in report.summary() and "reopens and reassignments counted from the history" in report.summary()
    assert "'sys_updated_at', then 'sys_mod_count'" in report.history_note
    assert "duplicate" not in " ".join(report.warnings)  # never "first row kept, the rest rejected"
    got = got.loc[expected.index]
    assert (got["mods"] == expected["mods"]).all()  # the last save is the row kept
    assert (got["state"] == expected["state"]).all() and (got["group"] == expected["group"]).all()
    assert (got["created"] == expected["created"]).all()
    assert got["reopens"].tolist() == expected["reopens"].tolist()
    assert got["reassignments"].tolist() == expected["reassignments"].tolist()


def test_status_per_row_spreadsheet_without_any_hint(tmp_path):
    """A hand-kept sheet: a status per row, a 'Changed at' column, rows out of order, no counts."""
    header = ["Ticket", "Opened", "Status", "Team", "Changed at"]
    rows = [["A-1", "2024-05-02 09:00", "open", "Billing", "2024-05-02 09:00"],
            ["A-2", "2024-05-02 10:00", "open", "Tech", "2024-05-02 10:00"],
            ["A-3", "2024-05-03 10:00", "open", "Tech", "2024-05-03 10:00"],
            ["A-4", "2024-05-03 11:00", "open", "Tech", "2024-05-03 11:00"],
            ["A-1", "", "solved", "Tech", "2024-05-04 09:00"],
            ["A-1", "", "open", "Tech", "2024-05-05 09:00"],
            ["A-1", "", "solved", "Tech", "2024-05-06 09:00"],
            ["A-1", "", "open", "Tech", "2024-05-03 09:00"]]   # out of order: belongs before the first solve
    path = write_csv(tmp_path / "sheet.csv", header, rows)
    report = import_file(path, tmp_path / "out.parquet")
    t = pq.read_table(tmp_path / "out.parquet").to_pandas().set_index("ticket_id")
    assert report.rows_kept == 4 and report.collapsed_updates == 4 and report.updated_tickets == 1
    assert t.loc["A-1", "status"] == "solved" and t.loc["A-1", "reopens"] == 1
    assert t.loc["A-1", "group"] == "Tech" and t.loc["A-1", "x_reassignments"] == "1"
    assert t.loc["A-1", "created_at"] == pd.Timestamp("2024-05-02 09:00", tz="UTC")


def test_repeated_ids_without_an_order_column_stay_duplicates_with_a_cli_hint(tmp_path):
    header = ["ticket id", "created at", "subject"]
    rows = [["1", "2024-03-01 10:00", "a"], ["2", "2024-03-01 11:00", "b"], ["1", "2024-03-02 10:00", "c"]]
    path = write_csv(tmp_path / "d.csv", header, rows)
    _info, mapping = inspect_file(path)
    assert mapping.ticket_key is None
    report = import_file(path, tmp_path / "out.parquet")
    assert report.rejected == {"duplicate ticket_id": 1} and report.collapsed_updates == 0
    assert "import it with --ticket-key 'ticket id'" in " ".join(report.warnings)


def test_numeric_state_codes_count_only_in_their_help_desks_layout():
    columns = ["number", "opened_at", "state", "sys_updated_at"]
    fields = {"ticket_id": FieldMap("number"), "created_at": FieldMap("opened_at")}
    servicenow = history.find(ColumnMapping(layout="servicenow", fields=fields), columns)
    generic = history.find(ColumnMapping(layout="generic", fields=fields), columns)
    assert servicenow.status == "state" and servicenow.updated_at == "sys_updated_at"
    assert {"6", "7", "resolved"} <= set(servicenow.closed) and "6" not in generic.closed
