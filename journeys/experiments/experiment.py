"""Experiments: a change aimed at a pain point, what it should move, how it is measured, and what came of it.

An experiment names the journey steps it changes (``steps``), the untouched steps it is compared
with (``comparison_steps``, for difference-in-differences), one catalogue metric it should move
and which way, the smallest change worth acting on, guardrail metrics that must not get worse,
the design, and the dates. Its **status** follows one lifecycle (:data:`TRANSITIONS`):
draft → running → analysed → decided; "analysed → running" keeps collecting data when a result
was inconclusive and the team wants a longer window. A decided experiment is closed: to try again,
start a new one (``iterate``). The last analysis is kept as a snapshot (:class:`Result`) so the
page shows what the decision was based on; the **close-the-loop log** records who was told what.

Dates are calendar days (UTC). ``shipped`` is the intervention: tickets created from that day on
are "after". The analysis window runs from ``pre_start`` (inclusive) to ``post_end`` (exclusive);
when not given they default to :data:`DEFAULT_PRE_WEEKS` before and :data:`DEFAULT_POST_WEEKS`
after ``shipped``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from journeys.errors import InvalidJourney
from journeys.metrics import METRICS
from journeys.model import validation_problems

DEFAULT_PRE_WEEKS = 12
DEFAULT_POST_WEEKS = 8
# contact_rate needs a reach per step and week, which ticket data does not carry.
UNMEASURABLE = {"contact_rate": "it needs the reach of the step per week, which the tickets do not carry"}


class Design(StrEnum):
    """How the effect is measured (see :mod:`journeys.experiments.effects`)."""

    before_after = "before_after"  # interrupted time series on the treated steps
    did = "did"  # difference-in-differences against untouched comparison steps
    ab = "ab"  # tickets carry a variant (A/B arm)


class Status(StrEnum):
    draft = "draft"
    running = "running"
    analysed = "analysed"
    decided = "decided"


# The lifecycle: which status may follow which (anything else is refused).
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.draft: frozenset({Status.running}),
    Status.running: frozenset({Status.analysed}),
    Status.analysed: frozenset({Status.running, Status.decided}),
    Status.decided: frozenset(),
}


class Verdict(StrEnum):
    improved = "improved"
    worsened = "worsened"
    inconclusive = "inconclusive"


class Outcome(StrEnum):
    """What the team decided: keep the change, undo it, or try a variation (a new experiment)."""

    adopt = "adopt"
    roll_back = "roll back"
    iterate = "iterate"


class Audience(StrEnum):
    customers = "customers"
    segment = "a segment"
    agents = "agents"
    leadership = "leadership"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


def _web_link(link: str) -> str:
    link = link.strip()
    if link and not link.lower().startswith(("https://", "http://")):
        raise ValueError("must be a web address starting with https://")
    return link


class Decision(_Model):
    """Who decided what, when and why (the "why" is what the next team will want to read)."""

    outcome: Outcome
    by: str = Field(min_length=1, max_length=200)
    at: datetime
    why: str = Field(min_length=1, max_length=5_000)


class LoopEntry(_Model):
    """One "we told them" line of the close-the-loop log."""

    audience: Audience
    segment: str = Field(default="", max_length=200)  # which segment, when the audience is a segment
    channel: str = Field(min_length=1, max_length=100)  # email, in-app, all-hands, team meeting …
    message: str = Field(min_length=1, max_length=5_000)
    on: date
    evidence_link: str = Field(default="", max_length=2_000)
    by: str = Field(default="", max_length=200)

    @field_validator("evidence_link")
    @classmethod
    def _link(cls, link: str) -> str:
        return _web_link(link)

    @model_validator(mode="after")
    def _segment_named(self) -> LoopEntry:
        if self.audience == Audience.segment and not self.segment.strip():
            raise ValueError("say which segment was told (segment)")
        return self


class GuardrailResult(_Model):
    """A guardrail metric measured with the same design; ``worsened`` raises a flag on the result."""

    metric: str
    effect: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    verdict: Verdict = Verdict.inconclusive
    reasons: list[str] = Field(default_factory=list)

    @property
    def worsened(self) -> bool:
        return self.verdict == Verdict.worsened


class Result(_Model):
    """A snapshot of one analysis: the numbers the decision rests on, in the metric's own units.

    ``effect`` is after − before (for DiD: the treated steps' change minus the comparison steps'
    change; for A/B: treatment − control). ``relative_change`` is the effect over ``baseline``, the
    treated steps' value before (A/B: the control arm). ``interim`` results come from a window that
    has not ended yet and carry an anytime-valid interval (wider than the final one).
    """

    design: Design
    metric: str
    interim: bool
    analysed_at: datetime
    data_until: datetime | None = None  # the last ticket the analysis saw
    pre_start: date | None = None
    shipped: date | None = None
    post_end: date | None = None
    effect: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    confidence: float = 0.95
    relative_change: float | None = None
    baseline: float | None = None
    p_value: float | None = None
    pretrend_p: float | None = None
    pretrend_test: str = ""
    n_treated_pre: int = 0
    n_treated_post: int = 0
    n_comparison_pre: int = 0
    n_comparison_post: int = 0
    weeks_pre: int = 0
    weeks_post: int = 0
    verdict: Verdict = Verdict.inconclusive
    reasons: list[str] = Field(default_factory=list)  # why inconclusive, and any flag, in plain words
    # What each reason is about, aligned with ``reasons`` (journeys.experiments.verdict.REASON_CODES); empty
    # on results recorded before codes existed, which are then shown with their reasons as stored.
    reason_codes: list[str] = Field(default_factory=list)
    method: str = ""
    guardrails: list[GuardrailResult] = Field(default_factory=list)
    dataset: str = ""  # the ticket dataset analysed (set by whoever records the result; "" when not known)
    dataset_version: int | None = None

    @property
    def guardrails_worsened(self) -> list[str]:
        return [g.metric for g in self.guardrails if g.worsened]


class Experiment(_Model):
    """A change to some journey steps, the metric it should move, and the record of what happened."""

    title: str = Field(min_length=1, max_length=200)
    hypothesis: str = Field(default="", max_length=5_000)
    owner: str = Field(default="", max_length=200)
    pain_points: list[str] = Field(default_factory=list, max_length=50)  # pain point keys (PP-…)
    journey: str = Field(min_length=1, max_length=120)
    steps: list[str] = Field(default_factory=list, max_length=50)  # the steps the change touches
    comparison_steps: list[str] = Field(default_factory=list, max_length=50)  # untouched, for DiD
    metric: str
    direction: Literal["decrease", "increase"] = "decrease"  # not given: the metric's better direction
    smallest_effect: float | None = Field(default=None, gt=0)  # in the metric's units (0.03 = 3 points)
    guardrails: list[str] = Field(default_factory=list, max_length=12)
    design: Design = Design.did
    variants: tuple[str, str] = ("A", "B")  # A/B: control arm, treatment arm
    shipped: date | None = None
    pre_start: date | None = None
    post_end: date | None = None  # exclusive
    status: Status = Status.draft
    decision: Decision | None = None
    loop: list[LoopEntry] = Field(default_factory=list, max_length=500)
    result: Result | None = None
    delivery_link: str = Field(default="", max_length=2_000)

    @field_validator("delivery_link")
    @classmethod
    def _link(cls, link: str) -> str:
        return _web_link(link)

    @field_validator("metric")
    @classmethod
    def _measurable(cls, metric: str) -> str:
        if metric not in METRICS:
            raise ValueError(f"'{metric}' is not a catalogue metric (known: {', '.join(METRICS)})")
        if metric in UNMEASURABLE:
            raise ValueError(f"'{metric}' cannot be an experiment's metric: {UNMEASURABLE[metric]}")
        return metric

    @field_validator("guardrails")
    @classmethod
    def _known_guardrails(cls, guardrails: list[str]) -> list[str]:
        for metric in guardrails:
            cls._measurable(metric)
        return list(dict.fromkeys(guardrails))

    @field_validator("steps", "comparison_steps", "pain_points")
    @classmethod
    def _distinct(cls, values: list[str]) -> list[str]:
        return list(dict.fromkeys(v.strip() for v in values if v.strip()))

    @model_validator(mode="before")
    @classmethod
    def _default_direction(cls, data: Any) -> Any:
        """No direction given: the way the catalogue calls better (reopen_rate → decrease)."""
        if isinstance(data, dict) and data.get("direction") is None and data.get("metric") in METRICS:
            data = {**data, "direction": "decrease" if METRICS[data["metric"]].direction == "lower" else "increase"}
        return data

    @model_validator(mode="after")
    def _consistent(self) -> Experiment:
        if self.metric in self.guardrails:
            raise ValueError(f"'{self.metric}' is the target metric; it cannot also be a guardrail")
        both = sorted(set(self.steps) & set(self.comparison_steps))
        if both:
            raise ValueError(f"a step cannot be both changed and a comparison: {', '.join(both)}")
        if self.variants[0] == self.variants[1]:
            raise ValueError("the two A/B variants must differ")
        counts = [m for m in [self.metric, *self.guardrails] if METRICS[m].kind == "count"]
        if self.design == Design.ab and counts:
            raise ValueError(f"an A/B test cannot compare {', '.join(counts)}: an arm's count depends on how "
                             "traffic was split; compare a rate or a time instead")
        pre, shipped, end = self.pre_start, self.shipped, self.post_end
        if shipped is not None and pre is not None and pre >= shipped:
            raise ValueError("the before window must start before the change shipped (pre_start < shipped)")
        if shipped is not None and end is not None and end <= shipped:
            raise ValueError("the after window must end after the change shipped (post_end > shipped)")
        if self.status == Status.decided and self.decision is None:
            raise ValueError("a decided experiment needs its decision")
        return self

    @property
    def sign(self) -> int:
        """+1 when the experiment wants the metric up, -1 when down."""
        return 1 if self.direction == "increase" else -1

    def window(self) -> tuple[date, date, date]:
        """(pre_start, shipped, post_end) with the default windows filled in; needs ``shipped``."""
        if self.shipped is None:
            raise InvalidJourney(f"'{self.title}' has no shipped date yet: the analysis needs the day the change "
                                 "went live")
        pre = self.pre_start or self.shipped - timedelta(weeks=DEFAULT_PRE_WEEKS)
        end = self.post_end or self.shipped + timedelta(weeks=DEFAULT_POST_WEEKS)
        return pre, self.shipped, end

    def start_problems(self) -> list[str]:
        """What keeps this draft from starting, in plain words (empty: ready to run)."""
        problems = []
        if not self.steps:
            problems.append("name the step(s) the change touches")
        if self.shipped is None:
            problems.append("set the day the change ships (shipped)")
        if self.design == Design.did and not self.comparison_steps:
            problems.append("difference-in-differences needs at least one untouched comparison step")
        return problems


def utc_start(day: date) -> datetime:
    """Midnight UTC at the start of ``day`` (windows are whole UTC days)."""
    return datetime.combine(day, time(), tzinfo=UTC)


def parse_experiment(data: Any) -> Experiment:
    """An experiment from plain data; :class:`InvalidJourney` lists every problem in plain words."""
    if not isinstance(data, dict):
        raise InvalidJourney("An experiment must be an object with named fields")
    return _parsed(Experiment, data, "The experiment is not valid")


def parse_loop_entry(data: dict[str, Any]) -> LoopEntry:
    """A close-the-loop entry from plain data (a form, a CLI's options); problems in plain words, per field."""
    return _parsed(LoopEntry, data, "The entry is not complete")


def parse_decision(data: dict[str, Any]) -> Decision:
    """A decision record from plain data; a blank or overlong reason is a problem in plain words, not a traceback."""
    return _parsed(Decision, data, "The decision is not valid")


Parsed = TypeVar("Parsed", bound=BaseModel)


def _parsed(model: type[Parsed], data: dict[str, Any], headline: str) -> Parsed:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise InvalidJourney(headline, validation_problems(error, data)) from None
