"""A log that records when activities start and complete, in a real browser: the Discover page offers the order
(by start as pm4py, or by completion), the choice reaches the import and the report says which was used."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from journeys.discover import EventLogs
from tests.browser.conftest import shot, wait_idle, watch_errors
from tests.tickets.samples import event_log_lifecycle as lc

pytestmark = pytest.mark.browser


def test_a_start_complete_log_is_imported_in_the_chosen_order(demo_server, page_factory, tmp_path):
    from journeys.store import Store

    page = page_factory(1440, 900)
    errors = watch_errors(page)
    page.goto(f"{demo_server.url}/discover")
    wait_idle(page)
    box = page.get_by_placeholder("e.g. Sam from Support")
    box.fill("Maya")
    box.press("Enter")
    wait_idle(page)
    page.get_by_text("Upload a file", exact=True).click()
    wait_idle(page)
    path = lc.write_lifecycle_csv(lc.generate(3, cases=40), tmp_path / "process export.csv")
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(path))
    wait_idle(page)

    question = page.get_by_text("This log records when activities start and when they complete")
    expect(question).to_be_visible()
    expect(page.get_by_role("radio", name="Start time (as pm4py)")).to_be_checked()
    question.scroll_into_view_if_needed()
    shot(page, "discover-order-1-control-1440")
    page.set_viewport_size({"width": 1280, "height": 800})
    question.scroll_into_view_if_needed()
    shot(page, "discover-order-2-control-1280")

    page.get_by_text("Completion time", exact=True).click()
    expect(page.get_by_role("radio", name="Completion time")).to_be_checked()
    wait_idle(page)
    page.get_by_role("textbox", name="Save as event log").fill("Process export")
    page.get_by_role("button", name="Import", exact=True).click()
    wait_idle(page)
    expect(page.get_by_text("Imported as version 1 of Process export")).to_be_visible()
    expect(page.get_by_text("Order within a case: by completion time, then file order.")).to_be_visible()
    expect(page.get_by_test_id("stVegaLiteChart").first).to_be_visible()  # the rerun after the import is done
    wait_idle(page)
    page.get_by_text("Imported as version 1 of Process export").scroll_into_view_if_needed()
    shot(page, "discover-order-3-report-1280")
    page.get_by_text("Order within a case: by completion time, then file order.").scroll_into_view_if_needed()
    shot(page, "discover-order-4-report-order-1280")
    with Store.for_folder(demo_server.home) as store:
        report = EventLogs(store, demo_server.home).latest("demo", "Process export").report
    assert report["order"] == "complete" and report["lifecycle_pairs"] > 0
    assert not errors, errors
