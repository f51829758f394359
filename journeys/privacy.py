"""A workspace's privacy settings, kept as a versioned document (kind ``privacy``).

One setting today: whether imports mask e-mail addresses, phone numbers and card-like numbers in ticket text
(:mod:`journeys.tickets.masking`). A document rather than a column so every change is a revision with its
author and time — who turned masking off, and when, is part of the record a data-protection review asks for.
Read and change it through :mod:`journeys.usecases.privacy_settings` (owners only).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel

if TYPE_CHECKING:
    from journeys.store import Store

KIND = "privacy"
KEY = "privacy"


class PrivacySettings(BaseModel):
    """What the workspace asks of imports; off by default (nothing changes for a workspace that never chose)."""

    mask_at_import: bool = False


@dataclass(frozen=True)
class StoredPrivacy:
    """The settings as read, with the version a change is saved against and who saved it last (if anyone)."""

    settings: PrivacySettings
    version: int
    author: str | None = None
    saved_at: datetime | None = None


class Privacy:
    """The privacy settings of each workspace in a store."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def load(self, workspace: str) -> StoredPrivacy:
        found = self._store.documents.get(workspace, KIND, KEY)
        if found is None:
            return StoredPrivacy(PrivacySettings(), 0)
        return StoredPrivacy(PrivacySettings.model_validate(found.body), found.version, found.author,
                             found.created_at)

    def save(self, workspace: str, settings: PrivacySettings, author: str, expected_version: int,
             message: str) -> int:
        """Save on top of ``expected_version``; :class:`~journeys.errors.StaleWrite` when someone saved since."""
        return self._store.documents.save(workspace, KIND, KEY, settings.model_dump(mode="json"), author,
                                          message=message, expected_version=expected_version,
                                          label=f"The privacy settings of '{workspace}'")

    def history(self, workspace: str) -> list:
        return self._store.documents.history(workspace, KIND, KEY)
