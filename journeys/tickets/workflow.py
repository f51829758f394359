"""Importing a help-desk export into a workspace: read, normalise, commit a new dataset version.

The importer writes into a staging file beside the dataset's versions; only a
complete, valid file becomes the next version (one atomic rename plus one
database transaction), so a failed or killed import leaves the previous
version as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from journeys.store import Store
from journeys.tickets.columns import ColumnMapping
from journeys.tickets.datasets import Datasets, DatasetVersion
from journeys.tickets.importer import ImportReport, import_file


def import_dataset(store: Store, home: Path, workspace: str, name: str, source: Path, author: str,
                   mapping: ColumnMapping | None = None, profile: str | None = None,
                   progress: Callable[[str, float], None] | None = None) -> tuple[DatasetVersion, ImportReport]:
    """Import ``source`` as the next version of dataset ``name``; a saved ``profile`` gives the mapping."""
    datasets = Datasets(store, home)
    if profile is not None:
        mapping = ColumnMapping.from_json(datasets.load_profile(workspace, profile))
    staged = datasets.staging_path(workspace, name)
    try:
        report = import_file(source, staged, mapping=mapping, progress=progress)
        version = datasets.commit(workspace, name, staged, report.to_json(), author)
    finally:
        staged.unlink(missing_ok=True)
    return version, report
