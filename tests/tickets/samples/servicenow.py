"""ServiceNow's incident list export (list view → Export → CSV), by field name or with display values.

Layout from ServiceNow's incident table documentation: ``number, opened_at, resolved_at, closed_at,
state, incident_state, contact_type, assignment_group, caller_id, reassignment_count, reopen_count,
calendar_duration, business_duration, priority, short_description, category, sys_updated_on``; state
codes 1 New, 2 In Progress, 3 On Hold, 6 Resolved, 7 Closed, 8 Canceled; durations as seconds in a
raw export and as ``1 Day 2 Hours 3 Minutes`` display values ("25 Days 21 Hours 1 Minute" in the docs).
Quirks written here: cp1252 bytes (callers and groups with accents, a ``€`` in descriptions),
``priority`` like ``1 - Critical``, empty durations on open incidents, reopened and reassigned ones.
"""

from __future__ import annotations

import csv
import random
from datetime import datetime, timedelta
from pathlib import Path

FIELDS = ["number", "opened_at", "resolved_at", "closed_at", "state", "incident_state", "contact_type",
          "assignment_group", "caller_id", "reassignment_count", "reopen_count", "calendar_duration",
          "business_duration", "priority", "short_description", "category", "sys_updated_on"]
DISPLAY = ["Number", "Opened", "Resolved", "Closed", "State", "Incident state", "Channel", "Assignment group",
           "Caller", "Reassignment count", "Reopen count", "Duration", "Business duration", "Priority",
           "Short description", "Category", "Updated"]
STATES = {"1": "New", "2": "In Progress", "3": "On Hold", "6": "Resolved", "7": "Closed", "8": "Canceled"}
STAMP = "%Y-%m-%d %H:%M:%S"


def duration_text(seconds: int) -> str:
    """ServiceNow's display value of a duration: ``1 Day 2 Hours 3 Minutes`` (no zero parts, singular for 1)."""
    parts = []
    for size, unit in ((86400, "Day"), (3600, "Hour"), (60, "Minute"), (1, "Second")):
        k, seconds = divmod(seconds, size)
        if k:
            parts.append(f"{k} {unit}{'' if k == 1 else 's'}")
    return " ".join(parts) or "0 Seconds"


def rows(n: int, seed: int, display: bool) -> list[dict[str, str]]:
    """``n`` incidents as field-name columns (codes, seconds) or display columns (labels, duration text)."""
    rng = random.Random(seed)
    start = datetime(2025, 10, 1, 7, 30, 0)
    out: list[dict[str, str]] = []
    for i in range(n):
        opened = start + timedelta(minutes=rng.randrange(0, 60 * 24 * 60))
        code = rng.choice(["1", "2", "3", "6", "6", "7", "7", "7", "8"])
        done = code in {"6", "7"}
        seconds = rng.randrange(5, 20 * 24 * 60) * 60 if done else 0  # whole minutes: display values drop seconds
        resolved = opened + timedelta(seconds=seconds) if done else None
        closed = resolved + timedelta(days=1) if code == "7" and resolved else None
        business = int(seconds * rng.uniform(0.2, 0.6)) // 60 * 60 if done else 0
        state = STATES[code] if display else code
        values = [
            f"INC{10000 + i:07d}", opened.strftime(STAMP), resolved.strftime(STAMP) if resolved else "",
            closed.strftime(STAMP) if closed else "", state, state,
            rng.choice(["Email", "Phone", "Self-service", "Walk-in", "Chat"]),
            rng.choice(["Service Desk", "Réseau", "Applications Zürich"]),
            rng.choice(["José Álvarez", "Zoë Brontë", "Abel Tuter"]), str(rng.choice([0, 0, 0, 1, 2, 3])),
            str(rng.choice([0, 0, 0, 0, 1, 2])),
            (duration_text(seconds) if display else str(seconds)) if done else "",
            (duration_text(business) if display else str(business)) if done else "",
            rng.choice(["1 - Critical", "2 - High", "3 - Moderate", "4 - Low", "5 - Planning"]),
            rng.choice(["Invoice of 12 € is wrong", "VPN down", "Password reset"]),
            rng.choice(["Inquiry / Help", "Software", "Network"]), (closed or resolved or opened).strftime(STAMP)]
        out.append(dict(zip(DISPLAY if display else FIELDS, values, strict=True)))
    return out


def write(path: Path, n: int = 200, seed: int = 1, display: bool = False) -> list[dict[str, str]]:
    """The CSV export in cp1252 (Windows-1252), as ServiceNow writes it for Excel users."""
    data = rows(n, seed, display)
    with path.open("w", newline="", encoding="cp1252") as fh:
        w = csv.DictWriter(fh, fieldnames=DISPLAY if display else FIELDS)
        w.writeheader()
        w.writerows(data)
    return data
