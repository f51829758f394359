"""Topic curation: each operation against a hand computation (sizes, assignment, unassigned, centres), refusals
of bad input and stale copies, and curation surviving a new dataset version's discovery."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import journeys
from journeys.errors import InvalidJourney, JourneysError, NotFound, StaleWrite
from journeys.topics import curation, embedding
from journeys.topics.finding import MATCH_SIMILARITY, ticket_texts
from journeys.topics.languages import EMBEDDING_METHOD
from journeys.topics.storage import read_centroids
from journeys.topics.topic_set import Subtopic, Topic, TopicSet
from journeys.usecases.topic_curation import merge_topics, move_tickets, pin_topic, rename_topic, split_topic
from journeys.usecases.topics import assignments, dataset_of, discover_topics, topics_of
from tests.topics.themes import THEMES, commit, planted

# --- the pure functions, on a topic set written by hand --------------------------------------------------------

# ticket k0..k17: (topic, subtopic)
HAND = [("T1", "T1.1")] * 4 + [("T1", "T1.2")] * 3 + [("T2", "T2.1")] * 5 + [("T3", "T3.1")] * 2 \
    + [("T3", "T3.2")] * 2 + [(None, None)] * 2


def _topic(topic_id: str, size: int, subs: list[int], label: str) -> Topic:
    return Topic(id=topic_id, label=label, size=size, method=EMBEDDING_METHOD, words=[label.lower()],
                 subtopics=[Subtopic(id=f"{topic_id}.{i + 1}", label=f"{label} {i + 1}", size=n)
                            for i, n in enumerate(subs)])


@pytest.fixture
def hand():
    topics = [_topic("T1", 7, [4, 3], "Passwords"), _topic("T2", 5, [5], "Refunds"), _topic("T3", 4, [2, 2], "Parcels")]
    topic_set = TopicSet(dataset="d", dataset_version=1, model="m", min_size=2, tickets=18, unassigned=2,
                         assignments="a.parquet", centroids="c.npz", topics=topics)
    frame = pd.DataFrame({"ticket_id": [f"k{i}" for i in range(len(HAND))], "topic": [t for t, _ in HAND],
                          "subtopic": [s for _, s in HAND], "language": "en"})
    rng = np.random.default_rng(0)
    centres = {t: embedding.unit(rng.normal(size=(1, 8)))[0] for t in ("T1", "T2", "T3")}
    return topic_set, frame, centres


def _pairs(frame: pd.DataFrame) -> list[tuple[str | None, str | None]]:
    """(topic, subtopic) per ticket, a missing one as None (pandas may hold it as NaN)."""
    return [tuple(None if pd.isna(v) else v for v in pair)
            for pair in zip(frame["topic"], frame["subtopic"], strict=True)]


def _consistent(topic_set: TopicSet, frame: pd.DataFrame) -> None:
    """Sizes, subtopic sizes and the unassigned count are those of the assignment."""
    counts = frame["topic"].value_counts()
    assert {t.id: t.size for t in topic_set.topics if t.size} == counts.to_dict()
    subs = frame["subtopic"].value_counts()
    assert {s.id: s.size for t in topic_set.topics for s in t.subtopics if s.size} == subs.to_dict()
    assert topic_set.unassigned == int(frame["topic"].isna().sum())
    assert topic_set.tickets == len(frame)


def test_rename_sets_the_label_and_marks_it_renamed(hand):
    topic_set, frame, centres = hand
    before = frame.copy()
    done = curation.rename(topic_set, frame, centres, "T2", "  Refund   not received ")
    assert done.topics.topic("T2").label == "Refund not received" and done.topics.topic("T2").renamed
    assert not done.topics.topic("T1").renamed and done.topics.topic("T1").label == "Passwords"
    assert done.message == "Renamed T2 to 'Refund not received'"
    pd.testing.assert_frame_equal(done.assignments, before)
    assert curation.rename(topic_set, frame, centres, "T2", "x" * 120).topics.topic("T2").label == "x" * 120
    for bad in ("", "   \n", "x" * 121):
        with pytest.raises(InvalidJourney):
            curation.rename(topic_set, frame, centres, "T2", bad)
    with pytest.raises(NotFound, match=r"no topic 'T9'.*'T1', 'T2', 'T3'"):
        curation.rename(topic_set, frame, centres, "T9", "Label")
    pd.testing.assert_frame_equal(frame, before)  # inputs never changed


def test_merge_adds_sizes_renumbers_subtopics_and_weights_the_centre(hand):
    topic_set, frame, centres = hand
    done = curation.merge(topic_set, frame, centres, ["T3", "T1"])
    merged = done.topics.topic("T3")
    assert done.topics.ids() == ["T3", "T2"]  # by size: 11, 5
    assert merged.size == 4 + 7 and merged.label == "Parcels" and not merged.renamed
    assert [(s.id, s.label, s.size) for s in merged.subtopics] == [
        ("T3.1", "Parcels 1", 2), ("T3.2", "Parcels 2", 2), ("T3.3", "Passwords 1", 4), ("T3.4", "Passwords 2", 3)]
    expected_sub = {"T1.1": "T3.3", "T1.2": "T3.4"}
    assert _pairs(done.assignments) == [("T3" if t == "T1" else t, expected_sub.get(s, s)) for t, s in HAND]
    mean = 4 * centres["T3"] + 7 * centres["T1"]
    np.testing.assert_allclose(done.centres["T3"], mean / np.linalg.norm(mean), atol=1e-6)
    assert set(done.centres) == {"T2", "T3"}
    assert done.topics.unassigned == 2
    _consistent(done.topics, done.assignments)
    named = curation.merge(topic_set, frame, centres, ["T1", "T2"], label="Account money")
    assert named.topics.topic("T1").label == "Account money" and named.topics.topic("T1").renamed


def test_merge_refuses_fewer_than_two_topics_and_unknown_ones(hand):
    topic_set, frame, centres = hand
    with pytest.raises(JourneysError, match="at least two"):
        curation.merge(topic_set, frame, centres, ["T1", "T1"])
    with pytest.raises(NotFound, match="'T7'"):
        curation.merge(topic_set, frame, centres, ["T1", "T7"])
    with pytest.raises(InvalidJourney):
        curation.merge(topic_set, frame, centres, ["T1", "T2"], label=" ")


def test_split_makes_each_subtopic_a_topic_with_its_own_centre(hand):
    topic_set, frame, centres = hand
    parts = {"T1.1": curation.NewPart(np.eye(8, dtype=np.float32)[0], "k0", "reset"),
             "T1.2": curation.NewPart(None, "k5", "forgot")}
    done = curation.split(topic_set, frame, centres, "T1", parts)
    assert [(t.id, t.size, t.label) for t in done.topics.topics] == [
        ("T2", 5, "Refunds"), ("T4", 4, "Passwords 1"), ("T3", 4, "Parcels"), ("T5", 3, "Passwords 2")]
    assert done.topics.topic("T4").example_ticket == "k0" and done.topics.topic("T5").example_text == "forgot"
    assert [s.id for s in done.topics.topic("T5").subtopics] == ["T5.1"]
    expected = [("T4", "T4.1")] * 4 + [("T5", "T5.1")] * 3 + HAND[7:]
    assert _pairs(done.assignments) == expected
    np.testing.assert_array_equal(done.centres["T4"], np.eye(8)[0])
    np.testing.assert_array_equal(done.centres["T5"], centres["T1"])  # no centre of its own: the topic's
    assert "T1" not in done.centres and "T1" not in done.topics.ids()
    _consistent(done.topics, done.assignments)
    with pytest.raises(JourneysError, match="T2 has 1 subtopic"):
        curation.split(topic_set, frame, centres, "T2", {})


def test_split_leaves_tickets_in_no_subtopic_unassigned_and_says_so(hand):
    topic_set, frame, centres = hand
    moved = curation.move(topic_set, frame, centres, ["k17"], "T1")
    done = curation.split(moved.topics, moved.assignments, centres, "T1", {})
    assert done.topics.unassigned == 2 and "1 ticket(s) in none of its subtopics" in done.message
    _consistent(done.topics, done.assignments)


def test_move_recounts_topics_subtopics_and_unassigned(hand):
    topic_set, frame, centres = hand
    done = curation.move(topic_set, frame, centres, ["k0", "k16", "k0"], "T2")
    assert {t.id: t.size for t in done.topics.topics} == {"T1": 6, "T2": 7, "T3": 4}
    assert done.topics.topic("T1").subtopics[0].size == 3 and done.topics.unassigned == 1
    assert _pairs(done.assignments)[0] == ("T2", None) and _pairs(done.assignments)[16] == ("T2", None)
    assert done.message == "Moved 2 ticket(s) to T2"
    _consistent(done.topics, done.assignments)
    out = curation.move(topic_set, frame, centres, ["k8", "k9"], None)
    assert out.topics.unassigned == 4 and out.topics.topic("T2").size == 3
    assert done.centres is centres  # a few tickets do not move a centre
    with pytest.raises(NotFound, match=r"2 ticket id.*'nope', 'k99'"):
        curation.move(topic_set, frame, centres, ["k1", "nope", "k99"], "T2")
    with pytest.raises(NotFound, match="no topic 'T8'"):
        curation.move(topic_set, frame, centres, ["k1"], "T8")
    with pytest.raises(JourneysError, match="at least one ticket"):
        curation.move(topic_set, frame, centres, [], "T2")


def test_pin_puts_the_topic_first_and_unpin_restores_size_order(hand):
    topic_set, frame, centres = hand
    pinned = curation.pin(topic_set, frame, centres, "T3", True)
    assert pinned.topics.ids() == ["T3", "T1", "T2"] and pinned.topics.topic("T3").pinned
    unpinned = curation.pin(pinned.topics, frame, centres, "T3", False)
    assert unpinned.topics.ids() == ["T1", "T2", "T3"] and not unpinned.topics.topic("T3").pinned


# --- the use cases, on a workspace with discovered topics -------------------------------------------------------

def _theme_topics(frame: pd.DataFrame, truth: list[str]) -> dict[str, list[str]]:
    """Each theme's topics, most of its tickets first (only topics whose tickets are mostly that theme)."""
    pairs = pd.DataFrame({"topic": frame["topic"], "theme": truth}).dropna()
    majority = pairs.groupby("topic")["theme"].agg(lambda s: s.value_counts().index[0])
    sizes = pairs["topic"].value_counts()
    out: dict[str, list[str]] = {}
    for topic in sizes.index:
        out.setdefault(majority[topic], []).append(str(topic))
    return out


@pytest.fixture
def workspace(tmp_path):
    table, truth = planted(3_000, seed=1)
    commit(tmp_path, "tickets", table)
    with journeys.open_workspace(tmp_path) as ws:
        stored = discover_topics(ws, "tickets", author="Ana")
        yield tmp_path, ws, stored, truth


def test_each_use_case_saves_a_version_with_consistent_files(workspace):
    _, ws, stored, _ = workspace
    first = stored.topics.topics[0].id
    renamed = rename_topic(ws, "tickets", first, "Password reset", author="Bo", expected_version=stored.version)
    assert renamed.version == stored.version + 1 and renamed.updated_by == "Bo"
    assert renamed.topics.assignments == stored.topics.assignments  # unchanged assignment: the same file
    assert renamed.topics.centroids == stored.topics.centroids
    assert ws.topics.history("tickets")[0].message == f"Renamed {first} to 'Password reset'"
    ids = renamed.topics.ids()
    merged = merge_topics(ws, "tickets", [ids[1], ids[2]], author="Bo", expected_version=renamed.version)
    frame = assignments(ws, merged)
    _consistent(merged.topics, frame)
    assert ids[2] not in merged.topics.ids() and ids[2] not in set(frame["topic"].dropna())
    centres = read_centroids(dataset_of(ws, merged), merged.topics)
    assert set(centres) == set(merged.topics.ids())
    moved = move_tickets(ws, "tickets", list(frame["ticket_id"][:5]), None, author="Bo",
                         expected_version=merged.version)
    assert moved.topics.unassigned == merged.topics.unassigned + int(frame["topic"][:5].notna().sum())
    _consistent(moved.topics, assignments(ws, moved))
    pinned = pin_topic(ws, "tickets", ids[-1], True, author="Bo", expected_version=moved.version)
    assert pinned.topics.ids()[0] == ids[-1] and topics_of(ws, "tickets").version == pinned.version


def test_a_stale_copy_is_refused_before_anything_else(workspace):
    _, ws, stored, _ = workspace
    first = stored.topics.topics[0].id
    rename_topic(ws, "tickets", first, "Mine", author="Bo", expected_version=stored.version)
    with pytest.raises(StaleWrite, match="by Bo"):
        rename_topic(ws, "tickets", first, "Yours", author="Cy", expected_version=stored.version)
    with pytest.raises(StaleWrite):  # stale wins over an unknown topic: reload first
        merge_topics(ws, "tickets", ["T404", first], author="Cy", expected_version=stored.version)
    assert topics_of(ws, "tickets").topics.topic(first).label == "Mine"
    with pytest.raises(NotFound):
        pin_topic(ws, "nope", first, True, author="Cy", expected_version=2)


def test_split_places_new_topics_at_the_mean_meaning_of_their_tickets(workspace):
    _, ws, stored, _ = workspace
    topic = next(t for t in stored.topics.topics if len(t.subtopics) >= 2)
    done = split_topic(ws, "tickets", topic.id, author="Bo", expected_version=stored.version)
    version = dataset_of(ws, done)
    frame = assignments(ws, done)
    _consistent(done.topics, frame)
    made = [t for t in done.topics.topics if t.id not in stored.topics.ids()]
    assert sorted(t.label for t in made) == sorted(s.label for s in topic.subtopics)
    centres = read_centroids(version, done.topics)
    ids, texts = ticket_texts(version)
    text_of = dict(zip(ids, texts, strict=True))
    for new in made:
        mine = [text_of[t] for t in frame.loc[frame["topic"] == new.id, "ticket_id"]]
        mean = embedding.embed(mine).sum(axis=0)
        np.testing.assert_allclose(centres[new.id], mean / np.linalg.norm(mean), atol=1e-4)
        assert new.example_text in mine
    with pytest.raises(JourneysError, match="subtopic"):
        split_topic(ws, "tickets", made[0].id, author="Bo", expected_version=done.version)


def test_curation_survives_a_new_dataset_version(workspace):
    home, ws, stored, truth = workspace
    by_theme = _theme_topics(assignments(ws, stored), truth)
    password, refund = by_theme["password"][0], by_theme["refund"][0]
    delivery = by_theme["delivery"][:2]
    assert len(delivery) == 2  # the planted delivery phrasings come out as more than one topic
    v = rename_topic(ws, "tickets", password, "Password reset", author="Bo", expected_version=stored.version)
    v = pin_topic(ws, "tickets", refund, True, author="Bo", expected_version=v.version)
    v = merge_topics(ws, "tickets", delivery, label="Delivery problems", author="Bo", expected_version=v.version)
    themes = {**THEMES, "invoice": ("My invoice shows the wrong VAT", "Need a copy of my invoice",
                                    "Invoice amount is incorrect", "Send me the invoice as PDF",
                                    "VAT number missing on invoice", "Invoice for last month")}
    table, truth2 = planted(3_600, seed=2, themes=themes)
    commit(home, "tickets", table)
    again = discover_topics(ws, "tickets", author="Ana")
    assert again.topics.dataset_version == 2
    found = again.topics
    assert found.topic(password).label == "Password reset" and found.topic(password).renamed
    assert found.topic(refund).pinned and found.ids()[0] == refund
    merged = found.topic(delivery[0])  # the merged centre is matched by the new version's delivery tickets
    assert merged.label == "Delivery problems" and merged.renamed and not merged.new
    frame = assignments(ws, again)
    old_centre = read_centroids(dataset_of(ws, v), v.topics)[delivery[0]]
    new_centres = read_centroids(dataset_of(ws, again), again.topics)
    closest = max(new_centres, key=lambda t: float(new_centres[t] @ old_centre))
    assert closest == merged.id and float(new_centres[closest] @ old_centre) >= MATCH_SIMILARITY
    assert (pd.Series(truth2)[(frame["topic"] == merged.id).to_numpy()] == "delivery").sum() >= 50
    invoice = _theme_topics(frame, truth2)["invoice"][0]
    assert found.topic(invoice).new and invoice not in v.topics.ids()
    assert not found.topic(password).new and not found.topic(refund).new


def test_a_pinned_topic_stays_when_a_new_version_has_none_of_its_tickets(workspace):
    home, ws, stored, truth = workspace
    crash = _theme_topics(assignments(ws, stored), truth)["crash"][0]
    pinned = pin_topic(ws, "tickets", crash, True, author="Bo", expected_version=stored.version)
    table, _ = planted(2_000, seed=7, themes={k: v for k, v in THEMES.items() if k != "crash"})
    commit(home, "tickets", table)
    again = discover_topics(ws, "tickets", author="Ana")
    kept = again.topics.topic(crash)
    assert kept.pinned and kept.size == 0 and again.topics.ids()[0] == crash and not kept.new
    assert crash not in set(assignments(ws, again)["topic"].dropna())
    centres = read_centroids(dataset_of(ws, again), again.topics)
    np.testing.assert_allclose(centres[crash], read_centroids(dataset_of(ws, pinned), pinned.topics)[crash])
