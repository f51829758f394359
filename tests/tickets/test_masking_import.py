"""The importer with masking on, whatever the file's format: every text column written is masked (subject and
text extras), ids and other fields are kept, and the report counts what was masked."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from journeys.tickets.importer import import_file
from tests.tickets.exports import write_xlsx

ROWS = [
    {"Ticket ID": "T-1", "Created at": "2026-11-02 09:15:00", "Subject": "Mail ann@example.com",
     "Body": "Call 0151 496 0000 or +44 20 7946 0958", "Requester": "C-7"},
    {"Ticket ID": "T-2", "Created at": "2026-11-02 09:20:00", "Subject": "Card 4539-1488-0343-6467 declined",
     "Body": "Order #48213 late since 2026-12-07", "Requester": "C-8"},
]
RAW = ["ann@example.com", "0151 496 0000", "+44 20 7946 0958", "4539-1488-0343-6467"]


def _write(tmp_path: Path, fmt: str) -> Path:
    frame = pd.DataFrame(ROWS)
    path = tmp_path / f"export.{fmt}"
    if fmt == "csv":
        frame.to_csv(path, index=False)
    elif fmt == "parquet":
        frame.to_parquet(path, index=False)
    elif fmt == "xlsx":
        write_xlsx(path, [list(frame.columns), *frame.astype(str).values.tolist()])
    else:
        path.write_text("\n".join(json.dumps(r) for r in ROWS), encoding="utf-8")
    return path


@pytest.mark.parametrize("fmt", ["csv", "parquet", "xlsx", "ndjson"])
def test_every_text_column_is_masked_in_every_format(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / "home" / "out.parquet"
    report = import_file(_write(tmp_path, fmt), out, tmp_home=tmp_path / "home", mask=True)
    assert report.masked == {"email": 1, "phone": 2, "card": 1}
    rows = {r["ticket_id"]: r for r in pq.read_table(out).to_pylist()}
    assert rows["T-1"]["subject"] == "Mail [email]" and rows["T-1"]["x_Body"] == "Call [phone] or [phone]"
    assert rows["T-2"]["subject"] == "Card [card] declined"
    assert rows["T-2"]["x_Body"] == "Order #48213 late since 2026-12-07"
    assert rows["T-1"]["customer_id"] == "C-7"
    assert not [raw for raw in RAW for row in rows.values() for v in row.values() if raw in str(v)]


def test_without_masking_the_report_says_nothing_of_it(tmp_path: Path) -> None:
    out = tmp_path / "home" / "out.parquet"
    report = import_file(_write(tmp_path, "csv"), out, tmp_home=tmp_path / "home")
    assert report.masked is None and report.to_json()["masked"] is None
    assert pq.read_table(out).column("subject").to_pylist() == ["Mail ann@example.com",
                                                               "Card 4539-1488-0343-6467 declined"]
