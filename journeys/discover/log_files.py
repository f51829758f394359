"""Open an event-log file as a DuckDB relation: CSV/TSV, Parquet, JSON, Excel, XES — plain or gzipped.

Tabular files go through the ticket importer's reader (:mod:`journeys.tickets.export_files`): the same
sniffing of encodings, delimiters, header rows and null markers, the same all-text ``read_csv``
with malformed lines collected instead of failing. XES is streamed into Parquet parts first
(:mod:`journeys.discover.xes`). A gzipped file is XES when its content is XML; otherwise it is
decompressed (streamed) beside the work files and read like any other file.
"""

from __future__ import annotations

import gzip
import shutil
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
from duckdb.sqltypes import VARCHAR, DuckDBPyType

from journeys.discover.log_columns import LogColumns, detect_columns
from journeys.discover.xes import XesError, is_gzip, looks_like_xml, read_head, xes_to_parquet
from journeys.errors import Problem
from journeys.files import workspace_tmp
from journeys.tickets.export_files import (
    SNIFF_BYTES,
    BadJsonLines,
    SourceError,
    SourceInfo,
    prepare_csv,
    quote_str,
    relation,
    sniff,
)


@dataclass
class LogSource:
    """A file ready for SQL: ``sql`` is usable after FROM; ``types`` are DuckDB types by column."""

    path: Path
    format: str                         # csv | parquet | json | ndjson | xlsx | xes
    sql: str
    columns: list[str]
    types: dict[str, DuckDBPyType]
    info: SourceInfo | None = None      # the tabular sniff (None for XES)
    rejects_table: str | None = None    # malformed CSV lines (line, error_type, csv_line)
    warnings: list[str] = field(default_factory=list)
    compressed: bool = False

    @property
    def encoding(self) -> str | None:
        return self.info.encoding if self.info else ("utf-8" if self.format == "xes" else None)

    @property
    def delimiter(self) -> str | None:
        return self.info.delimiter if self.info else None

    @property
    def sample(self) -> list[dict[str, str | None]]:
        return self.info.sample if self.info else []


def _gunzip(path: Path, workdir: Path) -> Path:
    """Decompress a gzipped table beside the work files (streamed), keeping its inner name's suffix."""
    inner = path.name[:-3] if path.name.lower().endswith(".gz") else path.name + ".csv"
    dst = workdir / ("unzipped-" + inner)
    try:
        with gzip.open(path, "rb") as src, dst.open("wb") as out:
            shutil.copyfileobj(src, out, 1 << 20)
    except (OSError, EOFError, zlib.error) as exc:
        raise SourceError("This compressed file cannot be read", [Problem(path.name, str(exc) or "broken")]) from None
    return dst


def kind_of(path: Path) -> tuple[str, bool]:
    """(``xes`` for XML content, else ``table``; whether the file is gzipped)."""
    with path.open("rb") as fh:
        compressed = is_gzip(fh.read(2))
    return ("xes" if looks_like_xml(read_head(path)) else "table"), compressed


def open_source(con: duckdb.DuckDBPyConnection, path: Path, workdir: Path, *, max_events: int,
                fallback_encoding: bool = False, null_padding: bool = False, rejects: str | None = None,
                unzipped: Path | None = None, newlines: bool = False,
                bad_json: BadJsonLines | None = None) -> LogSource:
    """A relation over ``path``; SourceError/XesError (both JourneysError) when it is not a usable file.

    ``unzipped`` reuses a decompressed copy from an earlier attempt (the importer may re-read a CSV
    with the cp1252 fallback, padding of short lines or one kind of line end, or an NDJSON file
    without its lines that are not JSON — ``bad_json`` — as the ticket importer does).
    """
    path = Path(path)
    if not path.is_file():
        raise SourceError(f"No such file: {path}")
    if path.stat().st_size == 0:
        raise SourceError("The file is empty", [Problem(path.name, "0 bytes")])
    kind, compressed = kind_of(path)
    if kind == "xes":
        return _xes(path, workdir, max_events, compressed)
    target = unzipped or (_gunzip(path, workdir) if compressed else path)
    info = sniff(target)
    if bad_json is not None and info.bad_json_lines is None:
        info.bad_json_lines = bad_json
    utf8 = (prepare_csv(info, workdir, force_fallback=fallback_encoding, newlines=newlines)
            if info.format == "csv" else None)
    rel = relation(con, info, workdir, utf8_path=utf8, null_padding=null_padding,
                   rejects=rejects if info.format == "csv" else None)
    info.path = target
    return LogSource(path=target, format=info.format, sql=rel.sql, columns=list(rel.columns), types=dict(rel.types),
                     info=info, rejects_table=rel.rejects_table, warnings=list(info.warnings), compressed=compressed)


@dataclass
class LogPreview:
    """What a file looks like before importing it: its columns, the roles proposed for them, first rows."""

    path: Path
    format: str
    columns: list[str]
    detected: LogColumns
    sample: list[dict[str, str | None]]
    encoding: str | None = None
    delimiter: str | None = None
    warnings: list[str] = field(default_factory=list)


def inspect_log(path: Path | str, sample_rows: int = 20) -> LogPreview:
    """Sniff ``path`` and propose its columns, for the preview a user confirms before importing.

    Reads the first MiB of a table, or the first ``sample_rows`` events of an XES log; SourceError or
    XesError (JourneysError) when the file is unusable.
    """
    path = Path(path)
    if not path.is_file():
        raise SourceError(f"No such file: {path}")
    if path.stat().st_size == 0:
        raise SourceError("The file is empty", [Problem(path.name, "0 bytes")])
    kind, compressed = kind_of(path)
    with workspace_tmp(prefix="preview-") as work:
        if kind == "xes":
            result = xes_to_parquet(path, work, max_events=1 << 62, limit=sample_rows)
            rows = [r for part in result.parts for r in pq.read_table(part).to_pylist()][:sample_rows]
            columns = list(result.columns)
            sample = [{c: r.get(c) for c in columns} for r in rows]
            return LogPreview(path, "xes", columns, detect_columns(columns), sample, "utf-8", None,
                              list(result.warnings))
        target = path
        if compressed:
            target = work / "head"
            with gzip.open(path, "rb") as src:
                target.write_bytes(src.read(SNIFF_BYTES))
        info = sniff(target, sample_rows)
    return LogPreview(path, info.format, list(info.columns), detect_columns(info.columns), info.sample,
                      info.encoding, info.delimiter, list(info.warnings))


def _xes(path: Path, workdir: Path, max_events: int, compressed: bool) -> LogSource:
    result = xes_to_parquet(path, workdir, max_events)
    if not result.parts:
        raise XesError("The XES file has no events", [Problem(path.name, f"{result.traces:,} trace(s), no events")])
    files = "[" + ", ".join(quote_str(str(p)) for p in result.parts) + "]"
    sql = f"read_parquet({files}, union_by_name=true)"
    return LogSource(path=path, format="xes", sql=sql, columns=list(result.columns),
                     types={c: VARCHAR for c in result.columns}, warnings=list(result.warnings),
                     compressed=compressed)
