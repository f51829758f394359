"""The Overview in Chromium at 1440x900 and 1280x800: the loop at a glance (top pain points, experiments in
flight, loops still open, maps to review) draws whole inside the window, with working links and no errors."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import shot, wait_idle, watch_errors

pytestmark = pytest.mark.browser

SECTIONS = ["Top pain points", "Experiments in flight", "Loops still open", "Maps to review"]
# Each box's heading and every line in it must end inside the window; nothing in the main column is cut.
OVERFLOW_JS = """(viewport) => [...document.querySelectorAll(
    '[data-testid="stMain"] [data-testid="stMarkdownContainer"], [data-testid="stMain"] [data-testid="stPageLink"]')]
    .filter(e => e.offsetParent !== null)
    .filter(e => e.getBoundingClientRect().right > viewport + 1 || e.scrollWidth > e.clientWidth + 1)
    .map(e => e.innerText.slice(0, 60))"""


@pytest.mark.parametrize("width,height", [(1440, 900), (1280, 800)])
def test_the_loop_at_a_glance_fits_and_links_to_where_to_act(demo_server, page_factory, width: int,
                                                             height: int) -> None:
    page = page_factory(width, height)
    errors = watch_errors(page)
    page.goto(demo_server.url)
    expect(page.get_by_role("heading", name="The loop at a glance")).to_be_visible(timeout=60_000)
    wait_idle(page)
    for title in SECTIONS:
        expect(page.get_by_test_id("stMain").get_by_text(title).first).to_be_visible()
    main = page.get_by_test_id("stMain")
    expect(main.get_by_text("Password reset links expire before customers use them")).to_be_visible()
    link = main.get_by_role("link", name="EX-1")
    expect(link).to_have_attribute("href", "review?experiment=EX-1")
    expect(main.get_by_text("Every decided experiment has been told")).to_be_visible()
    # The two boxes of a row sit side by side, each wholly inside the window.
    boxes = page.evaluate("""() => [...document.querySelectorAll('[data-testid="stMain"] '
        + '[data-testid="stVerticalBlockBorderWrapper"], [data-testid="stMain"] [data-testid="stVerticalBlock"]')]
        .filter(b => /Top pain points|Experiments in flight/.test(b.innerText) && b.innerText.length < 2000)
        .map(b => b.getBoundingClientRect()).map(r => [r.left, r.right, r.top])""")
    assert boxes and all(left >= 0 and right <= width for left, right, _ in boxes), boxes
    assert page.evaluate(OVERFLOW_JS, width) == []
    expect(page.get_by_test_id("stException")).to_have_count(0)
    shot(page, f"overview-loop-{width}")
    page.get_by_test_id("stMain").get_by_text("Maps to review").first.scroll_into_view_if_needed()
    shot(page, f"overview-loop-{width}-lower")
    main.get_by_role("link", name="Rank them on Priorities").click()
    expect(page.get_by_role("heading", name="Priorities", exact=True)).to_be_visible(timeout=60_000)
    wait_idle(page)
    assert errors == []
