"""Writes name their target, in a real browser: what the URL and the page show is what a save changes.

Once, after recording a decision on Review, the page switched itself to another experiment and the next
close-the-loop entry was saved on the wrong one; on Friction, switching dataset kept the previous dataset's
date range. Both were silent wrong results, so both are checked where people meet them: in Chromium.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from journeys.experiments import Experiments, Status
from journeys.store import Store
from tests.browser.conftest import Server, shot, wait_idle, watch_errors
from tests.pagetest import DEMO_TICKETS

pytestmark = pytest.mark.browser



def _experiments(server: Server) -> dict:
    with Store.for_folder(server.home) as store:
        return {s.key: s for s in Experiments(store).list("demo")}


def test_decide_ex1_then_tell_people_writes_both_on_ex1(demo_server, page_factory):
    before = _experiments(demo_server)
    assert before["EX-1"].experiment.status == Status.analysed and len(before) >= 2
    page = page_factory(1440, 1300)
    errors = watch_errors(page)
    page.goto(f"{demo_server.url}/review?experiment=EX-1")
    wait_idle(page)
    box = page.get_by_placeholder("e.g. Sam from Support")
    box.fill("Maya")
    box.press("Enter")
    wait_idle(page)
    heading = page.get_by_role("heading", name=re.compile(r"^EX-1 · "))
    expect(heading).to_be_visible()

    decision = page.get_by_test_id("stForm").filter(has=page.get_by_role("button", name="Record the decision"))
    # The form takes the name just given: proof that the rerun after the name has finished drawing,
    # so the reason typed next is not wiped by a form still being redrawn.
    expect(decision.get_by_label("Decided by")).to_have_value("Maya")
    why = decision.get_by_label("Why")
    why.fill("Reopens fell after the credit-note change; keep it.")
    expect(why).to_have_value("Reopens fell after the credit-note change; keep it.")
    decision.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_test_id("stToast").filter(has_text="Decided EX-1: adopt")).to_be_visible(timeout=30_000)
    wait_idle(page)
    # The page stays on what it showed: the URL, the picker and the heading all say EX-1.
    expect(page).to_have_url(re.compile(r"/review\?experiment=EX-1$"))
    expect(heading).to_be_visible()
    expect(page.get_by_role("combobox", name="Experiment")).to_have_value(re.compile(r"^EX-1 · "))

    log = page.get_by_test_id("stForm").filter(has=page.get_by_role("button", name="Log it"))
    log.get_by_label("Channel").fill("stand-up")
    log.get_by_label("Message").fill("The credit-note fix halved reopens; thanks, billing team.")
    log.get_by_role("button", name="Log it").click()
    expect(page.get_by_test_id("stToast").filter(has_text="Logged on EX-1")).to_be_visible(timeout=30_000)
    wait_idle(page)
    expect(page).to_have_url(re.compile(r"/review\?experiment=EX-1$"))
    expect(heading).to_be_visible()
    shot(page, "write-targets-review-ex1")

    after = _experiments(demo_server)
    assert after["EX-1"].experiment.status == Status.decided
    told = after["EX-1"].experiment.loop
    assert len(told) == len(before["EX-1"].experiment.loop) + 1 and (told[-1].channel, told[-1].by) == (
        "stand-up", "Maya")
    for key, stored in before.items():  # nothing else was written
        if key != "EX-1":
            assert after[key].version == stored.version, key
    assert errors == [], "\n".join(errors)


def test_switching_dataset_shows_all_of_the_other_datasets_tickets(demo_server, page_factory, tmp_path):
    from journeys.demo.ticket_export import generate
    from journeys.tickets.workflow import import_dataset

    page = page_factory(1440, 1100)
    errors = watch_errors(page)
    page.goto(f"{demo_server.url}/friction")
    wait_idle(page)
    tickets = page.get_by_test_id("stMetric").filter(has_text="Tickets").get_by_test_id("stMetricValue").first
    expect(tickets).to_have_text(f"{DEMO_TICKETS:,}")
    dates = page.get_by_test_id("stDateInput").filter(has_text="Created between").locator("input")
    first, last = dates.nth(0).input_value(), dates.nth(1).input_value()
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", first) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", last), (first, last)

    # A second dataset over the same first and last day (the widget looks the same to Streamlit).
    other = generate(300, 11)
    other.loc[0, "Created at"], other.loc[1, "Created at"] = f"{first} 09:00:00", f"{last} 09:00:00"
    end = (date.fromisoformat(last) + timedelta(days=1)).isoformat()
    other = other[(other["Created at"] >= first) & (other["Created at"] < end)]
    source = tmp_path / "other.csv"
    other.to_csv(source, index=False)
    with Store.for_folder(demo_server.home) as store:
        import_dataset(store, demo_server.home, "demo", "Other tickets", source, "Maya")

    # Narrow the demo's range to its last month, then switch dataset.
    start = (date.fromisoformat(last) - timedelta(days=30)).isoformat()
    # The date field is a row of segments (year, month, day); typing the digits fills them in turn.
    page.get_by_role("spinbutton", name="year, Created between start date").click()
    page.keyboard.type(start.replace("-", ""))
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Friction").click()  # leaving the field commits the range
    shot(page, "write-targets-friction-narrowing")
    wait_idle(page)
    expect(tickets).not_to_have_text(f"{DEMO_TICKETS:,}")
    narrowed = int(tickets.inner_text().replace(",", ""))
    assert 0 < narrowed < DEMO_TICKETS
    picker = page.get_by_test_id("stSelectbox").filter(has_text="Ticket dataset")
    picker.click()
    page.get_by_role("option", name="Other tickets").click()
    wait_idle(page)
    expect(tickets).to_have_text(f"{len(other):,}")
    expect(dates.nth(0)).to_have_value(first)
    expect(dates.nth(1)).to_have_value(last)
    shot(page, "write-targets-friction-switched")
    assert errors == [], "\n".join(errors)
