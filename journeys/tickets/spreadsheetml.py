"""SpreadsheetML 2003 (the "XML Spreadsheet" Excel wrote before .xlsx), streamed row by row.

Freshdesk's "Excel" ticket export is such a file, usually named ``.xls``::

    <?xml version="1.0"?>
    <Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"
              xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">
     <Worksheet ss:Name="Tickets"><Table>
      <Row><Cell><Data ss:Type="String">Ticket ID</Data></Cell>…</Row>
      <Row><Cell ss:Index="3"><Data ss:Type="Number">42</Data></Cell>…</Row>

Traps: ``ss:Index`` on a cell skips empty columns (1-based) and on a row skips empty rows;
``ss:MergeAcross`` spans columns; ``Data`` may hold rich text (``<html:Font>`` children); DateTime
values are ``2024-01-05T10:00:00.000`` and Excel's zero date (``1899-12-31``) means "never";
Number values are written as doubles (``42`` or ``42.0``).

Read with :func:`xml.etree.ElementTree.iterparse`: each row is handed on and dropped, so memory
stays bounded whatever the file's size. A document type declaration (the vehicle of entity
expansion attacks; SpreadsheetML never has one) is refused before parsing; expat ≥ 2.4 also caps
entity amplification.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from xml.sax.saxutils import unescape

from journeys.errors import Problem

if TYPE_CHECKING:
    from journeys.tickets.export_files import SourceError, SourceInfo

NS = "urn:schemas-microsoft-com:office:spreadsheet"
_Q = "{" + NS + "}"
WORKSHEET, TABLE, ROW, CELL, DATA = (_Q + t for t in ("Worksheet", "Table", "Row", "Cell", "Data"))
NAME, INDEX, MERGE, TYPE = (_Q + t for t in ("Name", "Index", "MergeAcross", "Type"))
# a cell index past this is not a real export (a hostile ss:Index="999999999" would pad a row with Nones)
MAX_INDEX = 16_384
_DOCTYPE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)


def is_spreadsheetml(head: bytes) -> bool:
    """Whether the first bytes are a SpreadsheetML workbook (XML declaration, then a Workbook element)."""
    text = head[:65536].lstrip(b"\xef\xbb\xbf \t\r\n")
    return text.startswith(b"<") and NS.encode() in text and b"Workbook" in text


def _error(path: Path, what: str, detail: str) -> SourceError:
    from journeys.tickets.export_files import SourceError

    return SourceError(what, [Problem(path.name, detail)])


def _check_head(path: Path) -> None:
    with path.open("rb") as fh:
        head = fh.read(1 << 20)
    root = head.find(b"<Workbook") if b"<Workbook" in head else head.find(b":Workbook")
    if root < 0:
        raise _error(path, "Cannot read this XML workbook", "no <Workbook> element in its first MiB")
    if _DOCTYPE.search(head[:root]):
        raise _error(path, "This XML workbook is refused", "it declares a document type or entities, which "
                                                           "SpreadsheetML never does (an XML expansion attack?)")


def cell_text(kind: str | None, text: str, nulls: frozenset[str] = frozenset()) -> str | None:
    """A ``<Data>`` value as the text a CSV export would have had (ints without ``.0``, ISO timestamps);
    ``nulls``: the null markers (``-``, ``N/A`` …) that mean an empty cell."""
    if kind == "String" or kind is None:
        return None if text in nulls or text.strip() in nulls else text
    if kind == "Number":
        try:
            x = float(text)
        except ValueError:
            return text.strip() or None
        if x != x or x in (float("inf"), float("-inf")):
            return None
        return str(int(x)) if x.is_integer() and abs(x) < 1e15 else text.strip()
    if kind == "DateTime":
        value = text.strip().rstrip("Z")
        if value[:4].isdigit() and int(value[:4]) < 1901:
            return None  # Excel's zero date: the event never happened
        value = value.replace("T", " ")
        return re.sub(r"\.0+$", "", value)
    if kind == "Boolean":
        return "true" if text.strip() in {"1", "true", "TRUE"} else "false"
    return None if text in nulls or text.strip() in nulls else text


def sheet_names(path: Path) -> list[str]:
    """Every worksheet's name, in order (one streamed pass; rows are dropped as they are read)."""
    names: list[str] = []
    for _event, elem in _events(path, ("start", "end")):
        if _event == "start" and elem.tag == WORKSHEET:
            names.append(elem.get(NAME) or f"Sheet{len(names) + 1}")
        elif _event == "end" and elem.tag == ROW:
            elem.clear()
    return names


def _events(path: Path, events: tuple[Literal["start", "end"], ...]) -> Iterator[tuple[str, ET.Element]]:
    _check_head(path)
    try:
        yield from ET.iterparse(str(path), events=events)
    except ET.ParseError as exc:
        raise _error(path, "This XML workbook is broken", f"not well-formed XML ({exc})") from None


@dataclass
class _SheetWalk:
    """Where :func:`rows` is in the workbook: the sheet it is in, whether it reads it, the row number."""

    wanted: str | None
    names: list[str] = field(default_factory=list)
    current: str | None = None
    reading: bool = False
    produced: bool = False
    row_no: int = 0

    def enter_sheet(self, elem: ET.Element) -> None:
        from journeys.tickets.export_files import pick_sheet

        self.current = elem.get(NAME) or f"Sheet{len(self.names) + 1}"
        self.names.append(self.current)
        self.reading = (pick_sheet([self.current], self.wanted) is not None) if self.wanted is not None \
            else not self.produced
        self.row_no = 0

    def row(self, elem: ET.Element, info: SourceInfo) -> Iterator[list[str | None]]:
        """The rows an ``<ss:Row>`` stands for: empty ones for rows ``ss:Index`` skips (bounded), then its cells."""
        from journeys.tickets.export_files import NULL_SET

        index = _int(elem.get(INDEX))
        if index is not None and index > self.row_no + 1:
            for _ in range(min(index - self.row_no - 1, 1_000_000)):
                yield []
            self.row_no = index - 1
        self.row_no += 1
        cells = _cells(elem, NULL_SET)
        if not self.produced and any(c is not None for c in cells):
            info.sheet, self.produced = self.current, True
        yield cells


def rows(info: SourceInfo) -> Iterator[list[str | None]]:
    """Rows of the chosen sheet (``info.sheet`` by name, else the first with data), cells as text.

    Sets ``info.sheet`` to the sheet read. Rows skipped with ``ss:Index`` come out empty (the header
    finder and the Parquet writer skip empty rows), so row numbers stay the sheet's own."""
    walk = _SheetWalk(info.sheet)
    info.sheets = head_sheet_names(info.path)
    table: ET.Element | None = None
    for event, elem in _events(info.path, ("start", "end")):
        tag = elem.tag
        if tag in (CELL, DATA):
            continue
        if event == "start":
            if tag == WORKSHEET:
                walk.enter_sheet(elem)
            elif tag == TABLE:
                table = elem
            continue
        if tag == ROW:
            if walk.reading:
                yield from walk.row(elem, info)
            elem.clear()
            if table is not None:
                table.clear()  # drop the finished rows: memory stays that of one row
        elif tag == WORKSHEET:
            if walk.reading and walk.produced:
                return  # the sheet was read; the rest of the file is not needed
            elem.clear()
    if walk.wanted is not None and not walk.produced:
        raise _missing_sheet(info.path, walk.wanted, walk.names)


def _missing_sheet(path: Path, wanted: str, names: list[str]) -> Exception:
    """Why the sheet asked for gave no rows: it is empty, or the workbook has no sheet of that name."""
    from journeys.tickets.export_files import no_such_sheet, pick_sheet

    if any(pick_sheet([n], wanted) for n in names):
        return _error(path, f"The sheet '{wanted}' is empty", f"sheet '{wanted}' has no cells")
    return no_such_sheet(path, wanted, names)


def head_sheet_names(path: Path) -> list[str]:
    """Sheet names written in the first MiB (cheap; a later sheet of a huge workbook is not listed)."""
    with path.open("rb") as fh:
        head = fh.read(1 << 20)
    found = re.findall(rb"<(?:ss:)?Worksheet\b[^>]*?\bss:Name=\"([^\"]*)\"", head)
    return [unescape(n.decode("utf-8", "replace"), {"&quot;": "\"", "&apos;": "'"}) for n in found]


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _cells(row: ET.Element, nulls: frozenset[str]) -> list[str | None]:
    out: list[str | None] = []
    for cell in row.iterfind(CELL):
        attrib = cell.attrib
        if attrib:
            index = _int(attrib.get(INDEX))
            if index is not None and len(out) < index - 1 < MAX_INDEX:
                out.extend([None] * (index - 1 - len(out)))
        data = cell.find(DATA)
        if data is None:
            out.append(None)
        else:
            text = data.text or "" if not len(data) else "".join(data.itertext())  # rich text: <html:Font> …
            out.append(cell_text(data.get(TYPE), text, nulls))
        if attrib:
            merge = _int(attrib.get(MERGE))
            if merge and 0 < merge < MAX_INDEX:
                out.extend([None] * merge)
    return out
