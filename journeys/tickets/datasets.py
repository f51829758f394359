"""Ticket datasets as immutable, numbered versions of a Parquet file.

The files follow the one versioned-file mechanism (:mod:`journeys.store.file_versions`: layout
``datasets/<workspace-slug>/<dataset-slug>/vN.parquet``, staging, commit with fsync and rename,
undo on failure, the start-up sweep); this module adds what is particular to tickets: the staged
file must be a ticket table (:func:`check_parquet`), and each version is a row of
``dataset_versions`` (number, relative path, rows, the importer's report, who and when), recorded
in ONE transaction that has picked and locked the next number N
(:meth:`~journeys.store.tickets.TicketStore.add_dataset_version`). A crash after the move but
before the commit leaves a ``vN.parquet`` no row points to, which the next commit of the dataset
simply replaces (it gets the same number N).
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from journeys.errors import JourneysError, NotFound, Problem
from journeys.store import Store
from journeys.store.file_versions import STAGING_MAX_AGE, STAGING_PREFIX, FileVersions, Place, slug
from journeys.store.tickets import DatasetRecord, TicketStore
from journeys.tickets.canonical import REQUIRED

DATASETS_FOLDER = "datasets"
__all__ = ["DATASETS_FOLDER", "STAGING_PREFIX", "DatasetVersion", "Datasets", "check_parquet", "slug"]


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
        self.files = FileVersions(home, DATASETS_FOLDER, "dataset")
        self.home = self.files.home
        self.tickets = TicketStore(store)
        self.remove_stale_staging()

    # --- files -----------------------------------------------------------------------------------

    def folder(self, workspace: str, name: str) -> Path:
        """The folder holding every version of a dataset (not created here)."""
        return self.files.folder(workspace, name)

    def staging_path(self, workspace: str, name: str) -> Path:
        """A fresh file path in the dataset's folder for an importer to write into; see :meth:`commit`."""
        return self.files.staging_path(workspace, name)

    def remove_stale_staging(self, max_age: timedelta = STAGING_MAX_AGE) -> int:
        """Delete staging files older than ``max_age`` (left by crashed or abandoned imports); returns how many."""
        return self.files.remove_stale_staging(max_age)

    # --- committing ------------------------------------------------------------------------------

    def commit(
        self, workspace: str, name: str, staged: Path | str, report: dict[str, Any], author: str
    ) -> DatasetVersion:
        """Make the staged file the dataset's next version, atomically; returns that version.

        The staged file is consumed: it becomes ``vN.parquet`` or, on any failure, is removed. On
        failure nothing is recorded and the previous version stays current and readable.
        """

        def record(rows: int, place: Place) -> DatasetRecord:
            return self.tickets.add_dataset_version(workspace, name, place, rows, report, author)

        def recorded(version: int, _path: str) -> bool:
            return self.tickets.dataset_version_recorded(workspace, name, version)

        return self._version(self.files.commit(workspace, name, staged, check_parquet, record, recorded))

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

    def list_profiles(self, workspace: str) -> builtins.list[str]:
        """The workspace's import profile names, sorted."""
        return self.tickets.list_profiles(workspace)


def choose_dataset(available: Sequence[DatasetVersion], name: str | None = None) -> DatasetVersion | None:
    """The dataset named, or without a name the most recently imported (None when there is none).

    Pain points are scored against "the latest import", not the first name in the list."""
    if not name:
        return max(available, key=lambda d: d.created_at) if available else None
    found = next((d for d in available if d.name == name), None)
    if found is None:
        raise NotFound(f"There is no ticket dataset '{name}' (known: "
                       f"{', '.join(d.name for d in available) or 'none'})")
    return found
