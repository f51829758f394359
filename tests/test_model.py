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
    assert any(p.startswith("step 'A' · emotion") and "less than or equal to 2" in p for p in problems)
    assert any(p.startswith("step 'B' · id") and "no spaces" in p for p in problems)
    assert any(p.startswith("transition a → x · share") for p in problems)


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
