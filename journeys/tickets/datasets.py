"""Ticket datasets as immutable, numbered versions of a Parquet file.

Layout under the workspace folder (``home``)::

    datasets/<workspace-slug>/<dataset-slug>/v1.parquet, v2.parquet, …
    datasets/<workspace-slug>/<dataset-slug>/.staging-<process tag>-<random>.parquet   (imports in progress)

A slug is the readable name plus 8 hex digits of its hash, so two names that
read alike ("Tickets 2026" and "tickets-2026") never share a folder. The
database records each version (number, relative path, rows, the importer's
report, who and when); a version's file is never rewritten.

Committing an import (the only way a version appears):

1. the importer writes into :meth:`Datasets.staging_path` (same folder, so
   same filesystem);
2. :meth:`Datasets.commit` checks the staged file is readable Parquet with the
   required canonical columns (else JourneysError; the staged file is removed
   and nothing is recorded), flushes it to disk, and then, in ONE database
   transaction that has picked and locked the next number N, moves it to
   ``vN.parquet`` with ``os.replace`` (atomic) and records the version;
3. if the database write fails, the moved file is removed again.

A crash at any point leaves the previous version's row and file untouched: a
crash before the move leaves a staging file (and perhaps its ``.tmp``), which
the sweep at the next start removes once the process that wrote it is gone
(:func:`journeys.files.sweep_tmp`: the process tag in the name says whose it
is; files without a tag, from older versions, go once a day old); a crash after the move but before the
commit leaves a ``vN.parquet`` no row points to, which the next commit of the
dataset simply replaces (it gets the same number N).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import time
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy.exc import SQLAlchemyError

from journeys import files
from journeys.errors import JourneysError, Problem
from journeys.store import Store
from journeys.store.tickets import DatasetRecord, TicketStore
from journeys.tickets.canonical import REQUIRED

DATASETS_FOLDER = "datasets"
STAGING_PREFIX = files.STAGING_PREFIX
STAGING_MAX_AGE = timedelta(days=1)


@dataclass(frozen=True)
class DatasetVersion:
    """One committed version of a ticket dataset; ``path`` is the absolute path of its Parquet file."""

    workspace: str
    name: str
    version: int
    path: Path
    rows: int
    report: dict[str, Any]
    created_by: str
    created_at: datetime


def slug(text: str) -> str:
    """A folder name for a workspace or dataset name: readable, filesystem-safe, unique per name."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    base = re.sub(r"[^A-Za-z0-9]+", "-", ascii_text).strip("-").lower()[:40].rstrip("-") or "dataset"
    return f"{base}-{hashlib.sha256(text.encode('utf-8')).hexdigest()[:8]}"


def _fsync_file(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def check_parquet(path: Path) -> int:
    """The row count of a staged ticket file; JourneysError when it is not usable.

    Reads the Parquet footer only (magic bytes at both ends, schema, row
    count): a truncated or non-Parquet file fails here without reading the
    data. The required canonical columns must be present with usable types.
    """
    try:
        with pq.ParquetFile(path) as handle:
            schema = handle.schema_arrow
            rows = handle.metadata.num_rows
    except (pa.ArrowException, OSError, ValueError) as error:
        raise JourneysError(f"The imported file {path.name} is not readable Parquet ({error})") from None
    problems = []
    for name in REQUIRED:
        if name not in schema.names:
            problems.append(Problem(name, "required column is missing"))
    if "ticket_id" in schema.names:
        kind = schema.field("ticket_id").type
        if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
            problems.append(Problem("ticket_id", f"must be text, not {kind}"))
    if "created_at" in schema.names:
        kind = schema.field("created_at").type
        if not pa.types.is_timestamp(kind):
            problems.append(Problem("created_at", f"must be a timestamp, not {kind}"))
    if problems:
        raise JourneysError(f"The imported file {path.name} is not a ticket table", problems)
    return rows


class Datasets:
    """The ticket datasets of every workspace: Parquet files under ``home`` plus their records in the store."""

    def __init__(self, store: Store, home: Path | str) -> None:
        self.home = Path(home).expanduser().absolute()
        self.tickets = TicketStore(store)
        self.remove_stale_staging()

    # --- files -----------------------------------------------------------------------------------

    def folder(self, workspace: str, name: str) -> Path:
        """The folder holding every version of a dataset (not created here)."""
        return self.home / DATASETS_FOLDER / slug(workspace.strip()) / slug(name.strip())

    def staging_path(self, workspace: str, name: str) -> Path:
        """A fresh file path, in the dataset's folder (same filesystem), for an importer to write into.

        The folder is created; the file is not. Hand the written file to
        :meth:`commit`, or delete it; if this process dies first, the next start's sweep removes it.
        """
        folder = self.folder(workspace, name)
        folder.mkdir(parents=True, exist_ok=True)
        return files.staging_path(self.home, folder)

    def remove_stale_staging(self, max_age: timedelta = STAGING_MAX_AGE) -> int:
        """Delete staging files older than ``max_age`` (left by crashed or abandoned imports); returns how many."""
        root = self.home / DATASETS_FOLDER
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

    # --- committing ------------------------------------------------------------------------------

    def commit(
        self, workspace: str, name: str, staged: Path | str, report: dict[str, Any], author: str
    ) -> DatasetVersion:
        """Make the staged file the dataset's next version, atomically; returns that version.

        The staged file is consumed: it becomes ``vN.parquet`` or, on any
        failure, is removed. On failure nothing is recorded and the previous
        version stays current and readable.
        """
        staged = Path(staged)
        if not staged.is_file():
            raise JourneysError(f"There is no imported file at {staged} to commit")
        moved: list[Path] = []
        record: DatasetRecord | None = None
        try:
            rows = check_parquet(staged)
            folder = self.folder(workspace, name)
            folder.mkdir(parents=True, exist_ok=True)
            if staged.parent.resolve() != folder.resolve():  # written elsewhere: bring it onto our filesystem first
                local = self.staging_path(workspace, name)
                shutil.move(staged, local)
                staged = local
            _fsync_file(staged)

            def place(version: int) -> str:
                target = folder / f"v{version}.parquet"
                os.replace(staged, target)
                moved.append(target)
                _fsync_dir(folder)
                return target.relative_to(self.home).as_posix()

            record = self.tickets.add_dataset_version(workspace, name, place, rows, report, author)
        except BaseException as error:
            self._undo(workspace, name, moved)
            with contextlib.suppress(OSError):
                staged.unlink(missing_ok=True)
            if isinstance(error, SQLAlchemyError):
                raise JourneysError(
                    f"The workspace database could not record the new version of dataset '{name.strip()}'; "
                    f"the previous version is unchanged ({type(error).__name__}: {str(error).splitlines()[0]})"
                ) from error
            if isinstance(error, OSError):
                raise JourneysError(
                    f"The dataset file could not be put in place ({error}); the previous version is unchanged"
                ) from error
            raise
        return self._version(record)

    def _undo(self, workspace: str, name: str, moved: list[Path]) -> None:
        """Remove a moved-in file whose version did not get recorded (kept if that cannot be told)."""
        if not moved:
            return
        target = moved[0]
        version = int(target.stem[1:])
        try:
            recorded = self.tickets.dataset_version_recorded(workspace, name, version)
        except Exception:  # database unreachable: an unrecorded file is harmless and gets replaced later
            return
        if not recorded:
            with contextlib.suppress(OSError):
                target.unlink(missing_ok=True)

    # --- reading ---------------------------------------------------------------------------------

    def _version(self, record: DatasetRecord) -> DatasetVersion:
        return DatasetVersion(
            workspace=record.workspace,
            name=record.name,
            version=record.version,
            path=self.home / record.path,
            rows=record.rows,
            report=record.report,
            created_by=record.created_by,
            created_at=record.created_at,
        )

    def latest(self, workspace: str, name: str) -> DatasetVersion:
        """The dataset's newest version; NotFound when it has none."""
        return self._version(self.tickets.latest_dataset_version(workspace, name))

    def versions(self, workspace: str, name: str) -> list[DatasetVersion]:
        """Every version of the dataset, newest first; NotFound when it has none."""
        return [self._version(r) for r in self.tickets.dataset_versions(workspace, name)]

    def list(self, workspace: str) -> list[DatasetVersion]:
        """The newest version of each dataset in the workspace, sorted by name."""
        return [self._version(r) for r in self.tickets.latest_dataset_versions(workspace)]

    # --- import profiles -------------------------------------------------------------------------

    def save_profile(self, workspace: str, name: str, mapping_json: dict[str, Any], author: str) -> None:
        """Create or replace a named import profile (column mapping and reader options, as JSON)."""
        self.tickets.save_profile(workspace, name, mapping_json, author)

    def load_profile(self, workspace: str, name: str) -> dict[str, Any]:
        """A saved import profile; NotFound when there is none by that name."""
        return self.tickets.load_profile(workspace, name)

    def list_profiles(self, workspace: str) -> list[str]:
        """The workspace's import profile names, sorted."""
        return self.tickets.list_profiles(workspace)
