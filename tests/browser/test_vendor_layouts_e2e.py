"""A German-UI HubSpot tickets export, a Zoho Desk export, Freshdesk's SpreadsheetML ".xls" and a Spanish-UI
Jira Service Management export uploaded on the Import page with no mapping: the page names the help desk it
recognised and imports every row; a binary .xls is refused in words — at the two laptop sizes."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from journeys.tickets.export_files import OLE2_MAGIC
from tests.browser.conftest import shot, sign_in, wait_idle, watch_errors
from tests.tickets.samples import freshdesk, hubspot, jira, zoho_desk

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("width", "height"), [(1440, 900), (1280, 800)])
def test_translated_hubspot_and_zoho_exports_are_recognised(fresh_server, page_factory, tmp_path, width, height):
    page = page_factory(width, height)
    errors = watch_errors(page)
    page.goto(f"{fresh_server.url}/import_tickets")
    wait_idle(page)
    sign_in(page, "Noor")
    for name, path, write, title in [
        ("HubSpot DE", tmp_path / "hubspot_tickets_de.csv", lambda p: hubspot.write(p, lang="de", durations="hms"),
         "HubSpot"),
        ("Zoho", tmp_path / "zoho_desk_tickets.csv", zoho_desk.write, "Zoho Desk"),
        # Freshdesk's "Excel" download (SpreadsheetML named .xls) and a Spanish-UI Jira Service Management CSV
        ("Freshdesk xls", tmp_path / "freshdesk_tickets.xls", lambda p: freshdesk.write_xls(p, n=120, seed=3),
         "Freshdesk"),
        ("Jira ES", tmp_path / "jira_es.csv", lambda p: jira.write(p, n=90, seed=3, spanish=True),
         "Jira / Jira Service Management"),
    ]:
        rows = write(path)
        page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(path)
        wait_idle(page)
        name_box = page.get_by_label("Name of the new dataset")
        expect(name_box).to_be_visible()  # the preview has rendered
        expect(page.get_by_text(title, exact=True).first).to_be_visible()  # "Looks like": the help desk's name
        shot(page, f"import-{name.replace(' ', '-').lower()}-preview-{width}")
        name_box.fill(f"{name} tickets")
        page.get_by_role("button", name="Import", exact=True).click()
        done = page.get_by_text(re.compile(rf"Imported {len(rows):,} tickets into {name} tickets"))
        expect(done).to_be_visible()
        done.scroll_into_view_if_needed()
        shot(page, f"import-{name.replace(' ', '-').lower()}-done-{width}")
    # a binary Excel 97-2003 .xls is refused in words that say what to do
    binary = tmp_path / "old_workbook.xls"
    binary.write_bytes(OLE2_MAGIC + b"\x00" * 2048)
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(binary)
    wait_idle(page)
    expect(page.get_by_text("This is a binary Excel 97-2003 workbook (.xls)", exact=False).first).to_be_visible()
    expect(page.get_by_text("save it as CSV or .xlsx, then import that").first).to_be_attached()  # a grid cell
    shot(page, f"import-binary-xls-refused-{width}")
    assert errors == []
