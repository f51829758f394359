"""The top ``journeys`` command: global options, error handling, and where each command group lives.

Every command is parse → call → print: it reads its options, opens the workspace once
(:func:`with_workspace`: ``with open_workspace(home, url, name) as ws``), calls a use case or a
repository of ``ws``, and prints the structured result through :mod:`journeys.cli.printing`.
Bad input exits 2 with ``journeys: <reason>`` on one line, never a traceback.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import click

from journeys.bounded import some_of
from journeys.errors import ECHO, LISTED, JourneysError, NotFound, clip_echo, more_than_listed
from journeys.faults import classify_fault
from journeys.files import sweep_tmp
from journeys.settings import Settings, debug_enabled, load_settings

if TYPE_CHECKING:
    from journeys.tickets.datasets import DatasetVersion
    from journeys.workspace import Workspace

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


def bad_input(error: JourneysError) -> BadInput:
    """The error's message, then its first problems (each clipped), then how many more there are."""
    lines = [error.message] + [f"  - {p}" for p in error.problems[:LISTED]]
    return BadInput("\n".join(lines) + (f"\n  {more_than_listed(len(error.problems)).strip()}"
                                        if len(error.problems) > LISTED else ""))


class Group(click.Group):
    """Turns our domain errors into one clear message and an exit code, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except JourneysError as error:
            raise bad_input(error) from None
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort, SystemExit):
            raise
        except Exception as error:  # the last line of defence against tracebacks
            if debug_enabled():
                raise
            fault = classify_fault(error)
            if fault is not None:  # the machine, not the input: say which (database down, disk full …)
                raise BadInput(fault.one_line()) from None
            message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise BadInput(f"unexpected error ({type(error).__name__}): {message}") from None


class TopGroup(Group):
    """The top command: each group's module is imported only when that group runs (or --help lists it).

    The groups import their heavy libraries inside the commands, so ``journeys --help`` and every CLI
    start-up stay quick; this table is the one place that says which module holds which command.
    """

    LAZY: ClassVar[dict[str, str]] = {
        "init": "journeys.cli.start:init", "serve": "journeys.cli.start:serve",
        "journey": "journeys.cli.journey:journey",
        "tickets": "journeys.cli.ticket_data:tickets",
        "metrics": "journeys.cli.support_metrics:metrics",
        "definitions": "journeys.cli.workspace_settings:definitions",
        "workspace": "journeys.cli.workspace_settings:workspace_group",
        "painpoints": "journeys.cli.painpoint_commands:painpoints",
        "discover": "journeys.cli.discover:discover",
        "experiments": "journeys.cli.experiments:experiments",
        "topics": "journeys.cli.topic_commands:topics",
        "members": "journeys.cli.member_commands:members",
        "privacy": "journeys.cli.privacy_commands:privacy",
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.LAZY})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = self.LAZY.get(name)
        if target is None or name in self.commands:
            return super().get_command(ctx, name)
        module, attribute = target.split(":")
        command: click.Command = getattr(importlib.import_module(module), attribute)
        return command


@click.group(cls=TopGroup, context_settings={"help_option_names": ["-h", "--help"]})
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


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point."""
    cli.main(args=list(argv) if argv is not None else None, prog_name="journeys")


def with_workspace(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Open the command's workspace (one per command) and close it afterwards: ``fn(ws, …options)``."""

    @click.pass_context
    def wrapper(ctx: click.Context, *args: Any, **kwargs: Any) -> Any:
        from journeys.workspace import open_workspace

        settings: Settings = ctx.obj
        with open_workspace(settings.home, settings.database_url, settings.workspace) as ws:
            return ctx.invoke(fn, ws, *args, **kwargs)

    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper


# --- looking up what an option names, with a clear error naming what there is -----------------------

def dataset_version(ws: Workspace, name: str | None) -> DatasetVersion | None:
    """The named dataset's latest version, or the most recently imported one (None when there is none)."""
    from journeys.tickets.datasets import choose_dataset

    available = ws.datasets.list()
    if name is None:
        return choose_dataset(available)
    found = next((d for d in available if d.name == name), None)
    if found is None:
        listed = some_of([d.name for d in available]) or "none yet; import one with `journeys tickets import`"
        raise BadInput(f"--dataset: there is no ticket dataset {clip_echo(name)!r} (datasets: {listed})")
    return found


def stored_document(ws: Workspace, records: Any, key: str, prefix: str, what: str, hint: str) -> Any:
    """A pain point's or experiment's newest version by key (``pp-3`` works too), or a clear error naming those
    that exist. ``records`` is a bound document repository (``ws.painpoints``, ``ws.experiments``)."""
    cleaned = key.strip()
    if cleaned[:len(prefix) + 1].lower() == f"{prefix.lower()}-":
        cleaned = cleaned.upper()
    try:
        return records.load(cleaned)
    except NotFound:
        known = [r.key for r in records.list()]
        listed = ", ".join(known[:20]) + (" …" if len(known) > 20 else "") if known else f"none yet; {hint}"
        raise BadInput(f"there is no {what} {clip_echo(key)!r} in workspace '{ws.name}' "
                       f"(known: {listed})") from None
