"""Hypothesis strategies for valid random journeys, shared by every test that needs them.

``journeys()`` draws journeys that pass :func:`journeys.model.parse_journey`:
random stages and lanes (sometimes the defaults), steps placed on them with
unicode-ish labels (accents, CJK, emoji, right-to-left text, HTML/script,
control characters, Mermaid/JSON/XML syntax), random channels, emotions,
kinds and handled_by, transitions including self-loops, cycles and parallel
branches with shares None or in [0, 1], notes with time-zoned timestamps.

Usage::

    from hypothesis import given
    from tests.strategies import journeys

    @given(journeys(max_steps=8))
    def test_something(journey): ...

Pass ``text=`` to draw every free-text field from another strategy (the Mermaid
tests use a printable alphabet), and ``min_steps`` / ``max_steps`` to size them.

Example counts: write ``@examples(150, deadline=None)`` instead of ``@settings(max_examples=150, ...)``, so the
Hypothesis profile (tests/conftest.py) scales them: the full count under "ci", a fifth under "dev".
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from itertools import pairwise
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st

from journeys.model import (
    CHANNELS,
    DEFAULT_LANES,
    DEFAULT_STAGES,
    HandledBy,
    Journey,
    JourneyState,
    Note,
    NoteKind,
    Step,
    StepKind,
    Transition,
    TransitionKind,
    integrity_problems,
)

#: Labels a CX workshop writes, plus the hostile ones an importer must keep as text.
REALISTIC_LABELS = [
    "Search help centre", "Chat with bot", "Talk to an agent", "Billing question", "Reset password",
    "Ticket solved", "Renewal e-mail", "Escalate to tier 2", "Step 1: sign in", "C# onboarding",
    "Title search", "section 8 form", "journey review", "accDescr {x}", "%%not a comment", "a%%b",
    "<script>alert('x')</script>", "<b>bold</b> & co", "Fehler bei der Zahlung – Kündigung", "Réclamation",
    "お問い合わせ", "تسجيل الدخول", "😀 happy path", "Semi; colon", "Comma, separated", "quote \" and '",
    "]]>", "{\"json\": true}", "Tab\there", "Line\nbreak", "  padded  ", "x" * 200,
]

_CHARS = st.characters(exclude_categories=("Cs",))  # any code point a Python str can encode as UTF-8

#: Free text: sometimes realistic, sometimes anything (control characters included).
any_text = st.one_of(
    st.sampled_from(REALISTIC_LABELS),
    st.text(_CHARS, min_size=1, max_size=24),
)

#: Step ids as the model allows them (slugs).
step_ids = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,15}", fullmatch=True)

#: Share of customers along a transition: None (unknown) or a probability, edges included.
shares = st.one_of(st.none(), st.just(0.0), st.just(1.0), st.floats(0.0, 1.0, allow_nan=False))

_TIMEZONES = st.sampled_from([None, UTC, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-8))])
note_times = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=_TIMEZONES)


def examples(n: int, **other: Any) -> settings:
    """``settings(max_examples=n, **other)`` scaled by the loaded profile: an explicit max_examples overrides
    any profile, so ``n`` is scaled here by the profile's default against Hypothesis's 100 (the full ``n`` under
    "ci", a fifth under "dev"), never below 10 examples (or ``n`` when it is smaller)."""
    scaled = round(n * settings().max_examples / 100)
    return settings(max_examples=max(scaled, min(n, 10)), **other)


def _bounded(text: st.SearchStrategy[str], max_size: int) -> st.SearchStrategy[str]:
    return text.map(lambda s: s[:max_size]).filter(bool)


@st.composite
def journeys(
    draw: st.DrawFn,
    *,
    min_steps: int = 0,
    max_steps: int = 10,
    text: st.SearchStrategy[str] | None = None,
    notes: bool = True,
) -> Journey:
    """A valid journey (integrity-checked) with random structure and text."""
    text = text if text is not None else any_text
    short = st.one_of(st.just(""), text)  # optional fields are often empty
    stages = draw(st.one_of(st.just(list(DEFAULT_STAGES)), st.lists(text, min_size=1, max_size=5, unique=True)))
    lanes = draw(st.one_of(st.just(list(DEFAULT_LANES)), st.lists(text, min_size=1, max_size=4, unique=True)))
    ids = draw(st.lists(step_ids, min_size=min_steps, max_size=max_steps, unique=True))
    personas = draw(st.lists(text, max_size=3, unique=True))
    persona_emotions = (st.dictionaries(st.sampled_from(personas), st.integers(-2, 2), max_size=len(personas))
                        if personas else st.just({}))
    steps = [
        Step(
            id=step_id,
            label=draw(_bounded(text, 200)),
            stage=draw(st.sampled_from(stages)),
            lane=draw(st.sampled_from(lanes)),
            channel=draw(st.one_of(st.just(""), st.sampled_from(CHANNELS), text)),
            emotion=draw(st.one_of(st.none(), st.integers(-2, 2))),
            persona_emotions=draw(persona_emotions),
            owner=draw(short),
            description=draw(short),
            kind=draw(st.sampled_from(StepKind)),
            handled_by=draw(st.sampled_from(HandledBy)),
        )
        for step_id in ids
    ]
    transitions: list[Transition] = []
    notes_: list[Note] = []
    if ids:
        node = st.sampled_from(ids)
        # Pairs drawn at random give self-loops, cycles and branches; a chain makes paths likely.
        pairs = draw(st.lists(st.tuples(node, node), max_size=3 * len(ids), unique=True))
        if draw(st.booleans()):
            pairs = list(dict.fromkeys([*pairwise(ids), *pairs]))
            pairs = draw(st.permutations(pairs))
        transitions = [
            Transition(source=u, target=v, share=draw(shares), kind=draw(st.sampled_from(TransitionKind)),
                       label=draw(short))
            for u, v in pairs
        ]
        if notes:
            notes_ = draw(st.lists(st.builds(
                Note, step=node, kind=st.sampled_from(NoteKind), text=_bounded(text, 2000),
                author=short, created_at=note_times), max_size=3))
    journey = Journey(
        name=draw(_bounded(text, 120)),
        state=draw(st.sampled_from(JourneyState)),
        derived_from=draw(st.one_of(st.none(), text)),
        description=draw(short),
        stages=stages,
        lanes=lanes,
        personas=personas,
        entry=draw(st.one_of(st.none(), st.sampled_from(ids))) if ids else None,
        steps=steps,
        transitions=transitions,
        notes=notes_,
    )
    problems = integrity_problems(journey)
    assert not problems, problems  # a strategy bug, not a finding
    return journey
