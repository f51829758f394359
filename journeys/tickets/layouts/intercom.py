"""Intercom: Reports → Conversations CSV, and the REST conversations shape (flattened to dotted names).

Export layout: ``Conversation ID, Conversation started at (<TZ>), Conversation first replied at (<TZ>),
… Channel, Started by, Conversation source, Current conversation state, Team currently assigned, …
Conversation tag, Topics, Ticket type, Last teammate rating, First response time (seconds), …
Time to close (seconds), Number of reassignments, Fin AI Agent involved / deflected / resolution state,
Chatbot replied, User ID, User email …``

Traps: timestamps carry the workspace *time zone in the header*; durations are *seconds*; the bot
columns say whether automation handled or deflected the conversation; REST timestamps are unix seconds.
Checked against Intercom's reporting attributes (Dec 2026): a conversation Fin closed alone has no
``Last teammate rating``; the customer's ``Fin AI Agent rating`` (1–5) is then its rating (a fallback);
``CX score`` is inferred by Intercom's AI from the conversation, not asked of the customer, so it is
kept as an extra and never read as CSAT; a DST change moves the header zone's offset per value.
"""

from __future__ import annotations

from journeys.tickets.layouts.base import BH_NOTE, Layout, candidate, weights

LAYOUT = Layout(
    name="intercom",
    title="Intercom",
    fields={
        "ticket_id": [candidate("conversation id", "id")],
        "created_at": [candidate("conversation started at", "created at")],
        "channel": [candidate("channel"),
                    candidate("conversation source", "source.delivered as", "source.type", kind="alt")],
        "subject": [candidate("source.subject", "title", "conversation title")],
        "tags": [candidate("conversation tag", "conversation tags", t="split_tags_comma"),
                 candidate("tags.tags[].name")],
        "category": [candidate("topics", "topic"), candidate("ticket type", kind="alt")],
        "status": [candidate("current conversation state", "state")],
        "customer_id": [candidate("user id", "contacts.contacts[].id", "source.author.id"),
                        candidate("user email", kind="alt")],
        "csat": [candidate("last teammate rating", "conversation rating.rating", "conversation rating", t="csat"),
                 candidate("fin ai agent rating", t="csat", kind="fallback")],
        "first_response_minutes": [
            candidate("first response time (seconds)", "statistics.time to admin reply", t="seconds_to_minutes"),
            candidate("first response time, only within office hours (seconds)", t="seconds_to_minutes", kind="alt",
                      note=BH_NOTE),
            candidate("conversation first replied at", "statistics.first admin reply at", t="diff_minutes:{created}",
                      kind="fallback")],
        "resolution_minutes": [
            candidate("time to close (seconds)", "statistics.time to last close", t="seconds_to_minutes"),
            candidate("time to first close (seconds)", "statistics.time to first close", t="seconds_to_minutes",
                      kind="alt"),
            candidate("conversation last closed at", "statistics.last close at", t="diff_minutes:{created}",
                      kind="fallback")],
        "reopens": [candidate("statistics.count reopens", "number of reopens", t="int")],
        "escalated": [candidate("fin ai agent involved", t="bot_handoff:{fin ai agent deflected}"),
                      candidate("number of reassignments", t="gt_zero", kind="fallback"),
                      candidate("statistics.count assignments", t="gt_one", kind="fallback")],
        "handled_by": [candidate("fin ai agent deflected", "ai agent participated", t="bot_if_true"),
                       candidate("fin ai agent resolution state", "ai agent.resolution state", t="bot_if_true",
                                 kind="alt"),
                       candidate("chatbot replied", t="bot_if_true", kind="alt",
                                 note="handled_by: only 'Chatbot replied' is exported; a conversation the chatbot "
                                      "replied to counts as handled by the bot.")],
        "agent_replies": [candidate("replies to close a conversation", t="int")],
        "group": [candidate("team currently assigned", "team assignee id")],
        "priority": [candidate("conversation priority", "priority")],
    },
    signature=weights(
        strong=("conversation id", "conversation started at", "conversation first replied at",
                "conversation first closed at", "conversation last closed at", "current conversation state",
                "team currently assigned", "teammate currently assigned", "conversation tag",
                "last teammate rating", "last teammate rating remark", "first response time (seconds)",
                "time to close (seconds)", "time to first close (seconds)", "handling time (seconds)",
                "fin ai agent involved", "fin ai agent deflected", "fin ai agent resolution state",
                "chatbot replied", "number of reassignments", "replies to close a conversation",
                "conversation source", "started by", "conversation priority", "resolved on first contact",
                "statistics.time to admin reply", "conversation rating.rating", "tags.tags[].name",
                "source.delivered as", "admin assignee id", "team assignee id", "contacts.contacts[].id",
                "ai agent participated", "statistics.count reopens", "fin ai agent rating",
                "fin ai agent rating remark", "cx score", "cx score explanation"),
        weak=("channel", "topics", "user id", "user email", "company name", "company id", "country", "state")),
)
