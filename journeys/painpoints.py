"""Pain points: a friction finding a person has written up, with the evidence that justifies it.

A pain point names a journey and its steps, the metric that hurts, and carries
its evidence **frozen at creation** (the metric values and sample sizes the
team saw when it decided this mattered) next to example tickets and customer
quotes. Today's values are computed live by :mod:`journeys.priorities`, so the
page can show "then" beside "now". Pain points are typed versioned documents
(:class:`journeys.store.typed_documents.DocumentRepository`, kind ``painpoint``, keys ``PP-1``,
``PP-2`` …): every edit is a revision and a stale edit is refused, as with journeys.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from journeys.errors import InvalidJourney
from journeys.metrics import METRICS
from journeys.model import validation_problems
from journeys.store.documents import Document
from journeys.store.typed_documents import DocumentRepository

KIND = "painpoint"
PREFIX = "PP"


class Status(StrEnum):
    """Where a pain point is in the loop; "in experiment" is set by the experiments that test a fix."""

    new = "new"
    investigating = "investigating"
    planned = "planned"
    in_experiment = "in experiment"
    resolved = "resolved"
    wont_fix = "won't fix"


OPEN_STATUSES = (Status.new, Status.investigating, Status.planned, Status.in_experiment)


class Source(StrEnum):
    """Where the pain point came from: a friction finding, a workshop note, or a person's own observation."""

    friction = "friction"
    note = "note"
    manual = "manual"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class Evidence(_Model):
    """One metric of one step over one period, as measured when the pain point was written up."""

    step: str = Field(min_length=1, max_length=80)
    metric: str
    value: float | None = None  # None: too few tickets to say
    baseline: float | None = None  # the journey's value over the same tickets
    n: int = Field(ge=0)  # tickets the value rests on
    start: datetime | None = None
    end: datetime | None = None  # exclusive
    dataset: str = ""
    dataset_version: int = 0

    @field_validator("metric")
    @classmethod
    def _known_metric(cls, metric: str) -> str:
        if metric not in METRICS:
            raise ValueError(f"'{metric}' is not a catalogue metric (known: {', '.join(METRICS)})")
        return metric


class PainPoint(_Model):
    """What hurts, where, how we know, who owns it and where it stands."""

    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=20_000)
    journey: str = Field(min_length=1, max_length=120)
    steps: list[str] = Field(default_factory=list, max_length=50)
    metric: str | None = None  # the catalogue metric that shows the pain (None: judged by the friction score)
    source: Source = Source.manual
    evidence: list[Evidence] = Field(default_factory=list, max_length=200)
    example_tickets: list[str] = Field(default_factory=list, max_length=50)  # ticket ids
    quotes: list[str] = Field(default_factory=list, max_length=50)
    owner: str = Field(default="", max_length=200)
    status: Status = Status.new
    delivery_link: str = Field(default="", max_length=2_000)  # Jira / Linear / GitHub URL
    tags: list[str] = Field(default_factory=list, max_length=30)
    effort: float | None = Field(default=None, gt=0, le=1_000)  # person-weeks; None: not estimated yet

    @field_validator("metric")
    @classmethod
    def _known_metric(cls, metric: str | None) -> str | None:
        if metric is not None and metric not in METRICS:
            raise ValueError(f"'{metric}' is not a catalogue metric (known: {', '.join(METRICS)})")
        return metric

    @field_validator("delivery_link")
    @classmethod
    def _web_link(cls, link: str) -> str:
        link = link.strip()
        if link and not link.lower().startswith(("https://", "http://")):
            raise ValueError("must be a web address starting with https:// (a Jira, Linear or GitHub link)")
        return link

    @field_validator("tags")
    @classmethod
    def _clean_tags(cls, tags: list[str]) -> list[str]:
        return list(dict.fromkeys(t.strip() for t in tags if t.strip()))

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


def parse_painpoint(data: Any) -> PainPoint:
    """A pain point from plain data; :class:`InvalidJourney` lists every problem in plain words."""
    if not isinstance(data, dict):
        raise InvalidJourney("A pain point must be an object with named fields")
    try:
        return PainPoint.model_validate(data)
    except ValidationError as error:
        raise InvalidJourney("The pain point is not valid", validation_problems(error, data)) from None


class StoredPainPoint(BaseModel):
    """A pain point with its key and the stored version it was read at (for stale-safe edits)."""

    model_config = ConfigDict(frozen=True)

    key: str
    version: int
    pain: PainPoint
    updated_by: str
    updated_at: datetime


class PainPoints(DocumentRepository[PainPoint, StoredPainPoint]):
    """The workspace's pain points, stored as versioned documents; their journey and steps must exist."""

    kind, prefix, noun, created = KIND, PREFIX, "Pain point", "Written up"

    def parse(self, body: Any) -> PainPoint:
        return parse_painpoint(body)

    def stored(self, document: Document) -> StoredPainPoint:
        return StoredPainPoint(key=document.key, version=document.version, pain=parse_painpoint(document.body),
                               updated_by=document.author, updated_at=document.created_at)

    def check(self, workspace: str, pain: PainPoint) -> None:
        self.require_steps(workspace, pain.journey, pain.steps)
