"""The canonical values, as SQL over the source relation (DuckDB does the work, column-at-a-time).

:func:`build_plan` turns a :class:`~journeys.tickets.column_mapping.ColumnMapping` and the
source's column types into one ``SELECT`` that yields, per row:

- the canonical columns, typed as :mod:`journeys.tickets.canonical` says: durations in
  **minutes** (seconds / hours / ``HH:MM:SS`` / timestamp differences converted),
  timestamps in **UTC** (naive values read in their column's zone), CSAT on 1–5
  (``Offered``/``Unoffered`` are not ratings), booleans from the many spellings of
  yes/no, tags split and lower-cased;
- every unused column as an ``x_<name>`` text extra (never dropped);
- helper columns (``_rej``, ``_c_<field>``, ``_unrated``) the importer reads to count
  rejected rows and values set to null, so the report is built in the same pass.

Null markers (``-``, ``?``, ``N/A``, ``null`` …) and Excel's zero date are already NULL
when a CSV is read (``nullstr``); text columns re-check them after trimming. A value
that cannot be used becomes NULL and is counted (``_c_<field>`` holds its raw text);
a negative duration is such a value. Rows without an id or a usable ``created_at``
(missing, unparseable, before 1971 or in the future) are rejected, with the reason in
``_rej``.

Day-first or month-first (``01/02/2024``): decided from the data before the pass
(:func:`date_order_evidence`): if any first field is above 12 the file is day-first,
else if any second field is above 12 it is month-first, else (every date ambiguous)
month-first with a warning. The importer re-checks the values that failed to parse
and re-runs day-first when they prove the guess wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb
from duckdb.sqltypes import DuckDBPyType

from journeys.tickets.canonical import BY_NAME, NAMES
from journeys.tickets.column_mapping import (
    DEFAULT_TRANSFORM,
    ColumnMapping,
    FieldMap,
    argument_columns,
    extra_name,
    header_zone,
    parse_transform,
    zone_offset_minutes,
)
from journeys.tickets.export_files import quote_ident as qi
from journeys.tickets.export_files import quote_str as qs

NULL_WORDS = ("", "-", "--", "?", "n/a", "#n/a", "null", "none", "nil")
TRUE_WORDS = ("true", "yes", "y", "1", "t", "x", "✓", "on", "escalated")
FALSE_WORDS = ("false", "no", "n", "0", "f", "off")
BOT_STATES = ("assumed resolution", "confirmed resolution", "resolved", "deflected", "bot", "automated", "abandoned")
HUMAN_STATES = ("routed to team", "escalated", "handed over", "human", "agent", "not deflected")
BOT_WORDS = ("bot", "ai", "ai agent", "automation", "automated", "auto", "fin", "chatbot", "virtual agent",
             "self-service", "self service", "system", "workflow", "macro")
HUMAN_WORDS = ("human", "agent", "teammate", "person", "staff", "admin", "operator", "support", "employee")
UNRATED_WORDS = ("offered", "unoffered", "not offered", "no rating", "not rated", "survey sent", "sent",
                 "no response", "pending")
_CSAT_WORDS: dict[int, tuple[str, ...]] = {
    5: ("good", "good with comment", "satisfied", "very satisfied", "yes", "positive", "awesome", "amazing",
        "excellent", "extremely happy", "very happy", "great", "thumbs up", "👍", "true"),
    4: ("happy",),
    3: ("neutral", "ok", "okay", "just okay", "average", "meh", "fine"),
    2: ("unhappy", "poor"),
    1: ("bad", "bad with comment", "not good", "terrible", "awful", "extremely unhappy", "very unhappy", "no",
        "negative", "unsatisfied", "dissatisfied", "very dissatisfied", "very unsatisfied", "thumbs down", "👎",
        "false"),
}

# Labelled 5-point surveys (Freshdesk's "Extremely satisfied … Extremely dissatisfied"): here a plain
# "Satisfied" is a 4, not the 5 it is on two-point scales.
_CSAT_5POINT: dict[int, tuple[str, ...]] = {
    5: ("extremely satisfied", "very satisfied", "extremely happy"),
    4: ("satisfied", "somewhat satisfied", "happy"),
    3: ("neutral", "neither satisfied nor dissatisfied", "just okay"),
    2: ("dissatisfied", "somewhat dissatisfied", "unhappy"),
    1: ("extremely dissatisfied", "very dissatisfied", "extremely unhappy"),
}
# ServiceNow duration display values ("1 Day 2 Hours 3 Minutes"), with the unit words of its es/de/fr/pt UIs.
DURATION_UNITS: dict[float, str] = {
    1440.0: "days?|d[ií]as?|tage?|jours?",
    60.0: "hours?|horas?|stunden?|heures?",
    1.0: "minutes?|minutos?|minuten",
    1 / 60: "seconds?|segundos?|sekunden?|secondes?",
}

_FLOOR = "TIMESTAMP '1971-01-01 00:00:00'"  # earlier timestamps are zero dates, not events
_ALIAS_REF = re.compile(r'(?<!")\b(_[ntdvw]\d+)\b(?!")')
_NUMERIC = {"tinyint", "smallint", "integer", "bigint", "hugeint", "utinyint", "usmallint", "uinteger", "ubigint",
            "uhugeint", "float", "double", "decimal"}
_TS = {"timestamp", "timestamp_s", "timestamp_ms", "timestamp_ns", "date"}

DAYFIRST_FORMATS = (
    "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y %I:%M:%S %p", "%d/%m/%Y %I:%M %p", "%d/%m/%Y",
    "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y", "%d-%m-%Y %H:%M:%S", "%d-%m-%Y %H:%M", "%d-%m-%Y",
    "%d/%m/%y %H:%M:%S", "%d/%m/%y %H:%M", "%d/%m/%y", "%d.%m.%y %H:%M", "%d.%m.%y",
)
_ANY_ORDER_FORMATS = (
    "%d %b %Y %H:%M:%S", "%d %b %Y %H:%M", "%d %b %Y", "%d %B %Y %H:%M", "%d %B %Y",
    "%d %b %Y %I:%M %p",  # Zoho Desk's "dd MMM yyyy hh:mm a": 04 Mar 2024 09:05 PM
    "%b %d, %Y %I:%M:%S %p", "%b %d, %Y %I:%M %p", "%b %d, %Y %H:%M", "%b %d, %Y", "%B %d, %Y %I:%M %p",
    "%B %d, %Y", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d", "%Y%m%d%H%M%S", "%Y%m%d",
    # Jira's default (``jira.date.time.picker.java.format``): 06/Jan/26 9:29 AM
    "%d/%b/%y %I:%M %p", "%d/%b/%y %H:%M", "%d/%b/%y", "%d/%b/%Y %I:%M %p", "%d/%b/%Y %H:%M",
)
# Month abbreviations of Jira (and others) in a Spanish, Portuguese, French or German UI, to English: a
# Spanish-UI Jira writes ``06/ene/26 9:29 a. m.``. Only values shaped ``dd/<word>/yy`` are translated.
LOCAL_MONTHS: dict[str, str] = {
    **dict.fromkeys(("ene", "enero", "janv", "janvier", "jän", "jänner", "januar", "janeiro"), "Jan"),
    **dict.fromkeys(("fev", "fevereiro", "févr", "fevr", "février", "febr", "februar", "febrero"), "Feb"),
    **dict.fromkeys(("mars", "märz", "mär", "marzo", "março", "marz"), "Mar"),
    **dict.fromkeys(("abr", "abril", "avr", "avril"), "Apr"),
    **dict.fromkeys(("mai", "mayo"), "May"),
    **dict.fromkeys(("juin", "juni", "junio", "junho"), "Jun"),
    **dict.fromkeys(("juil", "juillet", "juli", "julio", "julho"), "Jul"),
    **dict.fromkeys(("ago", "agosto", "août", "aout"), "Aug"),
    **dict.fromkeys(("sept", "set", "septiembre", "setembro", "septembre"), "Sep"),
    **dict.fromkeys(("out", "outubro", "okt", "oktober", "octubre", "octobre"), "Oct"),
    **dict.fromkeys(("noviembre", "novembro", "novembre"), "Nov"),
    **dict.fromkeys(("dic", "diciembre", "dez", "dezember", "dezembro", "déc", "dec", "décembre"), "Dec"),
}


def _formats(order: str) -> tuple[str, ...]:
    if order == "dayfirst":
        return DAYFIRST_FORMATS + _ANY_ORDER_FORMATS
    # dd.mm.yyyy is day-first in every locale that writes it (German, Russian …): never swapped
    swapped = tuple(f if "." in f else f.replace("%d", "%_D").replace("%m", "%d").replace("%_D", "%m")
                    for f in DAYFIRST_FORMATS)
    return swapped + _ANY_ORDER_FORMATS


def _words(expr: str, words: tuple[str, ...], max_len: int = 32) -> str:
    """True when ``expr`` is one of ``words`` (any case, outer spaces, ``_`` for a space).

    A length guard plus one RE2 match per value: ``lower(trim(x)) IN (…)`` costs three times more, and
    DuckDB turns IN lists inside conditions into a join per use (it made the whole query 3× slower)."""
    alts = "|".join(re.escape(w).replace("\\ ", "[ _]") for w in words)
    pattern = qs("(?i)\\s*(" + alts + ")\\s*")
    return f"(strlen({expr}) <= {max_len} AND regexp_full_match({expr}, {pattern}))"


def type_kind(ty: DuckDBPyType | None) -> str:
    """string | number | bool | timestamp | timestamptz | list | other."""
    if ty is None:
        return "string"
    tid = ty.id
    if tid == "varchar":
        return "string"
    if tid in _NUMERIC:
        return "number"
    if tid == "boolean":
        return "bool"
    if tid == "timestamp with time zone":
        return "timestamptz"
    if tid in _TS:
        return "timestamp"
    if tid == "list":
        return "list"
    return "other"


@dataclass
class Context:
    """What the expressions need to know about the file besides the mapping."""

    types: dict[str, DuckDBPyType]
    timezone: str = "UTC"
    date_order: str = "monthfirst"
    decimal_comma: bool = False
    markers_nulled: bool = False     # the reader already read the file's null markers as NULL
    now: datetime = field(default_factory=lambda: datetime.now(UTC))


@dataclass
class Plan:
    """The normalising SELECT and how to read its helper columns."""

    sql: str
    canonical: list[str]
    extras: list[tuple[str, str]]               # (source column, output name)
    coerced: dict[str, str]                     # helper column -> canonical field
    timestamp_fields: set[str]                  # fields whose coerced raw values are timestamps
    unrated: str | None = None                  # helper counting CSAT "Offered/Unoffered"
    output: list[str] = field(default_factory=list)   # output column names in schema order


# --- building blocks --------------------------------------------------------------------------------------

class SqlBuilder:
    """Generates SQL for one mapping; memoises parsed timestamps so created_at is parsed once."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.inner: dict[str, tuple[str, int]] = {}   # alias -> (expression, nesting level)
        self.zones: dict[str, str] = {}               # column -> zone a mapping names for it (timestamp_tz)

    def _alias(self, expr: str, prefix: str) -> str:
        """Name ``expr`` so it is computed once, one SELECT level above the aliases it reads."""
        for alias, (existing, _) in self.inner.items():
            if existing == expr:
                return alias
        level = 1 + max((self.inner[a][1] for a in _ALIAS_REF.findall(expr) if a in self.inner), default=0)
        alias = f"_{prefix}{len(self.inner)}"
        self.inner[alias] = (expr, level)
        return alias

    def nested(self, source_sql: str, raw_columns: list[str]) -> str:
        """The source with every alias computed, level by level (``SELECT *, … FROM (…)``)."""
        sql = f"(SELECT {', '.join(qi(c) for c in raw_columns) or '1 AS _one'} FROM {source_sql})"
        top = max((lvl for _, lvl in self.inner.values()), default=0)
        for lvl in range(1, top + 1):
            exprs = ", ".join(f"{e} AS {a}" for a, (e, lv) in self.inner.items() if lv == lvl)
            sql = f"(SELECT *, {exprs} FROM {sql})"
        return sql

    # raw access
    def kind(self, col: str) -> str:
        return type_kind(self.ctx.types.get(col))

    def raw(self, col: str) -> str:
        return qi(col)

    def text(self, col: str) -> str:
        """The column as text, null markers → NULL, outer whitespace trimmed.

        Written to touch each value as little as possible (it runs on every text column of every row):
        when the reader already turned the file's null markers into NULL (CSV ``nullstr``, Excel), only
        padded values are looked at again; elsewhere short values are matched against the markers."""
        k = self.kind(col)
        v = self.raw(col)
        if k == "list":
            v = f"CAST({v}[1] AS VARCHAR)"
        elif k != "string":
            v = f"CAST({v} AS VARCHAR)"
        padded = f"prefix({v}, ' ') OR suffix({v}, ' ') OR prefix({v}, chr(9)) OR suffix({v}, chr(9))"
        trimmed = f"(CASE WHEN {_words(v, NULL_WORDS, 16)} THEN NULL ELSE trim({v}) END)"
        if self.ctx.markers_nulled and k == "string":
            return f"(CASE WHEN {padded} THEN {trimmed} ELSE {v} END)"
        return f"(CASE WHEN {_words(v, NULL_WORDS, 8)} THEN NULL WHEN {padded} THEN trim({v}) ELSE {v} END)"

    def present(self, col: str) -> str:
        """True when the cell holds something (not NULL, not a null marker)."""
        k = self.kind(col)
        v = self.raw(col)
        if k == "string":
            return f"({v} IS NOT NULL AND NOT {_words(v, NULL_WORDS, 8)})"
        if k == "list":
            return f"(len({v}) > 0)"
        return f"({v} IS NOT NULL)"

    def raw_text(self, col: str) -> str:
        k = self.kind(col)
        return self.raw(col) if k == "string" else f"CAST({self.raw(col)} AS VARCHAR)"

    def number(self, col: str) -> str:
        k = self.kind(col)
        v = self.raw(col)
        if k == "number":
            return f"CAST({v} AS DOUBLE)"
        if k == "bool":
            return f"CAST(CAST({v} AS INTEGER) AS DOUBLE)"
        t = v if k == "string" else f"CAST({v} AS VARCHAR)"
        alt = "'.'" if self.ctx.decimal_comma else "''"
        return (f"coalesce(try_cast({t} AS DOUBLE), "
                f"CASE WHEN contains({t}, ',') THEN try_cast(replace(trim({t}), ',', {alt}) AS DOUBLE) END)")

    def finite(self, expr: str) -> str:
        a = self._alias(expr, "n")
        return f"(CASE WHEN isfinite({a}) THEN {a} END)"

    def timestamp(self, col: str, zone: str | None = None, unit: str | None = None) -> str:
        """The column as a naive UTC TIMESTAMP (memoised; the writer labels it UTC for free)."""
        zone = zone or self.zones.get(col) or header_zone(col) or self.ctx.timezone
        return self._alias(self._timestamp_expr(col, zone, unit), "t")

    def _timestamp_expr(self, col: str, zone: str, unit: str | None) -> str:
        """Naive UTC. Internally timestamps stay TIMESTAMP (not TIMESTAMPTZ): ICU conversions cost twice as
        much per value and UTC is the only zone that leaves this query."""
        k = self.kind(col)
        v = self.raw(col)
        if unit or k == "number":
            x = f"CAST({v} AS DOUBLE)" if k == "number" else f"try_cast(trim({v}) AS DOUBLE)"
            if unit == "millis":
                return f"CAST(to_timestamp({x} / 1000.0) AS TIMESTAMP)"
            if unit == "seconds":
                return f"CAST(to_timestamp({x}) AS TIMESTAMP)"
            return (f"CAST((CASE WHEN abs({x}) > 1e11 THEN to_timestamp({x} / 1000.0) ELSE to_timestamp({x}) END) "
                    "AS TIMESTAMP)")
        if k == "timestamptz":
            return f"CAST({v} AS TIMESTAMP)"
        if k == "timestamp":
            return self._localise(f"CAST({v} AS TIMESTAMP)", zone)
        t = v if k == "string" else f"CAST({v} AS VARCHAR)"
        fmts = "[" + ", ".join(qs(f) for f in _formats(self.ctx.date_order)) + "]"
        naive_other = f"coalesce(try_strptime(trim({t}), {fmts}), {_local_month_date(t)})"
        unix = (f"(CASE WHEN regexp_full_match(trim({t}), '\\d{{9,10}}(\\.\\d+)?') "
                f"THEN CAST(to_timestamp(CAST(trim({t}) AS DOUBLE)) AS TIMESTAMP) "
                f"WHEN regexp_full_match(trim({t}), '\\d{{12,13}}') "
                f"THEN CAST(to_timestamp(CAST(trim({t}) AS DOUBLE) / 1000.0) AS TIMESTAMP) END)")
        with_offset = (f"coalesce(CAST(try_cast({t} AS TIMESTAMPTZ) AS TIMESTAMP), CAST(try_cast(regexp_replace("
                       f"trim({t}), '\\s+([+-]\\d\\d:?\\d\\d|Z|UTC)$', '\\1') AS TIMESTAMPTZ) AS TIMESTAMP))")
        naive = f"coalesce(try_cast({t} AS TIMESTAMP), {naive_other})"
        if zone_offset_minutes(zone) == 0:
            # the common case: a plain "YYYY-MM-DD HH:MM:SS" is read without ICU
            return (f"(CASE WHEN length({t}) <= 19 AND NOT contains({t}, '+') "
                    f"THEN coalesce(try_cast({t} AS TIMESTAMP), {naive_other}, {unix}) "
                    f"ELSE coalesce({with_offset}, {naive_other}, {unix}) END)")
        has_offset = f"regexp_matches(trim({t}), '(Z|[+-]\\d\\d:?\\d\\d|UTC)$')"
        return (f"(CASE WHEN {has_offset} THEN {with_offset} "
                f"ELSE coalesce({self._localise(naive, zone)}, {unix}) END)")

    @staticmethod
    def _localise(naive: str, zone: str) -> str:
        """A naive TIMESTAMP read as local time in ``zone`` → naive UTC."""
        offset = zone_offset_minutes(zone)
        if offset == 0:
            return naive
        if offset is not None:
            return f"(({naive}) - INTERVAL ({offset}) MINUTE)"
        return f"CAST(timezone({qs(zone)}, {naive}) AS TIMESTAMP)"


def _local_month_date(t: str) -> str:
    """``06/ene/26 9:29 p. m.`` (a localised Jira date) parsed, NULL for anything else (one regex test)."""
    word = f"lower(rtrim(regexp_extract(trim({t}), '^\\d{{1,2}}/([^/\\d]+)/', 1), '.'))"
    cases = " ".join(f"WHEN {qs(k)} THEN {qs(v)}" for k, v in LOCAL_MONTHS.items())
    english = (f"regexp_replace(regexp_replace(regexp_replace(trim({t}), '^(\\d{{1,2}})/[^/]+/', "
               f"'\\1/' || (CASE {word} {cases} ELSE 'x' END) || '/'), '\\s*[aA]\\.?\\s?[mM]\\.?$', ' AM'), "
               f"'\\s*[pP]\\.?\\s?[mM]\\.?$', ' PM')")
    fmts = "['%d/%b/%y %I:%M %p', '%d/%b/%y %H:%M', '%d/%b/%y', '%d/%b/%Y %I:%M %p', '%d/%b/%Y %H:%M']"
    return (f"(CASE WHEN regexp_matches(trim({t}), '^\\d{{1,2}}/[^/\\d]+/\\d') "
            f"THEN try_strptime({english}, {fmts}) END)")


# --- one canonical field ------------------------------------------------------------------------------------

@dataclass
class _Field:
    value: str            # the typed canonical expression (before the final cast)
    present: str          # raw present (something to convert)
    raw: str              # the raw text shown as an example when coerced
    benign: str | None = None   # rows where NULL is expected, not a coercion (e.g. CSAT "Offered")
    counted: bool = True        # False: NULL is a legitimate answer (bot_handoff: "no hand-off")


@dataclass(frozen=True)
class _Source:
    """One canonical field's source column, as the typed-expression builders below read it."""

    b: SqlBuilder
    name: str
    fm: FieldMap
    tname: str
    arg: str | None
    col: str
    present: str
    raw: str
    has_fallback: bool

    def field(self, value: str, **kw: Any) -> _Field:
        return _Field(value, self.present, self.raw, **kw)


def _one(b: SqlBuilder, name: str, fm: FieldMap, has_fallback: bool) -> _Field:
    tname, arg = parse_transform(fm.transform)
    if tname == "auto":
        tname, arg = parse_transform(DEFAULT_TRANSFORM[name])
    col = fm.source
    assert col is not None
    src = _Source(b, name, fm, tname, arg, col, b.present(col), b.raw_text(col), has_fallback)
    if str(BY_NAME[name].type) == "timestamp[us, tz=UTC]":
        return _timestamp_field(src)
    if name == "tags":
        return _tags_field(src)
    if name in {"first_response_minutes", "resolution_minutes"}:
        return _minutes_field(src)
    if name == "csat":
        return _csat(b, col, tname, src.present, src.raw)
    if name in {"reopens", "agent_replies"}:
        return _count_field(src)
    if name == "escalated":
        return _escalated_field(src)
    if name == "handled_by" or tname in {"handled_by", "bot_if_true"}:
        return _handled_by_field(src)
    return _text_field(src)


def _timestamp_field(src: _Source) -> _Field:
    if src.tname == "timestamp_tz":
        return src.field(src.b.timestamp(src.col, zone=src.arg or "UTC"))
    unit = {"unix_seconds": "seconds", "unix_millis": "millis"}.get(src.tname)
    return src.field(src.b.timestamp(src.col, unit=unit))


def _tags_field(src: _Source) -> _Field:
    b, present = src.b, src.present
    if src.tname == "tags_columns":
        present = "(" + " OR ".join([present, *(b.present(c) for c in argument_columns(src.fm.transform))]) + ")"
    return _Field(_tags(b, src.col, src.tname, src.arg), present, src.raw)


def _minutes_field(src: _Source) -> _Field:
    b, col, tname, arg, raw = src.b, src.col, src.tname, src.arg, src.raw
    if tname == "diff_minutes" and arg:
        end, start = b.timestamp(col), b.timestamp(arg)
        d = b._alias(f"(epoch_ms({end}) - epoch_ms({start})) / 60000.0", "d")
        # a zero date (Excel's 1900-01-01, unix 0) means the event never happened: empty, not an error
        zero = f"({end} < {_FLOOR} OR {start} < {_FLOOR})"
        return _Field(f"(CASE WHEN {zero} THEN NULL WHEN {d} >= 0 THEN {d} END)",
                      f"({src.present} AND {start} IS NOT NULL)", raw, benign=zero)
    if tname == "duration_text":
        return src.field(duration_text_minutes(b, col))
    if tname in {"hhmmss_to_minutes", "hhmmss_zero_unknown"}:
        t = f"trim(regexp_replace({raw}, '\\s*(hrs?|hours?)\\.?\\s*$', '', 'i'))"  # Zoho: "27:05 hrs"
        parts = f"string_split({t}, ':')"
        hms = (f"(CASE WHEN contains({t}, ':') THEN "
               f"(CASE WHEN starts_with({t}, '-') THEN -1 ELSE 1 END) * "
               f"(abs(try_cast({parts}[1] AS DOUBLE)) * 60 + try_cast({parts}[2] AS DOUBLE) "
               f"+ coalesce(try_cast(nullif({parts}[3], '') AS DOUBLE), 0) / 60.0) "
               f"ELSE {b.number(col)} * 60 END)")
        v = b.finite(hms)
        if tname == "hhmmss_zero_unknown":  # Freshdesk's 0:00:00: never answered / resolved, not 0 minutes
            return src.field(f"(CASE WHEN {v} > 0 THEN {v} END)", benign=f"({v} = 0)")
    else:
        factor = {"minutes": 1, "seconds_to_minutes": 1 / 60, "hours_to_minutes": 60,
                  "millis_to_minutes": 1 / 60000}.get(tname, 1)
        n = b.finite(b.number(col))
        v = n if factor == 1 else f"({n} * {factor!r})"
    return src.field(f"(CASE WHEN {v} >= 0 THEN {v} END)")


def _count_field(src: _Source) -> _Field:
    if src.tname == "bool":
        return src.field(f"CAST({_bool(src.b, src.col)} AS INTEGER)")
    n = src.b.finite(src.b.number(src.col))
    return src.field(f"(CASE WHEN {n} >= 0 AND {n} < 2147483647 THEN CAST(round({n}) AS INTEGER) END)")


def _escalated_field(src: _Source) -> _Field:
    b, col, tname, arg = src.b, src.col, src.tname, src.arg
    if tname in {"gt_zero", "gt_one"}:
        n = b.finite(b.number(col))
        return src.field(f"({n} > {0 if tname == 'gt_zero' else 1})")
    if tname == "bot_handoff" and arg:
        involved, deflected = _bool(b, col), _bool(b, arg)
        otherwise = "NULL" if src.has_fallback else f"(CASE WHEN {involved} IS NOT NULL THEN false END)"
        return src.field(f"(CASE WHEN {involved} AND NOT coalesce({deflected}, false) THEN true ELSE {otherwise} END)",
                         counted=False)
    return src.field(_bool(b, col))


def _handled_by_field(src: _Source) -> _Field:
    raw = src.raw
    if src.tname == "bot_if_true":
        flag = _bool(src.b, src.col)
        return src.field(f"(CASE WHEN {flag} OR {_words(raw, BOT_STATES)} THEN 'bot' "
                         f"WHEN NOT {flag} OR {_words(raw, HUMAN_STATES)} THEN 'human' END)")
    return src.field(f"(CASE WHEN {_words(raw, BOT_WORDS)} OR lower({raw}) LIKE '%bot%' THEN 'bot' "
                     f"WHEN {_words(raw, HUMAN_WORDS)} THEN 'human' END)")


def _text_field(src: _Source) -> _Field:
    txt = src.b.text(src.col)
    if src.tname == "lower":
        return src.field(f"lower({txt})")
    if src.tname == "enum" and src.arg:
        pairs = [p.split("=", 1) for p in src.arg.split(",") if "=" in p]
        cases = " ".join(f"WHEN {qs(k.strip())} THEN {qs(v.strip())}" for k, v in pairs)
        key = f"regexp_replace({txt}, '\\.0$', '')"
        return src.field(f"(CASE {key} {cases} ELSE {txt} END)")
    return src.field(txt)


def duration_text_minutes(b: SqlBuilder, col: str) -> str:
    """Minutes from seconds, ``1 Day 2 Hours 3 Minutes`` or a ``1970-01-02 02:03:00`` glide duration."""
    if b.kind(col) == "number":
        return f"(CASE WHEN {b.raw(col)} >= 0 THEN CAST({b.raw(col)} AS DOUBLE) / 60.0 END)"
    t = f"lower(trim({b.raw_text(col)}))"
    terms = " + ".join(
        f"coalesce(try_cast(regexp_extract({t}, '(\\d+)\\s*(?:{units})', 1) AS DOUBLE), 0) * {factor!r}"
        for factor, units in DURATION_UNITS.items())
    any_unit = "|".join(DURATION_UNITS.values())
    return (f"(CASE WHEN regexp_full_match({t}, '\\d+(\\.\\d+)?') THEN CAST({t} AS DOUBLE) / 60.0 "
            f"WHEN regexp_full_match({t}, '19[67]\\d-\\d\\d-\\d\\d[ t]\\d\\d:\\d\\d(:\\d\\d)?') "
            f"THEN epoch(try_cast({t} AS TIMESTAMP)) / 60.0 "
            f"WHEN regexp_matches({t}, '\\d\\s*(?:{any_unit})') THEN {terms} END)")


def _bool(b: SqlBuilder, col: str) -> str:
    k = b.kind(col)
    v = b.raw(col)
    if k == "bool":
        return v
    if k == "number":
        return f"({v} <> 0)"
    t = b.raw_text(col)
    return f"(CASE WHEN {_words(t, TRUE_WORDS, 16)} THEN true WHEN {_words(t, FALSE_WORDS, 16)} THEN false END)"


def _tags(b: SqlBuilder, col: str, tname: str, arg: str | None = None) -> str:
    k = b.kind(col)
    v = b.raw(col)
    if tname == "tags_columns":  # one tag per cell, over repeated columns (Jira's Labels, Labels (2) …)
        cells = ", ".join(f"lower(trim({b.raw_text(c)}))" for c in [col, *argument_columns(f"{tname}:{arg}")])
        return f"list_distinct(list_filter([{cells}], lambda x: x IS NOT NULL AND x NOT IN ('', '-')))"
    clean = "list_filter(list_transform({l}, lambda x: lower(trim(CAST(x AS VARCHAR)))), lambda x: x <> '')"
    if k == "list":
        return f"coalesce({clean.format(l=v)}, CAST([] AS VARCHAR[]))"
    t = b.raw_text(col)
    # a plain split on one space unless the cell has odd whitespace: a regex split costs twice as much
    odd = (f"contains({t}, '  ') OR prefix({t}, ' ') OR suffix({t}, ' ') OR contains({t}, chr(9)) "
           f"OR contains({t}, chr(10))")
    space = (f"(CASE WHEN {odd} THEN list_filter(string_split(lower(replace(replace({t}, chr(9), ' '), chr(10), ' ')),"
             f" ' '), lambda x: x <> '') ELSE string_split(lower({t}), ' ') END)")
    comma = clean.format(l=f"string_split_regex({t}, '[,;]')")
    if tname == "split_tags_space":
        expr = space
    elif tname == "split_tags_comma":
        expr = comma
    elif tname in {"text", "lower"}:
        expr = f"[lower(trim({t}))]"
    else:
        expr = f"(CASE WHEN regexp_matches({t}, '[,;]') THEN {comma} ELSE {space} END)"
    return f"coalesce({expr}, CAST([] AS VARCHAR[]))"


def _csat(b: SqlBuilder, col: str, tname: str, present: str, raw: str) -> _Field:
    k = b.kind(col)
    v = b.raw(col)
    if k == "bool":
        return _Field(f"(CASE WHEN {v} THEN 5.0 ELSE 1.0 END)", present, raw)
    # numbers are parsed inline, only for values that are not words (most Zendesk values are words)
    x = (f"CAST({v} AS DOUBLE)" if k == "number" else
         f"coalesce(try_cast({raw} AS DOUBLE), try_cast(replace(replace(trim({raw}), '%', ''), ',', '.') AS DOUBLE))")
    if tname == "csat_10":
        num = f"(CASE WHEN isfinite({x}) AND {x} BETWEEN 0 AND 10 THEN 1 + 4 * {x} / 10.0 END)"
    elif tname == "csat_100":
        num = f"(CASE WHEN isfinite({x}) AND {x} BETWEEN 0 AND 100 THEN 1 + 4 * {x} / 100.0 END)"
    else:
        num = f"(CASE WHEN {x} BETWEEN 1 AND 5 THEN {x} END)"
    if k != "string":
        return _Field(num, present, raw)
    scales = [_CSAT_5POINT, _CSAT_WORDS] if tname == "csat_5point" else [_CSAT_WORDS]
    words = " ".join(f"WHEN {_words(v, ws)} THEN {float(score)!r}" for sc in scales for score, ws in sc.items())
    unrated = _words(v, UNRATED_WORDS)
    return _Field(f"(CASE WHEN {v} IS NULL THEN NULL WHEN {unrated} THEN NULL {words} ELSE {num} END)", present,
                  raw, benign=unrated)


def _field_sql(b: SqlBuilder, name: str, fm: FieldMap) -> _Field:
    """A field with its fallback chain: the first non-null value wins."""
    chain: list[FieldMap] = []
    cur: FieldMap | None = fm
    while cur is not None and cur.source is not None:
        chain.append(cur)
        cur = cur.fallback
    parts = [_one(b, name, f, has_fallback=i < len(chain) - 1) for i, f in enumerate(chain)]
    if len(parts) == 1:
        return parts[0]
    value = "coalesce(" + ", ".join(p.value for p in parts) + ")"
    benign = " OR ".join(f"({p.benign})" for p in parts if p.benign) or None
    present = "(" + " OR ".join(p.present for p in parts) + ")"
    raw = "coalesce(" + ", ".join(f"CASE WHEN {p.present} THEN {p.raw} END" for p in parts) + ")"
    return _Field(value, present, raw, benign, counted=all(p.counted for p in parts))


_KIND = {"ticket_id": "text", "channel": "text", "subject": "text", "tags": "text", "category": "text",
         "status": "text", "customer_id": "text", "variant": "text", "journey_step": "text", "group": "text",
         "priority": "text"}
_CAST = {
    "ticket_id": "VARCHAR", "created_at": "TIMESTAMP", "channel": "VARCHAR", "subject": "VARCHAR",
    "tags": "VARCHAR[]", "category": "VARCHAR", "status": "VARCHAR", "customer_id": "VARCHAR", "csat": "DOUBLE",
    "first_response_minutes": "DOUBLE", "resolution_minutes": "DOUBLE", "reopens": "INTEGER",
    "escalated": "BOOLEAN", "handled_by": "VARCHAR", "agent_replies": "INTEGER", "variant": "VARCHAR",
    "journey_step": "VARCHAR", "group": "VARCHAR", "priority": "VARCHAR",
}


def _note_zones(b: SqlBuilder, mapping: ColumnMapping) -> None:
    """A zone named for a column holds wherever the column is read (diff_minutes starts, fallbacks)."""
    for name in NAMES:
        cur: FieldMap | None = mapping.field(name)
        while cur is not None and cur.source is not None:
            tname, arg = parse_transform(cur.transform)
            if tname == "timestamp_tz" and arg:
                b.zones.setdefault(cur.source, arg)
            cur = cur.fallback


def _extra_names(columns: list[str], used: set[str]) -> list[tuple[str, str]]:
    """(file column, stored name) of every column no field reads: ``x_<name>``, numbered when two collide."""
    extras: list[tuple[str, str]] = []
    taken = set(NAMES)
    for c in columns:
        if c in used:
            continue
        out = extra_name(c)
        base, k = out, 1
        while out.lower() in taken:
            k += 1
            out = f"{base} ({k})"
        taken.add(out.lower())
        extras.append((c, out))
    return extras


def build_plan(mapping: ColumnMapping, source_sql: str, columns: list[str], ctx: Context) -> Plan:
    """The normalising query over ``source_sql`` (anything usable after FROM)."""
    b = SqlBuilder(ctx)
    outer: list[str] = []
    helpers: list[str] = []
    coerced: dict[str, str] = {}
    ts_fields: set[str] = set()
    unrated = None
    fields: dict[str, _Field] = {}
    _note_zones(b, mapping)
    for name in NAMES:
        fm = mapping.field(name)
        if fm.source is None:
            outer.append(f"CAST(NULL AS {_CAST[name]}) AS {qi(name)}")
            continue
        f = _field_sql(b, name, fm)
        fields[name] = f
        a = b._alias(f.value, "v")
        outer.append(f"CAST({a} AS {_CAST[name]}) AS {qi(name)}")
        if name in {"ticket_id", "created_at"}:
            continue
        if not f.counted or _KIND.get(name) == "text":
            continue  # text is never unusable; bot_handoff's NULL means "no hand-off"
        guard = f" AND NOT coalesce({f.benign}, false)" if f.benign else ""
        helper = f"_c_{name}"
        helpers.append(f"(CASE WHEN {a} IS NULL AND {f.present}{guard} THEN {f.raw} END) AS {helper}")
        coerced[helper] = name
        if _is_timestampish(fm):
            ts_fields.add(name)
        if name == "csat" and f.benign:
            unrated = "_unrated"
            helpers.append(f"coalesce({f.benign}, false) AS _unrated")
    idf, crf = fields["ticket_id"], fields["created_at"]
    id_a = b._alias(idf.value, "v")
    cr_a = b._alias(crf.value, "v")
    low = _FLOOR
    high = f"TIMESTAMP '{(ctx.now + timedelta(days=2)).strftime('%Y-%m-%d %H:%M:%S')}'"
    helpers.append(
        f"(CASE WHEN {id_a} IS NULL THEN 'missing ticket_id' "
        f"WHEN NOT {crf.present} THEN 'missing created_at' "
        f"WHEN {cr_a} IS NULL THEN 'unparseable created_at' "
        f"WHEN {cr_a} < {low} OR {cr_a} > {high} THEN 'impossible created_at' END) AS _rej")
    helpers.append(f"(CASE WHEN {cr_a} IS NULL OR {cr_a} < {low} OR {cr_a} > {high} THEN {crf.raw} END) AS _rej_raw")
    used = mapping.used_sources()
    extras = _extra_names(columns, used)
    for c, out in extras:
        expr = b.raw(c) if b.kind(c) == "string" else f"CAST({b.raw(c)} AS VARCHAR)"
        outer.append(f"{expr} AS {qi(out)}")
    needed = [c for c in columns if c in used or c in {s for s, _ in extras}]
    sql = f"SELECT {', '.join(outer + helpers)} FROM {b.nested(source_sql, needed)}"
    return Plan(sql=sql, canonical=list(NAMES), extras=extras, coerced=coerced, timestamp_fields=ts_fields,
                unrated=unrated, output=[*NAMES, *(o for _, o in extras)])


def _is_timestampish(fm: FieldMap) -> bool:
    name, _ = parse_transform(fm.transform)
    return name in {"diff_minutes", "timestamp", "timestamp_tz"}


# --- date order -----------------------------------------------------------------------------------------------

_DM = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-]\d{2,4}")


def timestamp_sources(mapping: ColumnMapping) -> list[str]:
    """Columns parsed as timestamps (where day/month order matters)."""
    out: list[str] = []
    for name in NAMES:
        cur: FieldMap | None = mapping.field(name)
        while cur is not None and cur.source is not None:
            t, arg = parse_transform(cur.transform if cur.transform != "auto" else DEFAULT_TRANSFORM[name])
            if t in {"timestamp", "timestamp_tz"}:
                out.append(cur.source)
            if t == "diff_minutes":
                out.append(cur.source)
                if arg:
                    out.append(arg)
            cur = cur.fallback
    if mapping.updated_at:
        out.append(mapping.updated_at)
    return list(dict.fromkeys(out))


def date_order_evidence(con: duckdb.DuckDBPyConnection, source_sql: str, columns: list[str],
                        types: dict[str, DuckDBPyType], limit: int = 50_000) -> tuple[int, int, int]:
    """(max first field, max second field, slash-style dates seen) over the first ``limit`` rows."""
    cols = [c for c in columns if type_kind(types.get(c)) == "string"]
    if not cols:
        return 0, 0, 0
    pat = "'^\\s*(\\d{1,2})[/-](\\d{1,2})[/-]\\d{2,4}'"  # dd.mm.yyyy is always day-first (see _formats)
    firsts = ", ".join(f"max(try_cast(regexp_extract({qi(c)}, {pat}, 1) AS INTEGER))" for c in cols)
    seconds = ", ".join(f"max(try_cast(regexp_extract({qi(c)}, {pat}, 2) AS INTEGER))" for c in cols)
    counts = " + ".join(f"count(CASE WHEN regexp_matches({qi(c)}, {pat}) THEN 1 END)" for c in cols)
    sel = ", ".join(qi(c) for c in cols)
    row = con.execute(f"SELECT greatest({firsts}, 0), greatest({seconds}, 0), {counts} "
                      f"FROM (SELECT {sel} FROM {source_sql} LIMIT {int(limit)})").fetchall()[0]
    return int(row[0] or 0), int(row[1] or 0), int(row[2] or 0)


def decide_date_order(first_max: int, second_max: int, seen: int) -> tuple[str, str | None]:
    """Day-first if any first field is above 12, month-first if any second is; else month-first, flagged."""
    if seen == 0:
        return "monthfirst", None
    if first_max > 12 and second_max > 12:
        return "dayfirst", ("Dates mix day-first and month-first orders; read as day-first. Rows in the other "
                            "order could not be read.")
    if first_max > 12:
        return "dayfirst", None
    if second_max > 12:
        return "monthfirst", None
    return "monthfirst", ("Every date like 01/02/2024 in the file is ambiguous (day and month both ≤ 12); read as "
                          "month-first (MM/DD). If that is wrong, import with --date-order dmy (or pick day-first "
                          "in the mapping).")


def slash_dates(sample: list[dict[str, str | None]], columns: list[str]) -> bool:
    """Whether any sampled value of ``columns`` is a date like 01/02/2024 (where the order matters)."""
    return any(_DM.match(str(row.get(c) or "")) for row in sample for c in columns)


def proves_dayfirst(values: list[str]) -> bool:
    """Values that failed month-first parsing but have a first field above 12."""
    for v in values:
        m = _DM.match(v or "")
        if m and int(m.group(1)) > 12 and int(m.group(2)) <= 12:
            return True
    return False
