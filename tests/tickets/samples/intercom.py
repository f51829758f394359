"""An Intercom conversations export (Reports → Conversations → Export CSV), written by code.

Headers as Intercom's reporting dataset names the conversation attributes, the timestamps carrying the
workspace time zone (``Conversation started at (Europe/Paris)``), durations in seconds, and the Fin AI
Agent attributes (involved / deflected / resolution state / rating / rating remark) next to the
teammate rating and the AI-inferred CX score.

Traps written on purpose:
- timestamps are local to the workspace zone named in the header, across a daylight-saving change
  (Europe/Paris, 31 March 2024);
- durations are seconds; ``First response time`` is empty when Fin closed the conversation alone;
- ``Last teammate rating`` (1–5) only exists when a teammate took part; the customer's ``Fin AI Agent
  rating`` (1–5) rates Fin's answer; ``CX score`` (1–5) is inferred by Intercom's AI, not a survey;
- ``Fin AI Agent deflected`` true → handled by the bot; Fin involved but not deflected → a bot → human
  escalation; booleans are ``true`` / ``false``;
- ``Conversation tag`` is comma-separated.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.tickets.exports import as_rows, write_csv

ZONE = "Europe/Paris"
T0 = datetime(2024, 3, 29, 7, 0, tzinfo=UTC)  # Paris moves to summer time on 31 March at 02:00 local


def columns(zone: str = ZONE) -> tuple[str, ...]:
    return (
        "Conversation ID", f"Conversation started at ({zone})", f"Conversation first replied at ({zone})",
        f"Conversation last closed at ({zone})", "Channel", "Started by", "Current conversation state",
        "Team currently assigned", "Teammate currently assigned", "Conversation tag", "Topics",
        "Last teammate rating", "Last teammate rating remark", "First response time (seconds)",
        "Time to close (seconds)", "Number of reassignments", "Replies to close a conversation",
        "Fin AI Agent involved", "Fin AI Agent deflected", "Fin AI Agent resolution state", "Fin AI Agent rating",
        "Fin AI Agent rating remark", "CX score", "CX score explanation", "User ID", "User email",
    )


def _local(d: datetime | None, zone: str) -> str:
    """A UTC instant as the workspace's wall-clock time (never a time the DST change skips)."""
    return "" if d is None else d.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M:%S")


def rows(n: int = 150, seed: int = 14, zone: str = ZONE) -> list[dict[str, str]]:
    """``n`` conversations keyed by the header of ``zone``."""
    rnd = random.Random(seed)
    cols = columns(zone)
    out = []
    for i in range(n):
        started = T0 + timedelta(minutes=29 * i)  # 150 × 29 min crosses the DST night
        involved = rnd.random() < 0.6
        deflected = involved and rnd.random() < 0.5
        state = rnd.choice(("closed", "closed", "open", "snoozed"))
        frt = None if deflected else rnd.randint(30, 20_000)
        close = rnd.randint(120, 200_000) if state == "closed" else None
        if frt and close and frt > close:
            frt = close
        values = [
            str(215_000_000_000 + i), _local(started, zone),
            _local(started + timedelta(seconds=frt), zone) if frt else "",
            _local(started + timedelta(seconds=close), zone) if close else "", rnd.choice(("Chat", "Email", "Chat")),
            "User", state, rnd.choice(("Support", "Billing")), "" if deflected else "Teammate B",
            rnd.choice(("billing, refund", "bug", "")), rnd.choice(("Billing", "Login", "")),
            rnd.choice(("5", "4", "2", "")) if not deflected and close else "", "", str(frt or ""),
            str(close or ""), str(rnd.choice((0, 0, 1, 2))), str(rnd.randint(0, 4)),
            str(involved).lower(), str(deflected).lower(),
            ("Assumed resolution" if deflected else "Routed to team") if involved else "",
            rnd.choice(("5", "3", "")) if deflected else "", "", rnd.choice(("4", "2", "")), "", f"user-{i}",
            f"user{i}@example.com",
        ]
        out.append(dict(zip(cols, values, strict=True)))
    return out


def write(path: Path, n: int = 150, seed: int = 14, zone: str = ZONE) -> list[dict[str, str]]:
    data = rows(n, seed, zone)
    write_csv(path, columns(zone), as_rows(columns(zone), data))
    return data
