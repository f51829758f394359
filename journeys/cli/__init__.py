"""The ``journeys`` command line: the same operations as the app, scriptable.

Every command exits non-zero with a short reason on bad input (exit 2), never
a traceback; ``journey check`` exits 1 when it finds errors. Commands that
print data take ``--format json|csv|table``.
"""

from __future__ import annotations

import importlib
import importlib.util
import ipaddress
import json
import os
import sys
import textwrap
import tomllib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, ClassVar

import click

from journeys import interop
from journeys.bounded import some_of
from journeys.csv_export import csv_text
from journeys.errors import ECHO, LISTED, JourneysError, clip_echo, more_than_listed
from journeys.faults import classify_fault
from journeys.files import sweep_tmp
from journeys.graph import Severity, check
from journeys.settings import Settings, load_settings

EXIT_FINDINGS = 1
EXIT_BAD_INPUT = 2
EXIT_UNEXPECTED = 3
CLOCK_OPTION = click.option("--minutes", "clock", type=click.Choice(["calendar", "business"]), default="calendar",
                            show_default=True, help="First reply and resolution in calendar minutes, or in business "
                            "minutes under the workspace's schedule (journeys workspace schedule set).")
FORMAT_OPTION = click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table",
                             show_default=True, help="How to print the data.")


class BadInput(click.ClickException):
    """A user-facing failure: the reason on one line, then any listed problems."""

    exit_code = EXIT_BAD_INPUT

    def show(self, file: Any = None) -> None:
        first, *rest = self.message.split("\n")
        shown = [clip_echo(first, 2 * ECHO), *(clip_echo(line, 2 * ECHO) for line in rest[:LISTED + 1])]
        click.echo("journeys: " + "\n".join(shown) + more_than_listed(len(rest), LISTED + 1), err=True)


def _fail(error: JourneysError) -> BadInput:
    """The error's message, then its first problems (each clipped), then how many more there are."""
    lines = [error.message] + [f"  - {p}" for p in error.problems[:LISTED]]
    return BadInput("\n".join(lines) + (f"\n  {more_than_listed(len(error.problems)).strip()}"
                                        if len(error.problems) > LISTED else ""))


class _Group(click.Group):
    """Turns our domain errors into one clear message and an exit code, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except JourneysError as error:
            raise _fail(error) from None
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort, SystemExit):
            raise
        except Exception as error:  # the last line of defence against tracebacks
            if os.environ.get("JOURNEYS_DEBUG"):
                raise
            fault = classify_fault(error)
            if fault is not None:  # the machine, not the input: say which (database down, disk full …)
                raise BadInput(fault.one_line()) from None
            message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise BadInput(f"unexpected error ({type(error).__name__}): {message}") from None


class _TopGroup(_Group):
    """The top command: commands living beside their domain package load only when used.

    Importing ``journeys.discover`` (or ``journeys.experiments``) costs ~0.7 s; every other command
    (and every CLI test) would pay it at start-up if they were imported eagerly.
    """

    LAZY: ClassVar[dict[str, str]] = {"discover": "journeys.cli.discover:discover",
                                      "experiments": "journeys.cli.experiments:experiments"}

    def list_commands(self, ctx: click.Context) -> list[str]:
        available = [name for name, target in self.LAZY.items() if _module_exists(target.split(":")[0])]
        return sorted({*super().list_commands(ctx), *available})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = self.LAZY.get(name)
        if target is None or not _module_exists(target.split(":")[0]):
            return super().get_command(ctx, name)
        module, attribute = target.split(":")
        return getattr(importlib.import_module(module), attribute)


def _module_exists(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


def _emit(rows: list[dict[str, Any]], fmt: str, columns: Sequence[str] | None = None) -> None:
    """Print rows as a table (cells bounded: see ``_cell``), JSON or CSV (the whole values)."""
    columns = list(columns or (rows[0].keys() if rows else []))
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2, default=str, ensure_ascii=False))
        return
    if fmt == "csv":
        click.echo(csv_text(rows, columns), nl=False)
        return
    if not rows:
        click.echo("(none)")
        return
    limits = [MESSAGE_WIDTH if c in ("message", "explain") else CELL_WIDTH for c in columns]
    cells = [[_cell(r.get(c), limit) for c, limit in zip(columns, limits, strict=True)] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    click.echo("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
    click.echo("  ".join("-" * w for w in widths))
    for row in cells:
        click.echo("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())


CELL_WIDTH = 80  # characters of a table cell; the whole value is in --format json or csv
MESSAGE_WIDTH = 2 * ECHO  # a sentence written by the core (a finding, an explanation) gets more room
CELL_ITEMS = 5  # items of a list cell before "… and N more"


def _cell(value: Any, width: int = CELL_WIDTH) -> str:
    """A table cell: one line, at most ``width`` characters; a long list shows its first few items, so a
    table's size is rows × bounded width however long a label or a finding's step list is."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return clip_echo(some_of(value, shown=CELL_ITEMS, quote=""), width)
    return clip_echo(value, width)


def _open(ctx: click.Context):
    """The store for the configured workspace database (migrated on open)."""
    from journeys.store import Store

    settings: Settings = ctx.obj
    if settings.uses_embedded_database:
        settings.home.mkdir(parents=True, exist_ok=True)
    return Store(settings.database_url)


def _with_store(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Open the store for a command and close it afterwards."""

    @click.pass_context
    def wrapper(ctx: click.Context, *args: Any, **kwargs: Any) -> Any:
        store = _open(ctx)
        try:
            return ctx.invoke(fn, store, ctx.obj, *args, **kwargs)
        finally:
            store.close()

    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper


@click.group(cls=_TopGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--home", type=click.Path(file_okay=False), default=None,
              help="Workspace folder (env JOURNEYS_HOME, default ./workspace).")
@click.option("--database-url", default=None, help="Workspace database URL (env JOURNEYS_DATABASE_URL).")
@click.option("--workspace", "-w", default=None, help="Workspace name (env JOURNEYS_WORKSPACE, default demo).")
@click.version_option(package_name="journeys")
@click.pass_context
def cli(ctx: click.Context, home: str | None, database_url: str | None, workspace: str | None) -> None:
    """journeys: map customer journeys, find friction in ticket data, close the loop."""
    ctx.obj = load_settings(home=home, database_url=database_url, workspace=workspace)
    sweep_tmp(ctx.obj.home)  # what killed commands left under <home>/tmp (live processes' files are kept)


@cli.command()
@click.option("--demo", is_flag=True, help="Load the demo workspace (journeys, tickets and rules with planted "
              "problems).")
@click.option("--tickets", "n_tickets", default=200_000, show_default=True, type=click.IntRange(min=0),
              help="How many demo tickets to generate (0: journeys only).")
@_with_store
def init(store, settings: Settings, demo: bool, n_tickets: int) -> None:
    """Create the workspace (and its database); --demo loads the demo journeys and tickets."""
    from journeys.demo.loader import load_demo

    store.ensure_workspace(settings.workspace)
    settings.home.mkdir(parents=True, exist_ok=True)
    created = load_demo(store, settings.workspace, home=settings.home, tickets=n_tickets) if demo else []
    where = settings.home if settings.uses_embedded_database else "the configured database"
    click.echo(f"Workspace '{settings.workspace}' ready in {where}.")
    for name in created:
        kinds = ("dataset", "rules", "pain points", "experiments", "event log", "activity map")
        shown = name if name.startswith(kinds) else f"journey {name!r}"
        click.echo(f"  loaded demo {shown}")


# The app does not ask anyone to sign in yet (a later issue adds st.login): until it does, an [auth]
# section in secrets.toml protects nothing, so serving beyond this machine needs --allow-anonymous.
APP_ASKS_FOR_SIGN_IN = False


@cli.command()
@click.option("--port", default=8501, show_default=True, type=int)
@click.option("--address", default="127.0.0.1", show_default=True,
              help="Address to listen on; anything but loopback needs sign-in or --allow-anonymous.")
@click.option("--allow-anonymous", is_flag=True,
              help="Serve on a non-loopback address without sign-in: anyone who can reach it can read and edit "
                   "the workspace.")
@click.pass_obj
def serve(settings: Settings, port: int, address: str, allow_anonymous: bool) -> None:
    """Start the web app on this workspace (this process becomes the server: stop it by its PID)."""
    app = Path(__file__).resolve().parent.parent / "streamlit_app.py"
    if not app.exists():
        raise BadInput(f"cannot find the app entry point {app}; run from a checkout of journeys")
    if not _is_loopback(address) and not allow_anonymous and not _signs_in(app.parent):
        raise BadInput(f"refusing to serve on {clip_echo(address)!r}: the app has no sign-in, so anyone who can "
                       "reach it could read and edit the workspace; serve on 127.0.0.1, or pass --allow-anonymous "
                       "on a network you trust")
    env = dict(os.environ, JOURNEYS_HOME=str(settings.home), JOURNEYS_DATABASE_URL=settings.database_url,
               JOURNEYS_WORKSPACE=settings.workspace)
    command = [sys.executable, "-m", "streamlit", "run", str(app), "--server.port", str(port),
               "--server.address", address, "--browser.gatherUsageStats", "false",
               "--server.maxUploadSize", str(settings.max_upload_mb)]  # the pages' cap (JOURNEYS_MAX_UPLOAD_MB)
    os.chdir(app.parent)
    sys.stdout.flush()
    sys.stderr.flush()
    # Become the server (no child left behind): SIGTERM or SIGINT to this PID stops Streamlit itself.
    os.execve(sys.executable, command, env)


def _is_loopback(address: str) -> bool:
    """127.0.0.0/8, ::1 or localhost: only this machine can connect."""
    if address.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(address.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def _signs_in(app_dir: Path) -> bool:
    """Whether the app asks people to sign in: it must support it and have an [auth] section in the
    secrets Streamlit reads (the project's ``.streamlit/secrets.toml``, then the user's)."""
    if not APP_ASKS_FOR_SIGN_IN:
        return False
    for secrets in (app_dir / ".streamlit" / "secrets.toml", Path.home() / ".streamlit" / "secrets.toml"):
        try:
            auth = tomllib.loads(secrets.read_text(encoding="utf-8")).get("auth")
        except (OSError, tomllib.TOMLDecodeError):
            continue
        if isinstance(auth, dict) and auth.get("cookie_secret") and auth.get("redirect_uri"):
            return True
    return False


@cli.group(cls=_Group)
def journey() -> None:
    """List, show, check, export, import and version journeys."""


@journey.command("list")
@FORMAT_OPTION
@_with_store
def list_journeys(store, settings: Settings, fmt: str) -> None:
    """The workspace's journeys with their version and last edit."""
    rows = [
        {"name": s.name, "state": s.state, "derived_from": s.derived_from, "steps": s.step_count,
         "version": s.version, "updated_by": s.updated_by, "updated_at": s.updated_at.isoformat(timespec="seconds")}
        for s in store.list_journeys(settings.workspace)
    ]
    _emit(rows, fmt, ["name", "state", "derived_from", "steps", "version", "updated_by", "updated_at"])


@journey.command()
@click.argument("name")
@FORMAT_OPTION
@_with_store
def show(store, settings: Settings, name: str, fmt: str) -> None:
    """The journey's steps (JSON: the whole journey document)."""
    loaded = store.load(settings.workspace, name)
    if fmt == "json":
        click.echo(interop.export_journey(loaded.journey, "json"))
        return
    rows = [s.model_dump(mode="json", include={"id", "label", "stage", "lane", "channel", "emotion", "kind",
                                                  "handled_by"}) for s in loaded.journey.steps]
    if fmt == "table":
        j = loaded.journey
        click.echo(f"{j.name} ({j.state}, version {loaded.version}, saved by {loaded.saved_by}): "
                   f"{len(j.steps)} steps, {len(j.transitions)} transitions")
    _emit(rows, fmt, ["id", "label", "stage", "lane", "channel", "emotion", "kind", "handled_by"])


@journey.command("check")
@click.argument("name")
@FORMAT_OPTION
@_with_store
def check_journey(store, settings: Settings, name: str, fmt: str) -> None:
    """Structural checks (dead ends, bot loops, no route to a human …); exit 1 on errors."""
    findings = check(store.load(settings.workspace, name).journey)
    _emit([f.as_dict() for f in findings], fmt, ["severity", "code", "steps", "message"])
    if fmt == "table":
        errors = sum(f.severity == Severity.error for f in findings)
        click.echo(f"{errors} error(s), {len(findings) - errors} warning(s)", err=True)
    if any(f.severity == Severity.error for f in findings):
        raise SystemExit(EXIT_FINDINGS)


@journey.command()
@click.argument("name")
@click.option("--to", "fmt", type=click.Choice(interop.EXPORT_FORMATS), default="json", show_default=True,
              help="mermaid: Mermaid's journey diagram, which has no transitions; mermaid-flowchart: a Mermaid "
                   "flowchart that keeps them (stages as subgraphs, edges with kind and share).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), default=None,
              help="File to write (default: standard output).")
@_with_store
def export(store, settings: Settings, name: str, fmt: str, output: str | None) -> None:
    """Write a journey as JSON, GraphML, a Mermaid journey diagram or a Mermaid flowchart."""
    journey = store.load(settings.workspace, name).journey
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
@_with_store
def import_(store, settings: Settings, file: str, fmt: str | None, name: str | None, into: str | None,
            expected_version: int | None, message: str | None) -> None:
    """Import a journey file; every problem is listed and nothing is saved when it is bad."""
    from journeys.diff import diff_journeys
    from journeys.errors import StaleWrite

    path = Path(file)
    message = message or f"Imported from {path.name}"
    if into is None:
        imported = interop.read_journey(path.read_bytes(), fmt=fmt, filename=path.name)
        journey = imported.journey.model_copy(update={"name": name}) if name else imported.journey
        version = store.create(settings.workspace, journey, settings.author, message)
        said = f"Imported '{journey.name}' ({len(journey.steps)} steps), version {version}."
    else:
        if name:
            raise click.UsageError("--name and --into exclude each other (--into keeps the journey's name)")
        head = store.load(settings.workspace, into)  # refused in words when there is no such journey
        if expected_version is not None and head.version != expected_version:
            raise StaleWrite(into, expected_version, head.version, head.saved_by,
                             head.saved_at.isoformat(timespec="seconds"))
        imported = interop.revision_from_file(head.journey, path.read_bytes(), fmt=fmt, filename=path.name)
        journey = imported.journey
        if journey == head.journey:
            said = f"'{into}' already matches {path.name}: nothing to save (still version {head.version})."
        else:
            version = store.save(settings.workspace, journey, head.version, settings.author, message)
            changes = diff_journeys(head.journey, journey).summary()
            said = f"Saved {path.name} as version {version} of '{into}' ({changes})."
    for warning in imported.warnings:
        click.echo(f"Warning: {warning}", err=True)
    click.echo(said)


@journey.command()
@click.argument("name")
@FORMAT_OPTION
@_with_store
def history(store, settings: Settings, name: str, fmt: str) -> None:
    """Every saved revision, newest first."""
    rows = [{"version": r.version, "author": r.author, "saved_at": r.created_at.isoformat(timespec="seconds"),
             "message": r.message} for r in store.history(settings.workspace, name)]
    _emit(rows, fmt, ["version", "author", "saved_at", "message"])


@journey.command()
@click.argument("name")
@click.argument("version", type=int)
@_with_store
def restore(store, settings: Settings, name: str, version: int) -> None:
    """Bring back an earlier revision as a new revision on top (nothing is overwritten)."""
    new_version = store.restore(settings.workspace, name, version, settings.author)
    click.echo(f"Restored '{name}' to the content of version {version}, saved as version {new_version}.")


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point."""
    cli.main(args=list(argv) if argv is not None else None, prog_name="journeys")


# --- tickets, rules and metrics -------------------------------------------------------------------


@cli.group(cls=_Group)
def tickets() -> None:
    """Ticket datasets and the rules that map tickets to journey steps."""


@tickets.command("list")
@FORMAT_OPTION
@_with_store
def list_datasets(store, settings: Settings, fmt: str) -> None:
    """The workspace's ticket datasets (latest version of each)."""
    from journeys.tickets.datasets import Datasets

    rows = [{"dataset": d.name, "version": d.version, "rows": d.rows, "imported_by": d.created_by,
             "imported_at": d.created_at.isoformat(timespec="seconds")}
            for d in Datasets(store, settings.home).list(settings.workspace)]
    _emit(rows, fmt, ["dataset", "version", "rows", "imported_by", "imported_at"])


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
@_with_store
def tickets_import(store, settings: Settings, file: str, dataset: str | None, profile: str | None,
                   save_profile: str | None, maps: tuple[str, ...], ticket_key: str | None, date_order: str | None,
                   timezone: str | None, sheet: str | None, fmt: str) -> None:
    """Import a help-desk export (Zendesk, Intercom, Freshdesk, any CSV/Excel/Parquet/JSON) as a new version."""
    from journeys.tickets.column_mapping import ColumnMapping
    from journeys.tickets.datasets import Datasets
    from journeys.tickets.importer import inspect_file, override_mapping
    from journeys.tickets.workflow import import_dataset, prepare_mappings

    path = Path(file)
    name = dataset or path.stem
    mapping = None
    if maps or ticket_key is not None or date_order is not None or timezone is not None:
        info, mapping = inspect_file(path, sheet)  # checked against the file's columns before anything is read
        if profile is not None:
            mapping = ColumnMapping.from_json(Datasets(store, settings.home).load_profile(settings.workspace, profile))
            profile = None
        mapping = override_mapping(mapping, list(info.columns), maps, ticket_key, date_order, timezone)
    settings.home.mkdir(parents=True, exist_ok=True)
    version, report = import_dataset(store, settings.home, settings.workspace, name, path, settings.author,
                                     mapping=mapping, profile=profile, sheet=sheet)
    if save_profile:
        Datasets(store, settings.home).save_profile(settings.workspace, save_profile, report.mapping.to_json(),
                                                    settings.author)
    prepare_mappings(store, settings.home, settings.workspace, version)
    if fmt == "json":
        click.echo(json.dumps({"dataset": name, "version": version.version, "report": report.to_json()},
                              indent=2, default=str, ensure_ascii=False))
        return
    click.echo(report.summary())
    click.echo(f"Saved as dataset '{name}' version {version.version} ({version.rows:,} tickets).")


@tickets.group(cls=_Group)
def rules() -> None:
    """Show, add and check a journey's mapping rules (ordered; the first match wins)."""


@rules.command("show")
@click.argument("journey_name", metavar="JOURNEY")
@FORMAT_OPTION
@_with_store
def rules_show(store, settings: Settings, journey_name: str, fmt: str) -> None:
    """The journey's rules in order."""
    from journeys.store.tickets import TicketStore

    rule_set = TicketStore(store).load_rules(settings.workspace, journey_name)
    rows = [{"order": i + 1, **r.to_dict()} for i, r in enumerate(rule_set.rules)]
    _emit(rows, fmt, ["order", "step", "field", "op", "value", "name"])
    if fmt == "table":
        click.echo(f"version {rule_set.version}", err=True)


@rules.command("add")
@click.argument("journey_name", metavar="JOURNEY")
@click.option("--step", required=True, help="Step id the matching tickets land on.")
@click.option("--field", "field_", required=True, help="Ticket column, e.g. tags, category, subject, x_<extra>.")
@click.option("--op", type=click.Choice(["equals", "contains", "regex", "in"]), default="equals", show_default=True)
@click.option("--value", "values", required=True, multiple=True, help="Value (repeat for --op in).")
@click.option("--name", default="", help="A name shown in previews.")
@_with_store
def rules_add(store, settings: Settings, journey_name: str, step: str, field_: str, op: str,
              values: tuple[str, ...], name: str) -> None:
    """Append a rule (checked against the journey before it is saved)."""
    from journeys.errors import InvalidJourney
    from journeys.store.tickets import TicketStore
    from journeys.tickets.datasets import Datasets
    from journeys.tickets.rules import Rule, added_rule_problems, rule_columns

    tickets_store = TicketStore(store)
    current = tickets_store.load_rules(settings.workspace, journey_name)
    rule = Rule(step=step, field=field_, op=op, value=list(values) if op == "in" else values[0], name=name)
    journey = store.load(settings.workspace, journey_name).journey
    columns, columns_of = rule_columns([d.path for d in Datasets(store, settings.home).list(settings.workspace)])
    problems = added_rule_problems(current.rules, rule, journey, columns, columns_of=columns_of)
    if problems:
        raise InvalidJourney("The rule was not added", problems)
    version = tickets_store.save_rules(settings.workspace, journey_name, [*current.rules, rule], settings.author,
                                       f"Added rule {rule.describe()}", expected_version=current.version)
    click.echo(f"Rule {len(current.rules) + 1} added ({rule.describe()} → {step}); rules version {version}.")


def _rules_saved(store, settings: Settings, journey_name: str, rules: list, message: str, expected: int) -> int:
    """Save a changed rule list on top of the version it was read at (stale saves are refused)."""
    from journeys.store.tickets import TicketStore

    return TicketStore(store).save_rules(settings.workspace, journey_name, rules, settings.author, message,
                                         expected_version=expected)


def _rule_at(rule_set, position: int, what: str) -> int:
    """The 0-based index of rule ``position`` (1-based, as `rules show` numbers them), or a clear error."""
    if not 1 <= position <= len(rule_set.rules):
        raise BadInput(f"{what}: there is no rule {position}; '{rule_set.journey}' has "
                       f"{len(rule_set.rules)} rule(s) (see `journeys tickets rules show`)")
    return position - 1


@rules.command("remove")
@click.argument("journey_name", metavar="JOURNEY")
@click.argument("position", type=int)
@_with_store
def rules_remove(store, settings: Settings, journey_name: str, position: int) -> None:
    """Remove rule POSITION (1 = first) as a new rules version."""
    from journeys.store.tickets import TicketStore

    current = TicketStore(store).load_rules(settings.workspace, journey_name)
    index = _rule_at(current, position, "remove")
    removed = current.rules[index]
    rest = current.rules[:index] + current.rules[index + 1:]
    version = _rules_saved(store, settings, journey_name, rest, f"Removed rule {removed.describe()}", current.version)
    click.echo(f"Rule {position} removed ({removed.describe()} → {removed.step}); rules version {version}.")


@rules.command("move")
@click.argument("journey_name", metavar="JOURNEY")
@click.argument("position", type=int)
@click.option("--to", "target", type=int, required=True, help="New position (1 = first; first match wins).")
@_with_store
def rules_move(store, settings: Settings, journey_name: str, position: int, target: int) -> None:
    """Move rule POSITION to --to (earlier rules win), as a new rules version."""
    from journeys.store.tickets import TicketStore

    current = TicketStore(store).load_rules(settings.workspace, journey_name)
    index, to = _rule_at(current, position, "move"), _rule_at(current, target, "move --to")
    rules = list(current.rules)
    rule = rules.pop(index)
    rules.insert(to, rule)
    version = _rules_saved(store, settings, journey_name, rules, f"Moved rule {rule.describe()} to {target}",
                           current.version)
    click.echo(f"Rule {rule.describe()} is now rule {target}; rules version {version}.")


@rules.command("history")
@click.argument("journey_name", metavar="JOURNEY")
@FORMAT_OPTION
@_with_store
def rules_history(store, settings: Settings, journey_name: str, fmt: str) -> None:
    """Every saved version of the journey's rules: who, when, why."""
    from journeys.store.tickets import TicketStore

    rows = [{"version": r.version, "author": r.author, "saved_at": r.created_at.isoformat(timespec="seconds"),
             "message": r.message} for r in TicketStore(store).rules_history(settings.workspace, journey_name)]
    _emit(rows, fmt, ["version", "author", "saved_at", "message"])


@rules.command("test")
@click.argument("journey_name", metavar="JOURNEY")
@click.option("--dataset", required=True, help="Ticket dataset to test the rules on (its latest version).")
@click.option("--step", default=None, help="With --field/--value: a draft rule to try at the end, not saved.")
@click.option("--field", "field_", default=None, help="Draft rule's ticket column.")
@click.option("--op", type=click.Choice(["equals", "contains", "regex", "in"]), default="equals", show_default=True)
@click.option("--value", "values", multiple=True, help="Draft rule's value (repeat for --op in).")
@FORMAT_OPTION
@_with_store
def rules_test(store, settings: Settings, journey_name: str, dataset: str, step: str | None, field_: str | None,
               op: str, values: tuple[str, ...], fmt: str) -> None:
    """What each rule places on a dataset (and a draft rule, if given), and how many tickets stay on no step."""
    import duckdb

    from journeys.errors import InvalidJourney
    from journeys.store.tickets import TicketStore
    from journeys.tickets.datasets import Datasets
    from journeys.tickets.rules import Rule, RuleSet, preview, unmapped_report, validate_rules

    current = TicketStore(store).load_rules(settings.workspace, journey_name)
    rules = list(current.rules)
    if step or field_ or values:
        if not (step and field_ and values):
            raise BadInput("a draft rule needs --step, --field and --value")
        rules.append(Rule(step=step, field=field_, op=op, value=list(values) if op == "in" else values[0],
                          name="draft (not saved)"))
    journey = store.load(settings.workspace, journey_name).journey
    version = Datasets(store, settings.home).latest(settings.workspace, dataset)
    con = duckdb.connect()
    try:
        columns = [c[0] for c in con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(version.path)]).fetchall()]
        problems = validate_rules(rules, journey, columns)
        if problems:
            raise InvalidJourney("The rules cannot be tested", problems)
        trial = RuleSet(journey=journey_name, rules=rules, version=current.version)
        counts = preview(con, Path(version.path), trial, journey)
        unmapped = unmapped_report(con, Path(version.path), trial, journey, top=5)
    finally:
        con.close()
    rows = [{"order": int(r.rule_index) + 1, "rule": r.rule, "step": r.step, "placed": int(r.matched),
             "shadowed": int(r.shadowed), "overridden": int(r.overridden)} for r in counts.itertuples()]
    if fmt == "json":
        click.echo(json.dumps({"dataset": dataset, "version": version.version, "rules_version": current.version,
                               "rules": rows, "unmapped": unmapped}, indent=2, default=str, ensure_ascii=False))
        return
    _emit(rows, fmt, ["order", "rule", "step", "placed", "shadowed", "overridden"])
    if fmt == "table":
        never = [r["order"] for r in rows if r["placed"] == 0 and r["shadowed"] > 0]
        click.echo(f"{unmapped['unmapped']:,} of {unmapped['tickets']:,} tickets ({unmapped['share']:.1%}) on no "
                   "step" + (f"; rule(s) {', '.join(map(str, never))} never fire (an earlier rule takes their "
                             "tickets)" if never else ""), err=True)


@cli.command()
@click.option("--dataset", required=True, help="Ticket dataset name.")
@click.option("--journey", "journey_name", default=None, help="Journey whose rules map tickets to steps (default: "
              "the workspace's first current-state journey; only --by step needs one).")
@click.option("--by", "by", default="step", show_default=True,
              help="Group by: step, week, month, day, channel, group, status, or any column (x_ extras too), or a "
                   "comma list (e.g. group,month).")
@click.option("--from", "start", type=click.DateTime(), default=None, help="First day (inclusive).")
@click.option("--to", "end", type=click.DateTime(), default=None, help="Last day (exclusive).")
@click.option("--min-sample", default=30, show_default=True, help="Fewer tickets than this is marked as few.")
@click.option("--few-tickets", "few", type=click.Choice(["show", "blank"]), default=None,
              help="A value on fewer than --min-sample tickets: shown and marked 'few tickets (n=…)', or left empty "
                   "(default: the workspace's setting, see `journeys definitions`).")
@CLOCK_OPTION
@FORMAT_OPTION
@_with_store
def metrics(store, settings: Settings, dataset: str, journey_name: str | None, by: str, start, end,
            min_sample: int, few: str | None, clock: str, fmt: str) -> None:
    """Support metrics per step, group, channel, status, month … (catalogue names as columns), from a ticket dataset.

    JSON is an object: the dataset, the grouping, ``definitions`` (metric → definition id and words, as the
    workspace chose them) and ``rows``; a row's ``few`` names each metric resting on fewer than --min-sample
    tickets with its ``n``. CSV keeps one row per group and ends with a ``few_tickets`` and a ``definitions``
    column (ids), so the file carries its definitions wherever it goes; the words are printed on stderr.
    """
    from dataclasses import replace

    from journeys.definitions import load_settings as load_definitions
    from journeys.definitions import resolve
    from journeys.metrics import METRICS, NEEDS_STEPS, compute, tickets_table
    from journeys.store.tickets import TicketStore
    from journeys.tickets.datasets import Datasets
    from journeys.tickets.engine import TicketEngine

    periods = {"day", "week", "month"}
    parts = [p.strip() for p in by.split(",") if p.strip()]
    period = next((p for p in parts if p in periods), None)
    if len([p for p in parts if p in periods]) > 1:
        raise BadInput("--by takes at most one period (day, week or month)")
    keys = ["journey_step" if p == "step" else p for p in parts if p not in periods]
    if journey_name is None:
        current = [s.name for s in store.list_journeys(settings.workspace) if s.state == "current"]
        if not current and "journey_step" in keys:
            raise BadInput("the workspace has no current-state journey; pass --journey (or group by something "
                           "other than step: --by group, channel, status, month …)")
        journey_name = current[0] if current else None
    chosen, _ = load_definitions(store, settings.workspace)
    chosen = replace(chosen, few_tickets=few) if few else chosen
    version = Datasets(store, settings.home).latest(settings.workspace, dataset)
    engine = TicketEngine()
    try:
        if journey_name is not None:
            journey = store.load(settings.workspace, journey_name).journey
            rule_set = TicketStore(store).load_rules(settings.workspace, journey_name)
            mapped = engine.mapped(version, rule_set, journey)
            for warning in mapped.warnings:  # a broken rule is skipped, never the whole rule set
                click.echo(f"warning: {warning}", err=True)
            table, names = mapped.table, list(METRICS)
        else:  # no journey yet: the dataset alone; metrics that need steps are left out, not shown as 0
            table, names = tickets_table(version.path), [m for m in METRICS if m not in NEEDS_STEPS]
        table = _in_business_hours(store, settings, table) if clock == "business" else table
        resolved = resolve(chosen, table.columns)
        try:
            frame = compute(table, by=keys, period=period, start=start, end=end, min_sample=min_sample,
                            metrics=names, definitions=resolved.overrides, keep_few=chosen.keep_few)
        except ValueError as error:  # an unknown --by column: name the columns there are
            raise BadInput(clip_echo(str(error), 4 * ECHO)) from None
    finally:
        engine.close()
    columns = [*keys, *(["period"] if period else []), "n", *names]
    rows = [_metric_row(r, columns, names, frame.attrs["samples"]) for r in frame.to_dict("records")]
    if fmt == "json":
        click.echo(json.dumps({"dataset": dataset, "version": version.version, "journey": journey_name,
                               "by": [*keys, *([period] if period else [])], "min_sample": min_sample,
                               "few_tickets": chosen.few_tickets, "definitions": resolved.as_json(names),
                               "minutes": clock, "rows": rows}, indent=2, default=str, ensure_ascii=False))
        return
    for row in rows:  # CSV and table: the few-ticket marks in words, the definition ids in the file itself
        few_marks = row.pop("few")
        row["few_tickets"] = "; ".join(f"{m} n={v['n']:,}" for m, v in few_marks.items())
        if fmt == "table":
            row.update({m: f"{_cell(row[m])} · few (n={v['n']:,})" for m, v in few_marks.items()})
        else:
            row["definitions"] = resolved.ids_text(names)
    _emit(rows, fmt, [*columns, "few_tickets", *(["definitions"] if fmt == "csv" else [])])
    for metric in names:  # the sidecar: every number's definition, in words (never inside the CSV)
        click.echo(f"definition {resolved.ids[metric]}: {resolved.words[metric]}", err=True)
    click.echo(f"dataset '{dataset}' version {version.version} · "
               + (f"journey '{journey_name}' · " if journey_name else "no journey (step metrics need one) · ")
               + f"rates are fractions; fewer than {min_sample} tickets: "
               + ("shown, marked few" if chosen.keep_few else "empty"), err=True)


def _metric_row(record: dict[str, Any], columns: list[str], names: list[str], samples: dict[str, str]) -> dict:
    """One output row: the keys and values, and ``few``: each metric on too few tickets with its sample ``n``."""
    row = {c: _number(record.get(c)) for c in columns}
    row["few"] = {m: {"n": int(_number(record.get(samples[m])) or 0), "few": True}
                  for m in names if record.get(f"{m}_too_few") and record.get(samples[m])}  # n=0: no value at all
    return row


@cli.group(cls=_Group)
def definitions() -> None:
    """Which definition stands behind each metric (ours or a help desk's), and how few-ticket groups show."""


@definitions.command("list")
@FORMAT_OPTION
@_with_store
def definitions_list(store, settings: Settings, fmt: str) -> None:
    """Every metric family with a choice: the variants, the one in force (*), and the few-tickets setting."""
    from journeys.definitions import FAMILIES
    from journeys.definitions import load_settings as load_definitions

    chosen, version = load_definitions(store, settings.workspace)
    rows = [{"metric": family, "variant": v.name, "chosen": v.name == chosen.chosen(family).name,
             "metrics": ", ".join(v.metrics), "definition": v.words}
            for family, variants in FAMILIES.items() for v in variants]
    _emit(rows, fmt)
    if fmt == "table":
        click.echo(f"few-ticket groups: {chosen.few_tickets} · settings version {version}", err=True)


@definitions.command("set")
@click.argument("metric")
@click.argument("variant")
@_with_store
def definitions_set(store, settings: Settings, metric: str, variant: str) -> None:
    """Pick a definition: METRIC is fcr_rate, frt (first reply) or reopen_rate; VARIANT one of `definitions list`.

    METRIC `few-tickets` takes `show` or `blank` (a group under the minimum sample)."""
    from dataclasses import replace

    from journeys.definitions import family_of, save_settings, variant_of
    from journeys.definitions import load_settings as load_definitions

    chosen, version = load_definitions(store, settings.workspace)
    if metric.strip().lower() in ("few-tickets", "few_tickets", "few"):
        updated = replace(chosen, few_tickets=variant.strip().lower())
        what = f"few-ticket groups: {updated.few_tickets}"
    else:
        family = family_of(metric)
        picked = variant_of(family, variant.strip().lower())
        updated = replace(chosen, variants={**chosen.variants, family: picked.name})
        what = f"{family}: {picked.name} ({picked.words})"
    saved = save_settings(store, settings.workspace, updated, settings.author, version, message=what)
    click.echo(f"{what} · settings version {saved}")


def _number(value: Any) -> Any:
    """JSON-friendly cell: NaN (too few / not applicable) becomes empty, numpy scalars plain numbers."""
    if value is None:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, float):
        return round(value, 6)
    return value


# --- pain points ----------------------------------------------------------------------------------

PAIN_COLUMNS = ["rank", "key", "title", "journey", "steps", "metric", "status", "owner", "score", "reach", "impact",
                "confidence", "effort", "effort_estimated", "tickets", "change"]
# Pain-point fields as the command line names them, so a validation message points at the option to fix.
PAIN_OPTIONS = {"title": "--title", "description": "--description", "owner": "--owner", "effort": "--effort",
                "delivery_link": "--link", "status": "--status", "tags": "--tag", "quotes": "--quote",
                "steps": "--step", "metric": "--metric", "journey": "--journey"}
DATASET_HELP = "Ticket dataset to score against (default: the latest imported)."


@cli.group(cls=_Group)
def painpoints() -> None:
    """Pain points: ranked by score, shown with their evidence, written up, edited and exported."""


def _ranking(store, settings: Settings, dataset: str | None):
    """The workspace's pain points scored against a dataset (``journeys.priorities.workspace_ranking``)."""
    from journeys.priorities import workspace_ranking
    from journeys.tickets.engine import TicketEngine

    engine = TicketEngine()
    try:
        return workspace_ranking(store, settings.home, settings.workspace, engine, dataset)
    finally:
        engine.close()


def _status(value: str, option: str = "--status"):
    """A status from what a shell user types ("planned", "in-experiment", "wont_fix" …)."""
    from journeys.painpoints import Status

    said = " ".join(value.lower().replace("_", " ").replace("-", " ").split())
    said = {"wont fix": "won't fix", "won t fix": "won't fix"}.get(said, said)
    try:
        return Status(said)
    except ValueError:
        raise BadInput(f"{option}: unknown status {clip_echo(value)!r} (statuses: "
                       f"{', '.join(repr(s.value) for s in Status)})") from None


def _journey_named(store, settings: Settings, name: str, option: str = "--journey") -> Any:
    """The journey (head) by name, or a clear error naming the workspace's journeys."""
    known = [s.name for s in store.list_journeys(settings.workspace)]
    if name not in known:
        raise BadInput(f"{option}: there is no journey {clip_echo(name)!r} in workspace '{settings.workspace}' "
                       f"(journeys: {some_of(known) or 'none yet'})")
    return store.load(settings.workspace, name).journey


def _stored_document(records: Any, settings: Settings, key: str, prefix: str, what: str, hint: str) -> Any:
    """A pain point's or experiment's newest version by key (``pp-3`` works too), or a clear error naming those
    that exist. ``records`` is a :class:`~journeys.painpoints.PainPoints`-like store with ``load`` and ``list``."""
    from journeys.errors import NotFound

    cleaned = key.strip()
    if cleaned[:len(prefix) + 1].lower() == f"{prefix.lower()}-":
        cleaned = cleaned.upper()
    try:
        return records.load(settings.workspace, cleaned)
    except NotFound:
        known = [r.key for r in records.list(settings.workspace)]
        listed = ", ".join(known[:20]) + (" …" if len(known) > 20 else "") if known else f"none yet; {hint}"
        raise BadInput(f"there is no {what} {clip_echo(key)!r} in workspace '{settings.workspace}' "
                       f"(known: {listed})") from None


def _stored_pain(store, settings: Settings, key: str):
    """The pain point's newest version, or a clear error naming the keys that exist."""
    from journeys.painpoints import PainPoints

    return _stored_document(PainPoints(store), settings, key, "PP", "pain point",
                            "write one up with `journeys painpoints create`")


def _valid_pain(data: dict[str, Any]):
    """A PainPoint from plain data; a bad field ends in one line naming the option to fix."""
    from journeys.errors import InvalidJourney
    from journeys.painpoints import parse_painpoint

    try:
        return parse_painpoint(data)
    except InvalidJourney as error:
        problems = [f"{PAIN_OPTIONS.get(str(p.path[0]), p.where) if p.path else p.where}: {p.reason}"
                    for p in error.problems]
        raise BadInput("the pain point is not valid: " + "; ".join(problems)) from None


def _effort(value: str | None) -> tuple[bool, float | None]:
    """(given, person-weeks) from --effort; "none" clears an estimate."""
    if value is None:
        return False, None
    if value.strip().lower() in ("", "none", "-"):
        return True, None
    try:
        return True, float(value.replace(",", "."))
    except ValueError:
        raise BadInput(f"--effort: {clip_echo(value)!r} is not a number of person-weeks "
                       "(e.g. 2 or 0.5; 'none' clears it)") from None


def _pain_row(score, pain, changes: dict[str, str]) -> dict[str, Any]:
    return {"rank": score.rank, "key": score.key, "title": pain.title, "journey": pain.journey,
            "steps": list(pain.steps), "metric": score.metric, "status": pain.status.value, "owner": pain.owner,
            "score": _number(score.score), "reach": _number(score.reach), "impact": _number(score.impact),
            "confidence": _number(score.confidence), "effort": _number(score.effort),
            "effort_estimated": score.effort_estimated, "tickets": score.tickets, "change": changes.get(score.key, "")}


def _shown(row: dict[str, Any]) -> dict[str, Any]:
    """A row rounded for reading in a terminal (JSON and CSV keep the full numbers)."""
    digits = {"score": 2, "reach": 1, "impact": 2, "confidence": 2}
    return {k: (f"{v:,.{digits[k]}f}" if k in digits and isinstance(v, int | float) else v) for k, v in row.items()}


def _window_note(ranking) -> str:
    scored = next((s for s in ranking.scores if s.start is not None), None)
    if ranking.dataset is None:
        return "no ticket dataset yet: every score is 0 until tickets are imported"
    period = (f"{scored.start:%Y-%m-%d %H:%M} → {scored.end:%Y-%m-%d %H:%M}" if scored else "no tickets")
    return (f"dataset '{ranking.dataset}' version {ranking.dataset_version} · last {ranking.weights.window_days} "
            f"days of tickets ({period}) · {ranking.weights.formula()}")


@painpoints.command("list")
@click.option("--dataset", default=None, help=DATASET_HELP)
@click.option("--status", "statuses", multiple=True, help="Only pain points with this status (repeat for several): "
              "new, investigating, planned, 'in experiment', resolved, \"won't fix\".")
@click.option("--journey", "journey_name", default=None, help="Only this journey's pain points.")
@FORMAT_OPTION
@_with_store
def painpoints_list(store, settings: Settings, dataset: str | None, statuses: tuple[str, ...],
                    journey_name: str | None, fmt: str) -> None:
    """Pain points ranked by score (1 = do first). Filters keep the workspace-wide rank."""
    wanted = {_status(s) for s in statuses}
    if journey_name is not None:
        _journey_named(store, settings, journey_name)
    ranking = _ranking(store, settings, dataset)
    rows = [_pain_row(s, ranking.pains[s.key].pain, ranking.changes) for s in ranking.scores
            if (not wanted or ranking.pains[s.key].pain.status in wanted)
            and (journey_name is None or ranking.pains[s.key].pain.journey == journey_name)]
    if fmt == "table":
        rows = [_shown(r) for r in rows]
    _emit(rows, fmt, PAIN_COLUMNS)
    if fmt == "table":
        click.echo(_window_note(ranking), err=True)


def _stored_dict(stored) -> dict[str, Any]:
    return {"key": stored.key, "version": stored.version, "updated_by": stored.updated_by,
            "updated_at": stored.updated_at.isoformat(timespec="seconds"), **stored.pain.model_dump(mode="json")}


def _score_dict(score, ranking) -> dict[str, Any]:
    return {
        "rank": score.rank, "of": len(ranking.scores), "score": _number(score.score), "value": _number(score.value),
        "reach": _number(score.reach), "impact": _number(score.impact), "confidence": _number(score.confidence),
        "effort": _number(score.effort), "effort_estimated": score.effort_estimated, "metric": score.metric,
        "tickets": score.tickets, "sample": score.sample, "steady_weeks": score.steady_weeks, "weeks": score.weeks,
        "live": {step: _number(v) for step, v in score.live.items()}, "baseline": _number(score.baseline),
        "start": score.start.isoformat() if score.start else None,
        "end": score.end.isoformat() if score.end else None,
        "change": ranking.changes.get(score.key, ""), "dataset": ranking.dataset,
        "dataset_version": ranking.dataset_version, "formula": ranking.weights.formula(),
        "explain": score.explain() if score.start is not None else "no tickets on its steps in the window",
    }


@painpoints.command("show")
@click.argument("key")
@click.option("--dataset", default=None, help=DATASET_HELP)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="How to print it.")
@_with_store
def painpoints_show(store, settings: Settings, key: str, dataset: str | None, fmt: str) -> None:
    """One pain point: what, where, who, its frozen evidence, its score now, and its history."""
    from journeys.painpoints import PainPoints

    stored = _stored_pain(store, settings, key)
    ranking = _ranking(store, settings, dataset)
    score = next(s for s in ranking.scores if s.key == stored.key)
    history = [{"version": r.version, "author": r.author, "saved_at": r.created_at.isoformat(timespec="seconds"),
                "message": r.message} for r in PainPoints(store).history(settings.workspace, stored.key)]
    if fmt == "json":
        click.echo(json.dumps({**_stored_dict(stored), "score": _score_dict(score, ranking), "history": history},
                              indent=2, default=str, ensure_ascii=False))
        return
    p = stored.pain
    effort = f"{p.effort:g} person-weeks" if p.effort is not None else "not estimated"
    click.echo(f"{stored.key}  {p.title}")
    click.echo(f"journey: {p.journey} · steps: {', '.join(p.steps) or '—'} · metric: {p.metric or 'friction'} · "
               f"source: {p.source.value}")
    click.echo(f"status: {p.status.value} · owner: {p.owner or '—'} · effort: {effort} · "
               f"tags: {', '.join(p.tags) or '—'}")
    click.echo(f"delivery: {p.delivery_link or '—'}")
    click.echo(f"version {stored.version}, saved by {stored.updated_by} at "
               f"{stored.updated_at.isoformat(timespec='seconds')}")
    if p.description:
        click.echo("")
        for paragraph in p.description.splitlines():
            click.echo(textwrap.fill(paragraph, width=100, initial_indent="  ", subsequent_indent="  ")
                       if paragraph.strip() else "")
    click.echo("")
    change = ranking.changes.get(stored.key, "")
    click.echo(f"Score {score.score:,.2f}: rank {score.rank} of {len(ranking.scores)}"
               + (f" ({change} since the last review)" if change else ""))
    click.echo(f"  {_score_dict(score, ranking)['explain']}")
    click.echo(f"  {_window_note(ranking)}")
    if score.metric and score.live:
        live = ", ".join(f"{step} {_cell(_number(v))}" for step, v in score.live.items())
        click.echo(f"  now: {score.metric} {live}; journey {_cell(_number(score.baseline))}")
    if p.evidence:
        first = p.evidence[0]
        click.echo("")
        click.echo(f"Evidence frozen when written up (dataset '{first.dataset}' version {first.dataset_version}, "
                   f"{first.start:%Y-%m-%d %H:%M} → {first.end:%Y-%m-%d %H:%M}):" if first.start and first.end
                   else "Evidence frozen when written up:")
        _emit([{"step": e.step, "metric": e.metric, "value": _number(e.value), "journey": _number(e.baseline),
                "n": e.n} for e in p.evidence], "table", ["step", "metric", "value", "journey", "n"])
    if p.example_tickets:
        click.echo(f"\nExample tickets: {', '.join(p.example_tickets)}")
    if p.quotes:
        click.echo("\nQuotes:")
        for quote in p.quotes:
            click.echo(f"  “{_cell(quote, MESSAGE_WIDTH)}”")
    click.echo("\nHistory:")
    _emit(history, "table", ["version", "author", "saved_at", "message"])


def _dataset_version(store, settings: Settings, name: str | None):
    """The named dataset's latest version, or the most recently imported one (None when there is none)."""
    from journeys.tickets.datasets import Datasets

    available = Datasets(store, settings.home).list(settings.workspace)
    if name is None:
        return max(available, key=lambda d: d.created_at) if available else None
    found = next((d for d in available if d.name == name), None)
    if found is None:
        listed = some_of([d.name for d in available]) or "none yet; import one with `journeys tickets import`"
        raise BadInput(f"--dataset: there is no ticket dataset {clip_echo(name)!r} (datasets: {listed})")
    return found


@painpoints.command("create")
@click.option("--journey", "journey_name", required=True, help="The journey the pain point is on.")
@click.option("--step", "steps", multiple=True, required=True, help="A step id (repeat for several).")
@click.option("--metric", default=None, help="The catalogue metric that shows the pain (default: judged by the "
              "friction score).")
@click.option("--title", default=None, help="Short title (default: '<step label>: <metric>').")
@click.option("--description", default=None, help="What happens and why it matters.")
@click.option("--owner", default="", help="Who owns it.")
@click.option("--effort", default=None, help="Estimated effort in person-weeks.")
@click.option("--status", default="new", show_default=True, help="new, investigating, planned, 'in experiment', "
              "resolved or \"won't fix\".")
@click.option("--link", default="", help="Delivery link (Jira, Linear or GitHub URL).")
@click.option("--tag", "tags", multiple=True, help="A tag (repeat for several).")
@click.option("--quote", "quotes", multiple=True, help="A customer quote (repeat for several).")
@click.option("--source", type=click.Choice(["friction", "note", "manual"]), default=None,
              help="Where it came from (default: friction with evidence, manual without).")
@click.option("--dataset", default=None, help="Freeze evidence from this ticket dataset (default with --metric: "
              "the latest imported).")
@click.option("--from", "start", type=click.DateTime(), default=None, help="Evidence period's first day "
              "(inclusive; default: the scoring window, the last 90 days of data).")
@click.option("--to", "end", type=click.DateTime(), default=None, help="Evidence period's end (exclusive).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="table: print the new key; json: the stored pain point.")
@_with_store
def painpoints_create(store, settings: Settings, journey_name: str, steps: tuple[str, ...], metric: str | None,
                      title: str | None, description: str | None, owner: str, effort: str | None, status: str,
                      link: str, tags: tuple[str, ...], quotes: tuple[str, ...], source: str | None,
                      dataset: str | None, start, end, fmt: str) -> None:
    """Write up a pain point; with --metric (or --dataset) its evidence is frozen from the journey's tickets."""
    import difflib

    from journeys.metrics import METRICS
    from journeys.painpoints import PainPoints

    journey = _journey_named(store, settings, journey_name)
    ids = journey.step_ids()
    for step in steps:
        if step not in ids:
            near = difflib.get_close_matches(step, ids, n=1)
            raise BadInput(f"--step: '{journey_name}' has no step {clip_echo(step)!r}"
                           + (f"; did you mean {near[0]!r}?" if near else "")
                           + f" (its steps: {some_of(ids, quote='')})")
    steps = tuple(dict.fromkeys(steps))
    if metric is not None and metric not in METRICS:
        near = difflib.get_close_matches(metric, list(METRICS), n=1)
        raise BadInput(f"--metric: unknown metric {clip_echo(metric)!r}"
                       + (f"; did you mean {near[0]!r}?" if near else "") + f" (catalogue: {', '.join(METRICS)})")
    if metric == "contact_rate":
        raise BadInput("--metric: contact_rate needs how many customers reach the step, which tickets alone do not "
                       "tell; pick a ticket metric (e.g. volume or repeat_contact_rate)")
    if start is not None and end is not None and start >= end:
        raise BadInput("--from must be before --to (--to is exclusive)")
    given, estimate = _effort(effort)
    wants_evidence = metric is not None or dataset is not None or start is not None or end is not None
    version = _dataset_version(store, settings, dataset) if wants_evidence else None
    if wants_evidence and version is None and (dataset or start or end):
        raise BadInput("there is no ticket dataset to take evidence from; import one with `journeys tickets import`")
    note = ""
    if version is not None:
        pain, note = _drafted(store, settings, journey, list(steps), metric, version, start, end, title)
        data = pain.model_dump(mode="json")
    else:
        label = journey.step(steps[0]).label
        judged = METRICS[metric].label.lower() if metric else "friction"
        data = {"title": title or f"{label}: {judged}", "journey": journey_name, "steps": list(steps),
                "metric": metric, "source": "manual"}
        if metric is not None:
            note = "no ticket dataset yet, so no evidence was frozen"
    data.update({"owner": owner, "status": _status(status).value, "delivery_link": link, "tags": list(tags),
                 "quotes": list(quotes), **({"effort": estimate} if given else {}),
                 **({"description": description} if description is not None else {}),
                 **({"source": source} if source else {})})
    pain = _valid_pain(data)
    key = PainPoints(store).create(settings.workspace, pain, settings.author, "Written up")
    if fmt == "json":
        click.echo(json.dumps(_stored_dict(PainPoints(store).load(settings.workspace, key)), indent=2, default=str,
                              ensure_ascii=False))
    else:
        click.echo(key)
    click.echo(f"Wrote up {key} '{pain.title}'" + (f"; {note}" if note else "") + ".", err=True)


def _drafted(store, settings: Settings, journey, steps: list[str], metric: str | None, version, start, end,
             title: str | None):
    """A pain point drafted from the journey's tickets (``evidence.draft``) and a note on what was frozen."""
    from datetime import timedelta

    from journeys.evidence import CONTEXT_METRICS, capture, draft, example_ids
    from journeys.priorities import data_window, load_weights
    from journeys.store.tickets import TicketStore
    from journeys.tickets.engine import TicketEngine

    weights, _ = load_weights(store, settings.workspace)
    rule_set = TicketStore(store).load_rules(settings.workspace, journey.name)
    engine = TicketEngine()
    try:
        table = engine.mapped(version, rule_set, journey).table
        if start is None or end is None:
            window = data_window(table, weights.window_days)
            if window is None:
                raise BadInput(f"dataset '{version.name}' has no tickets to take evidence from")
            if start is None:
                start = window[0] if end is None else end - timedelta(days=weights.window_days)
            end = end if end is not None else window[1]
            if start >= end:
                raise BadInput(f"--from is after the last ticket of dataset '{version.name}' ({window[1]:%Y-%m-%d})")
        pain = draft(journey, steps[0], metric, table, start=start, end=end, dataset=version.name,
                     dataset_version=version.version, title=title)
        if len(steps) > 1:
            evidence = capture(table, steps, [*([metric] if metric else []), *CONTEXT_METRICS], start=start, end=end,
                               dataset=version.name, dataset_version=version.version)
            labels = ", ".join(f"'{journey.step(s).label}'" for s in steps)
            judged = metric or "friction"
            pain = pain.model_copy(update={
                "steps": steps, "evidence": evidence,
                "example_tickets": example_ids(table, steps, start=start, end=end),
                "description": f"From the command line: steps {labels}, judged on {judged}."})
    finally:
        engine.close()
    tickets = sum(e.n for e in pain.evidence if e.metric == "volume")
    note = (f"evidence frozen from dataset '{version.name}' version {version.version}, {start:%Y-%m-%d} → "
            f"{end:%Y-%m-%d}, {tickets:,} tickets on its steps")
    if tickets == 0:
        note += (" — no tickets landed on these steps in that period; check the mapping rules "
                 f"(`journeys tickets rules test '{journey.name}' --dataset '{version.name}'`)")
    return pain, note


@painpoints.command("set")
@click.argument("key")
@click.option("--status", default=None, help="new, investigating, planned, 'in experiment', resolved or "
              "\"won't fix\".")
@click.option("--owner", default=None, help="Who owns it ('' clears).")
@click.option("--effort", default=None, help="Estimated effort in person-weeks ('none' clears).")
@click.option("--link", default=None, help="Delivery link: a Jira, Linear or GitHub URL ('' clears).")
@click.option("--title", default=None, help="A new title.")
@click.option("--message", "-m", default=None, help="Why (kept in the history; default: what changed).")
@click.option("--if-version", "if_version", type=int, default=None,
              help="Refuse the edit unless the pain point is still at this version (for scripts that read first).")
@_with_store
def painpoints_set(store, settings: Settings, key: str, status: str | None, owner: str | None, effort: str | None,
                   link: str | None, title: str | None, message: str | None, if_version: int | None) -> None:
    """Edit a pain point as a new version (someone else's newer save is never overwritten)."""
    from journeys.painpoints import PainPoints

    stored = _stored_pain(store, settings, key)
    given, estimate = _effort(effort)
    updates: dict[str, Any] = {}
    if status is not None:
        updates["status"] = _status(status).value
    if owner is not None:
        updates["owner"] = owner.strip()
    if given:
        updates["effort"] = estimate
    if link is not None:
        updates["delivery_link"] = link.strip()
    if title is not None:
        updates["title"] = title.strip()
    if not updates:
        raise BadInput("nothing to change: give --status, --owner, --effort, --link or --title")
    before = stored.pain.model_dump(mode="json")
    pain = _valid_pain({**before, **updates})
    after = pain.model_dump(mode="json")
    changed = [f"{PAIN_OPTIONS.get(k, k).lstrip('-')} {_said(before[k])} → {_said(after[k])}"
               for k in updates if before[k] != after[k]]
    if not changed:
        click.echo(f"{stored.key} already says that; nothing saved (version {stored.version}).", err=True)
        return
    version = PainPoints(store).save(settings.workspace, stored.key, pain, settings.author,
                                     expected_version=if_version if if_version is not None else stored.version,
                                     message=message or "; ".join(changed))
    click.echo(f"Saved {stored.key} version {version}: {'; '.join(changed)}.")


def _said(value: Any) -> str:
    return "—" if value in (None, "") else f"{value:g}" if isinstance(value, float) else str(value)


@painpoints.command("export")
@click.option("--format", "fmt", type=click.Choice(["csv", "markdown"]), default="csv", show_default=True,
              help="csv: every pain point with its score components; markdown: a leadership update.")
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None,
              help="File to write (default: standard output).")
@click.option("--dataset", default=None, help=DATASET_HELP)
@click.option("--top", default=10, show_default=True, type=click.IntRange(min=1),
              help="markdown: how many pain points to write up.")
@_with_store
def painpoints_export(store, settings: Settings, fmt: str, output: str | None, dataset: str | None, top: int) -> None:
    """The ranked list as CSV (formula-like cells neutralised) or a Markdown update for leadership."""
    from journeys.evidence import ranked_csv, ranked_frame, ranked_markdown

    ranking = _ranking(store, settings, dataset)
    if fmt == "csv":
        text = ranked_csv(ranked_frame(ranking.scores, ranking.pains, ranking.changes))
    else:
        text = ranked_markdown(ranking.scores, ranking.pains, workspace=settings.workspace,
                               formula=ranking.weights.formula(), changes=ranking.changes, top=top)
    if output is None:
        click.echo(text, nl=not text.endswith("\n"))
        return
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as error:
        raise BadInput(f"cannot write {output}: {error.strerror or error}") from None
    click.echo(f"Wrote {output} ({len(ranking.scores)} pain points, {fmt}).", err=True)


# --- workspace settings: business hours -------------------------------------------------------------

@cli.group("workspace", cls=_Group)
def workspace_group() -> None:
    """Workspace settings."""


workspace_group.add_command(definitions)  # `journeys workspace definitions …` = `journeys definitions …`


@workspace_group.group("schedule", cls=_Group)
def schedule_group() -> None:
    """Business hours: the schedule first reply and resolution are also counted in (business minutes)."""


@schedule_group.command("show")
@click.option("--dataset", default=None, help="Also count this dataset's business minutes and compare them with "
              "the help desk's own business-hours columns.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@_with_store
def schedule_show(store, settings: Settings, dataset: str | None, fmt: str) -> None:
    """The workspace's schedule; with --dataset, what its business minutes rest on and agree with."""
    from journeys.business_hours import coverage, load_schedule, vendor_agreement, with_business_minutes
    from journeys.metrics import tickets_table

    schedule, version = load_schedule(store, settings.workspace)
    body: dict[str, Any] = {"version": version, "schedule": schedule.to_json() if schedule else None}
    if schedule is not None and dataset is not None:
        from journeys.tickets.datasets import Datasets

        found = Datasets(store, settings.home).latest(settings.workspace, dataset)
        table = with_business_minutes(tickets_table(found.path), schedule)
        body |= {"dataset": dataset, "dataset_version": found.version,
                 "coverage": [c.__dict__ for c in coverage(table)],
                 "vendor_agreement": [a.__dict__ | {"share": a.share} for a in vendor_agreement(table)]}
    if fmt == "json":
        click.echo(json.dumps(body, indent=2, default=str, ensure_ascii=False))
        return
    if schedule is None:
        click.echo(f"No business hours set for workspace '{settings.workspace}' (journeys workspace schedule set "
                   "--timezone ZONE --hours 'mon-fri 09:00-17:30').")
        return
    click.echo("\n".join([f"Business hours (version {version})", *schedule.describe()]))
    if dataset is not None:
        for c in coverage(table):
            click.echo(c.sentence())
        agreements = vendor_agreement(table)
        for a in agreements:
            click.echo(a.sentence())
        if not agreements:
            click.echo("The export carries no help-desk business-hours column to compare with.")


@schedule_group.command("set")
@click.option("--timezone", required=True, help="IANA time zone of the opening hours, e.g. Europe/London.")
@click.option("--hours", "hours", multiple=True, required=True,
              help="DAYS HH:MM-HH:MM[,HH:MM-HH:MM], repeatable, e.g. 'mon-fri 09:00-17:30' 'sat 10:00-14:00'; "
                   "days not named are closed.")
@click.option("--country", default=None, help="Public holidays of this country (ISO code, e.g. GB, DE, US).")
@click.option("--subdivision", default=None, help="… and of this subdivision (e.g. ENG, BY, CA).")
@click.option("--closure", "closures", multiple=True, type=click.DateTime(formats=["%Y-%m-%d"]),
              help="A date the help desk is closed (YYYY-MM-DD), repeatable.")
@click.option("--if-version", "if_version", type=int, default=None,
              help="Refuse to save unless the stored schedule is at this version (default: the current one).")
@_with_store
def schedule_set(store, settings: Settings, timezone: str, hours: tuple[str, ...], country: str | None,
                 subdivision: str | None, closures: tuple, if_version: int | None) -> None:
    """Set the workspace's business hours (a new version; a concurrent change is refused, never lost)."""
    from journeys.business_hours import Schedule, load_schedule, parse_hours, save_schedule

    schedule = Schedule(timezone, parse_hours(hours), country=(country or "").upper() or None,
                        subdivision=(subdivision or "").upper() or None,
                        closures=tuple(sorted({c.date() for c in closures})))
    _, current = load_schedule(store, settings.workspace)
    version = save_schedule(store, settings.workspace, schedule, settings.author,
                            expected_version=if_version if if_version is not None else current)
    click.echo(f"Saved business hours version {version}: " + "; ".join(schedule.describe()) + ".")


def _in_business_hours(store, settings: Settings, table: Any) -> Any:
    """The ticket table with first reply and resolution in business minutes (said on stderr), for --minutes business."""
    from journeys.business_hours import business_view, load_schedule

    schedule, version = load_schedule(store, settings.workspace)
    if schedule is None:
        raise BadInput("--minutes business: the workspace has no business hours yet (journeys workspace schedule set "
                       "--timezone ZONE --hours 'mon-fri 09:00-17:30')")
    click.echo(f"minutes: business minutes under business hours version {version} ({'; '.join(schedule.describe())})",
               err=True)
    return business_view(table, schedule)

