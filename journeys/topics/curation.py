"""What people do to found topics: rename, merge, split, move tickets, pin — as pure functions.

Each takes the current topic set, its per-ticket assignment and its topics' centres and returns new
ones (nothing is changed in place, nothing is read or written): the use cases in
:mod:`journeys.usecases.topic_curation` load, apply and save the next version. Sizes and the count
of unassigned tickets are always recounted from the assignment, so they can never drift from it.
The centres matter beyond this version: the next discovery matches its topics to these centres
(:func:`journeys.topics.finding.discover`), so a merged topic's centre is its parts' size-weighted
mean, and a split's new topics get the centres of their own tickets.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from journeys.bounded import some_of
from journeys.errors import InvalidJourney, JourneysError, NotFound, Problem, clip_echo
from journeys.topics.embedding import unit
from journeys.topics.topic_set import Subtopic, Topic, TopicSet, next_topic_id

LABEL_LIMIT: int = next(m.max_length for m in Topic.model_fields["label"].metadata if hasattr(m, "max_length"))


@dataclass(frozen=True)
class Curated:
    """The result of one curation: the new topic set, assignment and centres, and what happened (in words)."""

    topics: TopicSet
    assignments: pd.DataFrame
    centres: dict[str, np.ndarray]
    message: str


@dataclass(frozen=True)
class NewPart:
    """What a split needs to know of one subtopic's tickets beyond the document: their centre and an example."""

    centre: np.ndarray | None  # None: the topic's own centre is kept (its method's vectors cannot be remade)
    example_ticket: str
    example_text: str


def clean_label(label: str) -> str:
    """A label as stored: one line, trimmed; blank or longer than the model allows is refused."""
    text = " ".join(str(label).split())
    if not text:
        raise InvalidJourney("A topic's label cannot be blank")
    if len(text) > LABEL_LIMIT:
        raise InvalidJourney(f"A topic's label can be at most {LABEL_LIMIT} characters (this one has {len(text)})")
    return text


def known(topic_set: TopicSet, topic_id: str) -> Topic:
    """The topic ``topic_id``, or NotFound naming (a few of) the topics there are."""
    try:
        return topic_set.topic(topic_id)
    except KeyError:
        listed = some_of(topic_set.ids()) or "none"
        raise NotFound(f"Dataset '{topic_set.dataset}' has no topic {clip_echo(topic_id, 40)!r} "
                       f"(topics: {listed})") from None


def rename(topic_set: TopicSet, frame: pd.DataFrame, centres: dict[str, np.ndarray], topic_id: str,
           label: str) -> Curated:
    """Give a topic a person's name; ``renamed`` makes the next discovery keep it."""
    topic = known(topic_set, topic_id)
    text = clean_label(label)
    updated = _replace(topic_set, {topic.id: topic.model_copy(update={"label": text, "renamed": True})})
    return Curated(updated, frame, centres, f"Renamed {topic.id} to '{text}'")


def pin(topic_set: TopicSet, frame: pd.DataFrame, centres: dict[str, np.ndarray], topic_id: str,
        pinned: bool) -> Curated:
    """Pin a topic (kept on top, and across versions) or unpin it."""
    topic = known(topic_set, topic_id)
    updated = _replace(topic_set, {topic.id: topic.model_copy(update={"pinned": bool(pinned)})})
    return Curated(_ordered(updated), frame, centres, f"{'Pinned' if pinned else 'Unpinned'} {topic.id}")


def merge(topic_set: TopicSet, frame: pd.DataFrame, centres: dict[str, np.ndarray], topic_ids: Sequence[str],
          label: str | None = None) -> Curated:
    """Merge topics into the first: its id survives, the others' tickets and subtopics move into it
    (subtopics renumbered under it), its centre becomes the size-weighted mean of theirs."""
    parts = [known(topic_set, t) for t in dict.fromkeys(topic_ids)]
    if len(parts) < 2:
        raise JourneysError("Merging needs at least two different topics")
    survivor, others = parts[0], parts[1:]
    text = clean_label(label) if label is not None else survivor.label
    renumber: dict[str, str] = {}
    subtopics: list[Subtopic] = []
    for part in parts:
        for sub in part.subtopics:
            renumber[sub.id] = f"{survivor.id}.{len(subtopics) + 1}"
            subtopics.append(sub.model_copy(update={"id": renumber[sub.id]}))
    merged = survivor.model_copy(update={
        "label": text, "renamed": survivor.renamed or label is not None, "pinned": any(p.pinned for p in parts),
        "new": False, "subtopics": subtopics})
    moved = frame.copy()
    moved.loc[moved["topic"].isin([p.id for p in others]), "topic"] = survivor.id
    moved["subtopic"] = moved["subtopic"].replace(renumber)
    gone = {p.id for p in others}
    kept = [merged if t.id == survivor.id else t for t in topic_set.topics if t.id not in gone]
    new_centres = {k: v for k, v in centres.items() if k not in gone}
    centre = _weighted_centre([p for p in parts if p.method == survivor.method], centres)
    if centre is not None:
        new_centres[survivor.id] = centre
    updated = _recount(topic_set.model_copy(update={"topics": kept}), moved)
    return Curated(updated, moved, new_centres,
                   f"Merged {', '.join(p.id for p in others)} into {survivor.id} ('{text}')")


def split(topic_set: TopicSet, frame: pd.DataFrame, centres: dict[str, np.ndarray], topic_id: str,
          parts: dict[str, NewPart]) -> Curated:
    """Make each of a topic's subtopics a topic of its own (new ids); ``parts`` gives each subtopic's
    centre and example (computed from its tickets by the caller)."""
    topic = known(topic_set, topic_id)
    if len(topic.subtopics) < 2:
        raise JourneysError(f"Topic {topic.id} has {len(topic.subtopics)} subtopic(s): only a topic with two or "
                            "more subtopics can be split")
    taken = topic_set.ids()
    moved = frame.copy()
    made: list[Topic] = []
    new_centres = {k: v for k, v in centres.items() if k != topic.id}
    for sub in topic.subtopics:
        new_id = next_topic_id(taken + [t.id for t in made])
        part = parts.get(sub.id)
        made.append(topic.model_copy(update={
            "id": new_id, "label": sub.label, "words": sub.words, "size": sub.size, "renamed": False, "new": False,
            "example_ticket": part.example_ticket[:200] if part else topic.example_ticket,
            "example_text": part.example_text[:300] if part else topic.example_text,
            "subtopics": [sub.model_copy(update={"id": f"{new_id}.1"})]}))
        rows = moved["subtopic"] == sub.id
        moved.loc[rows, "topic"], moved.loc[rows, "subtopic"] = new_id, f"{new_id}.1"
        centre = part.centre if part is not None and part.centre is not None else centres.get(topic.id)
        if centre is not None:
            new_centres[new_id] = centre
    leftover = moved["topic"] == topic.id  # tickets moved into the topic by hand: in none of its subtopics
    moved.loc[leftover, ["topic", "subtopic"]] = None
    kept: list[Topic] = []
    for t in topic_set.topics:
        kept.extend(made if t.id == topic.id else [t])
    updated = _recount(topic_set.model_copy(update={"topics": kept}), moved)
    return Curated(updated, moved, new_centres,
                   f"Split {topic.id} into {len(made)} topics: {some_of([t.id for t in made], quote='')}"
                   + (f"; {int(leftover.sum()):,} ticket(s) in none of its subtopics now in no topic"
                      if leftover.any() else ""))


def move(topic_set: TopicSet, frame: pd.DataFrame, centres: dict[str, np.ndarray], ticket_ids: Sequence[str],
         topic_id: str | None) -> Curated:
    """Put tickets into a topic (in none of its subtopics), or take them out of every topic (``None``)."""
    target = known(topic_set, topic_id) if topic_id is not None else None
    wanted = list(dict.fromkeys(str(t) for t in ticket_ids))
    if not wanted:
        raise JourneysError("Name at least one ticket to move")
    found = pd.Series(wanted, dtype=object).isin(frame["ticket_id"]).to_numpy()
    missing = [t for t, ok in zip(wanted, found, strict=True) if not ok]
    if missing:
        raise NotFound(f"{len(missing):,} ticket id(s) are not in dataset '{topic_set.dataset}' "
                       f"v{topic_set.dataset_version}: {some_of(missing)}",
                       [Problem("ticket", f"no ticket {clip_echo(t, 60)!r}") for t in missing[:5]])
    moved = frame.copy()
    rows = moved["ticket_id"].isin(wanted)
    moved.loc[rows, ["topic", "subtopic"]] = None
    if target is not None:
        moved.loc[rows, "topic"] = target.id
    updated = _recount(topic_set, moved)
    where = f"to {target.id}" if target is not None else "out of every topic"
    return Curated(updated, moved, centres, f"Moved {len(wanted):,} ticket(s) {where}")


def _replace(topic_set: TopicSet, changed: dict[str, Topic]) -> TopicSet:
    return topic_set.model_copy(update={"topics": [changed.get(t.id, t) for t in topic_set.topics]})


def _ordered(topic_set: TopicSet) -> TopicSet:
    """Pinned topics first, then by size (as discovery orders them); ties keep their order."""
    topics = sorted(topic_set.topics, key=lambda t: (not t.pinned, -t.size))
    return topic_set.model_copy(update={"topics": topics})


def _recount(topic_set: TopicSet, frame: pd.DataFrame) -> TopicSet:
    """Every topic's and subtopic's size, and the unassigned count, from the assignment."""
    topic_sizes = frame["topic"].dropna().value_counts().to_dict()
    sub_sizes = frame["subtopic"].dropna().value_counts().to_dict()
    topics = [t.model_copy(update={
        "size": int(topic_sizes.get(t.id, 0)),
        "subtopics": [s.model_copy(update={"size": int(sub_sizes.get(s.id, 0))}) for s in t.subtopics]})
        for t in topic_set.topics]
    unassigned = int(frame["topic"].isna().sum())
    return _ordered(topic_set.model_copy(update={"topics": topics, "unassigned": unassigned}))


def _weighted_centre(parts: list[Topic], centres: dict[str, np.ndarray]) -> np.ndarray | None:
    """The size-weighted mean of the parts' centres, back to unit length (None when none has a centre)."""
    have = [p for p in parts if p.id in centres]
    if not have:
        return None
    weights = np.asarray([max(p.size, 1) for p in have], dtype=np.float64)
    stacked = np.stack([np.asarray(centres[p.id], dtype=np.float64) for p in have])
    mean = (stacked * weights[:, None]).sum(axis=0, keepdims=True)
    return unit(mean.astype(np.float32))[0]
