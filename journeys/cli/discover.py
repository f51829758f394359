"""``journeys discover LOG``: the directly-follows graph of an event log, and conformance with a journey.

LOG is a file (CSV, TSV, Parquet, JSON, Excel, XES, gzipped XES), imported into a temporary folder
(or stored as a new version of an event log with ``--save NAME``), or the name of an event log
already stored in the workspace. ``--journey J`` compares it with a journey of the workspace
through the saved activity map of (log, journey), or a proposed one when none was saved.

Output (``--format``): ``table`` (sections for people), ``json`` (everything), ``csv`` (one table,
chosen with ``--table``), ``dot`` (Graphviz: the DFG, or with ``--journey`` the journey's steps
with observed volumes). Bad input exits 2 with ``journeys: <reason>``, as every command does.

The top group (:mod:`journeys.cli.app`) loads this module only when ``journeys discover`` runs.
"""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from journeys.cli.app import BadInput, with_workspace
from journeys.cli.printing import echo_json, emit
from journeys.cli.printing import frame_rows as _rows
from journeys.files import workspace_tmp

if TYPE_CHECKING:
    from journeys.discover.log import ImportOptions
    from journeys.discover.log_columns import LogColumns
    from journeys.workspace import Workspace

TABLES = ("edges", "starts", "ends", "variants", "conformance")


def _segment(value: str | None) -> tuple[str | None, tuple[str, ...]]:
    if not value:
        return None, ()
    column, sep, wanted = value.partition("=")
    if not sep or not column.strip():
        raise click.BadParameter("use COLUMN=VALUE[,VALUE…], e.g. x_plan=Pro", param_hint="--segment")
    column = column.strip()
    if column != "resource" and not column.startswith("x_"):
        column = "x_" + column
    return column, tuple(v.strip() for v in wanted.split(","))


@click.command("discover")
@click.argument("log")
@click.option("--case", "case_col", default=None, help="Case id column (default: detected, e.g. case:concept:name).")
@click.option("--activity", "activity_col", default=None, help="Activity column (default: detected).")
@click.option("--timestamp", "timestamp_col", default=None, help="Timestamp column (default: detected).")
@click.option("--resource", "resource_col", default=None, help="Resource column (optional).")
@click.option("--tiebreak", "tiebreak_col", default=None,
              help="Column ordering events with equal timestamps (default: file order).")
@click.option("--timezone", default="UTC", show_default=True, help="Zone of timestamps written without an offset.")
@click.option("--start-time", "start_col", default=None,
              help="Start-time column, for logs that record when activities start (default: detected, "
                   "e.g. start_timestamp).")
@click.option("--keep-duplicates", is_flag=True, help="Keep rows identical in every column to an earlier row.")
@click.option("--order", type=click.Choice(["start", "complete"]), default="start", show_default=True,
              help="For logs with start and completion times: order a case's events by start time (as pm4py "
                   "does) or by completion time.")
@click.option("--journey", "journey_name", default=None, help="Compare with this journey of the workspace.")
@click.option("--from", "start", type=click.DateTime(), default=None, help="First instant (inclusive, UTC).")
@click.option("--to", "end", type=click.DateTime(), default=None, help="Last instant (exclusive, UTC).")
@click.option("--segment", default=None, help="Keep events of a segment: COLUMN=VALUE[,VALUE…] (e.g. plan=Pro).")
@click.option("--min-frequency", type=click.IntRange(min=1), default=1, show_default=True,
              help="Hide edges seen fewer times.")
@click.option("--top-variants", type=click.IntRange(min=1), default=None,
              help="Only the cases of the K most frequent variants.")
@click.option("--variants", "n_variants", type=click.IntRange(min=0), default=20, show_default=True,
              help="How many variants to print.")
@click.option("--save", "save_as", default=None, help="Store the imported file as a new version of event log NAME.")
@click.option("--table", "table_name", type=click.Choice(TABLES), default="edges", show_default=True,
              help="Which table --format csv prints.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv", "dot"]), default="table",
              show_default=True, help="How to print the result.")
@with_workspace
def discover(ws: Workspace, log: str, case_col: str | None, activity_col: str | None, timestamp_col: str | None,
             resource_col: str | None, tiebreak_col: str | None, start_col: str | None, timezone: str,
             keep_duplicates: bool, order: str, journey_name: str | None, start: datetime | None,
             end: datetime | None, segment: str | None, min_frequency: int, top_variants: int | None,
             n_variants: int, save_as: str | None, table_name: str, fmt: str) -> None:
    """The directly-follows graph of an event log (edges, starts, ends, variants), and conformance with a journey."""
    with workspace_tmp(ws.home, prefix="discover-") as work:
        _run(ws, Path(work), log=log, case_col=case_col, activity_col=activity_col,
             timestamp_col=timestamp_col, resource_col=resource_col, tiebreak_col=tiebreak_col,
             start_col=start_col, timezone=timezone, keep_duplicates=keep_duplicates, order=order,
             journey_name=journey_name, start=start, end=end, segment=segment,
             min_frequency=min_frequency, top_variants=top_variants, n_variants=n_variants, save_as=save_as,
             table_name=table_name, fmt=fmt)


def _load(ws: Workspace, work: Path, log: str, columns: LogColumns, options: ImportOptions,
          save_as: str | None) -> tuple[Path, str, dict[str, Any]]:
    """(stored log path, log name, info for the output) for a file or a stored log name."""
    from journeys.discover.log import import_log

    path = Path(log)
    if path.is_file():
        if save_as:
            ws.home.mkdir(parents=True, exist_ok=True)
            version, report = ws.event_logs.import_file(save_as, path, ws.settings.author, columns, options)
            return version.path, save_as, {"name": save_as, "version": version.version, "report": report,
                                           "order_rule": report.order_rule}
        report = import_log(path, work / "log.parquet", columns, options)
        return work / "log.parquet", path.stem, {"name": path.stem, "version": None, "report": report,
                                                 "order_rule": report.order_rule}
    if save_as:
        raise BadInput(f"--save needs a file to import; '{log}' is not a file")
    if any(v is not None for v in (columns.case, columns.activity, columns.timestamp, columns.resource,
                                   columns.tiebreak, columns.start)):
        raise BadInput(f"'{log}' is a stored event log: its columns were chosen when it was imported")
    known = {v.name: v for v in ws.event_logs.list()}
    if log not in known:
        names = ", ".join(sorted(known)) or "none yet"
        raise BadInput(f"'{log}' is neither a file nor an event log of workspace '{ws.name}' "
                       f"(event logs: {names})")
    version = known[log]
    return version.path, log, {"name": log, "version": version.version, "report": None,
                               "order_rule": (version.report or {}).get("order_rule")}


def _run(ws: Workspace, work: Path, *, log: str, case_col: str | None, activity_col: str | None,
         timestamp_col: str | None, resource_col: str | None, tiebreak_col: str | None, start_col: str | None,
         timezone: str, keep_duplicates: bool, order: str, journey_name: str | None, start: datetime | None,
         end: datetime | None, segment: str | None, min_frequency: int, top_variants: int | None,
         n_variants: int, save_as: str | None, table_name: str, fmt: str) -> None:
    from journeys.discover.conformance import conformance
    from journeys.discover.dfg import LogFilter, dfg, open_log, variants
    from journeys.discover.dot import conformance_dot, dfg_dot
    from journeys.discover.log import ImportOptions
    from journeys.discover.log_columns import LogColumns
    from journeys.discover.mapping import load_activity_map, propose_activity_map

    if fmt == "csv" and table_name == "conformance" and not journey_name:
        raise BadInput("--table conformance needs --journey")
    columns = LogColumns(case=case_col, activity=activity_col, timestamp=timestamp_col, resource=resource_col,
                         tiebreak=tiebreak_col, start=start_col)
    options = ImportOptions(timezone=timezone, duplicates="keep" if keep_duplicates else "drop", order=order)
    journey = ws.journeys.get(journey_name) if journey_name else None
    path, name, info = _load(ws, work, log, columns, options, save_as)
    seg_col, seg_values = _segment(segment)
    filters = LogFilter(start=start, end=end, segment=seg_col, segment_values=seg_values,
                        min_edge_frequency=min_frequency, top_variants=top_variants)
    stored = open_log(path)
    graph = dfg(stored, filters)
    found = variants(stored, filters, top=n_variants)
    result = map_info = None
    if journey is not None:
        saved = load_activity_map(ws.store, ws.name, name, journey.name)
        mapping = saved.mapping if saved else propose_activity_map(stored.activities, journey)
        map_info = {"source": f"saved (version {saved.version})" if saved else "proposed by name",
                    "mapping": mapping}
        result = conformance(stored, journey, mapping, filters)

    report = info["report"]
    if fmt == "dot":
        click.echo(conformance_dot(result, journey) if result is not None and journey is not None
                   else dfg_dot(graph, f"{name} — {filters.describe()}"), nl=False)
        return
    edges = _rows(graph.edges)
    variant_rows = [{**r, "activities": " → ".join(r["activities"])} for r in _rows(found.table)]
    if fmt == "json":
        out: dict[str, Any] = {
            "log": {"name": name, "version": info["version"], "events": graph.events, "cases": graph.cases,
                    "filters": filters.describe(), "order": info["order_rule"],
                    "report": report.to_json() if report else None},
            "edges": edges, "starts": _rows(graph.starts), "ends": _rows(graph.ends),
            "variants": {"distinct": found.distinct, "cases": found.cases, "top": _rows(found.table)},
        }
        if result is not None:
            out["conformance"] = {
                "journey": result.journey, "activity_map": map_info,
                "designed_share": None if math.isnan(result.designed_share) else round(result.designed_share, 6),
                "transitions": result.transitions, "designed_events": result.designed_events,
                "mapped_events": result.mapped_events, "designed": _rows(result.designed),
                "undesigned": _rows(result.undesigned), "unused": _rows(result.unused), "loops": _rows(result.loops),
                "unmapped": _rows(result.unmapped), "unmapped_activities": _rows(result.unmapped_activities)}
        echo_json(out)
        return
    if fmt == "csv":
        if table_name == "conformance":
            assert result is not None
            rows = ([{"status": "designed" if r["events"] else "unused", **r} for r in _rows(result.designed)]
                    + [{"status": "undesigned", **r} for r in _rows(result.undesigned)]
                    + [{"status": "unmapped", **r} for r in _rows(result.unmapped)])
            emit(rows, "csv", ["status", "source", "target", "kind", "expected_share", "events",
                                                   "cases", "observed_share", "share_gap", "loop"])
            return
        tables = {"edges": edges, "starts": _rows(graph.starts), "ends": _rows(graph.ends), "variants": variant_rows}
        emit(tables[table_name], "csv", _columns(table_name))
        return
    if report is not None:
        click.echo(report.summary(), err=True)
    click.echo(f"Event log '{name}': {graph.events:,} events, {graph.cases:,} cases ({filters.describe()})"
               + (f"; events of a case ordered {info['order_rule']}." if info["order_rule"] else "."))
    for title, rows, key in (("Edges", edges, "edges"), ("Start activities", _rows(graph.starts), "starts"),
                             ("End activities", _rows(graph.ends), "ends"),
                             (f"Variants (top {len(variant_rows)} of {found.distinct:,})", variant_rows, "variants")):
        click.echo(f"\n{title}")
        emit(rows, "table", _columns(key))
    if result is not None and map_info is not None:
        click.echo(f"\nConformance with '{result.journey}' (activity map {map_info['source']})")
        click.echo(result.summary())
        for title, frame in (("Designed transitions", result.designed), ("Undesigned transitions", result.undesigned),
                             ("Loops", result.loops), ("Transitions touching unmapped activities", result.unmapped)):
            click.echo(f"\n{title}")
            emit(_rows(frame), "table")


def _columns(table: str) -> list[str]:
    return {"edges": ["source", "target", "frequency", "cases", "mean_seconds", "median_seconds", "p90_seconds"],
            "starts": ["activity", "cases"], "ends": ["activity", "cases"],
            "variants": ["rank", "cases", "coverage", "cumulative_coverage", "length", "activities"]}[table]
