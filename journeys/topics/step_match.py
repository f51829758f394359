"""Which step of a journey a topic most likely belongs to: by meaning, and by where the rules put it today.

Meaning: each step's label and description embedded with the same model as the tickets, compared
(cosine) with the topic's centre. Rule hits: the share of the topic's tickets the current rules (or
the export's own step) already put on each step. A topic whose tickets the rules mostly place on one
step belongs there whatever the words say; a topic no rule touches is placed by meaning alone. The
score is the mean of the two, so either can carry a suggestion and both together carry it furthest.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from journeys.model import Journey
from journeys.topics import embedding, languages
from journeys.topics.topic_set import Topic

TOP = 3  # steps suggested per topic
MEANING_WEIGHT = 0.5  # the rest is the rule-hit share
COLUMNS = ["topic", "rank", "step", "score", "meaning", "rule_share", "reason"]


def step_texts(journey: Journey) -> list[str]:
    """What a step means, in words: its label, then its description where it has one."""
    return [f"{s.label}. {s.description}".strip().rstrip(".") for s in journey.steps]


def topic_vectors(topics: list[Topic], centroids: dict[str, np.ndarray]) -> np.ndarray:
    """Unit vectors of the topics in the model's space: their stored centre when it was made by meaning, else
    (n-gram topics, a topic without a centre) their label and example read by the model."""
    out = np.zeros((len(topics), embedding.DIMENSIONS), dtype=np.float32)
    missing = []
    for i, topic in enumerate(topics):
        centre = centroids.get(topic.id)
        by_meaning = topic.method == languages.EMBEDDING_METHOD
        if centre is not None and by_meaning and centre.shape == (embedding.DIMENSIONS,):
            out[i] = centre
        else:
            missing.append(i)
    if missing:
        out[missing] = embedding.embed([f"{topics[i].label}. {topics[i].example_text}" for i in missing])
    return embedding.unit(out)


def rule_shares(topics: list[Topic], journey: Journey, hits: pd.DataFrame) -> np.ndarray:
    """Topics × steps: the share of each topic's tickets on each step now. ``hits``: topic, journey_step (None:
    on no step), tickets — every ticket of the topic counted once."""
    shares = np.zeros((len(topics), len(journey.steps)), dtype=np.float64)
    if hits.empty:
        return shares
    totals = hits.groupby("topic")["tickets"].sum()
    row = {t.id: i for i, t in enumerate(topics)}
    col = {s: j for j, s in enumerate(journey.step_ids())}
    for topic, step, n in hits[["topic", "journey_step", "tickets"]].itertuples(index=False):
        if topic in row and step in col and totals.get(topic, 0):
            shares[row[topic], col[step]] = n / totals[topic]
    return shares


def reason(meaning: float, share: float) -> str:
    """Why a step is suggested, in words: "by meaning 0.71 · 64 % of its tickets already on this step by rules"."""
    on_step = (f"{share:.0%} of its tickets already on this step by rules" if share >= 0.005
               else "no ticket of it on this step yet")
    return f"by meaning {meaning:.2f} · {on_step}"


def suggest(journey: Journey, topics: list[Topic], centroids: dict[str, np.ndarray], hits: pd.DataFrame,
            top: int = TOP) -> pd.DataFrame:
    """Per topic its ``top`` likeliest steps, best first: topic, rank (1…), step, score, meaning, rule_share,
    reason. Empty when the journey has no steps or there are no topics."""
    if not journey.steps or not topics:
        return pd.DataFrame(columns=COLUMNS)
    steps = embedding.unit(embedding.embed(step_texts(journey)))
    meaning = topic_vectors(topics, centroids) @ steps.T
    shares = rule_shares(topics, journey, hits)
    score = MEANING_WEIGHT * meaning + (1 - MEANING_WEIGHT) * shares
    ids = journey.step_ids()
    rows = []
    for i, topic in enumerate(topics):
        order = np.lexsort((np.arange(len(ids)), -score[i]))[:top]  # best first; ties in journey order
        for rank, j in enumerate(order, start=1):
            rows.append({"topic": topic.id, "rank": rank, "step": ids[j], "score": float(score[i, j]),
                         "meaning": float(meaning[i, j]), "rule_share": float(shares[i, j]),
                         "reason": reason(float(meaning[i, j]), float(shares[i, j]))})
    return pd.DataFrame(rows, columns=COLUMNS)
