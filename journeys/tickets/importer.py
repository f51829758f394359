"""Import a help-desk export into a normalised Parquet file in the canonical schema, with a report.

``import_file(path, out_path)`` is the one entry point pages, the CLI and notebooks
use. It sniffs the file (:mod:`~journeys.tickets.export_files`), proposes or takes a
column mapping (:mod:`~journeys.tickets.column_mapping`), builds one normalising query
(:mod:`~journeys.tickets.normalise`) and streams its result, in Arrow batches, into
a Parquet writer. Why a stream rather than ``COPY … TO``: the rejected rows, the
values set to null and their examples are read off helper columns of the *same*
pass (a second scan of a 1M-row CSV would cost more than the whole budget), and
the file is written with exactly :func:`journeys.tickets.canonical.arrow_schema`
(``ticket_id`` and ``created_at`` non-nullable), which DuckDB's writer cannot
declare. DuckDB still does all per-row work; Python only sees whole batches.

Safety: the Parquet file is written to ``out_path + ".tmp"`` and moved into place
with ``os.replace`` only when complete, so a killed import leaves either nothing
or the previous complete file. Work files (a decoded copy, DuckDB's spill, an
Excel sheet as Parquet) live in a folder under the workspace
(:func:`journeys.files.workspace_tmp`), removed afterwards or, after a kill, by the
next start's sweep. Every failure to use the input ends in
:class:`TicketImportError` (with a report when rows were read), never another
exception.

Rows are *rejected* (counted by reason, with example row numbers) when the id is
missing or repeats (the first row of an id is kept — unless the file is a one-row-per-update log,
see :mod:`~journeys.tickets.history`, which is collapsed to each ticket's last state), or ``created_at`` is
missing, unparseable or impossible (before 1971, or in the future); malformed
CSV lines are rejected by the reader with their line numbers. Values that cannot
be used (a negative duration, a word in a number column) become null and are
counted per column. Columns the mapping does not use are kept as ``x_<name>``
text extras and listed in the report.
"""

from __future__ import annotations

import contextlib
import csv
import logging
import os
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from dataclasses import replace as _replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from journeys.errors import JourneysError, Problem
from journeys.files import fsync_path, workspace_tmp
from journeys.settings import import_limits
from journeys.tickets import history as hx
from journeys.tickets import normalise as nz
from journeys.tickets.canonical import NAMES, REQUIRED, arrow_schema
from journeys.tickets.column_mapping import (
    DATE_ORDERS,
    TRANSFORMS,
    ColumnMapping,
    FieldMap,
    argument_columns,
    parse_transform,
    propose_mapping,
    valid_zone,
)
from journeys.tickets.export_files import (
    DUPLICATE_NAMES,
    Relation,
    SourceError,
    SourceInfo,
    malformed_reason,
    other_sheets,
    prepare_csv,
    rejected_csv_lines,
    rejected_sentence,
    relation,
    skip_bad_json_lines,
    sniff,
)
from journeys.tickets.export_files import quote_str as qs
from journeys.tickets.masking import FREE_TEXT, KINDS, mask_table, mask_text, masked_sentence, text_columns

_log = logging.getLogger(__name__)
Progress = Callable[[str, float], None]
BATCH_ROWS = 131_072
# DuckDB's own cap (it spills to a temporary directory beyond it): the 1 GB budget is for the whole process.
MAX_EXAMPLES = 3
_IDENTICAL = "duplicate row (identical to another)"


@dataclass
class ImportReport:
    """What an import read, kept, rejected and changed — shown on the page and printed by the CLI."""

    source: str
    layout: str
    encoding: str | None
    delimiter: str | None
    header_row: int | None
    rows_read: int
    rows_kept: int
    rows_rejected: int
    rejected: dict[str, int]
    examples: dict[str, list[str]]
    coerced: dict[str, int]
    duplicate_ids: int
    collapsed_updates: int
    unused_columns: list[str]
    warnings: list[str]
    mapping: ColumnMapping
    format: str | None = None
    output: str | None = None
    extras: list[str] = field(default_factory=list)
    date_order: str | None = None
    seconds: float = 0.0
    invalid_bytes: dict | None = None   # UTF-8 lines holding invalid bytes: {"lines", "bytes", "examples"}
    updated_tickets: int = 0            # tickets that had more than one update row (one-row-per-update logs)
    history_note: str | None = None     # how such a log was collapsed, in words
    masked: dict[str, int] | None = None  # values masked per kind (privacy setting on), None when masking is off

    def summary(self) -> str:
        """A few lines a person reads: what was kept, what was not and why."""
        where = ", ".join(x for x in (self.format and self.format.upper(), self.encoding,
                                      self.delimiter and _show_delim(self.delimiter)) if x)
        lines = [f"Imported {self.rows_kept:,} of {self.rows_read:,} rows from {Path(self.source).name} "
                 f"({self.layout} layout{', ' + where if where else ''})."]
        if self.rejected:
            lines.append(rejected_sentence(self.rejected, self.examples, self.rows_rejected))
        if self.history_note:
            lines.append(self.history_note)
        if self.masked is not None:
            lines.append(masked_sentence(self.masked))
        if self.coerced:
            lines.append("Set to null (unusable values): "
                         + ", ".join(f"{k} {v:,}" for k, v in sorted(self.coerced.items())) + ".")
        if self.unused_columns:
            shown = ", ".join(self.unused_columns[:8]) + (" …" if len(self.unused_columns) > 8 else "")
            lines.append(f"Kept {len(self.unused_columns)} other column(s) as x_ extras: {shown}.")
        lines.extend(f"Note: {w}" for w in self.warnings)
        return "\n".join(lines)

    def to_json(self) -> dict:
        return {
            "source": self.source, "layout": self.layout, "format": self.format, "encoding": self.encoding,
            "delimiter": self.delimiter, "header_row": self.header_row, "rows_read": self.rows_read,
            "rows_kept": self.rows_kept, "rows_rejected": self.rows_rejected, "rejected": dict(self.rejected),
            "examples": {k: list(v) for k, v in self.examples.items()}, "coerced": dict(self.coerced),
            "duplicate_ids": self.duplicate_ids, "collapsed_updates": self.collapsed_updates,
            "unused_columns": list(self.unused_columns), "extras": list(self.extras),
            "warnings": list(self.warnings), "mapping": self.mapping.to_json(), "output": self.output,
            "date_order": self.date_order, "seconds": round(self.seconds, 3),
            "invalid_bytes": self.invalid_bytes, "updated_tickets": self.updated_tickets,
            "history_note": self.history_note, "masked": self.masked,
        }


class TicketImportError(JourneysError):
    """Nothing usable came out of the file; ``report`` says what was read when anything was."""

    def __init__(self, message: str, problems: list[Problem] | None = None,
                 report: ImportReport | None = None) -> None:
        super().__init__(message, problems)
        self.report = report


def _show_delim(d: str) -> str:
    return {"\t": "tab", ",": "comma", ";": "semicolon", "|": "pipe"}.get(d, repr(d))


def _sample_table(info: SourceInfo) -> pa.Table:
    return pa.table({c: pa.array([None if r.get(c) is None else str(r.get(c)) for r in info.sample], pa.string())
                     for c in info.columns})


def _sniff(path: Path, sheet: str | None) -> SourceInfo:
    """The readers' sniff, naming the workbook sheet only when one is asked for."""
    return sniff(path, sheet=sheet) if sheet is not None else sniff(path)


def inspect_file(path: Path, sheet: str | None = None) -> tuple[SourceInfo, ColumnMapping]:
    """Sniff ``path`` and propose a mapping, for the preview the user confirms before importing."""
    try:
        info = _sniff(Path(path), sheet)
    except SourceError as exc:
        raise TicketImportError(exc.message, exc.problems) from None
    except Exception as exc:  # as in import_file: a clear message, never a traceback
        raise TicketImportError("Cannot read this file", [Problem(Path(path).name, _first_line(exc))]) from None
    mapping = propose_mapping(info.columns, _sample_table(info))
    info.warnings = source_warnings(info, mapping)
    return info, mapping


def source_warnings(info: SourceInfo, mapping: ColumnMapping) -> list[str]:
    """The reader's warnings less a rename the mapping explains: a help desk that repeats a header once per
    value (Jira's ``Labels``) has its renamed copies read together as one list, and the mapping's note says so."""
    renamed = {c for c, o in zip(info.columns, info.original_columns, strict=False) if c != (o or "").strip()}
    tags = mapping.field("tags")
    together = {tags.source, *argument_columns(tags.transform)} if tags.source else set()
    if renamed and renamed <= together:
        return [w for w in info.warnings if not w.startswith(DUPLICATE_NAMES)]
    return list(info.warnings)


# --- what the CLI (or a notebook) changes in a proposed or saved mapping -------------------------------------

DATE_ORDER_WORDS = {"dmy": "dayfirst", "mdy": "monthfirst", "ymd": "auto"}  # 2024/03/01 reads alike either way


def override_mapping(mapping: ColumnMapping, columns: list[str], maps: tuple[str, ...] = (),
                     ticket_key: str | None = None, date_order: str | None = None,
                     timezone: str | None = None) -> ColumnMapping:
    """``mapping`` with the CLI's ``--map FIELD=COLUMN[:transform]``, ``--ticket-key``, ``--date-order``,
    ``--timezone`` applied; every value checked against the file's ``columns`` before anything is read.

    ``FIELD=`` (nothing after ``=``) leaves an optional field unmapped. A column whose name holds ``:`` is
    taken whole when the file has it; otherwise the text after the first ``:`` that follows a column name
    is the transform (``resolution_minutes=Solved at:diff_minutes:Created at``)."""
    problems: list[Problem] = []
    fields = dict(mapping.fields)
    for spec in maps:
        mapped = _one_map(spec, columns, problems)
        if mapped is not None:
            fields[mapped[0]] = mapped[1]
    changes: dict = {"fields": fields}
    if ticket_key is not None:
        if ticket_key not in columns:
            problems.append(Problem(f"--ticket-key {ticket_key}",
                                    f"no column '{ticket_key}' in the file (columns: {_listed(columns)})"))
        changes["ticket_key"] = ticket_key
    if date_order is not None:
        order = DATE_ORDER_WORDS.get(date_order, date_order)
        if order not in DATE_ORDERS:
            problems.append(Problem(f"--date-order {date_order}", f"must be one of {', '.join(DATE_ORDER_WORDS)}"))
        changes["date_order"] = order
    if timezone is not None:
        if not valid_zone(timezone):
            problems.append(Problem(f"--timezone {timezone}", "unknown time zone (an IANA name such as "
                                                              "Europe/Berlin or America/New_York, or UTC)"))
        changes["timezone"] = timezone
    out = _replace(mapping, **changes)
    if not problems:
        problems = [p for p in out.validate(columns) if not p.where.startswith("mapping.layout")]
    if problems:
        raise TicketImportError("The options do not fit this file; nothing was imported", problems)
    return out


def _one_map(spec: str, columns: list[str], problems: list[Problem]) -> tuple[str, FieldMap] | None:
    """One ``--map FIELD=COLUMN[:transform]``: the field and how it is filled, or None with the problem added."""
    name, sep, rest = spec.partition("=")
    name, raw, rest = name.strip(), rest, rest.strip()
    if not sep or not name:
        problems.append(Problem(f"--map {spec}", "write FIELD=COLUMN, e.g. --map status=State"))
        return None
    if name not in NAMES:
        problems.append(Problem(f"--map {spec}", f"'{name}' is not a canonical column (one of {', '.join(NAMES)})"))
        return None
    if not rest and raw not in columns:
        if name in REQUIRED:
            problems.append(Problem(f"--map {spec}", f"{name} is required: name its column"))
        return name, FieldMap(None)
    fm = _map_value(raw, columns) or _map_value(rest, columns)  # a header may keep its outer spaces
    if fm is None:
        problems.append(Problem(f"--map {spec}", f"no column '{rest}' in the file (columns: {_listed(columns)})"))
        return None
    return name, fm


def _map_value(text: str, columns: list[str]) -> FieldMap | None:
    if text in columns:
        return FieldMap(text)
    for i, ch in enumerate(text):
        left = text[:i] if text[:i] in columns else text[:i].strip()
        if ch == ":" and left in columns and parse_transform(text[i + 1:])[0] in TRANSFORMS:
            return FieldMap(left, text[i + 1:].strip())
    return None


def _listed(columns: list[str], n: int = 8) -> str:
    return ", ".join(columns[:n]) + (" …" if len(columns) > n else "")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return (text.splitlines()[0] if text else type(exc).__name__)[:300]


# --- the pass ---------------------------------------------------------------------------------------------

@dataclass
class _PassStats:
    rows: int = 0
    kept: int = 0
    rejected: Counter = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)
    coerced: Counter = field(default_factory=Counter)
    coerced_examples: dict[str, list[str]] = field(default_factory=dict)
    unrated: int = 0
    failed_timestamps: list[str] = field(default_factory=list)
    masked: Counter = field(default_factory=Counter)  # values masked before writing, by kind

    def example(self, store: dict[str, list[str]], key: str, values: list[str]) -> None:
        have = store.setdefault(key, [])
        for v in values:
            if len(have) >= MAX_EXAMPLES:
                break
            if v not in have:
                have.append(v)

    def drop_rejected(self, batch: pa.RecordBatch, offset: int) -> pa.RecordBatch:
        """The batch less its rejected rows (``_rej`` set), counted by reason with a few examples each."""
        rej = batch.column("_rej")
        if rej.null_count == batch.num_rows:
            return batch
        bad = pc.is_valid(rej)
        reasons = pc.filter(rej, bad)
        raws = pc.filter(batch.column("_rej_raw"), bad)
        idx = pc.indices_nonzero(bad)
        for item in pc.value_counts(reasons).to_pylist():
            self.rejected[item["values"]] += item["counts"]
        seen: Counter = Counter()
        for i, reason, raw in zip(idx.to_pylist()[:200], reasons.to_pylist()[:200],
                                  raws.to_pylist()[:200], strict=False):
            if seen[reason] >= MAX_EXAMPLES:
                continue
            seen[reason] += 1
            label = f"row {offset + i + 1}" + (f": {_clip(raw)!r}" if raw is not None else "")
            self.example(self.examples, reason, [label])
        unparsed = pc.filter(raws, pc.equal(reasons, "unparseable created_at"))
        if len(self.failed_timestamps) < 1000:
            self.failed_timestamps.extend(v for v in unparsed.to_pylist()[:1000] if v)
        return batch.filter(pc.is_null(rej))

    def count_coerced(self, batch: pa.RecordBatch, plan: nz.Plan) -> None:
        """Values a field could not use (set to null), per field, with examples; failed times kept aside."""
        for helper, name in plan.coerced.items():
            col = batch.column(helper)
            bad_n = batch.num_rows - col.null_count
            if bad_n:
                self.coerced[name] += bad_n
                vals = pc.drop_null(col).to_pylist()[:50]
                self.example(self.coerced_examples, name, [_clip(v, 40) for v in vals])
                if name in plan.timestamp_fields and len(self.failed_timestamps) < 1000:
                    self.failed_timestamps.extend(vals)


def _clip(value: object, n: int = 60) -> str:
    text = str(value).replace("\n", " ").replace("\r", " ")
    return text if len(text) <= n else text[: n - 1] + "…"


def _prefetch(reader: pa.RecordBatchReader, depth: int = 2) -> Generator[pa.RecordBatch, None, None]:
    """Batches from ``reader``, computed by DuckDB in a background thread while this one writes the last.

    DuckDB only works when a batch is pulled, so without this the query and the Parquet writer would take
    turns; both release the GIL, so they overlap."""
    q: queue.Queue = queue.Queue(maxsize=depth)
    done = object()
    stop = threading.Event()

    def produce() -> None:
        try:
            for batch in reader:
                while not stop.is_set():
                    try:
                        q.put(batch, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            q.put(done)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            q.put(exc)

    worker = threading.Thread(target=produce, name="journeys-import-reader", daemon=True)
    worker.start()
    try:
        while True:
            item = q.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while worker.is_alive():
            with contextlib.suppress(queue.Empty):
                q.get_nowait()
            worker.join(timeout=0.05)


def _writer(dest: Path, schema: pa.Schema, canonical: list[str]) -> pq.ParquetWriter:
    """Dictionary pages and statistics for the canonical columns (filters and group-bys read them); plain
    pages without statistics for the text extras, which are mostly unique and rarely filtered on."""
    free_text = {"ticket_id", "subject", "customer_id", "tags"}  # mostly unique: dictionaries and min/max waste
    dictionary = [n for n in canonical if n not in free_text | {"created_at"}]
    statistics = [n for n in canonical if n not in free_text]
    return pq.ParquetWriter(dest, schema, compression="snappy", use_dictionary=dictionary, write_batch_size=8192,
                            write_statistics=statistics)


def _stream(con: duckdb.DuckDBPyConnection, plan: nz.Plan, schema: pa.Schema, dest: Path,
            progress: Progress | None, est_rows: int, mask: bool = False) -> _PassStats:
    """Run the plan and write the kept rows to ``dest``; the report's counts come from the helper columns.
    ``mask``: personal data in the free-text columns is masked in each batch before it reaches the writer."""
    stats = _PassStats()
    masked_columns = text_columns(schema, FREE_TEXT) if mask else []
    reader = con.sql(plan.sql).to_arrow_reader(BATCH_ROWS)
    batches = _prefetch(reader)
    writer: pq.ParquetWriter | None = None
    try:
        for batch in batches:
            n = batch.num_rows
            if n == 0:
                continue
            offset = stats.rows
            stats.rows += n
            batch = stats.drop_rejected(batch, offset)
            if batch.num_rows == 0:
                continue
            stats.kept += batch.num_rows
            stats.count_coerced(batch, plan)
            if plan.unrated:
                stats.unrated += pc.sum(batch.column(plan.unrated)).as_py() or 0
            table = pa.Table.from_batches([batch.select(plan.output)]).cast(schema)
            if masked_columns:
                table = mask_table(table, masked_columns, stats.masked)
            if writer is None:
                writer = _writer(dest, schema, plan.canonical)
            writer.write_table(table)
            if progress and est_rows:
                progress("reading", min(0.95, 0.05 + 0.9 * stats.rows / est_rows))
    finally:
        batches.close()  # stops the reading thread before the reader goes away
        if writer is not None:
            writer.close()
        reader.close()
    return stats


def _estimate_rows(info: SourceInfo) -> int:
    if info.format == "parquet":
        with contextlib.suppress(Exception):
            return pq.ParquetFile(info.path).metadata.num_rows
    if info.sample:
        avg = max(20, sum(len(str(v or "")) + 1 for r in info.sample for v in r.values()) / len(info.sample))
        return max(1, int(info.size_bytes / avg))
    return 0


# --- entry point --------------------------------------------------------------------------------------------

def import_file(path: Path, out_path: Path, mapping: ColumnMapping | None = None,
                progress: Progress | None = None, tmp_home: Path | None = None,
                sheet: str | None = None, mask: bool = False) -> ImportReport:
    """Normalise ``path`` into ``out_path`` (Parquet, canonical schema + ``x_`` extras) and report on it.

    ``tmp_home``: the workspace folder whose ``tmp/`` holds the work files (default: the one registered
    at start, see :func:`journeys.files.workspace_tmp`). ``sheet``: the workbook sheet to read (default:
    the readers' choice, e.g. the first sheet that is not a pivot). ``mask``: e-mail addresses, phone and card
    numbers in the free-text columns are masked before anything is written (:mod:`~journeys.tickets.masking`),
    in the report's examples too."""
    started = time.perf_counter()
    path, out_path = Path(path), Path(out_path)
    tmp = out_path.with_name(out_path.name + ".tmp")
    try:
        return mask_report(_import(path, out_path, tmp, mapping, progress, started, tmp_home, sheet, mask), mask)
    except TicketImportError as exc:
        if exc.report is not None:
            mask_report(exc.report, mask)
        raise
    except JourneysError as exc:
        raise TicketImportError(exc.message, exc.problems) from None
    except duckdb.Error as exc:
        raise _out_of_memory(path, exc) or TicketImportError(
            "Could not read the file", [Problem(path.name, _first_line(exc))]) from None
    except (OSError, UnicodeError, ValueError, pa.ArrowException, csv.Error) as exc:
        raise _out_of_memory(path, exc) or TicketImportError(
            "Could not import the file", [Problem(path.name, _first_line(exc))]) from None
    except Exception as exc:  # never a traceback for the user: a bug of ours still ends in a clear message
        _log.exception("ticket import of %s failed unexpectedly", path)
        raise TicketImportError("Could not import the file (unexpected error, reported in the log)",
                                [Problem(path.name, f"{type(exc).__name__}: {_first_line(exc)}")]) from exc
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def _out_of_memory(path: Path, exc: BaseException) -> TicketImportError | None:
    """DuckDB's "Out of Memory Error" (however it surfaces) in words the user can act on."""
    if not isinstance(exc, duckdb.OutOfMemoryException) and "Out of Memory Error" not in str(exc):
        return None
    return TicketImportError("The import needs more memory than it may use", [Problem(
        path.name, f"over the import budget of {import_limits().memory} (JOURNEYS_IMPORT_MEMORY): import fewer columns "
                   "or rows at a time, or raise the budget")])


def mask_report(report: ImportReport, mask: bool) -> ImportReport:
    """With ``mask``, the report's quoted values (rejected rows' examples, unusable values in the notes) masked
    too: the report is stored with the dataset version and shown, so it must not carry what the file did not."""
    if mask:
        report.examples = {k: [mask_text(v) for v in vs] for k, vs in report.examples.items()}
        report.warnings = [mask_text(w) for w in report.warnings]
        report.history_note = mask_text(report.history_note) if report.history_note else report.history_note
    return report


def _report(info: SourceInfo | None, path: Path, mapping: ColumnMapping, **kw: Any) -> ImportReport:
    base: dict[str, Any] = {
        "source": str(path), "layout": mapping.layout, "encoding": info.encoding if info else None,
        "delimiter": info.delimiter if info else None, "header_row": info.header_row if info else None,
        "rows_read": 0, "rows_kept": 0, "rows_rejected": 0, "rejected": {}, "examples": {}, "coerced": {},
        "duplicate_ids": 0, "collapsed_updates": 0, "unused_columns": [], "warnings": [], "mapping": mapping,
        "format": info.format if info else None,
    }
    base.update(kw)
    return ImportReport(**base)


def _monotonic(progress: Progress | None) -> Progress | None:
    """Progress that never goes back (a re-read after a wrong guess continues from where it was)."""
    if progress is None:
        return None
    best = [0.0]

    def report(stage: str, fraction: float) -> None:
        best[0] = max(best[0], fraction)
        progress(stage, best[0])

    return report


def _import(path: Path, out_path: Path, tmp: Path, mapping: ColumnMapping | None, progress: Progress | None,
            started: float, tmp_home: Path | None, sheet: str | None = None, mask: bool = False) -> ImportReport:
    progress = _monotonic(progress)
    if progress:
        progress("sniffing", 0.0)
    try:
        info = _sniff(path, sheet)
    except SourceError as exc:
        raise TicketImportError(exc.message, exc.problems) from None
    proposed = mapping is None
    if mapping is None:
        mapping = propose_mapping(info.columns, _sample_table(info))
    problems = mapping.validate(info.columns)
    if problems:
        report = _report(info, path, mapping, warnings=source_warnings(info, mapping))
        missing = [p.where.split(".")[-1] for p in problems if p.reason.startswith("required")]
        what = ("This file has no column for " + " and ".join(missing) + ": name it with "
                + " ".join(f"--map {m}=COLUMN" for m in missing)) if proposed and missing else ""
        hint = other_sheets(info) if missing else None  # a pivot sheet first: the tickets are on another
        problems += [Problem("sheet", hint)] if hint else []
        raise TicketImportError(what or "The column mapping does not fit this file", problems, report)
    warnings = source_warnings(info, mapping) + list(mapping.notes)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with workspace_tmp(tmp_home, prefix="import-") as workdir:
        con = duckdb.connect()
        try:
            con.execute("SET TimeZone = 'UTC'")
            con.execute("SET enable_progress_bar = false")  # progress goes through ``progress``, not stderr
            con.execute(f"SET temp_directory = {qs(str(workdir / 'spill'))}")
            con.execute(f"SET memory_limit = {qs(import_limits().memory)}")
            return _run(con, info, path, out_path, tmp, mapping, warnings, workdir, progress, started, mask)
        finally:
            con.close()


def _run(con: duckdb.DuckDBPyConnection, info: SourceInfo, path: Path, out_path: Path, tmp: Path,
         mapping: ColumnMapping, warnings: list[str], workdir: Path, progress: Progress | None,
         started: float, mask: bool = False) -> ImportReport:
    fallback_encoding = False
    null_padding = False
    newlines = False
    collapse = False
    date_order = mapping.date_order
    date_note: str | None = None
    est_rows = _estimate_rows(info)
    for attempt in range(5):
        try:
            utf8 = (prepare_csv(info, workdir, force_fallback=fallback_encoding, newlines=newlines)
                    if info.format == "csv" else None)
            return _attempt(con, info, path, out_path, tmp, mapping, warnings, workdir, progress, started,
                            attempt, utf8, null_padding, date_order, date_note, est_rows, collapse, mask)
        except _Retry as again:
            fallback_encoding |= again.fallback_encoding
            null_padding |= again.null_padding
            collapse |= again.collapse
            date_order, date_note = again.date_order or date_order, again.date_note or date_note
        except (duckdb.Error, pa.ArrowException, OSError) as exc:  # mid-stream, DuckDB's errors come via Arrow
            if attempt < 4 and skip_bad_json_lines(con, info, exc):
                continue
            if attempt < 4 and info.format == "csv" and not newlines and "invalid state" in str(exc):
                newlines = True  # the strict reader wants one kind of line end: mixed CRLF/LF/CR files are
                continue         # read from a copy with LF everywhere
            raise
    raise AssertionError("unreachable: the last attempt never retries")


@dataclass(eq=False)
class _Retry(Exception):
    """What an attempt learnt that needs a re-read (invalid UTF-8 further down, short lines, day-first dates,
    ids repeating further down in a file with an update time or sequence column)."""

    fallback_encoding: bool = False
    null_padding: bool = False
    collapse: bool = False
    date_order: str | None = None
    date_note: str | None = None


def _attempt(con: duckdb.DuckDBPyConnection, info: SourceInfo, path: Path, out_path: Path, tmp: Path,
             mapping: ColumnMapping, warnings: list[str], workdir: Path, progress: Progress | None, started: float,
             attempt: int, utf8: Path | None, null_padding: bool, date_order: str, date_note: str | None,
             est_rows: int, collapse: bool = False, mask: bool = False) -> ImportReport:
    """One read of the file; raises :class:`_Retry` when a re-read would keep more, else finishes the import."""
    rejects = f"rejects_{attempt}" if info.format == "csv" else None
    rel = relation(con, info, workdir, utf8_path=utf8, null_padding=null_padding, rejects=rejects)
    ctx = nz.Context(types=rel.types, timezone=mapping.timezone, decimal_comma=info.delimiter == ";",
                     markers_nulled=info.format in {"csv", "xlsx", "spreadsheetml"}, now=datetime.now(UTC))
    ctx.date_order, date_note, evidence_first = _date_order(con, info, rel, mapping, date_order, date_note)
    hist = hx.find(mapping, rel.columns)
    done: hx.Collapsed | None = None
    plan_mapping, plan_columns, source_sql = mapping, list(rel.columns), rel.sql
    if hist is not None and (mapping.ticket_key or collapse or (hist.ordered and hx.repeats_in(info.sample, hist.key))):
        done = hx.collapse(con, hist, rel.sql, rel.columns, ctx, mapping.field("created_at").source, MAX_EXAMPLES)
        source_sql, plan_columns = done.sql, done.columns
        plan_mapping = hx.with_history(mapping, done, ctx)
    plan = nz.build_plan(plan_mapping, source_sql, plan_columns, ctx)
    schema = arrow_schema(tuple(o for _, o in plan.extras))
    if progress:
        progress("reading", 0.05)
    stats = _stream(con, plan, schema, tmp, progress, est_rows, mask)
    bad_lines = rejected_csv_lines(con, rejects, MAX_EXAMPLES)
    if attempt < 4:
        _retry_when_rereading_keeps_more(info, {et for et, *_ in bad_lines}, null_padding, stats,
                                         auto_monthfirst=ctx.date_order == "monthfirst" and date_order == "auto"
                                         and not evidence_first)
    warnings = [*warnings, *_reading_notes(info, null_padding, date_note)]
    if info.bad_json_lines:
        bad_lines.append(("NOT JSON", info.bad_json_lines.lines, info.bad_json_lines.first, ""))
    rejected = Counter(stats.rejected)
    examples = {k: list(v) for k, v in stats.examples.items()}
    malformed = _count_bad_lines(bad_lines, rejected, examples)
    if done is not None:
        _count_collapsed(done, rejected, examples)
    rows_read = (done.rows if done is not None else stats.rows) + malformed
    kept = stats.kept
    dups = done.duplicates if done is not None else 0
    keyed_elsewhere = done is not None and hist is not None and hist.key != mapping.field("ticket_id").source
    if kept and (done is None or keyed_elsewhere):  # collapsed on another column: ids may still repeat
        retry = done is None and hist is not None and hist.ordered and attempt < 4
        dups, dup_examples = _dedupe(con, tmp, schema, workdir, count_only=retry)
        if dups and retry:
            raise _Retry(collapse=True)  # ids repeat further down a file with an update time: an update log
        if dups:
            rejected["duplicate ticket_id"] += dups
            examples["duplicate ticket_id"] = dup_examples
            kept -= dups
            warnings.append(f"{dups:,} row(s) repeat an id already seen; the first row of each id was kept. If the "
                            "file has one row per update (in file order), import it with --ticket-key "
                            f"{cli_word(hist.key if hist else 'COLUMN')} to keep each ticket's last row instead.")
    warnings += _value_notes(stats)
    unused = mapping.unused(rel.columns)
    report = _report(
        info, path, mapping, rows_read=rows_read, rows_kept=kept, rows_rejected=sum(rejected.values()),
        rejected=dict(rejected), examples=examples, coerced=dict(stats.coerced), duplicate_ids=dups,
        collapsed_updates=done.collapsed if done else 0, unused_columns=unused, warnings=warnings, output=str(out_path),
        extras=[o for _, o in plan.extras], date_order=ctx.date_order,
        invalid_bytes=info.invalid_bytes.to_json() if info.invalid_bytes else None,
        updated_tickets=done.updated_tickets if done else 0,
        history_note=hx.summary(done, hist) if done and hist else None,
        masked={k: stats.masked[k] for k in KINDS} if mask else None)
    if kept == 0:
        reason = "The file has no rows" if rows_read == 0 else "No row could be used"
        problems = [Problem(r, f"{n:,} row(s)") for r, n in rejected.items()]
        report.seconds = time.perf_counter() - started
        raise TicketImportError(reason, problems, report)
    if progress:
        progress("writing", 0.98)
    fsync_path(tmp)
    os.replace(tmp, out_path)  # atomic: readers see the previous file or this one, never a half
    fsync_path(out_path.parent)
    report.seconds = time.perf_counter() - started
    if progress:
        progress("done", 1.0)
    return report



def _date_order(con: duckdb.DuckDBPyConnection, info: SourceInfo, rel: Relation, mapping: ColumnMapping,
                date_order: str, date_note: str | None) -> tuple[str, str | None, bool]:
    """How dates like 01/02 read: (order, a note for the report, whether the evidence came first)."""
    ts_cols = [c for c in nz.timestamp_sources(mapping) if c in rel.types]
    if date_order == "auto" and not nz.slash_dates(info.sample, ts_cols):
        # the first rows have no dd/mm-or-mm/dd dates: skip the evidence scan (a later day-first row
        # still triggers the re-read)
        return "monthfirst", None, False
    if date_order == "auto":
        ev = nz.date_order_evidence(con, rel.sql, ts_cols, rel.types)
        order, note = nz.decide_date_order(*ev)
        return order, note, ev[0] > 12
    return date_order, date_note, True


def _retry_when_rereading_keeps_more(info: SourceInfo, types: set[str], null_padding: bool, stats: _PassStats,
                                     auto_monthfirst: bool) -> None:
    """Raise :class:`_Retry` when a re-read would keep more: invalid UTF-8 further down, short lines, or
    day-first dates further down a file whose first rows did not say."""
    csv = info.format == "csv"
    if "INVALID ENCODING" in types and not info.invalid_bytes and csv:
        raise _Retry(fallback_encoding=True, null_padding="MISSING COLUMNS" in types)
    if "MISSING COLUMNS" in types and not null_padding and csv:
        raise _Retry(null_padding=True)
    if auto_monthfirst and nz.proves_dayfirst(stats.failed_timestamps):
        raise _Retry(date_order="dayfirst", date_note="Dates were read day-first (DD/MM): some rows further down "
                                                      "the file have a first field above 12.")


def _reading_notes(info: SourceInfo, null_padding: bool, date_note: str | None) -> list[str]:
    """What the report says about how the file was read (bytes replaced, short lines padded, date order)."""
    notes = [info.invalid_bytes.note()] if info.invalid_bytes else []
    if null_padding:
        notes.append("Lines with fewer fields than the header were kept; their missing trailing fields are empty.")
    return notes + ([date_note] if date_note else [])


def _count_bad_lines(bad_lines: list, rejected: Counter, examples: dict[str, list[str]]) -> int:
    """Add the lines the reader could not parse to the rejected counts and examples; how many there were."""
    malformed = 0
    for et, n, lines, text in bad_lines:
        reason = malformed_reason(et)
        rejected[reason] += n
        malformed += n
        examples.setdefault(reason, [f"line {ln}" for ln in lines][:MAX_EXAMPLES])
        if text and len(examples[reason]) == 1:
            examples[reason] = [f"line {lines[0]}: {_clip(text)!r}"]
    return malformed


def _count_collapsed(done: hx.Collapsed, rejected: Counter, examples: dict[str, list[str]]) -> None:
    """Add what collapsing an update log left out (rows without an id, identical rows)."""
    if done.missing:
        rejected["missing ticket_id"] += done.missing
        examples.setdefault("missing ticket_id", done.missing_examples)
    if done.duplicates:
        rejected[_IDENTICAL] += done.duplicates
        examples[_IDENTICAL] = done.duplicate_examples


def _value_notes(stats: _PassStats) -> list[str]:
    """Values set to null because a field could not use them, and surveys offered but not answered."""
    notes = []
    for name, n in stats.coerced.items():
        ex = ", ".join(repr(v) for v in stats.coerced_examples.get(name, []))
        notes.append(f"{name}: {n:,} value(s) could not be used and were set to null (e.g. {ex}).")
    if stats.unrated:
        notes.append(f"csat: {stats.unrated:,} survey(s) offered but not answered (Offered/Unoffered) are not "
                     "ratings; they are left empty.")
    return notes


def cli_word(column: str) -> str:
    """A column name as it is typed after a CLI option (quoted when the shell would split it)."""
    return column if column.replace("_", "").replace("-", "").isalnum() else "'" + column.replace("'", "'\\''") + "'"


def _dedupe(con: duckdb.DuckDBPyConnection, tmp: Path, schema: pa.Schema, workdir: Path,
            count_only: bool = False) -> tuple[int, list[str]]:
    """Drop repeated ids from the written file (keeping each id's first row); cheap when there are none.

    ``count_only``: only count them (the caller re-reads the file as an update log when there are some)."""
    src = f"read_parquet({qs(str(tmp))})"
    (dups,) = con.execute(f"SELECT count(*) - count(DISTINCT ticket_id) FROM {src}").fetchall()[0]
    if not dups or count_only:
        return int(dups), []
    ex = con.execute(
        f"SELECT ticket_id FROM (SELECT ticket_id, file_row_number AS r FROM read_parquet({qs(str(tmp))}, "
        f"file_row_number=true)) GROUP BY 1 HAVING count(*) > 1 ORDER BY min(r) LIMIT {MAX_EXAMPLES}").fetchall()
    dst = workdir / "dedup.parquet"
    sql = (f"SELECT * EXCLUDE (file_row_number) FROM read_parquet({qs(str(tmp))}, file_row_number=true) "
           f"QUALIFY row_number() OVER (PARTITION BY ticket_id ORDER BY file_row_number) = 1 "
           f"ORDER BY file_row_number")
    reader = con.sql(sql).to_arrow_reader(BATCH_ROWS)
    try:
        with _writer(dst, schema, [f.name for f in schema if not f.name.startswith("x_")]) as writer:
            for batch in reader:
                if batch.num_rows:
                    writer.write_table(pa.Table.from_batches([batch]).cast(schema))
    finally:
        reader.close()
    os.replace(dst, tmp)
    return int(dups), [f"id {_clip(r[0])!r}" for r in ex]

