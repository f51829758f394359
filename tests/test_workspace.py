"""The composition root: one open workspace owns its store, folder and engine, and hands out repositories bound
to it — what a notebook, the CLI and the pages start from."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

import journeys
from journeys.demo import current_state_journey
from journeys.errors import NotFound, StaleWrite
from journeys.tickets.rules import Rule


def test_a_new_folder_opens_as_an_empty_workspace_and_keeps_what_is_saved(tmp_path: Path) -> None:
    journey = current_state_journey()
    with journeys.open_workspace(tmp_path / "ws", name="team") as ws:
        assert ws.name == "team" and ws.home == (tmp_path / "ws").resolve()
        assert ws.journeys.names() == []
        first = ws.journeys.create(journey, "Maya")
        edited = journey.model_copy(update={"description": "Revised in the workshop"})
        second = ws.journeys.save(edited, first, "Maya", "Description")
        with pytest.raises(StaleWrite):  # compare-and-set: a save against the old version is refused
            ws.journeys.save(edited, first, "Sam", "Stale")
        assert [c.path for c in ws.journeys.diff(journey.name, first, second)] == ["description"]
        graph = ws.journeys.graph(journey.name)
        assert graph.number_of_nodes() == len(journey.steps) and graph.number_of_edges() == len(journey.transitions)
        with pytest.raises(NotFound):
            ws.dataset()  # no tickets yet: said in words, not an IndexError
    with journeys.open_workspace(tmp_path / "ws", name="team") as again:
        assert again.journeys.load(journey.name).version == second
        assert again.journeys.get(journey.name).description == "Revised in the workshop"
    with journeys.open_workspace(tmp_path / "ws", name="other") as other:
        assert other.journeys.names() == []  # repositories are bound to their workspace


def test_bound_repositories_pass_the_workspace_for_the_caller(tmp_path: Path) -> None:
    journey = current_state_journey()
    with journeys.open_workspace(tmp_path / "ws") as ws:
        ws.journeys.create(journey, "Maya")
        step = journey.steps[0].id
        first = ws.rules.save(journey.name, [Rule(step=step, field="tags", op="contains", value="billing")], "Maya")
        second = ws.rules.save(journey.name, [], "Maya", expected_version=first)
        assert ws.rules.load(journey.name).rules == []
        restored = ws.rules.restore(journey.name, first, "Maya")
        assert restored > second and len(ws.rules.load(journey.name).rules) == 1
        assert ws.painpoints.list() == [] and ws.experiments.list() == []
        assert "of workspace 'demo'" in repr(ws.painpoints)


def test_closing_the_workspace_closes_its_engine(tmp_path: Path) -> None:
    ws = journeys.open_workspace(tmp_path / "ws")
    cursor = ws.engine.cursor()
    assert cursor.execute("select 42").fetchone() == (42,)
    ws.close()
    with pytest.raises(duckdb.ConnectionException):
        ws.engine.cursor().execute("select 1")
