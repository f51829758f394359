"""An analyst's first look at event data, in a real browser: upload an event log, see its directly-follows
graph, compare it with the journey on the workshop map, and add a route customers take that the map lacks."""

from __future__ import annotations

import re

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest
from playwright.sync_api import expect

from journeys.demo import DEMO_JOURNEY
from journeys.demo.event_log import DEMO_ACTIVITIES, demo_events
from journeys.discover import EventLogs
from journeys.store import Store
from tests.browser.conftest import shot, wait_idle, watch_errors
from tests.browser.test_tickets_e2e import choose

pytestmark = pytest.mark.browser



def _app_events(path) -> str:
    """800 customers of the demo's generator, logged by step id (so the proposed mapping is exact), as CSV."""
    table = demo_events(cases=800, seed=5)
    step_of = {activity: step for step, activity in DEMO_ACTIVITIES.items()}
    steps = pa.array([step_of[a] for a in table["activity"].to_pylist()], pa.string())
    stamps = pa.array([t.isoformat() for t in table["timestamp"].to_pylist()], pa.string())
    table = table.set_column(1, "activity", steps).set_column(2, "timestamp", stamps)
    pacsv.write_csv(table, path)
    return str(path)


def test_upload_a_log_see_its_graph_compare_and_add_a_route(demo_server, page_factory, tmp_path):
    page = page_factory(1500, 1600)
    errors = watch_errors(page)  # console and page errors, requests off the machine
    page.goto(f"{demo_server.url}/discover")
    wait_idle(page)
    box = page.get_by_placeholder("e.g. Sam from Support")
    box.fill("Maya")
    box.press("Enter")
    wait_idle(page)

    # 1. Upload: the columns are detected, the log imported with its report.
    page.get_by_text("Upload a file", exact=True).click()
    wait_idle(page)
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(_app_events(tmp_path / "app-events.csv"))
    wait_idle(page)
    expect(page.get_by_text("Which column is which")).to_be_visible()
    assert page.get_by_label("Case id", exact=True).input_value() == "case_id"
    page.get_by_role("textbox", name="Save as event log").fill("App events")
    page.get_by_role("button", name="Import", exact=True).click()
    wait_idle(page)
    expect(page.get_by_text("Imported as version 1 of App events")).to_be_visible()
    with Store.for_folder(demo_server.home) as store:
        assert EventLogs(store, demo_server.home).latest("demo", "App events").cases == 800

    # 2. The directly-follows graph: boxes, counts and the start marker, drawn as SVG.
    chart = page.get_by_test_id("stVegaLiteChart").first
    expect(chart.locator("text", has_text=re.compile(r"^bot-faq$")).first).to_be_attached()
    expect(chart.locator("text", has_text=re.compile(r"^start$")).first).to_be_attached()
    chart.scroll_into_view_if_needed()
    shot(page, "discover-e2e-1-dfg")

    # 3. Conformance: the flow on the workshop map, routes the map lacks dashed navy.
    page.get_by_role("tab", name="Conformance", exact=True).click()
    wait_idle(page)
    choose(page, "Compare with the journey", DEMO_JOURNEY)
    wait_idle(page)
    expect(page.get_by_text("Follows the map")).to_be_visible()
    flow_map = page.get_by_test_id("stVegaLiteChart").first
    expect(flow_map.locator("text", has_text="not on the map").first).to_be_attached()
    assert flow_map.locator('path[stroke="#0d3b66"][stroke-dasharray]').count() > 0
    flow_map.scroll_into_view_if_needed()
    shot(page, "discover-e2e-2-conformance")

    # 4. Add the busiest undesigned route: a new journey version, and the route is designed now.
    with Store.for_folder(demo_server.home) as store:
        before = store.load("demo", DEMO_JOURNEY).version
    routes = page.get_by_role("button", name="Add this route to the map")
    count = routes.count()
    routes.first.click()
    # Wait for the save itself: right after a click the app may not have started its run yet.
    expect(page.get_by_text(re.compile(f"Journey version {before + 1};"))).to_be_visible()
    wait_idle(page)
    with Store.for_folder(demo_server.home) as store:
        after = store.load("demo", DEMO_JOURNEY)
    assert after.version == before + 1
    assert after.journey.transitions[-1].source == "bot-faq"  # the busiest planted route
    expect(page.get_by_role("button", name="Add this route to the map")).to_have_count(count - 1)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    page.get_by_text("Routes customers take that the map does not have", exact=True).scroll_into_view_if_needed()
    shot(page, "discover-e2e-3-route-added")
    assert errors == [], errors
