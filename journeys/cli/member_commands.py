"""``journeys members …``: who is in a workspace with which role, from the command line.

The CLI acts as the machine's local user, owner (it has the database's own credentials anyway): an admin
of a team deployment invites the first people here, or on the Settings page once signed in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from journeys.cli.app import FORMAT_OPTION, BadInput, Group, with_workspace
from journeys.cli.printing import emit
from journeys.members import Role

if TYPE_CHECKING:
    from journeys.workspace import Workspace

ROLE = click.Choice([r.value for r in Role])


@click.group(cls=Group)
def members() -> None:
    """The workspace's members and roles (owner, editor, viewer), invitations and recorded downloads."""


@members.command("list")
@FORMAT_OPTION
@with_workspace
def members_list(ws: Workspace, fmt: str) -> None:
    """Every member and open invitation with their role."""
    from journeys.usecases.team import members as listed

    emit([{"email": m.email, "name": m.name, "role": m.role.value,
           "status": "joined" if m.joined else "invited", "invited_by": m.invited_by,
           "joined": m.joined.isoformat() if m.joined else ""} for m in listed(ws)], fmt)


@members.command("invite")
@click.argument("email")
@click.option("--role", type=ROLE, default=Role.editor.value, show_default=True)
@with_workspace
def members_invite(ws: Workspace, email: str, role: str) -> None:
    """Let EMAIL in with a role: the workspace is theirs to open when they sign in."""
    from journeys.usecases.team import invite

    member = invite(ws, email, Role(role), ws.settings.author)
    click.echo(f"Invited {member.email} to '{ws.name}' as {member.role.value}.")


@members.command("role")
@click.argument("email")
@click.argument("role", type=ROLE)
@with_workspace
def members_role(ws: Workspace, email: str, role: str) -> None:
    """Give a member another role (the last owner stays an owner)."""
    from journeys.usecases.team import change_role

    change_role(ws, email, Role(role), ws.settings.author)
    click.echo(f"{email.strip().lower()} is now {role} of '{ws.name}'.")


@members.command("remove")
@click.argument("email")
@with_workspace
def members_remove(ws: Workspace, email: str) -> None:
    """Take a member out of the workspace, or withdraw an invitation."""
    from journeys.usecases.team import remove

    remove(ws, email, ws.settings.author)
    click.echo(f"Removed {email.strip().lower()} from '{ws.name}'.")


@members.command("downloads")
@FORMAT_OPTION
@with_workspace
def members_downloads(ws: Workspace, fmt: str) -> None:
    """Who downloaded customer-level data, when and what (newest first)."""
    from journeys.usecases.team import downloads

    found = downloads(ws)
    if not found and fmt == "table":
        raise BadInput("no customer-level data has been downloaded from this workspace")
    emit([{"at": d.at.isoformat(), "who": d.who, "email": d.email, "what": d.what, "rows": d.rows}
          for d in found], fmt)
