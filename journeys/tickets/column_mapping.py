"""Which help desk wrote this file, and how each canonical column is filled from it.

:func:`propose_mapping` recognises the help desks registered in
:mod:`journeys.tickets.layouts` (one module per vendor, with its layout and traps;
CSV and REST/API JSON shapes, flattened to dotted names by the reader) from their
headers alone — subsets, reorderings, ``<Title> [list]`` custom fields, the
time zone in Intercom headers and business-hours-only Zendesk columns
included — and falls back to generic synonyms for everything else
(ServiceNow, Jira, HubSpot, Zammad, spreadsheets). The result is a
:class:`ColumnMapping` the user confirms or edits (and saves as a named
import profile via :meth:`ColumnMapping.to_json`).

Transform vocabulary (``FieldMap.transform``; ``name`` or ``name:argument``)
----------------------------------------------------------------------------
Text
  ``auto``                  the default for the target column (below)
  ``text``                  trimmed text; null markers (``-``, ``?``, ``N/A``, ``null`` …) become null
  ``lower``                 trimmed, lower-cased text
  ``enum:2=Open,3=Pending`` codes replaced by labels (Freshdesk API numeric enums); other values kept
  ``handled_by``            words to ``bot``/``human`` (bot, ai, automation, fin … / human, agent, teammate …)
Timestamps (``created_at``, and the end/start columns of ``diff_minutes``)
  ``timestamp``             ISO 8601 with or without offset, ``d/m/Y`` or ``m/d/Y`` (order decided
                            per file, see :attr:`ColumnMapping.date_order`), ``d.m.Y``, ``Mon d, Y h:mm PM``,
                            unix seconds/milliseconds; naive values are in the column's zone (a zone in the
                            header such as ``(America/New_York)``, else :attr:`ColumnMapping.timezone`)
  ``timestamp_tz:<zone>``   the same, naive values read in ``<zone>`` (IANA name, ``UTC`` or ``+01:00``)
  ``unix_seconds`` / ``unix_millis``
Durations, always stored in minutes
  ``minutes``  ``seconds_to_minutes``  ``hours_to_minutes``  ``millis_to_minutes``
  ``hhmmss_to_minutes``     ``HH:MM[:SS]`` (Freshdesk "in hrs" strings); a plain number is read as hours
  ``hhmmss_zero_unknown``   the same, but ``0:00:00`` means "never happened" (Freshdesk) → null, so a
                            fallback (the timestamps) decides
  ``duration_text``         ServiceNow durations: seconds, ``1 Day 2 Hours 3 Minutes`` (display values, also
                            es/de/fr/pt unit words) or a ``1970-01-02 02:03:00`` glide duration → minutes
  ``diff_minutes:<start>``  this (end) timestamp column minus the ``<start>`` timestamp column
Ratings
  ``csat_5point``           a labelled 5-point survey: Extremely satisfied 5, Satisfied 4, Neutral 3,
                            Dissatisfied 2, Extremely dissatisfied 1 (Freshdesk); other values as ``csat``
  ``csat``                  1–5 as is; good/satisfied/yes/👍 → 5, bad/unsatisfied/no → 1, Freshdesk's
                            Awesome 5 / Just Okay 3 / Not Good 1 and Extremely happy … Extremely unhappy 5…1;
                            ``Offered``/``Unoffered`` (survey sent or not, no answer) are *not ratings* → null
  ``csat_10`` / ``csat_100``  a 0–10 or 0–100 scale rescaled linearly onto 1–5
Numbers and flags
  ``int``  ``number``       integers / decimals (``3.0`` → 3; decimal commas in ``;``-separated files)
  ``bool``                  true/false, yes/no, y/n, 1/0, t/f
  ``gt_zero`` / ``gt_one``  a count above 0 / above 1 is true (Intercom reassignments / Zendesk group stations)
  ``bot_if_true``           a truthy flag or a "resolved/deflected" state → ``bot``, falsy → ``human``
  ``bot_handoff:<deflected>``  true when this flag (bot involved) is set and ``<deflected>`` is not: a bot →
                            human escalation; null otherwise so a fallback can decide
Tags
  ``split_tags``            comma/semicolon-separated when the cell has one, else whitespace-separated
  ``split_tags_space`` / ``split_tags_comma``; list values (JSON) are taken as they are; always lower-cased
  ``tags_columns:<col>|<col>``  one tag per cell of this column and the listed ones (Jira repeats ``Labels``,
                            ``Component/s``, ``Sprint`` once per value; the reader names them ``Labels (2)`` …)

A :class:`FieldMap` may carry a ``fallback`` used where its own value comes out
null (e.g. Freshdesk's often-empty ``HH:MM:SS`` first-response column falls back
to ``Initial response time − Created time``). Unusable values become null and
are counted per column in the import report; nothing is dropped silently.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import pyarrow as pa

from journeys.errors import Problem
from journeys.tickets.canonical import BY_NAME, NAMES
from journeys.tickets.layouts import BY_NAME as LAYOUT_BY_NAME
from journeys.tickets.layouts import NAMES as LAYOUTS
from journeys.tickets.layouts import REGISTRY
from journeys.tickets.layouts.base import Candidate, Layout, sample_values

DATE_ORDERS = ("auto", "dayfirst", "monthfirst")

TRANSFORMS: dict[str, str] = {
    "auto": "the default for the target column",
    "text": "trimmed text",
    "lower": "trimmed lower-case text",
    "enum": "codes to labels: enum:2=Open,3=Pending",
    "handled_by": "words to bot/human",
    "timestamp": "timestamp, naive values in the column's zone",
    "timestamp_tz": "timestamp, naive values in the given zone: timestamp_tz:Europe/Paris",
    "unix_seconds": "seconds since 1970-01-01 UTC",
    "unix_millis": "milliseconds since 1970-01-01 UTC",
    "minutes": "a number of minutes",
    "seconds_to_minutes": "seconds / 60",
    "hours_to_minutes": "hours × 60",
    "millis_to_minutes": "milliseconds / 60000",
    "hhmmss_to_minutes": "HH:MM[:SS] (or decimal hours) to minutes",
    "hhmmss_zero_unknown": "HH:MM[:SS] to minutes; 0:00:00 means not answered/resolved (null)",
    "duration_text": "seconds, '1 Day 2 Hours 3 Minutes' or a 1970-01-01 duration to minutes",
    "diff_minutes": "this timestamp minus another: diff_minutes:<start column>",
    "csat": "1–5, good/bad and survey words; Offered/Unoffered are not ratings",
    "csat_5point": "Extremely satisfied 5 … Extremely dissatisfied 1, else as csat",
    "csat_10": "0–10 rescaled to 1–5",
    "csat_100": "0–100 rescaled to 1–5",
    "int": "an integer",
    "number": "a decimal number",
    "bool": "true/false, yes/no, 1/0",
    "gt_zero": "true when the count is above 0",
    "gt_one": "true when the count is above 1",
    "bot_if_true": "bot when the flag is set (or the state says resolved/deflected), else human",
    "bot_handoff": "true when this bot flag is set and the deflected column is not",
    "split_tags": "split on , or ; when present, else on whitespace",
    "split_tags_space": "split on whitespace",
    "split_tags_comma": "split on , or ;",
    "tags_columns": "one tag per cell of this and more columns: tags_columns:Labels (2)|Component/s",
}
_NEEDS_ARG = {"enum", "timestamp_tz", "diff_minutes", "bot_handoff", "tags_columns"}

# The transform ``auto`` resolves to, by target column.
DEFAULT_TRANSFORM: dict[str, str] = {
    "ticket_id": "text", "created_at": "timestamp", "channel": "text", "subject": "text", "tags": "split_tags",
    "category": "text", "status": "text", "customer_id": "text", "csat": "csat",
    "first_response_minutes": "minutes", "resolution_minutes": "minutes", "reopens": "int", "escalated": "bool",
    "handled_by": "handled_by", "agent_replies": "int", "variant": "text", "journey_step": "text",
    "group": "text", "priority": "text",
}

# Which transforms make sense for which kind of target (checked by ColumnMapping.validate).
FIELD_KIND = {
    "ticket_id": "text", "channel": "text", "subject": "text", "category": "text", "status": "text",
    "customer_id": "text", "variant": "text", "journey_step": "text", "group": "text", "priority": "text",
    "handled_by": "text", "created_at": "timestamp", "tags": "tags", "csat": "csat",
    "first_response_minutes": "duration", "resolution_minutes": "duration", "reopens": "int",
    "agent_replies": "int", "escalated": "bool",
}
ALLOWED: dict[str, set[str]] = {
    "text": {"auto", "text", "lower", "enum", "handled_by", "bot_if_true"},
    "timestamp": {"auto", "timestamp", "timestamp_tz", "unix_seconds", "unix_millis"},
    "tags": {"auto", "split_tags", "split_tags_space", "split_tags_comma", "text", "lower", "tags_columns"},
    "csat": {"auto", "csat", "csat_5point", "csat_10", "csat_100", "number", "int"},
    "duration": {"auto", "minutes", "seconds_to_minutes", "hours_to_minutes", "millis_to_minutes",
                 "hhmmss_to_minutes", "hhmmss_zero_unknown", "duration_text", "diff_minutes"},
    "int": {"auto", "int", "number", "bool"},
    "bool": {"auto", "bool", "gt_zero", "gt_one", "bot_handoff"},
}


def parse_transform(transform: str) -> tuple[str, str | None]:
    """``"diff_minutes:Created at"`` → ``("diff_minutes", "Created at")``."""
    name, sep, arg = (transform or "auto").partition(":")
    return name.strip(), (arg if sep else None)


def argument_columns(transform: str) -> list[str]:
    """The file columns a transform reads besides its source (``diff_minutes:<start>``, ``tags_columns:a|b``)."""
    name, arg = parse_transform(transform)
    if not arg:
        return []
    if name in {"diff_minutes", "bot_handoff"}:
        return [arg]
    if name == "tags_columns":
        return [c for c in arg.split("|") if c]
    return []


@dataclass(frozen=True)
class FieldMap:
    """How one canonical column is filled: a source column, a transform, and a fallback where it is null."""

    source: str | None
    transform: str = "auto"
    fallback: FieldMap | None = None

    def sources(self) -> list[str]:
        """Every file column this field reads (its source, transform arguments, fallbacks)."""
        out: list[str] = []
        if self.source is not None:
            out.append(self.source)
            out.extend(argument_columns(self.transform))
        if self.fallback is not None:
            out.extend(self.fallback.sources())
        return out

    def to_json(self) -> dict:
        d: dict = {"source": self.source, "transform": self.transform}
        if self.fallback is not None:
            d["fallback"] = self.fallback.to_json()
        return d

    @classmethod
    def from_json(cls, d: dict | str | None) -> FieldMap:
        if d is None or isinstance(d, str):
            return cls(d)
        fb = d.get("fallback")
        return cls(d.get("source"), d.get("transform") or "auto", cls.from_json(fb) if fb else None)

    def describe(self) -> str:
        if self.source is None:
            return "—"
        text = self.source if self.transform in ("auto", "text") else f"{self.source} ({self.transform})"
        return text + (f", else {self.fallback.describe()}" if self.fallback else "")


@dataclass(frozen=True)
class ColumnMapping:
    """A file's columns onto the canonical schema, plus what applies to the whole file.

    ``ticket_key``: the id column to collapse on when the file has one row per update (the last row
    wins, ordered by ``updated_at`` when given, else by file order). ``date_order``: how ``01/02/2024``
    reads — ``auto`` decides from the data at import time (any first field above 12 → day-first;
    any second field above 12 → month-first; never either → month-first, with a warning).
    ``timezone``: the zone of naive timestamps whose header names none. ``notes``: what the proposer
    wants the user to know (e.g. "business hours only").
    """

    layout: str
    fields: dict[str, FieldMap]
    ticket_key: str | None = None
    updated_at: str | None = None
    date_order: str = "auto"
    timezone: str = "UTC"
    notes: tuple[str, ...] = ()

    def field(self, name: str) -> FieldMap:
        return self.fields.get(name) or FieldMap(None)

    def used_sources(self) -> set[str]:
        used: set[str] = set()
        for fm in self.fields.values():
            used.update(fm.sources())
        for extra in (self.ticket_key, self.updated_at):
            if extra:
                used.add(extra)
        return used

    def unused(self, columns: Sequence[str]) -> list[str]:
        """Columns no field reads: they are kept as ``x_<name>`` extras."""
        used = self.used_sources()
        return [c for c in columns if c not in used]

    def with_field(self, name: str, fm: FieldMap) -> ColumnMapping:
        return replace(self, fields={**self.fields, name: fm})

    def validate(self, columns: Sequence[str]) -> list[Problem]:
        """What is wrong with this mapping for a file with ``columns`` (empty when usable)."""
        problems: list[Problem] = []
        cols = set(columns)
        for name, fm in self.fields.items():
            if name not in BY_NAME:
                problems.append(Problem(f"mapping.{name}", "not a canonical column"))
                continue
            chain: FieldMap | None = fm
            while chain is not None:
                problems.extend(_check_field(name, chain, cols))
                chain = chain.fallback
        for req in ("ticket_id", "created_at"):
            if self.field(req).source is None:
                problems.append(Problem(f"mapping.{req}", "required: choose the column that holds it"))
        for attr in ("ticket_key", "updated_at"):
            col = getattr(self, attr)
            if col is not None and col not in cols:
                problems.append(Problem(f"mapping.{attr}", f"no column '{col}' in the file"))
        if self.date_order not in DATE_ORDERS:
            problems.append(Problem("mapping.date_order", f"must be one of {', '.join(DATE_ORDERS)}"))
        if self.layout not in LAYOUTS:
            problems.append(Problem("mapping.layout", f"must be one of {', '.join(LAYOUTS)}"))
        return problems

    def to_json(self) -> dict:
        return {"layout": self.layout, "fields": {k: v.to_json() for k, v in self.fields.items()},
                "ticket_key": self.ticket_key, "updated_at": self.updated_at, "date_order": self.date_order,
                "timezone": self.timezone, "notes": list(self.notes)}

    @classmethod
    def from_json(cls, d: dict) -> ColumnMapping:
        fields = {k: FieldMap.from_json(v) for k, v in (d.get("fields") or {}).items()}
        for name in NAMES:
            fields.setdefault(name, FieldMap(None))
        return cls(layout=d.get("layout") or "generic", fields=fields, ticket_key=d.get("ticket_key"),
                   updated_at=d.get("updated_at"), date_order=d.get("date_order") or "auto",
                   timezone=d.get("timezone") or "UTC", notes=tuple(d.get("notes") or ()))

    def summary(self) -> list[str]:
        return [f"{name} ← {self.field(name).describe()}" for name in NAMES]


def _check_field(name: str, fm: FieldMap, cols: set[str]) -> list[Problem]:
    out: list[Problem] = []
    where = f"mapping.{name}"
    if fm.source is None:
        return out
    if fm.source not in cols:
        out.append(Problem(where, f"no column '{fm.source}' in the file"))
    tname, arg = parse_transform(fm.transform)
    if tname not in TRANSFORMS:
        out.append(Problem(where, f"unknown transform '{tname}' (known: {', '.join(sorted(TRANSFORMS))})"))
        return out
    if tname not in ALLOWED[FIELD_KIND[name]]:
        out.append(Problem(where, f"transform '{tname}' does not fit {name}"))
    if tname in _NEEDS_ARG and not arg:
        out.append(Problem(where, f"transform '{tname}' needs an argument ({TRANSFORMS[tname]})"))
    for other in argument_columns(fm.transform):
        if other not in cols:
            out.append(Problem(where, f"no column '{other}' in the file (argument of {tname})"))
    if tname == "timestamp_tz" and arg and not valid_zone(arg):
        out.append(Problem(where, f"unknown time zone '{arg}'"))
    return out


# --- time zones -------------------------------------------------------------------------------------------

_OFFSET = re.compile(r"^(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)
_TZ_IN_HEADER = re.compile(r"^(.*?)\s*\(([^()]+)\)\s*$")


def valid_zone(zone: str) -> bool:
    """IANA names (as DuckDB's ICU knows them), UTC/GMT/Z, or a fixed offset like ``+01:00``."""
    zone = zone.strip()
    if zone.upper() in {"UTC", "GMT", "Z"} or _OFFSET.match(zone):
        return True
    from zoneinfo import available_timezones

    return zone in _zones() or zone in available_timezones()


_ZONES: set[str] = set()


def _zones() -> set[str]:
    if not _ZONES:
        import duckdb

        con = duckdb.connect()
        try:
            _ZONES.update(r[0] for r in con.execute("SELECT name FROM pg_timezone_names()").fetchall())
        finally:
            con.close()
    return _ZONES


def zone_offset_minutes(zone: str) -> int | None:
    """Minutes east of UTC for a fixed-offset zone (``+05:30`` → 330), None for named zones."""
    m = _OFFSET.match(zone.strip())
    if not m:
        return 0 if zone.strip().upper() in {"UTC", "GMT", "Z"} else None
    sign = -1 if m.group(1) == "-" else 1
    return sign * (int(m.group(2)) * 60 + int(m.group(3) or 0))


def header_zone(header: str) -> str | None:
    """The time zone written in a header such as ``Conversation started at (America/New_York)``."""
    m = _TZ_IN_HEADER.match(header.strip())
    if not m:
        return None
    inner = m.group(2).strip()
    if "/" in inner or inner.upper() in {"UTC", "GMT"} or _OFFSET.match(inner):
        return inner if valid_zone(inner) else None
    return None


# --- header normalisation -----------------------------------------------------------------------------------

_PREFIXES = ("metric set.", "metric_set.", "metrics.", "ticket metric.", "ticket.")


def norm(header: str) -> str:
    """A header as matched: lower case, ``_``/spaces collapsed, a time-zone suffix and API prefixes removed."""
    h = header.strip()
    if header_zone(h):
        h = _TZ_IN_HEADER.match(h).group(1)  # type: ignore[union-attr]
    h = re.sub(r"[\s_]+", " ", h.lower()).strip()
    for p in _PREFIXES:
        if h.startswith(p):
            h = h[len(p):]
    return h


# Generic synonyms (normalised headers), in order of preference.
GENERIC: dict[str, tuple[str, ...]] = {
    "ticket_id": ("ticket id", "ticket number", "ticket no", "ticket #", "ticket", "case id", "case number",
                  "case", "incident id", "incident number", "incident", "request id", "issue key", "issue id",
                  "conversation id", "number", "key", "id", "ref", "reference"),
    "created_at": ("created at", "created", "created time", "created date", "create date", "creation date",
                   "date created", "opened at", "opened", "open date", "opened on", "submitted at", "submitted",
                   "reported at", "reported date", "start time", "started at", "date", "timestamp"),
    "channel": ("channel", "via", "source", "contact type", "origin", "medium", "contact channel"),
    "subject": ("subject", "title", "summary", "short description", "ticket title", "ticket subject"),
    "tags": ("tags", "labels", "tag", "label", "keywords"),
    "category": ("category", "ticket type", "issue type", "request type", "type", "contact reason", "reason",
                 "topic", "topics", "subcategory"),
    "status": ("status", "state", "ticket status", "resolution status"),
    "customer_id": ("customer id", "customer", "requester id", "requester", "contact id", "contact", "user id",
                    "user", "caller id", "caller", "reporter", "customer email", "requester email", "email"),
    "csat": ("csat", "csat score", "satisfaction", "satisfaction score", "satisfaction rating", "rating",
             "survey score", "survey results", "survey result", "customer rating"),
    "first_response_minutes": ("first response minutes", "first response time", "first reply time",
                               "time to first response", "frt", "first response", "response time",
                               "first responded at", "first response at", "first reply at", "first replied at",
                               "responded at"),
    "resolution_minutes": ("resolution minutes", "resolution time", "time to resolution", "time to resolve",
                           "time to close", "resolution", "resolved at", "resolved", "resolved time",
                           "resolution date", "solved at", "solved", "closed at", "closed", "closed date",
                           "close date", "closed time"),
    "reopens": ("reopens", "reopen count", "reopened count", "times reopened", "number of reopens", "reopened"),
    "escalated": ("escalated", "is escalated", "escalation", "escalated to tier 2"),
    "handled_by": ("handled by", "resolved by", "handler", "bot or human", "handled by bot", "automated"),
    "agent_replies": ("agent replies", "replies", "agent interactions", "agent responses", "number of replies",
                      "reply count", "agent messages"),
    "variant": ("variant", "ab variant", "a/b variant", "experiment arm", "arm", "test group"),
    "journey_step": ("journey step", "journey_step", "step", "touchpoint"),
    "group": ("group", "team", "queue", "assignment group", "department", "assigned group"),
    "priority": ("priority", "urgency", "severity"),
}
UPDATED_AT = ("updated at", "updated", "last updated", "last update time", "last update", "modified",
              "last modified", "modified at", "updated on", "sys updated on", "event time", "update time",
              "changed at", "timestamp of update")
_TIMESTAMP_WORDS = re.compile(r"(\bat$|\bdate$|\bon$|\btime$|responded|resolved$|solved$|closed$|opened$)")


def detect_layout(columns: Sequence[str]) -> tuple[str, dict[str, int]]:
    """The help desk that wrote these headers, with every layout's score (generic when none fits).

    A layout needs at least two headers only that help desk writes (``Satisfaction Score``,
    ``Conversation ID`` …; Zendesk's ``<Title> [list]`` custom fields count) and the best score: a
    spreadsheet with "Ticket ID, Subject, Status" stays generic."""
    normed = {norm(c) for c in columns}
    scores: dict[str, int] = {}
    strong: dict[str, int] = {}
    for lay in REGISTRY:
        bonus = lay.bonus(columns) if lay.bonus else 0
        seen = {lay.english(h) for h in normed} if lay.localised else normed
        scores[lay.name] = sum(w for h, w in lay.signature.items() if h in seen) + 2 * bonus
        strong[lay.name] = sum(min(w - 1, 2) for h, w in lay.signature.items() if w >= 2 and h in seen) + bonus
    layout, best = max(scores.items(), key=lambda kv: kv[1])
    ranked = sorted(scores.values(), reverse=True)
    if strong[layout] >= 2 and best > ranked[1]:
        return layout, scores
    return "generic", scores


def _duration_transform(header: str, values: list[str]) -> tuple[str, str | None]:
    """A generic duration column's unit, from its header, else its values (``:`` → HH:MM:SS)."""
    h = header.lower()
    if re.search(r"\b(ms|millis|milliseconds)\b", h):
        return "millis_to_minutes", None
    if re.search(r"\b(s|sec|secs|seconds)\b", h):
        return "seconds_to_minutes", None
    if re.search(r"\b(h|hr|hrs|hours)\b", h):
        if any(":" in v for v in values):
            return "hhmmss_to_minutes", None
        return "hours_to_minutes", None
    if re.search(r"\b(m|min|mins|minutes)\b", h):
        return "minutes", None
    if any(":" in v for v in values):
        return "hhmmss_to_minutes", None
    if values and all(_looks_timestamp(v) for v in values[:20]):
        return "timestamp", None
    return "minutes", f"'{header}': no unit in the header; read as minutes (change the transform if not)."


def _looks_timestamp(value: str) -> bool:
    return bool(re.match(r"^\d{4}-\d{1,2}-\d{1,2}|^\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}", value))


def _csat_transform(values: list[str]) -> str:
    nums = []
    for v in values:
        try:
            nums.append(float(v.replace(",", ".")))
        except ValueError:
            continue
    if nums and max(nums) > 10:
        return "csat_100"
    if nums and max(nums) > 5:
        return "csat_10"
    return "csat"


def _tags_transform(values: list[str]) -> str:
    if any("," in v or ";" in v for v in values):
        return "split_tags_comma"
    return "split_tags" if not values else "split_tags_space"


@dataclass
class _Found:
    """What :func:`propose_mapping` has decided so far: the fields, its notes, and the columns taken."""

    by_norm: dict[str, str]
    fields: dict[str, FieldMap]
    notes: list[str]
    used: set[str]

    def take(self, h: str) -> str | None:
        """The column with normalised header ``h``, unless a field already reads it."""
        src = self.by_norm.get(h)
        return src if src is not None and src not in self.used else None

    def keep(self, name: str, fm: FieldMap) -> None:
        self.fields[name] = fm
        self.used.update(_own_sources(fm))


def _layout_fields(lay: Layout, columns: list[str], sample: pa.Table | None, found: _Found) -> None:
    """Fill fields from a recognised help desk's candidates, its header zone and its refinements."""
    fields, notes, used, by_norm = found.fields, found.notes, found.used, found.by_norm
    spec = lay.fields
    # created_at first: other transforms refer to it
    for name in ["created_at", *[n for n in spec if n != "created_at"]]:
        fm = _from_candidates(name, spec.get(name, []), found.take, by_norm, fields, notes)
        if fm is not None:
            found.keep(name, fm)
    created_src = fields.get("created_at", FieldMap(None)).source
    zone = header_zone(created_src) if created_src else None
    if zone and fields.get("created_at"):
        fields["created_at"] = FieldMap(created_src, f"timestamp_tz:{zone}")
        notes.append(f"created_at: times are in {zone} (from the header) and are converted to UTC.")
    if lay.refine is not None:  # what headers alone cannot decide (numeric enums, custom fields …)
        sources = {n: fm.source for n, fm in fields.items() if fm.source is not None}
        for name, (src, transform) in lay.refine(columns, sources, used, sample).items():
            old = fields.get(name)  # a new transform on the same column keeps its fallback chain
            fields[name] = FieldMap(src, transform, old.fallback if old and old.source == src else None)
            used.add(src)
    used.update(by_norm[h] for h in lay.keep_extra if h in by_norm)  # read by no field: kept as extras
    tags = fields.get("tags")
    if tags is not None and tags.source and parse_transform(tags.transform)[0] == "tags_columns":
        notes.append(f"tags: {', '.join([tags.source, *argument_columns(tags.transform)])} hold one value each "
                     f"({lay.title} repeats the header once per value); read together as one list.")


def _generic_fields(by_key: dict[str, str], sample: pa.Table | None, found: _Found) -> None:
    """Fill every field still empty from the first generic synonym the file has (unit suffixes ignored)."""
    for name, synonyms in GENERIC.items():
        if found.fields.get(name) is not None and found.fields[name].source is not None:
            continue
        for h in synonyms:
            src = found.take(h)
            if src is None and h in by_key and by_key[h] not in found.used:
                src = by_key[h]
            if src is None:
                continue
            fm = _generic_field(name, src, sample, found.fields, found.notes)
            if fm is not None:
                found.keep(name, fm)
                break


def propose_mapping(columns: Sequence[str], sample: pa.Table | None = None) -> ColumnMapping:
    """The mapping a user would most likely confirm for a file with these headers (and first rows).

    The headers alone decide the layout; ``sample`` (the first rows, as text) refines what headers cannot
    tell: numeric enum codes (Freshdesk API), units of generic duration columns, the CSAT scale, the tag
    separator, and whether ids repeat (one row per update → ``ticket_key``).
    """
    columns = list(columns)
    layout, _ = detect_layout(columns)
    english = LAYOUT_BY_NAME[layout].english if layout in LAYOUT_BY_NAME else str
    by_norm: dict[str, str] = {}
    for c in columns:
        by_norm.setdefault(norm(c), c)
    for c in columns:  # a header of the vendor's es/de/fr/pt UI is also read as its English name
        by_norm.setdefault(english(norm(c)), c)
    by_key: dict[str, str] = {}
    for c in columns:
        by_key.setdefault(_unitless(english(norm(c))), c)
    fields: dict[str, FieldMap] = {}
    notes: list[str] = []
    used: set[str] = set()
    found = _Found(by_norm, fields, notes, used)
    if layout != "generic":
        _layout_fields(LAYOUT_BY_NAME[layout], columns, sample, found)
    _generic_fields(by_key, sample, found)  # generic synonyms for whatever is still missing
    for name in NAMES:
        fields.setdefault(name, FieldMap(None))
    # one row per update: ids repeat in the first rows and an "updated at" column orders them (without
    # one, repeats are duplicates: the importer keeps each id's first row and says so)
    ticket_key = updated = None
    id_src = fields["ticket_id"].source
    ids = sample_values(sample, id_src) if id_src else []
    if len(ids) >= 2 and len(set(ids)) < len(ids):
        updated = next((by_norm[h] for h in UPDATED_AT if h in by_norm and by_norm[h] not in used), None)
        if updated:
            ticket_key = id_src
            notes.append(f"'{id_src}' repeats in the first rows: the file has one row per update; each ticket is "
                         f"collapsed to its last row by '{updated}'.")
    return ColumnMapping(layout=layout, fields=fields, ticket_key=ticket_key, updated_at=updated,
                         timezone="UTC", notes=tuple(notes))


_UNIT_SUFFIX = re.compile(r"\s*(\((in )?(hrs?|hours?|h|mins?|minutes?|m|s|secs?|seconds?|ms|millis(econds)?)\)|"
                          r"\bin (hours|minutes|seconds))$")


def _unitless(h: str) -> str:
    """``first response time (hrs)`` → ``first response time``: generic synonyms match whatever the unit."""
    return _UNIT_SUFFIX.sub("", h).strip()


def _own_sources(fm: FieldMap) -> list[str]:
    """The columns a field is filled from (not those it only reads as a transform argument: Intercom's
    "Fin AI Agent deflected" decides handled_by and is also read by the escalation check)."""
    out: list[str] = []
    cur: FieldMap | None = fm
    while cur is not None:
        if cur.source:
            out.append(cur.source)
        cur = cur.fallback
    return out


def _from_candidates(name: str, cands: list[Candidate], take: Callable[[str], str | None], by_norm: dict[str, str],
                     fields: dict[str, FieldMap], notes: list[str]) -> FieldMap | None:
    chain: list[FieldMap] = []
    created = fields.get("created_at", FieldMap(None)).source
    for cand in cands:
        if cand.kind == "alt" and chain:
            continue
        src = next((s for h in cand.headers if (s := take(h)) is not None), None)
        if src is None:
            continue
        transform = cand.transform
        if "{created}" in transform:
            if created is None:
                continue
            transform = transform.replace("{created}", created)
        m = re.search(r"\{([^}]+)\}", transform)
        if m:
            other = by_norm.get(m.group(1))
            if other is None:
                continue  # the column the transform needs is not in this export
            transform = transform[: m.start()] + other + transform[m.end():]
        if src in {s for fm in chain for s in fm.sources()}:
            continue
        chain.append(FieldMap(src, transform))
        if cand.note:
            notes.append(cand.note.format(canonical=name, source=src))
    if not chain:
        return None
    out = chain[-1]
    for fm in reversed(chain[:-1]):
        out = FieldMap(fm.source, fm.transform, out)
    return out


def _generic_field(name: str, src: str, sample: pa.Table | None, fields: dict[str, FieldMap],
                   notes: list[str]) -> FieldMap | None:
    values = sample_values(sample, src)
    kind = FIELD_KIND[name]
    if kind == "duration":
        return _generic_duration(name, src, values, fields.get("created_at", FieldMap(None)).source, notes)
    if kind == "csat":
        return FieldMap(src, _csat_transform(values))
    if kind == "tags":
        return FieldMap(src, _tags_transform(values))
    if kind == "bool":
        if values and all(re.fullmatch(r"\d+", v) for v in values) and any(int(v) > 1 for v in values):
            return FieldMap(src, "gt_zero")
        return FieldMap(src, "bool")
    if kind == "timestamp":
        return FieldMap(src, "timestamp")
    if name == "handled_by":
        if values and not _says_bot_or_human(values):
            # e.g. ServiceNow's "Resolved by" holds agents' names: a person, not whether a bot handled it.
            notes.append(f"handled_by: '{src}' does not say bot or human (e.g. {values[0]!r}); kept as an extra")
            return None
        return FieldMap(src, "handled_by")
    return FieldMap(src, DEFAULT_TRANSFORM[name] if kind != "text" else "text")


def _generic_duration(name: str, src: str, values: list[str], created: str | None,
                      notes: list[str]) -> FieldMap | None:
    """A duration field from a generic column: minutes since ``created`` when it holds times, else its unit."""
    if (_TIMESTAMP_WORDS.search(norm(src)) and "time" not in norm(src).split()[-1:]) or (
            values and all(_looks_timestamp(v) for v in values[:20])):
        if created is None:
            return None
        return FieldMap(src, f"diff_minutes:{created}")
    transform, note = _duration_transform(src, values)
    if transform == "timestamp":
        return FieldMap(src, f"diff_minutes:{created}") if created else None
    if note:
        notes.append(f"{name}: {note}")
    return FieldMap(src, transform)


def _says_bot_or_human(values: list[str]) -> bool:
    """Whether most sampled values are the words the ``handled_by`` transform reads (bot, agent, human …)."""
    from journeys.tickets.normalise import BOT_WORDS, HUMAN_WORDS  # normalise imports this module

    words = {w.lower() for w in (*BOT_WORDS, *HUMAN_WORDS)}
    known = sum(1 for v in values if v.strip().lower() in words or "bot" in v.lower())
    return known * 2 >= len(values)


def extra_name(column: str) -> str:
    """The output name of a kept extra column."""
    return column if column.startswith("x_") else "x_" + column


__all__ = ["DEFAULT_TRANSFORM", "LAYOUTS", "TRANSFORMS", "ColumnMapping", "FieldMap", "detect_layout",
           "extra_name", "header_zone", "norm", "parse_transform", "propose_mapping", "valid_zone"]
