"""Zendesk: the CSV / view export (Admin Center → Reports) and the REST/NDJSON ticket + metrics shape.

Export layout: ``Summation column, Id, Requester, Requester id, … Subject, Tags, Status, Priority, Via,
Ticket type, Created at, Updated at, … Solved at, Resolution time, Satisfaction Score, Group stations,
Assignee stations, Reopens, Replies, First reply time in minutes[ within business hours], …`` plus one
column per custom field named ``<Title> [list]`` / ``[txt]`` / ``[int]`` …

Traps: ``Resolution time`` is in *hours*, every ``… in minutes`` column is minutes; an export may carry
only the business-hours variant; ``Satisfaction Score`` ``Offered``/``Unoffered`` are not ratings;
Excel's zero date ``1900-01-01`` where an event never happened; ``Tags`` space-separated;
``Group stations`` > 1 means the ticket moved between groups.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pyarrow as pa

from journeys.tickets.layouts.base import BH_NOTE, Layout, candidate, weights
from journeys.tickets.layouts.localised import ZENDESK

CUSTOM_FIELD = re.compile(r"^(.*\S)\s*\[(list|txt|int|dec|date|flag|checkbox|multiselect|tagger|regexp|"
                          r"text|textarea|integer|decimal|dropdown)\]$", re.IGNORECASE)


def _custom_bonus(columns: Sequence[str]) -> int:
    """``<Title> [list]`` custom fields are Zendesk's own: up to two count as strong headers."""
    return min(2, sum(1 for c in columns if CUSTOM_FIELD.match(c.strip())))


def category_column(columns: Sequence[str], used: set[str]) -> str | None:
    """A ``[list]`` custom field named like a category (Category, Contact reason, Topic …), if any."""
    for c in columns:
        m = CUSTOM_FIELD.match(c.strip())
        if m and c not in used and m.group(2).lower() in {"list", "tagger", "dropdown"} and re.search(
                r"categor|reason|topic|issue|about", m.group(1), re.IGNORECASE):
            return c
    return None


def _refine(columns: list[str], sources: dict[str, str], used: set[str],
            sample: pa.Table | None) -> dict[str, tuple[str, str]]:
    cat = category_column(columns, used)
    return {"category": (cat, "auto")} if cat else {}


LAYOUT = Layout(
    name="zendesk",
    title="Zendesk",
    fields={
        "ticket_id": [candidate("id")],
        "created_at": [candidate("created at")],
        "channel": [candidate("via"), candidate("via.channel")],
        "subject": [candidate("subject")],
        "tags": [candidate("tags", t="split_tags_space")],
        "category": [candidate("ticket type", "type")],
        "status": [candidate("status")],
        "customer_id": [candidate("requester id"), candidate("requester email", kind="alt")],
        "csat": [candidate("satisfaction score", "satisfaction rating.score", t="csat")],
        "first_response_minutes": [
            candidate("first reply time in minutes", "reply time in minutes.calendar", t="minutes"),
            candidate("first reply time in minutes within business hours", "reply time in minutes.business",
                      t="minutes", kind="alt", note=BH_NOTE)],
        "resolution_minutes": [
            candidate("full resolution time in minutes", "full resolution time in minutes.calendar", t="minutes"),
            candidate("full resolution time in minutes within business hours",
                      "full resolution time in minutes.business", t="minutes", kind="alt", note=BH_NOTE),
            candidate("resolution time", t="hours_to_minutes", kind="alt",
                      note="resolution_minutes: from Zendesk's 'Resolution time', which is in hours (× 60)."),
            candidate("solved at", t="diff_minutes:{created}", kind="fallback")],
        "reopens": [candidate("reopens", t="int")],
        "escalated": [candidate("group stations", t="gt_one")],
        "agent_replies": [candidate("replies", t="int")],
        "group": [candidate("group", "group id")],
        "priority": [candidate("priority")],
    },
    signature=weights(
        strong=("satisfaction score", "group stations", "assignee stations", "first reply time in minutes",
                "first reply time in minutes within business hours", "full resolution time in minutes",
                "full resolution time in minutes within business hours", "first resolution time in minutes",
                "summation column", "requester id", "requester email", "requester domain", "ticket type",
                "via", "solved at", "agent wait time in minutes", "requester wait time in minutes",
                "on hold time in minutes", "initially assigned at", "via.channel",
                "satisfaction rating.score", "reply time in minutes.calendar",
                "full resolution time in minutes.calendar", "custom fields[].id"),
        weak=("id", "created at", "updated at", "subject", "tags", "status", "priority", "group",
              "assignee", "reopens", "replies", "resolution time", "organization", "requester",
              "submitter", "group id", "assignee id", "organization id")),
    refine=_refine,
    bonus=_custom_bonus,
    localised=ZENDESK,
)
