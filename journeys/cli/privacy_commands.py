"""``journeys privacy …``: whether imports mask personal data in ticket text, from the command line.

``privacy show`` prints the setting, who changed it last and when; ``privacy mask on|off`` changes it (owners
only: the CLI acts as the machine's local user, owner of the workspaces it creates). It applies to imports from
then on: datasets already imported keep what they hold.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from journeys.cli.app import FORMAT_OPTION, Group, with_workspace
from journeys.cli.printing import echo_json

if TYPE_CHECKING:
    from journeys.workspace import Workspace

EFFECT = ("e-mail addresses, phone numbers and card-like numbers in ticket text are replaced by [email], [phone], "
          "[card] before anything is written")


@click.group(cls=Group)
def privacy() -> None:
    """The workspace's privacy settings: masking personal data in ticket text at import."""


@privacy.command("show")
@FORMAT_OPTION
@with_workspace
def privacy_show(ws: Workspace, fmt: str) -> None:
    """Whether imports mask personal data, and who changed that last."""
    from journeys.usecases.privacy_settings import current

    stored = current(ws)
    on = stored.settings.mask_at_import
    if fmt != "table":
        echo_json({"workspace": ws.name, "mask_at_import": on, "version": stored.version,
                   "changed_by": stored.author, "changed_at": stored.saved_at})
        return
    click.echo(f"Masking at import: {'on' if on else 'off'} ({EFFECT if on else 'ticket text is kept as exported'}).")
    if stored.author:
        click.echo(f"Changed by {stored.author} on {stored.saved_at:%Y-%m-%d %H:%M} UTC (version {stored.version}).")
    else:
        click.echo("Never changed (the default).")


@privacy.command("mask")
@click.argument("state", type=click.Choice(["on", "off"]), metavar="on|off")
@with_workspace
def privacy_mask(ws: Workspace, state: str) -> None:
    """Turn masking at import on or off (owners); it applies to imports from now on."""
    from journeys.usecases.privacy_settings import masking_on, set_masking

    was = masking_on(ws)
    set_masking(ws, state == "on", ws.settings.author)
    if was == (state == "on"):
        click.echo(f"Masking at import was already {state} in '{ws.name}'.")
    elif state == "on":
        click.echo(f"Masking at import is on in '{ws.name}': from the next import, {EFFECT}. "
                   "Datasets already imported are unchanged.")
    else:
        click.echo(f"Masking at import is off in '{ws.name}': from the next import, ticket text is kept as exported.")
