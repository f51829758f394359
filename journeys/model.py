"""The vocabulary of a journey workspace as validated models.

A journey is the unit a workshop edits and the store versions: ordered stages
and lanes (a service blueprint's grid), steps placed on that grid, and
transitions between steps. Validation collects *every* problem with a message a
workshop facilitator understands ("step 'Chat bot' is in stage 'Helpp', which
the journey does not have") rather than stopping at the first.
"""

from __future__ import annotations

import re
import reprlib
import unicodedata
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from journeys.bounded import some_of
from journeys.errors import InvalidJourney, Problem

DEFAULT_STAGES = ["Discover", "Sign up", "Onboard", "Use", "Get help", "Renew"]
DEFAULT_LANES = ["customer", "frontstage", "backstage", "system"]
CHANNELS = ["web", "app", "email", "chat", "bot", "phone", "store", "community", "social", "sms"]
EMOTION_MIN, EMOTION_MAX = -2, 2

# The size limits of one journey. A workshop map has tens of steps and a detailed service
# blueprint a few hundred; 20,000 steps is far above any real map, yet leaves room for the
# hostile case the checks are measured on (a 10,000-step bot loop plus its entry, checked in
# well under 2 s; benchmarks/bench_checks.py times every check up to this limit), so a journey
# inside the limits stays usable. Real maps have one to three transitions per step: five per
# step on average leaves room for dense decision graphs while keeping graph work (linear in
# steps + transitions) bounded. Two notes per step at the step limit; the grid lists (stages,
# lanes, personas) are headers a person reads, and 200 is more than a page can show. Above a
# limit a journey is refused in words, before any other check.
MAX_STEPS = 20_000
MAX_TRANSITIONS = 100_000
MAX_NOTES = 40_000
MAX_GRID = 200
LIMITS = {"steps": MAX_STEPS, "transitions": MAX_TRANSITIONS, "notes": MAX_NOTES,
          "stages": MAX_GRID, "lanes": MAX_GRID, "personas": MAX_GRID}


class JourneyState(StrEnum):
    """Whether a journey maps how things are today or how they should become."""

    current = "current"
    future = "future"


class StepKind(StrEnum):
    """What a step is on the map: something that happens, a branch, or an end."""

    touchpoint = "touchpoint"
    decision = "decision"
    outcome = "outcome"


class HandledBy(StrEnum):
    """Who carries out a step; drives the bot-loop and route-to-human checks."""

    customer = "customer"
    bot = "bot"
    human = "human"
    system = "system"


class TransitionKind(StrEnum):
    """Why customers move along a transition; styled apart on the map."""

    normal = "normal"
    escalation = "escalation"
    fallback = "fallback"
    retry = "retry"


class NoteKind(StrEnum):
    """Workshop annotation types; a pain note can become a pain point later."""

    pain = "pain"
    idea = "idea"
    question = "question"
    quote = "quote"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True, use_enum_values=False)


class Step(_Model):
    """A touchpoint, decision or outcome, placed at a stage and lane."""

    id: str = Field(min_length=1, max_length=80)
    label: str = Field(min_length=1, max_length=200)
    stage: str
    lane: str = "customer"
    channel: str = ""
    emotion: int | None = Field(default=None, ge=EMOTION_MIN, le=EMOTION_MAX)
    # How a particular persona feels here when it differs from ``emotion`` (persona name → −2 … +2).
    persona_emotions: dict[str, Annotated[int, Field(ge=EMOTION_MIN, le=EMOTION_MAX)]] = Field(default_factory=dict)
    # Who takes part, as a Mermaid journey task lists its actors (kept so a diagram round-trips exactly);
    # empty for steps made here, whose export uses the lane and the journey's personas instead.
    actors: list[str] = Field(default_factory=list)
    owner: str = ""
    description: str = ""
    kind: StepKind = StepKind.touchpoint
    handled_by: HandledBy = HandledBy.customer

    @field_validator("id")
    @classmethod
    def _id_is_slug(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", value):
            raise ValueError("use letters, digits, '-', '_' or '.' only (no spaces), e.g. 'chat-bot'")
        return value

    @property
    def automated(self) -> bool:
        """True for steps no person carries out on our side."""
        return self.handled_by == HandledBy.bot


class Transition(_Model):
    """Customers moving from one step to another, with the share expected to."""

    source: str
    target: str
    share: float | None = Field(default=None, ge=0.0, le=1.0)
    kind: TransitionKind = TransitionKind.normal
    label: str = ""


class Note(_Model):
    """A workshop annotation on a step: pain, idea, question or customer quote."""

    step: str
    kind: NoteKind = NoteKind.pain
    text: str = Field(min_length=1, max_length=2000)
    author: str = ""
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))


class Journey(_Model):
    """A directed graph of steps on a stage × lane grid; the unit of versioning."""

    name: str = Field(min_length=1, max_length=120)
    state: JourneyState = JourneyState.current
    derived_from: str | None = None
    description: str = ""
    stages: list[str] = Field(default_factory=lambda: list(DEFAULT_STAGES))
    lanes: list[str] = Field(default_factory=lambda: list(DEFAULT_LANES))
    personas: list[str] = Field(default_factory=list)
    entry: str | None = None
    steps: list[Step] = Field(default_factory=list)
    transitions: list[Transition] = Field(default_factory=list)
    notes: list[Note] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _within_limits(cls, data: Any) -> Any:
        """Refuse an oversized journey before its items are validated one by one (bounded work)."""
        if isinstance(data, dict):
            problems = size_problems(data)
            if problems:
                raise ValueError("; ".join(p.reason for p in problems))
        return data

    def step(self, step_id: str) -> Step:
        """The step with this id; KeyError names it when missing."""
        for s in self.steps:
            if s.id == step_id:
                return s
        raise KeyError(f"no step '{step_id}' in journey '{self.name}'")

    def step_ids(self) -> list[str]:
        return [s.id for s in self.steps]

    def entry_step(self) -> str | None:
        """The declared entry, else the first step nobody transitions into."""
        if self.entry:
            return self.entry
        targets = {t.target for t in self.transitions}
        for s in self.steps:
            if s.id not in targets:
                return s.id
        return self.steps[0].id if self.steps else None

    def emotion_of(self, step_id: str, persona: str | None = None) -> int | None:
        """The step's emotion for a persona (its own when given), else the step's emotion."""
        step = self.step(step_id)
        return step.persona_emotions.get(persona, step.emotion) if persona else step.emotion

    def notes_for(self, step_id: str) -> list[Note]:
        return [n for n in self.notes if n.step == step_id]


def size_problems(data: dict[str, Any]) -> list[Problem]:
    """The :data:`LIMITS` plain journey data breaks, in words ("a journey holds at most …")."""
    problems = []
    for field, limit in LIMITS.items():
        value = data.get(field)
        if isinstance(value, list | tuple) and len(value) > limit:
            problems.append(Problem(field, f"a journey holds at most {limit:,} {field}; this one has {len(value):,}",
                                    (field,)))
    return problems


def integrity_problems(journey: Journey) -> list[Problem]:
    """Cross-field rules pydantic's per-field checks cannot see.

    Returns every problem found, each naming the step or transition involved: the grid's first,
    then the steps', then what refers to a step (transitions, the entry, notes).
    """
    step_ids = {s.id for s in journey.steps}
    return [*_grid_problems(journey), *_step_problems(journey), *_reference_problems(journey, step_ids)]


def _grid_problems(journey: Journey) -> list[Problem]:
    problems: list[Problem] = []
    if len(set(journey.stages)) != len(journey.stages):
        problems.append(Problem("stages", "a stage is listed twice"))
    if len(set(journey.lanes)) != len(journey.lanes):
        problems.append(Problem("lanes", "a lane is listed twice"))
    if not journey.stages:
        problems.append(Problem("stages", "a journey needs at least one stage"))
    if not journey.lanes:
        problems.append(Problem("lanes", "a journey needs at least one lane"))
    return problems


def _step_problems(journey: Journey) -> list[Problem]:
    """Steps off the grid, ids used twice, emotions for personas the journey does not list."""
    problems: list[Problem] = []
    stages, lanes, personas = set(journey.stages), set(journey.lanes), set(journey.personas)
    seen: set[str] = set()
    for i, s in enumerate(journey.steps):
        where, path = f"step '{s.label}'", ("steps", i)
        if s.id in seen:
            problems.append(Problem(where, f"step id '{s.id}' is used by another step", (*path, "id")))
        seen.add(s.id)
        if s.stage not in stages:
            problems.append(Problem(where, f"stage '{s.stage}' is not one of the journey's stages "
                                           f"[{some_of(journey.stages)}]", (*path, "stage")))
        if s.lane not in lanes:
            problems.append(Problem(where, f"lane '{s.lane}' is not one of the journey's lanes "
                                           f"[{some_of(journey.lanes)}]", (*path, "lane")))
        for persona in s.persona_emotions:
            if persona not in personas:
                problems.append(Problem(where, f"has an emotion for persona '{persona}', which the journey does not "
                                               f"list among its personas [{some_of(journey.personas)}]",
                                        (*path, "persona_emotions")))
    return problems


def _reference_problems(journey: Journey, step_ids: set[str]) -> list[Problem]:
    """Transitions, the entry and notes that name a missing step; transitions listed twice."""
    problems: list[Problem] = []
    pairs: set[tuple[str, str]] = set()
    for i, t in enumerate(journey.transitions):
        where, path = f"transition {t.source} → {t.target}", ("transitions", i)
        for end, field in ((t.source, "source"), (t.target, "target")):
            if end not in step_ids:
                problems.append(Problem(where, f"step '{end}' does not exist", (*path, field)))
        if (t.source, t.target) in pairs:
            problems.append(Problem(where, "this transition is listed twice", path))
        pairs.add((t.source, t.target))
    if journey.entry is not None and journey.entry not in step_ids:
        problems.append(Problem("entry", f"entry step '{journey.entry}' does not exist", ("entry",)))
    for i, n in enumerate(journey.notes):
        if n.step not in step_ids:
            problems.append(Problem(f"notes[{i}]", f"note is on step '{n.step}', which does not exist",
                                    ("notes", i, "step")))
    return problems


def _describe(data: dict[str, Any], loc: tuple[Any, ...]) -> str:
    """A location a facilitator recognises: "step 'Chat bot' · emotion", not "steps[7].emotion"."""
    rest = loc
    prefix = ""
    if len(loc) >= 2 and loc[0] in ("steps", "transitions") and isinstance(loc[1], int):
        listed = data.get(loc[0])
        items: list[Any] = listed if isinstance(listed, list) else []
        item = items[loc[1]] if loc[1] < len(items) and isinstance(items[loc[1]], dict) else {}
        if loc[0] == "steps" and item.get("label"):
            prefix = f"step '{item['label']}'"
        elif loc[0] == "transitions" and item.get("source") and item.get("target"):
            prefix = f"transition {item['source']} → {item['target']}"
        else:
            prefix = f"{loc[0]}[{loc[1]}]"
        rest = loc[2:]
    tail = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in rest).lstrip(".")
    return f"{prefix} · {tail}" if prefix and tail else prefix or tail


_BOUNDED = reprlib.Repr()  # a huge list or object as input: a few items, never the whole thing
_BOUNDED.maxlevel, _BOUNDED.maxdict, _BOUNDED.maxlist, _BOUNDED.maxtuple = 2, 4, 4, 4
_BOUNDED.maxstring = _BOUNDED.maxother = 40


def in_words(error: Any) -> str:
    """One pydantic error as the reason a person reads after the field's name ("Channel: is blank — fill it
    in"), instead of pydantic's "String should have at least 1 character". The one place these are worded:
    every form shows them through ``ui.session.problem_words`` with its own field names."""
    kind, ctx, given = error["type"], error.get("ctx") or {}, error.get("input")
    if kind == "missing":
        return "is required"
    if kind == "string_too_short" and ctx.get("min_length") == 1:
        return "is blank — fill it in"
    if kind == "extra_forbidden":
        return "is not a field of this model (misspelt?)"
    worded = {
        "string_too_short": "is too short: at least {min_length} characters",
        "string_too_long": "is too long: at most {max_length:,} characters",
        "too_short": "needs at least {min_length} item(s)",
        "too_long": "has too many items: at most {max_length:,}",
        "greater_than_equal": "must be {ge} or more", "greater_than": "must be more than {gt}",
        "less_than_equal": "must be {le} or less", "less_than": "must be less than {lt}",
        "int_parsing": "must be a whole number", "int_type": "must be a whole number",
        "int_from_float": "must be a whole number", "float_parsing": "must be a number",
        "float_type": "must be a number", "finite_number": "must be a number (not infinite)",
        "bool_parsing": "must be yes or no", "enum": "must be one of: {expected}",
        "literal_error": "must be one of: {expected}", "url_parsing": "is not a web address (https://…)",
        "url_scheme": "is not a web address (https://…)", "date_from_datetime_parsing": "is not a date",
        "datetime_from_date_parsing": "is not a date and time", "date_parsing": "is not a date",
        "datetime_parsing": "is not a date and time",
    }.get(kind)
    try:
        message = worded.format(**ctx) if worded else error["msg"].removeprefix("Value error, ")
    except (KeyError, ValueError):  # a context without the number we expected: pydantic's own words
        message = error["msg"].removeprefix("Value error, ")
    if "input" in error and given not in ("", None):
        shown = _BOUNDED.repr(given) if isinstance(given, dict | list | tuple) else repr(given)
        message = f"{message} (got {shown[:80] + '…' if len(shown) > 80 else shown})"
    return message


def validation_problems(error: ValidationError, data: dict[str, Any]) -> list[Problem]:
    """Turn pydantic's errors into located, plain-language problems."""
    return [Problem(_describe(data, tuple(e["loc"])), in_words(e), tuple(e["loc"])) for e in error.errors()]


def parse_journey(data: dict[str, Any]) -> Journey:
    """Build a journey from plain data, raising InvalidJourney listing all problems."""
    if not isinstance(data, dict):
        raise InvalidJourney("A journey must be an object with named fields")
    too_big = size_problems(data)
    if too_big:  # before pydantic walks 100,000 items
        raise InvalidJourney("The journey is too large", too_big)
    try:
        journey = Journey.model_validate(data)
    except ValidationError as error:
        raise InvalidJourney("The journey is not valid", validation_problems(error, data)) from None
    problems = integrity_problems(journey)
    if problems:
        raise InvalidJourney("The journey is not valid", problems)
    return journey


def validated(journey: Journey) -> Journey:
    """Re-check a journey assembled in code (editing), raising InvalidJourney."""
    return parse_journey(journey.model_dump(mode="python"))


def _slug_base(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "-", ascii_text).strip("-").lower()[:60].rstrip("-") or "step"


def _first_free(base: str, taken: set[str], n: int = 2) -> tuple[str, int]:
    candidate = base
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate, n


def slugify(text: str, taken: set[str] | None = None) -> str:
    """A readable step id from a label, unique among ``taken``."""
    return _first_free(_slug_base(text), taken or set())[0]


class StepIdMaker:
    """Unique readable ids for many labels at once, in constant time per id.

    :func:`slugify` tries ``base-2``, ``base-3`` … from 2 every call, which is
    quadratic for thousands of equal labels (an imported file); this remembers
    the next suffix per base and gives the same ids.
    """

    def __init__(self, taken: set[str] | None = None) -> None:
        self.taken = set(taken or ())
        self._next: dict[str, int] = {}

    def __call__(self, label: str) -> str:
        base = _slug_base(label)
        candidate, self._next[base] = _first_free(base, self.taken, self._next.get(base, 2))
        self.taken.add(candidate)
        return candidate
