"""A support manager prioritises in a real browser: write a friction finding up as a pain point, see it
ranked on Priorities, estimate its effort, watch its rank move, and export the ranking as CSV."""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from journeys.demo import DEMO_JOURNEY
from journeys.painpoints import PainPoints
from journeys.store import Store
from tests.browser.conftest import choose, download, shot, wait_idle, watch_errors

pytestmark = pytest.mark.browser
JOURNEY = quote(DEMO_JOURNEY)



def _rank_value(page):
    return page.get_by_test_id("stMetric").filter(has_text="Rank").get_by_test_id("stMetricValue")


def _rank(page) -> int:
    """The rank shown in the open pain point's header ("#3")."""
    return int(_rank_value(page).inner_text().strip().lstrip("#"))


def test_write_up_rank_estimate_and_export(demo_server, page_factory):
    page = page_factory(1500, 1400)
    errors = watch_errors(page)  # console and page errors, requests off the machine
    page.goto(f"{demo_server.url}/friction?journey={JOURNEY}")
    wait_idle(page)
    box = page.get_by_placeholder("e.g. Sam from Support")
    box.fill("Maya")
    box.press("Enter")
    wait_idle(page)
    with Store.for_folder(demo_server.home) as store:
        before = {p.key for p in PainPoints(store).list("demo")}

    # 1. Friction: the planted repeat contacts on "Resets password", written up in one click.
    choose(page, "Step", "Resets password")
    expect(page.get_by_role("heading", name="Up close: Resets password")).to_be_visible()
    wait_idle(page)  # the step's rerun is over: no stale "Metric" box beside the new one
    choose(page, "Metric", "Repeat contacts")
    expect(page.get_by_label("Metric", exact=True)).to_have_value("Repeat contacts")
    button = page.get_by_role("button", name="Write up as a pain point")
    expect(button).to_have_count(1)  # the rerun's stale copy is gone
    button.hover()  # scrolls it into view (and waits out a redraw)
    shot(page, "priorities-0-friction-button")
    button.click()
    link = page.get_by_role("link", name=re.compile(r"^Written up as PP-\d+: open it on Priorities"))
    expect(link).to_be_visible()
    wait_idle(page)
    with Store.for_folder(demo_server.home) as store:
        (stored,) = [p for p in PainPoints(store).list("demo") if p.key not in before]
    key = stored.key
    assert (stored.pain.steps, stored.pain.metric, stored.updated_by) == (["reset-password"], "repeat_contact_rate",
                                                                          "Maya")
    expect(link).to_have_text(re.compile(rf"Written up as {key}:"))
    link.scroll_into_view_if_needed()
    shot(page, "priorities-1-friction-write-up")

    # 2. Priorities: the link opens it, ranked, with its evidence then and now.
    link.click()
    wait_idle(page)
    expect(page).to_have_url(re.compile(rf"/priorities\?painpoint={key}$"))
    expect(page.get_by_role("heading", name=re.compile(rf"^{key} · Resets password: repeat contacts"))).to_be_visible()
    expect(page.get_by_text("Evidence: then and now")).to_be_visible()
    expect(page.get_by_test_id("stException")).to_have_count(0)
    ranked_at = _rank(page)
    shot(page, "priorities-2-ranked")

    # 3. The team estimates a large effort: the score divides by it and the pain point drops.
    editor = page.get_by_test_id("stForm").filter(has=page.get_by_role("button", name="Save changes"))
    effort = editor.get_by_role("spinbutton", name="Effort (person-weeks)")
    effort.fill("400")
    effort.press("Tab")
    wait_idle(page)  # the value is sent on blur: a click while that run redraws the form can be swallowed
    editor.get_by_role("button", name="Save changes").click()
    # The page confirms the save first: right after a click the run may not have started, so an idle page
    # proves nothing (a database read there found version 1 in a loaded CI run).
    expect(page.get_by_text("version 2 saved by Maya", exact=False).first).to_be_visible()
    wait_idle(page)
    with Store.for_folder(demo_server.home) as store:
        saved = PainPoints(store).load("demo", key)
    assert saved.version == 2 and saved.pain.effort == 400
    expect(_rank_value(page)).not_to_have_text(f"#{ranked_at}")  # the rerun redraws the header after the caption
    moved_to = _rank(page)
    assert moved_to > ranked_at
    shot(page, "priorities-3-effort-moved")

    # 4. Export: the CSV holds the ranking in rank order, with the new rank.
    exported = download(page, page.get_by_role("button", name=re.compile(r"^CSV \(\d+\)$")))
    text = exported.path().read_text(encoding="utf-8")
    assert exported.suggested_filename == "priorities-demo.csv"
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [int(r["rank"]) for r in rows] == list(range(1, len(rows) + 1))
    mine = next(r for r in rows if r["key"] == key)
    assert int(mine["rank"]) == moved_to and float(mine["effort"]) == 400 and mine["effort_estimated"] == "True"

    # 5. On another pain point, a click on this one's point in the value × effort chart opens it again.
    other = rows[0]["key"] if rows[0]["key"] != key else rows[1]["key"]
    page.goto(f"{demo_server.url}/priorities?painpoint={other}")
    wait_idle(page)
    expect(page.get_by_role("heading", name=re.compile(rf"^{other} · "))).to_be_visible()
    chart = page.get_by_test_id("stVegaLiteChart").first
    mine_point = chart.locator(f'path[aria-roledescription="circle"][aria-label*="Key: {key};"]')
    mine_point.scroll_into_view_if_needed()
    mine_point.click()
    wait_idle(page)
    expect(page.get_by_role("heading", name=re.compile(rf"^{key} · "))).to_be_visible()
    expect(page).to_have_url(re.compile(rf"painpoint={key}$"))
    page.mouse.move(0, 0)  # no tooltip over the chart in the picture
    page.set_viewport_size({"width": 1500, "height": 3400})
    page.get_by_role("heading", name="Priorities").scroll_into_view_if_needed()
    wait_idle(page)
    shot(page, "priorities-4-page")
    assert errors == [], errors
