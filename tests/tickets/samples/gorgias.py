"""A Gorgias tickets export (a view → Export tickets, CSV), written by code (never real customer data).

Columns as Gorgias names the ticket's fields (REST ``Ticket`` object: id, subject, status, channel, via,
tags, assignee user / team, customer, created / closed datetimes, satisfaction survey score) with the
export's labels (``Ticket id``, ``Created datetime``, ``Closed datetime``, ``Satisfaction survey score`` …).

Traps written on purpose:
- datetimes are ISO 8601 **without an offset, in UTC**, with microseconds (``2024-03-04T09:00:00.123456``);
- ``Status`` is only ``open`` / ``closed`` (a snoozed ticket is closed until the snooze ends);
- ``Channel`` is the channel of the first message (email, chat, contact_form, facebook, instagram-comment,
  sms, phone, api …) and never changes;
- ``Satisfaction survey score`` is 1–5, empty when no survey was sent or answered;
- tickets the AI Agent closed are assigned to the ``AI Agent`` user and tagged ``ai_agent``;
- tags are comma-separated; there is no first-response column in a ticket export.
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from pathlib import Path

from tests.tickets.exports import as_rows, write_csv

COLUMNS: tuple[str, ...] = (
    "Ticket id", "Subject", "Status", "Channel", "Via", "Language", "Tags", "Assignee user", "Assignee team",
    "Customer email", "Customer name", "Created datetime", "Opened datetime", "Last message datetime",
    "Closed datetime", "Satisfaction survey score", "Satisfaction survey comment", "Number of messages", "Spam",
)
T0 = datetime(2024, 3, 4, 8, 0)


def _iso(d: datetime | None) -> str:
    return "" if d is None else d.strftime("%Y-%m-%dT%H:%M:%S.%f")


def rows(n: int = 120, seed: int = 14) -> list[dict[str, str]]:
    """``n`` tickets, seeded."""
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        created = T0 + timedelta(minutes=41 * i, microseconds=rnd.randint(0, 999_999))
        status = rnd.choice(("closed", "closed", "closed", "open"))
        bot = status == "closed" and rnd.random() < 0.25
        closed = created + timedelta(seconds=rnd.randint(60 if bot else 1_800, 4 * 86_400)) if status == "closed" \
            else None
        out.append({
            "Ticket id": str(31_000_000 + 13 * i), "Subject": f"Where is my order #{9000 + i}?", "Status": status,
            "Channel": rnd.choice(("email", "email", "chat", "contact_form", "instagram-comment", "sms")),
            "Via": rnd.choice(("email", "helpdesk", "api")), "Language": rnd.choice(("en", "fr", "de")),
            "Tags": "ai_agent, order-status" if bot else rnd.choice(("ORDER-STATUS", "refund, vip", "")),
            "Assignee user": "AI Agent" if bot else rnd.choice(("Maya Chen", "Leo Martin", "")),
            "Assignee team": rnd.choice(("Tier 1", "Returns")), "Customer email": f"shopper{i}@example.com",
            "Customer name": f"Shopper {i}", "Created datetime": _iso(created),
            "Opened datetime": _iso(created + timedelta(minutes=2)),
            "Last message datetime": _iso(created + timedelta(minutes=30)), "Closed datetime": _iso(closed),
            "Satisfaction survey score": rnd.choice(("5", "4", "3", "1", "", "")) if closed else "",
            "Satisfaction survey comment": "", "Number of messages": str(rnd.randint(1, 9)), "Spam": "false",
        })
    return out


def write(path: Path, n: int = 120, seed: int = 14) -> list[dict[str, str]]:
    data = rows(n, seed)
    write_csv(path, COLUMNS, as_rows(COLUMNS, data))
    return data


def write_api(path: Path, n: int = 120, seed: int = 14) -> list[dict[str, str]]:
    """The same tickets as the REST API lists them (``GET /api/tickets``: ``{"data": [...], "meta": …}``,
    tags and survey as objects); returns the CSV-shaped rows for the expected figures."""
    data = rows(n, seed)

    def ticket(r: dict[str, str]) -> dict:
        score = r["Satisfaction survey score"]
        return {"id": int(r["Ticket id"]), "uri": f"/api/tickets/{r['Ticket id']}", "status": r["Status"],
                "channel": r["Channel"], "via": r["Via"], "subject": r["Subject"],
                "tags": [{"name": t.strip()} for t in r["Tags"].split(",") if t.strip()],
                "customer": {"email": r["Customer email"]}, "assignee_team": {"name": r["Assignee team"]},
                "created_datetime": r["Created datetime"], "closed_datetime": r["Closed datetime"] or None,
                "satisfaction_survey": {"score": int(score)} if score else None}

    path.write_text(json.dumps({"data": [ticket(r) for r in data], "meta": {"next_cursor": None}}), encoding="utf-8")
    return data
