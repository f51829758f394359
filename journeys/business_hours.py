"""Business hours: first reply and resolution in minutes the help desk was open, beside calendar minutes.

Help desks report "within business hours" figures (Zendesk's "First reply time in minutes within
business hours", Intercom's "First response time, only within office hours (seconds)", ServiceNow's
``business_duration``) under a schedule the export does not carry, and often only some of them.
A workspace keeps one :class:`Schedule` (time zone, opening hours per weekday, public holidays from
the ``holidays`` package by country and subdivision, closure dates); :func:`with_business_minutes`
then adds, for every ticket, the minutes of its first-reply and resolution intervals that fall inside
the schedule's opening hours:

- ``first_response_business_minutes``: open minutes between ``created_at`` and the first agent reply
  (``created_at + first_response_minutes``);
- ``resolution_business_minutes``: open minutes between ``created_at`` and resolution
  (``created_at + resolution_minutes``).

Calendar minutes stay in ``first_response_minutes`` / ``resolution_minutes``; :func:`business_view`
swaps the business minutes into those names so every catalogue metric (``frt_p50`` …) can be read
in business minutes by the same :func:`journeys.metrics.compute` call.

Decisions and traps (each written down because a reader may argue with it):

- **Where the end comes from.** The canonical dataset keeps ``created_at`` and durations, not reply
  timestamps, so an interval's end is ``created_at`` plus its calendar minutes. When an export only
  had the vendor's business-hours column (the import report says so), ``first_response_minutes`` is
  already business time and recomputing it here is meaningless: use the vendor's figure instead.
- **Null, not zero.** An unknown duration (null, NaN, infinite), a negative one (end before start), or
  an interval reaching outside the years 1900–2199 (:data:`FIRST_DAY` … :data:`LAST_DAY`: a clock error,
  not a ticket) gives null business minutes, counted by :func:`coverage`; an interval wholly outside
  opening hours gives 0. The day table spans only the days the data reaches inside those bounds, so a
  stray 1970 ticket costs a larger (still small) table, never the other tickets' values.
- **Local wall-clock hours.** Opening hours are read in the schedule's time zone on each local date, so
  09:00–17:30 is 8.5 hours on both sides of a DST change; the day of the change itself has 23 or 25
  hours only when the hours span the changed hour (e.g. 00:00–24:00). A local time that does not exist
  (the skipped hour) moves forward; an ambiguous one (the repeated hour) takes its first occurrence.
- **Holidays and closures** close the whole local date, whatever its weekday; a date listed in
  ``closures`` is closed even when the country has no holiday then. Holidays come from
  ``holidays.country_holidays(country, subdiv=subdivision)`` for the years the data spans (e.g. GB
  subdivision ENG: Christmas Day and Boxing Day; DE subdivision BY: Epiphany, Corpus Christi).
- **How it is computed.** Opening intervals are turned into UTC instants and cut at UTC midnights into
  a small day table (one row per UTC day: open seconds before that day, then up to ``K`` open pieces
  as seconds into the day). The business time before an instant ``x`` is the open seconds before its
  day plus the clipped pieces before it, so a ticket's business minutes are two equi-joins on an
  integer day number and arithmetic: one query in the analytics engine (DuckDB, or any Ibis backend),
  no Python loop per ticket (``benchmarks/bench_business_hours.py`` measures it).
- **Vendor agreement.** :func:`vendor_agreement` compares ours with the vendor's own business-hours
  columns kept as extras (Zendesk's whole minutes, Intercom's seconds, ServiceNow's ``business_duration``
  in seconds): the share of tickets where both are known and differ by at most one minute.
  Vendors count under their own schedule (Zendesk: the ticket's schedule, Intercom: the office hours
  of the workspace at the time), so a low share usually means the schedules differ, or that the
  export's times were read in the wrong zone (``--timezone`` on import).
"""

from __future__ import annotations

import itertools
import re
import zoneinfo
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from journeys.errors import JourneysError

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
BUSINESS_COLUMNS: dict[str, str] = {
    "first_response_minutes": "first_response_business_minutes",
    "resolution_minutes": "resolution_business_minutes",
}
SETTINGS_KIND = "settings"  # the workspace settings documents (see journeys.priorities)
SETTINGS_KEY = "schedule"
FIRST_DAY = -25_567  # 1900-01-01 as days since 1970-01-01: the day table never reaches before …
LAST_DAY = 84_005  # … nor after 2199-12-31
LONGEST_MINUTES = float((LAST_DAY - FIRST_DAY + 1) * 1440)  # longer durations cannot fit the bounds: null
DAY = 86_400
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")

# Vendors' own business-hours columns (normalised header → our column, factor to minutes, vendor).
VENDOR_COLUMNS: dict[str, tuple[str, float, str]] = {
    "first reply time in minutes within business hours": ("first_response_business_minutes", 1.0, "Zendesk"),
    "full resolution time in minutes within business hours": ("resolution_business_minutes", 1.0, "Zendesk"),
    "first response time, only within office hours (seconds)": ("first_response_business_minutes", 1 / 60,
                                                                 "Intercom"),
    # ServiceNow's incident list: business_duration is opened → resolved within the SLA schedule, in seconds.
    "business duration": ("resolution_business_minutes", 1 / 60, "ServiceNow"),
}


def _minutes_of_day(text: str, what: str) -> int:
    """``HH:MM`` as minutes after midnight; ``24:00`` is the end of the day."""
    m = _TIME.match(str(text).strip())
    if not m or int(m.group(2)) > 59 or int(m.group(1)) * 60 + int(m.group(2)) > 24 * 60:
        raise JourneysError(f"{what}: {str(text)[:20]!r} is not a time of day (HH:MM, 00:00 to 24:00)")
    return int(m.group(1)) * 60 + int(m.group(2))


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True)
class Schedule:
    """When the help desk is open: a time zone, hours per weekday, a country's holidays, closure dates.

    ``hours`` holds ``(weekday, "HH:MM", "HH:MM")`` triples (weekday ``mon`` … ``sun``; several per
    day for a lunch break); a weekday without any is closed.
    """

    timezone: str = "UTC"
    hours: tuple[tuple[str, str, str], ...] = ()
    country: str | None = None
    subdivision: str | None = None
    closures: tuple[date, ...] = field(default=())

    def __post_init__(self) -> None:
        try:
            zoneinfo.ZoneInfo(str(self.timezone))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise JourneysError(f"Unknown time zone {str(self.timezone)[:60]!r} (use an IANA name such as "
                                "Europe/London or America/New_York)") from None
        spans: dict[str, list[tuple[int, int]]] = {}
        for entry in self.hours:
            day, start, end = entry
            if day not in WEEKDAYS:
                raise JourneysError(f"Unknown weekday {str(day)[:20]!r} (use {', '.join(WEEKDAYS)})")
            a, b = _minutes_of_day(start, f"{day} opening"), _minutes_of_day(end, f"{day} closing")
            if a >= b:
                raise JourneysError(f"{day} {start}–{end}: the opening time must be before the closing time")
            spans.setdefault(day, []).append((a, b))
        for day, items in spans.items():
            items.sort()
            for (_, b1), (a2, _) in itertools.pairwise(items):
                if a2 < b1:
                    raise JourneysError(f"{day}: opening hours overlap ({_hhmm(a2)} is before {_hhmm(b1)})")
        if self.subdivision and not self.country:
            raise JourneysError("A subdivision needs a country (e.g. --country DE --subdivision BY)")
        if self.country:
            self.holidays_in([2024])  # validates country and subdivision
        for d in self.closures:
            if not isinstance(d, date):
                raise JourneysError(f"A closure must be a date, not {d!r}")

    # --- reading ---------------------------------------------------------------------------------

    def minutes(self) -> dict[int, list[tuple[int, int]]]:
        """Opening spans per weekday number (Monday 0) in minutes after local midnight, sorted."""
        out: dict[int, list[tuple[int, int]]] = {}
        for day, start, end in self.hours:
            out.setdefault(WEEKDAYS.index(day), []).append((_minutes_of_day(start, day), _minutes_of_day(end, day)))
        return {k: sorted(v) for k, v in sorted(out.items())}

    def holidays_in(self, years: Iterable[int]) -> dict[date, str]:
        """Public holidays of the schedule's country (and subdivision) in ``years``; empty without a country."""
        if not self.country:
            return {}
        import holidays

        try:
            found = holidays.country_holidays(self.country, subdiv=self.subdivision or None, years=list(years))
        except NotImplementedError as exc:
            raise JourneysError(f"Public holidays: {str(exc)[:160]} (country codes are ISO "
                                "3166 such as GB, DE, US; subdivisions such as ENG, BY, CA)") from None
        return dict(found.items())

    def weekly_minutes(self) -> int:
        """Open minutes in an ordinary week (no holiday, no closure)."""
        return sum(b - a for spans in self.minutes().values() for a, b in spans)

    def describe(self) -> list[str]:
        """The schedule in lines a person reads (CLI ``show``, the Friction page caption)."""
        spans = self.minutes()
        lines = [f"Time zone: {self.timezone}"]
        for i, name in enumerate(WEEKDAYS):
            hours = ", ".join(f"{_hhmm(a)}–{_hhmm(b)}" for a, b in spans.get(i, [])) or "closed"
            lines.append(f"{name.capitalize()}: {hours}")
        place = f"{self.country}" + (f"-{self.subdivision}" if self.subdivision else "")
        lines.append(f"Public holidays: {place if self.country else 'none'}")
        lines.append("Closures: " + (", ".join(d.isoformat() for d in sorted(self.closures)) or "none"))
        return lines

    def summary(self) -> str:
        """The schedule on one line, runs of days with the same hours joined ("Mon–Fri 09:00–17:30")."""
        spans = self.minutes()
        runs: list[tuple[int, int, str]] = []
        for i in range(7):
            hours = ", ".join(f"{_hhmm(a)}–{_hhmm(b)}" for a, b in spans.get(i, []))
            if hours and runs and runs[-1][1] == i - 1 and runs[-1][2] == hours:
                runs[-1] = (runs[-1][0], i, hours)
            elif hours:
                runs.append((i, i, hours))
        days = "; ".join((WEEKDAYS[a].capitalize() + (f"–{WEEKDAYS[b].capitalize()}" if b > a else "")) + f" {h}"
                         for a, b, h in runs) or "always closed"
        place = (self.country or "") + (f"-{self.subdivision}" if self.subdivision else "")
        closures = f"{len(self.closures)} closure day(s)" if self.closures else "no closures"
        return f"{self.timezone} · {days} · {'holidays ' + place if place else 'no public holidays'} · {closures}"

    # --- storage ---------------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        return {"timezone": self.timezone, "hours": [list(h) for h in self.hours], "country": self.country,
                "subdivision": self.subdivision, "closures": [d.isoformat() for d in sorted(self.closures)]}

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> Schedule:
        try:
            closures = tuple(date.fromisoformat(str(d)) for d in body.get("closures") or ())
            hours = tuple((str(d), str(a), str(b)) for d, a, b in body.get("hours") or ())
        except (TypeError, ValueError) as exc:
            raise JourneysError(f"The stored schedule cannot be read: {exc}") from None
        return cls(timezone=str(body.get("timezone") or "UTC"), hours=hours, country=body.get("country") or None,
                   subdivision=body.get("subdivision") or None, closures=closures)


def parse_hours(specs: Sequence[str]) -> tuple[tuple[str, str, str], ...]:
    """Opening hours as typed: ``"mon-fri 09:00-17:30"``, ``"sat 10:00-14:00"``, ``"mon,wed 09:00-12:00,13:00-17:00"``.

    Days not named are closed; a day named twice gets both sets of hours.
    """
    out: list[tuple[str, str, str]] = []
    for spec in specs:
        parts = str(spec).strip().lower().split()
        if len(parts) != 2:
            raise JourneysError(f"Hours {str(spec)[:40]!r}: write DAYS HOURS, e.g. 'mon-fri 09:00-17:30'")
        days: list[str] = []
        for item in parts[0].split(","):
            first, _, last = item.partition("-")
            for d in (first, last or first):
                if d[:3] not in WEEKDAYS:
                    raise JourneysError(f"Hours {str(spec)[:40]!r}: unknown weekday {d[:20]!r} (mon … sun)")
            a, b = WEEKDAYS.index(first[:3]), WEEKDAYS.index((last or first)[:3])
            days += [WEEKDAYS[i % 7] for i in range(a, b + 1 if b >= a else b + 8)]
        for span in parts[1].split(","):
            start, sep, end = span.partition("-")
            if not sep:
                raise JourneysError(f"Hours {str(spec)[:40]!r}: write each span as HH:MM-HH:MM")
            out += [(d, start, end) for d in days]
    return tuple(out)


# --- the day table ---------------------------------------------------------------------------------

def open_intervals(schedule: Schedule, first: date, last: date) -> tuple[np.ndarray, np.ndarray]:
    """Opening intervals on the local dates ``first`` … ``last`` as sorted UTC epoch seconds (starts, ends)."""
    dates = pd.date_range(first, last, freq="D")
    closed = set(schedule.closures) | set(schedule.holidays_in(range(first.year, last.year + 1)))
    if closed:
        dates = dates[~dates.isin(pd.DatetimeIndex(sorted(closed)))]
    starts, ends = [], []
    for weekday, spans in schedule.minutes().items():
        days = dates[dates.day_of_week == weekday]
        for a, b in spans:
            starts.append(_utc_seconds(days + pd.Timedelta(minutes=a), schedule.timezone))
            ends.append(_utc_seconds(days + pd.Timedelta(minutes=b), schedule.timezone))
    if not starts:
        return np.empty(0, dtype="int64"), np.empty(0, dtype="int64")
    s, e = np.concatenate(starts), np.concatenate(ends)
    order = np.argsort(s, kind="stable")
    s, e = s[order], e[order]
    keep = e > s  # a span that a DST jump swallowed entirely
    return s[keep], e[keep]


def _utc_seconds(local: pd.DatetimeIndex, zone: str) -> np.ndarray:
    """Naive local wall-clock times in ``zone`` as UTC epoch seconds (skipped hour forward, repeated hour first)."""
    aware = local.tz_localize(zone, ambiguous=np.ones(len(local), dtype=bool), nonexistent="shift_forward")
    return aware.as_unit("s").asi8


def day_table(schedule: Schedule, first_day: int, last_day: int) -> pd.DataFrame:
    """One row per UTC day number ``first_day`` … ``last_day`` (days since 1970-01-01).

    ``_d`` the day, ``_c`` open seconds from the start of ``first_day`` to the start of this day, and
    ``_s<k>``/``_e<k>`` the day's open pieces in seconds after UTC midnight (0/0 when absent).
    """
    pad = 2  # local dates reach up to a day either side of a UTC day
    first = (pd.Timestamp(first_day - pad, unit="D")).date()
    last = (pd.Timestamp(last_day + pad, unit="D")).date()
    s, e = open_intervals(schedule, first, last)
    lo, hi = first_day * DAY, (last_day + 1) * DAY
    s, e = np.clip(s, lo, hi), np.clip(e, lo, hi)
    keep = e > s
    s, e = s[keep], e[keep]
    # cut each interval at UTC midnights: one piece per day it touches
    d0, d1 = s // DAY, (e - 1) // DAY
    count = (d1 - d0 + 1).astype("int64")
    idx = np.repeat(np.arange(len(s)), count)
    offset = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    day = d0[idx] + offset
    ps = np.maximum(s[idx], day * DAY) - day * DAY
    pe = np.minimum(e[idx], (day + 1) * DAY) - day * DAY
    pieces = pd.DataFrame({"_d": day, "_s": ps.astype("float64"), "_e": pe.astype("float64")})
    pieces["_k"] = pieces.groupby("_d").cumcount()
    days = np.arange(first_day, last_day + 1, dtype="int64")
    width = int(pieces["_k"].max()) + 1 if len(pieces) else 1
    out = pd.DataFrame({"_d": days})
    open_per_day = pieces.assign(_len=pieces["_e"] - pieces["_s"]).groupby("_d")["_len"].sum()
    per_day = open_per_day.reindex(days, fill_value=0.0).to_numpy()
    out["_c"] = np.concatenate([[0.0], np.cumsum(per_day)[:-1]])
    for k in range(width):
        piece = pieces[pieces["_k"] == k].set_index("_d")
        out[f"_s{k}"] = piece["_s"].reindex(days, fill_value=0.0).to_numpy()
        out[f"_e{k}"] = piece["_e"].reindex(days, fill_value=0.0).to_numpy()
    return out


# --- business minutes in the engine ----------------------------------------------------------------

def _epoch(column: ir.TimestampValue) -> ir.FloatingValue:
    return column.epoch_seconds().cast("float64")  # float: keeps fractions, no 2038 overflow


def _open_before(t: ir.Table, point: str, width: int) -> ir.FloatingValue:
    """Open seconds from the day table's first day to the instant in column ``point``.

    ``t`` carries the day-table row of that instant's UTC day, joined as ``<point>__c``, ``<point>__s<k>`` ….
    """
    sec = t[point] - t[f"{point}_d"].cast("float64") * DAY
    total = t[f"{point}__c"]
    for k in range(width):
        s, e = t[f"{point}__s{k}"], t[f"{point}__e{k}"]
        total = total + ibis.greatest(ibis.least(sec - s, e - s), 0.0)
    return total


def _span(table: ir.Table, present: Sequence[str]) -> tuple[int, int] | None:
    """UTC day numbers the intervals reach (first created … last end) inside :data:`FIRST_DAY` … :data:`LAST_DAY`."""
    aggs: dict[str, Any] = {"lo": table.created_at.min(), "hi": table.created_at.max()}
    for i, c in enumerate(present):
        aggs[f"m{i}"] = table[c].max(where=_usable(table[c]))
    row = table.aggregate(**aggs).execute().iloc[0]
    if pd.isna(row["lo"]):
        return None
    lo, hi = pd.Timestamp(row["lo"]), pd.Timestamp(row["hi"])
    longest = max([float(row[f"m{i}"]) for i in range(len(present)) if pd.notna(row[f"m{i}"])], default=0.0)
    first = max(int(lo.value // 10**9 // DAY), FIRST_DAY)
    last = min(int((hi.value // 10**9 + max(longest, 0.0) * 60) // DAY), LAST_DAY)
    return (first, last) if first <= last else None


def _usable(minutes: ir.NumericValue) -> ir.BooleanValue:
    """A calendar duration business minutes can be computed for: known, finite, ≥ 0, within the bounds.

    Two comparisons suffice: null compares to null (false here), and DuckDB and PostgreSQL order NaN above
    every number, so NaN and ±inf fail one of them.
    """
    return (minutes >= 0) & (minutes <= LONGEST_MINUTES)


def with_business_minutes(table: ir.Table, schedule: Schedule) -> ir.Table:
    """``table`` with ``first_response_business_minutes`` and ``resolution_business_minutes`` added.

    Reads ``created_at`` and the calendar minutes; one aggregate (the span) then one query with two
    equi-joins per column on a day table of a few thousand rows. A column whose calendar minutes are
    missing from the table comes back as typed nulls, so callers can always read both names.
    """
    schema = table.schema()
    if "created_at" not in schema:
        raise JourneysError("The ticket table has no created_at column")
    present = [c for c in BUSINESS_COLUMNS if c in schema]
    span = _span(table, present) if present else None
    if span is None:
        return table.mutate(**{BUSINESS_COLUMNS[c]: ibis.null("float64") for c in BUSINESS_COLUMNS})
    first, last = span
    days = day_table(schedule, first, last)
    width = (len(days.columns) - 2) // 2
    lookup = ibis.memtable(days)
    names = list(schema.names)
    t = table.mutate(_bh_x0=_epoch(table.created_at))
    ends = {c: f"_bh_x{i + 1}" for i, c in enumerate(present)}
    t = t.mutate(**{ends[c]: t._bh_x0 + ibis.cases((_usable(t[c]), t[c].cast("float64")), else_=0.0) * 60
                    for c in present})
    points = ["_bh_x0", *ends.values()]
    t = t.mutate(**{f"{p}_d": (t[p] / DAY).floor().cast("int64") for p in points})
    for p in points:
        view = lookup.rename({f"{p}_{c}": c for c in days.columns})
        t = t.left_join(view, t[f"{p}_d"] == view[f"{p}__d"]).drop(f"{p}__d")
    at = {p: _open_before(t, p, width) for p in points}
    out = {}
    for c in present:
        minutes = t[c]
        value = (at[ends[c]] - at["_bh_x0"]) / 60
        out[BUSINESS_COLUMNS[c]] = ibis.cases((_usable(minutes), value), else_=ibis.null("float64"))
    for c in BUSINESS_COLUMNS:
        if c not in present:
            out[BUSINESS_COLUMNS[c]] = ibis.null("float64")
    return t.select(*[t[n] for n in names], **{n: out[n] for n in BUSINESS_COLUMNS.values()})


def business_view(table: ir.Table, schedule: Schedule) -> ir.Table:
    """The table with business minutes IN ``first_response_minutes`` / ``resolution_minutes``.

    Every catalogue metric then reads business time (``frt_p50`` is the median business minutes), and
    the calendar minutes stay beside them as ``first_response_calendar_minutes`` /
    ``resolution_calendar_minutes``. This is the one hook the metric callers need for a
    calendar/business choice: ``compute(business_view(t, schedule), …)``.
    """
    t = with_business_minutes(table, schedule)
    swap = {c: t[BUSINESS_COLUMNS[c]] for c in BUSINESS_COLUMNS}
    keep = {c.replace("_minutes", "_calendar_minutes"): t[c] for c in BUSINESS_COLUMNS if c in table.schema()}
    return t.mutate(**swap, **keep)


def business_minutes(starts: Sequence[Any], ends: Sequence[Any], schedule: Schedule) -> np.ndarray:
    """Business minutes between pairs of instants (naive = UTC); null (NaN) where the end is before the start.

    A convenience over :func:`with_business_minutes` (same query, in-process DuckDB) for notebooks and
    tests.
    """
    s = pd.to_datetime(pd.Series(starts), utc=True)
    e = pd.to_datetime(pd.Series(ends), utc=True)
    frame = pd.DataFrame({"created_at": s, "resolution_minutes": (e - s).dt.total_seconds() / 60,
                          "_i": np.arange(len(s))})
    con = ibis.duckdb.connect()
    try:
        t = with_business_minutes(con.create_table("_bh_pairs", frame, temp=True), schedule)
        out = t.order_by("_i").select("resolution_business_minutes").execute()
    finally:
        con.disconnect()
    return out["resolution_business_minutes"].to_numpy(dtype="float64", na_value=np.nan)


SIDE_BY_SIDE = ("frt_p50", "frt_p90", "resolution_p50", "resolution_p90")


def side_by_side(table: ir.Table, schedule: Schedule, *, min_sample: int = 30, **where: Any) -> pd.DataFrame:
    """First-reply and resolution quantiles in calendar and in business minutes, one row per metric.

    Columns ``metric``, ``label``, ``calendar``, ``business``, ``n`` (tickets the value rests on); a
    value on fewer than ``min_sample`` tickets is NaN, as in :func:`journeys.metrics.compute`, whose
    ``start``/``end``/``filters`` keywords ``where`` passes on. Both columns come from that one
    function, so they are the catalogue's numbers (the Friction page's calendar figures included).
    """
    from journeys.metrics import METRICS, compute

    names = list(SIDE_BY_SIDE)
    calendar = compute(table, by=(), metrics=names, min_sample=min_sample, **where)
    business = compute(business_view(table, schedule), by=(), metrics=names, min_sample=min_sample, **where)
    rows = []
    for m in names:
        sample = METRICS[m].sample
        rows.append({"metric": m, "label": METRICS[m].label,
                     "calendar": float(calendar[m].iloc[0]) if len(calendar) else np.nan,
                     "business": float(business[m].iloc[0]) if len(business) else np.nan,
                     "n": int(business[sample].iloc[0]) if len(business) else 0})
    return pd.DataFrame(rows)


# --- what the business minutes rest on --------------------------------------------------------------

@dataclass(frozen=True)
class Coverage:
    """Per business column: tickets with a value, with the calendar duration unknown, with an end before the start."""

    column: str
    known: int
    unknown: int
    negative: int
    beyond: int  # starts or ends outside 1900–2199, or an infinite/NaN duration (null)

    def sentence(self) -> str:
        return (f"{self.column}: {self.known:,} tickets; {self.unknown:,} without a calendar duration, "
                f"{self.negative:,} ending before they start (null)"
                + (f", {self.beyond:,} outside the years 1900–2199 or not a finite duration (null)"
                   if self.beyond else ""))


def coverage(table: ir.Table) -> list[Coverage]:
    """Counts behind each business column of a table from :func:`with_business_minutes`."""
    aggs: dict[str, Any] = {}
    pairs = [(c, b) for c, b in BUSINESS_COLUMNS.items() if c in table.schema()]
    for i, (c, b) in enumerate(pairs):
        aggs[f"k{i}"] = table[b].count()
        aggs[f"u{i}"] = table.count(where=table[c].isnull())
        aggs[f"n{i}"] = table.count(where=table[c] < 0)
        aggs[f"o{i}"] = table.count(where=table[c].notnull() & ~(table[c] < 0) & table[b].isnull())
    if not aggs:
        return []
    row = table.aggregate(**aggs).execute().iloc[0]
    return [Coverage(b, int(row[f"k{i}"]), int(row[f"u{i}"]), int(row[f"n{i}"]), int(row[f"o{i}"]))
            for i, (_, b) in enumerate(pairs)]


@dataclass(frozen=True)
class Agreement:
    """How far our business minutes agree with a vendor's own business-hours column."""

    vendor: str
    source: str  # the export's column, as kept (x_…)
    column: str  # ours
    compared: int  # tickets where both are known
    agree: int  # |ours − theirs| ≤ 1 minute

    @property
    def share(self) -> float | None:
        return self.agree / self.compared if self.compared else None

    def sentence(self) -> str:
        shown = self.source.removeprefix("x_")
        if not self.compared:
            return f"{self.vendor} '{shown}': no ticket has both values to compare"
        return (f"{self.vendor} '{shown}' vs {self.column}: {self.share:.1%} of {self.compared:,} tickets agree "
                "within a minute")


def vendor_agreement(table: ir.Table, tolerance_minutes: float = 1.0) -> list[Agreement]:
    """Compare a :func:`with_business_minutes` table with the vendor business-hours extras it carries."""
    from journeys.tickets.column_mapping import norm

    found = [(name, *VENDOR_COLUMNS[norm(name.removeprefix("x_"))]) for name in table.schema().names
             if name.startswith("x_") and norm(name.removeprefix("x_")) in VENDOR_COLUMNS]
    if not found:
        return []
    aggs: dict[str, Any] = {}
    for i, (name, ours, factor, _) in enumerate(found):
        theirs = table[name].cast("string").strip().try_cast("float64") * factor
        both = theirs.notnull() & table[ours].notnull()
        aggs[f"c{i}"] = table.count(where=both)
        aggs[f"a{i}"] = table.count(where=both & ((table[ours] - theirs).abs() <= tolerance_minutes))
    row = table.aggregate(**aggs).execute().iloc[0]
    return [Agreement(vendor, name, ours, int(row[f"c{i}"]), int(row[f"a{i}"]))
            for i, (name, ours, _, vendor) in enumerate(found)]


# --- the workspace setting --------------------------------------------------------------------------

def load_schedule(store: Any, workspace: str) -> tuple[Schedule | None, int]:
    """The workspace's schedule and its stored version (None at version 0: business hours not set)."""
    found = store.documents.get(workspace, SETTINGS_KIND, SETTINGS_KEY)
    if found is None:
        return None, 0
    return Schedule.from_json(found.body), found.version


def save_schedule(store: Any, workspace: str, schedule: Schedule, author: str, expected_version: int) -> int:
    """Store the schedule as the workspace's next settings version (stale-safe like every document)."""
    return store.documents.save(workspace, SETTINGS_KIND, SETTINGS_KEY, schedule.to_json(), author,
                                     message="Business hours", expected_version=expected_version,
                                     label="Business hours")


__all__ = [
    "BUSINESS_COLUMNS",
    "FIRST_DAY",
    "LAST_DAY",
    "SIDE_BY_SIDE",
    "VENDOR_COLUMNS",
    "WEEKDAYS",
    "Agreement",
    "Coverage",
    "Schedule",
    "business_minutes",
    "business_view",
    "coverage",
    "day_table",
    "load_schedule",
    "open_intervals",
    "parse_hours",
    "save_schedule",
    "side_by_side",
    "vendor_agreement",
    "with_business_minutes",
]
