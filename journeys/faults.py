"""Known faults of the machine, not of the input, said in words: one place for the CLI and the pages.

A database that is down, a full disk, a read-only folder or a missing permission surfaces as a
driver exception (SQLAlchemy, psycopg, sqlite3, DuckDB, OSError) whose text carries file paths,
host names and a stack trace. :func:`describe_fault` turns the known classes into one short
sentence that names the cause and nothing about the server (safe to show on a page to anyone);
:func:`classify_fault` adds a ``detail`` for the command line (the operator's own host or file,
never a password). Unknown errors give ``None``: the caller keeps its own last line of defence.
"""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass

from journeys.errors import clip_echo

UNREACHABLE = "cannot reach the workspace database"
DISK_FULL = "the disk is full"
READ_ONLY = "the workspace is read-only"
DENIED = "permission denied on the workspace's files"

_IN_THE_WAY = "a file is where the workspace needs a folder"
_BY_ERRNO = {errno.ENOSPC: DISK_FULL, errno.EDQUOT: "the disk quota is used up", errno.EROFS: READ_ONLY,
             errno.EACCES: DENIED, errno.EPERM: DENIED, errno.ENOTDIR: _IN_THE_WAY, errno.EEXIST: _IN_THE_WAY}
# Driver messages (sqlite3, DuckDB, pyarrow …) that say the same without an errno, matched in lower case.
_BY_TEXT = [
    ("no space left on device", DISK_FULL), ("database or disk is full", DISK_FULL),
    ("disk quota exceeded", "the disk quota is used up"),
    ("attempt to write a readonly database", "the workspace database is read-only"),
    ("read-only file system", READ_ONLY),
    ("permission denied", DENIED),
    ("unable to open database file", "cannot open the workspace database file (its folder is missing or "
                                     "not writable)"),
    ("file is not a database", "the workspace database file is damaged or is not a database"),
    ("database is locked", "the workspace database is locked by another program; try again"),
    ("disk i/o error", "a disk error stopped the workspace database (is the disk full or failing?)"),
]
# What a database server (PostgreSQL) answers, in lower case; checked before the text above.
_BY_SERVER = [
    ("password authentication failed", "the workspace database refused the sign-in (user or password)"),
    ("no password supplied", "the workspace database refused the sign-in (user or password)"),
    ("permission denied", "the workspace database refused access (the user lacks a permission)"),
    ("does not exist", "the workspace database (or its user) does not exist on the server"),
    ("could not write", DISK_FULL + " on the database server"),
]
_SECRET = [(re.compile(r"(\w[\w+.-]*://[^:/@\s]*:)[^@\s]*@"), r"\1***@"),
           (re.compile(r"(password\s*=\s*)\S+", re.IGNORECASE), r"\1***")]


@dataclass(frozen=True)
class Fault:
    """A known fault: ``cause`` safe for anyone to read, ``detail`` for the operator at the command line."""

    cause: str
    detail: str = ""

    def sentence(self) -> str:
        return self.cause[:1].upper() + self.cause[1:] + "."

    def one_line(self) -> str:
        """The CLI's line: the cause and, when it adds something, the driver's own short reason."""
        return f"{self.cause} ({self.detail})" if self.detail and self.detail.lower() != self.cause else self.cause


def describe_fault(error: BaseException) -> str | None:
    """A short sentence naming a known fault (database unreachable, disk full, read-only, permission
    denied …), with no file path, host name or stack trace in it; ``None`` for any other error."""
    fault = classify_fault(error)
    return fault.sentence() if fault else None


def classify_fault(error: BaseException) -> Fault | None:
    """The known fault behind ``error`` (looking through its causes and the driver's own exception)."""
    for exc in _chain(error):
        found = _classified(exc)
        if found is not None:
            return found
    return None


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    pending = [error]
    while pending and len(seen) < 20:
        exc = pending.pop(0)
        if id(exc) in seen:
            continue
        seen.add(id(exc))
        yield exc
        pending += [e for e in (getattr(exc, "orig", None), exc.__cause__, exc.__context__)
                    if isinstance(e, BaseException)]


def _classified(exc: BaseException) -> Fault | None:
    text = str(exc)
    if isinstance(exc, OSError) and exc.errno in _BY_ERRNO:
        cause = _BY_ERRNO[exc.errno]
        if exc.errno == errno.EEXIST and not _file_in_the_way(exc.filename):
            return None
        return Fault(cause, f"{exc.strerror or text}" + (f": {exc.filename}" if exc.filename else ""))
    lowered = text.lower()
    if _is_server_driver(exc):
        connection = "connection" in lowered or type(exc).__name__ in ("OperationalError", "InterfaceError")
        for needle, cause in _BY_SERVER:
            if needle in lowered and (needle != "does not exist" or connection):
                return Fault(cause, _detail(text))
        if connection:
            return Fault(UNREACHABLE, _detail(text))
    for needle, cause in _BY_TEXT:
        if needle in lowered:
            return Fault(cause, _detail(text))
    return None


def _file_in_the_way(filename: object) -> bool:
    """EEXIST is a fault only when a file sits where a folder is wanted (mkdir), not for a lost race."""
    return isinstance(filename, str | bytes | os.PathLike) and os.path.exists(filename) \
        and not os.path.isdir(filename)


def _is_server_driver(exc: BaseException) -> bool:
    """A client/server driver's connection-level error (sqlite3's OperationalError means other things)."""
    module = type(exc).__module__ or ""
    if module.startswith("sqlalchemy"):
        orig = getattr(exc, "orig", None)
        return orig is None or _is_server_driver(orig)
    return module.startswith(("psycopg", "pg8000", "asyncpg"))


def _detail(text: str) -> str:
    """The driver's first line without SQLAlchemy's wrapping, passwords masked, clipped."""
    line = next((s.strip() for s in text.splitlines() if s.strip()), "")
    line = re.sub(r"^\([\w.]+\)\s*", "", line)  # "(psycopg.OperationalError) …"
    line = re.sub(r"^connection failed:\s*", "", line)
    for pattern, replacement in _SECRET:
        line = pattern.sub(replacement, line)
    return clip_echo(line)
