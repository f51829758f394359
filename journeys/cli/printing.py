"""The one place the CLI turns structured results into text: a table, JSON or CSV.

Tables are for reading in a terminal, so their cells are bounded (one line, a few list items); JSON
and CSV carry the whole values, and CSV cells a spreadsheet would run as formulas are neutralised
(:func:`journeys.csv_export.csv_text`). Numbers reach the printers as plain numbers (:func:`number`),
never as text to be parsed back.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from journeys.bounded import some_of
from journeys.cli.app import BadInput
from journeys.csv_export import csv_text
from journeys.errors import ECHO, clip_echo

CELL_WIDTH = 80  # characters of a table cell; the whole value is in --format json or csv
MESSAGE_WIDTH = 2 * ECHO  # a sentence written by the core (a finding, an explanation) gets more room
CELL_ITEMS = 5  # items of a list cell before "… and N more"


def emit(rows: list[dict[str, Any]], fmt: str, columns: Sequence[str] | None = None) -> None:
    """Print rows as a table (cells bounded: see :func:`cell`), JSON or CSV (the whole values)."""
    columns = list(columns or (rows[0].keys() if rows else []))
    if fmt == "json":
        echo_json(rows)
        return
    if fmt == "csv":
        click.echo(csv_text(rows, columns), nl=False)
        return
    if not rows:
        click.echo("(none)")
        return
    limits = [MESSAGE_WIDTH if c in ("message", "explain") else CELL_WIDTH for c in columns]
    cells = [[cell(r.get(c), limit) for c, limit in zip(columns, limits, strict=True)] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    click.echo("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
    click.echo("  ".join("-" * w for w in widths))
    for row in cells:
        click.echo("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())


def echo_json(value: Any) -> None:
    """A result as indented JSON (dates as ISO text, non-ASCII kept)."""
    click.echo(json.dumps(value, indent=2, default=str, ensure_ascii=False))


def cell(value: Any, width: int = CELL_WIDTH) -> str:
    """A table cell: one line, at most ``width`` characters; a long list shows its first few items, so a
    table's size is rows × bounded width however long a label or a finding's step list is."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return clip_echo(some_of(value, shown=CELL_ITEMS, quote=""), width)
    return clip_echo(value, width)


def number(value: Any) -> Any:
    """JSON-friendly cell: NaN (too few / not applicable) becomes empty, numpy scalars plain numbers."""
    if value is None:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, float):
        return round(value, 6)
    return value


def frame_rows(frame: Any, columns: list[str] | None = None) -> list[dict[str, Any]]:
    """DataFrame rows as plain JSON-friendly dicts (NaN → None, numpy scalars → numbers, tuples → lists)."""
    out = []
    for record in frame.to_dict("records"):
        row = {}
        for k, v in record.items():
            if columns and k not in columns:
                continue
            if hasattr(v, "item"):
                v = v.item()
            if isinstance(v, float):
                v = None if math.isnan(v) else round(v, 6)
            if isinstance(v, tuple):
                v = list(v)
            row[k] = v
        out.append(row)
    return out


def revisions(history: Sequence[Any]) -> list[dict[str, Any]]:
    """Saved revisions (journeys, rules, pain points, experiments) as rows: who saved which version, when, why."""
    return [{"version": r.version, "author": r.author, "saved_at": r.created_at.isoformat(timespec="seconds"),
             "message": r.message} for r in history]


REVISION_COLUMNS = ["version", "author", "saved_at", "message"]


def write_text(text: str, output: str | None, what: str) -> None:
    """A document to standard output, or to ``output`` with ``Wrote FILE (what).`` on stderr."""
    if output is None:
        click.echo(text, nl=not text.endswith("\n"))
        return
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as error:
        raise BadInput(f"cannot write {output}: {error.strerror or error}") from None
    click.echo(f"Wrote {output} ({what}).", err=True)
