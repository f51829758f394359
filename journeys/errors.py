"""Errors the user can act on.

Every error raised for bad input is a :class:`JourneysError` carrying a list of
:class:`Problem` so pages and the CLI can show *all* problems at once, not the
first one, and never a traceback.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ECHO = 200  # characters of user input a message repeats back
LISTED = 20  # problems listed before "… and N more"
# Control characters (C0, DEL, C1) and bidi overrides: echoed raw they move the cursor, recolour or
# reorder a terminal line. Line breaks become spaces so a message stays one line.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_BREAKS = re.compile(r"[\r\n\t\u2028\u2029]+")


def clip_echo(text: object, limit: int = ECHO) -> str:
    """User input as a message may repeat it: one line, control characters shown as escapes, at most
    ``limit`` characters (an ellipsis marks the cut), so a hostile value never floods a terminal or page."""
    value = _CONTROL.sub(lambda m: ascii(m.group())[1:-1], _BREAKS.sub(" ", str(text)))
    return value if len(value) <= limit else value[: limit - 1] + "…"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with some input: where it is and why it is a problem."""

    where: str
    reason: str
    # Machine-readable location, e.g. ("steps", 3, "emotion"): lets an importer point
    # at the line or node the item came from without parsing ``where``.
    path: tuple[str | int, ...] = ()
    # Machine-readable kind (e.g. "no_step", "pattern_refused"): a front end that words a problem its own
    # way matches on this, never on ``reason``'s sentence. Empty for problems nobody rewords.
    code: str = ""
    # The part of ``reason`` that comes from elsewhere (a regex engine's own message …), for such rewording.
    detail: str = ""

    def __str__(self) -> str:
        reason = clip_echo(self.reason, 2 * ECHO)
        return f"{clip_echo(self.where)}: {reason}" if self.where else reason


class JourneysError(Exception):
    """Base of every error that is the user's input, not our bug."""

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.problems = list(problems or [])

    def __str__(self) -> str:
        message = clip_echo(self.message, 2 * ECHO)
        if not self.problems:
            return message
        listed = "; ".join(str(p) for p in self.problems[:LISTED])
        return f"{message}: {listed}{more_than_listed(len(self.problems))}"


def more_than_listed(total: int, listed: int = LISTED) -> str:
    """" … and N more" when ``total`` things were found but only ``listed`` are shown."""
    return f" … and {total - listed:,} more" if total > listed else ""


class InvalidJourney(JourneysError):
    """A journey (or a file describing one) breaks the model's rules."""


class NotFound(JourneysError):
    """A named workspace, journey or revision does not exist."""


class StaleWrite(JourneysError):
    """Someone else saved first; the caller's copy is out of date.

    Carries who saved and when so the page can say so and offer a reload or a
    save on top, instead of silently overwriting their work.
    """

    def __init__(self, name: str, expected: int, current: int, saved_by: str, saved_at: str) -> None:
        super().__init__(
            f"'{name}' was changed by {saved_by} at {saved_at} (version {current}); "
            f"your copy is version {expected}. Reload, or save your copy as a new revision on top."
        )
        self.name = name
        self.expected = expected
        self.current = current
        self.saved_by = saved_by
        self.saved_at = saved_at


class NotAllowed(JourneysError):
    """The signed-in person's role in the workspace does not allow this (a viewer saving, a non-member reading)."""
