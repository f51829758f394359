"""Help Scout: Reports → Export (conversations), and the Mailbox API v2 conversation shape (flattened).

Export layout: one row per conversation — ``Conversation ID, Conversation Number, Subject, Mailbox, Type,
Status, Tags, Assigned To, Customer Name, Customer Email, Created At, First Response At, Closed At, Closed
By, Replies Sent, Happiness Rating, Happiness Comments``. The report drill-downs Help Scout documents
(``/v2/reports/.../drilldown``: id, number, type, mailboxid, subject, status, customerName, customerEmail,
tags …) and the API conversation (``number, type, status, mailboxId, createdAt, closedAt, closedBy,
primaryCustomer.email, tags[].tag, customerWaitingSince.time``) carry the same facts under API names.
The CSV labels are as Help Scout's UI words them; no public page lists the export's exact header. An API
page's HAL envelope (``{"_embedded": {"conversations": [...]}}``) is not unwrapped by the reader: save the
``conversations`` array itself (it has no first-response time and no rating).

Traps:
- timestamps are ISO 8601 in UTC (``2024-03-04T09:00:00Z``);
- ``Conversation ID`` is the internal id (Intercom's export also has a ``Conversation ID``: it is not
  a signature here); the ``Number`` is what agents and reports show, so it is the ticket id;
- ``Type`` (email / chat / phone) is the channel; phone conversations are logged by a teammate and have
  no first response;
- ``Status`` is active / pending / closed / spam. Help Scout's own "resolved" needs a user reply *and*
  Closed: a conversation closed without a reply (spam, auto-closed) still gets ``Closed At − Created At``
  here, so resolution medians can sit below Help Scout's when many such conversations are closed;
- ``Happiness Rating`` is a three-point scale: Great / Okay / Not Good → 5 / 3 / 1 (empty: not rated);
- tags are comma-separated, mixed case (lower-cased on import).
"""

from __future__ import annotations

from journeys.tickets.layouts.base import Layout, candidate, weights

LAYOUT = Layout(
    name="helpscout",
    title="Help Scout",
    fields={
        "ticket_id": [candidate("conversation number", "number"), candidate("conversation id", "id", kind="alt")],
        "created_at": [candidate("created at", "createdat", "conversation created at")],
        "channel": [candidate("type", "conversation type", "source.type")],
        "subject": [candidate("subject")],
        "tags": [candidate("tags", "tags[].tag", t="split_tags_comma")],
        "status": [candidate("status")],
        "customer_id": [candidate("customer email", "customeremail", "primarycustomer.email"),
                        candidate("customer id", "primarycustomer.id", kind="alt")],
        "csat": [candidate("happiness rating", "rating", t="csat")],
        "first_response_minutes": [candidate("first response at", "first reply at", t="diff_minutes:{created}")],
        "resolution_minutes": [candidate("closed at", "closedat", t="diff_minutes:{created}")],
        "agent_replies": [candidate("replies sent", "replies", t="int")],
        "group": [candidate("mailbox", "mailbox name", "mailboxid")],
    },
    signature=weights(
        strong=("conversation number", "mailbox", "mailbox name", "first response at", "closed by",
                "replies sent", "happiness comments", "customer waiting since", "mailboxid", "createdat",
                "closedat", "closedby", "primarycustomer.email", "primarycustomer.id", "tags[].tag",
                "customerwaitingsince.time", "folderid", "userupdatedat", "threadcount", "customeremail"),
        weak=("conversation id", "happiness rating", "customer name", "customer email", "assigned to", "type",
              "status", "subject", "tags", "created at", "closed at", "number", "id")),
)
