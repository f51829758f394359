"""Tickets on a journey: a dataset version, mapped to steps by a rule set, as an Ibis table.

The one place where a dataset, its mapping rules and the metric catalogue
meet, so the Friction page, the CLI and a notebook compute identical numbers.
The mapped tickets are materialised once per (dataset version, rules version)
as a DuckDB table; metrics then run on it through Ibis.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import ibis
import pandas as pd

from journeys.metrics import utc_timestamp, value_filter, with_repeat_flag
from journeys.model import Journey
from journeys.tickets.datasets import DatasetVersion
from journeys.tickets.rules import RuleSet, mapped_table, mapping_warnings, rules_to_json, sql_string


@dataclass(frozen=True)
class MappedTickets:
    """Tickets of one dataset version with ``journey_step`` filled by the rules."""

    table: ibis.Table
    connection: duckdb.DuckDBPyConnection
    relation_name: str
    dataset: DatasetVersion
    rules_version: int
    warnings: tuple[str, ...] = ()  # rules skipped because they cannot run here, each with why


MAPPED_FOLDER = "mapped"  # beside a dataset's versions: its tickets mapped by one rule set, kept on disk
KEEP_MAPPED = 12  # mapped files kept per dataset (newest first); older ones are rebuilt when asked for
JOINED_FOLDER = "joined"  # beside a dataset's versions: its tickets with one topic assignment joined on
KEEP_JOINED = 6  # joined files kept per dataset (most recently used first)
JOINED_ROW_GROUP = 50_000  # rows per Parquet row group: a topic's query skips the groups of other topics


class TicketEngine:
    """One in-process DuckDB over the mapped ticket tables a process has asked for.

    Mapping a dataset (rules, then the repeat-contact window) costs seconds on a million tickets,
    so the result is written once as Parquet beside the dataset, named by the content it derives
    from (dataset version, rules, journey steps): a new server, the CLI and every page reuse it, and
    a changed rule simply names a new file. Files are written aside and renamed into place, so
    concurrent processes never read a half-written one.

    DuckDB connections are not thread-safe, and since DuckDB 1.4 a busy one refuses a second caller
    ("connection is busy with another call") instead of waiting. Ibis runs every query on the connection
    it was given, so each thread (each Streamlit script run, a callback while an older run still
    queries) gets its own cursor of the one in-memory database and its own Ibis backend on it; the
    mapped views live in that database's catalog, visible to every cursor. Materialising a mapped
    table is serialised by a lock.
    """

    def __init__(self) -> None:
        self._con = duckdb.connect()
        self._lock = threading.Lock()
        self._threads = threading.local()

    @property
    def _ibis(self) -> ibis.BaseBackend:
        """This thread's Ibis backend, on this thread's cursor (created on first use)."""
        backend = getattr(self._threads, "ibis", None)
        if backend is None:
            backend = ibis.duckdb.from_connection(self._con.cursor())
            self._threads.ibis = backend
        return backend

    def mapped(self, dataset: DatasetVersion, rule_set: RuleSet, journey: Journey,
               topics: Path | None = None) -> MappedTickets:
        """The dataset's tickets mapped to the journey's steps, with the repeat-contact flag (built on first use).

        ``topics``: the version's current topic assignment file; its ``topic``, ``subtopic`` and ``language``
        columns are joined on first (:func:`ticket_source`), so a rule can test ``topic``. Its name is in the
        file's key: a curation writes a new assignment file, and the tickets are mapped again."""
        key = hashlib.sha1("\x1f".join([
            str(dataset.version), rules_to_json(rule_set.rules), ",".join(journey.step_ids()),
            *([topics.name] if topics is not None else []),
        ]).encode()).hexdigest()[:16]
        path = Path(dataset.path).parent / MAPPED_FOLDER / f"v{dataset.version}-{key}.parquet"
        # The view is named by the file, not the content key alone: two workspaces (or two test folders) with
        # the same rules and dataset version must not share a view in this process.
        name = f"mapped_{hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:16]}"
        backend = self._ibis
        con = backend.con  # this thread's cursor
        with self._lock:
            exists = con.execute(
                "SELECT count(*) FROM duckdb_views() WHERE view_name = ?", [name]).fetchall()[0][0]
            if not exists:
                if not path.is_file():
                    self._write_mapped(ticket_source(dataset, topics), rule_set, journey, path)
                else:
                    with contextlib.suppress(OSError):
                        os.utime(path)  # recently used: pruned last
                con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet({sql_string(str(path))})")
            warnings = tuple(mapping_warnings(con, ticket_source(dataset, topics), rule_set, journey))
        return MappedTickets(backend.table(name), con, name, dataset, rule_set.version, warnings)

    def _write_mapped(self, source: Path, rule_set: RuleSet, journey: Journey, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        staging = f"staging_{uuid.uuid4().hex}"
        backend = self._ibis
        mapped_table(backend.con, source, rule_set, journey).create_view(staging)
        tmp = path.with_name(f".{path.stem}-{uuid.uuid4().hex}.tmp")
        try:
            backend.to_parquet(with_repeat_flag(backend.table(staging)), tmp)
            os.replace(tmp, path)
        finally:
            backend.con.execute(f"DROP VIEW IF EXISTS {staging}")
            tmp.unlink(missing_ok=True)
        _prune(path.parent)

    def tickets(self, dataset: DatasetVersion, topics: Path | None = None) -> ibis.Table:
        """The dataset version's tickets as stored (not mapped to a journey), as an Ibis table on this engine.

        For figures that need no journey (metrics by group, business-hours coverage, topics) and for a
        dataset's columns; a view over the Parquet file, so nothing is copied. ``topics``: a topic
        assignment file of the version (:mod:`journeys.topics.storage`), whose ``topic``, ``subtopic``
        and ``language`` columns are joined on by ticket id (null where a ticket has no topic).
        """
        if topics is None:
            return self._ibis.read_parquet(str(dataset.path))
        backend = self._ibis
        with self._lock:  # one view per joined file, made once: a warm page's query reads the file, nothing else
            source = ticket_source(dataset, topics)
            name = f"tickets_{hashlib.sha1(str(Path(source).resolve()).encode()).hexdigest()[:16]}"
            tables = self._threads.__dict__.setdefault("tables", {})  # this thread's Ibis tables by view name
            if name not in tables:  # reading a view's schema costs ~15 ms a call
                backend.con.execute(f"CREATE VIEW IF NOT EXISTS {name} AS SELECT * FROM read_parquet("
                                    f"{sql_string(str(source))})")
                tables[name] = backend.table(name)
        return tables[name]

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor of the engine's DuckDB for one thread's ad-hoc queries (rule previews, reports)."""
        return self._con.cursor()

    def close(self) -> None:
        self._con.close()


def ticket_source(dataset: DatasetVersion, topics: Path | None = None) -> Path:
    """What the tickets are read from: the version's Parquet file, or with a topic assignment file a query that
    LEFT JOINs its ``topic``, ``subtopic`` and ``language`` on ticket id (null where a ticket has none).

    The one place the two files meet: :meth:`TicketEngine.tickets`, :meth:`TicketEngine.mapped` and the rule
    counts read the same columns. The join is materialised once per assignment file (:func:`joined_tickets`)."""
    if topics is None:
        return Path(dataset.path)
    return joined_tickets(dataset, topics)


def joined_tickets(dataset: DatasetVersion, topics: Path) -> Path:
    """The version's tickets with the assignment's columns joined on, written once as Parquet beside the dataset.

    Joining a million tickets costs ~0.5 s a query; every Topics page interaction queried it again. The file
    is named by the version and the assignment file (itself named by its content), written aside and renamed
    into place, sorted by topic so a query for one topic reads only its row groups; the least recently used
    are pruned like the mapped files."""
    key = hashlib.sha1(f"{dataset.version}\x1f{topics.name}".encode()).hexdigest()[:16]
    path = Path(dataset.path).parent / JOINED_FOLDER / f"v{dataset.version}-{key}.parquet"
    if path.is_file():
        with contextlib.suppress(OSError):
            os.utime(path)  # recently used: pruned last
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}-{uuid.uuid4().hex}.tmp")
    query = (f"SELECT t.*, a.topic, a.subtopic, a.language FROM read_parquet({sql_string(str(dataset.path))}) t "
             f"LEFT JOIN read_parquet({sql_string(str(topics))}) a ON t.ticket_id = a.ticket_id "
             "ORDER BY a.topic NULLS LAST, t.created_at, t.ticket_id")
    con = duckdb.connect()
    try:
        con.execute(f"COPY ({query}) TO {sql_string(str(tmp))} (FORMAT parquet, ROW_GROUP_SIZE {JOINED_ROW_GROUP})")
        os.replace(tmp, path)
    finally:
        con.close()
        tmp.unlink(missing_ok=True)
    _prune(path.parent, KEEP_JOINED)
    return path


def _prune(folder: Path, keep: int = KEEP_MAPPED) -> None:
    """Delete all but the ``keep`` most recently used mapped files (a process still reading one keeps its handle)."""
    files = sorted(folder.glob("v*-*.parquet"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in files[keep:]:
        with contextlib.suppress(OSError):
            old.unlink()


EXAMPLE_COLUMNS = ("ticket_id", "created_at", "channel", "subject", "tags", "status", "csat", "reopens", "escalated")


# Columns offered as segments: the canonical ones a team slices by, plus short text extras.
SEGMENT_COLUMNS = ("group", "priority", "category", "handled_by", "variant")
MAX_SEGMENT_VALUES = 60


@dataclass(frozen=True)
class TicketSlice:
    """Which tickets a view looks at: a date range on ``created_at`` (end exclusive), channels, one segment.

    Hashable, so pages can key caches on it; empty means "all tickets".
    """

    start: datetime | None = None
    end: datetime | None = None
    channels: tuple[str, ...] = ()
    segment: str | None = None
    segment_values: tuple[str, ...] = ()

    def filters(self) -> dict[str, list[Any]]:
        """Column → allowed values, as :func:`journeys.metrics.compute` takes them."""
        chosen: dict[str, list[Any]] = {}
        if self.channels:
            chosen["channel"] = list(self.channels)
        if self.segment and self.segment_values:
            chosen[self.segment] = list(self.segment_values)
        return chosen

    def kwargs(self) -> dict[str, Any]:
        """``start``, ``end`` and ``filters`` for compute() and friction()."""
        return {"start": self.start, "end": self.end, "filters": self.filters()}

    def describe(self, dates: bool = True) -> str:
        """The slice in words for captions and exports ("all tickets" when nothing is filtered).

        Dates read inclusively ("created 2026-01-01 to 2026-03-31"); ``dates=False`` leaves them
        out, for captions that show the period already.
        """
        parts = []
        if dates and (self.start or self.end):
            first = f"{self.start:%Y-%m-%d}" if self.start else "the first ticket"
            last = f"{self.end - timedelta(microseconds=1):%Y-%m-%d}" if self.end else "the last ticket"
            parts.append(f"created {first} to {last}")
        if self.channels:
            parts.append("channel " + " or ".join(self.channels))
        if self.segment and self.segment_values:
            parts.append(f"{self.segment.removeprefix('x_')} " + " or ".join(self.segment_values))
        return ", ".join(parts) or "all tickets"


@dataclass(frozen=True)
class SliceChoices:
    """What a user can filter a dataset by: its date span and the values of each segment column."""

    first: datetime | None
    last: datetime | None
    channels: list[str] = field(default_factory=list)
    segments: dict[str, list[str]] = field(default_factory=dict)


def slice_choices(mapped: MappedTickets, max_values: int = MAX_SEGMENT_VALUES) -> SliceChoices:
    """Date span, channels and segment columns (≤ ``max_values`` distinct values, most frequent first)."""
    t = mapped.table
    span = t.aggregate(first=t.created_at.min(), last=t.created_at.max()).execute().iloc[0]
    candidates = [c for c in t.columns if c in SEGMENT_COLUMNS or (c.startswith("x_") and t[c].type().is_string())]

    def values(column: str) -> list[str] | None:
        present = t.filter(t[column].notnull())
        counted = (present.group_by(column).aggregate(n=present.count())
                   .order_by([ibis.desc("n"), column]).limit(max_values + 1).execute())
        found = [str(v) for v in counted[column] if str(v).strip()]
        return found if 0 < len(found) <= max_values else None

    segments = {c: v for c in candidates if (v := values(c)) and len(v) > 1}
    channels = values("channel") or [] if "channel" in t.columns else []

    def stamp(value: Any) -> datetime | None:
        return None if value is None or pd.isna(value) else pd.Timestamp(value).to_pydatetime()

    return SliceChoices(stamp(span["first"]), stamp(span["last"]), channels, segments)


def _sliced(mapped: MappedTickets, where: TicketSlice | None) -> ibis.Table:
    """The mapped table restricted to a slice, by the same predicates compute() applies."""
    t = mapped.table
    if where is None:
        return t
    start, end = utc_timestamp(where.start), utc_timestamp(where.end)
    if start is not None:
        t = t.filter(t.created_at >= start)
    if end is not None:
        t = t.filter(t.created_at < end)
    for column, allowed in where.filters().items():
        t = t.filter(value_filter(t[column], allowed))
    return t


def example_tickets(mapped: MappedTickets, step: str, limit: int = 50,
                    where: TicketSlice | None = None) -> pd.DataFrame:
    """The newest tickets on a step in a slice, for reading what customers wrote (text, never HTML)."""
    t = _sliced(mapped, where)
    columns = [c for c in EXAMPLE_COLUMNS if c in t.columns]
    return (t.filter(t.journey_step == step).order_by(ibis.desc("created_at")).select(*columns)
            .limit(limit).execute())


def unmapped_share(mapped: MappedTickets, where: TicketSlice | None = None) -> tuple[int, int]:
    """(tickets, tickets on no step) of the mapped dataset, or of a slice of it."""
    t = _sliced(mapped, where)
    row = t.aggregate(n=t.count(), unmapped=t.journey_step.isnull().sum()).execute().iloc[0]
    return int(row["n"]), int(row["unmapped"] or 0)
