"""A ServiceNow audit log (one row per save) uploaded on the Import page with no mapping: the page says it
collapsed the log to each incident's last state, with the counts, at the two laptop sizes."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from journeys.store import Store
from journeys.tickets.datasets import Datasets
from tests.browser.conftest import shot, sign_in, wait_idle, watch_errors
from tests.tickets.samples.audit_log import write_audit_log

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("width", "height"), [(1440, 900), (1280, 800)])
def test_audit_log_upload_states_the_collapse(fresh_server, page_factory, tmp_path, width, height):
    log = tmp_path / "incident_audit.csv"
    rows = write_audit_log(log, 300, seed=3, shuffle=True, duplicates=2)
    page = page_factory(width, height)
    errors = watch_errors(page)
    page.goto(f"{fresh_server.url}/import_tickets")
    wait_idle(page)
    sign_in(page, "Noor")
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(log)
    wait_idle(page)
    page.get_by_label("Name of the new dataset").fill("Incident audit")
    page.get_by_role("button", name="Import", exact=True).click()
    note = page.get_by_text(re.compile(rf"Collapsed {len(rows) - 302:,} update rows to the last state of 300 tickets"))
    expect(note).to_be_visible()
    expect(page.get_by_text("reopens and reassignments counted from the history", exact=False)).to_be_visible()
    with Store.for_folder(fresh_server.home) as store:
        [dataset] = Datasets(store, fresh_server.home).list("demo")
    assert dataset.rows == 300
    note.scroll_into_view_if_needed()
    shot(page, f"import-update-log-{width}")
    assert errors == []
