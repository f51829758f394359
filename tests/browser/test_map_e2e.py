"""The main journey-map flows in a real browser against a real server."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from journeys.demo import DEMO_JOURNEY, current_state_journey
from journeys.settings import load_settings
from journeys.store import Store
from tests.browser.conftest import download, shot, sign_in, wait_idle, watch_errors

pytestmark = pytest.mark.browser
MAP = f"/map?journey={quote(DEMO_JOURNEY)}"


def _store(server) -> Store:
    server.home.mkdir(parents=True, exist_ok=True)
    return Store(load_settings(home=server.home).database_url)


def _open(page, server, path: str) -> None:
    page.goto(server.url + path)
    wait_idle(page)
    expect(page.get_by_test_id("stSidebarNav")).to_be_visible()


def _node(page, label: str):
    """A step's card on the board (a rect mark whose ARIA label is the step's label)."""
    return page.get_by_test_id("stVegaLiteChart").first.locator(f'path[aria-roledescription^="rect"]'
                                                                 f'[aria-label="{label}"]')


def _emotion_slider(page):
    return page.locator('input[type="range"][aria-label="Emotion"]')


def _set_emotion(page, steps_right: int) -> None:
    slider = _emotion_slider(page)
    slider.focus()
    key = "ArrowRight" if steps_right > 0 else "ArrowLeft"
    for _ in range(abs(steps_right)):
        slider.press(key)


def test_fresh_server_deep_link_runs_the_frame(fresh_server, page_factory):
    page = page_factory()
    _open(page, fresh_server, MAP + "&step=login")
    nav = page.get_by_test_id("stSidebarNav")
    for title in ("Overview", "Journey map", "Compare", "History"):
        expect(nav.get_by_text(title, exact=True)).to_be_visible()
    expect(nav.get_by_text("streamlit app")).to_have_count(0)
    expect(page.get_by_role("heading", name="Journey map")).to_be_visible()
    expect(page.get_by_role("heading", name="Logs in to the account")).to_be_visible()
    expect(page.get_by_test_id("stSidebar").get_by_text("Workspace")).to_be_visible()
    expect(page.get_by_test_id("stException")).to_have_count(0)
    shot(page, "deep-link-fresh-server")


def test_click_node_edit_emotion_save_reload(server, page_factory):
    page = page_factory()
    _open(page, server, MAP)
    sign_in(page, "Ada")
    _node(page, "Searches the help centre").click()
    expect(page.get_by_role("heading", name="Searches the help centre")).to_be_visible()
    wait_idle(page)
    before = _store(server).load("demo", DEMO_JOURNEY)
    assert before.journey.step("search-help").emotion == -1
    _set_emotion(page, 3)  # −1 → +2
    page.get_by_role("button", name="Save step").click()
    expect(page.get_by_text(re.compile(r"Saved version \d+: Edited step 'Searches the help centre'"))).to_be_visible()
    wait_idle(page)
    after = _store(server).load("demo", DEMO_JOURNEY)
    assert after.version == before.version + 1
    assert after.journey.step("search-help").emotion == 2
    assert after.saved_by == "Ada"
    shot(page, "journey-map")
    page.reload()
    wait_idle(page)
    expect(page.get_by_role("heading", name="Searches the help centre")).to_be_visible()
    expect(_emotion_slider(page)).to_have_attribute("aria-valuetext",
                                                                                      re.compile(r"\+2"))


def test_name_is_asked_once_and_remembered_in_the_browser(server, page_factory):
    page = page_factory()
    _open(page, server, "/")
    sign_in(page, "Eve Remembered")
    second_tab = page.context.new_page()  # same browser, new session
    second_tab.goto(server.url + "/history")
    wait_idle(second_tab)
    expect(second_tab.get_by_text("Working as Eve Remembered")).to_be_visible()
    expect(second_tab.get_by_placeholder("e.g. Sam from Support")).to_have_count(0)


def test_second_save_from_stale_copy_is_refused_and_nothing_lost(server, page_factory):
    path = MAP + "&step=agent-reply"
    first, second = page_factory(), page_factory()
    _open(first, server, path)
    sign_in(first, "Bea")
    _open(second, server, path)
    sign_in(second, "Cy")
    start = _store(server).load("demo", DEMO_JOURNEY).version

    _set_emotion(first, -1)
    first.get_by_role("button", name="Save step").click()
    expect(first.get_by_text(re.compile(r"Saved version"))).to_be_visible()

    second.get_by_label("Owner", exact=True).fill("Tier 2 team")
    second.get_by_role("button", name="Save step").click()
    expect(second.get_by_text(re.compile(r"Not saved: Bea saved version"))).to_be_visible()
    shot(second, "stale-save-refused")
    stored = _store(server).load("demo", DEMO_JOURNEY)
    assert stored.version == start + 1 and stored.journey.step("agent-reply").owner != "Tier 2 team"

    second.get_by_role("button", name="Apply my change on top of the newer version").click()
    expect(second.get_by_text(re.compile(r"Saved version"))).to_be_visible()
    wait_idle(second)
    final = _store(server).load("demo", DEMO_JOURNEY)
    assert final.version == start + 2
    assert final.journey.step("agent-reply").owner == "Tier 2 team"  # Cy's edit
    assert final.journey.step("agent-reply").emotion == 0  # Bea's edit, kept


def test_export_png_downloads_a_real_png(server, page_factory, tmp_path):
    page = page_factory()
    _open(page, server, MAP)
    page.get_by_role("button", name="Export").click()
    button = page.get_by_role("button", name="Map as PNG")
    expect(button).to_be_enabled()  # the popover is open and drawn before the click
    # The PNG is rendered when clicked (3–4 s on this machine, more under load).
    png = download(page, button)
    target = tmp_path / png.suggested_filename
    png.save_as(target)
    assert target.suffix == ".png"
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert target.stat().st_size > 20_000


def test_broken_mermaid_import_lists_problems_and_saves_nothing(server, page_factory, tmp_path):
    broken = tmp_path / "broken.mmd"
    broken.write_text("journey\n  title Broken map\n  Orphan task: 3: customer\n  section Start\n"
                      "  Task: nine: customer\n  what is this line\n")
    page = page_factory()
    _open(page, server, MAP)
    before = [s.name for s in _store(server).list_journeys("demo")]
    sign_in(page, "Dee")
    page.get_by_role("button", name="New journey").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("tab", name="From a file").click()
    dialog.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(broken))
    expect(dialog.get_by_text("broken.mmd")).to_be_visible()
    dialog.get_by_role("button", name="Import", exact=True).click()
    alert = dialog.get_by_test_id("stAlertContentError")
    expect(alert).to_contain_text("was not imported, nothing was saved")
    expect(alert).to_contain_text("line 3")
    expect(alert).to_contain_text("line 5")
    expect(page.get_by_test_id("stException")).to_have_count(0)
    shot(page, "broken-import")
    assert [s.name for s in _store(server).list_journeys("demo")] == before


def _board_text(page) -> str:
    """Every text the board draws (Vega's SVG renderer puts each label line in a <text>/<tspan>)."""
    return page.get_by_test_id("stVegaLiteChart").first.locator("svg text").evaluate_all(
        "els => els.map(e => { const lines = e.querySelectorAll('tspan');"
        " return lines.length ? [...lines].map(t => t.textContent).join(' ') : e.textContent; }).join(' ')")


@pytest.mark.parametrize(("width", "height"), [(1440, 900), (1280, 800)])
def test_present_mode_shows_every_step_and_the_emotion_curve(server, page_factory, width, height):
    page = page_factory(width, height)
    errors = watch_errors(page)
    page.goto(server.url + MAP + "&present=1")
    wait_idle(page)
    chart = page.get_by_test_id("stVegaLiteChart").first
    expect(chart.locator("svg")).to_be_visible()
    expect(page.get_by_test_id("stSidebar")).to_be_hidden()
    for absent in ("Save step", "Derive future state", "Export", "New journey"):
        expect(page.get_by_role("button", name=absent)).to_have_count(0)
    words = " ".join(_board_text(page).split())
    for step in current_state_journey().steps:
        assert all(word in words for word in step.label.split()), step.label
        expect(_node(page, step.label)).to_have_count(1)
        box = _node(page, step.label).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, step.label  # on screen, not cut
    assert "Emotion 0" in words
    expect(chart.locator('path[aria-roledescription="point"], path[aria-roledescription="circle"], '
                         'path[aria-roledescription="symbol"]').first).to_be_attached()
    board = chart.bounding_box()
    assert board and board["width"] >= width - 80  # the board takes the page's width
    shot(page, f"map-present-{width}")
    page.get_by_text("Present").click()  # leave Present
    expect(page.get_by_role("heading", name="Journey map")).to_be_visible()
    wait_idle(page)
    assert errors == []


@pytest.mark.parametrize(("width", "height"), [(1440, 900), (1280, 800)])
def test_board_click_opens_the_inspector_and_labels_are_whole(server, page_factory, width, height):
    page = page_factory(width, height)
    errors = watch_errors(page)
    _open(page, server, MAP)
    for label in ("Derive future state", "Export", "New journey"):
        button = page.get_by_role("button", name=label)
        expect(button).to_be_visible()
        assert button.evaluate("b => [...b.querySelectorAll('*')].every(e => e.scrollWidth <= e.clientWidth + 1)"), \
            label  # the whole label shows, no ellipsis
    chart = page.get_by_test_id("stVegaLiteChart").first
    row = page.get_by_test_id("stHorizontalBlock").first  # the journey picker's row: the page's content width
    assert chart.bounding_box()["width"] >= 0.98 * row.bounding_box()["width"]
    _node(page, "Calls the support line").click()
    expect(page.get_by_role("heading", name="Calls the support line")).to_be_visible()
    wait_idle(page)
    # The remove buttons show their icon, not a bare chevron.
    remove = page.get_by_role("button", name=re.compile("close"))
    assert remove.count() >= 1
    page.get_by_role("button", name="Save step").scroll_into_view_if_needed()
    shot(page, f"map-inspector-{width}")
    assert errors == []


def test_connecting_steps_toasts_their_labels(server, page_factory):
    page = page_factory(1440, 900)
    _open(page, server, MAP + "&step=read-article")
    sign_in(page, "Ida")
    expect(page.get_by_role("heading", name="Reads the billing article")).to_be_visible()
    page.get_by_role("button", name="Add transition").click()
    expect(page.get_by_text(re.compile(r"Connected 'Reads the billing article' to '"))).to_be_visible()
    wait_idle(page)
