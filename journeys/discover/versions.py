"""Event logs of a workspace as immutable, numbered versions of a stored Parquet file.

The files follow the one versioned-file mechanism (:mod:`journeys.store.file_versions`: layout
``eventlogs/<workspace-slug>/<log-slug>/vN-<id>.parquet``, staging, commit with fsync and rename,
undo on failure, the start-up sweep), as ticket datasets do. What differs: the staged file must
be a stored event log (:func:`journeys.discover.dfg.open_log`), not a ticket table, and event logs
stay out of the ticket pages, so their records are not dataset rows but versions of the document
``event_log``/``<log name>`` (:mod:`journeys.store.documents`, migration 0003): numbered
versions, history, no new migration. A version is appended with
:meth:`~journeys.store.documents.DocumentStore.append_next`, which hands the number to the file
mechanism's ``place`` inside its transaction; a concurrent import that took N first makes us
place the file again as N+1. A file name carries a random id, so two imports never write the
same file.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from journeys.discover.dfg import StoredLog, open_log
from journeys.discover.log import ImportOptions, LogReport, import_log
from journeys.discover.log_columns import LogColumns
from journeys.store import Store
from journeys.store.documents import Document
from journeys.store.file_versions import STAGING_MAX_AGE, STAGING_PREFIX, FileVersions, Place

KIND = "event_log"
FOLDER = "eventlogs"
__all__ = ["FOLDER", "KIND", "STAGING_PREFIX", "EventLogVersion", "EventLogs"]


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
        self.files = FileVersions(home, FOLDER, "event log", tagged=True)
        self.home = self.files.home
        self.docs = store.documents
        self.remove_stale_staging()

    def folder(self, workspace: str, name: str) -> Path:
        return self.files.folder(workspace, name)

    def staging_path(self, workspace: str, name: str) -> Path:
        """A fresh path in the log's folder for an importer to write into (the folder is created)."""
        return self.files.staging_path(workspace, name)  # tagged: the start-up sweep removes a killed import's

    def remove_stale_staging(self, max_age: timedelta = STAGING_MAX_AGE) -> int:
        """Delete staging files older than ``max_age`` (left by crashed imports); returns how many."""
        return self.files.remove_stale_staging(max_age)

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

        def record(stored: StoredLog, place: Place) -> Document:
            body: dict[str, Any] = {"events": report.rows_kept, "cases": stored.cases,
                                    "activities": len(stored.activities), "report": report.to_json()}
            return self.docs.append_next(workspace, KIND, name, lambda n: {**body, "path": place(n)}, author,
                                         message or f"Imported {Path(report.source).name}")

        def recorded(_version: int, path: str) -> bool:
            head = self.docs.get(workspace, KIND, name)
            return head is not None and head.body.get("path") == path

        return self._with_ws(workspace, self._version(self.files.commit(workspace, name, staged, open_log, record,
                                                                        recorded)))

    # --- reading ---------------------------------------------------------------------------------

    def _version(self, doc: Document) -> EventLogVersion:
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

    def versions(self, workspace: str, name: str) -> builtins.list[EventLogVersion]:
        """Every version of the log, newest first."""
        return [self.version(workspace, name, r.version) for r in self.docs.history(workspace, KIND, name)]

    def list(self, workspace: str) -> list[EventLogVersion]:
        """The newest version of each event log in the workspace, by name."""
        return [self._with_ws(workspace, self._version(d)) for d in self.docs.latest(workspace, KIND)]

    @staticmethod
    def _with_ws(workspace: str, v: EventLogVersion) -> EventLogVersion:
        return replace(v, workspace=workspace.strip())
