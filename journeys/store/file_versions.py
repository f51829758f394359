"""One versioned-file mechanism: immutable, numbered files of named things, recorded in the database.

Ticket datasets and event logs are both stored this way (:mod:`journeys.tickets.datasets`,
:mod:`journeys.discover.versions`); only the file check and the record differ. Layout under the
workspace folder (``home``)::

    <root>/<workspace-slug>/<name-slug>/v1.parquet, v2.parquet, …            (datasets)
    <root>/<workspace-slug>/<name-slug>/v1-<id>.parquet, v2-<id>.parquet, …  (event logs: ``tagged``)
    <root>/<workspace-slug>/<name-slug>/.staging-<process tag>-<random>.parquet   (imports in progress)

A slug is the readable name plus 8 hex digits of its hash, so two names that read alike
("Tickets 2026" and "tickets-2026") never share a folder. A version's file is never rewritten.

Committing (the only way a version appears), :meth:`FileVersions.commit`:

1. the importer writes into :meth:`FileVersions.staging_path` (same folder, so same filesystem;
   a file written elsewhere is moved there first);
2. the staged file is checked (``check``: else an error, the staged file is removed, nothing is
   recorded) and flushed to disk;
3. ``record`` writes the database record in ONE transaction; once the number N is decided it
   calls ``place(N)``, which moves the file to its version name with ``os.replace`` (atomic) and
   flushes the folder; a writer that loses a race for N may call ``place`` again with N+1;
4. on any failure the moved file is removed again unless the database says it was recorded
   (when that cannot be told, it is kept: an unrecorded file is harmless, a recorded one must stay).

A crash at any point leaves the previous version's row and file untouched: a crash before the
move leaves a staging file, which the sweep at the next start removes once the process that
wrote it is gone (:func:`journeys.files.sweep_tmp`); a crash after the move but before the commit
leaves a file no row points to, which the next commit replaces (datasets: the same number) or
which stays unreferenced (event logs: a random id in the name, so two imports never share a file).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import time
import unicodedata
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import TypeVar

from sqlalchemy.exc import SQLAlchemyError

from journeys import files
from journeys.errors import JourneysError

Checked = TypeVar("Checked")
Recorded = TypeVar("Recorded")
Place = Callable[[int], str]  # version -> the file's path relative to home, once it is in place

STAGING_PREFIX = files.STAGING_PREFIX
STAGING_MAX_AGE = timedelta(days=1)


def slug(text: str) -> str:
    """A folder name for a workspace or dataset name: readable, filesystem-safe, unique per name."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    base = re.sub(r"[^A-Za-z0-9]+", "-", ascii_text).strip("-").lower()[:40].rstrip("-") or "dataset"
    return f"{base}-{hashlib.sha256(text.encode('utf-8')).hexdigest()[:8]}"


class FileVersions:
    """The versioned files of one kind (``root``: ``datasets`` or ``eventlogs``) under ``home``.

    ``what`` names the kind in messages ("dataset", "event log"); ``tagged`` adds a random id to
    each version's file name."""

    def __init__(self, home: Path | str, root: str, what: str, *, tagged: bool = False) -> None:
        self.home = Path(home).expanduser().absolute()
        self.root = root
        self.what = what
        self.tagged = tagged

    def folder(self, workspace: str, name: str) -> Path:
        """The folder holding every version of one named thing (not created here)."""
        return self.home / self.root / slug(workspace.strip()) / slug(name.strip())

    def staging_path(self, workspace: str, name: str) -> Path:
        """A fresh file path, in the folder of ``name`` (same filesystem), for an importer to write into.

        The folder is created; the file is not. Hand the written file to :meth:`commit`, or delete
        it; if this process dies first, the next start's sweep removes it (its name carries the
        process tag)."""
        folder = self.folder(workspace, name)
        folder.mkdir(parents=True, exist_ok=True)
        return files.staging_path(self.home, folder)

    def remove_stale_staging(self, max_age: timedelta = STAGING_MAX_AGE) -> int:
        """Delete staging files older than ``max_age`` (left by crashed or abandoned imports); returns how many."""
        root = self.home / self.root
        if not root.is_dir():
            return 0
        cutoff = time.time() - max_age.total_seconds()
        removed = 0
        for path in root.glob(f"*/*/{STAGING_PREFIX}*"):
            with contextlib.suppress(OSError):  # gone already, or not ours to delete
                if path.is_file() and path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
        return removed

    def commit(self, workspace: str, name: str, staged: Path | str, check: Callable[[Path], Checked],
               record: Callable[[Checked, Place], Recorded], recorded: Callable[[int, str], bool]) -> Recorded:
        """Make the staged file the next version of ``name``, atomically (see the module docstring).

        ``check(staged)`` refuses a file that is not one of ours and returns what ``record`` needs;
        ``record(checked, place)`` writes the database record, calling ``place(version)`` inside its
        transaction; ``recorded(version, path)`` says whether a version whose record may have been
        written late was. The staged file is consumed: it becomes a version or, on any failure, is
        removed, and the previous version stays current and readable."""
        staged = Path(staged)
        if not staged.is_file():
            raise JourneysError(f"There is no imported file at {staged} to commit")
        moved: list[tuple[int, Path]] = []
        try:
            checked = check(staged)
            folder = self.folder(workspace, name)
            folder.mkdir(parents=True, exist_ok=True)
            if staged.parent.resolve() != folder.resolve():  # written elsewhere: onto our filesystem first
                local = self.staging_path(workspace, name)
                shutil.move(staged, local)
                staged = local
            files.fsync_path(staged)
            file_id = uuid.uuid4().hex[:12]

            def place(version: int) -> str:
                target = folder / (f"v{version}-{file_id}.parquet" if self.tagged else f"v{version}.parquet")
                os.replace(moved[-1][1] if moved else staged, target)
                moved.append((version, target))
                files.fsync_path(folder)
                return target.relative_to(self.home).as_posix()

            return record(checked, place)
        except BaseException as error:
            self._undo(moved, recorded)
            with contextlib.suppress(OSError):
                staged.unlink(missing_ok=True)
            explained = self._explained(error, name)
            if explained is error:
                raise
            raise explained from error

    def _undo(self, moved: list[tuple[int, Path]], recorded: Callable[[int, str], bool]) -> None:
        """Remove a moved-in file whose version did not get recorded (kept if that cannot be told)."""
        if not moved:
            return
        version, target = moved[-1]
        try:
            keep = recorded(version, target.relative_to(self.home).as_posix())
        except Exception:  # database unreachable: an unrecorded file is harmless and gets replaced later
            keep = True
        if not keep:
            with contextlib.suppress(OSError):
                target.unlink(missing_ok=True)

    def _explained(self, error: BaseException, name: str) -> BaseException:
        """The failure as the user reads it: the database or the disk refused, the old version stands. A known
        fault of the machine (disk full, database down …) leads the message, as the CLI words those."""
        from journeys.faults import classify_fault

        fault = classify_fault(error)
        if isinstance(error, SQLAlchemyError):
            lead = f"{fault.one_line()}: the" if fault else "The"
            return JourneysError(
                f"{lead} workspace database could not record the new version of {self.what} '{name.strip()}'; "
                f"the previous version is unchanged ({type(error).__name__}: {str(error).splitlines()[0]})"
            )
        if isinstance(error, OSError):
            return JourneysError(
                f"The {self.what} file could not be put in place ({error}); the previous version is unchanged"
            )
        return error
