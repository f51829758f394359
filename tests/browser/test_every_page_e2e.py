"""Every page of the demo workspace opens cleanly in Chromium at the two widths people use (laptop, projector).

A page holds together when it draws its title, raises nothing (no ``stException``), logs no console error,
throws no page error, fetches nothing from a third party, and shows none of Streamlit's developer chrome
(the "Deploy" button). Screenshots go to ``artifacts/screenshots`` for a person to look at.

It also fits the window: its key columns and texts lie inside the viewport horizontally, and no button label is
cut ("Markdown …"). How the columns are checked, since Streamlit's dataframes draw their headers on a canvas:

- glide-data-grid keeps an accessible copy of the grid in the DOM, whose ``[role=columnheader]`` cells carry the
  header texts (in ``column_order``) but have no size — they tell *which* columns a table shows;
- the grid's scroller (``.dvn-scroller``) is as wide as all its columns: ``scrollWidth > clientWidth`` means some
  columns sit beyond the right edge, reachable only by scrolling.

So a key column is visible without scrolling when a table lists it among its headers, that table does not
scroll sideways, and the table's box ends inside the viewport. A button label is cut when one of the button's
elements is wider inside than its box (``scrollWidth > clientWidth``: Streamlit's ``stMarkdownEllipsis``).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from tests.browser.conftest import shot, wait_idle, watch_errors

pytestmark = pytest.mark.browser

PAGES = {"": "Workspace overview", "map": None, "compare": None, "history": None, "friction": "Friction",
         "import_tickets": None, "rules": None, "discover": None, "priorities": None, "experiments": None,
         "review": "Review", "topics": None, "settings": "Workspace settings"}
WIDTHS = {1440: 900, 1280: 800}

# Per page: the table columns that must show without scrolling sideways, and texts that must lie in the window.
KEY_COLUMNS = {
    "experiments": ["Key", "Experiment", "Review", "Status", "Verdict", "Effect"],
    "priorities": ["Rank", "Key", "Pain point", "Status", "Score", "Effort"],
    "compare": ["Change", "Step", "Field", "Before", "After", "From", "To", "Detail"],
    "history": ["Version", "Author", "Saved at (UTC)", "Message"],
    "import_tickets": ["Dataset", "Version", "Tickets", "Imported by"],
    "rules": ["Order", "Rule", "Step", "Tickets placed"],
    "friction": ["Main driver", "Resolution"],
}
KEY_TEXTS = {
    "experiments": ["You said, we did — for a period"],
    "priorities": ["Ranking", "Value against effort"],
    "review": ["Result", "Decision", "Close the loop"],
    "discover": ["What customers did"],
    "import_tickets": ["Ticket datasets in this workspace"],
}
# Pages reworked by their owners in this issue (map: A): opened for errors, laid-out checks only where named
# above (Friction's two key columns, in their own test).
LAYOUT_CHECKED_ELSEWHERE = {"map", "friction"}

TABLES_JS = """() => [...document.querySelectorAll('[data-testid="stMain"] [data-testid="stDataFrame"]')].map(f => {
    const scroller = f.querySelector('.dvn-scroller');
    const box = f.getBoundingClientRect();
    return {headers: [...f.querySelectorAll('[role="columnheader"]')].map(h => h.textContent.trim()),
            scrolls: scroller ? scroller.scrollWidth > scroller.clientWidth + 1 : false,
            left: box.left, right: box.right, width: box.width};
})"""
CUT_BUTTONS_JS = """() => [...document.querySelectorAll('[data-testid="stMain"] button')]
    .filter(b => b.offsetParent !== null)
    .filter(b => [b, ...b.querySelectorAll('*')].some(e => e.scrollWidth > e.clientWidth + 1))
    .map(b => b.innerText.replace(/\\s+/g, ' ').trim())"""


OUT_OF_VIEW_JS = """([tables, wanted, viewport]) => {
    const shown = tables.filter(t => t.width > 0 && !t.scrolls && t.left >= 0 && t.right <= viewport);
    return wanted.filter(c => !shown.some(t => t.headers.some(h => h.startsWith(c))));
}"""


def columns_out_of_view(page, wanted: list[str], viewport: int) -> list[str]:
    """The wanted columns that no table shows whole: missing, in a table that scrolls sideways, or past the
    window's right edge. A header matches by its start ("Resolution" matches "Resolution p90"). Grids draw
    after the script run ends, so this waits (up to 15 s) for the columns to come into view before judging."""
    if not wanted:
        return []
    check = f"() => ({OUT_OF_VIEW_JS})([({TABLES_JS})(), {wanted!r}, {viewport}]).length === 0"
    try:
        page.wait_for_function(check, timeout=15_000)
        return []
    except PlaywrightTimeout:
        return page.evaluate(f"() => ({OUT_OF_VIEW_JS})([({TABLES_JS})(), {wanted!r}, {viewport}])")


def texts_out_of_view(page, texts: list[str], viewport: int) -> list[str]:
    out = []
    for text in texts:
        target = page.get_by_test_id("stMain").get_by_text(text, exact=False).first
        target.scroll_into_view_if_needed()
        box = target.bounding_box()
        if box is None or box["x"] < 0 or box["x"] + box["width"] > viewport:
            out.append(text)
    return out


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
    laid_out: list[str] = []
    for path, title in PAGES.items():
        page.goto(f"{demo_server.url}/{path}")
        wait_idle(page)
        heading = page.get_by_test_id("stMain").locator("h1").first
        expect(heading).to_be_visible()
        if title:
            expect(heading).to_have_text(title)
        expect(page.get_by_test_id("stException")).to_have_count(0)
        expect(page.get_by_role("button", name="Deploy")).to_have_count(0)
        # Friction's two key columns are checked in their own test below.
        missing = [] if path == "friction" else columns_out_of_view(page, KEY_COLUMNS.get(path, []), width)
        missing += texts_out_of_view(page, KEY_TEXTS.get(path, []), width)
        cut = [] if path in LAYOUT_CHECKED_ELSEWHERE else page.evaluate(CUT_BUTTONS_JS)
        page.get_by_test_id("stMain").locator("h1").first.scroll_into_view_if_needed()
        shot(page, f"page-{path or 'overview'}-{width}")
        assert errors == [], f"/{path}: " + "\n".join(errors)
        laid_out += [f"/{path}: not in view without scrolling: {missing}"] * bool(missing)
        laid_out += [f"/{path}: button labels cut: {cut}"] * bool(cut)
    assert laid_out == [], "\n".join(laid_out)


@pytest.mark.parametrize("width", list(WIDTHS))
def test_friction_shows_main_driver_and_resolution(demo_server, page_factory, width):
    page = page_factory(width, WIDTHS[width])
    page.goto(demo_server.url)
    wait_idle(page)
    page.goto(f"{demo_server.url}/friction")
    wait_idle(page)
    missing = columns_out_of_view(page, KEY_COLUMNS["friction"], width)
    assert missing == [], f"not in view without scrolling: {missing}; tables: {page.evaluate(TABLES_JS)}"
