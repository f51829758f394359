"""What changed between two journeys: two revisions, or a current and a future state.

Steps are matched by id and transitions by (source, target), so a relabelled
step is a change, not a removal plus an addition. The result is plain data a
page can list or colour on the map, plus a one-line summary for history views.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from journeys.model import Journey, Step, Transition

# Compared field by field; ids/endpoints are the match keys, so not listed.
STEP_FIELDS = tuple(name for name in Step.model_fields if name != "id")
TRANSITION_FIELDS = tuple(name for name in Transition.model_fields if name not in ("source", "target"))
# Journey-level fields reported in meta_changes (notes as a count: they are many and free text).
META_FIELDS = ("name", "state", "derived_from", "description", "stages", "lanes", "personas", "entry")


@dataclass(frozen=True)
class StepChange:
    """One field of one step that differs."""

    step_id: str
    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class TransitionChange:
    """One field of one transition that differs."""

    source: str
    target: str
    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class MetaChange:
    """A journey-level field that differs; for ``notes`` old/new are the note counts."""

    field: str
    old: Any
    new: Any


@dataclass
class JourneyDiff:
    """Everything that differs from ``old`` to ``new``, in the new journey's order where it has one."""

    added_steps: list[Step] = field(default_factory=list)
    removed_steps: list[Step] = field(default_factory=list)
    changed_steps: list[StepChange] = field(default_factory=list)
    added_transitions: list[Transition] = field(default_factory=list)
    removed_transitions: list[Transition] = field(default_factory=list)
    changed_transitions: list[TransitionChange] = field(default_factory=list)
    meta_changes: list[MetaChange] = field(default_factory=list)
    # new - old emotion for every step in both with both emotions set (0 included: "compared, unchanged").
    emotion_delta: dict[str, int] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return not (
            self.added_steps
            or self.removed_steps
            or self.changed_steps
            or self.added_transitions
            or self.removed_transitions
            or self.changed_transitions
            or self.meta_changes
        )

    @property
    def changed_step_ids(self) -> list[str]:
        """Ids of steps with at least one changed field, each once."""
        return list(dict.fromkeys(c.step_id for c in self.changed_steps))

    @property
    def changed_transition_keys(self) -> list[tuple[str, str]]:
        """(source, target) of transitions with at least one changed field, each once."""
        return list(dict.fromkeys((c.source, c.target) for c in self.changed_transitions))

    def summary(self) -> str:
        """One line for a history list, e.g. "2 steps added, 1 removed, 3 changed; 1 transition added"."""
        parts = [
            _counts("step", len(self.added_steps), len(self.removed_steps), len(self.changed_step_ids)),
            _counts(
                "transition",
                len(self.added_transitions),
                len(self.removed_transitions),
                len(self.changed_transition_keys),
            ),
        ]
        if self.meta_changes:
            names = [c.field.replace("_", " ") for c in self.meta_changes]
            listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
            parts.append(f"{listed} changed")
        return "; ".join(p for p in parts if p) or "no changes"


def _counts(noun: str, added: int, removed: int, changed: int) -> str:
    items = [(n, verb) for n, verb in ((added, "added"), (removed, "removed"), (changed, "changed")) if n]
    if not items:
        return ""
    first_n, first_verb = items[0]
    head = f"{first_n} {noun}{'' if first_n == 1 else 's'} {first_verb}"
    return ", ".join([head, *(f"{n} {verb}" for n, verb in items[1:])])


def _plain(value: Any) -> Any:
    """Enum members as their values, so changes read as 'bot' not 'HandledBy.bot'."""
    return getattr(value, "value", value)


def _changed_fields(before: Any, after: Any, names: tuple[str, ...]) -> list[tuple[str, Any, Any]]:
    """``(field, old, new)`` for each of ``names`` that differs, enums compared (and reported) as values."""
    changed = []
    for name in names:
        a, b = _plain(getattr(before, name)), _plain(getattr(after, name))
        if a != b:
            changed.append((name, a, b))
    return changed


def _diff_steps(old: Journey, new: Journey, result: JourneyDiff) -> None:
    """Steps added, removed and changed (matched by id), and the emotion deltas of steps in both."""
    old_steps = {s.id: s for s in old.steps}
    new_steps = {s.id: s for s in new.steps}
    result.added_steps = [s for s in new.steps if s.id not in old_steps]
    result.removed_steps = [s for s in old.steps if s.id not in new_steps]
    for step in new.steps:
        before = old_steps.get(step.id)
        if before is None:
            continue
        result.changed_steps += [StepChange(step.id, *change) for change in _changed_fields(before, step, STEP_FIELDS)]
        if before.emotion is not None and step.emotion is not None:
            result.emotion_delta[step.id] = step.emotion - before.emotion


def _diff_transitions(old: Journey, new: Journey, result: JourneyDiff) -> None:
    """Transitions added, removed and changed, matched by (source, target)."""
    old_edges = {(t.source, t.target): t for t in old.transitions}
    new_edges = {(t.source, t.target): t for t in new.transitions}
    result.added_transitions = [t for t in new.transitions if (t.source, t.target) not in old_edges]
    result.removed_transitions = [t for t in old.transitions if (t.source, t.target) not in new_edges]
    for t in new.transitions:
        before = old_edges.get((t.source, t.target))
        if before is None:
            continue
        result.changed_transitions += [TransitionChange(t.source, t.target, *change)
                                       for change in _changed_fields(before, t, TRANSITION_FIELDS)]


def _diff_meta(old: Journey, new: Journey, result: JourneyDiff) -> None:
    """Journey-level fields that differ; notes as a count (they are many and free text)."""
    result.meta_changes += [MetaChange(*change) for change in _changed_fields(old, new, META_FIELDS)]
    if old.notes != new.notes:
        result.meta_changes.append(MetaChange("notes", len(old.notes), len(new.notes)))


def diff_journeys(old: Journey, new: Journey) -> JourneyDiff:
    """Compare two journeys; ``diff_journeys(j, j).is_empty`` is always true."""
    result = JourneyDiff()
    _diff_steps(old, new, result)
    _diff_transitions(old, new, result)
    _diff_meta(old, new, result)
    return result
