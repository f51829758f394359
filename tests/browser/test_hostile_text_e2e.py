"""Hostile text in every place a person or an export can put it, on every page, in a real browser.

One payload — a remote image, a phishing link, an HTML image with an ``onerror`` script and a
Streamlit colour directive — is planted through the core as the author name, a journey name, a step
label, a workshop note, a dataset name, ticket subjects and a segment value, a pain point's title,
owner and quote, an experiment's title and hypothesis and a close-the-loop entry. Every page is then
opened in Chromium. A local HTTP server records each request it gets: the image URL points at it, so
any request means some page rendered the payload as Markdown or HTML.
"""

from __future__ import annotations

import http.server
import re
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import ClassVar
from urllib.parse import quote

import pandas as pd
import pytest
from playwright.sync_api import expect

from journeys.demo import DEMO_JOURNEY
from journeys.demo.loader import load_demo
from journeys.demo.ticket_export import write_zendesk_csv
from journeys.editing import add_note, update_step
from journeys.experiments import Audience, LoopEntry
from journeys.experiments.repository import Experiments
from journeys.painpoints import PainPoints
from journeys.store import Store
from journeys.store.tickets import TicketStore
from journeys.tickets.workflow import import_dataset, prepare_mappings
from tests.browser.conftest import Server, shot, start_server, stop_server, wait_idle, watch_errors
from ui.frame import AUTHOR_COOKIE

pytestmark = pytest.mark.browser
WORKSPACE = "demo"
# (page, whether the payload is words in the page itself). Elsewhere it is in tables (a canvas), pickers or the
# sidebar only: History lists revisions, Import shows datasets in a table, Compare opens the demo pair,
# Discover shows event logs.
PAGES = [("/", True), ("/map?journey={j}&step={s}", True), ("/compare", False), ("/history?journey={j}", False),
         ("/friction?journey={j}", True), ("/import_tickets", False), ("/rules?journey={j}", True),
         ("/discover", False), ("/priorities?painpoint={pp}", True), ("/experiments?experiment={ex}", True),
         ("/review?experiment={ex}", True)]


class Recorder(http.server.BaseHTTPRequestHandler):
    """Answers everything with 404 and remembers the path: any hit is a leak."""

    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.hits.append(self.path)
        self.send_response(404)
        self.end_headers()

    do_POST = do_HEAD = do_GET

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def recorder() -> Iterator[http.server.HTTPServer]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def payload(port: int) -> str:
    return (f"![x](http://127.0.0.1:{port}/x.png) [phish](https://evil.example) <img src=x onerror=alert(1)> "
            ":red[boom]")


def _plant(home: Path, text: str) -> dict[str, str]:
    """The demo workspace with ``text`` planted in every kind of record; returns what the URLs need."""
    with Store.for_folder(home) as store:
        load_demo(store, WORKSPACE, home=home, tickets=4_000)
        base = store.load(WORKSPACE, DEMO_JOURNEY).journey
        step = base.steps[1].id
        hostile = update_step(base.model_copy(update={"name": text}), step, label=text)
        hostile = add_note(hostile, step, "pain", text, text)
        store.create(WORKSPACE, hostile, text, text)
        rules = TicketStore(store)
        rules.save_rules(WORKSPACE, text, list(rules.load_rules(WORKSPACE, DEMO_JOURNEY).rules), text, text)

        tickets = pd.read_csv(write_zendesk_csv(home / "imports" / "hostile.csv", n=600, seed=3),
                              encoding="utf-8-sig")
        tickets.loc[::3, "Subject"] = text
        tickets["Segment"] = [text if i % 2 else "plain" for i in range(len(tickets))]
        source = home / "imports" / "hostile-export.csv"
        tickets.to_csv(source, index=False, encoding="utf-8")
        version, _ = import_dataset(store, home, WORKSPACE, text, source, text)
        prepare_mappings(store, home, WORKSPACE, version)

        pains = PainPoints(store)
        pain = next(p for p in pains.list(WORKSPACE) if p.pain.journey == DEMO_JOURNEY)
        pains.save(WORKSPACE, pain.key, pain.pain.model_copy(update={"title": text, "owner": text,
                                                                      "quotes": [text]}),
                   text, expected_version=pain.version, message=text)
        experiments = Experiments(store)
        ex = experiments.list(WORKSPACE)[0]
        saved = experiments.save(WORKSPACE, ex.key, ex.experiment.model_copy(update={"title": text,
                                                                                     "hypothesis": text}),
                                 text, expected_version=ex.version, message=text)
        experiments.log(WORKSPACE, ex.key, LoopEntry(audience=Audience.segment, segment=text, channel=text[:100],
                                                     message=text, on=date.today(), by=text),
                        text, expected_version=saved)
    return {"j": quote(text), "s": quote(step), "pp": pain.key, "ex": ex.key}


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory, recorder) -> Iterator[tuple[Server, dict[str, str], str]]:
    home = tmp_path_factory.mktemp("hostile") / "workspace"
    text = payload(recorder.server_address[1])
    links = _plant(home, text)
    running = start_server(home)
    yield running, links, text
    stop_server(running)


def test_planted_markup_is_shown_as_text_on_every_page(hostile_server, page_factory, recorder):
    server, links, text = hostile_server
    page = page_factory()
    page.context.add_cookies([{"name": AUTHOR_COOKIE, "value": quote(text, safe=""), "url": server.url}])
    dialogs: list[str] = []
    problems = watch_errors(page)
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    evil = page.locator('a[href*="evil.example"]')
    seen = []
    for path, visible in PAGES:
        url = server.url + path.format(**links)
        page.goto(url)
        wait_idle(page)
        expect(page.get_by_test_id("stApp")).to_be_visible()
        name = re.sub(r"\W+", "-", path.split("?")[0]).strip("-") or "overview"
        assert evil.count() == 0, f"a link to evil.example on {path}"
        assert not page.locator('img[src="x"], img[src*="x.png"]').count(), f"an image from the payload on {path}"
        assert not page.get_by_test_id("stException").count(), f"an exception on {path}"
        # as visible words in the page itself (not only in the sidebar's "Working as", not a hidden table cell)
        as_text = page.get_by_test_id("stMain").get_by_text(":red[boom]").filter(visible=True)
        if visible:
            expect(as_text.first).to_be_visible()
        seen.append((path, len(recorder.RequestHandlerClass.hits), evil.count(), len(dialogs), as_text.count()))
        shot(page, f"hostile-{name}")
    print("\n".join(f"{p}: {hits} requests, {links} links, {d} dialogs, payload shown as text {n}x"
                    for p, hits, links, d, n in seen))
    assert recorder.RequestHandlerClass.hits == [], recorder.RequestHandlerClass.hits
    assert dialogs == []
    assert problems == [], problems
    assert "Working as" in page.get_by_test_id("stSidebar").inner_text()
