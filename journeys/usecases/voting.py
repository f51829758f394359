"""Dot-voting on a journey: a facilitator opens and closes a vote, any member places their dots.

Opening and closing change the workshop's record, so they need the editor role; casting needs only membership
(a viewer in the room votes too) and is written through the workspace's unguarded store after that check.
Closing a vote is saved with the journey's history: the journey gets a revision, its content unchanged, whose
message is the result ("Dot vote V-1 closed: Logs in (5), Pays the invoice (3)"), so History shows when the
room decided what. (The store keeps an unchanged save as a revision like any other; nothing is added to the
journey itself, whose notes are the workshop's own words.)

A notebook::

    >>> import journeys                                                      # doctest: +SKIP
    >>> from journeys.usecases.voting import cast, close_vote, open_vote    # doctest: +SKIP
    >>> with journeys.open_workspace("workspace") as ws:                    # doctest: +SKIP
    ...     key = open_vote(ws, "Billing support", "steps", 3, author="Sam").key
    ...     cast(ws, key, "login", 2, voter="ann@example.com", name="Ann")
    ...     close_vote(ws, key, author="Sam").results.summary()
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from journeys.errors import JourneysError, StaleWrite
from journeys.members import Role
from journeys.workshop.votes import CAST_ATTEMPTS, MAX_DOTS, Results, StoredVote, Vote, VoteOn, Votes, options_of

if TYPE_CHECKING:
    from journeys.workspace import Workspace


def _votes(ws: Workspace, *, shared: bool = False) -> Votes:
    return Votes(ws.shared_store if shared else ws.store)


def open_vote(ws: Workspace, journey: str, on: str | VoteOn, dots: int, author: str) -> StoredVote:
    """Open a vote on the journey's steps or pain notes, ``dots`` per person; refused for viewers, and while
    another vote on the journey is open (the room votes on one question at a time)."""
    ws.require(Role.editor, "opening a dot vote")
    try:
        what = VoteOn(on)
    except ValueError:
        raise JourneysError(f"A vote is on 'steps' or 'notes', not '{on}'") from None
    each, who = _dots(dots), _named(author)
    loaded = ws.journeys.load(journey)
    options = options_of(loaded.journey, what)
    still = next((v for v in _votes(ws).of(ws.name, loaded.journey.name) if v.vote.is_open), None)
    if still is not None:
        raise JourneysError(f"Dot vote {still.key} is still open on '{loaded.journey.name}' (opened by "
                            f"{still.vote.opened_by}); close it before opening another")
    vote = Vote(journey=loaded.journey.name, on=what, options=options, dots=each, opened_by=who,
                opened_at=datetime.now(UTC))
    votes = _votes(ws)
    key = votes.create(ws.name, vote, who, f"Opened a vote on the {what.value} of '{vote.journey}'")
    return votes.load(ws.name, key)


def cast(ws: Workspace, key: str, option: str, delta: int, *, voter: str, name: str = "") -> StoredVote:
    """Place ``delta`` dots of ``voter`` (their e-mail address, or the typed name without sign-in) on ``option``;
    a negative ``delta`` takes dots back. Any member may vote; a concurrent cast by someone else is kept."""
    ws.require(Role.viewer, "voting")
    return _votes(ws, shared=True).cast(ws.name, key, voter, name, option, delta)


def close_vote(ws: Workspace, key: str, author: str) -> StoredVote:
    """Close an open vote (its results become final) and record them as a revision of the journey."""
    ws.require(Role.editor, "closing a dot vote")
    who = _named(author)

    def close(vote: Vote) -> Vote:
        if not vote.is_open:
            raise JourneysError(f"Dot vote {key} was already closed by {vote.closed_by}")
        return vote.model_copy(update={"closed_by": who, "closed_at": datetime.now(UTC)})

    closed = _votes(ws).change(ws.name, key, close, who, "Closed")
    _record_in_history(ws, closed, who)
    return closed


def results(ws: Workspace, key: str) -> Results:
    return vote(ws, key).vote.results()


def vote(ws: Workspace, key: str) -> StoredVote:
    """One vote as it stands now (one indexed read: what a page polls once it knows the vote)."""
    ws.require(Role.viewer, "reading a dot vote")
    return _votes(ws, shared=True).load(ws.name, key)


def votes_of(ws: Workspace, journey: str) -> list[StoredVote]:
    """The votes on a journey, newest first."""
    ws.require(Role.viewer, "reading dot votes")
    return _votes(ws, shared=True).of(ws.name, journey)


def closing_message(stored: StoredVote) -> str:
    return f"Dot vote {stored.key} closed: {stored.vote.results().summary()}"


def _record_in_history(ws: Workspace, closed: StoredVote, who: str) -> int:
    """The journey's newest content saved again with the result as its message (again on a concurrent save)."""
    for _ in range(CAST_ATTEMPTS):
        current = ws.journeys.load(closed.vote.journey)
        try:
            return ws.journeys.save(current.journey, current.version, who, closing_message(closed))
        except StaleWrite:
            continue
    raise JourneysError(f"Dot vote {closed.key} is closed, but the journey changed too often to record it; "
                        "its results stay on the vote")


def _named(author: str) -> str:
    who = str(author or "").strip()
    if not who:
        raise JourneysError("Tell us your name first: it is recorded as the facilitator")
    return who


def _dots(dots: int) -> int:
    if isinstance(dots, bool) or not isinstance(dots, int) or not 1 <= dots <= MAX_DOTS:
        raise JourneysError(f"Each person gets between 1 and {MAX_DOTS} dots, not {dots!r}")
    return dots
