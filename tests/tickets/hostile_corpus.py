"""Hostile ticket and event-log files, written by code at test time (no binary blobs in the repository).

Each writer returns what the test needs to check the import exactly: the text it wrote per ticket
id, and the physical line numbers (1-based, header = line 1) that hold something hostile.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

NAMES = ("José Núñez", "Zoë Brontë", "Søren Åberg", "Françoise Lefèvre", "Łukasz Żółć", "Ærøskøbing Œuvre",
         "Crème brûlée", "Mañana €5", "naïve café", "Dvořák – “ok”")
CREATED = "2024-03-04 09:00:00"


@dataclass
class Written:
    """A generated file, the subject written for each id, and the lines holding hostile bytes."""

    path: Path
    subjects: dict[str, str] = field(default_factory=dict)
    bad_lines: list[int] = field(default_factory=list)


def stray_byte_csv(path: Path, rows: int = 200, stray_at: tuple[int, ...] = (1,), byte: bytes = b"\xe9") -> Written:
    """UTF-8 tickets with accented names; ``byte`` (a lone Windows-1252 é by default) injected into the
    subject of the data rows numbered in ``stray_at`` (0-based), after the name, so the name stays valid."""
    out = Written(path)
    lines = [b"id,created_at,subject"]
    for i in range(rows):
        subject = f"{NAMES[i % len(NAMES)]} {i}"
        raw = subject.encode("utf-8")
        if i in stray_at:
            raw += b" " + byte + b"x"
            out.bad_lines.append(i + 2)
        else:
            out.subjects[str(i)] = subject
        lines.append(f"{i},{CREATED},".encode() + raw)
    path.write_bytes(b"\r\n".join(lines) + b"\r\n")
    return out


def cp1252_csv(path: Path, rows: int = 200) -> Written:
    """What Excel on Windows saves: every accented letter one byte, none of them valid UTF-8."""
    out = Written(path)
    text = "id,created_at,subject\r\n"
    for i in range(rows):
        subject = f"{('Crème brûlée', 'naïve café', 'Mañana', 'Zoë Brontë', 'Fiancée')[i % 5]} {i}"
        out.subjects[str(i)] = subject
        text += f"{i},{CREATED},{subject}\r\n"
    path.write_bytes(text.encode("cp1252"))
    return out


def mixed_newlines_csv(path: Path, rows: int = 300) -> Written:
    """Rows ending in CRLF, LF and lone CR in turn (files glued together from several systems)."""
    out = Written(path)
    ends = ("\r\n", "\n", "\r\n", "\r")
    text = "id,created_at,subject\n"
    for i in range(rows):
        subject = f"{NAMES[i % len(NAMES)]} {i}"
        out.subjects[str(i)] = subject
        text += f"{i},{CREATED},{subject}{ends[i % len(ends)]}"
    path.write_bytes(text.encode("utf-8"))
    return out


def wide_csv(path: Path, columns: int = 10_000, rows: int = 5) -> Written:
    """A header of ``columns`` names (id, created_at, then filler) and a few rows."""
    header = ["id", "created_at"] + [f"field_{k}" for k in range(columns - 2)]
    body = [",".join([str(i), CREATED] + ["x"] * (columns - 2)) for i in range(rows)]
    path.write_text("\n".join([",".join(header), *body]) + "\n", encoding="utf-8")
    return Written(path, {str(i): "" for i in range(rows)})


def ndjson_with_bad_lines(path: Path, rows: int = 100, bad: tuple[int, ...] = (50,)) -> Written:
    """NDJSON tickets; the records numbered in ``bad`` (0-based) are cut mid-string (invalid JSON)."""
    out = Written(path)
    lines = []
    for i in range(rows):
        subject = f"{NAMES[i % len(NAMES)]} {i}"
        line = json.dumps({"id": str(i), "created_at": CREATED, "subject": subject}, ensure_ascii=False)
        if i in bad:
            line = line[: line.index(subject) + 3]  # an unterminated string: not JSON
            out.bad_lines.append(i + 1)
        else:
            out.subjects[str(i)] = subject
        lines.append(line)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def xlsx_bomb(path: Path, inflated: int = 64 << 20) -> Path:
    """A zip laid out like a workbook whose one sheet inflates to ``inflated`` bytes of blanks."""
    chunk = b" " * (1 << 20)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            for _ in range(inflated // len(chunk)):
                sheet.write(chunk)
    return path


def big_csv(path: Path, rows: int, stray_every: int = 0) -> Path:
    """A large UTF-8 ticket export (about 60 bytes a row), with a stray cp1252 byte every ``stray_every`` rows."""
    with path.open("wb") as out:
        out.write(b"id,created_at,subject\n")
        block = []
        for i in range(rows):
            extra = b" \xe9" if stray_every and i % stray_every == 0 else b""
            block.append(f"{i},{CREATED},{NAMES[i % len(NAMES)]} {i}".encode() + extra + b"\n")
            if len(block) == 10_000:
                out.write(b"".join(block))
                block = []
        out.write(b"".join(block))
    return path
