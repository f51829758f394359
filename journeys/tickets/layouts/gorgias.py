"""Gorgias: a tickets view → Export tickets (CSV), and the REST ``Ticket`` shape (flattened).

Export layout: one row per ticket — ``Ticket id, Subject, Status, Channel, Via, Language, Tags, Assignee
user, Assignee team, Customer email, Customer name, Created datetime, Opened datetime, Last message
datetime, Closed datetime, Satisfaction survey score, Satisfaction survey comment, Number of messages,
Spam``; the API names the same fields ``id, channel, via, status, tags[].name, assignee_user,
assignee_team, customer.email, created_datetime, closed_datetime, satisfaction_survey.score`` (its
``SatisfactionSurvey.score`` is documented as 1–5).

Traps:
- datetimes are ISO 8601 **without an offset, in UTC**, with microseconds;
- ``Status`` is only open / closed, and a snoozed ticket counts as closed until the snooze ends, so
  ``Closed datetime`` − ``Created datetime`` is Gorgias' resolution time only for tickets closed once;
- ``Channel`` is the channel of the first message and never changes (email, chat, contact_form,
  facebook, instagram-comment, sms, phone, api …); ``Via`` is how that message arrived (not the channel);
- ``Satisfaction survey score`` 1–5, empty when no survey was sent or answered;
- no first-response column in a ticket export (Gorgias computes it from the messages): left empty;
- the AI Agent's tickets are assigned to the user ``AI Agent`` and tagged: kept as extras for rules
  (there is no bot/human flag to map to handled_by);
- ``Ticket id`` is Freshdesk's header too: the datetimes and survey columns decide.
"""

from __future__ import annotations

from journeys.tickets.layouts.base import Layout, candidate, weights

LAYOUT = Layout(
    name="gorgias",
    title="Gorgias",
    fields={
        "ticket_id": [candidate("ticket id", "id")],
        "created_at": [candidate("created datetime")],
        "channel": [candidate("channel")],
        "subject": [candidate("subject")],
        "tags": [candidate("tags", "tags[].name", t="split_tags_comma")],
        "status": [candidate("status")],
        "customer_id": [candidate("customer email", "customer.email"),
                        candidate("customer id", "customer.id", kind="alt")],
        "csat": [candidate("satisfaction survey score", "satisfaction survey.score", t="csat")],
        "resolution_minutes": [candidate("closed datetime", t="diff_minutes:{created}")],
        "group": [candidate("assignee team", "assignee team.name")],
        "priority": [candidate("priority")],
    },
    signature=weights(
        strong=("created datetime", "closed datetime", "opened datetime", "last message datetime",
                "last received message datetime", "updated datetime", "snooze datetime",
                "satisfaction survey score", "satisfaction survey comment", "satisfaction survey.score",
                "assignee user", "assignee team", "assignee user.email", "assignee team.name",
                "number of messages", "customer.email"),
        weak=("ticket id", "subject", "status", "channel", "via", "language", "tags", "customer email",
              "customer name", "spam", "priority")),
)
