"""``journeys journey …``: list, show, check, export, import and version the workspace's journeys."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from journeys import interop
from journeys.cli.app import EXIT_FINDINGS, FORMAT_OPTION, Group, with_workspace
from journeys.cli.printing import REVISION_COLUMNS, emit, revisions
from journeys.graph import Severity, check

if TYPE_CHECKING:
    from journeys.workspace import Workspace

LIST_COLUMNS = ["name", "state", "derived_from", "steps", "version", "updated_by", "updated_at"]
STEP_COLUMNS = ["id", "label", "stage", "lane", "channel", "emotion", "kind", "handled_by"]


@click.group(cls=Group)
def journey() -> None:
    """List, show, check, export, import and version journeys."""


@journey.command("list")
@FORMAT_OPTION
@with_workspace
def list_journeys(ws: Workspace, fmt: str) -> None:
    """The workspace's journeys with their version and last edit."""
    rows = [
        {"name": s.name, "state": s.state, "derived_from": s.derived_from, "steps": s.step_count,
         "version": s.version, "updated_by": s.updated_by, "updated_at": s.updated_at.isoformat(timespec="seconds")}
        for s in ws.journeys.list()
    ]
    emit(rows, fmt, LIST_COLUMNS)


@journey.command()
@click.argument("name")
@FORMAT_OPTION
@with_workspace
def show(ws: Workspace, name: str, fmt: str) -> None:
    """The journey's steps (JSON: the whole journey document)."""
    loaded = ws.journeys.load(name)
    if fmt == "json":
        click.echo(interop.export_journey(loaded.journey, "json"))
        return
    rows = [s.model_dump(mode="json", include=set(STEP_COLUMNS)) for s in loaded.journey.steps]
    if fmt == "table":
        j = loaded.journey
        click.echo(f"{j.name} ({j.state}, version {loaded.version}, saved by {loaded.saved_by}): "
                   f"{len(j.steps)} steps, {len(j.transitions)} transitions")
    emit(rows, fmt, STEP_COLUMNS)


@journey.command("check")
@click.argument("name")
@FORMAT_OPTION
@with_workspace
def check_journey(ws: Workspace, name: str, fmt: str) -> None:
    """Structural checks (dead ends, bot loops, no route to a human …); exit 1 on errors."""
    findings = check(ws.journeys.get(name))
    emit([f.as_dict() for f in findings], fmt, ["severity", "code", "steps", "message"])
    errors = sum(f.severity == Severity.error for f in findings)
    if fmt == "table":
        click.echo(f"{errors} error(s), {len(findings) - errors} warning(s)", err=True)
    if errors:
        raise SystemExit(EXIT_FINDINGS)


@journey.command()
@click.argument("name")
@click.option("--to", "fmt", type=click.Choice(interop.EXPORT_FORMATS), default="json", show_default=True,
              help="mermaid: Mermaid's journey diagram, which has no transitions; mermaid-flowchart: a Mermaid "
                   "flowchart that keeps them (stages as subgraphs, edges with kind and share).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), default=None,
              help="File to write (default: standard output).")
@with_workspace
def export(ws: Workspace, name: str, fmt: str, output: str | None) -> None:
    """Write a journey as JSON, GraphML, a Mermaid journey diagram or a Mermaid flowchart."""
    journey = ws.journeys.get(name)
    text = interop.export_journey(journey, fmt)
    if fmt == "mermaid" and journey.transitions:
        click.echo(f"Note: {interop.no_transitions_note(journey)}", err=True)
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"Wrote {output}", err=True)
    else:
        click.echo(text, nl=not text.endswith("\n"))


@journey.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--from", "fmt", type=click.Choice(interop.FORMATS), default=None,
              help="File format (default: from the extension or content).")
@click.option("--name", default=None, help="Save under this name instead of the file's.")
@click.option("--into", default=None, metavar="NAME",
              help="Save the file as a new revision of this existing journey (what a Mermaid file cannot hold "
                   "is kept from it); compare with `journey history` / the Compare page.")
@click.option("--expected-version", type=int, default=None,
              help="With --into: refuse if the journey is no longer at this version (it changed since you exported).")
@click.option("--message", "-m", default=None, help="Revision message (default: 'Imported from FILE').")
@with_workspace
def import_(ws: Workspace, file: str, fmt: str | None, name: str | None, into: str | None,
            expected_version: int | None, message: str | None) -> None:
    """Import a journey file; every problem is listed and nothing is saved when it is bad."""
    from journeys.diff import diff_journeys
    from journeys.errors import StaleWrite

    path = Path(file)
    author = ws.settings.author
    message = message or f"Imported from {path.name}"
    if into is None:
        imported = interop.read_journey(path.read_bytes(), fmt=fmt, filename=path.name)
        journey = imported.journey.model_copy(update={"name": name}) if name else imported.journey
        version = ws.journeys.create(journey, author, message)
        said = f"Imported '{journey.name}' ({len(journey.steps)} steps), version {version}."
    else:
        if name:
            raise click.UsageError("--name and --into exclude each other (--into keeps the journey's name)")
        head = ws.journeys.load(into)  # refused in words when there is no such journey
        if expected_version is not None and head.version != expected_version:
            raise StaleWrite(into, expected_version, head.version, head.saved_by,
                             head.saved_at.isoformat(timespec="seconds"))
        imported = interop.revision_from_file(head.journey, path.read_bytes(), fmt=fmt, filename=path.name)
        journey = imported.journey
        if journey == head.journey:
            said = f"'{into}' already matches {path.name}: nothing to save (still version {head.version})."
        else:
            version = ws.journeys.save(journey, head.version, author, message)
            changes = diff_journeys(head.journey, journey).summary()
            said = f"Saved {path.name} as version {version} of '{into}' ({changes})."
    for warning in imported.warnings:
        click.echo(f"Warning: {warning}", err=True)
    click.echo(said)


@journey.command()
@click.argument("name")
@FORMAT_OPTION
@with_workspace
def history(ws: Workspace, name: str, fmt: str) -> None:
    """Every saved revision, newest first."""
    emit(revisions(ws.journeys.history(name)), fmt, REVISION_COLUMNS)


@journey.command()
@click.argument("name")
@click.argument("version", type=int)
@with_workspace
def restore(ws: Workspace, name: str, version: int) -> None:
    """Bring back an earlier revision as a new revision on top (nothing is overwritten)."""
    new_version = ws.journeys.restore(name, version, ws.settings.author)
    click.echo(f"Restored '{name}' to the content of version {version}, saved as version {new_version}.")
