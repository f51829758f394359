"""Zendesk and Intercom exports that carry the vendor's own business-hours figures, written by code.

What the vendors document (their help centres; nothing copied from real data):

- **Zendesk** ticket exports give each duration twice: "First reply time in minutes" (calendar) and
  "First reply time in minutes within business hours", the same for "Full resolution time in minutes".
  Whole minutes. Business hours are counted under the ticket's *schedule* (Enterprise accounts may
  have several, chosen per ticket by triggers), with the schedule's holidays. Timestamps ("Created at")
  are written in the account's time zone without an offset.
- **Intercom** conversation exports give "First response time (seconds)" and "First response time,
  only within office hours (seconds)": seconds, under the workspace's default office hours (a team's
  custom office hours only apply to team metrics). Timestamps carry the zone in the header
  ("Conversation started at (Europe/London)").

The vendor figure here is computed by :func:`minute_walk`, a plain minute-by-minute count over the
local clock, independent of ``journeys.business_hours``. A ticket of the ``Night shift`` group is
counted by the vendor under a 24/7 schedule the workspace does not know about (Zendesk picks a schedule
per ticket): those are the tickets that should *disagree*.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays

from tests.tickets import exports as ex

ZONE = "Europe/London"
# Mon–Fri 09:00–17:30 (minutes after local midnight), Saturday 10:00–14:00, as the vendor's schedule.
HOURS: dict[int, list[tuple[int, int]]] = {d: [(9 * 60, 17 * 60 + 30)] for d in range(5)} | {5: [(600, 840)]}
NIGHT_SHIFT = "Night shift"


def closed_dates(years: Sequence[int], country: str = "GB", subdivision: str | None = "ENG") -> set[date]:
    """The public holidays a vendor schedule with that country's holidays closes on."""
    return set(holidays.country_holidays(country, subdiv=subdivision, years=list(years)))


def minute_walk(start: datetime, minutes: int, zone: str = ZONE,
                hours: Mapping[int, list[tuple[int, int]]] = HOURS, closed: set[date] | frozenset = frozenset()) -> int:
    """Open minutes in ``[start, start + minutes)``: each minute counted when the local clock shows an open time."""
    z = ZoneInfo(zone)
    count = 0
    for k in range(minutes):
        local = (start + timedelta(minutes=k)).astimezone(z)
        if local.date() in closed:
            continue
        m = local.hour * 60 + local.minute
        count += any(a <= m < b for a, b in hours.get(local.weekday(), ()))
    return count


def tickets(n: int, first: datetime, days: int, seed: int = 14) -> list[dict]:
    """``n`` tickets created at random whole minutes (UTC) over ``days`` days from ``first``.

    Each: ``created`` (aware UTC), ``first_reply`` and ``resolution`` calendar minutes (whole, some over a
    weekend or holiday), ``group`` (one in six is the night shift), ``walk_<both>`` the minutes open under
    :data:`HOURS` and GB-ENG holidays, and ``vendor_<both>`` what the vendor exports (24/7 for the night shift).
    """
    rng = random.Random(seed)
    closed = closed_dates(range(first.year, first.year + 2))
    out = []
    for i in range(n):
        created = first.replace(tzinfo=UTC) + timedelta(minutes=rng.randrange(days * 24 * 60))
        reply = rng.choice([rng.randrange(1, 120), rng.randrange(60, 4 * 24 * 60)])
        resolution = reply + rng.randrange(0, 3 * 24 * 60)
        group = NIGHT_SHIFT if i % 6 == 5 else rng.choice(["Support", "Billing"])
        walked = {c: minute_walk(created, m, closed=closed) for c, m in (("first_reply", reply),
                                                                         ("resolution", resolution))}
        vendor = {"first_reply": reply, "resolution": resolution} if group == NIGHT_SHIFT else walked
        out.append({"i": i, "created": created, "first_reply": reply, "resolution": resolution, "group": group,
                    **{f"walk_{c}": v for c, v in walked.items()}, **{f"vendor_{c}": v for c, v in vendor.items()}})
    return out


def zendesk_csv(path: Path, rows: list[dict], zone: str = ZONE) -> Path:
    """A Zendesk ticket export of ``rows``: "Created at" in the account zone, whole minutes, both columns."""
    z = ZoneInfo(zone)
    dicts = []
    for r in rows:
        local = r["created"].astimezone(z).replace(tzinfo=None)
        dicts.append(ex.zendesk_row(r["i"], **{
            "Created at": local.strftime("%Y-%m-%d %H:%M:%S"), "Group": r["group"],
            "First reply time in minutes": str(r["first_reply"]),
            "First reply time in minutes within business hours": str(r["vendor_first_reply"]),
            "Full resolution time in minutes": str(r["resolution"]),
            "Full resolution time in minutes within business hours": str(r["vendor_resolution"]),
            "Solved at": (local + timedelta(minutes=r["resolution"])).strftime("%Y-%m-%d %H:%M:%S"),
        }))
    return ex.write_csv(path, ex.ZENDESK_COLUMNS, ex.as_rows(ex.ZENDESK_COLUMNS, dicts))


def intercom_csv(path: Path, rows: list[dict], zone: str = ZONE) -> Path:
    """An Intercom conversation export of ``rows``: times in the header's zone, durations in seconds."""
    z = ZoneInfo(zone)
    columns = ex.intercom_columns(zone)
    dicts = []
    for r in rows:
        local = r["created"].astimezone(z).replace(tzinfo=None)

        def stamp(m: int, at: datetime = local) -> str:
            return (at + timedelta(minutes=m)).strftime("%Y-%m-%d %H:%M:%S")

        dicts.append(ex.intercom_row(r["i"], tz=zone, **{
            f"Conversation started at ({zone})": local.strftime("%Y-%m-%d %H:%M:%S"),
            f"Conversation first replied at ({zone})": stamp(r["first_reply"]),
            f"Conversation first closed at ({zone})": stamp(r["resolution"]),
            f"Conversation last closed at ({zone})": stamp(r["resolution"]),
            "Team currently assigned": r["group"],
            "First response time (seconds)": str(r["first_reply"] * 60),
            "First response time, only within office hours (seconds)": str(r["vendor_first_reply"] * 60),
            "Time to first close (seconds)": str(r["resolution"] * 60),
            "Time to close (seconds)": str(r["resolution"] * 60),
        }))
    return ex.write_csv(path, columns, ex.as_rows(columns, dicts))
