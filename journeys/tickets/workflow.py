"""Importing a help-desk export into a workspace: read, normalise, commit a new dataset version.

The importer writes into a staging file beside the dataset's versions, its work
files under ``<home>/tmp/``; only a complete, valid file becomes the next version
(one atomic rename plus one database transaction), so a failed or killed import
leaves the previous version as it was, and its leftovers to the next start's sweep.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from journeys.errors import JourneysError
from journeys.store import Store
from journeys.tickets.column_mapping import ColumnMapping
from journeys.tickets.datasets import Datasets, DatasetVersion
from journeys.tickets.importer import ImportReport, import_file

if TYPE_CHECKING:
    from journeys.tickets.engine import TicketEngine


def import_dataset(store: Store, home: Path, workspace: str, name: str, source: Path, author: str,
                   mapping: ColumnMapping | None = None, profile: str | None = None,
                   progress: Callable[[str, float], None] | None = None,
                   sheet: str | None = None, mask: bool = False) -> tuple[DatasetVersion, ImportReport]:
    """Import ``source`` as the next version of dataset ``name``; a saved ``profile`` gives the mapping,
    ``sheet`` the workbook sheet to read; ``mask``: personal data in ticket text is masked before writing."""
    datasets = Datasets(store, home)
    if profile is not None:
        mapping = ColumnMapping.from_json(datasets.load_profile(workspace, profile))
    staged = datasets.staging_path(workspace, name)
    try:
        report = import_file(source, staged, mapping=mapping, progress=progress, tmp_home=home, sheet=sheet,
                             mask=mask)
        version = datasets.commit(workspace, name, staged, report.to_json(), author)
    finally:
        staged.unlink(missing_ok=True)
    return version, report


def prepare_mappings(store: Store, home: Path, workspace: str, dataset: DatasetVersion,
                     engine: TicketEngine | None = None) -> list[str]:
    """Map a dataset version onto every journey that has mapping rules, ahead of the first page view.

    Mapping (rules plus the repeat-contact window) takes seconds on a million tickets; done right
    after an import it is on disk when someone opens the Friction page. ``engine``: the workspace's
    (left open); without one a throwaway engine is used. Returns the journeys mapped.
    """
    from journeys.store.tickets import TicketStore
    from journeys.tickets.engine import TicketEngine

    rules = TicketStore(store)
    owned = engine is None
    engine = engine if engine is not None else TicketEngine()
    done = []
    try:
        for summary in store.list_journeys(workspace):
            rule_set = rules.load_rules(workspace, summary.name)
            if rule_set.version == 0:
                continue
            try:
                engine.mapped(dataset, rule_set, store.load(workspace, summary.name).journey)
            except JourneysError:  # rules that do not fit this dataset: the page explains when it is opened
                continue
            done.append(summary.name)
    finally:
        if owned:
            engine.close()
    return done
