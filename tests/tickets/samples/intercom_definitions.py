"""An Intercom conversations CSV (Reports → export conversations), written by code, for the metric definitions.

Intercom's "Closed conversations on first contact rate" is "the percentage of conversations that were
closed once with one participating teammate" (intercom.com/help article 7022438, reporting metrics);
the export carries Intercom's own verdict per conversation in ``Resolved on first contact``, and
``Chatbot replied`` says an automated reply came first. Headers and defaults come from
:mod:`tests.tickets.exports`.

Traps written on purpose:
- timestamps in the workspace's time zone, named in the header (``… at (America/New_York)``);
- durations in **seconds** (``First response time (seconds)``);
- ``Current conversation state`` open / snoozed / closed: only closed conversations count in the rate;
- ``Resolved on first contact`` and ``Chatbot replied`` as ``true`` / ``false`` text, empty on open ones;
- a bot-answered conversation has a first response of a few seconds (the bot's), which the
  "exclude automated" first-reply definition leaves out;
- one small team (``Tiny``) under the minimum sample.
"""

from __future__ import annotations

import random
from pathlib import Path

from tests.tickets.exports import as_rows, intercom_columns, intercom_row, write_csv

HEADER = intercom_columns()


def rows(n: int = 400, seed: int = 41) -> list[dict[str, str]]:
    """``n`` conversations in three teams (one tiny), seeded."""
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        state = rnd.choice(("closed", "closed", "closed", "open", "snoozed"))
        bot = rnd.random() < 0.3
        closed = state == "closed"
        out.append(intercom_row(
            i, **{"Team currently assigned": "Tiny" if i % 40 == 0 else rnd.choice(("Billing", "Tech support")),
                  "Current conversation state": state,
                  "Chatbot replied": "true" if bot else "false",
                  "First response time (seconds)": str(rnd.randint(2, 20) if bot else rnd.randint(60, 36_000)),
                  "Resolved on first contact": (rnd.choice(("true", "false", "false")) if closed else ""),
                  "Number of reassignments": str(rnd.choice((0, 0, 1, 2))),
                  "Replies to close a conversation": str(rnd.randint(1, 5)) if closed else ""}))
    return out


def write(path: Path, n: int = 400, seed: int = 41) -> tuple[Path, list[dict[str, str]]]:
    """The CSV at ``path`` and the rows written (for the test's own expected figures)."""
    made = rows(n, seed)
    return write_csv(path, HEADER, as_rows(HEADER, made)), made
