"""A Front analytics message export (Analytics → Export → Messages), written by code.

One row per **message**, with the columns Front's analytics export API documents for message exports
(``Message ID, Segment ID, Conversation ID, Segment, Direction, Status, Inbox, Message date, Autoreply,
Reaction time, Total reply time, Handle time, Response time, Author, Contact handle, Tags, Subject,
Segment start, Segment end, First response, Business hours``): every conversation spans several rows.

Traps written on purpose:
- the conversation-level columns (Status, Inbox, Tags, Subject, Segment start / end, Total reply time)
  repeat on each of its messages; the per-message ones (Direction, Reaction time, Response time, Handle
  time) differ row by row;
- durations are **seconds**; ``Total reply time`` (Front's former "Resolution time") is the *sum of the
  reply times* of an archived segment — not the time from first message to archive — and is empty while
  the conversation is open;
- ``Message date`` / ``Segment start`` are ISO 8601 with an offset (``2024-03-04T09:00:00+01:00``);
- the rows of a conversation are in time order but interleaved with other conversations';
- tags are comma-separated; ``Autoreply`` / ``First response`` / ``Business hours`` are true/false.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from tests.tickets.exports import as_rows, write_csv

COLUMNS: tuple[str, ...] = (
    "Message ID", "Segment ID", "Conversation ID", "Segment", "Direction", "Status", "Inbox", "Message date",
    "Autoreply", "Reaction time", "Total reply time", "Handle time", "Response time", "Author",
    "Contact handle", "Tags", "Subject", "Segment start", "Segment end", "First response", "Business hours",
)
T0 = datetime(2024, 3, 4, 8, 0, tzinfo=UTC)
CET = timezone(timedelta(hours=1))


def _iso(d: datetime | None) -> str:
    return "" if d is None else d.astimezone(CET).isoformat(timespec="seconds")


def rows(conversations: int = 60, seed: int = 14) -> list[dict[str, str]]:
    """The messages of ``conversations`` conversations, in message-date order."""
    rnd = random.Random(seed)
    out = []
    for c in range(conversations):
        start = T0 + timedelta(minutes=43 * c)
        archived = rnd.random() < 0.7
        when, replies, msgs = start, [], []
        for k in range(rnd.randint(2, 5)):
            inbound = k % 2 == 0
            gap = rnd.randint(60, 30_000)
            if not inbound:
                replies.append(gap)
            msgs.append((when, inbound, gap))
            when += timedelta(seconds=gap)
        conv = {"Conversation ID": f"cnv_{c:05x}", "Segment ID": f"seg_{c:05x}", "Segment": "1",
                "Status": "archived" if archived else "open", "Inbox": rnd.choice(("Support", "Billing")),
                "Contact handle": f"buyer{c}@example.com", "Tags": rnd.choice(("billing,urgent", "Returns", "")),
                "Subject": f"Parcel {c} damaged", "Segment start": _iso(start),
                "Segment end": _iso(msgs[-1][0]) if archived else "",
                "Total reply time": str(sum(replies)) if archived and replies else ""}
        for k, (at, inbound, _gap) in enumerate(msgs):
            out.append({**conv, "Message ID": f"msg_{c:05x}_{k}", "Direction": "Inbound" if inbound else "Outbound",
                        "Message date": _iso(at), "Autoreply": "false",
                        "Reaction time": str(msgs[k + 1][2]) if inbound and k + 1 < len(msgs) else "",
                        "Response time": "" if inbound else str(msgs[k - 1][2]),
                        "Handle time": "" if inbound else str(rnd.randint(20, 600)),
                        "Author": "" if inbound else rnd.choice(("Noor Haddad", "Sam Rivera")),
                        "First response": str(k == 1).lower(), "Business hours": "true"})
    return sorted(out, key=lambda r: r["Message date"])


def write(path: Path, conversations: int = 60, seed: int = 14) -> list[dict[str, str]]:
    data = rows(conversations, seed)
    write_csv(path, COLUMNS, as_rows(COLUMNS, data))
    return data
