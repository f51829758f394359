"""ServiceNow: an incident list exported from a list view (CSV / Excel) or the Table API.

Export layout: the list's columns, as field names (``number, opened_at, resolved_at, closed_at, state,
incident_state, contact_type, assignment_group, caller_id, reassignment_count, reopen_count,
calendar_duration, business_duration, calendar_stc, business_stc, priority, short_description,
category, sys_updated_on …``) or, exported "with display values", as labels (``Number, Opened,
Resolved, Closed, State, Incident state, Channel / Contact type, Assignment group, Caller, Reassignment
count, Reopen count, Duration, Business duration, Resolve time, Priority, Short description …``).

Traps:
- ``state`` / ``incident_state`` are codes (1 New, 2 In Progress, 3 On Hold, 6 Resolved, 7 Closed,
  8 Canceled — ServiceNow docs, incident table) or their labels: both read as labels; other codes kept.
- ``calendar_duration`` / ``business_duration`` are glide durations: seconds in a raw export, a
  ``1970-01-02 02:03:00`` date-time in some API/XML exports, ``1 Day 2 Hours 3 Minutes`` as display
  values (the docs show ``25 Days 21 Hours 1 Minute``); all three read (transform ``duration_text``).
  ``calendar_stc`` ("Resolve time") is integer seconds, measured to *close*.
- ``priority`` reads ``1 - Critical`` … ``5 - Planning``: kept as text.
- CSV exports are often cp1252 (Windows-1252): the reader decides the encoding from the bytes.
- There is no first-response time on the incident table: first_response_minutes stays empty.
- A ``sys_audit`` / history export has one row per update (see the importer's update-row collapse).
"""

from __future__ import annotations

from journeys.tickets.layouts.base import BH_NOTE, Layout, candidate, weights
from journeys.tickets.layouts.localised import SERVICENOW

STATES = "enum:1=New,2=In Progress,3=On Hold,6=Resolved,7=Closed,8=Canceled"

LAYOUT = Layout(
    name="servicenow",
    title="ServiceNow",
    fields={
        "ticket_id": [candidate("number")],
        "created_at": [candidate("opened at", "opened", "sys created on", "created")],
        "channel": [candidate("contact type", "channel")],
        "subject": [candidate("short description")],
        "category": [candidate("category")],
        "status": [candidate("incident state", "state", t=STATES)],
        "customer_id": [candidate("caller id", "caller")],
        "resolution_minutes": [
            candidate("calendar duration", "duration", t="duration_text"),
            candidate("business duration", t="duration_text", kind="alt", note=BH_NOTE),
            candidate("resolved at", "resolved", t="diff_minutes:{created}", kind="fallback"),
            candidate("calendar stc", "resolve time", t="seconds_to_minutes", kind="fallback"),
            candidate("closed at", "closed", t="diff_minutes:{created}", kind="fallback")],
        "reopens": [candidate("reopen count", t="int")],
        "escalated": [candidate("reassignment count", t="gt_zero")],
        "group": [candidate("assignment group")],
        "priority": [candidate("priority")],
    },
    signature=weights(
        strong=("incident state", "contact type", "assignment group", "caller id", "reassignment count",
                "reopen count", "calendar duration", "business duration", "opened at", "short description",
                "calendar stc", "business stc", "sys id", "sys updated on", "sys created on", "made sla",
                "resolve time", "business resolve time", "opened by", "resolved by", "close code", "close notes",
                "configuration item", "cmdb ci", "caller", "opened"),
        weak=("number", "state", "priority", "category", "subcategory", "impact", "urgency", "resolved",
              "closed", "resolved at", "closed at", "assigned to", "active", "description", "duration",
              "channel")),
    localised=SERVICENOW,
)
