"""The team's use cases: who is in a workspace with which role, sign-in, invitations, the download record.

Roles are checked here (and, for every write of the workspace database, again by the workspace's guarded
store): owners manage members, editors change the workspace, viewers read. Sign-in and the download record are
written through the workspace's unguarded store because anyone signing in, or any editor downloading, must be
recorded whatever their role.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from journeys.errors import JourneysError, NotAllowed
from journeys.members import Member, MemberList, Members, Role, User, clean_email, now
from journeys.store import Store
from journeys.workspace import Workspace

if TYPE_CHECKING:
    import pandas as pd

DOWNLOAD_KIND = "download"


@dataclass(frozen=True)
class Download:
    """One download of customer-level data: who, when, what (and how many rows)."""

    key: str
    who: str
    email: str
    what: str
    rows: int
    at: datetime


def admins_from(text: str | None) -> frozenset[str]:
    """``JOURNEYS_ADMINS``: comma- or space-separated addresses that are owners of every workspace."""
    return frozenset(a.strip().lower() for a in (text or "").replace(",", " ").split() if "@" in a)


def sign_in(store: Store, user: User, admins: Iterable[str] = ()) -> dict[str, Role]:
    """Record a signed-in person and return their role in each workspace they may open.

    - A configured admin address becomes owner of every workspace (recorded in its members).
    - The first person to sign in to a deployment with no admins configured, and no one signed in before,
      becomes owner of every workspace that exists (how a team claims the workspaces `journeys init` made).
    - An invitation is accepted on the first sign-in (``joined`` set, the name the provider gives kept).
    """
    email = clean_email(user.email)
    admin_set = {a.lower() for a in admins}
    members = Members(store)
    first = not admin_set and not members.anyone_signed_in()
    roles: dict[str, Role] = {}
    for workspace in store.list_workspaces():
        listed = members.load(workspace).members.find(email)
        claims = email in admin_set or first
        if listed is None and not claims:
            continue
        if listed is None or (claims and listed.role != Role.owner) or listed.joined is None:
            why = ("Signed in as an admin" if email in admin_set else "First sign-in to the deployment"
                   if claims and listed is None else "Accepted the invitation")
            changed = members.change(workspace, user.shown, why,
                                     lambda m, c=claims: _joined(m, user, email, Role.owner if c else None))
            listed = changed.find(email)
        assert listed is not None
        roles[workspace] = listed.role
    return roles


def _joined(members: MemberList, user: User, email: str, role: Role | None) -> MemberList:
    found = members.find(email)
    if found is None:
        found = Member(email=email, role=role or Role.viewer, invited_by="", invited_at=None)
        members.members.append(found)
    if role is not None:
        found.role = role
    found.name = user.name or found.name
    found.joined = found.joined or now()
    return members


def role_of(store: Store, workspace: str, user: User, admins: Iterable[str] = ()) -> Role | None:
    """The person's role in one workspace (None: not a member)."""
    if user.email.lower() in {a.lower() for a in admins}:
        return Role.owner
    return Members(store).role_of(workspace, user.email)


def members(ws: Workspace) -> list[Member]:
    """The workspace's members and open invitations, owners first."""
    ws.require(Role.viewer, "seeing the members")
    listed = Members(ws.shared_store).load(ws.name).members.members
    return sorted(listed, key=lambda m: (-m.role.rank, m.joined is None, m.email))


def invite(ws: Workspace, email: str, role: Role, author: str) -> Member:
    """Let an address in with a role; it appears in their workspace list at their next sign-in."""
    ws.require(Role.owner, "inviting people")
    address = clean_email(email)

    def add(listed: MemberList) -> MemberList:
        if listed.find(address) is not None:
            raise JourneysError(f"{address} is already a member of '{ws.name}'; change their role instead")
        listed.members.append(Member(email=address, role=role, invited_by=author, invited_at=now()))
        return listed

    changed = Members(ws.shared_store).change(ws.name, author, f"Invited {address} as {role.value}", add)
    found = changed.find(address)
    assert found is not None
    return found


def change_role(ws: Workspace, email: str, role: Role, author: str) -> None:
    """Give a member another role; the last owner cannot be demoted (someone must be able to manage members)."""
    ws.require(Role.owner, "changing roles")
    address = clean_email(email)

    def edit(listed: MemberList) -> MemberList:
        found = _member(listed, address, ws.name)
        if found.role == Role.owner and role != Role.owner:
            _keep_an_owner(listed, address, ws.name)
        found.role = role
        return listed

    Members(ws.shared_store).change(ws.name, author, f"{address} is now {role.value}", edit)


def remove(ws: Workspace, email: str, author: str) -> None:
    """Take someone out of the workspace (or withdraw an invitation); never the last owner."""
    ws.require(Role.owner, "removing members")
    address = clean_email(email)

    def edit(listed: MemberList) -> MemberList:
        found = _member(listed, address, ws.name)
        if found.role == Role.owner:
            _keep_an_owner(listed, address, ws.name)
        listed.members = [m for m in listed.members if m.email != address]
        return listed

    Members(ws.shared_store).change(ws.name, author, f"Removed {address}", edit)


def _member(listed: MemberList, address: str, workspace: str) -> Member:
    found = listed.find(address)
    if found is None:
        raise JourneysError(f"{address} is not a member of '{workspace}'")
    return found


def _keep_an_owner(listed: MemberList, leaving: str, workspace: str) -> None:
    if not any(m.role == Role.owner and m.email != leaving for m in listed.members):
        raise NotAllowed(f"{leaving} is the last owner of '{workspace}': make someone else an owner first")


def make_owner(store: Store, workspace: str, user: User) -> None:
    """Record ``user`` as an owner of a workspace they created (the CLI's local user on ``journeys init``)."""
    Members(store).change(workspace, user.shown, f"Created by {user.shown}",
                          lambda listed: _joined(listed, user, clean_email(user.email), Role.owner))


def record_download(ws: Workspace, what: str, rows: int) -> None:
    """Write down that the workspace's person downloaded customer-level data (editors and owners only)."""
    ws.require(Role.editor, "downloading customer-level data")
    body = {"who": ws.user.shown, "email": ws.user.email, "what": what, "rows": int(rows), "at": now().isoformat()}
    ws.shared_store.documents.create(ws.name, DOWNLOAD_KIND, "DL", body, ws.user.shown, f"Downloaded {what}")


def ticket_file(ws: Workspace, what: str, tickets: pd.DataFrame) -> str:
    """Tickets as CSV (formula-safe), the download recorded: ticket-level data is for editors and owners."""
    from journeys.csv_export import csv_text

    record_download(ws, what, len(tickets))
    return csv_text(tickets)


def downloads(ws: Workspace) -> list[Download]:
    """Every recorded download, newest first (owners only: it says who looked at customer data)."""
    ws.require(Role.owner, "seeing who downloaded customer data")
    found = [Download(d.key, str(d.body.get("who", "")), str(d.body.get("email", "")), str(d.body.get("what", "")),
                      int(d.body.get("rows", 0)), datetime.fromisoformat(str(d.body["at"])))
             for d in ws.shared_store.documents.latest(ws.name, DOWNLOAD_KIND)]
    return sorted(found, key=lambda d: d.at, reverse=True)
