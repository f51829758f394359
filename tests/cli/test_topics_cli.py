"""``journeys topics …``: JSON and CSV outputs parsed and checked against the stored topics and assignment;
curation commands save versions as the local user; bad input exits 2 with a clear message."""

from __future__ import annotations

import csv
import io
import json

import pytest

import journeys
from journeys.usecases.topic_figures import topic_table
from journeys.usecases.topics import assignments, discover_topics, topics_of
from tests.cli.runner import AUTHOR, run
from tests.topics.themes import commit, planted


def _stored(home):
    with journeys.open_workspace(home) as ws:
        stored = topics_of(ws, "tickets")
        return stored, assignments(ws, stored)


@pytest.fixture(scope="module")
def discovered(tmp_path_factory):
    """A dataset whose topics were discovered through the CLI (read-only for the tests using it)."""
    home = tmp_path_factory.mktemp("topics_cli")
    commit(home, "tickets", planted(800, seed=5)[0])
    before = run(home, "topics", "list", "--dataset", "tickets")
    proc = run(home, "topics", "discover", "--dataset", "tickets", "--format", "json", check_ok=True)
    return home, before, json.loads(proc.stdout), proc.stderr


@pytest.fixture
def fresh(tmp_path):
    """A dataset with discovered topics, for commands that change them."""
    commit(tmp_path, "tickets", planted(600, seed=6)[0])
    with journeys.open_workspace(tmp_path) as ws:
        discover_topics(ws, "tickets", author="Ana")
    return tmp_path


def test_before_discovery_list_says_how(discovered):
    _, before, _, _ = discovered
    assert before.returncode == 2 and "journeys topics discover" in before.stderr


def test_discover_json_is_the_stored_set_with_its_figures(discovered):
    home, _, shown, stderr = discovered
    stored, frame = _stored(home)
    assert "Done" in stderr  # progress on stderr, the data alone on stdout
    assert shown["version"] == stored.version == 1 and shown["tickets"] == len(frame) == 800
    assert shown["unassigned"] == int(frame["topic"].isna().sum())
    counts = frame["topic"].value_counts()
    assert [(r["id"], r["label"]) for r in shown["topics"]] == [(t.id, t.label) for t in stored.topics.topics]
    for row in shown["topics"]:
        assert row["size"] == counts[row["id"]]
        assert row["share"] == pytest.approx(counts[row["id"]] / len(frame), abs=1e-6)
    with journeys.open_workspace(home) as ws:
        figures = topic_table(ws, "tickets").set_index("topic")
    for row in shown["topics"]:
        for metric in ("csat", "resolution_p50", "reopen_rate", "escalation_rate"):
            assert row[metric] == pytest.approx(figures.loc[row["id"], metric], abs=1e-5, nan_ok=True)


def test_list_and_show(discovered):
    home, _, _, _ = discovered
    stored, frame = _stored(home)
    listed = json.loads(run(home, "topics", "list", "--format", "json", check_ok=True).stdout)
    assert [(r["id"], r["size"], r["subtopics"]) for r in listed["topics"]] == [
        (t.id, t.size, len(t.subtopics)) for t in stored.topics.topics]
    table = run(home, "topics", "list", check_ok=True)
    assert table.stdout.splitlines()[0].split()[:4] == ["id", "label", "size", "share"]
    assert f"{len(stored.topics.topics)} topic(s) of dataset 'tickets'" in table.stderr
    topic = stored.topics.topics[0]
    shown = json.loads(run(home, "topics", "show", topic.id.lower(), "--format", "json", check_ok=True).stdout)
    assert shown["id"] == topic.id and shown["words"] == topic.words
    assert [s["id"] for s in shown["subtopics"]] == [s.id for s in topic.subtopics]
    mine = set(frame.loc[frame["topic"] == topic.id, "ticket_id"])
    assert shown["examples"] and {e["ticket_id"] for e in shown["examples"]} <= mine
    assert shown["examples"][0]["ticket_id"] == topic.example_ticket
    assert shown["figures"]["size"] == topic.size
    text = run(home, "topics", "show", topic.id, check_ok=True).stdout
    assert topic.label in text and topic.subtopics[0].id in text


def test_discover_min_size(tmp_path):
    commit(tmp_path, "tickets", planted(400, seed=3)[0])
    shown = json.loads(run(tmp_path, "topics", "discover", "--min-size", "60", "--format", "json",
                           check_ok=True).stdout)
    assert shown["topics"] and all(r["size"] >= 60 for r in shown["topics"])
    assert shown["unassigned"] == 400 - sum(r["size"] for r in shown["topics"])


def test_rename_then_export_neutralises_a_formula_label(fresh):
    stored, _ = _stored(fresh)
    first = stored.topics.topics[0].id
    hostile = '=HYPERLINK("http://evil.example","click")'
    done = run(fresh, "topics", "rename", first, hostile, "--format", "json", check_ok=True)
    assert json.loads(done.stdout)["topics"][0]["label"] == hostile
    stored, frame = _stored(fresh)
    assert stored.topics.topic(first).label == hostile and stored.updated_by == AUTHOR
    exported = run(fresh, "topics", "export", "--dataset", "tickets", check_ok=True).stdout
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert list(rows[0]) == ["ticket_id", "topic_id", "topic_label"] and len(rows) == len(frame)
    labels = stored.topics.labels()
    for row, (ticket, topic) in zip(rows, zip(frame["ticket_id"], frame["topic"], strict=True), strict=True):
        assert row["ticket_id"] == ticket
        assert row["topic_id"] == (topic if isinstance(topic, str) else "")
        expected = labels.get(topic, "") if isinstance(topic, str) else ""
        assert row["topic_label"] == ("'" + expected if expected.startswith("=") else expected)
    assert any(r["topic_label"] == "'" + hostile for r in rows)
    assert not any(r["topic_label"].startswith("=") for r in rows)


def test_merge_assign_and_unassign(fresh):
    stored, _ = _stored(fresh)
    a, b = stored.topics.ids()[:2]
    merged = run(fresh, "topics", "merge", a, b, "--label", "Both", check_ok=True)
    assert f"Merged {b} into {a} ('Both')" in merged.stderr
    after, frame2 = _stored(fresh)
    assert after.topics.topic(a).size == stored.topics.topic(a).size + stored.topics.topic(b).size
    assert b not in after.topics.ids() and b not in set(frame2["topic"].dropna())
    outside = frame2.loc[frame2["topic"] != a, "ticket_id"].tolist()[:2]
    run(fresh, "topics", "assign", "--ticket", outside[0], "--ticket", outside[1], "--topic", a, check_ok=True)
    moved, frame3 = _stored(fresh)
    assert set(frame3.loc[frame3["ticket_id"].isin(outside), "topic"]) == {a}
    assert moved.topics.topic(a).size == int((frame3["topic"] == a).sum()) == after.topics.topic(a).size + 2
    run(fresh, "topics", "assign", "--ticket", outside[0], "--none", check_ok=True)
    out, frame4 = _stored(fresh)
    assert out.topics.unassigned == moved.topics.unassigned + 1 == int(frame4["topic"].isna().sum())
    assert out.version == stored.version + 3


@pytest.mark.parametrize(("args", "said"), [
    (("topics", "show", "T99"), "no topic 'T99'"),
    (("topics", "rename", "T99", "x"), "no topic 'T99'"),
    (("topics", "rename", "T1", "   "), "cannot be blank"),
    (("topics", "merge", "T1"), "at least two"),
    (("topics", "list", "--dataset", "nope"), "no ticket dataset 'nope'"),
    (("topics", "assign", "--ticket", "zz-1", "--topic", "T1"), "'zz-1'"),
    (("topics", "assign", "--ticket", "zz-1"), "--topic T"),
    (("topics", "rename", "T1", "Old copy", "--if-version", "1"), "your copy is version 1"),
])
def test_bad_input_exits_2_with_a_reason(fresh, args, said):
    run(fresh, "topics", "pin", "T1", check_ok=True)  # version 2: --if-version 1 is stale
    proc = run(fresh, *args)
    assert proc.returncode == 2 and said in proc.stderr and proc.stdout == ""
    assert proc.stderr.startswith("journeys: ")


def test_no_data_yet(tmp_path):
    proc = run(tmp_path, "topics", "discover")
    assert proc.returncode == 2 and "journeys tickets import" in proc.stderr
