"""Errors the user can act on.

Every error raised for bad input is a :class:`JourneysError` carrying a list of
:class:`Problem` so pages and the CLI can show *all* problems at once, not the
first one, and never a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with some input: where it is and why it is a problem."""

    where: str
    reason: str
    # Machine-readable location, e.g. ("steps", 3, "emotion"): lets an importer point
    # at the line or node the item came from without parsing ``where``.
    path: tuple[str | int, ...] = ()

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}" if self.where else self.reason


class JourneysError(Exception):
    """Base of every error that is the user's input, not our bug."""

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.problems = list(problems or [])

    def __str__(self) -> str:
        if not self.problems:
            return self.message
        listed = "; ".join(str(p) for p in self.problems[:20])
        more = f" (and {len(self.problems) - 20} more)" if len(self.problems) > 20 else ""
        return f"{self.message}: {listed}{more}"


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
