"""Workspace-level operations shared by the app frame and the CLI.

Kept out of the store so the store stays about persistence, and out of the
pages so the CLI and a notebook get the same overview numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from journeys.demo import DEMO_FUTURE, DEMO_JOURNEY, demo_journeys
from journeys.demo_tickets import DEFAULT_TICKETS, DEMO_RULES, write_zendesk_csv
from journeys.graph import Severity, check
from journeys.store import Store

DEMO_AUTHOR = "journeys demo"
DEMO_DATASET = "Zendesk tickets (demo)"


def load_demo(store: Store, workspace: str, seed: int = 7, home: Path | None = None,
              tickets: int = DEFAULT_TICKETS) -> list[str]:
    """Create what the workspace lacks of the demo; returns what was created.

    Journeys always; with ``home`` (the workspace folder) also the demo ticket
    dataset, imported from a generated Zendesk-layout CSV exactly as a user's
    export would be, and the rules that map its tags to the demo journey.
    """
    store.ensure_workspace(workspace)
    existing = {s.name for s in store.list_journeys(workspace)}
    created = []
    for journey in demo_journeys(seed):
        if journey.name not in existing:
            store.create(workspace, journey, DEMO_AUTHOR, "Demo journey")
            created.append(journey.name)
    if home is not None and tickets > 0:
        created += _load_demo_tickets(store, workspace, Path(home), seed, tickets)
    return created


def _load_demo_tickets(store: Store, workspace: str, home: Path, seed: int, tickets: int) -> list[str]:
    from journeys.store.tickets import TicketStore
    from journeys.tickets.datasets import Datasets
    from journeys.tickets.rules import Rule
    from journeys.tickets.workflow import import_dataset, prepare_mappings

    created = []
    if not any(d.name == DEMO_DATASET for d in Datasets(store, home).list(workspace)):
        source = write_zendesk_csv(home / "imports" / "demo-zendesk-export.csv", n=tickets, seed=seed)
        import_dataset(store, home, workspace, DEMO_DATASET, source, DEMO_AUTHOR)
        created.append(f"dataset {DEMO_DATASET}")
    rules = TicketStore(store)
    for journey in (DEMO_JOURNEY, DEMO_FUTURE):
        if rules.load_rules(workspace, journey).version == 0:
            demo_rules = [Rule(step=step, field="tags", op="equals", value=tag, name=tag) for tag, step in DEMO_RULES
                          if step in store.load(workspace, journey).journey.step_ids()]
            rules.save_rules(workspace, journey, demo_rules, DEMO_AUTHOR, "Demo rules: topic tag → step")
            created.append(f"rules for {journey}")
    if created:
        prepare_mappings(store, home, workspace, Datasets(store, home).latest(workspace, DEMO_DATASET))
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
