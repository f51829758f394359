"""Freshdesk: Tickets → Export (CSV / "Excel"), and the API v2 ticket shape (flattened to dotted names).

Export layout: ``Ticket ID, Subject, Description, Status, Priority, Source, Type, Agent, Group, Created
time, Due by Time, Resolved time, Closed time, Last update time, Initial response time, Time tracked,
First response time (in hrs), Resolution time (in hrs), Agent interactions, Customer interactions,
Resolution status, First response status, Tags, Survey results, Product`` plus contact (``Full name,
Email, Contact ID``), company and custom-field columns by label.

Traps:
- ``First response time (in hrs)`` / ``Resolution time (in hrs)`` are ``HH:MM:SS`` strings in business
  hours, often empty even when the timestamps exist; ``0:00:00`` there means "not answered / not
  resolved yet", *not* zero minutes (read as null, so ``Initial response time − Created time`` /
  ``Resolved time − Created time`` decide: transform ``hhmmss_zero_unknown``).
- ``Survey results`` holds the survey's *labels*: the 5-point "Extremely satisfied, Satisfied, Neutral,
  Dissatisfied, Extremely dissatisfied" (5…1, transform ``csat_5point``) or the classic 3-point
  "Awesome / Just Okay / Not Good" (5 / 3 / 1); often the only ratings in the file.
- The "Excel" download is SpreadsheetML 2003 XML (``<Workbook xmlns="urn:schemas-microsoft-com:office:
  spreadsheet">``), usually named ``.xls``: read as a workbook by the reader, not as CSV.
- API v2 sends status / source / priority as numeric codes.
"""

from __future__ import annotations

import re

import pyarrow as pa

from journeys.tickets.layouts.base import Layout, candidate, sample_values, weights
from journeys.tickets.layouts.localised import FRESHDESK

ENUMS = {
    "status": "enum:2=Open,3=Pending,4=Resolved,5=Closed",
    "channel": "enum:1=Email,2=Portal,3=Phone,4=Forum,5=Twitter,6=Facebook,7=Chat,8=Mobihelp,"
               "9=Feedback widget,10=Outbound email",
    "priority": "enum:1=Low,2=Medium,3=High,4=Urgent",
}


def _refine(columns: list[str], sources: dict[str, str], used: set[str],
            sample: pa.Table | None) -> dict[str, tuple[str, str]]:
    """API v2 sends status/source/priority as numeric codes: label them when the first rows are all digits."""
    out: dict[str, tuple[str, str]] = {}
    for name, enum in ENUMS.items():
        src = sources.get(name)
        values = sample_values(sample, src) if src else []
        if values and all(re.fullmatch(r"\d+(\.0)?", v) for v in values):
            out[name] = (src, enum)  # type: ignore[assignment]
    return out


LAYOUT = Layout(
    name="freshdesk",
    title="Freshdesk",
    fields={
        "ticket_id": [candidate("ticket id", "id")],
        "created_at": [candidate("created time", "created at")],
        "channel": [candidate("source")],
        "subject": [candidate("subject")],
        "tags": [candidate("tags", t="split_tags_comma")],
        "category": [candidate("type")],
        "status": [candidate("status")],
        "customer_id": [candidate("contact id", "requester id"), candidate("email", kind="alt")],
        "csat": [candidate("survey results", "survey result", t="csat_5point")],
        "first_response_minutes": [
            candidate("first response time (in hrs)", t="hhmmss_zero_unknown"),
            candidate("initial response time", "stats.first responded at", t="diff_minutes:{created}",
                      kind="fallback")],
        "resolution_minutes": [
            candidate("resolution time (in hrs)", t="hhmmss_zero_unknown"),
            candidate("resolved time", "stats.resolved at", t="diff_minutes:{created}", kind="fallback"),
            candidate("closed time", "stats.closed at", t="diff_minutes:{created}", kind="fallback")],
        "escalated": [candidate("is escalated", "fr escalated", t="bool")],
        "agent_replies": [candidate("agent interactions", t="int")],
        "group": [candidate("group", "group id")],
        "priority": [candidate("priority")],
    },
    signature=weights(
        strong=("ticket id", "created time", "resolved time", "closed time", "initial response time",
                "first response time (in hrs)", "resolution time (in hrs)", "agent interactions",
                "customer interactions", "resolution status", "first response status", "survey results",
                "due by time", "last update time", "time tracked", "stats.first responded at",
                "stats.resolved at", "responder id", "fr due by", "fr escalated", "is escalated"),
        weak=("subject", "description", "status", "priority", "source", "type", "agent", "group",
              "tags", "product", "contact id", "full name", "email", "due by", "requester id", "group id")),
    refine=_refine,
    localised=FRESHDESK,
)
