"""One-row-per-update exports: found without being told, collapsed to each ticket's last state.

Help desks export history in several shapes, and a team rarely says which one it has:

- **ServiceNow** audit-style incident logs (the public "incident management process enriched event
  log" is one): one row per save of the incident, every column repeated, ordered by
  ``sys_updated_at`` and ``sys_mod_count`` (the record's save counter). Traps: the rows of one
  incident are not always adjacent; ``?`` marks empty cells; ``opened_at`` is day-first
  (``29/2/2016 01:16``) and only the first rows of an incident may carry it; ``reassignment_count``
  and ``reopen_count`` are running totals, so only the last row holds the ticket's figure.
- **Zendesk** ticket events and **Jira** change logs flattened to a sheet: one row per event with the
  ticket's state after it (``updated_at`` / ``Updated``).
- A **spreadsheet** kept by hand with a status per row (``Ticket``, ``Status``, ``Changed at``).

A file is such a log when its id column repeats and it has an update time or a sequence/version
column (:func:`find`). The id repeating in the sniffed first rows decides before the pass; otherwise
the importer finds the repeats in the written file and reads it again collapsed. Without either
column, repeated ids are duplicates (the importer keeps the first row and says how to collapse with
``--ticket-key``).

:func:`collapse` keeps each ticket's **last** row (latest update time, then highest sequence, then
file order), its **first** created time, and derives from the history what the last row may lack:
reopens (a resolved/closed/solved state followed by an open one) and reassignments (a change of
group or assignee after the first one set). Where the last row carries the vendor's own running
count (``reopen_count``, ``reassignment_count``) that count wins. Fully identical rows are
duplicates and counted as such, never merged silently; they share their time and sequence, so they
sit together in the order and add no transition. Memory follows the number of tickets: a narrow
aggregate (only the columns above are read) picks the winning row numbers, then the source is
streamed again and joined on them. Only when rows of a ticket share their update time and sequence
(or the file has neither) is the whole file read once more, to compare whole rows by a hash.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
from duckdb.sqltypes import BIGINT

from journeys.tickets import normalise as nz
from journeys.tickets.column_mapping import UPDATED_AT, ColumnMapping, FieldMap, norm
from journeys.tickets.export_files import quote_ident as qi

UPDATE_TIME = (*UPDATED_AT, "sys updated at", "updated date", "event timestamp", "changed", "change time",
               "audit time", "history date", "date of change", "status changed at", "message date")
SEQUENCE = ("sys mod count", "mod count", "update number", "update count", "version", "revision", "sequence",
            "seq", "sequence number", "event sequence", "change number", "row version")
STATUS = ("incident state", "state", "status", "ticket status", "issue status", "estado", "statut")
GROUP = ("assignment group", "group", "team", "queue", "assigned group")
ASSIGNEE = ("assigned to", "assignee", "agent", "owner", "assigned agent")
REASSIGN_COUNT = ("reassignment count", "reassignments", "times reassigned", "group reassignments")
# a state that ends the work: the next open state is a reopen
CLOSED_STATES = ("resolved", "closed", "solved", "done", "cancelled", "canceled", "completed", "complete",
                 "resuelto", "cerrado", "gelöst", "geschlossen", "erledigt", "résolu", "fermé", "resolvido",
                 "fechado")
# numeric state codes mean something only in their help desk's layout: ServiceNow 6 resolved, 7 closed,
# 8 canceled; Freshdesk's API 4 resolved, 5 closed
CLOSED_CODES = {"servicenow": ("6", "7", "8"), "freshdesk": ("4", "5")}
REASSIGNMENTS = "reassignments"


@dataclass(frozen=True)
class History:
    """The columns of a one-row-per-update log: the ticket key, what orders its rows, what changes."""

    key: str
    updated_at: str | None = None
    sequence: str | None = None
    status: str | None = None
    group: str | None = None
    assignee: str | None = None
    reassign_count: str | None = None
    closed: tuple[str, ...] = CLOSED_STATES

    @property
    def ordered(self) -> bool:
        """An update time or a sequence column: repeated ids are then updates, not duplicates."""
        return bool(self.updated_at or self.sequence)

    def order_words(self) -> str:
        cols = [f"'{c}'" for c in (self.updated_at, self.sequence) if c]
        return "by " + ", then ".join(cols) if cols else "in file order"


def find(mapping: ColumnMapping, columns: Sequence[str]) -> History | None:
    """The log's columns, from the mapping first and headers second; None without an id column."""
    key = mapping.ticket_key or mapping.field("ticket_id").source
    if key is None or key not in columns:
        return None
    taken = {key} | {fm.source for name, fm in mapping.fields.items()
                     if fm.source and name not in {"status", "group"}}
    by_norm: dict[str, str] = {}
    for c in columns:
        if c not in taken:
            by_norm.setdefault(norm(c), c)

    def first(names: Sequence[str]) -> str | None:
        return next((by_norm[n] for n in names if n in by_norm), None)

    updated = mapping.updated_at if mapping.updated_at in columns else first(UPDATE_TIME)
    return History(key=key, updated_at=updated, sequence=first(SEQUENCE),
                   status=mapping.field("status").source or first(STATUS),
                   group=mapping.field("group").source or first(GROUP), assignee=first(ASSIGNEE),
                   reassign_count=first(REASSIGN_COUNT),
                   closed=CLOSED_STATES + CLOSED_CODES.get(mapping.layout, ()))


def repeats_in(sample: Sequence[dict], key: str) -> bool:
    """The key repeats among the sniffed first rows (the cheap test before the pass)."""
    ids = [str(r.get(key)).strip() for r in sample if r.get(key) not in (None, "")]
    return len(ids) >= 2 and len(set(ids)) < len(ids)


@dataclass
class Collapsed:
    """The source reduced to one row per ticket, and what the reduction counted."""

    sql: str
    columns: list[str]
    rows: int
    missing: int
    tickets: int
    updated_tickets: int
    duplicates: int
    collapsed: int
    missing_examples: list[str]
    duplicate_examples: list[str]
    reopens: str | None      # the derived column the canonical ``reopens`` falls back to


def collapse(con: duckdb.DuckDBPyConnection, hist: History, source_sql: str, columns: Sequence[str],
             ctx: nz.Context, created: str | None, max_examples: int = 3) -> Collapsed:
    """Each ticket's last row, its first created time, and its reopens and reassignments from the history."""
    b = nz.SqlBuilder(ctx)
    key_text = b.text(hist.key)
    upd = "TIMESTAMP '0001-01-01'"
    if hist.updated_at:
        zone = nz.header_zone(hist.updated_at) or ctx.timezone
        upd = f"coalesce(CAST({b._timestamp_expr(hist.updated_at, zone, None)} AS TIMESTAMP), {upd})"
    seq = f"coalesce({b.number(hist.sequence)}, -1e308)" if hist.sequence else "0"
    closed_words = ", ".join(f"'{w}'" for w in hist.closed)
    state = (f"(CASE WHEN {b.text(hist.status)} IS NULL THEN NULL "
             f"ELSE lower({b.text(hist.status)}) IN ({closed_words}) END)") if hist.status else "NULL::BOOLEAN"
    group = b.text(hist.group) if hist.group else "NULL::VARCHAR"
    assignee = b.text(hist.assignee) if hist.assignee else "NULL::VARCHAR"
    has_created = created is not None and created != hist.key and created in columns
    created_expr = f"(CASE WHEN {b.present(created)} THEN {qi(created)} END)" if has_created and created else "NULL"
    row_hash = "hash(" + ", ".join(qi(c) for c in columns) + ")"
    numbered = f"(SELECT *, row_number() OVER () AS _rn FROM {source_sql})"
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _winners AS
        WITH n AS (
            SELECT {key_text} AS _k, _rn, {upd} AS _u, {seq} AS _q, {state} AS _c, {group} AS _g,
                   {assignee} AS _a, {created_expr} AS _cr
            FROM {numbered}),
        w AS (
            SELECT *, lag(_c IGNORE NULLS) OVER p AS _pc, lag(_g IGNORE NULLS) OVER p AS _pg,
                   lag(_a IGNORE NULLS) OVER p AS _pa
            FROM n WINDOW p AS (PARTITION BY _k ORDER BY _u, _q, _rn))
        SELECT _k, count(*) AS _n, count(*) - count(DISTINCT struct_pack(u := _u, q := _q)) AS _d,
               arg_max(_rn, struct_pack(u := _u, q := _q, r := _rn)) AS _win,
               arg_min(_cr, struct_pack(u := _u, q := _q, r := _rn)) FILTER (WHERE _cr IS NOT NULL) AS _created,
               count(*) FILTER (WHERE _pc AND NOT _c) AS _reopens,
               count(*) FILTER (WHERE (_g IS NOT NULL AND _pg IS NOT NULL AND _g <> _pg)
                                   OR (_a IS NOT NULL AND _pa IS NOT NULL AND _a <> _pa)) AS _reassign
        FROM w GROUP BY _k""")
    totals = ("SELECT coalesce(sum(_n), 0), coalesce(sum(_n) FILTER (WHERE _k IS NULL), 0), count(_k), "
              "count(*) FILTER (WHERE _k IS NOT NULL AND _n - _d > 1), "
              "coalesce(sum(_d) FILTER (WHERE _k IS NOT NULL), 0) FROM _winners")
    rows, missing, tickets, updated, dups = con.execute(totals).fetchall()[0]
    if dups:  # rows sharing their ticket's update time and sequence: identical only if the whole row is
        con.execute(f"CREATE OR REPLACE TEMP TABLE _dups AS SELECT _k, count(*) - count(DISTINCT _h) AS _d "
                    f"FROM (SELECT {key_text} AS _k, {row_hash} AS _h FROM {source_sql}) WHERE _k IS NOT NULL "
                    f"GROUP BY 1")
        con.execute("UPDATE _winners SET _d = d._d FROM _dups AS d WHERE _winners._k = d._k")
        rows, missing, tickets, updated, dups = con.execute(totals).fetchall()[0]
    missing_examples: list[str] = []
    if missing:
        found = con.execute(f"SELECT _rn FROM (SELECT {key_text} AS _k, _rn FROM {numbered}) WHERE _k IS NULL "
                            f"ORDER BY _rn LIMIT {max_examples}").fetchall()
        missing_examples = [f"row {r[0]}" for r in found]
    dup_examples = [f"row {r[0]} (id {r[1]!r})" for r in con.execute(  # a third read, only when there are some
        f"SELECT _rn, _k FROM (SELECT {key_text} AS _k, _rn, row_number() OVER (PARTITION BY {key_text}, "
        f"{row_hash} ORDER BY _rn) AS _i FROM {numbered}) WHERE _i > 1 AND _k IS NOT NULL ORDER BY _rn "
        f"LIMIT {max_examples}").fetchall()] if dups else []
    reopens = _free("reopens from history", columns)
    reassign = _free(REASSIGNMENTS, columns)
    vendor_count = (f"coalesce(try_cast({b.number(hist.reassign_count)} AS BIGINT), w._reassign)"
                    if hist.reassign_count else "w._reassign")
    replace = f" REPLACE (w._created AS {qi(created)})" if has_created and created else ""
    sql = (f"(SELECT s.* EXCLUDE (_rn){replace}, w._reopens AS {qi(reopens)}, {vendor_count} AS {qi(reassign)} "
           f"FROM {numbered} AS s JOIN (SELECT _win, _created, _reopens, _reassign FROM _winners "
           f"WHERE _k IS NOT NULL) AS w ON s._rn = w._win)")
    rows, missing, tickets, dups = int(rows), int(missing), int(tickets), int(dups)
    return Collapsed(sql=sql, columns=[*columns, reopens, reassign], rows=rows, missing=missing, tickets=tickets,
                     updated_tickets=int(updated), duplicates=dups, collapsed=rows - missing - tickets - dups,
                     missing_examples=missing_examples, duplicate_examples=dup_examples, reopens=reopens)


def with_history(mapping: ColumnMapping, done: Collapsed, ctx: nz.Context) -> ColumnMapping:
    """The mapping the plan runs with: ``reopens`` falls back to the count derived from the history."""
    ctx.types = {**ctx.types, done.columns[-2]: BIGINT, done.columns[-1]: BIGINT}
    derived = FieldMap(done.reopens, "int")
    fm = mapping.field("reopens")
    if fm.source is None:
        return mapping.with_field("reopens", derived)
    return mapping.with_field("reopens", _chain(fm, derived))


def _chain(fm: FieldMap, last: FieldMap) -> FieldMap:
    return FieldMap(fm.source, fm.transform, _chain(fm.fallback, last) if fm.fallback else last)


def _free(name: str, columns: Sequence[str]) -> str:
    """``name``, or ``name (2)`` … when the file already has such a column."""
    lower = {c.lower() for c in columns}
    out, k = name, 1
    while out.lower() in lower or f"x_{out}".lower() in lower:
        k += 1
        out = f"{name} ({k})"
    return out


def summary(done: Collapsed, hist: History) -> str:
    """The sentence the import report states the choice with."""
    return (f"Collapsed {done.collapsed:,} update rows to the last state of {done.updated_tickets:,} tickets "
            f"(ordered {hist.order_words()}; created = each ticket's first created time); reopens and "
            f"reassignments counted from the history.")
