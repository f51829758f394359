"""Front: Analytics → Export → Messages (CSV), one row per message, as the analytics export API names
its message columns.

Export layout: ``Message ID, Segment ID, Conversation ID, Ticket IDs, Segment, Direction, Status, Inbox,
Message date, Autoreply, Reaction time, Total reply time, Handle time, Response time, Attributed to,
Assignee, Author, Contact name, Contact handle, Account names, Tags, Subject, Segment start, Segment end,
Segment closed, Last segment activity, First response, Business hours, Ticket status name …``.

A ticket is a **conversation**: its rows repeat ``Conversation ID`` and are ordered by ``Message date``,
so the importer collapses them to the conversation's last message (one-row-per-update logs,
:mod:`journeys.tickets.history`) and keeps its first created time (``Segment start``).

Traps:
- durations are **seconds**, in business hours when the export was made with them;
- ``Total reply time`` (called "Resolution time" in Front's legacy analytics, and still in old exports)
  is the *sum of the reply times* of an archived segment — Front's resolution figure — not first message
  to archive; it is empty while the conversation is open;
- first reply: Front's is the ``Response time`` of the message flagged ``First response``; a
  per-conversation value needs an aggregate the last-row collapse does not make, so
  first_response_minutes is left empty (the per-message times stay extras for rules);
- ``Message date`` / ``Segment start`` carry an offset; ``Inbox`` is the team inbox (the group);
- there is no satisfaction score and no bot flag (``Autoreply`` marks rule auto-replies, not bots).
"""

from __future__ import annotations

from journeys.tickets.layouts.base import Layout, candidate, weights

LAYOUT = Layout(
    name="front",
    title="Front",
    fields={
        "ticket_id": [candidate("conversation id", "conversation api id")],
        "created_at": [candidate("segment start"), candidate("message date", kind="alt")],
        "subject": [candidate("subject")],
        "tags": [candidate("tags", t="split_tags_comma")],
        "status": [candidate("ticket status name", "status")],
        "customer_id": [candidate("contact handle", "contact name")],
        "resolution_minutes": [candidate("total reply time", "resolution time", t="seconds_to_minutes")],
        "group": [candidate("inbox")],
    },
    signature=weights(
        strong=("message id", "segment id", "segment", "direction", "inbox", "inbox api id", "message date",
                "autoreply", "reaction time", "total reply time", "handle time", "attributed to",
                "contact handle", "account names", "extract", "tag api ids", "message api id",
                "conversation api id", "new conversation", "first response", "business hours", "segment start",
                "segment end", "segment closed", "last segment activity", "segment cumulative teammates",
                "ticket status name", "ticket status category"),
        weak=("conversation id", "response time", "status", "subject", "tags", "author", "assignee",
              "contact name", "resolution time", "ticket ids")),
    # per-message flags and times generic synonyms would take for a first response: they stay extras
    keep_extra=("first response", "response time", "reaction time"),
)
