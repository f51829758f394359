"""The ticket-first start: a journey proposed from topics, ordered by the order customers raise them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from journeys.model import parse_journey
from journeys.topics import skeleton
from journeys.topics.topic_set import Topic

PLANTED = ["T1", "T2", "T3", "T4", "T5"]  # customers raise them in this order


def histories(seed: int = 0, customers: int = 600, noise: float = 0.15) -> pd.DataFrame:
    """Each customer raises a random subset of the topics in the planted order (a share swap two neighbours),
    plus lone customers with one ticket (they say nothing about order)."""
    rng = np.random.default_rng(seed)
    rows = []
    start = pd.Timestamp("2026-01-01", tz="UTC")
    for c in range(customers):
        chosen = sorted(rng.choice(len(PLANTED), size=int(rng.integers(2, 5)), replace=False).tolist())
        if rng.random() < noise:
            i = int(rng.integers(0, len(chosen) - 1))
            chosen[i], chosen[i + 1] = chosen[i + 1], chosen[i]
        day = 0
        for k in chosen:
            day += int(rng.integers(1, 20))
            rows.append((f"C{c}", start + pd.Timedelta(days=day), PLANTED[k]))
            if rng.random() < 0.3:  # the same topic again later: only the first time counts
                rows.append((f"C{c}", start + pd.Timedelta(days=day + 40), PLANTED[k]))
    for c in range(300):
        rows.append((f"L{c}", start, PLANTED[-1]))
    return pd.DataFrame(rows, columns=["customer_id", "created_at", "topic"]).sample(frac=1, random_state=seed)


def topics() -> list[Topic]:
    # volumes grow along the order: ordering by volume alone would reverse it
    return [Topic(id=t, label=f"topic {t.lower()} · words", size=100 * (i + 1), group=i // 2, method="m",
                  words=["w"]) for i, t in enumerate(PLANTED)]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_planted_order_is_recovered(seed):
    pairs = skeleton.precedence(histories(seed))
    assert skeleton.topic_order(pairs, {t.id: t.size for t in topics()}) == PLANTED


def test_precedence_counts_each_customer_once_per_pair_by_first_contact():
    frame = pd.DataFrame({"customer_id": ["a", "a", "a", "b", "b", "c"],
                          "created_at": pd.to_datetime(["2026-01-01", "2026-01-03", "2026-01-05", "2026-01-01",
                                                        "2026-01-02", "2026-01-01"]),
                          "topic": ["X", "Y", "X", "Y", "X", "X"]})
    pairs = skeleton.precedence(frame).set_index(["before", "after"])["customers"].to_dict()
    assert pairs == {("X", "Y"): 1, ("Y", "X"): 1}


def test_without_histories_volume_orders_and_a_cycle_is_ordered_by_net_wins():
    sizes = {"A": 1, "B": 3, "C": 2}
    empty = pd.DataFrame(columns=["before", "after", "customers"])
    assert skeleton.topic_order(empty, sizes) == ["B", "C", "A"]
    cycle = pd.DataFrame({"before": ["A", "B", "C"], "after": ["B", "C", "A"], "customers": [9, 5, 2]})
    assert skeleton.topic_order(cycle, sizes) == ["A", "C", "B"]  # net wins A: 9-2, C: 2-5, B: 5-9


def test_the_proposal_is_a_valid_journey_with_stages_from_groups():
    proposal = skeleton.propose("From tickets", topics(), skeleton.precedence(histories()))
    journey = parse_journey(proposal.journey.model_dump(mode="json"))  # passes the model's validation
    assert [proposal.topics[s.id] for s in journey.steps] == PLANTED
    assert journey.stages == ["Topic t2 · words", "Topic t4 · words", "Topic t5 · words"]  # biggest topic names it
    assert journey.steps[0].label == "Topic t1 · words"
    assert [(t.source, t.target) for t in journey.transitions] == list(zip(
        journey.step_ids(), journey.step_ids()[1:], strict=False))
    assert journey.entry == journey.steps[0].id


def test_an_edited_proposal_keeps_topics_and_reorders():
    proposal = skeleton.propose("From tickets", topics(), skeleton.precedence(histories()))
    ids = proposal.journey.step_ids()
    rows = pd.DataFrame({"step": ids, "stage": ["First"] * 2 + ["Later"] * 3, "label": ["Renamed", *[""] * 4],
                         "order": [5, 1, 2, 3, None]})
    edited = skeleton.rearranged(proposal, rows)
    assert edited.journey.step_ids() == [ids[1], ids[2], ids[3], ids[0]]
    assert edited.journey.stages == ["First", "Later"] and edited.journey.steps[-1].label == "Renamed"
    assert edited.topics == {i: proposal.topics[i] for i in edited.journey.step_ids()}


def test_a_stage_is_named_by_the_words_its_topics_share():
    found = [Topic(id="T1", label="invoice · higher", words=["invoice", "higher"], size=50, group=0, method="m"),
             Topic(id="T2", label="invoice · wrong", words=["invoice", "wrong"], size=40, group=0, method="m"),
             Topic(id="T3", label="password · reset", words=["password", "reset"], size=90, group=1, method="m"),
             Topic(id="T4", label="reset · link", words=["reset", "link"], size=45, group=1, method="m"),
             Topic(id="T5", label="forum · post", words=["forum", "post"], size=5, group=2, method="m")]
    journey = skeleton.propose("J", found, pd.DataFrame(columns=["before", "after", "customers"])).journey
    assert journey.stages == ["Reset", "Invoice", "Forum · post"]  # groups by mean place: volume order here
    assert {s.label: s.stage for s in journey.steps}["Invoice · wrong"] == "Invoice"
