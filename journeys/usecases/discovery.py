"""Discover: the journey customers actually take, from an event log, against the journey as designed.

The Discover page, ``journeys discover`` and notebooks call these, so a graph, a variant table or a
conformance figure is computed one way wherever it is shown. Every query runs on the workspace's one
analytics engine (``ws.engine``: a cursor of its DuckDB per call), never on a connection of its own.

A *log* argument is the name of an event log stored in the workspace (its latest version), or
anything :func:`journeys.discover.open_log` opens: an :class:`~journeys.discover.EventLogVersion`, a
:class:`LogSource`, or the path of a stored log's Parquet file. :func:`read_log` turns a file a user
hands over (CSV, Parquet, XES …) into a :class:`LogSource`, saved as a new version or not.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from journeys.discover.conformance import Conformance, add_route, conformance, reach
from journeys.discover.dfg import DFG, LogFilter, StoredLog, Variants, dfg, open_log, segment_values, variants
from journeys.discover.from_tickets import customer_journeys_log
from journeys.discover.import_report import ImportOptions, LogReport
from journeys.discover.log import import_log
from journeys.discover.log_columns import LogColumns
from journeys.discover.mapping import KIND as MAP_KIND
from journeys.discover.mapping import (
    ActivityMap,
    load_activity_map,
    propose_activity_map,
    save_activity_map,
)
from journeys.discover.versions import EventLogVersion
from journeys.editing import Edit, transition_words
from journeys.errors import JourneysError, NotFound
from journeys.members import Role
from journeys.model import Journey
from journeys.tickets.datasets import DatasetVersion
from journeys.usecases.measure import mapped

if TYPE_CHECKING:
    from journeys.workspace import Workspace

MapOrigin = Literal["saved", "proposed", "given"]


@dataclass(frozen=True)
class LogSource:
    """An event log ready to analyse: its stored Parquet file, and where it came from.

    ``version`` is None for a file read for one analysis and not saved; ``report`` is the import's
    report when the file was imported just now (None for a log already stored)."""

    name: str
    path: Path
    version: int | None = None
    report: LogReport | None = None
    order_rule: str | None = None


@dataclass(frozen=True)
class Discovery:
    """What customers did in a log: the directly-follows graph and the variants, under one filter."""

    log: StoredLog
    filters: LogFilter
    graph: DFG
    variants: Variants


@dataclass(frozen=True)
class ChosenMap:
    """The activity → step map a comparison uses: ``saved`` (``version``), ``proposed`` by name, or ``given``."""

    mapping: ActivityMap
    origin: MapOrigin
    version: int | None = None


@dataclass(frozen=True)
class Conformed:
    """A log compared with a journey: the comparison, the map it went through, the journey's version."""

    conformance: Conformance
    activity_map: ChosenMap
    journey_version: int | None


def stored(ws: Workspace, log: Any) -> StoredLog:
    """The stored log behind ``log`` (see the module docstring); NotFound for an unknown name."""
    if isinstance(log, str):
        return open_log(ws.event_logs.latest(log))
    return open_log(log)


def read_log(ws: Workspace, log: str | Path, work: Path, *, columns: LogColumns | None = None,
             options: ImportOptions | None = None, save_as: str | None = None,
             author: str | None = None) -> LogSource:
    """A file to import (into ``work``, or as the next version of log ``save_as``) or a stored log's name.

    JourneysError when ``log`` is neither, when ``save_as`` is given for a stored log, or when columns
    are named for a stored log (they were chosen when it was imported)."""
    path = Path(log)
    if path.is_file():
        if save_as:
            ws.home.mkdir(parents=True, exist_ok=True)
            version, report = ws.event_logs.import_file(save_as, path, author or ws.settings.author, columns,
                                                        options)
            return LogSource(save_as, version.path, version.version, report, report.order_rule)
        report = import_log(path, work / "log.parquet", columns, options, tmp_home=ws.home)
        return LogSource(path.stem, work / "log.parquet", None, report, report.order_rule)
    if save_as:
        raise JourneysError(f"--save needs a file to import; '{log}' is not a file")
    if columns is not None and columns.used():
        raise JourneysError(f"'{log}' is a stored event log: its columns were chosen when it was imported")
    known = {v.name: v for v in ws.event_logs.list()}
    if str(log) not in known:
        names = ", ".join(sorted(known)) or "none yet"
        raise NotFound(f"'{log}' is neither a file nor an event log of workspace '{ws.name}' (event logs: {names})")
    version = known[str(log)]
    return LogSource(version.name, version.path, version.version, None, (version.report or {}).get("order_rule"))


def directly_follows(ws: Workspace, log: Any, filters: LogFilter | None = None) -> DFG:
    """The directly-follows graph of a log, filtered."""
    return dfg(stored(ws, log), filters, con=ws.engine)


def log_variants(ws: Workspace, log: Any, filters: LogFilter | None = None, top: int | None = 100) -> Variants:
    """The log's ``top`` most frequent variants (None: all), with coverage."""
    return variants(stored(ws, log), filters, top=top, con=ws.engine)


def discover(ws: Workspace, log: Any, filters: LogFilter | None = None, top: int | None = 100) -> Discovery:
    """The directly-follows graph and the ``top`` variants of a log under one filter."""
    found = stored(ws, log)
    filters = filters or LogFilter()
    return Discovery(found, filters, directly_follows(ws, found, filters), log_variants(ws, found, filters, top))


def log_segment_values(ws: Workspace, log: Any, column: str, limit: int = 50) -> list[tuple[str | None, int]]:
    """The most frequent values of a segment column with their event counts (None: no value)."""
    return segment_values(stored(ws, log), column, limit, con=ws.engine)


def activity_map(ws: Workspace, log_name: str, journey: str, activities: Sequence[str] | None = None,
                 design: Journey | None = None) -> ChosenMap:
    """The saved map of (log, journey), else one proposed by name for ``activities`` (default: the log's)."""
    saved = load_activity_map(ws.store, ws.name, log_name, journey)
    if saved is not None:
        return ChosenMap(saved.mapping, "saved", saved.version)
    names = activities if activities is not None else stored(ws, log_name).activities
    return ChosenMap(propose_activity_map(names, design or ws.journeys.get(journey)), "proposed")


def save_mapping(ws: Workspace, log_name: str, journey: str, mapping: Mapping[str, str | None], author: str,
                 expected_version: int = 0, design: Journey | None = None, message: str = "") -> int:
    """Save an activity map as the version after ``expected_version``; StaleWrite when someone saved first."""
    return save_activity_map(ws.store, ws.name, log_name, journey, mapping, author, journey=design,
                             expected_version=expected_version, message=message)


def journey_with_map(ws: Workspace, log_name: str) -> str | None:
    """A journey the log already has a saved activity map for (the one a comparison opens on)."""
    for doc in ws.store.documents.latest(ws.name, MAP_KIND):
        if doc.body.get("log") == log_name.strip():
            return doc.body.get("journey")
    return None


def conform(ws: Workspace, log: Any, journey: str | Journey, filters: LogFilter | None = None, *,
            mapping: Mapping[str, str | None] | None = None, log_name: str | None = None) -> Conformed:
    """Compare a log with a journey (a name: its latest version; or a Journey as the caller saw it).

    Through ``mapping`` when given, else the saved map of (``log_name`` or the log's name, journey), else
    one proposed by name."""
    if isinstance(journey, Journey):
        design, version = journey, None
    else:
        loaded = ws.journeys.load(journey)
        design, version = loaded.journey, loaded.version
    found = stored(ws, log)
    if mapping is not None:
        chosen = ChosenMap(dict(mapping), "given")
    else:
        name = log_name or (log if isinstance(log, str) else getattr(log, "name", None))
        if name is None:
            raise JourneysError("Name the event log (log_name) or pass the activity map to compare with")
        chosen = activity_map(ws, name, design.name, found.activities, design)
    result = conformance(found, design, chosen.mapping, filters, con=ws.engine)
    return Conformed(result, chosen, version)


def step_reach(ws: Workspace, log: Any, mapping: Mapping[str, str | None], filters: LogFilter | None = None,
               period: str | None = None) -> dict[Any, int]:
    """Cases reaching each mapped step (the reach behind ``contact_rate``), per period when asked."""
    return reach(stored(ws, log), mapping, filters, period=period, con=ws.engine)


def route_edit(journey: Journey, source: str, target: str, log_name: str) -> Edit:
    """Adding a route customers take to the map, as an edit a stale save can re-apply on a newer version."""
    return Edit(f"Added the route {transition_words(journey, source, target)} that customers take "
                f"(event log '{log_name}')", partial(add_route, source=source, target=target))


def add_observed_route(ws: Workspace, journey: str, source: str, target: str, author: str, log_name: str,
                       expected_version: int | None = None) -> int:
    """Save the journey with the route ``source → target`` added; returns the new version.

    Saved against ``expected_version`` (default: the version read now), so a colleague's newer save is
    refused (StaleWrite), never overwritten."""
    loaded = ws.journeys.load(journey)
    edit = route_edit(loaded.journey, source, target, log_name)
    version = loaded.version if expected_version is None else expected_version
    return ws.journeys.save(edit(loaded.journey), version, author, edit.message, name=journey)


def derive_from_tickets(ws: Workspace, dataset: DatasetVersion, journey: str, name: str, author: str,
                        ) -> tuple[EventLogVersion, LogReport]:
    """Each customer's sequence of journey steps as the next version of event log ``name``.

    Tickets land on steps by the journey's mapping rules, in creation order; tickets without a
    customer or on no step are left out and counted in the report."""
    ws.require(Role.editor, "deriving an event log")
    logs = ws.event_logs
    staged = logs.staging_path(name)
    try:
        tickets = mapped(ws, dataset, journey)
        report = customer_journeys_log(
            tickets.table, staged, source=f"tickets {dataset.name} v{dataset.version} on {journey}".replace("/", "-"))
        version = logs.commit(name, staged, report, author,
                              message=f"Derived from ticket dataset '{dataset.name}' version {dataset.version} "
                                      f"mapped to '{journey}'")
    finally:
        staged.unlink(missing_ok=True)
    return version, report

