"""Import tickets: look at a help-desk export, confirm its column mapping, import it, keep the mapping.

The Import tickets page, ``journeys tickets import`` and the demo loader call these, so an export is
read, checked and stored one way wherever it comes in. Each function takes the open workspace first
and returns values (the file's facts, a mapping, the dataset version and the importer's report);
the words shown for them are the caller's business.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from journeys.errors import Problem
from journeys.members import Role
from journeys.tickets.column_mapping import ColumnMapping, valid_zone
from journeys.tickets.datasets import DatasetVersion
from journeys.tickets.importer import ImportReport, SourceInfo, inspect_file
from journeys.tickets.workflow import import_dataset, prepare_mappings
from journeys.usecases.privacy_settings import masking_on

if TYPE_CHECKING:
    from journeys.workspace import Workspace

Progress = Callable[[str, float], None]
MAPPING_STAGE = "mapping"  # the stage reported while the new version is mapped onto the journeys


@dataclass(frozen=True)
class ExportPreview:
    """What sniffing an export found (format, encoding, header, first rows) and the mapping proposed for it."""

    info: SourceInfo
    proposed: ColumnMapping


@dataclass(frozen=True)
class Imported:
    """One import: the dataset version it became, the importer's report, and the journeys mapped ahead."""

    dataset: DatasetVersion
    report: ImportReport
    mapped_journeys: tuple[str, ...] = ()


@dataclass(frozen=True)
class LoadedProfile:
    """A saved mapping, and the columns it names that the file at hand does not have (left empty)."""

    mapping: ColumnMapping
    missing_columns: tuple[str, ...] = ()


def preview_export(path: Path | str, sheet: str | None = None) -> ExportPreview:
    """Sniff an export and propose a mapping, before anything is read in full or saved.

    Raises :class:`~journeys.tickets.importer.TicketImportError` (with problems) for a file that
    cannot be read as tickets."""
    info, proposed = inspect_file(Path(path), sheet)
    return ExportPreview(info, proposed)


def mapping_problems(mapping: ColumnMapping, columns: list[str]) -> list[Problem]:
    """Everything that stops ``mapping`` from importing a file with ``columns``: the mapping's own
    checks plus the file-wide time zone, which :meth:`ColumnMapping.validate` leaves to the caller."""
    problems = mapping.validate(columns)
    if not valid_zone(mapping.timezone):
        problems.append(Problem("mapping.timezone", f"unknown time zone '{mapping.timezone}'"))
    return problems


def import_tickets(ws: Workspace, source: Path | str, dataset: str, author: str, *,
                   mapping: ColumnMapping | None = None, profile: str | None = None, sheet: str | None = None,
                   progress: Progress | None = None) -> Imported:
    """Import ``source`` as the next version of ``dataset`` (a new dataset when none has that name).

    The mapping is ``mapping``, else the saved ``profile``, else the one proposed from the column
    names. Nothing is saved unless the whole file imports (``TicketImportError`` says why not). The new
    version is then mapped onto every journey that has rules, so Friction opens without the wait;
    ``progress(stage, fraction)`` hears the importer's stages and then :data:`MAPPING_STAGE`. When the
    workspace's privacy setting asks for it, personal data in ticket text is masked before anything is written
    (:func:`journeys.usecases.privacy_settings.masking_on`)."""
    ws.require(Role.editor, "importing tickets")  # before a byte is written under the workspace folder
    if mapping is None and profile is not None:
        mapping = load_profile(ws, profile).mapping
    version, report = import_dataset(ws.store, ws.home, ws.name, dataset, Path(source), author, mapping=mapping,
                                     progress=progress, sheet=sheet, mask=masking_on(ws))
    if progress is not None:
        progress(MAPPING_STAGE, 1.0)
    mapped = prepare_mappings(ws.store, ws.home, ws.name, version, engine=ws.engine)
    return Imported(version, report, tuple(mapped))


def profiles(ws: Workspace) -> list[str]:
    """The names of the workspace's saved import profiles."""
    return list(ws.datasets.list_profiles())


def load_profile(ws: Workspace, name: str, columns: list[str] | None = None) -> LoadedProfile:
    """A saved mapping; with the file's ``columns``, also the ones it names that the file lacks."""
    mapping = ColumnMapping.from_json(ws.datasets.load_profile(name))
    if columns is None:
        return LoadedProfile(mapping)
    named = {source for field in mapping.fields.values() for source in field.sources()}
    return LoadedProfile(mapping, tuple(sorted(named - set(columns))))


def save_profile(ws: Workspace, name: str, mapping: ColumnMapping, author: str) -> bool:
    """Keep ``mapping`` as profile ``name`` for next month's export; True when it replaced one."""
    existed = name in profiles(ws)
    ws.datasets.save_profile(name, mapping.to_json(), author)
    return existed
