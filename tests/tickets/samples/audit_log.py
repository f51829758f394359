"""A ServiceNow-style incident audit log written by code: one row per save of an incident.

The shape follows ServiceNow's incident table (``number``, ``incident_state``, ``opened_at``,
``sys_updated_at``, ``sys_mod_count``, ``assignment_group``, ``assigned_to``, ``reassignment_count``,
``reopen_count``, ``contact_type``, ``impact``/``urgency``/``priority`` as "2 - Medium") and its
documented life cycle (New → In Progress/Active → On Hold/Awaiting … → Resolved → Closed; a
resolved incident set back to an open state is a reopen), as in the public "incident management
process enriched event log" layout. Nothing is copied from real data: every value is generated.

Traps kept: ``?`` for an empty cell; day-first times without leading zeros (``9/3/2016 7:05``) and
to the minute, so two saves of one incident can share a time and only ``sys_mod_count`` orders
them; ``reassignment_count`` / ``reopen_count`` are running totals (only the last row holds the
incident's figure); optionally rows shuffled (an incident's rows not adjacent) and a few rows
exported twice, fully identical.
"""

from __future__ import annotations

import csv
import random
from datetime import datetime, timedelta
from pathlib import Path

COLUMNS = ["number", "incident_state", "active", "reassignment_count", "reopen_count", "sys_mod_count",
           "made_sla", "caller_id", "opened_by", "opened_at", "sys_created_by", "sys_created_at",
           "sys_updated_by", "sys_updated_at", "contact_type", "location", "category", "subcategory", "impact",
           "urgency", "priority", "assignment_group", "assigned_to", "knowledge", "closed_code", "resolved_by",
           "resolved_at", "closed_at"]
OPEN_STATES = ("Active", "Awaiting User Info", "Awaiting Vendor", "Awaiting Problem")
GROUPS = [f"Group {n}" for n in (24, 56, 70, 25, 31)]
CONTACT = ("Phone", "Email", "Self service", "Direct opening")
IMPACT = ("1 - High", "2 - Medium", "3 - Low")


def servicenow_time(t: datetime) -> str:
    """ServiceNow's exported time as in the public log: day-first, no leading zeros, to the minute."""
    return f"{t.day}/{t.month}/{t.year} {t.hour:02d}:{t.minute:02d}"


def _incident(rng: random.Random, n: int, start: datetime) -> list[dict[str, str]]:
    """The saves of one incident, each row the incident's whole state after that save."""
    opened = start + timedelta(minutes=rng.randrange(0, 60 * 24 * 90))
    caller, impact = f"Caller {rng.randrange(1, 5000)}", rng.choice(IMPACT)
    state = {"number": f"INC{n:07d}", "incident_state": "New", "active": "true", "reassignment_count": 0,
             "reopen_count": 0, "sys_mod_count": 0, "made_sla": "true", "caller_id": caller,
             "opened_by": f"Opened by {rng.randrange(1, 300)}", "opened_at": servicenow_time(opened),
             "sys_created_by": "?" if rng.random() < 0.4 else f"Created by {rng.randrange(1, 200)}",
             "sys_created_at": "?" if rng.random() < 0.3 else servicenow_time(opened),
             "sys_updated_by": "Updated by 1", "sys_updated_at": servicenow_time(opened),
             "contact_type": rng.choice(CONTACT), "location": f"Location {rng.randrange(1, 200)}",
             "category": f"Category {rng.randrange(1, 60)}", "subcategory": f"Subcategory {rng.randrange(1, 250)}",
             "impact": impact, "urgency": impact, "priority": {"1": "1 - Critical", "2": "3 - Moderate",
                                                               "3": "4 - Low"}[impact[0]],
             "assignment_group": rng.choice(GROUPS) if rng.random() < 0.6 else "?", "assigned_to": "?",
             "knowledge": "false", "closed_code": "?", "resolved_by": "?", "resolved_at": "?", "closed_at": "?"}
    rows = [dict(state)]
    t = opened

    def save(**changes: object) -> None:
        nonlocal t
        t += timedelta(minutes=rng.choice((0, 0, 1, 7, 45, 180, 1440)))  # 0: same minute, order by sys_mod_count
        if "assignment_group" in changes and state["assignment_group"] not in ("?", changes["assignment_group"]):
            state["reassignment_count"] += 1
        state.update(changes, sys_mod_count=state["sys_mod_count"] + 1, sys_updated_at=servicenow_time(t),
                     sys_updated_by=f"Updated by {rng.randrange(1, 900)}")
        rows.append(dict(state))

    group = state["assignment_group"] if state["assignment_group"] != "?" else rng.choice(GROUPS)
    save(incident_state="Active", assignment_group=group, assigned_to=f"Resolver {rng.randrange(1, 200)}")
    for _ in range(rng.choice((0, 0, 1, 2))):  # reassignments: another group, another resolver
        save(assignment_group=rng.choice([g for g in GROUPS if g != state["assignment_group"]]),
             assigned_to=f"Resolver {rng.randrange(1, 200)}")
    if rng.random() < 0.3:
        save(incident_state=rng.choice(OPEN_STATES[1:]))
        save(incident_state="Active")
    if rng.random() < 0.15:
        return rows  # still open at export time
    reopens = rng.choice((0, 0, 0, 1, 2))
    for k in range(reopens + 1):
        save(incident_state="Resolved", active="true", resolved_by=f"Resolved by {rng.randrange(1, 200)}",
             resolved_at=servicenow_time(t), closed_code=f"code {rng.randrange(1, 17)}")
        if k < reopens:
            state["reopen_count"] += 1
            save(incident_state=rng.choice(OPEN_STATES[:2]), resolved_at="?")
    if rng.random() < 0.7:
        save(incident_state="Closed", active="false", closed_at=servicenow_time(t + timedelta(days=5)))
    return rows


def audit_rows(incidents: int, seed: int = 14, *, start: datetime = datetime(2016, 2, 29, 1, 16)) -> list[dict]:
    """Every save of ``incidents`` generated incidents, each incident's rows in save order."""
    rng = random.Random(seed)
    out: list[dict] = []
    for n in range(1, incidents + 1):
        out.extend(_incident(rng, n, start))
    return out


def write_audit_log(path: Path, incidents: int, seed: int = 14, *, shuffle: bool = False, duplicates: int = 0,
                    drop: tuple[str, ...] = ()) -> list[dict]:
    """Write the log as ServiceNow exports it (CSV, ``?`` for empty) and return the rows written.

    ``shuffle``: rows in random order (an incident's saves scattered, as in a time-ordered export);
    ``duplicates``: that many rows written twice, identical; ``drop``: columns left out (e.g. the
    running counts, so the importer has to derive reopens and reassignments from the history)."""
    rng = random.Random(seed + 1)
    rows = audit_rows(incidents, seed)
    for r in rng.sample(rows, duplicates):
        rows.insert(rows.index(r) + 1, dict(r))
    if shuffle:
        rng.shuffle(rows)
    cols = [c for c in COLUMNS if c not in drop]
    with Path(path).open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(cols)
        w.writerows([r[c] for c in cols] for r in rows)
    return [{c: str(r[c]) for c in cols} for r in rows]
