"""Use case: importing tickets (journeys.usecases.ticket_import) on a real workspace folder and SQLite store.

What the Import tickets page and ``journeys tickets import`` rely on: the proposal for a known help desk,
an import becoming the next version with its report, the new version mapped onto the journeys with
rules, profiles kept and reloaded, and a failed import saving nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from journeys.demo.journey_maps import DEMO_FUTURE, DEMO_JOURNEY
from journeys.demo.loader import load_demo
from journeys.demo.ticket_export import DEMO_RULES, write_zendesk_csv
from journeys.tickets.column_mapping import FieldMap
from journeys.tickets.importer import TicketImportError
from journeys.tickets.rules import Rule
from journeys.usecases import ticket_import
from journeys.workspace import Workspace, open_workspace


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    """A workspace with the demo journeys (no tickets yet) and the demo's rules on the current-state one."""
    with open_workspace(tmp_path / "home", name="team") as opened:
        load_demo(opened.store, opened.name)
        steps = opened.journeys.get(DEMO_JOURNEY).step_ids()
        opened.rules.save(DEMO_JOURNEY, [Rule(step, "tags", "equals", tag) for tag, step in DEMO_RULES
                                         if step in steps], "Ana", message="tags to steps")
        yield opened


@pytest.fixture
def export(tmp_path: Path) -> Path:
    return write_zendesk_csv(tmp_path / "November export.csv", n=400, seed=3)


def test_a_zendesk_export_is_recognised_before_anything_is_saved(ws: Workspace, export: Path) -> None:
    found = ticket_import.preview_export(export)
    assert found.proposed.layout == "zendesk"
    assert found.proposed.field("ticket_id").source == "Id"
    assert "Created at" in found.info.columns and found.info.sample
    assert ticket_import.mapping_problems(found.proposed, found.info.columns) == []
    assert ws.datasets.list() == []


def test_an_import_becomes_the_next_version_and_is_mapped_onto_the_journeys_with_rules(ws: Workspace,
                                                                                      export: Path) -> None:
    stages: list[str] = []
    first = ticket_import.import_tickets(ws, export, "November", "Ana", progress=lambda s, f: stages.append(s))
    assert (first.dataset.name, first.dataset.version, first.dataset.rows) == ("November", 1, 400)
    assert first.report.rows_read == 400 and first.report.rows_kept == 400 and first.report.rows_rejected == 0
    assert first.mapped_journeys == (DEMO_JOURNEY,)  # the future-state journey has no rules
    assert stages[-1] == ticket_import.MAPPING_STAGE and "reading" in stages
    second = ticket_import.import_tickets(ws, export, "November", "Bo")
    assert second.dataset.version == 2 and ws.datasets.latest("November").created_by == "Bo"
    assert DEMO_FUTURE not in second.mapped_journeys


def test_a_mapping_given_is_the_mapping_used(ws: Workspace, export: Path) -> None:
    proposed = ticket_import.preview_export(export).proposed
    without_group = replace(proposed, fields={**proposed.fields, "group": FieldMap(None)})
    imported = ticket_import.import_tickets(ws, export, "November", "Ana", mapping=without_group)
    assert imported.report.mapping.field("group").source is None
    assert proposed.field("group").source is not None


def test_profiles_are_saved_replaced_and_loaded_with_the_columns_a_file_lacks(ws: Workspace, export: Path) -> None:
    found = ticket_import.preview_export(export)
    assert ticket_import.profiles(ws) == []
    assert ticket_import.save_profile(ws, "Zendesk monthly", found.proposed, "Ana") is False
    assert ticket_import.save_profile(ws, "Zendesk monthly", found.proposed, "Bo") is True  # replaced
    assert ticket_import.profiles(ws) == ["Zendesk monthly"]
    loaded = ticket_import.load_profile(ws, "Zendesk monthly", [c for c in found.info.columns if c != "Subject"])
    assert loaded.mapping == found.proposed
    assert loaded.missing_columns == ("Subject",)
    assert ticket_import.load_profile(ws, "Zendesk monthly").missing_columns == ()
    imported = ticket_import.import_tickets(ws, export, "November", "Ana", profile="Zendesk monthly")
    assert imported.report.mapping == found.proposed


def test_an_unknown_time_zone_is_a_mapping_problem(export: Path) -> None:
    found = ticket_import.preview_export(export)
    problems = ticket_import.mapping_problems(replace(found.proposed, timezone="Mars/Olympus"), found.info.columns)
    assert [p.where for p in problems] == ["mapping.timezone"]


def test_a_file_with_no_usable_row_saves_nothing(ws: Workspace, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("Id,Created at,Subject\n1,not a date,a\n2,never,b\n", encoding="utf-8")
    with pytest.raises(TicketImportError) as refused:
        ticket_import.import_tickets(ws, bad, "Broken", "Ana")
    assert refused.value.report is not None and refused.value.report.rows_read == 2
    assert ws.datasets.list() == []
