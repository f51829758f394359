"""Edits to a journey as pure functions: journey in, new validated journey out.

Each workshop action (add a step, change an emotion, connect two steps, note
a pain) is one function, so the page stays thin and an edit refused as stale
can be re-applied on top of a colleague's newer version unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from journeys.errors import InvalidJourney, Problem
from journeys.model import Journey, JourneyState, Note, StepIdMaker, parse_journey, slugify

STEP_FIELDS = ("label", "stage", "lane", "channel", "emotion", "owner", "description", "kind", "handled_by")
TRANSITION_FIELDS = ("share", "kind", "label")


# Journey fields as people call them (Compare, History, toasts); anything else: its name in words.
FIELD_WORDS = {"handled_by": "handled by", "derived_from": "derived from", "persona_emotions": "persona emotions",
               "entry": "entry step", "share": "expected share", "kind": "kind", "label": "label"}


def field_words(field: str) -> str:
    """A journey field in words: ``derived_from`` → "derived from"."""
    return FIELD_WORDS.get(field, field.replace("_", " "))


def step_words(journey: Journey, step_id: str) -> str:
    """A step as people know it, for toasts, History and messages: its label, quoted; the id only when the
    step is gone and the id is all we have."""
    for step in journey.steps:
        if step.id == step_id:
            return f"'{step.label}'"
    return f"'{step_id}'"


def transition_words(journey: Journey, source: str, target: str) -> str:
    """``'Reads the help article' → 'Calls support'`` rather than ``read-article → phone-support``."""
    return f"{step_words(journey, source)} → {step_words(journey, target)}"


@dataclass(frozen=True)
class Edit:
    """A named edit: what to tell the history, and how to apply it to any version."""

    message: str
    apply: Callable[[Journey], Journey]

    def __call__(self, journey: Journey) -> Journey:
        return self.apply(journey)


def _data(journey: Journey) -> dict[str, Any]:
    return journey.model_dump()


def _missing(journey: Journey, step_id: str) -> InvalidJourney:
    return InvalidJourney(f"Step '{step_id}' is no longer in '{journey.name}' (someone may have deleted it)")


def add_step(journey: Journey, label: str, stage: str, lane: str, *, step_id: str | None = None,
             **attrs: Any) -> Journey:
    """Add a step; its id is made from the label unless given."""
    data = _data(journey)
    sid = step_id or slugify(label, set(journey.step_ids()))
    data["steps"].append({"id": sid, "label": label, "stage": stage, "lane": lane, **attrs})
    return parse_journey(data)


def update_step(journey: Journey, step_id: str, **changes: Any) -> Journey:
    """Change some attributes of one step (unknown fields are refused by validation)."""
    data = _data(journey)
    for step in data["steps"]:
        if step["id"] == step_id:
            step.update(changes)
            return parse_journey(data)
    raise _missing(journey, step_id)


def delete_step(journey: Journey, step_id: str) -> Journey:
    """Remove a step with its transitions and notes (history keeps the old revision)."""
    if step_id not in journey.step_ids():
        raise _missing(journey, step_id)
    data = _data(journey)
    data["steps"] = [s for s in data["steps"] if s["id"] != step_id]
    data["transitions"] = [t for t in data["transitions"] if step_id not in (t["source"], t["target"])]
    data["notes"] = [n for n in data["notes"] if n["step"] != step_id]
    if data["entry"] == step_id:
        data["entry"] = None
    return parse_journey(data)


def add_transition(journey: Journey, source: str, target: str, **attrs: Any) -> Journey:
    """Connect two steps."""
    if any(t.source == source and t.target == target for t in journey.transitions):
        raise InvalidJourney(f"{step_words(journey, source)} already leads to {step_words(journey, target)}; "
                             "edit that transition instead")
    data = _data(journey)
    data["transitions"].append({"source": source, "target": target, **attrs})
    return parse_journey(data)


def _find_transition(journey: Journey, data: dict[str, Any], source: str, target: str) -> int:
    for i, t in enumerate(data["transitions"]):
        if t["source"] == source and t["target"] == target:
            return i
    raise InvalidJourney(f"There is no transition {transition_words(journey, source, target)} any more")


def update_transition(journey: Journey, source: str, target: str, **changes: Any) -> Journey:
    data = _data(journey)
    data["transitions"][_find_transition(journey, data, source, target)].update(changes)
    return parse_journey(data)


def delete_transition(journey: Journey, source: str, target: str) -> Journey:
    data = _data(journey)
    del data["transitions"][_find_transition(journey, data, source, target)]
    return parse_journey(data)


def add_note(journey: Journey, step_id: str, kind: str, text: str, author: str) -> Journey:
    """Attach a workshop note (pain, idea, question, quote) to a step."""
    if step_id not in journey.step_ids():
        raise _missing(journey, step_id)
    data = _data(journey)
    data["notes"].append(Note(step=step_id, kind=kind, text=text.strip(), author=author).model_dump())
    return parse_journey(data)


def delete_note(journey: Journey, index: int) -> Journey:
    data = _data(journey)
    if not 0 <= index < len(data["notes"]):
        raise InvalidJourney("That note is no longer there")
    del data["notes"][index]
    return parse_journey(data)


def replace_tables(journey: Journey, steps: Sequence[Mapping[str, Any]],
                   transitions: Iterable[Mapping[str, Any]]) -> Journey:
    """Replace all steps and transitions from edited table rows (the workshop's bulk editor).

    Blank ids are made from labels; empty cells become defaults; every problem
    in any row is reported at once with the row number.
    """
    problems: list[Problem] = []
    given = [str(r["id"]).strip() for r in steps if not _blank(r.get("id"))]
    make_id = StepIdMaker(set(given))
    taken: set[str] = set()
    step_rows = []
    for n, row in enumerate(steps, start=1):
        data = {k: v for k, v in row.items() if k in ("id", *STEP_FIELDS) and not _blank(v)}
        if "label" not in data:
            if any(not _blank(v) for v in row.values()):
                problems.append(Problem(f"steps row {n}", "a step needs a label"))
            continue
        data.setdefault("id", make_id(str(data["label"])))
        if "emotion" in data:
            data["emotion"] = int(data["emotion"])
        taken.add(str(data["id"]))
        step_rows.append(data)
    transition_rows = []
    for n, row in enumerate(transitions, start=1):
        data = {k: v for k, v in row.items() if k in ("source", "target", *TRANSITION_FIELDS) and not _blank(v)}
        if not data:
            continue
        if "source" not in data or "target" not in data:
            problems.append(Problem(f"transitions row {n}", "a transition needs a source and a target step"))
            continue
        transition_rows.append(data)
    if problems:
        raise InvalidJourney("The table has problems", problems)
    data = _data(journey)
    data.update(steps=step_rows, transitions=transition_rows)
    data["notes"] = [n for n in data["notes"] if n["step"] in taken]
    if data["entry"] not in taken:
        data["entry"] = None
    return parse_journey(data)


def _blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and value != value:  # NaN from pandas
        return True
    return isinstance(value, str) and not value.strip()


def derive_future_state(journey: Journey, name: str) -> Journey:
    """A future-state copy of a journey, linked to it for comparison."""
    if not name.strip():
        raise InvalidJourney("Give the future-state journey a name")
    data = _data(journey)
    data.update(name=name.strip(), state=JourneyState.future, derived_from=journey.name)
    return parse_journey(data)
