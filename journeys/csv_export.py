"""The one CSV writer for every CSV the product writes (CLI ``--format csv``, page downloads, exports).

People's text ends up in these files (ticket fields, step labels, titles, owners), and a
spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula. So every text
cell that starts with one of those (or with a tab or a carriage return) gets a leading apostrophe,
and so does every *line* inside a cell: a spreadsheet that splits a cell on a line break must not
find a live formula at the start of the second line either. Python's ``csv`` quotes a lone CR only
when CR is part of the line terminator, so rows are written with ``\\r\\n`` for the quoting decision
and end in a plain ``\\n`` (Unix tools and every CSV reader accept it). Numbers stay numbers;
lists are joined as text (then neutralised like any text).
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:  # pandas loads only when a frame is written: every CLI command imports this module
    import pandas as pd
    from typing_extensions import TypeIs

    Rows = pd.DataFrame | Iterable[Mapping[str, Any]]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A formula character at the start of the text or right after a line break (CRLF, CR or LF).
_LINE_START = re.compile(r"(\A|\r\n|\r|\n)(?=[=+\-@\t\r])")


def neutralise(text: str) -> str:
    """``text`` with an apostrophe before every line start a spreadsheet would run as a formula."""
    return _LINE_START.sub(r"\1'", text)


def cell(value: Any) -> Any:
    """One value as a CSV cell: numbers as they are, missing values empty, everything else as safe text."""
    if value is None or _is_missing(value):
        return ""
    if isinstance(value, bool | int | Decimal):
        return value
    if isinstance(value, float):
        return "" if math.isnan(value) else value
    if hasattr(value, "item") and not isinstance(value, str | bytes):  # numpy scalars
        return cell(value.item())
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple | set | frozenset):
        value = ", ".join(str(v) for v in value)
    return neutralise(str(value))


def _is_missing(value: Any) -> bool:
    """pandas' NaT and NA (without importing pandas for rows that hold neither)."""
    return type(value).__name__ in ("NaTType", "NAType") and type(value).__module__.startswith("pandas")


def _is_frame(data: Rows) -> TypeIs[pd.DataFrame]:
    """A pandas DataFrame, told by its attributes so rows of dicts never import pandas."""
    return hasattr(data, "itertuples") and hasattr(data, "columns")


def _records(data: Rows, columns: Sequence[str] | None) -> tuple[list[str], Iterable[Sequence[Any]]]:
    if _is_frame(data):
        names = [str(c) for c in (columns if columns is not None else data.columns)]
        frame = data if columns is None else data.reindex(columns=list(columns))
        return names, frame.itertuples(index=False, name=None)
    rows = data if isinstance(data, list) else list(data)
    names = list(columns) if columns is not None else (list(rows[0].keys()) if rows else [])
    return names, ([r.get(c) for c in names] for r in rows)


def write_csv(data: Rows, out: TextIO, columns: Sequence[str] | None = None) -> int:
    """Write a frame (or dict rows, keeping ``columns`` in that order) as spreadsheet-safe CSV; the row count."""
    names, records = _records(data, columns)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")  # quotes any cell with CR or LF in it

    def emit(cells: Iterable[Any]) -> None:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(cells)
        out.write(buffer.getvalue()[:-2] + "\n")

    emit(neutralise(n) for n in names)
    count = 0
    for record in records:
        emit(cell(v) for v in record)
        count += 1
    return count


def csv_text(data: Rows, columns: Sequence[str] | None = None) -> str:
    """The CSV of :func:`write_csv` as a string (for download buttons and ``--output`` files)."""
    out = io.StringIO()
    write_csv(data, out, columns)
    return out.getvalue()
