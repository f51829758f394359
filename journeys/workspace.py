"""Workspace-level operations shared by the app frame and the CLI.

Kept out of the store so the store stays about persistence, and out of the
pages so the CLI and a notebook get the same overview numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from journeys.demo import demo_journeys
from journeys.graph import Severity, check
from journeys.store import Store

DEMO_AUTHOR = "journeys demo"


def load_demo(store: Store, workspace: str, seed: int = 7) -> list[str]:
    """Create the demo journeys that the workspace does not have yet; returns their names."""
    store.ensure_workspace(workspace)
    existing = {s.name for s in store.list_journeys(workspace)}
    created = []
    for journey in demo_journeys(seed):
        if journey.name not in existing:
            store.create(workspace, journey, DEMO_AUTHOR, "Demo journey")
            created.append(journey.name)
    return created


@dataclass(frozen=True)
class JourneyOverview:
    """One line of the home overview: what a journey is and what its checks say."""

    name: str
    state: str
    derived_from: str | None
    steps: int
    version: int
    updated_by: str
    updated_at: datetime
    errors: int
    warnings: int


def overview(store: Store, workspace: str) -> list[JourneyOverview]:
    """Every journey with its last edit and open structural findings."""
    rows = []
    for summary in store.list_journeys(workspace):
        findings = check(store.load(workspace, summary.name).journey)
        errors = sum(f.severity == Severity.error for f in findings)
        rows.append(JourneyOverview(
            name=summary.name, state=summary.state, derived_from=summary.derived_from, steps=summary.step_count,
            version=summary.version, updated_by=summary.updated_by, updated_at=summary.updated_at,
            errors=errors, warnings=len(findings) - errors,
        ))
    return rows
