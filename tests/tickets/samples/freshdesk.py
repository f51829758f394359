"""Freshdesk's ticket export (Tickets → Export), as CSV and as its "Excel" SpreadsheetML 2003 download.

Layout from Freshdesk's export (support.freshdesk.com "Exporting tickets"): ``Ticket ID, Subject, Status,
Priority, Source, Type, Agent, Group, Created time, Due by Time, Resolved time, Closed time, Last update
time, Initial response time, Time tracked, First response time (in hrs), Resolution time (in hrs), Agent
interactions, Customer interactions, Resolution status, First response status, Tags, Survey results,
Product, Full name, Email, Contact ID``. Quirks written here:

- ``0:00:00`` in the ``(in hrs)`` columns of tickets never answered / never resolved (and, as in real
  files, of some answered tickets whose business-hours figure was not computed);
- ``HH:MM:SS`` business-hours figures above 24 hours (``49:30:00``);
- satisfaction as labels of the 5-point survey, blank when not rated;
- comma-separated tags; ``Survey results`` the only ratings in the file.
"""

from __future__ import annotations

import csv
import random
from datetime import datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

COLUMNS = ["Ticket ID", "Subject", "Status", "Priority", "Source", "Type", "Agent", "Group", "Created time",
           "Due by Time", "Resolved time", "Closed time", "Last update time", "Initial response time",
           "Time tracked", "First response time (in hrs)", "Resolution time (in hrs)", "Agent interactions",
           "Customer interactions", "Resolution status", "First response status", "Tags", "Survey results",
           "Product", "Full name", "Email", "Contact ID"]
LABELS = {"Extremely satisfied": 5, "Satisfied": 4, "Neutral": 3, "Dissatisfied": 2, "Extremely dissatisfied": 1}
STAMP = "%Y-%m-%d %H:%M:%S"


def hms(minutes: float) -> str:
    total = round(minutes * 60)
    return f"{total // 3600}:{total % 3600 // 60:02d}:{total % 60:02d}"


def rows(n: int, seed: int) -> list[dict[str, str]]:
    """``n`` tickets as Freshdesk writes them (all values text)."""
    rng = random.Random(seed)
    start = datetime(2025, 11, 3, 8, 0, 0)
    out: list[dict[str, str]] = []
    for i in range(n):
        created = start + timedelta(minutes=rng.randrange(0, 60 * 24 * 40), seconds=rng.randrange(60))
        answered = rng.random() > 0.15
        resolved = answered and rng.random() > 0.25
        first = created + timedelta(minutes=rng.randrange(3, 3000)) if answered else None
        done = first + timedelta(minutes=rng.randrange(10, 9000)) if resolved and first else None
        # the business-hours figure: shorter than calendar time, and 0:00:00 when not computed
        frt_hours = hms(((first - created).total_seconds() / 60) * rng.uniform(0.3, 1.0)) if first else "0:00:00"
        if first and rng.random() < 0.2:
            frt_hours = "0:00:00"
        res_hours = hms(((done - created).total_seconds() / 60) * rng.uniform(0.3, 1.0)) if done else "0:00:00"
        status = "Closed" if done and rng.random() < 0.5 else "Resolved" if done else rng.choice(["Open", "Pending"])
        survey = rng.choice([*LABELS, "", ""]) if done else ""
        out.append({
            "Ticket ID": str(1000 + i), "Subject": rng.choice(["Refund please", "Login fails", "Where is my order?"]),
            "Status": status, "Priority": rng.choice(["Low", "Medium", "High", "Urgent"]),
            "Source": rng.choice(["Email", "Portal", "Chat", "Phone"]), "Type": rng.choice(["Question", "Problem", ""]),
            "Agent": rng.choice(["Ana Ruiz", "Bo Chen", ""]), "Group": rng.choice(["Billing", "Tech", "Orders"]),
            "Created time": created.strftime(STAMP), "Due by Time": (created + timedelta(days=2)).strftime(STAMP),
            "Resolved time": done.strftime(STAMP) if done else "",
            "Closed time": done.strftime(STAMP) if done and status == "Closed" else "",
            "Last update time": (done or first or created).strftime(STAMP),
            "Initial response time": first.strftime(STAMP) if first else "", "Time tracked": "0:00:00",
            "First response time (in hrs)": frt_hours, "Resolution time (in hrs)": res_hours,
            "Agent interactions": str(rng.randrange(0, 6)), "Customer interactions": str(rng.randrange(1, 6)),
            "Resolution status": rng.choice(["Within SLA", "SLA Violated"]) if done else "",
            "First response status": rng.choice(["Within SLA", "SLA Violated"]) if first else "",
            "Tags": ", ".join(rng.sample(["vip", "refund", "bug", "returning"], rng.randrange(0, 3))),
            "Survey results": survey, "Product": "Shop", "Full name": "Kim Lee", "Email": f"c{i % 40}@example.com",
            "Contact ID": str(5000 + i % 40)})
    return out


def write(path: Path, n: int = 200, seed: int = 1) -> list[dict[str, str]]:
    """The CSV export (UTF-8, comma, quoted where needed)."""
    data = rows(n, seed)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=COLUMNS)
        w.writeheader()
        w.writerows(data)
    return data


def xml_cell(value: str, column: str) -> str:
    """A SpreadsheetML cell: numbers as Number, timestamps as DateTime (ISO with milliseconds), text as String."""
    if value == "":
        return ""  # empty cells are left out: the next cell carries ss:Index
    if column in {"Ticket ID", "Agent interactions", "Customer interactions", "Contact ID"}:
        return f'<Cell><Data ss:Type="Number">{value}</Data></Cell>'
    if column.lower().endswith("time") and column != "Time tracked" and len(value) == 19:
        return f'<Cell><Data ss:Type="DateTime">{value.replace(" ", "T")}.000</Data></Cell>'
    return f'<Cell><Data ss:Type="String">{escape(value)}</Data></Cell>'


def xml_row(values: list[str], columns: list[str] | None) -> str:
    """A row; ``columns`` None writes every cell as String (the header)."""
    cells, gap = [], False
    for k, v in enumerate(values):
        cell = xml_cell(v, columns[k]) if columns else (f'<Cell><Data ss:Type="String">{escape(v)}</Data></Cell>'
                                                        if v else "")
        if not cell:
            gap = True
            continue
        if gap:  # after a left-out cell, Excel writes the 1-based column index
            cell = cell.replace("<Cell>", f'<Cell ss:Index="{k + 1}">', 1)
            gap = False
        cells.append(cell)
    return "<Row>" + "".join(cells) + "</Row>"


def workbook(sheets: list[tuple[str, list[str], list[list[str]]]]) -> str:
    """A SpreadsheetML 2003 document with these (name, header, rows) worksheets."""
    body = []
    for name, header, data in sheets:
        lines = [xml_row(header, None), *(xml_row(r, header) for r in data)]
        body.append(f'<Worksheet ss:Name="{escape(name)}"><Table>' + "\n".join(lines) + "</Table></Worksheet>")
    return ('<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n'
            '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
            'xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:x="urn:schemas-microsoft-com:office:excel" '
            'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet" xmlns:html="http://www.w3.org/TR/REC-html40">\n'
            + "\n".join(body) + "\n</Workbook>\n")


def write_xls(path: Path, n: int = 200, seed: int = 1, pivot_first: bool = False) -> list[dict[str, str]]:
    """The "Excel" download: SpreadsheetML named .xls; ``pivot_first`` puts a summary sheet before the tickets."""
    data = rows(n, seed)
    sheets = [("Tickets", COLUMNS, [[r[c] for c in COLUMNS] for r in data])]
    if pivot_first:
        groups = sorted({r["Group"] for r in data})
        summary = [[g, str(sum(r["Group"] == g for r in data))] for g in groups]
        sheets.insert(0, ("Summary", ["Group", "Tickets"], summary))
    path.write_text(workbook(sheets), encoding="utf-8")
    return data
