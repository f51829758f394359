"""The model's validation speaks the facilitator's language and lists every problem."""

import pytest

from journeys.demo import current_state_journey
from journeys.errors import InvalidJourney
from journeys.model import Journey, Step, Transition, parse_journey, slugify, validated


def _problems(data: dict) -> list[str]:
    with pytest.raises(InvalidJourney) as caught:
        parse_journey(data)
    return [str(p) for p in caught.value.problems]


def test_demo_journey_is_valid():
    journey = current_state_journey()
    assert validated(journey) == journey


def test_every_problem_is_listed_at_once():
    data = {
        "name": "Broken",
        "stages": ["Discover"],
        "lanes": ["customer"],
        "steps": [
            {"id": "a", "label": "A", "stage": "Discover", "emotion": 5},
            {"id": "b c", "label": "B", "stage": "Discover"},
        ],
        "transitions": [{"source": "a", "target": "x", "share": 1.5}],
    }
    problems = _problems(data)
    assert any(p.startswith("step 'A' · emotion") and "must be 2 or less (got 5)" in p for p in problems)
    assert any(p.startswith("step 'B' · id") and "no spaces" in p for p in problems)
    assert any(p.startswith("transition a → x · share") for p in problems)


def test_pydantic_errors_are_worded_for_people():
    """Forms show these after the field's own name: "Channel: is blank — fill it in", never pydantic's
    "String should have at least 1 character"."""
    from pydantic import ValidationError

    from journeys.experiments.experiment import LoopEntry
    from journeys.model import in_words

    with pytest.raises(ValidationError) as caught:
        LoopEntry.model_validate({"audience": "nobody", "channel": "", "message": "x" * 6000, "by": "Maya"})
    words = {e["loc"][0]: in_words(e) for e in caught.value.errors()}
    assert words["channel"] == "is blank — fill it in"
    assert words["message"].startswith("is too long: at most 5,000 characters")
    assert words["audience"].startswith("must be one of:") and "'nobody'" in words["audience"]
    assert not any("should" in w for w in words.values())


def test_cross_references_are_checked_by_name():
    data = {
        "name": "Refs", "stages": ["Discover"], "lanes": ["customer"],
        "steps": [{"id": "a", "label": "Chat bot", "stage": "Helpp"},
                  {"id": "a", "label": "Again", "stage": "Discover"}],
        "transitions": [{"source": "a", "target": "ghost"}, {"source": "a", "target": "ghost"}],
        "entry": "nowhere",
    }
    problems = _problems(data)
    assert any("'Chat bot'" in p and "stage 'Helpp'" in p for p in problems)
    assert any("step id 'a' is used by another step" in p for p in problems)
    assert any("step 'ghost' does not exist" in p for p in problems)
    assert any("listed twice" in p for p in problems)
    assert any(p.startswith("entry:") for p in problems)


def test_unknown_field_is_called_out():
    problems = _problems({"name": "X", "colour": "red"})
    assert problems == ["colour: is not a field of this model (misspelt?)"]


def test_entry_defaults_to_first_step_without_incoming_transitions():
    journey = Journey(
        name="J", stages=["S"], lanes=["customer"],
        steps=[Step(id="b", label="B", stage="S"), Step(id="a", label="A", stage="S")],
        transitions=[Transition(source="a", target="b")],
    )
    assert journey.entry_step() == "a"


def test_slugify_is_unique_and_readable():
    taken = {"chat-with-bot"}
    assert slugify("Chat with bot!", taken) == "chat-with-bot-2"
    assert slugify("Ça marche") == "ca-marche"
    assert slugify("???") == "step"


def test_edit_messages_name_steps_as_people_know_them():
    """Toasts, History and refusals say "'Reads the help article'", never the step id "read-article"."""
    from journeys import editing

    journey = current_state_journey()
    first, second = journey.steps[0], journey.steps[1]
    assert editing.step_words(journey, first.id) == f"'{first.label}'"
    assert editing.transition_words(journey, first.id, second.id) == f"'{first.label}' → '{second.label}'"
    assert editing.step_words(journey, "gone-step") == "'gone-step'"  # deleted: the id is all there is
    assert editing.field_words("derived_from") == "derived from" and editing.field_words("handled_by") == "handled by"
    existing = journey.transitions[0]
    with pytest.raises(InvalidJourney) as refused:
        editing.add_transition(journey, existing.source, existing.target)
    labels = {s.id: s.label for s in journey.steps}
    assert labels[existing.source] in refused.value.message and existing.source not in refused.value.message
    with pytest.raises(InvalidJourney) as gone:
        editing.delete_transition(journey, existing.target, "no-such-step")
    assert labels[existing.target] in gone.value.message
