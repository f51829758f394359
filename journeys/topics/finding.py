"""Discover a dataset version's topics: texts → language → vectors → clusters → labelled, matched topics.

The steps, each from a well-kept library: the ticket's text (its subject, and its description or
first message where the export has one); its language (:mod:`~journeys.topics.languages`); a
vector by meaning (:mod:`~journeys.topics.embedding`, cached per dataset version beside its
Parquet) or, for languages the model does not know, by character n-grams; topics and subtopics
(:mod:`~journeys.topics.clustering`, one run per method and language); labels from distinctive
words (:mod:`~journeys.topics.labels`). Then the topics are matched to the dataset's previous
topic set by their centres, so curated names, pins and ids survive a new version.

Identical texts are read, embedded and clustered once, weighted by how many tickets share them:
real subjects repeat ("Password reset", "Refund"), and a million tickets often have a tenth as
many distinct texts.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from journeys.tickets.datasets import DatasetVersion
from journeys.topics import clustering, embedding, labels, languages
from journeys.topics.topic_set import Subtopic, Topic, TopicSet, next_topic_id

TEXT_LIMIT = 300  # characters of a ticket's text that are read (a subject and the start of its description)
DESCRIPTION_COLUMNS = ("x_description", "x_first_message", "x_body", "x_message", "x_comment", "x_text")
MATCH_SIMILARITY = 0.8  # a new topic continues an old one when their centres are at least this similar
EMBEDDINGS_FOLDER = "embeddings"
# Links, e-mail addresses, words with three or more digits (order numbers, refs, dates) and "#12"-style
# numbers; "2FA", "4G" or "iPhone 15" stay: they say what the ticket is about.
IDENTIFIERS = re.compile(r"https?://\S+|\S+@\S+|\S*\d\S*\d\S*\d\S*|#\d\S*")
READ_BATCH = 100_000  # tickets read at a time when preparing
PREPARED_FORMAT = "1"  # raise when the prepared cache's columns change

Progress = Callable[[str, float], None]  # (what is happening, share done 0..1)


@dataclass(frozen=True)
class Discovered:
    """What a discovery produced: the topic set to save, the per-ticket assignment and the topics' centres."""

    topics: TopicSet
    assignments: pd.DataFrame
    centroids: np.ndarray  # one row per topic, in the order of topics.topics


def ticket_texts(dataset: DatasetVersion) -> tuple[list[str], list[str]]:
    """Ticket ids and the text topics read: subject, then the first description-like column there is."""
    columns, extra = _text_columns(dataset)
    return _ids_and_texts(pq.read_table(dataset.path, columns=columns).to_pandas(), extra)


def _text_columns(dataset: DatasetVersion) -> tuple[list[str], str | None]:
    """The columns a ticket's text is read from, and the description-like one among them (if any)."""
    names = pq.read_schema(dataset.path).names
    extra = next((c for c in DESCRIPTION_COLUMNS if c in names), None)
    return ["ticket_id", *(["subject"] if "subject" in names else []), *([extra] if extra else [])], extra


def _ids_and_texts(frame: pd.DataFrame, extra: str | None) -> tuple[list[str], list[str]]:
    text = frame["subject"].fillna("").astype(str) if "subject" in frame else pd.Series("", index=frame.index)
    if extra:
        text = text.str.cat(frame[extra].fillna("").astype(str), sep=" — ").str.strip(" —")
    return frame["ticket_id"].astype(str).tolist(), [t[:TEXT_LIMIT] for t in text.tolist()]


def _distinct_texts(dataset: DatasetVersion) -> tuple[np.ndarray, ...]:
    """Sorted distinct texts (identifiers dropped), each ticket's one (int32), their counts, and each one's first
    ticket and raw text: what ``np.unique`` gives, read batch by batch so a million tickets' texts are never
    all in memory (only the distinct ones)."""
    columns, extra = _text_columns(dataset)
    seen: dict[str, int] = {}
    first_ticket: list[str] = []
    first_raw: list[str] = []
    codes = []
    with pq.ParquetFile(dataset.path) as handle:
        for batch in handle.iter_batches(batch_size=READ_BATCH, columns=columns):
            ids, raws = _ids_and_texts(batch.to_pandas(), extra)
            batch_codes = np.empty(len(raws), dtype=np.int32)
            for i, raw in enumerate(raws):
                clean = without_identifiers(raw)
                code = seen.get(clean)
                if code is None:
                    code = seen[clean] = len(seen)
                    first_ticket.append(ids[i])
                    first_raw.append(raw)
                batch_codes[i] = code
            codes.append(batch_codes)
    texts = np.asarray(list(seen), dtype=object)
    order = np.argsort(texts, kind="stable")  # the order np.unique sorts in
    rank = np.empty(len(order), dtype=np.int32)
    rank[order] = np.arange(len(order), dtype=np.int32)
    inverse = rank[np.concatenate(codes)] if codes else np.zeros(0, dtype=np.int32)
    return (texts[order], inverse, np.bincount(inverse, minlength=len(texts)).astype(np.int64),
            np.asarray(first_ticket, dtype=object)[order], np.asarray(first_raw, dtype=object)[order])


def without_identifiers(text: str) -> str:
    """The text without what identifies one case rather than what it is about: words with three or more
    digits (order numbers, refs, dates), ``#12``-style numbers, links and e-mail addresses. "Refund for
    order #48213" and "Refund for order #10077" are then one text, read and clustered once, and order
    numbers never become a topic's words."""
    return " ".join(IDENTIFIERS.sub(" ", text).split())


def cached_vectors(dataset: DatasetVersion, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
    """The (distinct) texts' embeddings as float16 (half the memory: a million texts are 0.5 GB), read from the
    dataset version's cache when computed before."""
    digest = hashlib.sha1("\x1e".join(texts).encode("utf-8", "surrogatepass")).hexdigest()[:16]
    path = Path(dataset.path).parent / EMBEDDINGS_FOLDER / f"v{dataset.version}-{embedding.MODEL}-{digest}.npy"
    if path.is_file():
        return np.load(path).astype(np.float16, copy=False)

    def step(done: int, total: int) -> None:
        if progress is not None:
            progress(f"Reading {total:,} distinct texts by meaning", 0.1 + 0.7 * done / max(total, 1))

    vectors = embedding.embed(texts, step, dtype=np.float16)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}-{uuid.uuid4().hex}.npy")
    try:
        np.save(tmp, vectors)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return vectors


@dataclass(frozen=True)
class Prepared:
    """A version's texts as discovery reads them: distinct texts (identifiers dropped), which one each ticket
    has, how many tickets share each, each one's first ticket and raw text (examples), language and confidence."""

    texts: np.ndarray  # distinct texts (object), sorted
    inverse: np.ndarray  # int32, per ticket: its distinct text
    counts: np.ndarray  # int64, tickets per distinct text
    first_ticket: np.ndarray  # object: the first ticket with each distinct text
    first_raw: np.ndarray  # object: that ticket's text as written
    langs: np.ndarray  # object: language code per distinct text
    scores: np.ndarray  # float32: the language model's confidence


@functools.cache
def _preparation_tag() -> str:
    """Names what preparing depends on (the code of reading texts, dropping identifiers and telling languages,
    and their constants): a change of any of them names another cache file, never a stale one."""
    import inspect

    parts = [inspect.getsource(f) for f in (_distinct_texts, _ids_and_texts, without_identifiers, languages.detect)]
    parts += [IDENTIFIERS.pattern, str(TEXT_LIMIT), ",".join(DESCRIPTION_COLUMNS), PREPARED_FORMAT]
    return hashlib.sha1("\x1e".join(parts).encode()).hexdigest()[:10]


def prepared_path(dataset: DatasetVersion) -> Path:
    """Where the version's prepared texts are cached: beside its embeddings, named by the version, what the
    file holds (row count and size) and the preparation's tag."""
    size = Path(dataset.path).stat().st_size
    return (Path(dataset.path).parent / EMBEDDINGS_FOLDER
            / f"v{dataset.version}-prepared-{dataset.rows}-{size}-{_preparation_tag()}.parquet")


def prepared(dataset: DatasetVersion, say: Progress | None = None) -> Prepared:
    """The version's prepared texts: read from its cache, else from the tickets (then cached). Re-clustering
    a million tickets then reads ~half a million distinct texts instead of reading, cleaning and
    language-detecting every ticket again."""
    path = prepared_path(dataset)
    inverse_path = path.with_suffix(".inverse")
    if path.is_file() and inverse_path.is_file():
        table = pq.read_table(path)
        column = lambda name: table.column(name).to_numpy(zero_copy_only=False)  # noqa: E731
        return Prepared(column("text").astype(object), np.fromfile(inverse_path, dtype=np.int32),
                        column("count").astype(np.int64), column("first_ticket").astype(object),
                        column("first_raw").astype(object), column("lang").astype(object),
                        column("score").astype(np.float32))
    texts, inverse, counts, first_ticket, first_raw = _distinct_texts(dataset)
    if say is not None:
        say(f"Telling the language of {len(texts):,} distinct texts", 0.05)
    langs, scores = languages.detect(texts.tolist())
    prep = Prepared(texts, inverse, counts, first_ticket, first_raw, langs, scores)
    _write_prepared(prep, path, inverse_path)
    return prep


def _write_prepared(prep: Prepared, path: Path, inverse_path: Path) -> None:
    """Both files written aside and renamed into place, the inverse first: the Parquet's presence means both are."""
    import pyarrow as pa

    path.parent.mkdir(parents=True, exist_ok=True)
    stamp = uuid.uuid4().hex
    tmp_inverse, tmp = path.with_name(f".{path.stem}-{stamp}.inverse"), path.with_name(f".{path.stem}-{stamp}.tmp")
    try:
        prep.inverse.tofile(tmp_inverse)
        os.replace(tmp_inverse, inverse_path)
        pq.write_table(pa.table({
            "text": pa.array(prep.texts.tolist(), pa.string()), "count": prep.counts,
            "first_ticket": pa.array(prep.first_ticket.tolist(), pa.string()),
            "first_raw": pa.array(prep.first_raw.tolist(), pa.string()),
            "lang": pa.array(prep.langs.tolist(), pa.string()), "score": prep.scores}), tmp)
        os.replace(tmp, path)
    finally:
        tmp_inverse.unlink(missing_ok=True)
        tmp.unlink(missing_ok=True)


@dataclass(frozen=True)
class _Part:
    """One clustering run over distinct texts: those of one method (and, for n-grams, one language)."""

    rows: np.ndarray  # indexes into the distinct texts
    vectors: np.ndarray
    method: str
    language: str


@dataclass
class _Found:
    """Topics found so far, over the distinct texts: topic and subtopic keys, and each topic's parts."""

    topic: np.ndarray  # per distinct text: index into topics, -1 unassigned
    subtopic: np.ndarray  # per distinct text: index into subtopics, -1 unassigned
    topics: list[Topic]
    centres: list[np.ndarray]
    subtopics: list[Subtopic]  # ids are their index as text until the topic's id is known
    subtopic_topic: list[int]


def _parts(texts: np.ndarray, langs: np.ndarray, covered: np.ndarray, counts: np.ndarray, vectors: np.ndarray,
           min_size: int) -> list[_Part]:
    parts = [_Part(np.flatnonzero(covered), vectors, languages.EMBEDDING_METHOD, "en")]
    for lang in sorted(set(langs[~covered].tolist())):
        rows = np.flatnonzero(~covered & (langs == lang))
        if counts[rows].sum() >= min_size:
            parts.append(_Part(rows, languages.ngram_vectors(texts[rows].tolist()), languages.NGRAM_METHOD, str(lang)))
    return parts


def _cluster_part(part: _Part, texts: np.ndarray, counts: np.ndarray, examples: tuple[np.ndarray, np.ndarray],
                  found: _Found, min_size: int, seed: int) -> None:
    """Cluster one part and add its topics and subtopics to ``found``."""
    weights = counts[part.rows]
    result = clustering.cluster(part.vectors, min_size=min_size, seed=seed, weights=weights)
    part_texts = texts[part.rows].tolist()
    words = labels.distinctive_words(part_texts, result.topic, result.topics, seed, weights)
    sub_words = labels.distinctive_words(part_texts, result.subtopic, len(result.topic_of_subtopic), seed, weights)
    first_topic, first_sub = len(found.topics), len(found.subtopics)
    for t in range(result.topics):
        members = np.flatnonzero(result.topic == t)
        nearest = part.rows[members[int(np.argmax(clustering.similarities(part.vectors, members,
                                                                          result.centroids[t])))]]
        index = first_topic + t
        found.topics.append(Topic(
            id=str(index), label=labels.label_from(words[t], f"Topic {index + 1}"), words=words[t],
            size=int(weights[members].sum()), group=int(result.group_of_topic[t]),
            example_ticket=str(examples[0][nearest])[:200], example_text=str(examples[1][nearest])[:300],
            method=part.method,
            language=part.language))
        found.centres.append(np.pad(result.centroids[t], (0, embedding.DIMENSIONS - result.centroids.shape[1])))  # one
        # width for every method's centres (n-gram vectors have at most 128), so they are stored as one matrix
    for s, owner in enumerate(result.topic_of_subtopic):
        members = result.subtopic == s
        found.subtopics.append(Subtopic(id=str(first_sub + s), label=labels.label_from(sub_words[s], "Subtopic"),
                                        words=sub_words[s], size=int(weights[members].sum())))
        found.subtopic_topic.append(first_topic + int(owner))
    assigned = result.topic >= 0
    found.topic[part.rows[assigned]] = first_topic + result.topic[assigned]
    found.subtopic[part.rows[assigned]] = first_sub + result.subtopic[assigned]


def discover(dataset: DatasetVersion, *, min_size: int = clustering.MIN_SIZE, previous: TopicSet | None = None,
             previous_centroids: dict[str, np.ndarray] | None = None, progress: Progress | None = None,
             seed: int = 0) -> Discovered:
    """The topics of ``dataset``; with ``previous`` (and its centres) the curated ones carry over."""
    say = progress or (lambda _what, _share: None)
    say("Reading the tickets", 0.0)
    prep = prepared(dataset, say)
    texts, counts, langs = prep.texts, prep.counts, prep.langs
    covered = languages.embedding_covers(langs, prep.scores)
    vectors = cached_vectors(dataset, texts[covered].tolist(), progress)
    say("Grouping the tickets into topics", 0.8)
    found = _Found(np.full(len(texts), -1), np.full(len(texts), -1), [], [], [], [])
    for part in _parts(texts, langs, covered, counts, vectors, min_size):
        if len(part.rows):
            _cluster_part(part, texts, counts, (prep.first_ticket, prep.first_raw), found, min_size, seed)
    del vectors
    say("Matching the topics to the ones you curated", 0.95)
    topics, matrix, topic_ids, sub_ids = _settle(found, previous, previous_centroids or {})
    per_text_topic = np.where(found.topic >= 0, topic_ids[np.maximum(found.topic, 0)], None)
    per_text_sub = np.where(found.subtopic >= 0, sub_ids[np.maximum(found.subtopic, 0)], None)
    ticket_ids = pq.read_table(dataset.path, columns=["ticket_id"]).column("ticket_id").cast("string").to_pylist()
    assignments = pd.DataFrame({"ticket_id": ticket_ids, "topic": per_text_topic[prep.inverse],
                                "subtopic": per_text_sub[prep.inverse], "language": langs.astype(str)[prep.inverse]})
    topic_set = TopicSet(dataset=dataset.name, dataset_version=dataset.version, model=embedding.MODEL,
                         min_size=min_size, tickets=len(ticket_ids), unassigned=int(counts[found.topic < 0].sum()),
                         assignments="-", centroids="-", topics=topics)
    say("Done", 1.0)
    return Discovered(topic_set, assignments, matrix)


def _settle(found: _Found, previous: TopicSet | None, centres: dict[str, np.ndarray],
            ) -> tuple[list[Topic], np.ndarray, np.ndarray, np.ndarray]:
    """Final topics (ids matched to the previous set, curated names and pins kept), sorted pinned first then
    by size; their centres; and the final topic and subtopic id of each found topic and subtopic."""
    matched = _match(found, previous, centres)
    topic_ids = np.asarray([new_id for new_id, _ in matched], dtype=object)
    sub_ids = np.full(len(found.subtopics), None, dtype=object)
    numbered: dict[int, int] = {}
    for s, owner in enumerate(found.subtopic_topic):
        numbered[owner] = numbered.get(owner, 0) + 1
        sub_ids[s] = f"{topic_ids[owner]}.{numbered[owner]}"
    topics = []
    for t, (topic, (new_id, old)) in enumerate(zip(found.topics, matched, strict=True)):
        subtopics = [found.subtopics[s].model_copy(update={"id": sub_ids[s]})
                     for s, owner in enumerate(found.subtopic_topic) if owner == t]
        topics.append(topic.model_copy(update={
            "id": new_id, "new": old is None and previous is not None,
            "label": old.label if old is not None and old.renamed else topic.label,
            "renamed": old is not None and old.renamed, "pinned": old is not None and old.pinned,
            "subtopics": subtopics}))
    kept = {m.id for _, m in matched if m is not None}  # a pinned topic nothing matches stays, with no tickets
    pins = [t for t in (previous.topics if previous else []) if t.pinned and t.id not in kept and t.id in centres]
    topics += [t.model_copy(update={"size": 0, "new": False, "example_ticket": "", "example_text": "",
                                    "subtopics": [s.model_copy(update={"size": 0}) for s in t.subtopics]})
               for t in pins]
    all_centres = [*found.centres, *(centres[t.id] for t in pins)]
    order = sorted(range(len(topics)), key=lambda i: (not topics[i].pinned, -topics[i].size))
    matrix = np.asarray([all_centres[i] for i in order], dtype=np.float32).reshape(len(order), -1)
    return [topics[i] for i in order], matrix, topic_ids, sub_ids


def _match(found: _Found, previous: TopicSet | None, centres: dict[str, np.ndarray]) -> list[tuple[str, Topic | None]]:
    """Each found topic's id and the old topic it continues: an old topic's id when their centres are at least
    :data:`MATCH_SIMILARITY` alike and they were made by the same method (one to one, most similar first)."""
    old = [t for t in (previous.topics if previous else []) if t.id in centres]
    chosen: dict[int, Topic] = {}
    if old and found.topics:
        similarity = np.stack(found.centres) @ np.stack([centres[t.id] for t in old]).T
        rows, cols = np.nonzero(similarity >= MATCH_SIMILARITY)
        used: set[int] = set()
        for i, j in sorted(zip(rows.tolist(), cols.tolist(), strict=True), key=lambda ij: -similarity[ij]):
            if i not in chosen and j not in used and found.topics[i].method == old[j].method:
                chosen[i] = old[j]
                used.add(j)
    taken = [t.id for t in (previous.topics if previous else [])]
    matched: list[tuple[str, Topic | None]] = []
    for i in range(len(found.topics)):
        new_id = chosen[i].id if i in chosen else next_topic_id(taken + [m for m, _ in matched])
        matched.append((new_id, chosen.get(i)))
    return matched
