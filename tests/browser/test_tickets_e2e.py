"""A support manager's first hour with their tickets, in a real browser: upload a Zendesk export,
accept the proposed mapping, write two rules, see friction on the map and the tickets behind a step."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from journeys.demo import DEMO_JOURNEY
from journeys.demo.loader import load_demo
from journeys.demo.ticket_export import write_zendesk_csv
from journeys.store import Store
from journeys.store.tickets import TicketStore
from journeys.tickets.datasets import Datasets
from tests.browser.conftest import Server, choose, shot, start_server, stop_server, wait_idle, watch_errors

pytestmark = pytest.mark.browser
JOURNEY = quote(DEMO_JOURNEY)


@pytest.fixture
def journeys_only(tmp_path) -> Iterator[Server]:
    """A workspace with the demo journeys but no tickets and no rules yet."""
    home = tmp_path / "workspace"
    with Store.for_folder(home) as store:
        load_demo(store, "demo")
    running = start_server(home)
    yield running
    stop_server(running)


def _add_rule(page, tag: str, step: str) -> None:
    choose(page, "Column", "tags")
    page.get_by_label("Value", exact=True).fill(tag)
    choose(page, "Step these tickets belong to", step)
    page.get_by_role("button", name="Add the rule").click()
    # Wait for the save itself: right after a click the app may not have started its run yet.
    expect(page.get_by_test_id("stToast").filter(has_text="Saved rules version").filter(has_text=tag)).to_be_visible(
        timeout=30_000)
    wait_idle(page)


def test_upload_map_rules_friction_and_tickets(journeys_only, page_factory, tmp_path):
    export = write_zendesk_csv(tmp_path / "zendesk-export.csv", n=4_000, seed=11)
    page = page_factory(1500, 1400)
    errors = watch_errors(page)  # console and page errors, requests off the machine
    page.goto(f"{journeys_only.url}/import_tickets")
    wait_idle(page)
    box = page.get_by_placeholder("e.g. Sam from Support")
    box.fill("Maya")
    box.press("Enter")
    wait_idle(page)

    # 1. Upload: the export is recognised and a mapping proposed.
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(export)
    wait_idle(page)
    expect(page.get_by_text("Zendesk", exact=True).first).to_be_visible()
    shot(page, "tickets-1-mapping")

    # 2. Accept the mapping as proposed and import.
    page.get_by_label("Name of the new dataset").fill("November export")
    page.get_by_role("button", name="Import", exact=True).click()
    wait_idle(page)
    expect(page.get_by_text(re.compile(r"Imported 4,000 tickets into November export"))).to_be_visible()
    with Store.for_folder(journeys_only.home) as store:
        assert Datasets(store, journeys_only.home).latest("demo", "November export").rows == 4_000

    # 3. Two rules on the Mapping rules page.
    page.goto(f"{journeys_only.url}/rules?journey={JOURNEY}")
    wait_idle(page)
    _add_rule(page, "password_reset", "Resets password")
    _add_rule(page, "bot_invoice_status", "Bot shows invoice status")
    with Store.for_folder(journeys_only.home) as store:
        rules = TicketStore(store).load_rules("demo", DEMO_JOURNEY)
    assert [(r.value, r.step) for r in rules.rules] == [("password_reset", "reset-password"),
                                                        ("bot_invoice_status", "bot-invoice-status")]
    shot(page, "tickets-2-rules")

    # 4. Friction on the map: the two mapped steps are coloured, the others stay grey.
    page.goto(f"{journeys_only.url}/friction?journey={JOURNEY}")
    wait_idle(page)
    chart = page.get_by_test_id("stVegaLiteChart").first

    def node(label: str):
        return chart.locator(f'path[aria-roledescription^="rect"][aria-label="{label}"]').first  # a board card

    grey = node("Logs in to the account").get_attribute("fill")
    coloured = {node(label).get_attribute("fill") for label in ("Resets password", "Bot shows invoice status")}
    assert grey and grey.lower() in {"#c7ccd3", "rgb(199, 204, 211)"}
    assert grey.lower() not in {c.lower() for c in coloured if c}
    expect(chart.get_by_text(re.compile(r"^−?\d\.\d\d$")).first).to_be_visible()  # a value badge
    shot(page, "tickets-3-friction")

    # 5. Click a step: its tickets below, as text.
    node("Bot shows invoice status").click()
    wait_idle(page)
    expect(page.get_by_role("heading", name="Up close: Bot shows invoice status")).to_be_visible()
    expect(page.get_by_text("Newest tickets on Bot shows invoice status")).to_be_visible()
    table = page.get_by_test_id("stDataFrame").last
    expect(table).to_be_visible()
    expect(page.get_by_test_id("stException")).to_have_count(0)
    shot(page, "tickets-4-step-tickets")
    assert errors == [], errors
