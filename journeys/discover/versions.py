"""Event logs of a workspace as immutable, numbered versions of a stored Parquet file.

A sibling of :class:`journeys.tickets.datasets.Datasets`, not a use of it, for three reasons:
``Datasets.commit`` checks the ticket schema (``ticket_id``, ``created_at``) and would refuse an
event log; ``Datasets.list`` feeds the ticket pages, where event logs do not belong; and the
versioned-documents table (:mod:`journeys.store.documents`, migration 0003) already gives what the
records need — numbered versions, stale-write refusal, history — with no new migration. The file
layout and the commit protocol are the datasets' own::

    eventlogs/<workspace-slug>/<log-slug>/v1-<id>.parquet, v2-<id>.parquet, …
    eventlogs/<workspace-slug>/<log-slug>/.staging-<random>.parquet   (imports in progress)

Committing (the only way a version appears): the importer writes into :meth:`EventLogs.staging_path`
(same folder, same filesystem); :meth:`EventLogs.commit` checks the staged file is a stored event
log, flushes it, moves it with ``os.replace`` to ``vN-<id>.parquet`` and records version N as the
document ``event_log``/``<log name>``, saved on top of version N-1. A concurrent import that
recorded N first makes our save stale: the file is renamed to N+1 and the save retried. Any other
failure removes the moved file and records nothing; the previous version stays current. A file
name carries a random id, so two imports never write the same file.
"""

from __future__ import annotations

import contextlib
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from journeys.discover.dfg import open_log
from journeys.discover.log import ImportOptions, LogReport, import_log
from journeys.discover.log_columns import LogColumns
from journeys.errors import JourneysError, StaleWrite
from journeys.files import fsync_path, staging_path
from journeys.store import Store
from journeys.store.documents import DocumentStore
from journeys.tickets.datasets import slug

KIND = "event_log"
FOLDER = "eventlogs"
STAGING_PREFIX = ".staging-"
STAGING_MAX_AGE = timedelta(days=1)
_SAVE_ATTEMPTS = 5


@dataclass(frozen=True)
class EventLogVersion:
    """One committed version of an event log; ``path`` is the absolute path of its stored Parquet file."""

    workspace: str
    name: str
    version: int
    path: Path
    events: int
    cases: int
    activities: int
    report: dict[str, Any]
    created_by: str
    created_at: datetime



class EventLogs:
    """The event logs of every workspace: Parquet files under ``home``, versions as documents in the store."""

    def __init__(self, store: Store, home: Path | str) -> None:
        self.home = Path(home).expanduser().absolute()
        self.docs = DocumentStore(store)
        self.remove_stale_staging()

    def folder(self, workspace: str, name: str) -> Path:
        return self.home / FOLDER / slug(workspace.strip()) / slug(name.strip())

    def staging_path(self, workspace: str, name: str) -> Path:
        """A fresh path in the log's folder for an importer to write into (the folder is created)."""
        folder = self.folder(workspace, name)
        folder.mkdir(parents=True, exist_ok=True)
        return staging_path(self.home, folder)  # tagged: the start-up sweep removes a killed import's

    def remove_stale_staging(self, max_age: timedelta = STAGING_MAX_AGE) -> int:
        """Delete staging files older than ``max_age`` (left by crashed imports); returns how many."""
        root = self.home / FOLDER
        if not root.is_dir():
            return 0
        cutoff = time.time() - max_age.total_seconds()
        removed = 0
        for path in root.glob(f"*/*/{STAGING_PREFIX}*"):
            with contextlib.suppress(OSError):
                if path.is_file() and path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
        return removed

    # --- writing ---------------------------------------------------------------------------------

    def import_file(self, workspace: str, name: str, source: Path | str, author: str,
                    columns: LogColumns | None = None, options: ImportOptions | None = None,
                    progress: Callable[[str, float], None] | None = None) -> tuple[EventLogVersion, LogReport]:
        """Import ``source`` as the next version of event log ``name``; LogImportError leaves nothing behind."""
        staged = self.staging_path(workspace, name)
        try:
            report = import_log(source, staged, columns, options, progress, tmp_home=self.home)
            version = self.commit(workspace, name, staged, report, author)
        finally:
            staged.unlink(missing_ok=True)
        return version, report

    def commit(self, workspace: str, name: str, staged: Path | str, report: LogReport, author: str,
               message: str = "") -> EventLogVersion:
        """Make the staged file the log's next version, atomically; the staged file is consumed either way."""
        staged = Path(staged)
        if not staged.is_file():
            raise JourneysError(f"There is no imported file at {staged} to commit")
        moved: Path | None = None
        recorded = False
        try:
            stored = open_log(staged)  # a stored event log, or JourneysError
            folder = self.folder(workspace, name)
            folder.mkdir(parents=True, exist_ok=True)
            fsync_path(staged)
            file_id = uuid.uuid4().hex[:12]
            body: dict[str, Any] = {"events": report.rows_kept, "cases": stored.cases,
                                    "activities": len(stored.activities), "report": report.to_json()}
            for _ in range(_SAVE_ATTEMPTS):
                head = self.docs.get(workspace, KIND, name)
                number = head.version + 1 if head else 1
                target = folder / f"v{number}-{file_id}.parquet"
                os.replace(moved or staged, target)
                moved = target
                fsync_path(folder)
                body["path"] = target.relative_to(self.home).as_posix()
                try:
                    self.docs.save(workspace, KIND, name, body, author, expected_version=number - 1,
                                   message=message or f"Imported {Path(report.source).name}",
                                   label=f"event log '{name}'")
                except StaleWrite:
                    continue  # someone committed this number first: take the next one
                recorded = True
                break
            if not recorded:
                raise JourneysError(f"Could not record event log '{name}': too many imports at once; try again")
        except BaseException as error:
            for leftover in (moved, staged):
                if leftover is not None and not (leftover == moved and self._recorded(workspace, name, moved)):
                    with contextlib.suppress(OSError):
                        leftover.unlink(missing_ok=True)
            if isinstance(error, SQLAlchemyError):
                raise JourneysError(f"The workspace database could not record the new version of event log "
                                    f"'{name.strip()}'; the previous version is unchanged "
                                    f"({type(error).__name__}: {str(error).splitlines()[0]})") from error
            if isinstance(error, OSError):
                raise JourneysError(f"The event log file could not be put in place ({error}); the previous "
                                    "version is unchanged") from error
            raise
        return self.version(workspace, name, number)

    def _recorded(self, workspace: str, name: str, path: Path) -> bool:
        """Whether the log's head points at ``path`` (a save that failed late may have committed)."""
        try:
            head = self.docs.get(workspace, KIND, name)
        except Exception:  # database unreachable: an unrecorded file is harmless, a recorded one must stay
            return True
        return head is not None and head.body.get("path") == path.relative_to(self.home).as_posix()

    # --- reading ---------------------------------------------------------------------------------

    def _version(self, doc: Any) -> EventLogVersion:
        body = doc.body
        return EventLogVersion(
            workspace="", name=doc.key, version=doc.version, path=self.home / body["path"],
            events=int(body.get("events", 0)), cases=int(body.get("cases", 0)),
            activities=int(body.get("activities", 0)), report=body.get("report", {}), created_by=doc.author,
            created_at=doc.created_at)

    def latest(self, workspace: str, name: str) -> EventLogVersion:
        """The log's newest version; NotFound naming the known logs when there is none."""
        return self._with_ws(workspace, self._version(self.docs.load(workspace, KIND, name)))

    def version(self, workspace: str, name: str, version: int) -> EventLogVersion:
        """One recorded version (its file is never rewritten); NotFound when it does not exist."""
        return self._with_ws(workspace, self._version(self.docs.revision(workspace, KIND, name, version)))

    def versions(self, workspace: str, name: str) -> list[EventLogVersion]:
        """Every version of the log, newest first."""
        return [self.version(workspace, name, r.version) for r in self.docs.history(workspace, KIND, name)]

    def list(self, workspace: str) -> list[EventLogVersion]:
        """The newest version of each event log in the workspace, by name."""
        return [self._with_ws(workspace, self._version(d)) for d in self.docs.latest(workspace, KIND)]

    @staticmethod
    def _with_ws(workspace: str, v: EventLogVersion) -> EventLogVersion:
        return replace(v, workspace=workspace.strip())
