"""Jira Cloud and Jira Service Management: Filters / issue search → Export → CSV (all or current fields).

Export layout: ``Summary, Issue key, Issue id, Issue Type, Status, Project key, Project name, Priority,
Resolution, Assignee, Reporter, Creator, Created, Updated, Last Viewed, Resolved, Due date, Labels,
Labels, Component/s, Sprint, …, Custom field (<name>) …``; JSM adds ``Custom field (Request Type)``,
``Custom field (Satisfaction)``, ``Satisfaction rating``, ``Request Type`` and its SLA fields
``Time to first response`` / ``Time to resolution``.

Traps:
- Dates are Jira's default display format ``06/Jan/26 9:29 AM`` (``dd/MMM/yy h:mm a``), month names in
  the user's UI language (``06/ene/26 9:29 a. m.``): both parsed (``normalise.LOCAL_MONTHS``).
- ``Resolution`` is a *word* ("Done", "Won't Do", "Duplicate"), not a duration: resolution_minutes is
  ``Resolved − Created``; the word is kept as an extra.
- Multi-value fields (``Labels``, ``Component/s``, ``Sprint``, ``Watchers``) get one column per value
  with the *same header repeated*; the reader names them ``Labels (2)`` …; labels, components and
  sprints are read as one tag list (transform ``tags_columns``).
- The JSM SLA columns show the time *remaining* against the goal (negative once breached) in the SLA's
  working-hours calendar — not the elapsed time: never read as first reply / resolution minutes; kept
  as extras. Jira has no first-response timestamp, so first_response_minutes stays empty.
- ``Status`` is the workflow's own word; ``Status Category`` (To Do / In Progress / Done) is kept as extra.
"""

from __future__ import annotations

import re

import pyarrow as pa

from journeys.tickets.layouts.base import Layout, candidate, weights
from journeys.tickets.layouts.localised import JIRA

# headers Jira repeats once per value (English and the localised names the export uses)
_REPEATED = re.compile(r"^(labels|component/s|components|sprint|etiquetas|componentes|etiketten|komponenten|"
                       r"étiquettes|etiquettes|composants|rótulos)( \(\d+\))?$", re.IGNORECASE)


def tag_columns(columns: list[str]) -> list[str]:
    """Every Labels / Component/s / Sprint column, repeats (``Labels (2)``) included, in file order."""
    return [c for c in columns if _REPEATED.match(c.strip())]


def _refine(columns: list[str], sources: dict[str, str], used: set[str],
            sample: pa.Table | None) -> dict[str, tuple[str, str]]:
    cols = [c for c in tag_columns(columns) if c not in used]
    if not cols:
        return {}
    return {"tags": (cols[0], "tags_columns:" + "|".join(cols[1:]) if len(cols) > 1 else "text")}


LAYOUT = Layout(
    name="jira",
    title="Jira / Jira Service Management",
    fields={
        "ticket_id": [candidate("issue key", "key", "issue id")],
        "created_at": [candidate("created")],
        "subject": [candidate("summary")],
        "category": [candidate("custom field (request type)", "request type", "customer request type"),
                     candidate("issue type", kind="alt")],
        "status": [candidate("status")],
        "customer_id": [candidate("reporter", "reporter id"), candidate("creator", kind="alt")],
        "csat": [candidate("custom field (satisfaction)", "satisfaction rating", "satisfaction", t="csat")],
        "resolution_minutes": [candidate("resolved", "resolution date", t="diff_minutes:{created}")],
        "group": [candidate("custom field (team)", "team")],
        "priority": [candidate("priority")],
    },
    signature=weights(
        decisive=("issue key",),
        strong=("issue id", "issue type", "project key", "project name", "project type",
                "component/s", "custom field (request type)", "custom field (satisfaction)", "sprint",
                "status category", "status category changed", "last viewed", "parent id", "parent summary",
                "time to first response", "time to resolution", "custom field (satisfaction date)",
                "original estimate", "remaining estimate", "time spent", "σ time spent", "watchers",
                "request type", "satisfaction rating", "creator", "fix version/s", "affects version/s"),
        weak=("summary", "status", "priority", "resolution", "assignee", "reporter", "created", "updated",
              "resolved", "due date", "labels", "description", "environment")),
    refine=_refine,
    localised=JIRA,
    keep_extra=("resolution", "time to first response", "time to resolution"),
)
