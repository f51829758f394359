"""A dataset's topics as people read and curate them: one versioned document per dataset.

Every topic keeps a stable id (``T1``, ``T2``…; subtopics ``T1.1``…) across curation and across new
dataset versions, so a mapping rule ("tickets in topic T4 → step Reset password") keeps meaning
the same thing. Which ticket is in which topic is not in the document (a million rows): it is a
Parquet file beside the dataset, named in :attr:`TopicSet.assignments`; the topics' centres (for
matching a new version's topics to the curated ones) are an ``.npy`` file named in
:attr:`TopicSet.centroids`.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from journeys.errors import InvalidJourney
from journeys.model import validation_problems

KIND = "topics"  # document kind; the key is the dataset's name
TOPIC_PREFIX = "T"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class Subtopic(_Model):
    id: str = Field(min_length=1, max_length=20)
    label: str = Field(min_length=1, max_length=120)
    words: list[str] = Field(default_factory=list, max_length=10)
    size: int = Field(ge=0)


class Topic(_Model):
    """One topic: what its tickets are about, how it was found, and what people did to it."""

    id: str = Field(min_length=1, max_length=20)
    label: str = Field(min_length=1, max_length=120)
    words: list[str] = Field(default_factory=list, max_length=10)  # distinctive words, most distinctive first
    size: int = Field(ge=0)
    group: int = Field(ge=0, default=0)  # topics of one group are close in meaning (a proposed journey's stage)
    example_ticket: str = Field(default="", max_length=200)  # the ticket nearest the topic's centre
    example_text: str = Field(default="", max_length=300)
    method: str = Field(max_length=80)  # which method made it (languages.EMBEDDING_METHOD or NGRAM_METHOD)
    language: str = Field(default="en", max_length=12)
    renamed: bool = False  # its label was given by a person: a new version keeps it
    pinned: bool = False  # kept on top and across versions even when nothing matches it any more
    new: bool = False  # found in this dataset version, matched to no topic of the previous one
    subtopics: list[Subtopic] = Field(default_factory=list)


class TopicSet(_Model):
    """The topics of one dataset version."""

    dataset: str = Field(min_length=1, max_length=200)
    dataset_version: int = Field(ge=1)
    model: str = Field(max_length=80)
    min_size: int = Field(ge=1)
    tickets: int = Field(ge=0)
    unassigned: int = Field(ge=0)
    assignments: str = Field(min_length=1, max_length=200)  # file name under the dataset's topics folder
    centroids: str = Field(min_length=1, max_length=200)
    topics: list[Topic] = Field(default_factory=list)

    def topic(self, topic_id: str) -> Topic:
        for t in self.topics:
            if t.id == topic_id:
                return t
        raise KeyError(topic_id)

    def ids(self) -> list[str]:
        return [t.id for t in self.topics]

    def labels(self) -> dict[str, str]:
        return {t.id: t.label for t in self.topics}


def parse_topic_set(data: Any) -> TopicSet:
    """A topic set from plain data; :class:`InvalidJourney` lists every problem in plain words."""
    if not isinstance(data, dict):
        raise InvalidJourney("A topic set must be an object with named fields")
    try:
        return TopicSet.model_validate(data)
    except ValidationError as error:
        raise InvalidJourney("The topic set is not valid", validation_problems(error, data)) from None


def next_topic_id(taken: list[str]) -> str:
    """The next free ``T<n>``."""
    numbers = [int(t[1:]) for t in taken if t.startswith(TOPIC_PREFIX) and t[1:].isdigit()]
    return f"{TOPIC_PREFIX}{max(numbers, default=0) + 1}"
