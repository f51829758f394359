"""The topics-to-map sections on the demo through AppTest: suggestions, one-click rules, stale saves, a proposal."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

import journeys
from journeys.demo import DEMO_JOURNEY
from journeys.tickets.rules import Rule
from tests.pagetest import open_page


def _topic_script() -> None:
    from journeys.usecases.topics import topics_of
    from ui.frame import ws
    from ui.topic_mapping_view import topic_to_step_section

    stored = topics_of(ws())
    topic_to_step_section(stored, stored.topics.topics[0].id)


def _skeleton_script() -> None:
    from journeys.usecases.topics import topics_of
    from ui.frame import ws
    from ui.topic_mapping_view import skeleton_section

    skeleton_section(topics_of(ws()))


def run(script) -> AppTest:
    at = AppTest.from_function(script, default_timeout=90)
    at.session_state["author"] = "Tester"
    at.session_state["topic_map_journey"] = DEMO_JOURNEY
    at.run()
    assert not at.exception, at.exception
    return at


def test_suggested_steps_and_a_one_click_topic_rule(home: Path):
    at = run(_topic_script)
    with journeys.open_workspace(home) as ws:
        topic = ws.topics.get(ws.datasets.list()[0].name).topics.topics[0].id
        before = ws.rules.load(DEMO_JOURNEY)
    buttons = [b for b in at.button if b.key.startswith(f"topic_rule_{topic}_")]
    assert len(buttons) == 3 and "by meaning" in at.markdown[1].value
    step = buttons[0].key.removeprefix(f"topic_rule_{topic}_")
    buttons[0].click().run()
    assert not at.exception and "Added rule" in at.toast[0].value
    with journeys.open_workspace(home) as ws:
        after = ws.rules.load(DEMO_JOURNEY)
    assert after.version == before.version + 1
    assert after.rules == [*before.rules, Rule(step=step, field="topic", op="equals", value=topic)]


def test_a_stale_click_is_refused_and_said(home: Path):
    at = run(_topic_script)
    with journeys.open_workspace(home) as ws:
        seen = ws.rules.load(DEMO_JOURNEY)
        ws.rules.save(DEMO_JOURNEY, seen.rules[:-1], "Colleague", message="by hand", expected_version=seen.version)
    next(b for b in at.button if b.key.startswith("topic_rule_")).click().run()
    assert "Not saved: Colleague saved a change in the meantime" in at.error[0].value
    with journeys.open_workspace(home) as ws:
        assert ws.rules.load(DEMO_JOURNEY).version == seen.version + 1  # only the colleague's save


def test_a_new_step_from_a_topic_with_its_rule(home: Path):
    at = run(_topic_script)
    with journeys.open_workspace(home) as ws:
        topic = ws.topics.get(ws.datasets.list()[0].name).topics.topics[0]
        steps = ws.journeys.get(DEMO_JOURNEY).step_ids()
    at.selectbox(key="topic_map_stage").set_value("Resolve")
    at.button(key=f"topic_new_step_{topic.id}").click().run()
    assert not at.exception and not at.error
    with journeys.open_workspace(home) as ws:
        journey = ws.journeys.get(DEMO_JOURNEY)
        new = journey.steps[-1]
        assert journey.step_ids()[:-1] == steps and new.stage == "Resolve"
        assert ws.rules.load(DEMO_JOURNEY).rules[-1] == Rule(step=new.id, field="topic", op="equals", value=topic.id)


def test_the_proposal_is_created_as_a_journey_with_topic_rules(home: Path):
    at = run(_skeleton_script)
    with journeys.open_workspace(home) as ws:
        topics = ws.topics.get(ws.datasets.list()[0].name).topics
    shown = at.dataframe[0].value if at.dataframe else None
    assert shown is None or len(shown) == len(topics.topics)
    at.text_input(key="skeleton_name").input("From the tickets").run()
    at.button(key="skeleton_create").click().run()
    assert not at.exception and "Created journey" in at.toast[0].value
    with journeys.open_workspace(home) as ws:
        journey = ws.journeys.get("From the tickets")
        rules = ws.rules.load("From the tickets").rules
        friction = ws.friction("From the tickets")
    assert len(journey.steps) == len(topics.topics) == len(rules)
    assert sorted(r.value for r in rules) == sorted(topics.ids())
    assert int(friction["volume"].sum()) == topics.tickets - topics.unassigned  # every topic's tickets on a step


def test_the_rules_page_shows_the_topics_of_tickets_on_no_step(home: Path):
    with journeys.open_workspace(home) as ws:
        seen = ws.rules.load(DEMO_JOURNEY)
        ws.rules.save(DEMO_JOURNEY, seen.rules[:-3], "Colleague", message="by hand", expected_version=seen.version)
    at = open_page("rules", timeout=90, journey=DEMO_JOURNEY)
    assert any("Their topics" in m.value for m in at.markdown)
    topic_buttons = [b for b in at.button if b.key.startswith("unmapped_topic_map_")]
    assert topic_buttons and all(b.disabled for b in topic_buttons)
    topic = topic_buttons[0].key.removeprefix("unmapped_topic_map_")
    at.selectbox(key=f"unmapped_topic_step_{topic}").set_value("triage").run()
    at.button(key=f"unmapped_topic_map_{topic}").click().run()
    assert not at.exception
    with journeys.open_workspace(home) as ws:
        assert ws.rules.load(DEMO_JOURNEY).rules[-1] == Rule(step="triage", field="topic", op="equals", value=topic)
    with journeys.open_workspace(home) as ws:
        label = ws.topics.get(ws.datasets.list()[0].name).topics.topic(topic).label
    assert at.dataframe[0].value["Rule"].iloc[-1] == f'topic is "{topic}" ({label})'
    assert "Added rule" in at.toast[0].value
