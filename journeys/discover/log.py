"""Import an event log into the stored form every Discover query reads, with a report like ticket imports.

``import_log(path, out_path)`` reads a CSV/Parquet/JSON/Excel/XES file (:mod:`.readers`), finds
the case, activity and timestamp columns (:mod:`.columns`, overridable) and writes one Parquet
file, written aside (``out_path + ".tmp"``) and moved into place only when complete, so a failed or
killed import leaves nothing or the previous file. Every failure to use the input ends in
:class:`LogImportError` with a clear message, never another exception.

The stored log (:data:`STORED_COLUMNS`, plus ``start_timestamp`` when events have start times) is
sorted by case, then timestamp (for logs with start times: start then completion as pm4py does, or
completion alone — :attr:`ImportOptions.order`, stated in the report), then the tie-breaker
column (numeric when its values are numbers), then file order, and numbered in that order
(``seq``), with dense integer codes for cases and activities (``case_idx``, ``activity_idx``).
Sorting once here is what makes the directly-follows graph cheap later: one window over integers
(:mod:`.dfg`). The activity names in code order and the case count are kept in the file's
metadata. Columns that play no role are kept as ``x_<name>`` text, usable as segments.

Rows are *rejected* (counted by reason, with examples) when the case id, the activity or the
timestamp is missing, the timestamp cannot be read or is impossible (before 1971, or more than a
day in the future), the line is malformed, or the row is identical in every column to an earlier
one (``duplicates="keep"`` keeps them, still counted; rows differing in anything, e.g. a lifecycle
``start`` vs ``complete``, are different events). Start/complete rows of an XES-style
``lifecycle:transition`` column are paired into one event with both times (:meth:`_Run._lifecycle`);
a start-time column is read beside the timestamp. Events of one case with
equal timestamps are *ties*: they are ordered by the tie-breaker column when there is one, else by
file order, and the report says which and how many.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import pyarrow as pa

from journeys.discover.import_report import ImportOptions, LogImportError, LogReport
from journeys.discover.log_columns import LogColumns, detect_columns
from journeys.discover.log_files import LogPreview, LogSource, open_source
from journeys.discover.log_files import inspect_log as _inspect
from journeys.errors import JourneysError, Problem
from journeys.files import fsync_path, workspace_tmp
from journeys.settings import ImportLimits, import_limits
from journeys.tickets import normalise as nz
from journeys.tickets.column_mapping import extra_name, norm
from journeys.tickets.export_files import malformed_reason, rejected_csv_lines, skip_bad_json_lines
from journeys.tickets.export_files import quote_ident as qi
from journeys.tickets.export_files import quote_str as qs

_log = logging.getLogger(__name__)
Progress = Callable[[str, float], None]
T = TypeVar("T")

FORMAT_KEY = "journeys.event_log"
ACTIVITIES_KEY = "journeys.activities"
CASES_KEY = "journeys.cases"
FORMAT_VERSION = "1"
STORED_COLUMNS = ("case_id", "activity", "timestamp", "resource", "case_idx", "activity_idx", "seq")
MAX_EXAMPLES = 3
FUTURE_SLACK = timedelta(days=1)
DUPLICATE = "duplicate row (identical in every column)"
BAD_START = "unparseable start timestamp"
LATE_START = "start after completion"
OTHER_TRANSITION = "lifecycle transition other than start or complete"
OPEN_START = "start without a completion"
LIFECYCLE_NAMES = frozenset({"lifecycle:transition", "lifecycle", "lifecycle transition", "transition"})
INSTANCE_NAMES = frozenset({"concept:instance", "lifecycle:instance", "activity instance"})
REPEAT = "repeated activity (same as the case's previous event)"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return (text.splitlines()[0] if text else type(exc).__name__)[:300]


def _clip(value: object, n: int = 60) -> str:
    text = str(value).replace("\n", " ").replace("\r", " ")
    return text if len(text) <= n else text[: n - 1] + "…"


def _guard(what: str, fn: Callable[[], T]) -> T:
    """Run an import; every failure becomes a LogImportError naming ``what``, never a traceback."""
    try:
        return fn()
    except LogImportError:
        raise
    except JourneysError as exc:
        raise LogImportError(exc.message, exc.problems) from None
    except duckdb.Error as exc:
        raise LogImportError("Could not read the event log", [Problem(what, _first_line(exc))]) from None
    except (OSError, UnicodeError, ValueError, pa.ArrowException, EOFError, zlib.error) as exc:
        raise LogImportError("Could not import the event log", [Problem(what, _first_line(exc))]) from None
    except Exception as exc:  # a bug of ours still ends in a clear message
        _log.exception("event-log import of %s failed unexpectedly", what)
        raise LogImportError("Could not import the event log (unexpected error, reported in the log)",
                             [Problem(what, f"{type(exc).__name__}: {_first_line(exc)}")]) from exc


def import_connection(workdir: Path) -> duckdb.DuckDBPyConnection:
    """A DuckDB of one import's own: UTC, bounded memory, spilling to ``workdir`` (an import sorts millions of rows)."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")
    con.execute(f"SET temp_directory = {qs(str(workdir / 'spill'))}")
    con.execute(f"SET memory_limit = {qs(import_limits().memory)}")
    return con


def inspect_log(path: Path | str, sample_rows: int = 20) -> LogPreview:
    """The file's columns, the proposed case/activity/timestamp columns and its first rows, before importing.

    Cheap (the first MiB, or the first events of an XES log); LogImportError when the file is unusable.
    """
    return _guard(Path(path).name, lambda: _inspect(path, sample_rows))


def import_log(path: Path | str, out_path: Path | str, columns: LogColumns | None = None,
               options: ImportOptions | None = None, progress: Progress | None = None,
               tmp_home: Path | None = None) -> LogReport:
    """Read the event log at ``path`` into ``out_path`` (the stored Parquet form) and report on it.

    ``columns`` names any role the detection gets wrong (unnamed roles are still detected). Work files
    go under ``tmp_home``'s ``tmp/`` folder (default: the workspace registered at start, see
    :func:`journeys.files.workspace_tmp`).
    """
    path, out_path = Path(path), Path(out_path)
    tmp = out_path.with_name(out_path.name + ".tmp")
    try:
        return _guard(path.name, lambda: _import_file(path, out_path, tmp, columns, options or ImportOptions(),
                                                      progress, tmp_home))
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def _import_file(path: Path, out_path: Path, tmp: Path, columns: LogColumns | None, options: ImportOptions,
                 progress: Progress | None, tmp_home: Path | None = None) -> LogReport:
    started = time.perf_counter()
    limits = _refuse_early(path, options)
    if progress:
        progress("reading", 0.0)
    with workspace_tmp(tmp_home, prefix="log-") as workdir:
        con = import_connection(workdir)
        try:
            src, run, malformed, reading = _read_until_settled(con, path, workdir, columns, options, limits)
            report = _source_report(path, src, reading, malformed)
            if progress:
                progress("sorting", 0.5)
            run.finish(tmp, report)
            _commit_file(tmp, out_path)
            report.output = str(out_path)
            report.seconds = time.perf_counter() - started
            if progress:
                progress("done", 1.0)
            return report
        finally:
            con.close()


def _refuse_early(path: Path, options: ImportOptions) -> ImportLimits:
    """Refuse invalid options and a file over the size limit before reading a byte; the limits in force."""
    if options.problems():
        raise LogImportError("The import options are not valid", options.problems())
    limits = import_limits()
    if path.is_file() and path.stat().st_size > limits.max_log_bytes:
        raise LogImportError("The file is too large to import",
                             [Problem(path.name, f"{path.stat().st_size / 2**30:.1f} GiB; the limit is "
                                                 f"{limits.max_log_bytes / 2**30:.1f} GiB (JOURNEYS_MAX_LOG_BYTES)")])
    return limits


@dataclass
class _Reading:
    """How the file is read this time; each re-read after a wrong guess changes one of these."""

    date_order: str
    fallback: bool = False  # lenient UTF-8: only the invalid bytes read as cp1252
    padding: bool = False  # lines with fewer fields than the header are padded
    newlines: bool = False  # mixed line ends: re-read with one
    bad_json: Any = None  # NDJSON lines that are not JSON, skipped
    unzipped: Path | None = None  # a compressed file unpacked once, read again from there


MAX_READS = 6  # a file needs at most one re-read per kind of guess


def _read_until_settled(con: duckdb.DuckDBPyConnection, path: Path, workdir: Path, columns: LogColumns | None,
                        options: ImportOptions, limits: ImportLimits
                        ) -> tuple[LogSource, _Run, list[tuple[Any, ...]], _Reading]:
    """Read the file, re-reading while a guess (encoding, padding, line ends, date order, bad lines) was wrong."""
    reading = _Reading(date_order=options.date_order)
    for attempt in range(MAX_READS):
        last = attempt == MAX_READS - 1
        src = open_source(con, path, workdir, max_events=limits.max_events, fallback_encoding=reading.fallback,
                          null_padding=reading.padding, rejects=f"rejects_{attempt}", unzipped=reading.unzipped,
                          newlines=reading.newlines, bad_json=reading.bad_json)
        if src.compressed and src.format != "xes":
            reading.unzipped = src.path
        run = _Run(con, src.sql, src.types, _columns(src, columns), options, reading.date_order, src.sample)
        try:
            run.build()
        except (duckdb.Error, pa.ArrowException, OSError) as exc:  # the ticket importer's re-reads
            if not last and _read_again_after(exc, con, src, reading):
                continue
            raise
        malformed = rejected_csv_lines(con, src.rejects_table, MAX_EXAMPLES)
        if src.info is not None and src.info.bad_json_lines:
            bad = src.info.bad_json_lines
            malformed.append(("NOT JSON", bad.lines, bad.first, ""))
        if not last and _read_again_for(malformed, src, run, reading):
            continue
        return src, run, malformed, reading
    raise AssertionError("unreachable: the last read returns or raises")


def _read_again_after(exc: BaseException, con: duckdb.DuckDBPyConnection, src: LogSource, reading: _Reading) -> bool:
    """After a failed read: whether skipping bad NDJSON lines or reading one line end may fix it (then set)."""
    if src.info is not None and skip_bad_json_lines(con, src.info, exc):
        reading.bad_json = src.info.bad_json_lines
        return True
    if src.format == "csv" and not reading.newlines and "invalid state" in str(exc):
        reading.newlines = True
        return True
    return False


def _read_again_for(malformed: list[tuple[Any, ...]], src: LogSource, run: _Run, reading: _Reading) -> bool:
    """After a read: whether its rejected lines or dates show a wrong guess (then set what to change)."""
    kinds = {et for et, *_ in malformed}
    retry = False
    if "INVALID ENCODING" in kinds and not reading.fallback and src.format == "csv":
        reading.fallback = retry = True
    if "MISSING COLUMNS" in kinds and not reading.padding and src.format == "csv":
        reading.padding = retry = True
    if run.wrong_date_order():
        reading.date_order, retry = "dayfirst", True
    return retry


def _source_report(path: Path, src: LogSource, reading: _Reading, malformed: list[tuple[Any, ...]]) -> LogReport:
    """The report's part about the file: format, encoding, warnings, lines rejected before parsing."""
    report = LogReport(source=str(path), format=src.format, encoding=src.encoding, delimiter=src.delimiter,
                       warnings=list(src.warnings))
    if src.info is not None and src.info.invalid_bytes:
        report.warnings.append(src.info.invalid_bytes.note())
    if reading.padding:
        report.warnings.append("Lines with fewer fields than the header were kept; their missing trailing "
                               "fields are empty.")
    for et, n, lines, text in malformed:
        reason = malformed_reason(et)
        report.rejected[reason] = report.rejected.get(reason, 0) + n
        report.examples.setdefault(reason, [f"line {ln}" + (f": {_clip(text)!r}" if text and i == 0 else "")
                                            for i, ln in enumerate(lines)])
    return report


def import_relation(con: duckdb.DuckDBPyConnection, sql: str, out_path: Path | str, columns: LogColumns,
                    options: ImportOptions | None = None, source: str = "tickets") -> LogReport:
    """Store the rows of ``sql`` (a relation on ``con``) as an event log: the path logs derived in SQL take.

    ``con`` should be a connection of the caller's own (its time zone is set to UTC here).
    """
    out_path = Path(out_path)
    tmp = out_path.with_name(out_path.name + ".tmp")

    def run() -> LogReport:
        started = time.perf_counter()
        con.execute("SET TimeZone = 'UTC'")
        probe = con.sql(f"SELECT * FROM {sql} LIMIT 0")
        types = dict(zip(probe.columns, probe.types, strict=True))
        problems = columns.problems(list(types))
        if problems:
            raise LogImportError("The columns do not fit", problems)
        opts = options or ImportOptions()
        if opts.problems():
            raise LogImportError("The import options are not valid", opts.problems())
        job = _Run(con, sql, types, columns, opts, opts.date_order, [])
        job.build()
        report = LogReport(source=source, format="table")
        job.finish(tmp, report)
        _commit_file(tmp, out_path)
        report.output = str(out_path)
        report.seconds = time.perf_counter() - started
        return report

    try:
        return _guard(source, run)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def _columns(src: LogSource, given: LogColumns | None) -> LogColumns:
    cols = detect_columns(src.columns).merged(given)
    problems = cols.problems(src.columns)
    if problems:
        missing = [p.where for p in problems if p.reason.startswith("no column")]
        what = ("This file has no column for the " + " and the ".join(missing)) if missing else \
            "The named columns do not fit this file"
        raise LogImportError(what, problems, LogReport(source=str(src.path), format=src.format,
                                                       encoding=src.encoding, delimiter=src.delimiter,
                                                       columns=cols, warnings=list(src.warnings)))
    return cols


def _commit_file(tmp: Path, out_path: Path) -> None:
    """Move the complete file into place atomically (readers see the previous file or this one)."""
    fsync_path(tmp)
    os.replace(tmp, out_path)
    fsync_path(out_path.parent)


class _Run:
    """One pass over a source relation: normalise into a temp table, count, dedupe, sort, write."""

    def __init__(self, con: duckdb.DuckDBPyConnection, sql: str, types: dict[str, Any], cols: LogColumns,
                 options: ImportOptions, date_order: str, sample: list[dict[str, str | None]]) -> None:
        self.con, self.sql, self.types, self.cols, self.options = con, sql, types, cols, options
        self.sample = sample
        self.date_order_arg = date_order
        self.date_note: str | None = None
        self.ctx = nz.Context(types=types, timezone=options.timezone, markers_nulled=False, now=datetime.now(UTC))
        self.extras = [c for c in types if c not in {cols.case, cols.activity, cols.timestamp, cols.resource,
                                                      cols.start}]
        self.has_start = cols.start is not None  # also set when lifecycle rows are paired (:meth:`_lifecycle`)
        self.evidence_first = True

    # --- pass 1: normalised rows with a rejection reason -------------------------------------------

    def _date_order(self) -> None:
        ts = self.cols.timestamp
        assert ts is not None
        if self.date_order_arg != "auto":
            self.ctx.date_order = self.date_order_arg
            return
        if self.sample and not nz.slash_dates(self.sample, [ts]):
            self.ctx.date_order, self.evidence_first = "monthfirst", False
            return
        ev = nz.date_order_evidence(self.con, self.sql, [ts], self.types)
        self.ctx.date_order, self.date_note = nz.decide_date_order(*ev)
        self.evidence_first = ev[0] > 12

    def build(self) -> None:
        self._date_order()
        cols, con = self.cols, self.con
        b = nz.SqlBuilder(self.ctx)
        ts_col = cols.timestamp
        assert ts_col is not None  # _columns refuses a file without one
        ts_alias = b.timestamp(ts_col)
        start_alias = b.timestamp(cols.start) if cols.start else "CAST(NULL AS TIMESTAMP)"
        numbered = f"(SELECT *, row_number() OVER () AS _row FROM {self.sql})"
        inner = b.nested(numbered, [*self.types, "_row"])

        def text(col: str | None) -> str:
            if col is None:
                return "CAST(NULL AS VARCHAR)"
            if b.kind(col) in {"list", "other"}:
                return f"CAST({qi(col)} AS VARCHAR)"
            return b.text(col)

        extras = "".join(f", {text(c)} AS {qi(extra_name(c))}" for c in self.extras)
        now = self.ctx.now.replace(tzinfo=None) + FUTURE_SLACK
        con.execute("DROP TABLE IF EXISTS _ev")
        # the raw timestamp text is kept only where it explains a rejection (an example in the report)
        start_checks = (f"WHEN _st_present AND ts_start IS NULL THEN '{BAD_START}' "
                        f"WHEN ts_start > ts THEN '{LATE_START}' " if cols.start else "")
        start_raw = b.raw_text(cols.start) if cols.start else "CAST(NULL AS VARCHAR)"
        start_present = b.present(cols.start) if cols.start else "false"
        con.execute(
            f"CREATE TEMP TABLE _ev AS SELECT * EXCLUDE (_ts_present, _ts_raw, _st_raw, _st_present), "
            f"CASE WHEN _rej IN "
            f"('unparseable timestamp', 'impossible timestamp (before 1971)', 'impossible timestamp (in the future)') "
            f"THEN _ts_raw WHEN _rej IN ('{BAD_START}', '{LATE_START}') THEN _st_raw END AS _ts_raw "
            f"FROM (SELECT *, CASE "
            f"WHEN case_id IS NULL THEN 'missing case id' "
            f"WHEN activity IS NULL THEN 'missing activity' "
            f"WHEN NOT _ts_present THEN 'missing timestamp' "
            f"WHEN ts IS NULL THEN 'unparseable timestamp' "
            f"WHEN ts < TIMESTAMP '1971-01-01' THEN 'impossible timestamp (before 1971)' "
            f"WHEN ts > TIMESTAMP '{now:%Y-%m-%d %H:%M:%S}' THEN 'impossible timestamp (in the future)' "
            f"{start_checks}END AS _rej "
            f"FROM (SELECT _row, {text(cols.case)} AS case_id, {text(cols.activity)} AS activity, "
            f"{ts_alias} AS ts, {b.present(ts_col)} AS _ts_present, {b.raw_text(ts_col)} AS _ts_raw, "
            f"{start_alias} AS ts_start, {start_raw} AS _st_raw, {start_present} AS _st_present, "
            f"{text(cols.resource)} AS resource, {text(cols.tiebreak)} AS _tb{extras} FROM {inner}))")

    def wrong_date_order(self) -> bool:
        """Month-first was assumed from the first rows, but unparseable values further down are day-first."""
        if self.date_order_arg != "auto" or self.ctx.date_order != "monthfirst" or self.evidence_first:
            return False
        values = [r[0] for r in self.con.execute(
            "SELECT _ts_raw FROM _ev WHERE _rej = 'unparseable timestamp' LIMIT 1000").fetchall()]
        if nz.proves_dayfirst(values):
            self.date_note = ("Dates were read day-first (DD/MM): some rows further down the file have a first "
                              "field above 12.")
            return True
        return False

    # --- pass 2: report, dedupe, sort, write --------------------------------------------------------

    def finish(self, tmp: Path, report: LogReport) -> None:
        """Count what was rejected, give cases and activities integer codes, drop duplicates, write sorted.

        Every sort and window after the codes are assigned runs on integers (case, activity, time,
        row): sorting millions of rows by text keys was most of an import's time.
        """
        con, cols, opts = self.con, self.cols, self.options
        report.columns, report.timezone, report.date_order = cols, opts.timezone, self.ctx.date_order
        if self.date_note:
            report.warnings.append(self.date_note)
        (rows,) = con.execute("SELECT count(*) FROM _ev").fetchall()[0]
        report.rows_read = int(rows) + sum(report.rejected.values())  # + malformed lines counted before
        for reason, n, row_numbers, raws in con.execute(
                f"SELECT _rej, count(*), list(_row ORDER BY _row)[1:{MAX_EXAMPLES}], "
                f"list(_ts_raw ORDER BY _row)[1:{MAX_EXAMPLES}] FROM _ev WHERE _rej IS NOT NULL GROUP BY _rej"
        ).fetchall():
            report.rejected[reason] = int(n)
            report.examples[reason] = [f"row {r}" + (f": {_clip(v)!r}" if v is not None else "")
                                       for r, v in zip(row_numbers, raws, strict=True)]
        max_events = import_limits().max_events
        if max_events and rows > max_events:
            raise LogImportError(f"The log has more than {max_events:,} events, more than this workspace imports",
                                 [Problem("file", "filter the log before importing it, or raise JOURNEYS_MAX_EVENTS")])
        # dense codes in name order (duplicates and repeats dropped below never remove a case's or an
        # activity's last event, so the codes stay dense)
        for table, column, code in (("_cases", "case_id", "case_idx"), ("_acts", "activity", "activity_idx")):
            con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT {column}, "
                        f"(row_number() OVER (ORDER BY {column}) - 1)::INTEGER AS {code} "
                        f"FROM (SELECT DISTINCT {column} FROM _ev WHERE _rej IS NULL)")
        con.execute("CREATE OR REPLACE TEMP TABLE _k AS SELECT c.case_idx, a.activity_idx, "
                    "e.* EXCLUDE (_rej, _ts_raw) FROM _ev AS e JOIN _cases AS c USING (case_id) "
                    "JOIN _acts AS a USING (activity) WHERE e._rej IS NULL")
        con.execute("DROP TABLE _ev")
        self._duplicates(report)
        self._lifecycle(report)
        if opts.collapse_repeats:
            self._repeats(report)
        report.rows_rejected = sum(report.rejected.values())
        kept, first, last = con.execute("SELECT count(*), min(ts), max(ts) FROM _k").fetchall()[0]
        report.rows_kept = int(kept)
        report.cases = int(con.execute("SELECT count(*) FROM _cases").fetchall()[0][0]) if kept else 0
        report.activities = int(con.execute("SELECT count(*) FROM _acts").fetchall()[0][0]) if kept else 0
        report.first = first.replace(tzinfo=UTC) if first else None
        report.last = last.replace(tzinfo=UTC) if last else None
        report.extras = [extra_name(c) for c in self.extras]
        report.tie_rule = (f"the tie-breaker column '{cols.tiebreak}' (as numbers when they are), then file order"
                           if cols.tiebreak else "file order")
        report.intervals, report.order = self.has_start, self._order_kind()
        if kept == 0:
            reason = "The file has no events" if report.rows_read == 0 else "No event could be used"
            problems = [Problem(r, f"{n:,} row(s)") for r, n in report.rejected.items()]
            raise LogImportError(reason, problems, report)
        keys = "case_idx, coalesce(ts_start, ts), ts" if report.order == "start" else "case_idx, ts"
        groups, tied = con.execute(f"SELECT count(*), coalesce(sum(n), 0) FROM (SELECT count(*) AS n FROM _k "
                                   f"GROUP BY {keys} HAVING count(*) > 1)").fetchall()[0]
        report.ties, report.tie_groups = int(tied), int(groups)
        if tied:
            first_key = "coalesce(ts_start, ts)" if report.order == "start" else "ts"
            ex = con.execute(f"SELECT any_value(case_id), any_value({first_key}), count(*) FROM _k GROUP BY {keys} "
                             f"HAVING count(*) > 1 ORDER BY min(_row) LIMIT {MAX_EXAMPLES}").fetchall()
            report.tie_examples = [f"case {_clip(c, 30)!r}: {n} events at {t:%Y-%m-%d %H:%M:%S}" for c, t, n in ex]
        self._write(tmp, report)

    def _duplicates(self, report: LogReport) -> None:
        """Count rows identical in every column to an earlier row of the file; drop them unless told to keep.

        Rows that differ in anything — the lifecycle transition (start vs complete), the resource, the
        tie-breaker, any kept attribute — are different events, never duplicates: two events of a case at
        the same time are *ties* (ordered and reported, see :meth:`finish`).
        """
        con = self.con
        key = ", ".join(qi(c) for c in self._row_columns())
        (dups,) = con.execute(f"SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM _k "
                              f"GROUP BY {key} HAVING count(*) > 1)").fetchall()[0]
        keep = self.options.duplicates == "keep"
        report.duplicates, report.duplicates_kept = int(dups), keep
        if not dups:
            return
        con.execute(f"CREATE OR REPLACE TEMP TABLE _dups AS SELECT _row FROM (SELECT _row, row_number() OVER "
                    f"(PARTITION BY {key} ORDER BY _row) AS n FROM _k) WHERE n > 1")
        ex = con.execute(f"SELECT case_id, activity, ts FROM _k SEMI JOIN _dups USING (_row) ORDER BY _row "
                         f"LIMIT {MAX_EXAMPLES}").fetchall()
        examples = [f"case {_clip(c, 30)!r}, {_clip(a, 30)!r} at {t:%Y-%m-%d %H:%M:%S}" for c, a, t in ex]
        if keep:
            report.warnings.append(f"{dups:,} duplicate row(s) (identical in every column) kept, "
                                   f"e.g. {'; '.join(examples)}.")
            return
        con.execute("DELETE FROM _k WHERE _row IN (SELECT _row FROM _dups)")
        report.rejected[DUPLICATE] = int(dups)
        report.examples[DUPLICATE] = examples

    def _row_columns(self) -> list[str]:
        """The columns of a row as read (codes and file position left out): equal in all of them = a duplicate."""
        names = [r[0] for r in self.con.execute("DESCRIBE _k").fetchall()]
        return [c for c in names if c not in {"_row", "case_idx", "activity_idx"}]

    def _lifecycle(self, report: LogReport) -> None:
        """Pair the start and complete rows of an activity instance into one event with both times.

        XES logs (and CSV exports of them) record an activity's transitions as rows with a
        ``lifecycle:transition`` of ``start``/``complete`` (the IEEE 1849 lifecycle extension; a row
        without one is a completion). Paired as pm4py's ``interval_lifecycle.to_interval`` pairs them: per
        case, activity and ``concept:instance`` (when the log has it), each completion takes the earliest
        start not yet taken (first in, first out — here in time order, then file order); a completion with
        no start open is an instant event (start = completion). Left out and counted: starts never
        completed, and the other transitions (schedule, assign, suspend, resume …), which are not
        activity instances. The pairs keep the completion row's attributes (its resource, else the start's).
        Nothing happens unless the log has both starts and completions.
        """
        con = self.con
        column = next((c for c in self.extras if norm(c) in LIFECYCLE_NAMES), None)
        if column is None:
            return
        lc = f"lower(trim({qi(extra_name(column))}))"
        values = {r[0] for r in con.execute(f"SELECT DISTINCT {lc} FROM _k LIMIT 100").fetchall()}
        if not {"start", "complete"} <= values:
            return
        if self.cols.start:
            report.warnings.append(f"The log has a start-time column ('{self.cols.start}') and {extra_name(column)} "
                                   f"rows; the start column was used and the rows were not paired.")
            return
        instance = next((c for c in self.extras if norm(c) in INSTANCE_NAMES), None)
        inst = qi(extra_name(instance)) if instance else "NULL"
        con.execute(f"CREATE OR REPLACE TEMP TABLE _lc AS SELECT _row, case_idx, activity_idx, {inst} AS inst, "
                    f"CASE WHEN {lc} IS NULL OR {lc} = 'complete' THEN 'c' WHEN {lc} = 'start' THEN 's' ELSE 'o' END "
                    f"AS kind, ts, _tb, resource, {lc} AS lc FROM _k")
        self._drop_rows(report, "SELECT _row, lc FROM _lc WHERE kind = 'o'", OTHER_TRANSITION, with_value=True)
        # a FIFO queue of starts per (case, activity, instance): d = starts - completions so far; the running
        # minimum of d below 0 counts completions that found the queue empty; every other completion takes
        # the start whose rank equals its own rank among the matched completions
        tb = "try_cast(_tb AS DOUBLE) NULLS LAST, _tb NULLS LAST, " if self.cols.tiebreak else ""
        w = f"WINDOW w AS (PARTITION BY case_idx, activity_idx, inst ORDER BY ts, kind DESC, {tb}_row)"
        con.execute(f"CREATE OR REPLACE TEMP TABLE _lw AS SELECT *, lag(m, 1, 0) OVER w > m AS lone, "
                    f"c_rank + m AS k FROM (SELECT *, least(0, min(d) OVER w) AS m FROM (SELECT *, "
                    f"sum(CASE WHEN kind = 's' THEN 1 ELSE -1 END) OVER w AS d, "
                    f"count(*) FILTER (WHERE kind = 's') OVER w AS s_rank, "
                    f"count(*) FILTER (WHERE kind = 'c') OVER w AS c_rank FROM _lc WHERE kind <> 'o' {w}) {w}) {w}")
        con.execute("CREATE OR REPLACE TEMP TABLE _pairs AS SELECT c._row AS c_row, s._row AS s_row, s.ts AS s_ts, "
                    "s.resource AS s_res FROM (SELECT * FROM _lw WHERE kind = 'c' AND NOT lone) AS c JOIN "
                    "(SELECT * FROM _lw WHERE kind = 's') AS s ON c.case_idx = s.case_idx AND c.activity_idx = "
                    "s.activity_idx AND c.inst IS NOT DISTINCT FROM s.inst AND s.s_rank = c.k")
        self._drop_rows(report, "SELECT _row, NULL AS lc FROM _lw WHERE kind = 's' AND _row NOT IN "
                                "(SELECT s_row FROM _pairs)", OPEN_START)
        con.execute("UPDATE _k SET ts_start = p.s_ts, resource = coalesce(_k.resource, p.s_res) FROM _pairs AS p "
                    "WHERE _k._row = p.c_row")
        (pairs,) = con.execute("SELECT count(*) FROM _pairs").fetchall()[0]
        (lone,) = con.execute("SELECT count(*) FROM _lw WHERE kind = 'c' AND lone").fetchall()[0]
        con.execute("DELETE FROM _k WHERE _row IN (SELECT s_row FROM _pairs)")
        self._recode()
        self.has_start = True
        self.extras.remove(column)
        report.lifecycle_column, report.lifecycle_pairs = extra_name(column).removeprefix("x_"), int(pairs)
        report.warnings.append(
            f"The log records when activities start and when they complete ({column}): {pairs:,} start/complete "
            f"pair(s) became one event each with both times"
            + (f"; {lone:,} completion(s) without a start are instant events" if lone else "") + ".")

    def _drop_rows(self, report: LogReport, sql: str, reason: str, with_value: bool = False) -> None:
        """Delete the rows ``sql`` selects (``_row``, ``lc``) from ``_k``, counted under ``reason`` with examples."""
        con = self.con
        con.execute(f"CREATE OR REPLACE TEMP TABLE _drop AS {sql}")
        (n,) = con.execute("SELECT count(*) FROM _drop").fetchall()[0]
        if not n:
            return
        ex = con.execute(f"SELECT k.case_id, k.activity, d.lc FROM _k AS k JOIN _drop AS d USING (_row) "
                         f"ORDER BY k._row LIMIT {MAX_EXAMPLES}").fetchall()
        report.rejected[reason] = report.rejected.get(reason, 0) + int(n)
        report.examples[reason] = [f"case {_clip(c, 30)!r}, {_clip(a, 30)!r}" + (f": {_clip(v, 20)!r}" if with_value
                                                                               else "") for c, a, v in ex]
        con.execute("DELETE FROM _k WHERE _row IN (SELECT _row FROM _drop)")

    def _recode(self) -> None:
        """Dense case and activity codes again after whole cases or activities may have been left out."""
        con = self.con
        for table, column, code in (("_cases", "case_id", "case_idx"), ("_acts", "activity", "activity_idx")):
            con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT {column}, "
                        f"(row_number() OVER (ORDER BY {column}) - 1)::INTEGER AS {code} "
                        f"FROM (SELECT DISTINCT {column} FROM _k)")
        con.execute("CREATE OR REPLACE TEMP TABLE _k2 AS SELECT c.case_idx, a.activity_idx, "
                    "k.* EXCLUDE (case_idx, activity_idx) FROM _k AS k JOIN _cases AS c USING (case_id) "
                    "JOIN _acts AS a USING (activity)")
        con.execute("DROP TABLE _k")
        con.execute("ALTER TABLE _k2 RENAME TO _k")

    def _repeats(self, report: LogReport) -> None:
        """Drop events whose activity equals their case's previous event's (status histories)."""
        con = self.con
        con.execute(f"CREATE OR REPLACE TEMP TABLE _rep AS SELECT _row FROM (SELECT _row, activity_idx = "
                    f"lag(activity_idx) OVER (PARTITION BY case_idx ORDER BY {self._order()}) AS same FROM _k) "
                    f"WHERE same")
        (reps,) = con.execute("SELECT count(*) FROM _rep").fetchall()[0]
        if not reps:
            return
        ex = con.execute(f"SELECT case_id, activity FROM _k SEMI JOIN _rep USING (_row) ORDER BY _row "
                         f"LIMIT {MAX_EXAMPLES}").fetchall()
        con.execute("DELETE FROM _k WHERE _row IN (SELECT _row FROM _rep)")
        report.rejected[REPEAT] = int(reps)
        report.examples[REPEAT] = [f"case {_clip(c, 30)!r}: {_clip(a, 30)!r}" for c, a in ex]
        report.repeats_collapsed = int(reps)

    def _order_kind(self) -> str:
        """``start`` or ``complete`` for logs with start times (the option), ``time`` for one-time logs."""
        return self.options.order if self.has_start else "time"

    def _order(self) -> str:
        """Event order within a case, then tie-breaker (numeric when it is), then file order.

        By start time then completion time (what pm4py's ``discover_dfg`` sorts by when a log has
        ``start_timestamp``), or by completion time alone (pm4py on a log without start times); one
        time for logs without start times.
        """
        tb = "try_cast(_tb AS DOUBLE) NULLS LAST, _tb NULLS LAST, " if self.cols.tiebreak else ""
        first = "coalesce(ts_start, ts), " if self._order_kind() == "start" else ""
        return f"{first}ts, {tb}_row"

    def _write(self, tmp: Path, report: LogReport) -> None:
        """The stored file: numbered in (case, event order) by a narrow integer sort, written in that order."""
        con = self.con
        names = [r[0] for r in con.execute("SELECT activity FROM _acts ORDER BY activity_idx").fetchall()]
        con.execute(f"CREATE OR REPLACE TEMP TABLE _seq AS SELECT _row, "
                    f"(row_number() OVER (ORDER BY case_idx, {self._order()}) - 1)::BIGINT AS seq FROM _k")
        extras = "".join(f", k.{qi(extra_name(c))}" for c in self.extras)
        meta = (f"KV_METADATA {{{qs(FORMAT_KEY)}: {qs(FORMAT_VERSION)}, {qs(CASES_KEY)}: {qs(str(report.cases))}, "
                f"{qs(ACTIVITIES_KEY)}: {qs(json.dumps(names, ensure_ascii=False))}}}")
        start = ", CAST(coalesce(k.ts_start, k.ts) AS TIMESTAMPTZ) AS start_timestamp" if self.has_start else ""
        con.execute(
            f"COPY (SELECT k.case_id, k.activity, CAST(k.ts AS TIMESTAMPTZ) AS \"timestamp\", k.resource, "
            f"k.case_idx, k.activity_idx, s.seq{start}{extras} FROM _k AS k JOIN _seq AS s USING (_row) "
            f"ORDER BY s.seq) "
            f"TO {qs(str(tmp))} (FORMAT parquet, PARQUET_VERSION v2, {meta})")
        con.execute("DROP TABLE IF EXISTS _k")
