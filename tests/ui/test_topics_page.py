"""The Topics page through AppTest: empty state → discover → the table; curation saves, a stale save is refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import journeys
from journeys.usecases.topic_curation import rename_topic
from journeys.usecases.topic_figures import topic_table
from tests.pagetest import open_page, use_home
from tests.topics.themes import commit, planted

FRESH = "Fresh export"


def _topics(home: Path, dataset: str):
    with journeys.open_workspace(home) as ws:
        return ws.topics.get(dataset)


def _table(at: AppTest):
    """The topic table as drawn (the one with a Label and a Trend column)."""
    found = [d.value for d in at.dataframe if {"Label", "Trend"} <= set(d.value.columns)]
    assert len(found) == 1
    return found[0]


def test_empty_state_then_discover_shows_the_topics(home):
    commit(home, FRESH, planted(1_500, seed=4)[0])  # the newest import: picked first, and without topics
    at = open_page("topics")
    assert at.selectbox(key="topics_dataset").value == FRESH
    assert any("has no topics yet" in i.value for i in at.info)
    assert not at.dataframe
    at.button(key=f"topics_discover_{FRESH}").click().run()
    assert not at.exception, at.exception
    stored = _topics(home, FRESH)
    assert stored is not None and stored.version == 1 and stored.updated_by == "Tester"
    shown = _table(at)
    assert shown["Topic"].tolist() == stored.topics.ids()
    assert shown["Label"].tolist() == [t.label for t in stored.topics.topics]
    assert shown["Tickets"].sum() + stored.topics.unassigned == 1_500
    assert any("found by meaning (WordLlama)" in c.value for c in at.caption)


def test_the_demo_topics_with_their_figures(home):
    at = open_page("topics")
    with journeys.open_workspace(home) as ws:
        dataset = ws.datasets.list()[0].name
        expected = topic_table(ws, dataset)
    shown = _table(at)
    assert shown["Topic"].tolist() == expected["topic"].tolist()
    assert shown["Tickets"].tolist() == expected["tickets"].tolist()
    assert shown["Share"].to_numpy() == pytest.approx(expected["share"].to_numpy() * 100)
    assert at.metric[0].value == str(len(expected))
    assert any(c.value.startswith("Emerging / fading: last 4 complete weeks") for c in at.caption)
    # the drill-down of the first topic: its example tickets, the most typical first
    first = expected["topic"].iloc[0]
    examples = [d.value for d in at.dataframe if "ticket_id" in d.value.columns]
    with journeys.open_workspace(home) as ws:
        assert examples[0]["ticket_id"].iloc[0] == ws.topics.get(dataset).topics.topic(first).example_ticket


def test_rename_through_the_page_saves_a_new_version(home):
    at = open_page("topics")
    dataset = _first_dataset(home)
    before = _topics(home, dataset)
    topic = before.topics.ids()[0]
    at.text_input(key=f"topics_rename_{topic}").set_value("Invoice questions")
    at.button(key=_submit(at, "Rename")).click().run()
    assert not at.exception, at.exception
    after = _topics(home, dataset)
    assert after.version == before.version + 1 and after.updated_by == "Tester"
    assert after.topics.topic(topic).label == "Invoice questions" and after.topics.topic(topic).renamed
    assert _table(at)["Label"].iloc[0] == "Invoice questions"
    at.button(key=f"topics_discover_{dataset}").click().run()  # "Discover again" keeps the name given
    assert not at.exception, at.exception
    again = _topics(home, dataset)
    assert again.version == after.version + 1 and again.topics.topic(topic).label == "Invoice questions"


def test_a_stale_save_is_refused_and_kept(home):
    at = open_page("topics")
    dataset = _first_dataset(home)
    seen = _topics(home, dataset)
    topic = seen.topics.ids()[0]
    with journeys.open_workspace(home) as ws:  # a colleague saves in between
        rename_topic(ws, dataset, topic, "Billing (Ana's name)", author="Ana", expected_version=seen.version)
    at.text_input(key=f"topics_rename_{topic}").set_value("Invoice questions")
    at.button(key=_submit(at, "Rename")).click().run()
    assert not at.exception, at.exception
    assert any("Not saved: Ana saved version" in w.value for w in at.warning)
    now = _topics(home, dataset)
    assert now.version == seen.version + 1 and now.topics.topic(topic).label == "Billing (Ana's name)"
    at.button(key="topics_edit_apply_on_top").click().run()  # the kept change, on top of Ana's version
    final = _topics(home, dataset)
    assert final.version == seen.version + 2 and final.topics.topic(topic).label == "Invoice questions"


def _first_dataset(home: Path) -> str:
    with journeys.open_workspace(home) as ws:
        return ws.datasets.list()[0].name


def _submit(at: AppTest, label: str) -> str:
    """The key of the form submit button labelled ``label`` (AppTest names them by form)."""
    found = [b.key for b in at.button if b.label == label]
    assert len(found) == 1, found
    return found[0]


def test_without_ticket_data_the_page_says_how_to_get_some(tmp_path, monkeypatch):
    use_home(monkeypatch, tmp_path)
    at = open_page("topics")
    assert "journeys tickets import" in at.info[0].value
