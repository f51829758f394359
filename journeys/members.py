"""Who may do what in a workspace: members with a role (owner, editor, viewer), kept as a versioned document.

The members list is one document per workspace (kind ``members``), so every change to it — an invitation, a
role changed, someone removed, a first sign-in — is a revision with its author, like every other record. An
invitation is a member who has not signed in yet (``joined`` empty); it lets that address in with its role.

Roles are enforced where the writing happens (:mod:`journeys.access` guards the workspace's store), not in
the pages: a viewer's save is refused whatever a page shows.
"""

from __future__ import annotations

import getpass
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field, field_validator

from journeys.errors import JourneysError, NotAllowed, StaleWrite

if TYPE_CHECKING:
    from journeys.store import Store

KIND = "members"
KEY = "members"
LOCAL_DOMAIN = "localhost"  # the machine's own user (CLI, embedded app without sign-in): <login>@localhost
_EMAIL = re.compile(r"^[^@\s<>\"']{1,64}@[^@\s<>\"']{1,190}$")


class Role(StrEnum):
    """What a member may do: viewers read, editors also change the workspace, owners also manage members."""

    viewer = "viewer"
    editor = "editor"
    owner = "owner"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def allows(self, needed: Role) -> bool:
        return self.rank >= needed.rank


@dataclass(frozen=True)
class User:
    """A person as the identity provider (or the machine) names them; the e-mail address is the identity."""

    email: str
    name: str = ""

    @property
    def shown(self) -> str:
        """How saves record them: the name, else the address."""
        return self.name.strip() or self.email

    @property
    def is_local(self) -> bool:
        return self.email.endswith(f"@{LOCAL_DOMAIN}")


def local_user() -> User:
    """The machine's local user: who the CLI and the embedded app without sign-in act as (owner)."""
    try:
        login = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers)
        login = "local"
    login = re.sub(r"[^A-Za-z0-9._-]", "_", login) or "local"
    return User(f"{login}@{LOCAL_DOMAIN}", login)


def clean_email(text: str) -> str:
    """An e-mail address compared as identity providers send it: trimmed, lower case; refused if not one."""
    email = str(text).strip().lower()
    if not _EMAIL.match(email):
        raise JourneysError(f"'{text}' is not an e-mail address")
    return email


class Member(BaseModel):
    """One person's role in a workspace; ``joined`` empty while the invitation waits for their first sign-in."""

    email: str
    role: Role
    name: str = ""
    invited_by: str = ""
    invited_at: datetime | None = None
    joined: datetime | None = None

    @field_validator("email")
    @classmethod
    def _address(cls, value: str) -> str:
        return clean_email(value)


class MemberList(BaseModel):
    members: list[Member] = Field(default_factory=list)

    def find(self, email: str) -> Member | None:
        wanted = email.strip().lower()
        return next((m for m in self.members if m.email == wanted), None)


@dataclass(frozen=True)
class Membership:
    """The members of a workspace as read, with the version a change is saved against."""

    members: MemberList
    version: int


class Members:
    """The members of each workspace in a store (read and change them through :mod:`journeys.usecases.team`)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def load(self, workspace: str) -> Membership:
        found = self._store.documents.get(workspace, KIND, KEY)
        if found is None:
            return Membership(MemberList(), 0)
        return Membership(MemberList.model_validate(found.body), found.version)

    def save(self, workspace: str, members: MemberList, author: str, expected_version: int, message: str) -> int:
        return self._store.documents.save(workspace, KIND, KEY, members.model_dump(mode="json"), author,
                                          message=message, expected_version=expected_version,
                                          label=f"The members of '{workspace}'")

    def change(self, workspace: str, author: str, message: str, edit: Any, attempts: int = 5) -> MemberList:
        """Apply ``edit(members) -> members`` on the newest list, again on top of a concurrent change."""
        for _ in range(attempts):
            current = self.load(workspace)
            changed = edit(current.members.model_copy(deep=True))
            try:
                self.save(workspace, changed, author, current.version, message)
            except StaleWrite:
                continue
            return changed
        raise JourneysError("The members list changed too often at once; please try again")

    def history(self, workspace: str) -> list[Any]:
        return self._store.documents.history(workspace, KIND, KEY)

    def role_of(self, workspace: str, email: str) -> Role | None:
        member = self.load(workspace).members.find(email)
        return member.role if member else None

    def anyone_signed_in(self) -> bool:
        """Whether any workspace has a member from the identity provider (the first sign-in has happened)."""
        return any(not m.email.endswith(f"@{LOCAL_DOMAIN}") for ws in self._store.list_workspaces()
                   for m in self.load(ws).members.members)


def now() -> datetime:
    return datetime.now(UTC)


def require(role: Role | None, needed: Role, what: str, workspace: str) -> None:
    """Refuse in words when ``role`` (None: not a member) does not reach ``needed``."""
    if role is None:
        raise NotAllowed(f"You are not a member of workspace '{workspace}'; ask one of its owners to invite you")
    if not role.allows(needed):
        raise NotAllowed(f"You are a {role.value} of workspace '{workspace}': {what} needs the {needed.value} role; "
                         "ask one of its owners")
