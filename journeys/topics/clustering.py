"""Topics and subtopics from ticket vectors: scikit-learn's k-means, then SciPy's hierarchical clustering.

Two stages, so a million tickets cost what a few thousand would:

1. **Micro-clusters.** Up to :data:`DIRECT` distinct texts, each is its own. Beyond,
   ``KMeans`` with many small clusters (one per ~10 texts, at least :data:`MIN_MICRO`, at most
   :data:`MAX_MICRO`), fitted on a sample of at most :data:`SAMPLE_PER_MICRO` tickets per cluster
   and applied to every ticket in chunks (measured: scikit-learn's ``MiniBatchKMeans`` was several
   times slower here for hundreds of clusters, its repeated k-means++ starts dominate).
2. **One tree over the micro-clusters' centres.** Average linkage on cosine distance
   (``scipy.cluster.hierarchy``), cut at three heights: :data:`SUBTOPIC_CUT` gives subtopics,
   :data:`TOPIC_CUT` topics, :data:`GROUP_CUT` groups of topics (the stages a proposed journey starts
   from). The cuts are of one tree, so every subtopic lies inside one topic and every topic inside
   one group. The number of topics is what the cut finds in the data, never given.

Topics with fewer than ``min_size`` tickets are not topics: their tickets are left unassigned (-1)
and counted as such. Measured on CLINC150 by ``benchmarks/bench_topics.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from journeys.topics.embedding import unit

DIRECT = 1_000  # up to this many distinct texts the tree is built on the texts themselves (CLINC150 val,
# 3,000 texts of 20 per intent: built directly 26 % were left in topics under 5, by k-means micro-clusters 2 %)
TICKETS_PER_MICRO = 10
MIN_MICRO = 300
MAX_MICRO = 1_000
SAMPLE_PER_MICRO = 20
ITERATIONS = 30  # k-means is fitted on at most this many tickets per micro-cluster
SUBTOPIC_CUT = 0.3  # cosine distances (average linkage) at which the tree is cut
TOPIC_CUT = 0.55
GROUP_CUT = 0.8
MIN_SIZE = 5
CHUNK = 10_000  # vectors compared with the centres at a time (10,000 × 1,000 similarities: 40 MB)
UNASSIGNED = -1


@dataclass(frozen=True)
class Clusters:
    """Per ticket its topic and subtopic (-1: unassigned); per topic its group; per topic its centre."""

    topic: np.ndarray  # int32, one per ticket
    subtopic: np.ndarray  # int32, one per ticket; subtopic numbers are global, not per topic
    group_of_topic: np.ndarray  # int32, one per topic
    topic_of_subtopic: np.ndarray  # int32, one per subtopic
    centroids: np.ndarray  # float32 unit vectors, one per topic

    @property
    def topics(self) -> int:
        return len(self.centroids)


def micro_clusters(vectors: np.ndarray, weights: np.ndarray, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Each vector's micro-cluster and the micro-clusters' unit centres (``weights``: tickets per vector)."""
    from sklearn.cluster import KMeans

    n = len(vectors)
    if n <= DIRECT:  # few distinct texts: each is its own micro-cluster, the tree is built on them directly
        return np.arange(n, dtype=np.int32), unit(vectors.astype(np.float32))
    k = int(min(MAX_MICRO, max(MIN_MICRO, n // TICKETS_PER_MICRO)))
    rng = np.random.default_rng(seed)
    chosen = np.arange(n) if n <= k * SAMPLE_PER_MICRO else rng.choice(n, k * SAMPLE_PER_MICRO, replace=False)
    # Random starts: k-means++ seeding of 1,000 centres took 30-100 s on 20,000 texts (scikit-learn upcasts
    # float32 distances in chunks), random starts ~1 s; CLINC150 test AMI 0.729 -> 0.723 (bench_topics.py).
    kmeans = KMeans(n_clusters=k, init="random", random_state=seed, n_init=1, max_iter=ITERATIONS).fit(
        vectors[chosen].astype(np.float32), sample_weight=weights[chosen])
    centres = unit(kmeans.cluster_centers_.astype(np.float32))
    labels = np.concatenate([nearest(vectors[i:i + CHUNK], centres) for i in range(0, n, CHUNK)]) \
        if n else np.zeros(0, dtype=np.int32)
    return labels.astype(np.int32), centres


def nearest(vectors: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Index of the most similar centre (dot product of unit vectors) for each vector."""
    return np.asarray(np.argmax(vectors.astype(np.float32, copy=False) @ centres.T, axis=1), dtype=np.int32)


def similarities(vectors: np.ndarray, rows: np.ndarray, centre: np.ndarray) -> np.ndarray:
    """Dot product of ``centre`` with the given rows of ``vectors`` (float16 ones read as float32 a chunk at a
    time: no float32 copy of a big topic's rows)."""
    return np.concatenate([vectors[rows[i:i + CHUNK]].astype(np.float32) @ centre
                           for i in range(0, len(rows), CHUNK)]) if len(rows) else np.zeros(0, np.float32)


def _cuts(centres: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Subtopic, topic and group of each micro-cluster: one average-linkage tree, cut three times."""
    from scipy.cluster.hierarchy import fcluster, linkage

    if len(centres) < 2:
        one = np.zeros(len(centres), dtype=np.int32)
        return one, one, one
    tree = linkage(centres.astype(np.float64), method="average", metric="cosine")
    sub, topic, group = (fcluster(tree, t=cut, criterion="distance").astype(np.int32) - 1
                         for cut in (SUBTOPIC_CUT, TOPIC_CUT, GROUP_CUT))
    return sub, topic, group


def cluster(vectors: np.ndarray, min_size: int = MIN_SIZE, seed: int = 0,
            weights: np.ndarray | None = None) -> Clusters:
    """Topics, subtopics and groups of unit ``vectors`` (zero vectors — empty texts — stay unassigned).

    ``weights``: how many tickets each vector stands for (identical texts are clustered once); sizes
    and ``min_size`` count tickets.
    """
    if vectors.dtype != np.float16:  # float16 stays so (half the memory); it is read as float32 chunk by chunk
        vectors = vectors.astype(np.float32, copy=False)
    weights = np.ones(len(vectors)) if weights is None else np.asarray(weights, dtype=np.float64)
    empty = ~np.concatenate([np.any(vectors[i:i + CHUNK] != 0, axis=1) for i in range(0, len(vectors), CHUNK)]) \
        if len(vectors) else np.zeros(0, dtype=bool)  # chunked: no (n, d) temporary
    present = np.flatnonzero(~empty)
    topic = np.full(len(vectors), UNASSIGNED, dtype=np.int32)
    subtopic = np.full(len(vectors), UNASSIGNED, dtype=np.int32)
    if len(present) == 0:
        return Clusters(topic, subtopic, np.zeros(0, np.int32), np.zeros(0, np.int32),
                        np.zeros((0, vectors.shape[1]), np.float32))
    micro, centres = micro_clusters(vectors if len(present) == len(vectors) else vectors[present], weights[present],
                                    seed)
    sub_of_micro, topic_of_micro, group_of_micro = _cuts(centres)
    raw_topic = topic_of_micro[micro]
    counts = np.bincount(raw_topic, weights=weights[present])
    kept = np.flatnonzero(counts >= min_size)
    kept = kept[np.argsort(-counts[kept], kind="stable")]  # topic 0 is the biggest
    renumber = np.full(len(counts), UNASSIGNED, dtype=np.int32)
    renumber[kept] = np.arange(len(kept), dtype=np.int32)
    topic[present] = renumber[raw_topic]

    raw_sub = sub_of_micro[micro]
    sub_counts = np.bincount(raw_sub, weights=weights[present])
    sub_topic = np.full(len(sub_counts), UNASSIGNED, dtype=np.int32)
    sub_topic[raw_sub] = topic[present]  # a subtopic lies inside one topic (cuts of one tree)
    subs = np.flatnonzero((sub_counts > 0) & (sub_topic != UNASSIGNED))
    subs = subs[np.lexsort((-sub_counts[subs], sub_topic[subs]))]
    sub_renumber = np.full(len(sub_counts), UNASSIGNED, dtype=np.int32)
    sub_renumber[subs] = np.arange(len(subs), dtype=np.int32)
    subtopic[present] = sub_renumber[raw_sub]

    group_of_topic = np.zeros(len(kept), dtype=np.int32)
    for raw, new in zip(kept, range(len(kept)), strict=True):
        group_of_topic[new] = group_of_micro[np.flatnonzero(topic_of_micro == raw)[0]]
    group_of_topic = np.unique(group_of_topic, return_inverse=True)[1].astype(np.int32)
    return Clusters(topic, subtopic, group_of_topic.astype(np.int32), sub_topic[subs].astype(np.int32),
                    unit(_centres(vectors, topic, weights, len(kept))))


def _centres(vectors: np.ndarray, topic: np.ndarray, weights: np.ndarray, topics: int) -> np.ndarray:
    """Each topic's weighted sum of its vectors, a chunk at a time (a sparse product per chunk: no copy of the
    vectors, float16 ones read as float32 one chunk at a time)."""
    from scipy.sparse import csr_matrix

    centroids = np.zeros((topics, vectors.shape[1]), dtype=np.float32)
    for start in range(0, len(vectors), CHUNK):
        part = topic[start:start + CHUNK]
        members = np.flatnonzero(part >= 0)
        if len(members):
            centroids += csr_matrix((weights[start + members].astype(np.float32), (part[members], members)),
                                    shape=(topics, len(part))) @ vectors[start:start + CHUNK].astype(np.float32)
    return centroids
