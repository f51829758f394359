"""A Zendesk Support ticket CSV (Admin Center → Reports → CSV), written by code, for the metric definitions.

Zendesk defines some metrics differently from us, so the same file must give Zendesk's figures when the
workspace picks Zendesk's definitions (journeys.definitions): "One-touch tickets" are solved or closed
tickets with fewer than two agent ``Replies`` (support.zendesk.com article 4408820618266), a reopen is a
solved ticket set back to open (``Reopens``), and ``First reply time in minutes`` is the first public agent
comment (article 4408834848154). Headers and defaults come from :mod:`tests.tickets.exports`.

Traps written on purpose:
- ``Status`` in Zendesk's lower-case words: new, open, pending, hold, solved, closed (only solved and
  closed count as solved; a reopened ticket may be open again);
- ``Replies`` 0 on a solved ticket (solved without a public reply) still counts as one-touch;
- ``First reply time in minutes`` empty on a ticket nobody answered yet;
- ``Solved at`` carries Excel's zero date ``1900-01-01 00:00:00`` on unsolved tickets;
- ``Satisfaction Score`` ``Offered`` / ``Unoffered`` (not ratings) beside ``Good`` / ``Bad``;
- one small group (``Tiny``) under the minimum sample, for the "few tickets (n=…)" mark.
"""

from __future__ import annotations

import random
from pathlib import Path

from tests.tickets.exports import ZENDESK_COLUMNS, ZENDESK_CUSTOM, as_rows, write_csv, zendesk_row

HEADER = (*ZENDESK_COLUMNS, *ZENDESK_CUSTOM)
STATUSES = ("new", "open", "pending", "hold", "solved", "solved", "solved", "closed", "closed")


def rows(n: int = 400, seed: int = 14) -> list[dict[str, str]]:
    """``n`` tickets in three groups (one tiny), seeded."""
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        status = rnd.choice(STATUSES)
        answered = status != "new" and rnd.random() < 0.95
        solved = status in ("solved", "closed")
        out.append(zendesk_row(
            i, Group="Tiny" if i % 40 == 0 else rnd.choice(("Billing", "Tech support")), Status=status,
            Via=rnd.choice(("Mail", "Web form", "Chat")),
            Replies=str(rnd.choice((0, 1, 1, 2, 3, 4)) if answered else 0),
            Reopens=str(rnd.choice((0, 0, 0, 1, 2)) if (solved or status == "open") else 0),
            **{"First reply time in minutes": str(rnd.randint(1, 600)) if answered else "",
               "Solved at": "" if solved else "1900-01-01 00:00:00",
               "Satisfaction Score": rnd.choice(("Good", "Good", "Bad", "Offered", "Unoffered"))}))
    return out


def write(path: Path, n: int = 400, seed: int = 14) -> tuple[Path, list[dict[str, str]]]:
    """The CSV at ``path`` and the rows written (for the test's own expected figures)."""
    made = rows(n, seed)
    return write_csv(path, HEADER, as_rows(HEADER, made)), made
