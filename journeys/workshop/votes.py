"""Dot-voting in a workshop: a facilitator opens a vote on a journey's steps or pain notes, everyone places N dots.

A vote is a versioned document (kind ``vote``, keys ``V-1``, ``V-2`` …) holding its options, the dots each
person has (N), who opened and closed it, and every ballot (``{voter: {option: dots}}`` with the voter's
shown name). A person may stack dots on one option but never place more than N in all, and may take dots back
while the vote is open; every refusal says why in words.

Casting is a compare-and-set on the whole document: when two people cast at the same moment the loser reads
the newer vote and re-applies *only its own* change, so nobody's dots are lost (:meth:`Votes.cast`). Pain
notes have no id of their own, so a note is named by a digest of its step, creation time and text
(:func:`note_option`), which stays the same across the journey's saves.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from journeys.errors import InvalidJourney, JourneysError, StaleWrite
from journeys.model import Journey, Note, NoteKind, validation_problems
from journeys.store.documents import Document
from journeys.store.typed_documents import DocumentRepository

KIND = "vote"
PREFIX = "V"
MAX_DOTS = 20  # dots per person: dot-voting gives each person a handful (3–5 is usual)
MAX_OPTIONS = 200  # a vote is read on one screen
MAX_BALLOTS = 2_000
LABEL_LENGTH = 200
CAST_ATTEMPTS = 50  # every lost round means another person's cast went in: a room of people never exhausts this


class VoteOn(StrEnum):
    """What the dots go on."""

    steps = "steps"
    notes = "notes"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Option(_Model):
    """One thing to vote on: a step id or a pain note's digest, with the words a person recognises it by."""

    id: str = Field(min_length=1, max_length=80)
    label: str = Field(min_length=1, max_length=LABEL_LENGTH)
    step: str = ""  # the step a pain note is on


class Ballot(_Model):
    """One person's dots: option id → dots (only options with at least one dot are kept)."""

    name: str = Field(min_length=1, max_length=200)
    dots: dict[str, int] = Field(default_factory=dict)

    @property
    def placed(self) -> int:
        return sum(self.dots.values())


class Vote(_Model):
    """A dot vote on one journey; open until ``closed_at`` is set, then its results are final."""

    journey: str = Field(min_length=1, max_length=120)
    on: VoteOn
    options: list[Option] = Field(min_length=1, max_length=MAX_OPTIONS)
    dots: int = Field(ge=1, le=MAX_DOTS)
    opened_by: str = Field(min_length=1, max_length=200)
    opened_at: datetime
    closed_by: str = ""
    closed_at: datetime | None = None
    ballots: dict[str, Ballot] = Field(default_factory=dict, max_length=MAX_BALLOTS)

    @model_validator(mode="after")
    def _ballots_fit(self) -> Vote:
        """Every stored ballot names known options, with positive dots, N at most: a vote is never over-cast."""
        known = {o.id for o in self.options}
        if len(known) != len(self.options):
            raise ValueError("two options have the same id")
        for voter, ballot in self.ballots.items():
            if set(ballot.dots) - known or any(d < 1 for d in ballot.dots.values()) or ballot.placed > self.dots:
                raise ValueError(f"the ballot of '{voter}' does not fit the vote's options and {self.dots} dots")
        return self

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    def option(self, option_id: str) -> Option:
        found = next((o for o in self.options if o.id == option_id), None)
        if found is None:
            raise JourneysError(f"'{option_id}' is not an option of this vote")
        return found

    def remaining(self, voter: str) -> int:
        """The dots ``voter`` may still place."""
        ballot = self.ballots.get(voter_key(voter))
        return self.dots - (ballot.placed if ballot else 0)

    def mine(self, voter: str) -> dict[str, int]:
        ballot = self.ballots.get(voter_key(voter))
        return dict(ballot.dots) if ballot else {}

    def cast(self, voter: str, name: str, option_id: str, delta: int) -> Vote:
        """This vote with ``delta`` dots of ``voter`` added to (negative: taken back from) one option."""
        key = voter_key(voter)
        if not key:
            raise JourneysError("Tell us who you are before voting (your name in the sidebar)")
        if not self.is_open:
            raise JourneysError(f"This vote was closed by {self.closed_by}; its results are final")
        option = self.option(option_id)
        if delta == 0 or abs(delta) > self.dots:
            raise JourneysError(f"Add or take back between 1 and {self.dots} dots at a time")
        ballot = self.ballots.get(key) or Ballot(name=(name or voter).strip() or key)
        had = ballot.dots.get(option.id, 0)
        if had + delta < 0:
            raise JourneysError(f"You have {dots_words(had)} on '{option.label}' to take back")
        if delta > 0 and ballot.placed + delta > self.dots:
            raise JourneysError(f"You have placed {ballot.placed} of your {dots_words(self.dots)}; "
                                f"take one back before adding another")
        dots = {**ballot.dots, option.id: had + delta}
        ballots = {**self.ballots, key: Ballot(name=(name or ballot.name).strip() or ballot.name,
                                               dots={k: v for k, v in dots.items() if v > 0})}
        if not ballots[key].dots:
            del ballots[key]
        return self.model_copy(update={"ballots": ballots})

    def results(self) -> Results:
        """Dots per option, most first (ties in the options' order), with how many people voted."""
        tallies = [Tally(o.id, o.label, sum(b.dots.get(o.id, 0) for b in self.ballots.values()),
                         sum(1 for b in self.ballots.values() if b.dots.get(o.id))) for o in self.options]
        order = {o.id: i for i, o in enumerate(self.options)}
        tallies.sort(key=lambda t: (-t.dots, order[t.option]))
        return Results(tallies, len(self.ballots), sum(b.placed for b in self.ballots.values()))


@dataclass(frozen=True)
class Tally:
    """One option's dots and how many people put at least one on it."""

    option: str
    label: str
    dots: int
    voters: int


@dataclass(frozen=True)
class Results:
    tallies: list[Tally]  # most dots first
    voters: int  # people with at least one dot placed
    dots: int  # dots placed in all

    def summary(self, top: int = 3) -> str:
        """"Logs in (5), Pays the invoice (3)": the leading options with dots, for a revision message."""
        leading = [f"{t.label} ({t.dots})" for t in self.tallies[:top] if t.dots]
        return ", ".join(leading) or "no dots placed"


def dots_words(n: int) -> str:
    return f"{n} dot" if n == 1 else f"{n} dots"


def voter_key(voter: str) -> str:
    """A voter as ballots are keyed: e-mail addresses and typed names compared trimmed and case-blind."""
    return str(voter).strip().lower()[:200]


def note_option(note: Note, where: str = "") -> Option:
    """A pain note as an option: a digest of its step, creation time and text names it across saves; its label
    is the note's words, after ``where`` (the step's label) when given."""
    digest = hashlib.sha256(f"{note.step}\n{note.created_at.isoformat()}\n{note.text}".encode()).hexdigest()
    text = " ".join(f"{where}: {note.text}".split()) if where else " ".join(note.text.split())
    label = text if len(text) <= 100 else text[:99] + "…"
    return Option(id=f"note-{digest[:12]}", label=label, step=note.step)


def options_of(journey: Journey, on: VoteOn) -> list[Option]:
    """What a vote on ``journey`` offers: its steps, or its pain notes (refused in words when there are none)."""
    if on is VoteOn.steps:
        options = [Option(id=s.id, label=s.label) for s in journey.steps]
    else:
        steps = {s.id: s.label for s in journey.steps}
        pains = (note_option(n, steps.get(n.step, n.step)) for n in journey.notes if n.kind is NoteKind.pain)
        options = list({o.id: o for o in pains}.values())
    if not options:
        raise JourneysError(f"'{journey.name}' has no {'steps' if on is VoteOn.steps else 'pain notes'} to vote on")
    if len(options) > MAX_OPTIONS:
        raise JourneysError(f"A vote offers at most {MAX_OPTIONS} options; '{journey.name}' has {len(options)} "
                            f"{on.value}")
    return options


def parse_vote(data: Any) -> Vote:
    if not isinstance(data, dict):
        raise InvalidJourney("A vote must be an object with named fields")
    try:
        return Vote.model_validate(data)
    except ValidationError as error:
        raise InvalidJourney("The vote is not valid", validation_problems(error, data)) from None


class StoredVote(BaseModel):
    """A vote with its key and the version it was read at."""

    model_config = ConfigDict(frozen=True)

    key: str
    version: int
    vote: Vote
    updated_by: str
    updated_at: datetime


class Votes(DocumentRepository[Vote, StoredVote]):
    """The workspace's dot votes; built on the store the writer may use (ballots: the unguarded one)."""

    kind, prefix, noun, created = KIND, PREFIX, "Dot vote", "Opened"

    def parse(self, body: Any) -> Vote:
        return parse_vote(body)

    def stored(self, document: Document) -> StoredVote:
        return StoredVote(key=document.key, version=document.version, vote=parse_vote(document.body),
                          updated_by=document.author, updated_at=document.created_at)

    def of(self, workspace: str, journey: str) -> list[StoredVote]:
        """The votes on one journey, newest first."""
        return [v for v in reversed(self.list(workspace)) if v.vote.journey == journey]

    def change(self, workspace: str, key: str, edit: Callable[[Vote], Vote], author: str, message: str) -> StoredVote:
        """Apply ``edit`` to the newest vote and compare-and-set it; on a concurrent save, read again and re-apply
        ``edit`` alone (so another person's dots saved meanwhile stay). ``edit`` refuses in words."""
        for _ in range(CAST_ATTEMPTS):
            current = self.load(workspace, key)
            changed = edit(current.vote)
            try:
                version = self.save(workspace, key, changed, author, expected_version=current.version,
                                    message=message)
            except StaleWrite:
                continue
            return StoredVote(key=key, version=version, vote=changed, updated_by=author, updated_at=datetime.now(UTC))
        raise JourneysError(f"Dot vote {key} changed too often at once; please try again")

    def cast(self, workspace: str, key: str, voter: str, name: str, option: str, delta: int) -> StoredVote:
        """Add (or take back, ``delta`` < 0) dots of one person on one option, never losing anyone else's."""
        shown = (name or voter).strip()
        verb = f"+{dots_words(delta)}" if delta > 0 else f"−{dots_words(-delta)}"
        return self.change(workspace, key, lambda vote: vote.cast(voter, shown, option, delta), shown or voter,
                           f"{verb} on {option}")
