"""The workspace's privacy settings: whether imports mask personal data in ticket text, and who may change it.

Anyone who may open the workspace may read the setting (the import page says what will happen); only owners
may change it, since it decides what the workspace keeps about customers. Imports read it through
:func:`masking_on` (:func:`journeys.usecases.ticket_import.import_tickets`), so the page, the CLI and the demo
loader all honour it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from journeys.members import Role
from journeys.privacy import Privacy, PrivacySettings, StoredPrivacy

if TYPE_CHECKING:
    from journeys.workspace import Workspace

WHAT = "changing the workspace's privacy settings"


def current(ws: Workspace) -> StoredPrivacy:
    """The settings as saved (defaults, version 0, when no one has chosen yet)."""
    return Privacy(ws.store).load(ws.name)


def masking_on(ws: Workspace) -> bool:
    """Whether imports into ``ws`` mask e-mail addresses, phone and card-like numbers before writing."""
    return current(ws).settings.mask_at_import


def set_masking(ws: Workspace, on: bool, author: str, expected_version: int | None = None) -> int:
    """Turn masking at import on or off (owners only); returns the settings' new version, or the current one
    when it already is so. ``expected_version``: the version the caller showed (a change on a stale page is
    refused with :class:`~journeys.errors.StaleWrite`); None saves on top of the newest."""
    ws.require(Role.owner, WHAT)
    stored = current(ws)
    if stored.settings.mask_at_import == on:
        return stored.version
    changed = stored.settings.model_copy(update={"mask_at_import": on})
    message = "Masking personal data at import turned " + ("on" if on else "off")
    return Privacy(ws.store).save(ws.name, changed, author,
                                  stored.version if expected_version is None else expected_version, message)


__all__ = ["PrivacySettings", "StoredPrivacy", "current", "masking_on", "set_masking"]
