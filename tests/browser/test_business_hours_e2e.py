"""Business hours on the Friction page in Chromium: the toggle is off (and says how) without a schedule; with one,
calendar and business minutes stand side by side under the schedule it states, at 1440 and 1280 px."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from journeys.business_hours import Schedule, parse_hours, save_schedule
from journeys.demo import DEMO_JOURNEY
from journeys.store import Store
from tests.browser.conftest import IDLE, shot, watch_errors

pytestmark = pytest.mark.browser
URL = f"/friction?journey={quote(DEMO_JOURNEY)}"
TOGGLE = "Business minutes beside calendar minutes"
FIRST_RENDER_MS = 120_000  # mapping 30,000 demo tickets on a fresh server, on a machine shared with other runs


def test_without_a_schedule_the_toggle_is_off_and_disabled(demo_server, page_factory):
    page = page_factory(1440, 900)
    errors = watch_errors(page)
    page.goto(demo_server.url + URL)
    toggle = page.get_by_role("switch", name=TOGGLE)
    expect(toggle).to_be_visible(timeout=FIRST_RENDER_MS)  # the first run on the demo's tickets finished
    expect(toggle).to_be_disabled()
    assert errors == []


@pytest.mark.parametrize(("width", "height"), [(1440, 900), (1280, 800)])
def test_business_minutes_stand_beside_calendar_minutes(demo_server, page_factory, width, height):
    schedule = Schedule("Europe/London", parse_hours(["mon-fri 09:00-17:30", "sat 10:00-14:00"]), country="GB",
                        subdivision="ENG")
    with Store.for_folder(demo_server.home) as store:  # the page reads the schedule on every run
        save_schedule(store, "demo", schedule, "Tester", expected_version=0)
    page = page_factory(width, height)
    errors = watch_errors(page)
    page.goto(demo_server.url + URL)
    expect(page.get_by_role("switch", name=TOGGLE)).to_be_enabled(timeout=FIRST_RENDER_MS)
    page.get_by_text(TOGGLE).click()
    caption = page.get_by_text("Business hours v1:", exact=False)
    expect(caption).to_be_visible(timeout=FIRST_RENDER_MS)  # the rerun with the business minutes finished
    expect(caption).to_contain_text("Mon–Fri 09:00–17:30; Sat 10:00–14:00")
    expect(caption).to_contain_text("no business-hours column")  # the demo export carries none to compare
    page.wait_for_selector(IDLE, timeout=FIRST_RENDER_MS)  # the rest of the page drawn before the shot
    table = page.get_by_test_id("stDataFrame").filter(has_text="Business minutes").first
    table.scroll_into_view_if_needed()
    expect(table).to_be_visible()
    box = table.bounding_box()
    assert box is not None and box["x"] + box["width"] <= width  # not clipped at this width
    shot(page, f"friction-business-hours-{width}")
    assert errors == []
