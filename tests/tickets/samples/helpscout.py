"""A Help Scout conversations export, written by code (never real customer data).

Layout as Help Scout documents its conversation reports and their drill-downs (Reports → a report →
Export; Mailbox API v2 ``/reports/.../drilldown`` rows: id, number, type, mailbox, subject, status,
customer name/email, tags, timestamps): one row per conversation.

Traps written on purpose:
- timestamps are ISO 8601 in UTC with a ``Z`` (``2024-03-04T09:00:00Z``);
- ``Type`` (email / chat / phone) is the channel; ``Status`` is active / pending / closed / spam;
- ``Happiness Rating`` is Help Scout's three-point scale ``Great`` / ``Okay`` / ``Not Good`` (5 / 3 / 1),
  empty when the customer did not rate;
- phone conversations are logged by a teammate: no first response time;
- open conversations have no ``Closed At``; tags are comma-separated and mixed case.
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from pathlib import Path

from tests.tickets.exports import as_rows, write_csv

COLUMNS: tuple[str, ...] = (
    "Conversation ID", "Conversation Number", "Subject", "Mailbox", "Type", "Status", "Tags", "Assigned To",
    "Customer Name", "Customer Email", "Created At", "First Response At", "Closed At", "Closed By",
    "Replies Sent", "Happiness Rating", "Happiness Comments",
)
T0 = datetime(2024, 3, 4, 8, 0, 0)
RATINGS = ("Great", "Great", "Okay", "Not Good", "", "")
MAILBOX_IDS = {"Support": 101, "Billing": 102}


def _iso(d: datetime | None) -> str:
    return "" if d is None else d.strftime("%Y-%m-%dT%H:%M:%SZ")


def rows(n: int = 120, seed: int = 14) -> list[dict[str, str]]:
    """``n`` conversations, seeded: the same rows for the same seed."""
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        created = T0 + timedelta(minutes=37 * i)
        kind = rnd.choice(("email", "email", "chat", "phone"))
        status = rnd.choice(("closed", "closed", "closed", "active", "pending", "spam"))
        first = None if kind == "phone" else created + timedelta(seconds=rnd.randint(60, 86_400))
        closed = created + timedelta(seconds=rnd.randint(3_600, 5 * 86_400)) if status == "closed" else None
        if first and closed and first > closed:
            first = closed
        out.append({
            "Conversation ID": str(2_000_000_000 + 7919 * i), "Conversation Number": str(4100 + i),
            "Subject": f"Order #{5000 + i} has not arrived", "Mailbox": rnd.choice(("Support", "Billing")),
            "Type": kind, "Status": status, "Tags": rnd.choice(("Shipping, late", "refund", "", "VIP, Refund")),
            "Assigned To": rnd.choice(("Ana Souza", "Ben Okafor", "")), "Customer Name": f"Customer {i}",
            "Customer Email": f"customer{i}@example.com", "Created At": _iso(created),
            "First Response At": _iso(first), "Closed At": _iso(closed),
            "Closed By": "Ana Souza" if closed else "",
            "Replies Sent": str(rnd.randint(0 if kind == "phone" else 1, 6)),
            "Happiness Rating": rnd.choice(RATINGS) if status == "closed" else "",
            "Happiness Comments": rnd.choice(("", "Quick, thanks!", "=HYPERLINK(\"http://x\")")),
        })
    return out


def write(path: Path, n: int = 120, seed: int = 14) -> list[dict[str, str]]:
    """Write the export to ``path`` and return its rows (as the file holds them)."""
    data = rows(n, seed)
    write_csv(path, COLUMNS, as_rows(COLUMNS, data))
    return data


def write_api(path: Path, n: int = 120, seed: int = 14) -> list[dict[str, str]]:
    """The same conversations as Mailbox API v2 objects (a JSON array of ``_embedded.conversations``:
    ``number, type, status, mailboxId, createdAt, closedAt, primaryCustomer.email, tags[].tag``); returns the
    CSV-shaped rows for the expected figures. The API object has no first-response time and no rating."""
    data = rows(n, seed)
    path.write_text(json.dumps([{
        "id": int(r["Conversation ID"]), "number": int(r["Conversation Number"]), "type": r["Type"],
        "status": r["Status"], "state": "published", "subject": r["Subject"], "mailboxId": MAILBOX_IDS[r["Mailbox"]],
        "createdAt": r["Created At"], "closedAt": r["Closed At"] or None,
        "primaryCustomer": {"email": r["Customer Email"]},
        "tags": [{"tag": t.strip()} for t in r["Tags"].split(",") if t.strip()],
        "customerWaitingSince": {"time": r["Created At"]}} for r in data]), encoding="utf-8")
    return data
