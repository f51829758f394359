"""The live workshop in a real browser: two people on one map see each other and each other's saves without a reload.

Ann and Bea open the same journey in two browser contexts. Ann sees Bea and the step she has open; Ann saves a
change to that step while Bea has half typed an edit in its inspector; within 3 s of Ann's save, Bea's page
shows Ann's version without a reload, her half-typed value is still in the form, and her save is then offered on
top of Ann's version (the stale-save flow), keeping both changes.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from journeys.demo import DEMO_JOURNEY
from journeys.settings import load_settings
from journeys.store import Store
from tests.browser.conftest import shot, sign_in, wait_idle, watch_errors

pytestmark = pytest.mark.browser
STEP, LABEL = "login", "Logs in to the account"
LIVE_SECONDS = 3.0  # the issue: others' saves appear within 3 s
# Records in the page, in ms since the epoch, when its text first holds ``shown`` (window.shownAt) and when a toast
# first holds ``toast`` (window.toastAt).
WATCH = """([shown, toast]) => {
    window.shownAt = null;
    window.toastAt = null;
    const toasts = () => [...document.querySelectorAll('[data-testid="stToast"]')];
    const look = () => {
        if (window.shownAt === null && document.body.textContent.includes(shown)) window.shownAt = Date.now();
        if (window.toastAt === null && toasts().some(t => t.textContent.includes(toast))) window.toastAt = Date.now();
    };
    new MutationObserver(look).observe(document.body, {childList: true, subtree: true, characterData: true});
}"""


def _stored(server):
    with Store(load_settings(home=server.home).database_url) as store:
        return store.load("demo", DEMO_JOURNEY)


def _open(page, server) -> None:
    page.goto(f"{server.url}/map?journey={quote(DEMO_JOURNEY)}&step={STEP}")
    wait_idle(page)


def _strip(page):
    return page.get_by_test_id("stMarkdown").filter(has_text="On this journey with you")


def test_bea_sees_anns_save_within_3_s_keeps_her_typing_and_saves_on_top(demo_server, page_factory):
    server = demo_server  # a private workspace: the step is renamed here
    ann, bea = page_factory(), page_factory()
    ann_errors, bea_errors = watch_errors(ann), watch_errors(bea)
    _open(ann, server)
    sign_in(ann, "Ann")
    _open(bea, server)
    sign_in(bea, "Bea")
    start = _stored(server).version

    # Presence: each sees the other, with the step the other has open.
    expect(_strip(ann)).to_contain_text("Bea")
    expect(_strip(ann)).to_contain_text(LABEL)
    expect(_strip(bea)).to_contain_text("Ann")

    # Bea half types an edit in the inspector and does not save it yet.
    owner = bea.get_by_label("Owner", exact=True)
    owner.fill("Bea's draft owner")

    # Ann renames the step and saves; Bea's page notes the moment the map's caption names Ann's version (a page
    # timing: a Playwright assertion re-checks only once a second after its first two, adding up to a second).
    bea.evaluate(WATCH, [f"version {start + 1} saved by Ann", f"Ann saved version {start + 1}"])
    ann.get_by_label("Label", exact=True).first.fill("Signs in to the account")
    ann.get_by_role("button", name="Save step").click()
    bea.wait_for_function("() => window.shownAt !== null", timeout=15_000)  # Ann's save may be slow under load
    shown_at = bea.evaluate("() => window.shownAt") / 1000
    saved_at = _stored(server).saved_at.timestamp()  # when Ann's save completed, by this machine's clock
    delay = shown_at - saved_at
    print(f"\nAnn's save shown on Bea's page {delay:.2f} s after it completed")
    assert 0 <= delay <= LIVE_SECONDS
    # Bea's page shows Ann's version without a reload, in the inspector's heading too, and a toast names her.
    expect(bea.get_by_text(f"version {start + 1} saved by Ann", exact=False)).to_be_visible()
    bea.wait_for_function("() => window.toastAt !== null")
    expect(bea.get_by_role("heading", name="Signs in to the account")).to_be_visible()
    expect(ann.get_by_text(re.compile(rf"Saved version {start + 1}: Edited step"))).to_be_visible()
    wait_idle(bea)

    # Bea's half-typed value survived the redraw; her form is still the one she was editing.
    expect(owner).to_have_value("Bea's draft owner")
    expect(bea.get_by_label("Label", exact=True).first).to_have_value(LABEL)
    expect(bea.get_by_text("Ann changed Signs in to the account since you opened it")).to_be_visible()  # and why
    shot(bea, "workshop-live-kept-typing")

    # Her save is refused as stale and offered on top of Ann's version; both changes are kept.
    bea.get_by_role("button", name="Save step").click()
    expect(bea.get_by_text(re.compile(rf"Not saved: Ann saved version {start + 1}"))).to_be_visible()
    assert _stored(server).journey.step(STEP).owner != "Bea's draft owner"
    bea.get_by_role("button", name="Apply my change on top of the newer version").click()
    expect(bea.get_by_text(re.compile(rf"Saved version {start + 2}"))).to_be_visible()
    wait_idle(bea)
    final = _stored(server)
    assert final.version == start + 2 and final.saved_by == "Bea"
    step = final.journey.step(STEP)
    assert (step.label, step.owner) == ("Signs in to the account", "Bea's draft owner")
    expect(bea.get_by_label("Label", exact=True).first).to_have_value("Signs in to the account")  # redrawn

    # Ann's page follows Bea's save the same way.
    expect(ann.get_by_text(f"version {start + 2} saved by Bea", exact=False)).to_be_visible(
        timeout=LIVE_SECONDS * 1000)
    shot(ann, "workshop-live-presence")
    assert ann_errors == [] and bea_errors == []
