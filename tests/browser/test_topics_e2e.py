"""A manager with an export whose tags say nothing finds what the tickets are about, by meaning, in a real
browser: discover topics, rename one, turn two into mapping rules, and see those steps' numbers on Friction."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import quote

import pandas as pd
import pytest
from playwright.sync_api import expect

from journeys.demo import DEMO_JOURNEY
from journeys.demo.loader import load_demo
from journeys.demo.ticket_export import write_zendesk_csv
from journeys.store import Store
from journeys.store.tickets import TicketStore
from journeys.tickets.workflow import import_dataset
from journeys.topics.storage import Topics
from tests.browser.conftest import Server, choose, shot, sign_in, start_server, stop_server, wait_idle, watch_errors

pytestmark = pytest.mark.browser
JOURNEY = quote(DEMO_JOURNEY)
DATASET = "Untagged export"


@pytest.fixture
def untagged(tmp_path) -> Iterator[Server]:
    """The demo journeys, no rules, and one imported export whose Tags column is empty."""
    home = tmp_path / "workspace"
    source = write_zendesk_csv(tmp_path / "export.csv", n=3_000, seed=11)
    frame = pd.read_csv(source, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    frame["Tags"] = ""
    frame.to_csv(source, index=False, encoding="utf-8-sig")
    with Store.for_folder(home) as store:
        load_demo(store, "demo")
        import_dataset(store, home, "demo", DATASET, source, "fixture")
    running = start_server(home)
    yield running
    stop_server(running)


def _topic(home, word: str) -> tuple[str, str]:
    """The id and label of the biggest topic whose words include ``word`` (as discovery named it)."""
    with Store.for_folder(home) as store:
        topics = Topics(store).load("demo", DATASET).topics.topics
    found = [t for t in topics if any(word in w for w in t.words)]
    assert found, [t.words for t in topics]
    return found[0].id, found[0].label


def _open_topic(page, topic_id: str, label: str) -> None:
    """Pick a topic and wait for its close-up (the heading is drawn by the new run; then the run ends)."""
    choose(page, "Topic", f"{topic_id} · {label}")
    expect(page.get_by_role("heading", name=f"{topic_id} · {label}")).to_be_visible()
    wait_idle(page)


def _map_topic(page, topic_id: str, label: str) -> str:
    """Open a topic up close and add its rule to the step suggested first; returns that step's label."""
    _open_topic(page, topic_id, label)
    choose(page, "Journey", DEMO_JOURNEY)
    button = page.get_by_role("button", name="Add a rule: topic → step")
    first = page.get_by_test_id("stHorizontalBlock").filter(has=button).first
    step = re.match(r"(.+?) · score", first.inner_text().strip())  # "1." is drawn as a list number
    assert step, first.inner_text()
    first.get_by_role("button", name="Add a rule: topic → step").click()
    expect(page.get_by_test_id("stToast").filter(has_text=f"topic {topic_id}")).to_be_visible()
    wait_idle(page)
    return step.group(1)


def test_topics_to_rules_to_friction(untagged, page_factory):
    page = page_factory(1440, 1200)
    errors = watch_errors(page)
    page.goto(f"{untagged.url}/topics")
    wait_idle(page)
    sign_in(page, "Maya")

    # 1. No topics yet: one button finds them.
    page.get_by_role("button", name="Discover topics").click()
    expect(page.get_by_role("heading", name="Topics by volume")).to_be_visible(timeout=60_000)
    wait_idle(page)
    shot(page, "topics-1-discovered")
    reset_id, reset_label = _topic(untagged.home, "password")

    # 2. Rename the password topic, as the team calls it.
    _open_topic(page, reset_id, reset_label)
    rename = page.get_by_test_id("stForm").filter(has=page.get_by_role("button", name="Rename"))
    rename.get_by_label("New name").fill("Password reset")
    rename.get_by_role("button", name="Rename").click()
    expect(page.get_by_role("heading", name=f"{reset_id} · Password reset")).to_be_visible()
    wait_idle(page)
    assert _topic(untagged.home, "password") == (reset_id, "Password reset")

    # 3. Two topics become rules on the journey: password reset, and charged twice.
    with Store.for_folder(untagged.home) as store:
        assert TicketStore(store).load_rules("demo", DEMO_JOURNEY).rules == []
    reset_step = _map_topic(page, reset_id, "Password reset")
    assert reset_step == "Resets password"  # the suggestion by meaning is the step it belongs to
    shot(page, "topics-2-rule-added")
    charged_id, charged_label = _topic(untagged.home, "charged")
    charged_step = _map_topic(page, charged_id, charged_label)
    with Store.for_folder(untagged.home) as store:
        rules = TicketStore(store).load_rules("demo", DEMO_JOURNEY).rules
        steps = {s.id: s.label for s in store.load("demo", DEMO_JOURNEY).journey.steps}
    assert [(r.field, r.value, steps[r.step]) for r in rules] == [
        ("topic", reset_id, "Resets password"), ("topic", charged_id, charged_step)]

    # 4. Friction: the two steps now have tickets (coloured, a value badge); the rest stay grey.
    page.goto(f"{untagged.url}/friction?journey={JOURNEY}")
    wait_idle(page)
    chart = page.get_by_test_id("stVegaLiteChart").first

    def node(label: str):
        return chart.locator(f'path[aria-roledescription^="rect"][aria-label="{label}"]').first

    grey = node("Logs in to the account").get_attribute("fill")
    mapped = {node(label).get_attribute("fill") for label in ("Resets password", charged_step)}
    assert grey and grey.lower() in {"#c7ccd3", "rgb(199, 204, 211)"}
    assert grey.lower() not in {c.lower() for c in mapped if c}
    expect(page.get_by_text(re.compile(r"tickets? on no step", re.I)).first).to_be_attached()
    shot(page, "topics-3-friction")
    expect(page.get_by_test_id("stException")).to_have_count(0)
    assert errors == [], errors
