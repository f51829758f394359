"""A topic's name from its distinctive words: class-based TF-IDF over the topic's ticket texts.

Each topic's texts are treated as one document; a word scores by how often the topic uses it,
weighted by how rare it is across topics (``tf · log(1 + A / f)``, A the average words per topic,
f the word's count over all topics — the c-TF-IDF of BERTopic). Counting is scikit-learn's
``CountVectorizer`` (English stop words, words and word pairs); the label is the top words joined.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

WORDS_SHOWN = 5  # distinctive words kept per topic
LABEL_WORDS = 3  # of which the label uses the first
MAX_TEXTS_PER_TOPIC = 2_000  # a sample is enough to find a topic's words (bounds work on big datasets)


def distinctive_words(texts: Sequence[str], topic: np.ndarray, topics: int, seed: int = 0,
                      weights: np.ndarray | None = None) -> list[list[str]]:
    """The top words of each topic 0..topics-1 (an empty list when its texts have no usable words).

    ``weights``: how many tickets each text stands for (identical texts are passed once)."""
    weights = np.ones(len(texts)) if weights is None else np.asarray(weights, dtype=np.float64)
    from sklearn.feature_extraction.text import CountVectorizer

    rng = np.random.default_rng(seed)
    rows: list[int] = []
    for t in range(topics):
        members = np.flatnonzero(topic == t)
        if len(members) > MAX_TEXTS_PER_TOPIC:
            members = rng.choice(members, MAX_TEXTS_PER_TOPIC, replace=False)
        rows.extend(members.tolist())
    if not rows:
        return [[] for _ in range(topics)]
    vectorizer = CountVectorizer(stop_words="english", ngram_range=(1, 2), token_pattern=r"(?u)\b\w\w+\b")
    try:
        counts = vectorizer.fit_transform([texts[i] or "" for i in rows])
    except ValueError:  # no usable word anywhere
        return [[] for _ in range(topics)]
    from scipy.sparse import csr_matrix

    owner = topic[np.asarray(rows)]
    per_topic = csr_matrix((weights[np.asarray(rows)], (owner, np.arange(len(rows)))),
                           shape=(topics, len(rows))) @ counts
    per_topic = per_topic.toarray().astype(np.float64)
    totals = per_topic.sum(axis=0)
    average = per_topic.sum() / max(topics, 1)
    scores = per_topic * np.log1p(average / np.where(totals == 0, 1, totals))
    vocabulary = vectorizer.get_feature_names_out()
    words: list[list[str]] = []
    for t in range(topics):
        order = np.argsort(-scores[t], kind="stable")
        chosen: list[str] = []
        for j in order:
            if scores[t, j] <= 0 or len(chosen) == WORDS_SHOWN:
                break
            word = str(vocabulary[j])
            if not any(word in c or c in word for c in chosen):  # "reset" and "password reset": keep one
                chosen.append(word)
        words.append(chosen)
    return words


def label_from(words: Sequence[str], fallback: str) -> str:
    """"password reset · link · expired" from the top words; ``fallback`` when there are none."""
    return " · ".join(words[:LABEL_WORDS]) if words else fallback
