"""Every page of the demo workspace opens cleanly in Chromium at the two widths people use (laptop, projector).

A page holds together when it draws its title, raises nothing (no ``stException``), logs no console error,
throws no page error, fetches nothing from a third party, and shows none of Streamlit's developer chrome
(the "Deploy" button). Screenshots go to ``artifacts/screenshots`` for a person to look at.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import shot, wait_idle, watch_errors

pytestmark = pytest.mark.browser

PAGES = {"": "Workspace overview", "map": None, "compare": None, "history": None, "friction": "Friction",
         "import_tickets": None, "rules": None, "discover": None, "priorities": None, "experiments": None,
         "review": "Review"}
WIDTHS = {1440: 900, 1280: 800}


@pytest.mark.parametrize("width", list(WIDTHS))
def test_every_page_opens_cleanly(demo_server, page_factory, width):
    page = page_factory(width, WIDTHS[width])
    errors = watch_errors(page)
    page.goto(demo_server.url)
    wait_idle(page)
    box = page.get_by_placeholder("e.g. Sam from Support")
    box.fill("Maya")
    box.press("Enter")
    wait_idle(page)
    for path, title in PAGES.items():
        page.goto(f"{demo_server.url}/{path}")
        wait_idle(page)
        heading = page.get_by_test_id("stMain").locator("h1").first
        expect(heading).to_be_visible()
        if title:
            expect(heading).to_have_text(title)
        expect(page.get_by_test_id("stException")).to_have_count(0)
        expect(page.get_by_role("button", name="Deploy")).to_have_count(0)
        shot(page, f"page-{path or 'overview'}-{width}")
        assert errors == [], f"/{path}: " + "\n".join(errors)
