"""The Discover use cases (journeys.usecases.discovery) on a real workspace: a file or a stored log, the
graph and variants on the workspace's engine, conformance through the saved/proposed/given map, and
adding an observed route as a compare-and-set journey revision."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

import journeys
from journeys.discover import LogColumns, LogFilter, conformance, dfg, import_log, variants
from journeys.errors import JourneysError, NotFound, StaleWrite
from journeys.usecases import discovery
from tests.discover.helpers import planted_csv, tiny_journey

LOG = "Tiny events"
_journey = tiny_journey


@pytest.fixture
def csv_log(tmp_path: Path) -> Path:
    return planted_csv(tmp_path / "tiny.csv")


@pytest.fixture
def ws(tmp_path: Path):
    with journeys.open_workspace(tmp_path / "home", name="team") as opened:
        opened.journeys.create(_journey(), "ana")
        yield opened


def test_a_file_read_for_one_analysis_gives_what_the_core_gives(ws, csv_log, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    source = discovery.read_log(ws, csv_log, work)
    assert (source.name, source.version, source.report.cases) == ("tiny", None, 7)
    assert ws.event_logs.list() == []  # not saved

    where = LogFilter(segment="x_plan", segment_values=("Pro",))
    found = discovery.discover(ws, source, where, top=2)
    alone = tmp_path / "alone.parquet"
    import_log(csv_log, alone)
    assert found.graph.edge_counts() == dfg(alone, where).edge_counts()
    assert found.graph.edge_counts() == {("Step A", "Step B"): 2, ("Step B", "Step D"): 2, ("Step A", "Step C"): 1,
                                         ("Step C", "Step D"): 1}
    assert found.variants.table["activities"].tolist() == variants(alone, where, top=2).table["activities"].tolist()
    assert (found.variants.distinct, found.variants.cases, len(found.variants.table)) == (2, 3, 2)
    assert found.filters == where


def test_a_saved_log_is_found_by_name_and_a_wrong_request_says_why(ws, csv_log, tmp_path):
    saved = discovery.read_log(ws, csv_log, tmp_path, save_as=LOG, author="ana")
    assert (saved.name, saved.version, saved.report.rows_kept) == (LOG, 1, 26)
    again = discovery.read_log(ws, LOG, tmp_path)
    assert (again.version, again.report, again.order_rule) == (1, None, saved.order_rule)
    assert discovery.directly_follows(ws, LOG).edge_counts() == discovery.directly_follows(ws, saved).edge_counts()
    assert discovery.log_segment_values(ws, LOG, "x_plan") == [("Basic", 17), ("Pro", 9)]  # events

    with pytest.raises(NotFound, match=r"neither a file nor an event log .* \(event logs: Tiny events\)"):
        discovery.read_log(ws, "no such log", tmp_path)
    with pytest.raises(JourneysError, match="needs a file"):
        discovery.read_log(ws, LOG, tmp_path, save_as="other")
    with pytest.raises(JourneysError, match="columns were chosen when it was imported"):
        discovery.read_log(ws, LOG, tmp_path, columns=LogColumns(case="case"))


def test_queries_run_on_the_workspace_engine_and_nowhere_else(ws, csv_log, tmp_path):
    discovery.read_log(ws, csv_log, tmp_path, save_as=LOG, author="ana")
    assert discovery.directly_follows(ws, LOG).events == 26
    ws.engine.close()  # the workspace's one DuckDB: with it closed, nothing can answer
    for query in (lambda: discovery.directly_follows(ws, LOG), lambda: discovery.log_variants(ws, LOG),
                  lambda: discovery.step_reach(ws, LOG, {"Step A": "a"}),
                  lambda: discovery.conform(ws, LOG, "Tiny", mapping={"Step A": "a"})):
        with pytest.raises(duckdb.ConnectionException):
            query()


def test_conform_goes_through_the_saved_map_else_a_proposal_else_the_given_one(ws, csv_log, tmp_path):
    discovery.read_log(ws, csv_log, tmp_path, save_as=LOG, author="ana")
    proposed = discovery.conform(ws, LOG, "Tiny")
    assert proposed.activity_map == discovery.ChosenMap(
        {"Step A": "a", "Step B": "b", "Step C": "c", "Step D": "d", "Xtra": None}, "proposed")
    assert proposed.journey_version == 1
    stored = ws.event_logs.latest(LOG)
    expected = conformance(stored, _journey(), proposed.activity_map.mapping)
    assert (proposed.conformance.transitions, proposed.conformance.designed_events) == (19, 14)
    assert proposed.conformance.designed.equals(expected.designed)
    assert discovery.journey_with_map(ws, LOG) is None

    edited = {**proposed.activity_map.mapping, "Xtra": "e"}
    assert discovery.save_mapping(ws, LOG, "Tiny", edited, "ana") == 1
    with pytest.raises(StaleWrite):
        discovery.save_mapping(ws, LOG, "Tiny", proposed.activity_map.mapping, "bo", expected_version=0)
    saved = discovery.conform(ws, stored, "Tiny", log_name=LOG)
    assert saved.activity_map == discovery.ChosenMap(edited, "saved", 1)
    assert saved.conformance.mapped_events == 19
    assert discovery.journey_with_map(ws, LOG) == "Tiny"

    given = discovery.conform(ws, LOG, _journey(), LogFilter(segment="x_plan", segment_values=("Pro",)),
                              mapping={"Step A": "a", "Step B": "b", "Step D": "d"})
    assert (given.activity_map.origin, given.journey_version) == ("given", None)
    assert given.conformance.designed_events == 4  # Pro cases 1-2: a→b, b→d twice; case 3 touches C (no step)
    assert discovery.step_reach(ws, LOG, edited) == {"a": 7, "b": 5, "c": 3, "d": 7, "e": 1}


def test_an_observed_route_becomes_a_revision_and_a_stale_one_is_refused(ws):
    version = discovery.add_observed_route(ws, "Tiny", "c", "b", "ana", LOG)
    assert version == 2
    assert ("c", "b") in {(t.source, t.target) for t in ws.journeys.get("Tiny").transitions}
    assert ws.journeys.history("Tiny")[0].message == \
        f"Added the route 'Step C' → 'Step B' that customers take (event log '{LOG}')"
    with pytest.raises(StaleWrite):
        discovery.add_observed_route(ws, "Tiny", "a", "d", "bo", LOG, expected_version=1)
    assert ws.journeys.load("Tiny").version == 2
    edit = discovery.route_edit(_journey(), "a", "d", LOG)
    assert ("a", "d") in {(t.source, t.target) for t in edit(_journey()).transitions}
