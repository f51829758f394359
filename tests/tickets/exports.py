"""Generate small (and one big) help-desk export files for the import tests and the benchmark.

Everything here is synthetic: plausible Zendesk / Intercom / Freshdesk / generic
exports with the vendors' documented headers (shared/reference/helpdesk-exports.md)
and their traps, never real customer data. Each ``*_row`` helper returns one
row as a ``{header: text}`` dict with sensible defaults for ticket ``i``; pass
overrides as ``**{"Header name": "value"}``. :func:`write_csv` then writes
any header/rows with the encoding, delimiter, preamble and line ending a test
wants, :func:`write_xlsx` a minimal Excel workbook (no writer library needed),
:func:`write_json` a JSON array, NDJSON or an API envelope, and
:func:`zendesk_bulk_csv` a large seeded Zendesk CSV, vectorised so 1M rows take
seconds.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

T0 = datetime(2024, 3, 4, 9, 0, 0)  # a Monday; every generated ticket is created at T0 + i hours

ZENDESK_COLUMNS: tuple[str, ...] = (
    "Summation column", "Id", "Requester", "Requester id", "Requester external id", "Requester email",
    "Requester domain", "Submitter", "Assignee", "Group", "Subject", "Tags", "Status", "Priority", "Via",
    "Ticket type", "Created at", "Updated at", "Assigned at", "Organization", "Due date", "Initially assigned at",
    "Solved at", "Resolution time", "Satisfaction Score", "Group stations", "Assignee stations", "Reopens",
    "Replies", "First reply time in minutes", "First reply time in minutes within business hours",
    "First resolution time in minutes", "First resolution time in minutes within business hours",
    "Full resolution time in minutes", "Full resolution time in minutes within business hours",
    "Agent wait time in minutes", "Agent wait time in minutes within business hours",
    "Requester wait time in minutes", "Requester wait time in minutes within business hours",
    "On hold time in minutes", "On hold time in minutes within business hours",
)
ZENDESK_CUSTOM: tuple[str, ...] = ("Product [list]", "Order number [int]", "Plan [txt]")


def intercom_columns(tz: str = "America/New_York") -> tuple[str, ...]:
    """Intercom's conversation CSV header; timestamps carry the workspace time zone in the header."""
    return (
        "Conversation ID", f"Conversation started at ({tz})", f"Conversation first replied at ({tz})",
        f"Conversation first closed at ({tz})", f"Conversation last closed at ({tz})", "Channel", "Started by",
        "Conversation source", "Current conversation state", "Team currently assigned",
        "Teammate currently assigned", "Conversation tag", "Topics", "Ticket type", "Conversation priority",
        "Last teammate rating", "Last teammate rating remark", "First response time (seconds)",
        "First response time, only within office hours (seconds)", "Time to first close (seconds)",
        "Time to close (seconds)", "Handling time (seconds)", "Number of reassignments",
        "Replies to close a conversation", "Resolved on first contact", "Fin AI Agent involved",
        "Fin AI Agent deflected", "Fin AI Agent resolution state", "Chatbot replied", "User ID", "User email",
        "Company ID", "Company name", "Country",
    )


FRESHDESK_COLUMNS: tuple[str, ...] = (
    "Ticket ID", "Subject", "Description", "Status", "Priority", "Source", "Type", "Agent", "Group",
    "Created time", "Due by Time", "Resolved time", "Closed time", "Last update time", "Initial response time",
    "Time tracked", "First response time (in hrs)", "Resolution time (in hrs)", "Agent interactions",
    "Customer interactions", "Resolution status", "First response status", "Tags", "Survey results", "Product",
    "Full name", "Email", "Contact ID",
)


def _ts(d: datetime | None) -> str:
    return "" if d is None else d.strftime("%Y-%m-%d %H:%M:%S")


def zendesk_row(i: int, **overrides: str) -> dict[str, str]:
    """Ticket ``Id`` 1000+i, created at T0+i h, first reply after 30 min, solved after 5 h (calendar)."""
    created = T0 + timedelta(hours=i)
    row = {
        "Summation column": "1", "Id": str(1000 + i), "Requester": f"Customer {i}", "Requester id": str(5000 + i),
        "Requester external id": "", "Requester email": f"customer{i}@example.com",
        "Requester domain": "example.com", "Submitter": f"Customer {i}", "Assignee": "Agent A",
        "Group": "Support", "Subject": f"Cannot log in #{i}", "Tags": "login password_reset", "Status": "solved",
        "Priority": "normal", "Via": "Mail", "Ticket type": "question", "Created at": _ts(created),
        "Updated at": _ts(created + timedelta(hours=6)), "Assigned at": _ts(created + timedelta(minutes=10)),
        "Organization": "Example Ltd", "Due date": "", "Initially assigned at": _ts(created + timedelta(minutes=10)),
        "Solved at": _ts(created + timedelta(hours=5)), "Resolution time": "5", "Satisfaction Score": "Good",
        "Group stations": "1", "Assignee stations": "1", "Reopens": "0", "Replies": "2",
        "First reply time in minutes": "30", "First reply time in minutes within business hours": "20",
        "First resolution time in minutes": "300", "First resolution time in minutes within business hours": "200",
        "Full resolution time in minutes": "300", "Full resolution time in minutes within business hours": "200",
        "Agent wait time in minutes": "10", "Agent wait time in minutes within business hours": "10",
        "Requester wait time in minutes": "40", "Requester wait time in minutes within business hours": "30",
        "On hold time in minutes": "0", "On hold time in minutes within business hours": "0",
        "Product [list]": "billing_app", "Order number [int]": str(70000 + i), "Plan [txt]": "Pro",
    }
    row.update(overrides)
    return row


def intercom_row(i: int, tz: str = "America/New_York", **overrides: str) -> dict[str, str]:
    """Conversation ``9000+i`` started at T0+i h in ``tz`` local time; durations in seconds."""
    started = T0 + timedelta(hours=i)
    cols = intercom_columns(tz)
    values = [
        str(9000 + i), _ts(started), _ts(started + timedelta(minutes=15)), _ts(started + timedelta(hours=2)),
        _ts(started + timedelta(hours=2)), "Chat", "User", "Messenger", "closed", "Support", "Teammate B",
        "billing, refund", "Billing", "", "Not priority", "5", "Great help", "900", "600", "7200", "7200", "1200",
        "0", "3", "true", "true", "false", "", "false", f"user-{i}", f"user{i}@example.com", "c-1", "Example Ltd",
        "France",
    ]
    row = dict(zip(cols, values, strict=True))
    row.update(overrides)
    return row


def freshdesk_row(i: int, **overrides: str) -> dict[str, str]:
    """Ticket ``i+1`` created at T0+i h, first response after 1 h, resolved after 3 h 30 min."""
    created = T0 + timedelta(hours=i)
    row = {
        "Ticket ID": str(i + 1), "Subject": f"Refund request {i}", "Description": "Please refund my order",
        "Status": "Closed", "Priority": "Medium", "Source": "Email", "Type": "Refund", "Agent": "Agent C",
        "Group": "Billing", "Created time": _ts(created), "Due by Time": _ts(created + timedelta(days=1)),
        "Resolved time": _ts(created + timedelta(hours=3, minutes=30)),
        "Closed time": _ts(created + timedelta(hours=4)), "Last update time": _ts(created + timedelta(hours=4)),
        "Initial response time": _ts(created + timedelta(hours=1)), "Time tracked": "00:20:00",
        "First response time (in hrs)": "01:00:00", "Resolution time (in hrs)": "03:30:00",
        "Agent interactions": "2", "Customer interactions": "2", "Resolution status": "Within SLA",
        "First response status": "Within SLA", "Tags": "refund,billing", "Survey results": "Awesome",
        "Product": "Shop", "Full name": f"Contact {i}", "Email": f"contact{i}@example.com",
        "Contact ID": str(300 + i),
    }
    row.update(overrides)
    return row


def as_rows(header: Sequence[str], dicts: Iterable[Mapping[str, str]]) -> list[list[str]]:
    """Dict rows laid out under ``header`` (missing keys become empty cells)."""
    return [[str(d.get(h, "")) for h in header] for d in dicts]


def _quote(cell: str, delimiter: str) -> str:
    if any(ch in cell for ch in (delimiter, '"', "\n", "\r")):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def csv_text(header: Sequence[str], rows: Iterable[Sequence[str]], *, delimiter: str = ",",
             preamble: Sequence[str] = (), line_end: str = "\r\n") -> str:
    """The CSV text, quoted only where needed, like the help desks write it."""
    lines = list(preamble)
    lines.append(delimiter.join(_quote(h, delimiter) for h in header))
    lines.extend(delimiter.join(_quote(str(c), delimiter) for c in row) for row in rows)
    return line_end.join(lines) + line_end


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[str]], *, delimiter: str = ",",
              encoding: str = "utf-8", preamble: Sequence[str] = (), line_end: str = "\r\n") -> Path:
    """Write a CSV/TSV in ``encoding`` ("utf-8-sig" for a BOM, "utf-16" for UTF-16 LE with BOM, "utf-16-be"
    plus a manual BOM, "cp1252" for what Excel on Windows saves)."""
    text = csv_text(header, rows, delimiter=delimiter, preamble=preamble, line_end=line_end)
    data = ("\ufeff" + text).encode("utf-16-be") if encoding == "utf-16-be-bom" else text.encode(encoding)
    path.write_bytes(data)
    return path


def write_json(path: Path, records: list[dict], *, ndjson: bool = False, envelope: str | None = None) -> Path:
    """A JSON array, NDJSON (one object a line) or an API page ``{envelope: [...], "next_page": null}``."""
    if ndjson:
        path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    elif envelope:
        path.write_text(json.dumps({envelope: records, "next_page": None, "count": len(records)}), encoding="utf-8")
    else:
        path.write_text(json.dumps(records, indent=1), encoding="utf-8")
    return path


# --- API shapes -----------------------------------------------------------------------------------------------

def zendesk_api_ticket(i: int, **overrides: object) -> dict:
    """A Zendesk REST ticket with sideloaded metrics (``via.channel``, ``satisfaction_rating.score``, tags[])."""
    created = datetime(2024, 3, 4, 9, tzinfo=UTC) + timedelta(hours=i)
    t = {
        "id": 1000 + i, "created_at": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "updated_at": (created + timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M:%SZ"), "type": "question",
        "subject": f"Cannot log in #{i}", "description": "help", "status": "solved", "priority": "normal",
        "requester_id": 5000 + i, "assignee_id": 7, "organization_id": 3, "group_id": 21,
        "tags": ["login", "password_reset"], "via": {"channel": "email", "source": {"rel": None}},
        "satisfaction_rating": {"score": "good", "comment": "thanks"},
        "custom_fields": [{"id": 360001, "value": "billing_app"}],
        "metric_set": {
            "reopens": 0, "replies": 2, "group_stations": 1,
            "solved_at": (created + timedelta(hours=5)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "reply_time_in_minutes": {"calendar": 30, "business": 20},
            "full_resolution_time_in_minutes": {"calendar": 300, "business": 200},
        },
    }
    t.update(overrides)
    return t


def intercom_api_conversation(i: int, **overrides: object) -> dict:
    """An Intercom REST conversation: unix-second timestamps, ``tags.tags[].name``, ``statistics{…}``."""
    created = int(datetime(2024, 3, 4, 9, tzinfo=UTC).timestamp()) + 3600 * i
    c = {
        "type": "conversation", "id": str(9000 + i), "created_at": created, "updated_at": created + 7200,
        "state": "closed", "priority": "not_priority", "admin_assignee_id": 11, "team_assignee_id": 5,
        "source": {"type": "conversation", "delivered_as": "customer_initiated", "subject": f"Billing {i}",
                   "author": {"type": "user", "id": f"user-{i}"}},
        "contacts": {"type": "contact.list", "contacts": [{"type": "contact", "id": f"user-{i}"}]},
        "tags": {"type": "tag.list", "tags": [{"type": "tag", "id": "1", "name": "Billing"},
                                              {"type": "tag", "id": "2", "name": "Refund"}]},
        "conversation_rating": {"rating": 4, "remark": "ok"},
        "statistics": {"type": "conversation_statistics", "time_to_admin_reply": 900, "time_to_first_close": 7200,
                       "count_reopens": 1, "count_assignments": 2, "count_conversation_parts": 6},
        "ai_agent_participated": False,
    }
    c.update(overrides)
    return c


def freshdesk_api_ticket(i: int, **overrides: object) -> dict:
    """A Freshdesk API v2 ticket: numeric enums for status/source/priority, ``stats{…}`` timestamps."""
    created = datetime(2024, 3, 4, 9, tzinfo=UTC) + timedelta(hours=i)
    iso = "%Y-%m-%dT%H:%M:%SZ"
    t = {
        "id": i + 1, "subject": f"Refund request {i}", "status": 4, "priority": 2, "source": 7, "type": "Refund",
        "group_id": 8, "responder_id": 9, "requester_id": 300 + i, "tags": ["refund"],
        "created_at": created.strftime(iso), "updated_at": (created + timedelta(hours=4)).strftime(iso),
        "stats": {"first_responded_at": (created + timedelta(hours=1)).strftime(iso),
                  "resolved_at": (created + timedelta(hours=3, minutes=30)).strftime(iso), "closed_at": None},
        "custom_fields": {"cf_product": "Shop"},
    }
    t.update(overrides)
    return t


# --- Excel ------------------------------------------------------------------------------------------------

def _col_letter(n: int) -> str:
    s = ""
    n += 1
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def write_xlsx(path: Path, rows: Sequence[Sequence[object]], sheet: str = "Tickets") -> Path:
    """A minimal .xlsx (inline strings, numbers, real date cells) without an Excel-writing library.

    ``datetime`` values become date-formatted numeric cells, as Excel stores them, so the reader's
    date handling is exercised; ``None`` leaves the cell out.
    """
    epoch = datetime(1899, 12, 30)
    out_rows = []
    for r, row in enumerate(rows, start=1):
        cells = []
        for c, value in enumerate(row):
            ref = f"{_col_letter(c)}{r}"
            if value is None:
                continue
            if isinstance(value, datetime):
                # Excel's serials pretend 1900 was a leap year: 1900-01-01 is 1, 1900-03-01 is 61
                base = epoch if value >= datetime(1900, 3, 1) else datetime(1899, 12, 31)
                serial = (value - base).total_seconds() / 86400
                cells.append(f'<c r="{ref}" s="1"><v>{serial!r}</v></c>')
            elif isinstance(value, bool):
                cells.append(f'<c r="{ref}" t="b"><v>{int(value)}</v></c>')
            elif isinstance(value, int | float):
                cells.append(f'<c r="{ref}"><v>{value!r}</v></c>')
            else:
                text = escape(str(value))
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>')
        out_rows.append(f'<row r="{r}">{"".join(cells)}</row>')
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel_ns = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    files = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            "</Types>"),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>'),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook {ns} {rel_ns}>'
            f'<sheets><sheet name="{escape(sheet)}" sheetId="1" r:id="rId1"/></sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
            'Target="worksheets/sheet1.xml"/>'
            '<Relationship Id="rId2" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
            'Target="styles.xml"/></Relationships>'),
        "xl/styles.xml": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><styleSheet {ns}>'
            '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts>'
            '<fonts count="1"><font/></fonts><fills count="1"><fill/></fills><borders count="1"><border/></borders>'
            '<cellStyleXfs count="1"><xf/></cellStyleXfs>'
            '<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="164" applyNumberFormat="1"/></cellXfs>'
            "</styleSheet>"),
        "xl/worksheets/sheet1.xml": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet {ns}>'
            f'<sheetData>{"".join(out_rows)}</sheetData></worksheet>'),
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in files.items():
            z.writestr(name, text)
    return path


# --- the big one ----------------------------------------------------------------------------------------------

def zendesk_bulk_table(n: int, seed: int = 7, start: int = 0) -> pa.Table:
    """``n`` seeded random Zendesk-layout rows as a string table (every column of the full export plus
    custom fields), with the traps in realistic shares: unsolved tickets carry Excel's zero date in
    ``Solved at``, surveys are mostly ``Offered``/``Unoffered``, custom fields ``-`` when empty."""
    rng = np.random.default_rng(seed + start)
    ids = np.arange(1_000_000 + start, 1_000_000 + start + n)
    created = np.datetime64("2024-01-01T00:00:00") + rng.integers(0, 365 * 86400, n).astype("timedelta64[s]")
    frt = rng.gamma(1.5, 60, n).round().astype(np.int64)
    res_min = (frt + rng.gamma(1.2, 600, n)).round().astype(np.int64)
    solved = rng.random(n) < 0.8
    status = np.where(solved, rng.choice(["solved", "closed"], n), rng.choice(["new", "open", "pending", "hold"], n))

    def s(values: np.ndarray) -> pa.Array:
        return pa.array(values.astype(str))

    def fmt(ts: np.ndarray) -> pa.Array:
        return pc.strftime(pa.array(ts.astype("datetime64[s]")), format="%Y-%m-%d %H:%M:%S")

    zero = "1900-01-01 00:00:00"
    solved_at = pc.if_else(pa.array(solved), fmt(created + res_min.astype("timedelta64[m]")), zero)
    subjects = np.array(["Cannot log in", "Refund please", "Where is my order?", "App crashes on start",
                         "Change my plan", "Invoice wrong", "<b>URGENT</b> help", "=HYPERLINK(\"x\")",
                         "Password reset, again", "Delivery late; very late"])
    tags = np.array(["login password_reset", "billing refund", "shipping", "app crash ios", "plan_change",
                     "billing invoice", "", "vip login", "shipping late", "refund"])
    csat = rng.choice(["Offered", "Unoffered", "Good", "Bad", ""], n, p=[0.35, 0.3, 0.25, 0.05, 0.05])
    stations = rng.choice([1, 1, 1, 2, 3], n)
    cols: dict[str, pa.Array] = {
        "Summation column": s(np.ones(n, dtype=np.int64)),
        "Id": s(ids),
        "Requester": pc.binary_join_element_wise("Customer ", s(rng.integers(1, 200_000, n)), ""),
        "Requester id": s(rng.integers(10**9, 10**9 + 200_000, n)),
        "Requester external id": pa.array([""] * n),
        "Requester email": pc.binary_join_element_wise("customer", s(rng.integers(1, 200_000, n)), "@example.com",
                                                       ""),
        "Requester domain": pa.array(["example.com"] * n),
        "Submitter": pc.binary_join_element_wise("Customer ", s(rng.integers(1, 200_000, n)), ""),
        "Assignee": s(rng.choice(["Agent A", "Agent B", "Agent C", "Agent D", ""], n)),
        "Group": s(rng.choice(["Support", "Billing", "Tier 2", "Shipping"], n)),
        "Subject": s(subjects[rng.integers(0, len(subjects), n)]),
        "Tags": s(tags[rng.integers(0, len(tags), n)]),
        "Status": s(status),
        "Priority": s(rng.choice(["low", "normal", "high", "urgent", "-"], n)),
        "Via": s(rng.choice(["Mail", "Web form", "Chat", "API", "Closed Ticket", "Voice"], n)),
        "Ticket type": s(rng.choice(["question", "incident", "problem", "task", "-"], n)),
        "Created at": fmt(created),
        "Updated at": fmt(created + (res_min + 60).astype("timedelta64[m]")),
        "Assigned at": fmt(created + (frt // 2).astype("timedelta64[m]")),
        "Organization": s(rng.choice(["Example Ltd", "Acme", ""], n)),
        "Due date": pa.array([""] * n),
        "Initially assigned at": fmt(created + (frt // 2).astype("timedelta64[m]")),
        "Solved at": solved_at,
        "Resolution time": pc.if_else(pa.array(solved), s(res_min // 60), ""),
        "Satisfaction Score": s(csat),
        "Group stations": s(stations),
        "Assignee stations": s(stations + rng.integers(0, 2, n)),
        "Reopens": s(rng.choice([0, 0, 0, 0, 1, 2], n)),
        "Replies": s(rng.integers(0, 8, n)),
        "First reply time in minutes": s(frt),
        "First reply time in minutes within business hours": s(frt // 2),
        "First resolution time in minutes": pc.if_else(pa.array(solved), s(res_min), ""),
        "First resolution time in minutes within business hours": pc.if_else(pa.array(solved), s(res_min // 2), ""),
        "Full resolution time in minutes": pc.if_else(pa.array(solved), s(res_min), ""),
        "Full resolution time in minutes within business hours": pc.if_else(pa.array(solved), s(res_min // 2), ""),
        "Agent wait time in minutes": s(res_min // 3),
        "Agent wait time in minutes within business hours": s(res_min // 6),
        "Requester wait time in minutes": s(res_min // 4),
        "Requester wait time in minutes within business hours": s(res_min // 8),
        "On hold time in minutes": s(rng.choice([0, 0, 30], n)),
        "On hold time in minutes within business hours": s(rng.choice([0, 0, 15], n)),
        "Product [list]": s(rng.choice(["billing_app", "mobile_app", "web_shop", "-"], n)),
        "Order number [int]": s(rng.integers(10**6, 10**7, n)),
        "Plan [txt]": s(rng.choice(["Free", "Pro", "Enterprise", "-"], n)),
    }
    return pa.table(cols)


def zendesk_bulk_csv(path: Path, n: int, seed: int = 7, chunk: int = 200_000) -> Path:
    """Write ``n`` rows of :func:`zendesk_bulk_table` as a Zendesk CSV, in chunks (bounded memory)."""
    options = pacsv.WriteOptions(include_header=True, quoting_style="needed")
    writer = None
    try:
        for start in range(0, n, chunk):
            table = zendesk_bulk_table(min(chunk, n - start), seed=seed, start=start)
            if writer is None:
                writer = pacsv.CSVWriter(str(path), table.schema, write_options=options)
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()
    return path
