"""``journeys tickets list|import``: the workspace's ticket datasets (the rules live in :mod:`.ticket_rules`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from journeys.cli.app import FORMAT_OPTION, Group, with_workspace
from journeys.cli.printing import echo_json, emit
from journeys.cli.ticket_rules import rules

if TYPE_CHECKING:
    from journeys.workspace import Workspace


@click.group(cls=Group)
def tickets() -> None:
    """Ticket datasets and the rules that map tickets to journey steps."""


tickets.add_command(rules)


@tickets.command("list")
@FORMAT_OPTION
@with_workspace
def list_datasets(ws: Workspace, fmt: str) -> None:
    """The workspace's ticket datasets (latest version of each)."""
    rows = [{"dataset": d.name, "version": d.version, "rows": d.rows, "imported_by": d.created_by,
             "imported_at": d.created_at.isoformat(timespec="seconds")} for d in ws.datasets.list()]
    emit(rows, fmt, ["dataset", "version", "rows", "imported_by", "imported_at"])


@tickets.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--dataset", default=None, help="Dataset name (default: the file name without extension).")
@click.option("--profile", default=None, help="Use a saved import profile (column mapping).")
@click.option("--save-profile", default=None, help="Save the mapping used under this profile name.")
@click.option("--map", "maps", multiple=True, metavar="FIELD=COLUMN[:TRANSFORM]",
              help="Fill a canonical column from this file column (repeatable), e.g. --map status=incident_state, "
                   "--map csat=Rating:csat_10; FIELD= leaves it empty.")
@click.option("--ticket-key", default=None, metavar="COLUMN",
              help="The id column of a one-row-per-update file: each ticket keeps its last row.")
@click.option("--date-order", type=click.Choice(["dmy", "mdy", "ymd"]), default=None,
              help="How dates like 01/02/2024 read (default: decided from the data).")
@click.option("--timezone", default=None, metavar="ZONE",
              help="Zone of times that name none, e.g. Europe/Berlin (default: UTC).")
@click.option("--sheet", default=None, metavar="NAME", help="The workbook sheet to read (e.g. when the first "
                                                             "is a pivot).")
@FORMAT_OPTION
@with_workspace
def tickets_import(ws: Workspace, file: str, dataset: str | None, profile: str | None, save_profile: str | None,
                   maps: tuple[str, ...], ticket_key: str | None, date_order: str | None, timezone: str | None,
                   sheet: str | None, fmt: str) -> None:
    """Import a help-desk export (Zendesk, Intercom, Freshdesk, any CSV/Excel/Parquet/JSON) as a new version."""
    from journeys.tickets.importer import override_mapping
    from journeys.usecases.ticket_import import import_tickets, load_profile, preview_export
    from journeys.usecases.ticket_import import save_profile as keep_profile

    path = Path(file)
    name = dataset or path.stem
    mapping = None
    if maps or ticket_key is not None or date_order is not None or timezone is not None:
        preview = preview_export(path, sheet)  # checked against the file's columns before anything is read
        mapping = load_profile(ws, profile).mapping if profile is not None else preview.proposed
        profile = None
        mapping = override_mapping(mapping, list(preview.info.columns), maps, ticket_key, date_order, timezone)
    ws.home.mkdir(parents=True, exist_ok=True)
    imported = import_tickets(ws, path, name, ws.settings.author, mapping=mapping, profile=profile, sheet=sheet)
    version, report = imported.dataset, imported.report
    if save_profile:
        keep_profile(ws, save_profile, report.mapping, ws.settings.author)
    if fmt == "json":
        echo_json({"dataset": name, "version": version.version, "report": report.to_json()})
        return
    click.echo(report.summary())
    click.echo(f"Saved as dataset '{name}' version {version.version} ({version.rows:,} tickets).")
