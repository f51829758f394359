"""Stream an XES event log (plain or gzipped) into all-text Parquet parts, never holding the file in memory.

XES (IEEE 1849) nests events in traces; attributes are typed elements (``<string key=… value=…/>``,
``<date …/>``, ``<int …/>`` …). The file is fed to expat in 1 MiB chunks and events are handed on
in batches, so memory follows one trace and one batch, not the file. (We drive expat directly rather
than through ``ElementTree.iterparse``: its C parser hides the expat handle that is needed to refuse
entity declarations, and we never need the element tree.) Each event becomes one row:

- trace attributes as ``case:<key>`` (so the trace's ``concept:name`` is ``case:concept:name``, the
  name process-mining tools use), event attributes under their own key;
- every value as text (the importer parses ``time:timestamp`` like any other timestamp column);
- ``lifecycle:transition`` (the Lifecycle extension: start, complete, schedule …) is an event attribute like
  any other: its start/complete rows are paired in :mod:`.log`, the same for XES and for CSV exports of XES,
  so both read alike (an event without the attribute is a completion, as the standard and pm4py have it);
- nested attributes (an attribute inside an attribute, ``<list>`` and ``<container>`` values) are
  allowed and ignored: they describe an attribute, not the event; their count is reported.

Safety: entity declarations (``<!ENTITY``) are refused before any is expanded (the "billion
laughs" expansion attack); external entities are never fetched. A file that stops being
well-formed XML part-way keeps the complete traces before the break, with a warning.
"""

from __future__ import annotations

import gzip
import zlib
from dataclasses import dataclass, field
from io import BufferedIOBase
from pathlib import Path
from xml.parsers import expat

import pyarrow as pa
import pyarrow.parquet as pq

from journeys.errors import JourneysError, Problem

ATTRIBUTE_TAGS = frozenset({"string", "date", "int", "float", "boolean", "id", "list", "container"})
CONTAINER_TAGS = frozenset({"list", "container", "values"})
BATCH_EVENTS = 100_000
CHUNK_BYTES = 1 << 20
GZIP_MAGIC = b"\x1f\x8b"


class XesError(JourneysError):
    """The file cannot be read as an XES log at all."""


class _Enough(Exception):
    """Raised inside the parser once a preview has the events it asked for."""


@dataclass
class XesResult:
    """The Parquet parts written, their columns in first-seen order, and what was noticed on the way."""

    parts: list[Path] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    events: int = 0
    traces: int = 0
    nested_ignored: int = 0
    outside_traces: int = 0
    warnings: list[str] = field(default_factory=list)
    log_name: str | None = None


def is_gzip(head: bytes) -> bool:
    return head.startswith(GZIP_MAGIC)


def looks_like_xml(head: bytes) -> bool:
    """True when the (decompressed) first bytes start an XML document."""
    text = head[:512].decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    return text.startswith(("<?xml", "<log", "<!--", "<xes:log"))


def open_bytes(path: Path) -> BufferedIOBase:
    """The file's bytes, decompressed on the fly when it is gzipped."""
    with path.open("rb") as fh:
        head = fh.read(2)
    return gzip.open(path, "rb") if is_gzip(head) else path.open("rb")


def read_head(path: Path, size: int = 4096) -> bytes:
    """The first bytes of the (decompressed) content; b"" for a broken gzip stream."""
    try:
        with open_bytes(path) as fh:
            return fh.read(size)
    except (OSError, EOFError, zlib.error):
        return b""


def _local(name: str) -> str:
    return name.rsplit(":", 1)[-1]


class _Writer:
    """Collects rows and writes one all-text Parquet part per batch (parts may differ in columns)."""

    def __init__(self, workdir: Path, result: XesResult, max_events: int, limit: int | None = None) -> None:
        self.workdir, self.result, self.max_events, self.limit = workdir, result, max_events, limit
        self.rows: list[dict[str, str]] = []
        self.seen: dict[str, None] = {}

    def add(self, rows: list[dict[str, str]]) -> None:
        for row in rows:
            for key in row:
                if key not in self.seen:
                    self.seen[key] = None
        self.rows.extend(rows)
        self.result.events += len(rows)
        if self.result.events > self.max_events:
            raise XesError(f"The log has more than {self.max_events:,} events, more than this workspace imports",
                           [Problem("file", "filter the log before importing it, or raise JOURNEYS_MAX_EVENTS")])
        if len(self.rows) >= BATCH_EVENTS:
            self.flush()
        if self.limit is not None and self.result.events >= self.limit:
            raise _Enough

    def flush(self) -> None:
        if not self.rows:
            return
        names = list(self.seen)
        table = pa.table({n: pa.array([r.get(n) for r in self.rows], pa.string()) for n in names})
        part = self.workdir / f"xes-{len(self.result.parts):05d}.parquet"
        pq.write_table(table, part)
        self.result.parts.append(part)
        self.result.columns = list(self.seen)
        self.rows = []


class _Handler:
    """expat callbacks: a stack of element names, the current trace's attributes and events."""

    def __init__(self, writer: _Writer, result: XesResult) -> None:
        self.writer, self.result = writer, result
        self.stack: list[str] = []
        self.trace: dict[str, str] = {}
        self.event: dict[str, str] = {}
        self.pending: list[dict[str, str]] = []

    def start(self, name: str, attrs: dict[str, str]) -> None:
        tag = _local(name)
        if not self.stack and tag != "log":
            raise XesError("This XML file is not an XES event log",
                           [Problem("file", f"the root element is <{tag}>, not <log>")])
        parent = self.stack[-1] if self.stack else None
        self.stack.append(tag)
        if tag == "trace":
            self.trace, self.pending = {}, []
        elif tag == "event":
            self.event = {}
        elif tag in ATTRIBUTE_TAGS or tag == "values":
            key, value = attrs.get("key"), attrs.get("value", "")
            if tag in CONTAINER_TAGS or parent in ATTRIBUTE_TAGS or parent == "values":
                self.result.nested_ignored += 1
            elif parent == "event" and key:
                self.event[key] = value
            elif parent == "trace" and key:
                self.trace[key] = value
            elif parent == "log" and key == "concept:name":
                self.result.log_name = value

    def end(self, name: str) -> None:
        tag = self.stack.pop()
        parent = self.stack[-1] if self.stack else None
        if tag == "event":
            if parent == "trace":
                self.pending.append(self.event)
            else:
                self.result.outside_traces += 1
        elif tag == "trace":
            case = {f"case:{k}": v for k, v in self.trace.items()}
            self.writer.add([{**case, **ev} for ev in self.pending])
            self.result.traces += 1
            self.pending = []


def _refuse_entities(*_args: object) -> None:
    raise XesError("The XML file declares entities, which are not allowed",
                   [Problem("file", "<!ENTITY …> declarations can expand to gigabytes; remove them")])


def xes_to_parquet(path: Path, workdir: Path, max_events: int, limit: int | None = None) -> XesResult:
    """Stream ``path`` (XES, maybe gzipped) into Parquet parts under ``workdir``; XesError when unusable.

    ``limit`` stops quietly after that many events (a preview); ``max_events`` refuses bigger logs.
    """
    result = XesResult()
    writer = _Writer(workdir, result, max_events, limit)
    handler = _Handler(writer, result)
    parser = expat.ParserCreate()
    parser.StartElementHandler = handler.start
    parser.EndElementHandler = handler.end
    parser.EntityDeclHandler = _refuse_entities
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    try:
        with open_bytes(path) as stream:
            while chunk := stream.read(CHUNK_BYTES):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except _Enough:
        pass
    except expat.ExpatError as exc:
        what = f"not well-formed XML at line {exc.lineno} ({expat.ErrorString(exc.code)})"
        if result.events == 0:
            raise XesError("This is not a readable XES file", [Problem(path.name, what)]) from None
        result.warnings.append(f"The file is {what}; the {result.traces:,} complete trace(s) before it were read, "
                               "the rest was not.")
    except (EOFError, OSError, zlib.error) as exc:
        what = str(exc) or type(exc).__name__
        if result.events == 0:
            raise XesError("This compressed file cannot be read", [Problem(path.name, what)]) from None
        result.warnings.append(f"The compressed file ends early ({what}); the {result.traces:,} complete "
                               "trace(s) before that were read.")
    writer.flush()
    if result.nested_ignored:
        result.warnings.append(f"{result.nested_ignored:,} nested XES attribute(s) (attributes of attributes, "
                               "list and container values) were ignored.")
    if result.outside_traces:
        result.warnings.append(f"{result.outside_traces:,} event(s) outside any trace were ignored (they have no "
                               "case).")
    return result
