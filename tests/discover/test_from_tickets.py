"""Event logs derived from tickets: customers' journey steps, and tickets' status histories."""

from __future__ import annotations

from datetime import timedelta

import ibis
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from journeys.discover import LogImportError, customer_journeys_log, dfg, status_history_log
from journeys.discover.log import REPEAT
from tests.discover.helpers import DAY, write_csv


def _tickets() -> pa.Table:
    rows = [  # ticket, customer, step, minutes after DAY, channel
        ("t1", "cu1", "login", 0, "web"), ("t2", "cu1", "reset-password", 30, "email"),
        ("t3", "cu1", "login", 90, "web"), ("t4", "cu2", "login", 10, "chat"), ("t5", "cu2", "open-chat", 20, "chat"),
        ("t6", None, "login", 5, "web"), ("t7", "cu3", None, 5, "web"), ("t8", "cu3", "open-chat", 50, "chat"),
    ]
    return pa.table({
        "ticket_id": [r[0] for r in rows], "customer_id": [r[1] for r in rows], "journey_step": [r[2] for r in rows],
        "created_at": pa.array([DAY + timedelta(minutes=r[3]) for r in rows], pa.timestamp("us", tz="UTC")),
        "channel": [r[4] for r in rows], "handled_by": ["human"] * len(rows),
    })


@pytest.mark.parametrize("kind", ["arrow", "parquet", "ibis"])
def test_customer_journeys_from_mapped_tickets(tmp_path, kind):
    table = _tickets()
    if kind == "parquet":
        pq.write_table(table, tmp_path / "mapped.parquet")
        source = tmp_path / "mapped.parquet"
    elif kind == "ibis":
        source = ibis.memtable(table.to_pandas())
    else:
        source = table
    report = customer_journeys_log(source, tmp_path / "journeys.parquet")
    assert (report.rows_read, report.rows_kept, report.cases) == (8, 6, 3)
    assert report.rejected == {"ticket without a customer_id": 1, "ticket on no journey step": 1}
    assert report.columns.case == "customer_id" and "x_ticket_id" in report.extras and "x_channel" in report.extras
    graph = dfg(tmp_path / "journeys.parquet")
    assert graph.edge_counts() == {("login", "reset-password"): 1, ("reset-password", "login"): 1,
                                   ("login", "open-chat"): 1}
    assert dict(zip(graph.starts["activity"], graph.starts["cases"], strict=True)) == {"login": 2, "open-chat": 1}


def test_customer_journeys_need_mapped_tickets(tmp_path):
    with pytest.raises(LogImportError, match="map the tickets to a journey first"):
        customer_journeys_log(_tickets().drop(["journey_step"]), tmp_path / "o.parquet")


def test_status_history_from_one_row_per_update(tmp_path):
    header = ["Ticket ID", "Subject", "Status", "Created at", "Updated at"]
    rows = [
        ["101", "Invoice", "new", "2024-03-04 09:00", "2024-03-04 09:00"],
        ["101", "Invoice", "open", "2024-03-04 09:00", "2024-03-04 09:30"],
        ["102", "Login", "new", "2024-03-04 09:10", "2024-03-04 09:10"],
        ["101", "Invoice", "open", "2024-03-04 09:00", "2024-03-04 10:00"],  # a comment: status unchanged
        ["101", "Invoice", "pending", "2024-03-04 09:00", "2024-03-04 11:00"],
        ["102", "Login", "solved", "2024-03-04 09:10", "2024-03-04 09:40"],
        ["101", "Invoice", "open", "2024-03-04 09:00", "2024-03-04 12:00"],
        ["101", "Invoice", "solved", "2024-03-04 09:00", "2024-03-04 13:00"],
    ]
    report = status_history_log(write_csv(tmp_path / "updates.csv", header, rows), tmp_path / "status.parquet")
    assert report.columns.case == "Ticket ID" and report.columns.activity == "Status"
    assert report.columns.timestamp == "Updated at"
    assert report.repeats_collapsed == 1 and report.rejected == {REPEAT: 1}
    graph = dfg(tmp_path / "status.parquet")
    assert graph.edge_counts() == {("new", "open"): 1, ("open", "pending"): 1, ("pending", "open"): 1,
                                   ("open", "solved"): 1, ("new", "solved"): 1}
    assert graph.edges.set_index(["source", "target"]).loc[("open", "pending"), "median_seconds"] == 5400


def test_status_history_needs_an_update_time(tmp_path):
    path = write_csv(tmp_path / "plain.csv", ["Ticket ID", "Status", "Created at"], [["1", "open", "2024-03-04"]])
    with pytest.raises(LogImportError, match="no status history"):
        status_history_log(path, tmp_path / "o.parquet")
