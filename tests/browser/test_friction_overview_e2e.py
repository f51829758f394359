"""The Friction page before any journey, in Chromium: the dataset overview by group / channel / month, every
column in view at 1440 and 1280 px, the definitions control, and no browser error."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Server, open_options, shot, start_server, stop_server, wait_idle, watch_errors
from tests.browser.test_every_page_e2e import columns_out_of_view
from tests.test_metrics_without_journey import workspace_without_journey

pytestmark = pytest.mark.browser
WIDTHS = {1440: 900, 1280: 800}
COLUMNS = ["Group", "Tickets", "CSAT", "First reply p50", "Resolution p50", "Reopens", "FCR", "Escalated"]


@pytest.fixture(scope="module")
def no_journey_server(tmp_path_factory) -> Iterator[Server]:
    """A workspace with one imported Zendesk export (written by code) and no journey."""
    home: Path = tmp_path_factory.mktemp("overview") / "workspace"
    workspace_without_journey(home)
    running = start_server(home)
    yield running
    stop_server(running)


@pytest.mark.parametrize("width", list(WIDTHS))
def test_overview_before_any_journey_fits_and_switches(no_journey_server, page_factory, width):
    page = page_factory(width, WIDTHS[width])
    errors = watch_errors(page)
    page.goto(no_journey_server.url + "/friction")
    # the first run of a fresh server imports the analytics stack: give it the time a loaded CI machine needs
    expect(page.get_by_text("No journey yet", exact=False)).to_be_visible(timeout=60_000)
    wait_idle(page)
    assert columns_out_of_view(page, COLUMNS, width) == []
    expect(page.get_by_text("Definitions — First-contact resolution", exact=False)).to_be_visible(timeout=20_000)
    shot(page, f"friction-overview-by-group-{width}")

    page.get_by_test_id("stButtonGroup").get_by_role("radio", name="Channel").click()
    expect(page.get_by_test_id("stButtonGroup").get_by_role("radio", name="Channel")).to_be_checked(timeout=20_000)
    wait_idle(page)
    assert columns_out_of_view(page, ["Channel", "Tickets", "CSAT"], width) == []  # waits for the new table

    page.get_by_text("Metric definitions and small groups").click()
    expect(page.get_by_role("button", name="Save for this workspace")).to_be_visible(timeout=20_000)
    wait_idle(page)
    open_options(page, page.get_by_test_id("stSelectbox").filter(has_text="First-contact resolution").locator("input"))
    expect(page.get_by_role("option", name="Intercom first contact")).to_be_visible(timeout=20_000)
    shot(page, f"friction-overview-definitions-{width}")
    page.keyboard.press("Escape")
    assert errors == []
