"""diff_journeys: examples for each kind of change, and properties over generated journeys."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from journeys.diff import MetaChange, StepChange, TransitionChange, diff_journeys
from journeys.model import CHANNELS, DEFAULT_STAGES, Journey, JourneyState, Note, Step, Transition
from tests.strategies import examples


def base() -> Journey:
    return Journey(
        name="Get help",
        steps=[
            Step(id="faq", label="Read the FAQ", stage="Get help", channel="web", emotion=0),
            Step(id="bot", label="Ask the bot", stage="Get help", channel="bot", emotion=-1, handled_by="bot"),
            Step(id="agent", label="Talk to an agent", stage="Get help", channel="chat"),
        ],
        transitions=[
            Transition(source="faq", target="bot", share=0.5),
            Transition(source="bot", target="agent", share=0.3, kind="escalation"),
        ],
    )


def test_identical_journeys_have_an_empty_diff() -> None:
    diff = diff_journeys(base(), base())
    assert diff.is_empty
    assert diff.summary() == "no changes"
    assert diff.emotion_delta == {"faq": 0, "bot": 0}  # compared, unchanged


def test_added_removed_and_changed_steps() -> None:
    new = base().model_copy(deep=True)
    new.steps = [s for s in new.steps if s.id != "faq"]
    new.transitions = [t for t in new.transitions if t.source != "faq"]
    new.step("bot").emotion = 1
    new.step("bot").handled_by = "human"
    new.steps.append(Step(id="callback", label="Request a call back", stage="Get help", channel="phone"))

    diff = diff_journeys(base(), new)
    assert [s.id for s in diff.added_steps] == ["callback"]
    assert [s.id for s in diff.removed_steps] == ["faq"]
    assert diff.changed_steps == [
        StepChange("bot", "emotion", -1, 1),
        StepChange("bot", "handled_by", "bot", "human"),  # enum values, readable
    ]
    assert diff.changed_step_ids == ["bot"]
    assert diff.emotion_delta == {"bot": 2}  # agent has no emotion on either side
    assert [(t.source, t.target) for t in diff.removed_transitions] == [("faq", "bot")]
    assert diff.summary() == "1 step added, 1 removed, 1 changed; 1 transition removed"


def test_changed_transitions() -> None:
    new = base().model_copy(deep=True)
    new.transitions[1].share = 0.1
    new.transitions[1].kind = "fallback"
    new.transitions.append(Transition(source="faq", target="agent"))
    diff = diff_journeys(base(), new)
    assert diff.changed_transitions == [
        TransitionChange("bot", "agent", "share", 0.3, 0.1),
        TransitionChange("bot", "agent", "kind", "escalation", "fallback"),
    ]
    assert [(t.source, t.target) for t in diff.added_transitions] == [("faq", "agent")]
    assert diff.summary() == "1 transition added, 1 changed"


def test_journey_level_changes() -> None:
    new = base().model_copy(
        update={
            "name": "Get help (future)",
            "state": JourneyState.future,
            "derived_from": "Get help",
            "personas": ["Busy admin"],
            "notes": [Note(step="bot", text="Loops", created_at=datetime(2026, 1, 1, tzinfo=UTC))],
        }
    )
    diff = diff_journeys(base(), new)
    assert diff.meta_changes == [
        MetaChange("name", "Get help", "Get help (future)"),
        MetaChange("state", "current", "future"),
        MetaChange("derived_from", None, "Get help"),
        MetaChange("personas", [], ["Busy admin"]),
        MetaChange("notes", 0, 1),
    ]
    assert not diff.is_empty
    assert diff.summary() == "name, state, derived from, personas and notes changed"


def test_current_versus_future_state_comparison() -> None:
    """The same function compares a current journey with the future one derived from it."""
    future = base().model_copy(deep=True, update={"name": "Get help 2027", "state": JourneyState.future})
    future.step("bot").emotion = 1
    future.steps = [s for s in future.steps if s.id != "faq"]
    future.transitions = [t for t in future.transitions if t.source != "faq"]
    diff = diff_journeys(base(), future)
    assert diff.emotion_delta == {"bot": 2}
    assert diff.summary() == "1 step removed, 1 changed; 1 transition removed; name and state changed"


# --- properties ----------------------------------------------------------------------------------

STEP_IDS = ["a", "b", "c", "d", "e"]


@st.composite
def journeys(draw: st.DrawFn) -> Journey:
    """Small valid journeys over a shared pool of step ids, so two draws overlap."""
    ids = draw(st.lists(st.sampled_from(STEP_IDS), unique=True, max_size=len(STEP_IDS)))
    steps = [
        Step(
            id=i,
            label=draw(st.sampled_from(["Start", "Wait", "Done"])),
            stage=draw(st.sampled_from(DEFAULT_STAGES)),
            channel=draw(st.sampled_from(["", *CHANNELS[:3]])),
            emotion=draw(st.none() | st.integers(-2, 2)),
        )
        for i in ids
    ]
    pairs = draw(st.lists(st.tuples(st.sampled_from(ids), st.sampled_from(ids)), unique=True) if ids else st.just([]))
    transitions = [
        Transition(source=s, target=t, share=draw(st.none() | st.sampled_from([0.1, 0.5, 1.0]))) for s, t in pairs
    ]
    return Journey(
        name=draw(st.sampled_from(["One", "Two"])),
        personas=draw(st.lists(st.sampled_from(["p", "q"]), max_size=2)),
        steps=steps,
        transitions=transitions,
    )


@examples(150, deadline=None)
@given(journeys())
def test_a_journey_never_differs_from_itself(journey: Journey) -> None:
    assert diff_journeys(journey, journey).is_empty
    assert diff_journeys(journey, journey.model_copy(deep=True)).summary() == "no changes"


@examples(150, deadline=None)
@given(journeys(), journeys())
def test_diff_is_antisymmetric(a: Journey, b: Journey) -> None:
    forward, backward = diff_journeys(a, b), diff_journeys(b, a)
    assert [s.id for s in forward.added_steps] == [s.id for s in b.steps if s.id not in a.step_ids()]
    assert {s.id for s in forward.added_steps} == {s.id for s in backward.removed_steps}
    assert {s.id for s in forward.removed_steps} == {s.id for s in backward.added_steps}
    assert {(t.source, t.target) for t in forward.added_transitions} == {
        (t.source, t.target) for t in backward.removed_transitions
    }
    assert {(c.step_id, c.field, c.old, c.new) for c in forward.changed_steps} == {
        (c.step_id, c.field, c.new, c.old) for c in backward.changed_steps
    }
    assert {(c.source, c.target, c.field, c.old, c.new) for c in forward.changed_transitions} == {
        (c.source, c.target, c.field, c.new, c.old) for c in backward.changed_transitions
    }
    assert forward.emotion_delta == {k: -v for k, v in backward.emotion_delta.items()}
    assert len(a.steps) + len(forward.added_steps) - len(forward.removed_steps) == len(b.steps)
    # Order of steps/transitions is layout, not content: equal up to order <=> empty diff.
    assert forward.is_empty == backward.is_empty == (unordered(a) == unordered(b))


def unordered(journey: Journey) -> Journey:
    return journey.model_copy(
        update={
            "steps": sorted(journey.steps, key=lambda s: s.id),
            "transitions": sorted(journey.transitions, key=lambda t: (t.source, t.target)),
        }
    )
