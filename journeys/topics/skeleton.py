"""A first journey from tickets alone: stages from topic groups, steps from topics, in the customers' order.

A team with tickets and no map yet starts its first workshop from what customers write about. Each
topic becomes a step, each group of close topics a stage. The order is the one customers raise the
topics in: over every customer with two or more tickets, how often topic A comes before topic B (among
the next :data:`REACH` topics they raise); A goes before B when more customers raise A first (the
majority relation, a directed graph). Cycles
(customers disagree) are read as one block, ordered inside by net wins; blocks follow the graph's
topological order, ties broken by volume (the bigger topic first). Stages are ordered by the mean
place of their topics. The proposal is a normal :class:`~journeys.model.Journey`, not saved: the
facilitator edits it and saves it like any other.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd

from journeys.model import DEFAULT_LANES, Journey, Step, StepIdMaker, Transition, validated
from journeys.topics.finding import without_identifiers
from journeys.topics.topic_set import Topic

LABEL_LENGTH = 80
REACH = 10  # topics of one customer compared with the next this many they raised


@dataclass(frozen=True)
class Proposal:
    """A proposed journey and the topic each of its steps stands for (step id → topic id)."""

    journey: Journey
    topics: dict[str, str]


def tidy(label: str) -> str:
    """A topic label as a step or stage label: ``invoice · question`` → ``Invoice · question`` (first letter up,
    spaces tidied, at most :data:`LABEL_LENGTH` characters)."""
    text = " ".join(label.split())[:LABEL_LENGTH].strip() or "Topic"
    return text[:1].upper() + text[1:]


def step_label(topic: Topic) -> str:
    """How a step from a topic reads: the team's name for it when renamed, else its most typical ticket in the
    customer's words ("Reset link expired" reads as a step, "expired · link · reset" does not), else its words."""
    if topic.renamed or not topic.example_text.strip():
        return tidy(topic.label)
    return tidy(without_identifiers(topic.example_text).rstrip("?!.") or topic.label)


def precedence(histories: pd.DataFrame, reach: int = REACH) -> pd.DataFrame:
    """How often topic A comes before topic B in the same customer's tickets: before, after, customers.

    ``histories``: customer_id, created_at, topic (one row per ticket; rows without a customer or topic are
    left out). Each customer counts once per pair, by the first time they raised each topic, for topics at
    most ``reach`` places apart in their history: linear in the tickets, where all pairs would be quadratic in
    a heavy user's history. Customers with fewer than two topics say nothing about order."""
    rows = histories.dropna(subset=["customer_id", "topic", "created_at"])
    rows = rows[rows["customer_id"].astype(str).str.strip() != ""]
    customer, _ = pd.factorize(rows["customer_id"])
    topic, names = pd.factorize(rows["topic"])
    when = pd.to_datetime(rows["created_at"], utc=True).astype("int64").to_numpy()
    order = np.lexsort((when, customer))  # by customer, then time (stable: equal times keep their rows' order)
    customer, topic, when = customer[order], topic[order], when[order]
    _, first = np.unique(customer.astype(np.int64) * max(len(names), 1) + topic, return_index=True)
    first = np.sort(first)  # each customer's first ticket in each topic, still by customer and time
    customer, topic, when = customer[first], topic[first], when[first]
    befores, afters = [], []
    for lag in range(1, min(reach, len(first) - 1) + 1):
        ordered = (customer[lag:] == customer[:-lag]) & (when[:-lag] < when[lag:])
        befores.append(topic[:-lag][ordered])
        afters.append(topic[lag:][ordered])
    if not befores:
        return pd.DataFrame({"before": [], "after": [], "customers": []})
    pairs, counts = np.unique(np.concatenate(befores).astype(np.int64) * len(names) + np.concatenate(afters),
                              return_counts=True)
    labels = np.asarray(names, dtype=object)
    return pd.DataFrame({"before": labels[pairs // len(names)], "after": labels[pairs % len(names)],
                         "customers": counts})


def topic_order(pairs: pd.DataFrame, sizes: dict[str, int]) -> list[str]:
    """The topics (keys of ``sizes``) in the order customers raise them; see the module's words."""
    count = {(a, b): int(n) for a, b, n in pairs[["before", "after", "customers"]].itertuples(index=False)}
    graph: nx.DiGraph = nx.DiGraph()
    graph.add_nodes_from(sizes)
    for (a, b), n in count.items():
        if a in sizes and b in sizes and n > count.get((b, a), 0):
            graph.add_edge(a, b)
    blocks = nx.condensation(graph)
    members = nx.get_node_attributes(blocks, "members")

    def net_wins(topic: str, block: set[str]) -> int:
        return sum(count.get((topic, o), 0) - count.get((o, topic), 0) for o in block if o != topic)

    order: list[str] = []
    volume = {b: max(sizes[t] for t in members[b]) for b in blocks}
    for b in nx.lexicographical_topological_sort(blocks, key=lambda b: (-volume[b], min(members[b]))):
        block = members[b]
        order += sorted(block, key=lambda t: (-net_wins(t, block), -sizes[t], t))
    return order


def _shared_words(groups: dict[int, list[Topic]]) -> dict[int, list[str]]:
    """Each group's own words: those at least two of its topics share and at most half the groups use,
    most tickets first."""
    used: dict[str, int] = {}
    for topics in groups.values():
        for word in {w for t in topics for w in t.words}:
            used[word] = used.get(word, 0) + 1
    shared: dict[int, list[str]] = {}
    for group, topics in groups.items():
        weight: dict[str, int] = {}
        count: dict[str, int] = {}
        for t in topics:
            for word in set(t.words):
                weight[word] = weight.get(word, 0) + t.size
                count[word] = count.get(word, 0) + 1
        own = [w for w in weight if count[w] >= 2 and used[w] * 2 <= len(groups)]
        shared[group] = sorted(own, key=lambda w: (-weight[w], w))[:2]
    return shared


def _stage_names(groups: dict[int, list[Topic]]) -> dict[int, str]:
    """Each group's stage name: the words its topics share, else its biggest topic's label; made unique."""
    names: dict[int, str] = {}
    taken: set[str] = set()
    shared = _shared_words(groups)
    for group, topics in groups.items():
        words = shared[group]
        base = tidy(" · ".join(words) if words else max(topics, key=lambda t: (t.size, t.id)).label)
        name, n = base, 2
        while name in taken:
            name, n = f"{base} ({n})", n + 1
        taken.add(name)
        names[group] = name
    return names


def propose(name: str, topics: Sequence[Topic], pairs: pd.DataFrame, *, description: str = "") -> Proposal:
    """The proposed journey ``name`` from ``topics`` (each a step) ordered by ``pairs`` (:func:`precedence`)."""
    if not topics:
        raise ValueError("no topics to propose a journey from")
    by_id = {t.id: t for t in topics}
    order = topic_order(pairs, {t.id: t.size for t in topics})
    place = {t: i for i, t in enumerate(order)}
    groups: dict[int, list[Topic]] = {}
    for topic_id in order:
        groups.setdefault(by_id[topic_id].group, []).append(by_id[topic_id])
    stage_rank = sorted(groups, key=lambda g: (float(np.mean([place[t.id] for t in groups[g]])), g))
    stages = _stage_names(groups)
    make_id = StepIdMaker()
    steps, topic_of = [], {}
    for group in stage_rank:
        for topic in groups[group]:
            label = step_label(topic)
            step_id = make_id(label)
            topic_of[step_id] = topic.id
            words = ", ".join(topic.words[:5])
            steps.append(Step(id=step_id, label=label, stage=stages[group], lane="customer",
                              description=f"Tickets in topic {topic.id} ({topic.size:,}): {words}"))
    return Proposal(_journey(name, [stages[g] for g in stage_rank], steps, description), topic_of)


def _journey(name: str, stages: list[str], steps: list[Step], description: str) -> Journey:
    """A validated journey of ``steps`` in this order, each leading to the next."""
    transitions = [Transition(source=a.id, target=b.id) for a, b in itertools.pairwise(steps)]
    return validated(Journey(name=name, stages=stages, lanes=list(DEFAULT_LANES), steps=steps,
                             transitions=transitions, entry=steps[0].id if steps else None,
                             description=description))


def rearranged(proposal: Proposal, rows: pd.DataFrame) -> Proposal:
    """The proposal as the facilitator edited it: ``rows`` with step (id), stage, label and order (a number);
    stages follow in the order of their first step, every step leads to the next, steps left out are dropped."""
    kept = rows.dropna(subset=["step", "order"]).sort_values("order", kind="stable")
    old = {s.id: s for s in proposal.journey.steps}
    steps = []
    for step_id, stage, label in kept[["step", "stage", "label"]].astype(object).itertuples(index=False):
        if str(step_id) in old:
            was = old[str(step_id)]
            steps.append(was.model_copy(update={"label": tidy(str(label or was.label)),
                                                "stage": tidy(str(stage or was.stage))}))
    stages = list(dict.fromkeys(s.stage for s in steps))
    journey = _journey(proposal.journey.name, stages or list(proposal.journey.stages), steps,
                       proposal.journey.description)
    return Proposal(journey, {s.id: proposal.topics[s.id] for s in steps if s.id in proposal.topics})
