"""Messages that stay short however large the input: a few names, then "… and N more".

A finding about 10,000 steps or a refusal listing 5,000 columns must not become a
megabyte of text on a page or in a terminal, and must not echo more than a few
hundred characters of what a user (or an attacker) typed.
"""

from __future__ import annotations

from collections.abc import Sequence

SHOWN = 10  # names listed before "… and N more"
WIDTH = 30  # characters kept of each name: ten names echo at most ~300 characters of user text


def clipped(text: object, width: int = WIDTH) -> str:
    """``text`` on one line, at most ``width`` characters (an ellipsis marks the cut)."""
    value = " ".join(str(text).splitlines())
    return value if len(value) <= width else value[: width - 1] + "…"


def some_of(items: Sequence[object], *, total: int | None = None, shown: int = SHOWN, width: int = WIDTH,
            quote: str = "'") -> str:
    """The first ``shown`` items, quoted and clipped, then "… and N more" when there are more.

    ``total`` counts the items when only the first few were passed (so a caller with 10,000
    steps looks up ten labels, not all of them).
    """
    listed = ", ".join(f"{quote}{clipped(item, width)}{quote}" for item in items[:shown])
    rest = (len(items) if total is None else total) - min(shown, len(items))
    return f"{listed} … and {rest:,} more" if rest > 0 else listed
