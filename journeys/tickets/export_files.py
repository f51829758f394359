"""Read a help-desk export *as exported*: sniff what it is, then hand DuckDB a relation over it.

Real exports have been through Excel, e-mail and three operating systems, so
nothing about them is assumed; everything is sniffed from the first MiB:

- **format** from the magic bytes first (``PAR1`` Parquet, ``PK`` zip = .xlsx,
  ``[``/``{`` JSON), the file name second;
- **encoding**: a BOM wins (UTF-8, UTF-16 LE/BE, UTF-32); NUL-byte patterns
  reveal UTF-16 without a BOM; valid UTF-8 is UTF-8; anything else goes to
  charset-normalizer (``latin_1`` is read as cp1252, its superset in the
  printable range, which is what Excel on Windows writes). Files DuckDB cannot
  read as UTF-8 are transcoded to a temporary UTF-8 file in a streamed way
  (1 MiB chunks), never loaded whole;
- **delimiter** (``,`` ``;`` tab ``|``) by the consistency of the field count
  over the first records, with clevercsv as a second opinion when no candidate
  is consistent;
- **header row**: the first record with the modal field count, so preamble lines
  ("Report generated on …") are skipped; a header that looks like data means the
  file has none (columns are then named ``column_1`` …);
- **duplicated or empty header names** are suffixed (``Tags (2)``, ``column_7``)
  with a warning, so every column stays addressable.

The heavy reading is DuckDB's: ``read_csv`` with every option explicit (all
columns VARCHAR so nothing is mis-typed by a sniffer: ids keep their leading
zeros, day-first dates are decided later from the data), malformed lines
collected in a rejects table instead of failing the import; ``read_parquet``;
``read_json`` with nested API shapes flattened to dotted names
(``via.channel``, ``statistics.time_to_admin_reply``, ``tags.tags[].name``).
Excel workbooks go through python-calamine into a temporary all-text Parquet
file in batches; SpreadsheetML 2003 XML workbooks (Freshdesk's "Excel" download,
usually named ``.xls``) are streamed with ``iterparse`` into the same kind of
Parquet file (bounded memory: each row is dropped once read). ``sheet`` picks a
workbook's sheet by name (default: the first sheet with data); a wrong name is
refused with the sheets the workbook has. A binary Excel 97-2003 ``.xls`` is
refused with the advice to save it as CSV or .xlsx.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import math
import re
import threading
import zipfile
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, cast

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from duckdb.sqltypes import VARCHAR, DuckDBPyType

from journeys.errors import JourneysError, Problem
from journeys.tickets import spreadsheetml
from journeys.tickets.spreadsheetml import is_spreadsheetml

SNIFF_BYTES = 1 << 20
SAMPLE_ROWS = 20
DELIMITERS = (",", ";", "\t", "|")
# Cells that mean "no value" in the exports we know (generic tools, Zendesk custom fields, Excel's zero date).
NULL_MARKERS: tuple[str, ...] = (
    "", "-", "--", "?", "N/A", "n/a", "#N/A", "null", "NULL", "Null", "none", "None", "NONE", "nil",
    "1900-01-01 00:00:00", "1900-01-00 00:00:00", "1899-12-30 00:00:00", "0000-00-00 00:00:00", "1900-01-01",
)
NULL_SET = frozenset(NULL_MARKERS)  # the markers as a set, for the readers that test each cell
# Always read as NULL by read_csv; the other markers only when the first MiB shows them (each marker in
# ``nullstr`` costs a comparison per cell: all of them would add a sixth to a large import).
ALWAYS_NULL = ("", "-", "1900-01-01 00:00:00")
# Envelope keys of API pages ({"tickets": [...], "next_page": ...}).
ENVELOPE_KEYS = ("tickets", "conversations", "results", "data", "items", "records", "rows", "requests")
_MAX_FLATTEN_DEPTH = 4
# The widest file an import takes. DuckDB's reader keeps a vector per column per thread: at 2,000 columns an
# import already runs out of its 512 MB budget (JOURNEYS_IMPORT_MEMORY), at 1,000 it fits. Help-desk exports
# have tens to a few hundred columns; wider files are refused in words, before any reading.
MAX_COLUMNS = 1_000
# Excel workbooks are zip files: what calamine inflates is bounded before it opens one. A sheet's XML
# is 10-30 times its compressed size; zip bombs are 1,000 times and more.
# Excel 97-2003 binary workbooks (OLE2 compound files) start with this
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_XLSX_BYTES = 1 << 30            # uncompressed size of all members together
MAX_XLSX_RATIO = 200                # uncompressed / compressed, checked once a workbook inflates past …
XLSX_RATIO_FLOOR = 16 << 20         # … this size (tiny workbooks compress absurdly well and are harmless)


class SourceError(JourneysError):
    """The file cannot be read as a ticket export at all (empty, binary, no columns)."""


@dataclass
class SourceInfo:
    """What sniffing found out about a file: enough to read it and to preview it."""

    path: Path
    format: str                              # "csv" | "xlsx" | "spreadsheetml" | "parquet" | "json" | "ndjson"
    encoding: str | None = None              # as detected ("utf-8", "utf-8-sig", "utf-16-le", "cp1252", …)
    delimiter: str | None = None
    header_row: int | None = None            # lines before the header (0 = header on the first line)
    columns: list[str] = field(default_factory=list)           # unique names, as the importer sees them
    sample: list[dict[str, str | None]] = field(default_factory=list)  # first rows, as text
    warnings: list[str] = field(default_factory=list)
    original_columns: list[str] = field(default_factory=list)  # as written in the file
    has_header: bool = True
    size_bytes: int = 0
    json_root: str | None = None             # envelope key holding the records of an API page
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)  # a workbook's sheet names (SpreadsheetML: those seen)
    null_markers: list[str] = field(default_factory=lambda: list(ALWAYS_NULL))  # read as NULL by read_csv
    invalid_utf8: bool = False               # UTF-8 with stray invalid bytes seen while sniffing
    invalid_bytes: InvalidBytes | None = None  # where they were, once the file has been decoded
    bad_json_lines: BadJsonLines | None = None  # NDJSON lines that are not JSON (skipped, reported)

    def to_json(self) -> dict:
        return {"path": str(self.path), "format": self.format, "encoding": self.encoding,
                "delimiter": self.delimiter, "header_row": self.header_row, "columns": list(self.columns),
                "sample": self.sample, "warnings": list(self.warnings), "sheet": self.sheet,
                "json_root": self.json_root}


@dataclass
class BadJsonLines:
    """NDJSON lines that are not JSON: skipped by the reader, counted and located for the report."""

    lines: int
    first: list[int]

    def examples(self) -> list[str]:
        return [f"line {n}" for n in self.first]


@dataclass
class Relation:
    """A source ready for SQL: ``sql`` is usable after FROM; ``types`` are DuckDB types by column."""

    sql: str
    columns: list[str]
    types: dict[str, DuckDBPyType]
    rejects_table: str | None = None   # malformed CSV lines land here (line, error_type, csv_line)


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


# --- encoding ---------------------------------------------------------------------------------------------

# The encoding is decided from the first MiB plus ENCODING_PROBES chunks of PROBE_BYTES spread evenly over
# the rest of the file and its last PROBE_BYTES: at most 1 MiB + 9 × 64 KiB ≈ 1.6 MiB read, whatever the size.
ENCODING_PROBES = 8
PROBE_BYTES = 64 << 10
# one valid UTF-8 multi-byte sequence outweighs this many invalid bytes: UTF-8 with a few stray bytes
# stays UTF-8 (only those bytes are read as cp1252, and their lines reported); a Windows file, whose
# accented letters are almost never valid UTF-8 sequences, does not
UTF8_INVALID_PER_VALID = 4
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}|\xed[\x80-\x9f][\x80-\xbf]"
    rb"|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}|\xf4[\x80-\x8f][\x80-\xbf]{2}")
_HIGH_BYTES = bytes(range(0x80, 0x100))


def encoding_probes(path: Path, size: int, head_bytes: int = SNIFF_BYTES) -> list[bytes]:
    """Chunks from the middle and the end of a file beyond its head, each starting on a line (bounded reads)."""
    if size <= head_bytes:
        return []
    step = (size - head_bytes) / (ENCODING_PROBES + 1)
    offsets = [int(head_bytes + step * (k + 1)) for k in range(ENCODING_PROBES)] + [max(head_bytes, size - PROBE_BYTES)]
    out: list[bytes] = []
    with path.open("rb") as fh:
        for offset in sorted(set(offsets)):
            fh.seek(offset)
            chunk = fh.read(PROBE_BYTES)
            first = chunk.find(b"\n")
            chunk = chunk[first + 1:] if 0 <= first < len(chunk) - 1 else chunk.lstrip(bytes(range(0x80, 0xC0)))
            if offset + PROBE_BYTES < size:  # cut at the last line end (a character may be split at the cut)
                chunk = chunk[: chunk.rfind(b"\n") + 1] or chunk
            out.append(chunk)
    return out


def utf8_evidence(data: bytes) -> tuple[int, int]:
    """(valid UTF-8 multi-byte sequences, bytes ≥ 0x80 outside them) in ``data``."""
    rest, valid = _UTF8_MULTIBYTE.subn(b"", data)
    return valid, len(rest) - len(rest.translate(None, _HIGH_BYTES))


def _cut_head(head: bytes) -> bytes:
    """The head without a character cut by the end of the sample (at the last line end when it is long)."""
    return head if len(head) < SNIFF_BYTES else head[: head.rfind(b"\n") + 1 or len(head)]


def decide_encoding(head: bytes, probes: list[bytes] | tuple[bytes, ...] = ()) -> tuple[str, bool]:
    """(encoding, UTF-8 with invalid bytes seen) of a text file from its head and probes further in.

    A BOM wins; NUL patterns in the head reveal UTF-16; otherwise UTF-8 unless the samples hold bytes
    that are not valid UTF-8 and hardly any valid multi-byte sequences (then charset-normalizer and
    the code-page tie-break below). The flag says the file is UTF-8 with stray invalid bytes: the
    importer then reads it leniently at once (:func:`prepare_csv`) instead of after a rejected pass.
    """
    if head.startswith(codecs.BOM_UTF32_LE) or head.startswith(codecs.BOM_UTF32_BE):
        return "utf-32", False
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", False
    if head.startswith(codecs.BOM_UTF16_LE):
        return "utf-16-le", False
    if head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16-be", False
    probe = head[:4096]
    if len(probe) >= 4:
        even_nul = probe[0::2].count(0) / max(1, len(probe[0::2]))
        odd_nul = probe[1::2].count(0) / max(1, len(probe[1::2]))
        if odd_nul > 0.3 and even_nul < 0.05:
            return "utf-16-le", False
        if even_nul > 0.3 and odd_nul < 0.05:
            return "utf-16-be", False
    samples = [_cut_head(head), *probes]
    valid = invalid = 0
    for sample in samples:
        v, i = utf8_evidence(sample)
        valid, invalid = valid + v, invalid + i
    if invalid == 0:
        return "utf-8", False
    if valid and invalid <= valid * UTF8_INVALID_PER_VALID:
        return "utf-8", True
    return _code_page(b"\n".join(samples)), False


def detect_encoding(head: bytes, probes: list[bytes] | tuple[bytes, ...] = ()) -> str:
    """The encoding of a text file from its first bytes and, for big files, :func:`encoding_probes`."""
    return decide_encoding(head, probes)[0]


def detect_file_encoding(path: Path) -> str:
    """The encoding of the file at ``path``, read from bounded samples over the whole file."""
    path = Path(path)
    with path.open("rb") as fh:
        head = fh.read(SNIFF_BYTES)
    return detect_encoding(head, encoding_probes(path, path.stat().st_size))


def _code_page(cut: bytes) -> str:
    from charset_normalizer import from_bytes

    best = from_bytes(cut[:200_000]).best()
    name = (best.encoding if best else "cp1252").lower()
    if name not in _LATIN_FAMILY:
        return name
    # charset-normalizer cannot tell the Latin code pages apart on a few accented words (it reads
    # "naïve" from a Windows file as cp1250 or cp775): prefer what Excel on Windows writes, cp1252,
    # unless it puts symbols inside words where the other reading has letters (Polish read as cp1252)
    try:
        as_1252 = cut.decode("cp1252")
    except UnicodeDecodeError:
        return name if name != "cp1252" else "latin_1"
    if name == "cp1252" or _odd_symbols(as_1252) <= _odd_symbols(cut.decode(name, errors="replace")):
        return "cp1252"
    return name


_LATIN_FAMILY = frozenset({
    "cp1250", "cp1252", "cp1254", "cp1257", "cp775", "cp437", "cp850", "cp858", "cp860", "cp861", "cp863",
    "cp865", "latin_1", "iso8859_1", "iso8859_2", "iso8859_3", "iso8859_4", "iso8859_9", "iso8859_10",
    "iso8859_13", "iso8859_14", "iso8859_15", "iso8859_16", "mac_roman", "mac_latin2", "mac_iceland",
    "mac_turkish", "ascii",
})


def _odd_symbols(text: str) -> int:
    """Non-ASCII symbols squeezed between letters (``Za¿ó³æ``): the mark of a wrong code page."""
    return sum(1 for i in range(1, len(text) - 1)
               if ord(text[i]) > 127 and not text[i].isalpha() and text[i - 1].isalpha() and text[i + 1].isalpha())


def _looks_binary(head: bytes, encoding: str) -> bool:
    if encoding.startswith(("utf-16", "utf-32")):
        return False
    probe = head[:8192]
    if probe.count(0) > max(2, len(probe) // 100):  # a stray NUL in a cell is data; many are a binary file
        return True
    text = probe.decode(encoding, errors="replace")
    if not text:
        return False
    control = sum(1 for ch in text if (ord(ch) < 32 and ch not in "\t\r\n\f") or ch == "\ufffd")
    return control / len(text) > 0.1


@dataclass
class InvalidBytes:
    """Where a UTF-8 file held bytes that are not UTF-8 (read as cp1252): counts and the first examples."""

    lines: int = 0
    bytes: int = 0
    examples: list[str] = field(default_factory=list)
    _last_line: int = 0

    def note(self) -> str:
        """The sentence the import report carries."""
        shown = "; ".join(self.examples) + (" …" if self.lines > len(self.examples) else "")
        return (f"{self.lines:,} line(s) held bytes that are not valid UTF-8 ({shown}); only those bytes were read "
                f"as Windows-1252 (cp1252), the rest of the file as UTF-8. Check these lines.")

    def to_json(self) -> dict:
        return {"lines": self.lines, "bytes": self.bytes, "examples": list(self.examples)}


class _LenientUtf8:
    """A UTF-8 decoder that reads each invalid byte as cp1252 and records the line it is on."""

    max_examples = 5

    def __init__(self) -> None:
        self.found = InvalidBytes()
        self.lines_before = 0    # line breaks before the current buffer
        self._obj: bytes | None = None
        self._pos = 0            # position in the current buffer up to which breaks are counted
        self._breaks = 0

    def handle(self, err: UnicodeDecodeError) -> tuple[str, int]:
        obj, start, end = err.object, err.start, err.end
        if obj is not self._obj or start < self._pos:
            self._obj, self._pos, self._breaks = obj, 0, 0
        self._breaks += obj.count(b"\n", self._pos, start)
        self._pos = start
        line = self.lines_before + self._breaks + 1
        bad = bytes(obj[start:end])
        text = bad.decode("cp1252", errors="replace")
        found = self.found
        found.bytes += len(bad)
        if line != found._last_line:
            found.lines += 1
            found._last_line = line
            if len(found.examples) < self.max_examples:
                found.examples.append(f"line {line}: byte {' '.join(f'0x{b:02X}' for b in bad)} read as {text!r}")
        return text, end


_decoding = threading.local()


def _lenient_handler(err: UnicodeError) -> tuple[str, int]:
    current: _LenientUtf8 | None = getattr(_decoding, "current", None)
    if current is None or not isinstance(err, UnicodeDecodeError):
        bad = err.object[err.start:err.end]  # type: ignore[attr-defined]
        return bad.decode("cp1252", errors="replace"), err.end  # type: ignore[attr-defined]
    return current.handle(err)


codecs.register_error("journeys_cp1252", _lenient_handler)


def transcode(src: Path, dst: Path, encoding: str, errors: str = "replace", *,
              newlines: bool = False) -> InvalidBytes | None:
    """Re-encode ``src`` to UTF-8 in 1 MiB chunks (an incremental decoder keeps split characters whole).

    ``encoding="utf-8"`` with ``errors="journeys_cp1252"`` reads invalid bytes as cp1252 and returns
    where they were. ``newlines`` writes every line end (CRLF, LF, lone CR) as LF, for files that mix
    them (DuckDB's strict reader needs one kind)."""
    lenient = _LenientUtf8() if errors == "journeys_cp1252" else None
    decoder = codecs.getincrementaldecoder(encoding)(errors=errors)
    _decoding.current = lenient
    try:
        with src.open("rb") as fin, dst.open("w", encoding="utf-8", newline="") as fout:
            first = True
            held_cr = ""
            while chunk := fin.read(SNIFF_BYTES):
                text = decoder.decode(chunk)
                if lenient is not None:
                    lenient.lines_before += chunk.count(b"\n")
                if first:
                    text = text.lstrip("\ufeff")
                    first = False
                if newlines:
                    text = held_cr + text
                    held_cr = "\r" if text.endswith("\r") else ""
                    text = text[:-1] if held_cr else text
                    text = text.replace("\r\n", "\n").replace("\r", "\n")
                fout.write(text)
            tail = held_cr + decoder.decode(b"", final=True)
            fout.write(tail.replace("\r\n", "\n").replace("\r", "\n") if newlines else tail)
    finally:
        _decoding.current = None
    return lenient.found if lenient is not None and lenient.found.lines else None


# --- dialect and header ----------------------------------------------------------------------------------

def _records(text: str, delimiter: str, limit: int = 300) -> list[tuple[int, list[str]]]:
    """(first physical line, fields) of the first records, parsed as Python's csv would."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', doublequote=True,
                        strict=False)
    out: list[tuple[int, list[str]]] = []
    line = 0
    try:
        for row in reader:
            out.append((line, row))
            line = reader.line_num
            if len(out) >= limit:
                break
    except csv.Error:
        pass
    return out


def _score(records: list[tuple[int, list[str]]]) -> tuple[float, int]:
    widths = [len(r) for _, r in records if r and any(c.strip() for c in r)]
    if not widths:
        return 0.0, 0
    counts = Counter(widths)
    modal, _ = max(counts.items(), key=lambda kv: (kv[1], kv[0]))
    if modal < 2:
        return 0.0, modal
    consistency = counts[modal] / len(widths)
    return consistency * (1 + math.log(modal)), modal


def _looks_like_data(cells: list[str]) -> bool:
    """A would-be header made mostly of numbers or dates is a data row: the file has no header."""
    filled = [c.strip() for c in cells if c.strip()]
    if not filled:
        return True
    datalike = sum(1 for c in filled if re.fullmatch(r"[-+]?[\d.,:/ TZ+-]+", c) and any(ch.isdigit() for ch in c))
    return datalike / len(filled) > 0.5


def sniff_dialect(text: str, truncated: bool) -> tuple[str, int, list[str], bool, list[str]]:
    """(delimiter, header line, header cells, has_header, warnings) of CSV ``text`` (the file's first MiB)."""
    warnings: list[str] = []
    best: tuple[float, str, int, list[tuple[int, list[str]]]] | None = None
    for delim in DELIMITERS:
        recs = _records(text, delim)
        if truncated and len(recs) > 1:
            recs = recs[:-1]
        score, modal = _score(recs)
        if best is None or score > best[0]:
            best = (score, delim, modal, recs)
    assert best is not None
    score, delim, modal, recs = best
    if score == 0:
        sniffed = _clevercsv_delimiter(text)
        if sniffed:
            delim = sniffed
            recs = _records(text, delim)
            score, modal = _score(recs)
    if modal < 2:
        raise SourceError("No table found: the file has fewer than two columns on every line",
                          [Problem("file", "expected a delimited table with a header row (, ; tab or |)")])
    for i, (line, cells) in enumerate(recs):
        if len(cells) >= modal:  # preamble lines ("Exported on …") have fewer fields than the table
            if line > 0:
                warnings.append(f"Skipped {line} line(s) before the header row.")
            if _looks_like_data(cells) and (i + 1 < len(recs)):
                warnings.append("The first row looks like data, not a header: columns are named column_1 … "
                                "Add a header row to get them recognised.")
                return delim, line, [f"column_{k + 1}" for k in range(modal)], False, warnings
            return delim, line, cells, True, warnings
    line, cells = recs[0]
    return delim, line, cells, True, warnings


def _clevercsv_delimiter(text: str) -> str | None:
    try:
        import clevercsv

        dialect = clevercsv.Sniffer().sniff(text[:20_000], delimiters=list(DELIMITERS))
    except Exception:  # clevercsv raises its own errors on text it cannot make sense of
        return None
    return dialect.delimiter if dialect and dialect.delimiter in DELIMITERS else None


def check_width(path: Path, columns: int, limit: int = MAX_COLUMNS) -> None:
    """SourceError when a file has more columns than an import can hold (see :data:`MAX_COLUMNS`)."""
    if columns > limit:
        raise SourceError(f"This file has {columns:,} columns; at most {limit:,} can be imported",
                          [Problem(path.name, f"{columns:,} columns, more than the limit of {limit:,} "
                                              "(MAX_COLUMNS): export only the fields you need and import again")])


DUPLICATE_NAMES = "Duplicated column names were renamed"


def unique_names(names: list[str]) -> tuple[list[str], list[str]]:
    """Column names made unique and non-empty (``Tags``, ``Tags (2)``; ``column_7``), plus warnings."""
    out: list[str] = []
    seen: set[str] = set()
    dups: list[str] = []
    for i, raw in enumerate(names):
        name = (raw or "").replace("\ufeff", "").strip() or f"column_{i + 1}"
        base, k = name, 1
        while name.lower() in seen:
            k += 1
            name = f"{base} ({k})"
        if k > 1:
            dups.append(f"'{base}' → '{name}'")
        seen.add(name.lower())
        out.append(name)
    warnings = [f"{DUPLICATE_NAMES}: {', '.join(dups)}."] if dups else []
    return out, warnings


# --- sniffing ---------------------------------------------------------------------------------------------

def detect_format(path: Path, head: bytes, encoding: str | None) -> str:
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    suffix = path.suffix.lower()
    text = head[:4096].decode(encoding or "utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if suffix in {".json", ".ndjson", ".jsonl"} or text[:1] in {"[", "{"}:
        if text[:1] == "[":
            return "json"
        if text[:1] == "{":
            first_line, _, rest = text.partition("\n")
            try:
                json.loads(first_line.strip())
            except ValueError:
                return "json"  # one pretty-printed object (an API page)
            return "ndjson" if rest.strip() else "json"
    return "csv"


def sniff(path: Path, sample_rows: int = SAMPLE_ROWS, *, sheet: str | None = None) -> SourceInfo:
    """Find out what ``path`` is (format, encoding, delimiter, header row, columns, first rows).

    ``sheet``: the workbook sheet to read (xlsx, SpreadsheetML); ignored, with a warning, for other formats."""
    path = Path(path)
    if not path.is_file():
        raise SourceError(f"No such file: {path}")
    size = path.stat().st_size
    if size == 0:
        raise SourceError("The file is empty", [Problem(path.name, "0 bytes")])
    with path.open("rb") as fh:
        head = fh.read(SNIFF_BYTES)
    if head.startswith(b"PK\x03\x04"):
        return _sniff_workbook(SourceInfo(path, "xlsx", size_bytes=size, sheet=sheet), sample_rows)
    if head.startswith(OLE2_MAGIC):
        raise SourceError("This is a binary Excel 97-2003 workbook (.xls), which cannot be read",
                          [Problem(path.name, "save it as CSV or .xlsx, then import that")])
    if is_spreadsheetml(head):
        return _sniff_workbook(SourceInfo(path, "spreadsheetml", encoding="utf-8", size_bytes=size, sheet=sheet),
                               sample_rows)
    info = _sniff_flat(path, head, size, sample_rows)
    if sheet is not None:
        info.warnings.append(f"--sheet '{sheet}' applies to workbooks only; this {info.format.upper()} file has none.")
    return info


def _sniff_flat(path: Path, head: bytes, size: int, sample_rows: int) -> SourceInfo:
    """Parquet, JSON and delimited text."""
    if head.startswith(b"PAR1"):
        return _sniff_with_duckdb(SourceInfo(path, "parquet", size_bytes=size), sample_rows)
    encoding, invalid_utf8 = decide_encoding(head, encoding_probes(path, size))
    if _looks_binary(head, encoding):
        raise SourceError("This is not a text export (binary content)",
                          [Problem(path.name, "expected CSV, TSV, Excel (.xlsx), Parquet or JSON")])
    fmt = detect_format(path, head, encoding)
    info = SourceInfo(path, fmt, encoding=encoding, size_bytes=size, invalid_utf8=invalid_utf8)
    if fmt in {"json", "ndjson"}:
        return _sniff_with_duckdb(info, sample_rows)
    text = head.decode(encoding, errors="replace").lstrip("\ufeff")
    if not text.strip():
        raise SourceError("The file has no content (only blank lines)", [Problem(path.name, "no rows")])
    truncated = size > len(head)
    delim, header_line, header, has_header, warnings = sniff_dialect(text, truncated)
    check_width(path, len(header))
    names, dup_warnings = unique_names(header)
    info.delimiter, info.header_row, info.has_header = delim, header_line, has_header
    info.original_columns, info.columns = list(header), names
    info.warnings = warnings + dup_warnings
    recs = _records(text, delim, limit=20_000)
    data = [cells for line, cells in recs if line > header_line or (not has_header and line == header_line)]
    if truncated and data:
        data = data[:-1]
    seen = {c for cells in data for c in cells if c in NULL_SET}
    info.null_markers = list(dict.fromkeys([*ALWAYS_NULL, *(m for m in NULL_MARKERS if m in seen)]))
    info.sample = [{n: _null_marker(cells[i] if i < len(cells) else None) for i, n in enumerate(names)}
                   for cells in data[:sample_rows] if any(c.strip() for c in cells)]
    return info


def _null_marker(value: str | None) -> str | None:
    return None if value is None or value in NULL_SET else value


def _sniff_with_duckdb(info: SourceInfo, sample_rows: int) -> SourceInfo:
    con = duckdb.connect()
    try:
        con.execute("SET enable_progress_bar = false")
        for attempt in range(2):
            try:
                _sample_with_duckdb(con, info, sample_rows)
                break
            except duckdb.Error as exc:
                if attempt or not skip_bad_json_lines(con, info, exc):
                    raise
    except duckdb.Error as exc:
        if info.format == "json" and _first_char(info.path) == "[" and _is_empty_array(info.path):
            raise SourceError("The file has no rows", [Problem(info.path.name, "an empty JSON array")]) from None
        raise SourceError(f"Cannot read this {info.format.upper()} file",
                          [Problem(info.path.name, _short(exc))]) from None
    finally:
        con.close()
    if not info.columns:
        raise SourceError("The file has no columns", [Problem(info.path.name, "no fields found")])
    return info


def _sample_with_duckdb(con: duckdb.DuckDBPyConnection, info: SourceInfo, sample_rows: int) -> None:
    if info.format in {"json", "ndjson"}:
        info.json_root = _json_root(con, info)
    rel = relation(con, info, workdir=None)
    check_width(info.path, len(rel.columns))
    info.columns = list(rel.columns)
    info.original_columns = list(rel.columns)
    cols = ", ".join(f"CAST({quote_ident(c)} AS VARCHAR) AS {quote_ident(c)}" for c in rel.columns)
    rows = con.execute(f"SELECT {cols} FROM {rel.sql} LIMIT {int(sample_rows)}").fetchall()
    info.sample = [dict(zip(rel.columns, r, strict=True)) for r in rows]


def skip_bad_json_lines(con: duckdb.DuckDBPyConnection, info: SourceInfo, exc: BaseException,
                        examples: int = 3) -> bool:
    """After DuckDB failed on an NDJSON line that is not JSON: find every such line and read on without them.

    Returns whether that is what happened (the caller then reads again; the lines are in
    ``info.bad_json_lines`` for the report). One scan of the file, only when there is a bad line."""
    if info.format != "ndjson" or info.bad_json_lines is not None or "malformed json" not in str(exc).lower():
        return False
    # one VARCHAR column per physical line (no delimiter, no quotes): numbered in file order
    lines = (f"read_csv({quote_str(str(info.path))}, columns={{'line': 'VARCHAR'}}, delim='\x01', quote='', "
             f"escape='', header=false, auto_detect=false, strict_mode=false, new_line='\\r\\n', "
             f"max_line_size={_JSON_OBJECT_BYTES})")
    count, first = con.execute(
        f"SELECT count(*), list(n ORDER BY n)[1:{int(examples)}] FROM (SELECT row_number() OVER () AS n, line "
        f"FROM {lines}) WHERE trim(coalesce(line, '')) <> '' AND NOT json_valid(line)").fetchall()[0]
    info.bad_json_lines = BadJsonLines(int(count), list(first or []))
    return True


def _short(exc: BaseException) -> str:
    """The first line of an engine error, without its class prefix ("Binder Error: …")."""
    text = str(exc).strip()
    if not text:
        return type(exc).__name__
    return re.sub(r"^[A-Za-z ]*Error:\s*", "", text.splitlines()[0])[:300]


# --- JSON -------------------------------------------------------------------------------------------------

_JSON_OBJECT_BYTES = 16 << 20


def _read_json_sql(info: SourceInfo) -> str:
    fmt = "newline_delimited" if info.format == "ndjson" else "auto"
    # DuckDB holds two objects' worth of buffer: 16 MiB per record is plenty, but an API page
    # ({"tickets": [...]}) is one object as big as the file
    size = _JSON_OBJECT_BYTES
    if info.format == "json" and _first_char(info.path) == "{":
        size = min(max(size, 2 * info.size_bytes + (1 << 20)), 256 << 20)
    skip = ", ignore_errors=true" if info.bad_json_lines else ""
    return (f"read_json({quote_str(str(info.path))}, format={quote_str(fmt)}, records=true, "
            f"maximum_object_size={size}, sample_size=20480{skip})")


def _is_empty_array(path: Path) -> bool:
    return path.stat().st_size < 4096 and path.read_bytes().decode("utf-8", errors="replace").strip() == "[]"


def _first_char(path: Path) -> str:
    with path.open("rb") as fh:
        head = fh.read(4096)
    return head.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")[:1]


def _json_root(con: duckdb.DuckDBPyConnection, info: SourceInfo) -> str | None:
    """The envelope key of an API page (``{"tickets": [...]}``), or None for plain records."""
    rel = con.sql(f"SELECT * FROM {_read_json_sql(info)} LIMIT 0")
    names = [n.lower() for n in rel.columns]
    for key in ENVELOPE_KEYS:
        if key in names:
            idx = names.index(key)
            ty = rel.types[idx]
            if ty.id == "list" and _element(ty).id == "struct":
                return rel.columns[idx]
    return None


def _element(ty: DuckDBPyType) -> DuckDBPyType:
    """A list type's element type (DuckDB types ``children`` loosely: a decimal's are numbers)."""
    return cast(DuckDBPyType, ty.children[0][1])


def _members(ty: DuckDBPyType) -> list[tuple[str, DuckDBPyType]]:
    """A struct type's (field name, field type) pairs."""
    return [(str(name), cast(DuckDBPyType, child)) for name, child in ty.children]


def _flatten(expr: str, name: str, ty: DuckDBPyType, depth: int = 0) -> Iterator[tuple[str, str]]:
    """(sql, flat name) pairs: structs become dotted names, lists of structs ``name[].field`` lists."""
    if ty.id == "struct" and depth < _MAX_FLATTEN_DEPTH:
        children = _members(ty)
        if not children:
            return
        for child, cty in children:
            yield from _flatten(f"{expr}.{quote_ident(child)}", f"{name}.{child}" if name else child, cty, depth + 1)
    elif ty.id == "list" and _element(ty).id == "struct" and depth < _MAX_FLATTEN_DEPTH:
        for child, cty in _members(_element(ty)):
            if cty.id in {"struct", "list", "map"}:
                yield f"list_transform({expr}, lambda x: CAST(x.{quote_ident(child)} AS VARCHAR))", f"{name}[].{child}"
            else:
                yield f"list_transform({expr}, lambda x: x.{quote_ident(child)})", f"{name}[].{child}"
    elif str(ty) == "JSON":
        yield f"json_extract_string({expr}, '$')", name  # mixed-type fields: their text, without JSON quotes
    elif ty.id == "map" or (ty.id == "list" and _element(ty).id in {"list", "map"}):
        yield f"CAST(to_json({expr}) AS VARCHAR)", name
    elif str(ty) == '"NULL"' or str(ty) == "NULL":
        yield f"CAST({expr} AS VARCHAR)", name
    else:
        yield expr, name


# --- Excel ------------------------------------------------------------------------------------------------

def _cell_text(value: object) -> str | None:
    """An Excel cell as the text an export would have had (ints without ``.0``, ISO timestamps)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return None
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, date) and value.year < 1901:
        return None  # Excel's zero date (serial 0 or 1): the event never happened
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, timedelta):
        total = int(value.total_seconds())
        return f"{total // 3600:02d}:{total % 3600 // 60:02d}:{total % 60:02d}"
    text = str(value)
    return None if text in NULL_SET else text


def check_xlsx(path: Path, max_bytes: int = MAX_XLSX_BYTES, max_ratio: float = MAX_XLSX_RATIO) -> None:
    """SourceError for a workbook that would inflate past ``max_bytes`` or compresses absurdly (a zip bomb).

    Reads only the zip's central directory (declared sizes), before anything is decompressed."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise SourceError("Cannot read this Excel file", [Problem(path.name, f"not a valid .xlsx ({exc})")]) from None
    inflated = sum(m.file_size for m in members)
    packed = sum(m.compress_size for m in members)
    if inflated > max_bytes:
        raise SourceError("This workbook is too large to open",
                          [Problem(path.name, f"it unpacks to {inflated / 2**20:,.0f} MB; the limit is "
                                              f"{max_bytes / 2**20:,.0f} MB (MAX_XLSX_BYTES). Save it as CSV "
                                              "and import that")])
    if inflated > XLSX_RATIO_FLOOR and inflated > max_ratio * max(packed, 1):
        raise SourceError("This workbook is not a normal Excel file",
                          [Problem(path.name, f"it unpacks to {inflated / max(packed, 1):,.0f} times its size "
                                              f"(at most {max_ratio:,.0f} is normal): refused as a zip bomb")])


def no_such_sheet(path: Path, sheet: str, names: list[str]) -> SourceError:
    """The refusal for a sheet name the workbook does not have, listing the ones it has."""
    listed = ", ".join(f"'{n}'" for n in names) or "none"
    return SourceError(f"The workbook has no sheet named '{sheet}'",
                       [Problem(path.name, f"its sheets are: {listed} (give one of these names)")])


def pick_sheet(names: list[str], sheet: str) -> str | None:
    """``sheet`` as the workbook spells it: an exact match, else the one match ignoring case and outer spaces."""
    if sheet in names:
        return sheet
    folded = [n for n in names if n.strip().casefold() == sheet.strip().casefold()]
    return folded[0] if len(folded) == 1 else None


def _open_sheet(path: Path, wanted: str | None = None) -> tuple[Any, Any]:  # (workbook, sheet)
    from python_calamine import CalamineWorkbook

    check_xlsx(path)
    try:
        wb = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for broken zips and non-Excel files
        raise SourceError("Cannot read this Excel file", [Problem(path.name, _short(exc))]) from None
    if wanted is not None:
        name = pick_sheet(list(wb.sheet_names), wanted)
        if name is None:
            wb.close()
            raise no_such_sheet(path, wanted, list(wb.sheet_names))
        sheet = wb.get_sheet_by_name(name)
        if sheet.height > 0 and sheet.width > 0:
            return wb, sheet
        wb.close()
        raise SourceError(f"The sheet '{name}' is empty", [Problem(path.name, f"sheet '{name}' has no cells")])
    for name in wb.sheet_names:
        sheet = wb.get_sheet_by_name(name)
        if sheet.height > 0 and sheet.width > 0:
            return wb, sheet
    wb.close()
    raise SourceError("The workbook has no data", [Problem(path.name, "every sheet is empty")])


def _xlsx_rows(info: SourceInfo) -> Iterator[list[str | None]]:
    """The chosen sheet's rows as export text (calamine), the workbook closed at the end."""
    wb, sheet = _open_sheet(info.path, info.sheet)
    try:
        info.sheet, info.sheets = sheet.name, list(wb.sheet_names)
        for row in sheet.iter_rows():
            yield [_cell_text(v) for v in row]
    finally:
        wb.close()


def workbook_rows(info: SourceInfo) -> Iterator[list[str | None]]:
    """Rows of the workbook's chosen sheet (``info.sheet``, else the first with data), cells as text."""
    if info.format == "spreadsheetml":
        return spreadsheetml.rows(info)
    return _xlsx_rows(info)


def other_sheets(info: SourceInfo) -> str | None:
    """Which sheet was read and which others the workbook has (a pivot first hides the tickets), or None."""
    others = [n for n in info.sheets if n != info.sheet]
    if not others:
        return None
    return (f"Read the sheet '{info.sheet}'; the workbook also has {', '.join(repr(n) for n in others)}. To read "
            "another, give its name (--sheet NAME on the command line).")


def _sniff_workbook(info: SourceInfo, sample_rows: int) -> SourceInfo:
    head: list[list[str | None]] = []
    rows = workbook_rows(info)
    try:
        for row in rows:
            head.append(row)
            if len(head) >= 300:
                break
    finally:
        rows.close()  # type: ignore[attr-defined]
    if not head:
        raise SourceError("The workbook has no data", [Problem(info.path.name, "every sheet is empty")])
    hint = other_sheets(info)
    if hint:
        info.warnings.append(hint)
    _xlsx_header(info, head)
    check_width(info.path, len(info.columns))
    start = (info.header_row or 0) + (1 if info.has_header else 0)
    info.sample = [dict(zip(info.columns, (r + [None] * len(info.columns))[: len(info.columns)], strict=True))
                   for r in head[start:start + sample_rows] if any(v is not None for v in r)]
    return info


def _xlsx_header(info: SourceInfo, head: list[list[str | None]]) -> None:
    widths = [sum(1 for v in r if v is not None) for r in head]
    data_widths = [w for w in widths if w]
    if not data_widths or max(data_widths) < 2:
        raise SourceError("No table found in the workbook", [Problem(info.path.name, "fewer than two columns")])
    width = max(len(r) for r in head)
    target = Counter(data_widths).most_common(1)[0][0]
    header = 0
    for i, w in enumerate(widths):
        if w >= max(2, int(target * 0.6)):
            header = i
            break
    cells = [(v or "") for v in head[header]] + [""] * (width - len(head[header]))
    if header:
        info.warnings.append(f"Skipped {header} row(s) above the header row.")
    if _looks_like_data(cells) and header + 1 < len(head):
        info.has_header = False
        cells = [f"column_{k + 1}" for k in range(width)]
        info.warnings.append("The first row looks like data, not a header: columns are named column_1 …")
    info.header_row = header
    info.original_columns = cells
    info.columns, dup = unique_names(cells)
    info.warnings.extend(dup)


def xlsx_to_parquet(info: SourceInfo, dst: Path, batch_rows: int = 50_000) -> int:
    """Copy the sheet below the header to an all-text Parquet file in batches; returns the data rows."""
    rows = workbook_rows(info)
    names = info.columns
    width = len(names)
    schema = pa.schema([pa.field(n, pa.string()) for n in names])
    written = 0
    try:
        with pq.ParquetWriter(dst, schema) as writer:
            batch: list[list[str | None]] = []
            start = (info.header_row or 0) + (1 if info.has_header else 0)
            for i, row in enumerate(rows):
                if i < start:
                    continue
                cells = row[:width]
                if not any(c is not None for c in cells):
                    continue
                batch.append(cells + [None] * (width - len(cells)))
                if len(batch) >= batch_rows:
                    writer.write_table(pa.table(list(zip(*batch, strict=True)), schema=schema))
                    written += len(batch)
                    batch = []
            if batch:
                writer.write_table(pa.table(list(zip(*batch, strict=True)), schema=schema))
                written += len(batch)
    finally:
        rows.close()  # type: ignore[attr-defined]
    return written


# --- relations --------------------------------------------------------------------------------------------

def csv_sql(path: Path, info: SourceInfo, *, rejects: str | None, null_padding: bool = False) -> str:
    """``read_csv(...)`` with every option explicit; all columns VARCHAR; null markers read as NULL."""
    cols = ", ".join(f"{quote_str(c)}: 'VARCHAR'" for c in info.columns)
    nulls = ", ".join(quote_str(m) for m in (info.null_markers or NULL_MARKERS))
    opts = [
        f"delim={quote_str(info.delimiter or ',')}", "quote='\"'", "escape='\"'",
        f"header={'true' if info.has_header else 'false'}", f"skip={int(info.header_row or 0)}",
        f"columns={{{cols}}}", f"nullstr=[{nulls}]", "auto_detect=false", "strict_mode=true",
        # the reader's buffers are 16 × max_line_size per thread: 2 MiB keeps an import's memory near 350 MB
        "max_line_size=2097152", "encoding='utf-8'",
    ]
    if rejects:
        opts += ["store_rejects=true", f"rejects_table={quote_str(rejects)}",
                 f"rejects_scan={quote_str(rejects + '_scan')}"]
    if null_padding:
        opts += ["null_padding=true", "parallel=false"]
    return f"read_csv({quote_str(str(path))}, {', '.join(opts)})"


def relation(con: duckdb.DuckDBPyConnection, info: SourceInfo, workdir: Path | None, *,
             utf8_path: Path | None = None, null_padding: bool = False, rejects: str | None = None) -> Relation:
    """A DuckDB relation over the sniffed file (a view ``src_view`` for shapes that need flattening).

    CSV needs ``utf8_path`` when the file is not UTF-8 (see :func:`prepare_csv`); Excel needs a ``workdir``
    for its temporary Parquet copy.
    """
    if info.format == "csv":
        path = utf8_path or info.path
        sql = csv_sql(path, info, rejects=rejects, null_padding=null_padding)
        types = {c: VARCHAR for c in info.columns}
        return Relation(sql, list(info.columns), types, rejects_table=rejects)
    if info.format in {"xlsx", "spreadsheetml"}:
        if workdir is None:
            raise ValueError("Excel files need a work directory")
        dst = workdir / "sheet.parquet"
        if not dst.exists():
            xlsx_to_parquet(info, dst)
        sql = f"read_parquet({quote_str(str(dst))})"
        return Relation(sql, list(info.columns), {c: VARCHAR for c in info.columns})
    if info.format == "parquet":
        base = f"read_parquet({quote_str(str(info.path))})"
    else:
        base = _read_json_sql(info)
        if info.json_root:
            base = f"(SELECT unnest({quote_ident(info.json_root)}) AS __r FROM {base})"
    probe = con.sql(f"SELECT * FROM {base} LIMIT 0")
    if info.bad_json_lines and info.format == "ndjson":  # a skipped line comes back as a row of NULLs
        empty = " AND ".join(f"{quote_ident(c)} IS NULL" for c in probe.columns) or "false"
        base = f"(SELECT * FROM {base} WHERE NOT ({empty}))"
    pairs: list[tuple[str, str]] = []
    if info.format != "parquet" and info.json_root:
        (ty,) = probe.types
        pairs.extend(_flatten("__r", "", ty))
    else:
        for name, ty in zip(probe.columns, probe.types, strict=True):
            pairs.extend(_flatten(quote_ident(name), name, ty))
    names, _ = unique_names([n for _, n in pairs])
    select = ", ".join(f"{sql} AS {quote_ident(n)}" for (sql, _), n in zip(pairs, names, strict=True))
    view = "src_view"
    con.execute(f"CREATE OR REPLACE TEMP VIEW {view} AS SELECT {select} FROM {base}")
    rel = con.sql(f"SELECT * FROM {view} LIMIT 0")
    return Relation(view, list(rel.columns), dict(zip(rel.columns, rel.types, strict=True)))


def prepare_csv(info: SourceInfo, workdir: Path, *, force_fallback: bool = False,
                newlines: bool = False) -> Path | None:
    """The path DuckDB should read: None when the file is already clean UTF-8, else a streamed UTF-8 copy.

    A UTF-8 file with invalid bytes (seen while sniffing, or ``force_fallback`` after DuckDB rejected
    lines further down) is decoded as UTF-8 with only those bytes read as cp1252, keeping their rows;
    where they were is left in ``info.invalid_bytes`` for the report. ``newlines`` makes every line end
    LF (files mixing CRLF and LF).
    """
    enc = (info.encoding or "utf-8").lower()
    utf8 = enc in {"utf-8", "utf-8-sig", "utf8", "ascii"}
    lenient = utf8 and (force_fallback or info.invalid_utf8)
    if utf8 and not lenient and not newlines:
        return None
    dst = workdir / "source.utf8.csv"
    if lenient:
        info.invalid_bytes = transcode(info.path, dst, "utf-8", errors="journeys_cp1252", newlines=newlines)
    else:
        transcode(info.path, dst, "utf-8" if utf8 else enc, newlines=newlines)
    return dst


def rejected_csv_lines(con: duckdb.DuckDBPyConnection, table: str | None, examples: int = 3
                       ) -> list[tuple[str, int, list[int], str]]:
    """(error type, lines, first line numbers, first line text) of the CSV lines DuckDB's reader rejected."""
    if not table:
        return []
    try:
        rows = con.execute(
            f"WITH firsts AS (SELECT line, min(error_type) AS et, first(csv_line) AS txt "
            f"FROM {quote_ident(table)} GROUP BY line) "
            f"SELECT et, count(*), list(line ORDER BY line)[1:{examples}], first(txt ORDER BY line) "
            f"FROM firsts GROUP BY et").fetchall()
    except duckdb.Error:
        return []
    return [(r[0], int(r[1]), list(r[2]), r[3] or "") for r in rows]


# How DuckDB's reader names a line it rejected (``reject_errors.error_type``), in an import report's words.
MALFORMED_REASONS = {
    "TOO MANY COLUMNS": "malformed line (more fields than the header)",
    "MISSING COLUMNS": "malformed line (fewer fields than the header)",
    "UNQUOTED VALUE": "malformed line (stray quote)",
    "INVALID ENCODING": "malformed line (invalid text encoding)",
    "LINE SIZE OVER MAXIMUM": "malformed line (longer than 2 MiB)",
    "INVALID STATE": "malformed line (broken quoting)",
    "NOT JSON": "malformed line (not valid JSON)",
}


def malformed_reason(error_type: str) -> str:
    """The import report's reason for a line the reader rejected: ticket exports and event logs word it alike."""
    return MALFORMED_REASONS.get(error_type, f"malformed line ({error_type.lower()})")


def rejected_sentence(rejected: Mapping[str, int], examples: Mapping[str, list[str]], rows: int) -> str:
    """The import reports' line on rejected rows, commonest reason first, each with its examples:
    "Rejected 3 rows — no timestamp: 2 (e.g. row 4; row 9); duplicate id: 1." (ticket exports and event logs)."""
    parts = []
    for reason, n in sorted(rejected.items(), key=lambda kv: -kv[1]):
        shown = examples.get(reason)
        parts.append(f"{reason}: {n:,}" + (f" (e.g. {'; '.join(shown)})" if shown else ""))
    return f"Rejected {rows:,} rows — " + "; ".join(parts) + "."
