"""Topic rules ("tickets in topic T → step S") through the ordinary rule engine, checked against pandas by hand."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

import journeys
from journeys.demo import DEMO_JOURNEY
from journeys.tickets.rules import Rule, RuleSet, validate_rules
from journeys.usecases import measure, topic_mapping
from journeys.usecases.topic_curation import move_tickets
from journeys.usecases.topics import assignments, topics_of


@pytest.fixture
def ws(demo_template: Path, tmp_path: Path):
    home = tmp_path / "demo"
    shutil.copytree(demo_template, home)
    with journeys.open_workspace(home) as opened:
        yield opened


def by_hand(tickets: pd.DataFrame, topic_of: pd.Series, rules: list[Rule], steps: list[str]) -> pd.Series:
    """Each ticket's step: its own journey_step when it names a step, else the first matching rule's (tags or topic
    equals, case-insensitive, spaces ignored)."""
    def matches(rule: Rule, row: pd.Series) -> bool:
        want = str(rule.value).strip().lower()
        if rule.field == "topic":
            return isinstance(row["topic"], str) and row["topic"].strip().lower() == want
        assert rule.field == "tags" and rule.op == "equals"
        return any(str(t).strip().lower() == want for t in (row["tags"] if row["tags"] is not None else []))

    frame = tickets.assign(topic=tickets["ticket_id"].map(topic_of))
    explicit = {s.lower(): s for s in steps}
    out = []
    for _, row in frame.iterrows():
        own = row.get("journey_step")
        if isinstance(own, str) and own.strip().lower() in explicit:
            out.append(explicit[own.strip().lower()])
            continue
        out.append(next((r.step for r in rules if matches(r, row)), None))
    return pd.Series(out, index=frame["ticket_id"])


def volumes(ws, dataset) -> dict[str, int]:
    found = measure.friction(ws, DEMO_JOURNEY, dataset)
    return dict(zip(found.by_step["journey_step"], found.by_step["n"].astype(int), strict=True))


def test_friction_with_a_topic_rule_equals_a_hand_computation_and_moves_with_a_curation(ws):
    dataset = ws.datasets.list()[0]
    stored = topics_of(ws, dataset.name)
    assert stored.topics.dataset_version == dataset.version
    journey = ws.journeys.get(DEMO_JOURNEY)
    topic = stored.topics.topics[2].id  # a mid-sized topic; rule 2 of the order, so rule 1 keeps its tickets
    step = "considers-cancelling"
    before = volumes(ws, dataset)
    seen = ws.rules.load(DEMO_JOURNEY)
    topic_mapping.add_topic_rule(ws, DEMO_JOURNEY, topic, step, author="T", expected_version=seen.version,
                                 dataset=dataset.name, position=1)
    rules = ws.rules.load(DEMO_JOURNEY).rules
    assert rules[1] == Rule(step=step, field="topic", op="equals", value=topic) and rules[0] == seen.rules[0]
    columns = [c for c in ("ticket_id", "tags", "journey_step") if c in pq.read_schema(dataset.path).names]
    tickets = pq.read_table(dataset.path, columns=columns).to_pandas()
    topic_of = assignments(ws, stored).set_index("ticket_id")["topic"]
    expected = by_hand(tickets, topic_of, rules, journey.step_ids()).value_counts().to_dict()
    after = volumes(ws, dataset)
    assert after == expected
    assert after[step] > before.get(step, 0)  # the topic rule moved tickets

    # a curation: half of the topic's tickets go to another topic → a new assignment file → new numbers
    members = topic_of[topic_of == topic].index.tolist()
    other = stored.topics.topics[0].id
    moved = move_tickets(ws, dataset.name, members[::2], other, author="T", expected_version=stored.version)
    topic_after = assignments(ws, moved).set_index("ticket_id")["topic"]
    expected = by_hand(tickets, topic_after, rules, journey.step_ids()).value_counts().to_dict()
    curated = volumes(ws, dataset)
    assert curated == expected and curated[step] < after[step]


def test_a_topic_rule_without_current_topics_is_skipped_with_words(ws):
    dataset = ws.datasets.list()[0]
    journey = ws.journeys.get(DEMO_JOURNEY)
    rule = Rule(step=journey.step_ids()[0], field="topic", op="equals", value="T4")
    problems = validate_rules([rule], journey, pq.read_schema(dataset.path).names)
    assert [p.reason for p in problems] == [
        "topic T4: this dataset has no topics yet — discover them on the Topics page"]
    mapped = ws.engine.mapped(dataset, RuleSet(DEMO_JOURNEY, [rule], 1), journey)  # no topics given
    assert any("no topics yet" in w for w in mapped.warnings)
    with_topics = ws.engine.mapped(dataset, RuleSet(DEMO_JOURNEY, [rule], 1), journey,
                                   measure.current_topics(ws, dataset))
    assert with_topics.warnings == () and "topic" in with_topics.table.columns


def test_describe_shows_the_topic_label_when_given():
    rule = Rule(step="s", field="topic", op="equals", value="T4")
    assert rule.describe() == "topic equals T4"
    assert rule.describe({"T4": "Refunds"}) == "topic equals T4 (Refunds)"


def test_the_topics_of_tickets_on_no_step_and_the_cli_trial_of_a_topic_rule(ws):
    from tests.cli.runner import run

    dataset = ws.datasets.list()[0]
    seen = ws.rules.load(DEMO_JOURNEY)
    kept = seen.rules[:-3]
    ws.rules.save(DEMO_JOURNEY, kept, "T", message="fewer rules", expected_version=seen.version)
    stored = topics_of(ws, dataset.name)
    columns = [c for c in ("ticket_id", "tags", "journey_step") if c in pq.read_schema(dataset.path).names]
    tickets = pq.read_table(dataset.path, columns=columns).to_pandas()
    topic_of = assignments(ws, stored).set_index("ticket_id")["topic"]
    steps = by_hand(tickets, topic_of, kept, ws.journeys.get(DEMO_JOURNEY).step_ids())
    nowhere = topic_of.reindex(steps[steps.isna()].index)
    expected = nowhere.value_counts()
    found = topic_mapping.unmapped_topics(ws, DEMO_JOURNEY, dataset.name)
    assert found.set_index("topic")["tickets"].to_dict() == expected.to_dict()
    assert found["share"].sum() == pytest.approx(1.0) and found["tickets"].is_monotonic_decreasing
    assert set(found["label"]) == {stored.topics.topic(t).label for t in expected.index}

    topic = str(expected.index[0])
    trial = json.loads(run(Path(ws.settings.home), "tickets", "rules", "test", DEMO_JOURNEY, "--dataset",
                           dataset.name, "--step", "triage", "--field", "topic", "--value", topic, "--format", "json",
                           check_ok=True).stdout)
    assert trial["rules"][-1]["placed"] == int(expected.iloc[0])
