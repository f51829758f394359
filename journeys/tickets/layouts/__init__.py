"""The help-desk export layouts the importer recognises from headers alone, one module per vendor.

Each vendor module documents its export layout and traps and defines ``LAYOUT`` (a :class:`Layout`).
Adding a vendor: a new module here and one line in :data:`REGISTRY`. Order matters only for ties in
``columns.detect_layout`` (the earlier layout wins an equal score — but equal scores fall back to
generic anyway).
"""

from __future__ import annotations

from journeys.tickets.layouts import (
    freshdesk,
    front,
    gorgias,
    helpscout,
    hubspot,
    intercom,
    jira,
    servicenow,
    zendesk,
    zoho_desk,
)
from journeys.tickets.layouts.base import Layout

REGISTRY: tuple[Layout, ...] = (
    zendesk.LAYOUT,
    intercom.LAYOUT,
    freshdesk.LAYOUT,
    servicenow.LAYOUT,
    jira.LAYOUT,
    helpscout.LAYOUT,
    hubspot.LAYOUT,
    zoho_desk.LAYOUT,
    gorgias.LAYOUT,
    front.LAYOUT,
)

BY_NAME: dict[str, Layout] = {layout.name: layout for layout in REGISTRY}
NAMES: tuple[str, ...] = (*BY_NAME, "generic")
TITLES: dict[str, str] = {**{layout.name: layout.title for layout in REGISTRY}, "generic": "Other (generic)"}

__all__ = ["BY_NAME", "NAMES", "REGISTRY", "TITLES", "Layout"]
