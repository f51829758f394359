"""Which columns of an event log hold the case, the activity, the timestamp (and resource, tie-breaker).

Event logs come from process-mining tools (XES attribute names such as ``case:concept:name``,
``concept:name``, ``time:timestamp``, ``org:resource``), from BI exports ("Case ID", "Activity",
"Timestamp") and from help-desk or product-analytics tools ("ticket id", "status", "updated at").

Logs that record when an activity *starts* as well as when it completes come two ways: two
columns (pm4py's ``start_timestamp`` beside ``time:timestamp``; Disco/ProM CSV exports' "Start
Timestamp" beside "Complete Timestamp"), detected here as the optional ``start`` role; or one row
per transition (XES ``lifecycle:transition`` = start / complete), paired in :mod:`.log`. The
``timestamp`` role is then the completion time.
The first header that matches a role's candidate list wins, compared after the same normalisation
the ticket importer uses (:func:`journeys.tickets.column_mapping.norm`: lower case, ``_`` and spaces
collapsed, a time-zone suffix removed). Anything can be overridden by name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace

from journeys.errors import Problem
from journeys.tickets.column_mapping import norm

ROLES = ("case", "activity", "timestamp", "resource", "tiebreak", "start")
REQUIRED_ROLES = ("case", "activity", "timestamp")

CANDIDATES: dict[str, tuple[str, ...]] = {
    "case": ("case:concept:name", "case id", "caseid", "case", "case key", "case number", "trace id", "trace",
             "process instance", "process instance id", "instance id", "journey id", "session id", "session",
             "ticket id", "conversation id", "customer id", "user id", "order id"),
    "activity": ("concept:name", "activity", "activity name", "activity id", "event name", "event", "action",
                 "task", "journey step", "step", "event type", "status", "state"),
    "timestamp": ("time:timestamp", "timestamp", "time stamp", "event time", "event timestamp",
                  "complete timestamp", "completion timestamp", "end timestamp", "complete time", "end time",
                  "completed at", "ended at", "occurred at", "event date", "datetime", "date time",
                  "time", "date", "updated at", "created at", "start timestamp", "start time"),
    "resource": ("org:resource", "resource", "org:role", "performer", "user", "agent", "actor", "assignee",
                 "handled by", "owner"),
    "tiebreak": ("seq", "sequence", "sequence number", "event order", "event index", "event sequence",
                 "position", "ordinal"),
    # only beside a completion time: a file whose one time column is "start time" uses it as the timestamp
    "start": ("time:start", "start timestamp", "start time", "started at", "start date",
              "begin timestamp", "begin time"),
}


@dataclass(frozen=True)
class LogColumns:
    """The source column playing each role; ``None`` for an optional role the file does not have."""

    case: str | None = None
    activity: str | None = None
    timestamp: str | None = None
    resource: str | None = None
    tiebreak: str | None = None
    start: str | None = None

    def used(self) -> list[str]:
        return [c for c in (self.case, self.activity, self.timestamp, self.resource, self.tiebreak, self.start) if c]

    def to_json(self) -> dict[str, str | None]:
        return asdict(self)

    def merged(self, override: LogColumns | None) -> LogColumns:
        """These detected columns with every role ``override`` names replaced."""
        if override is None:
            return self
        return replace(self, **{r: getattr(override, r) for r in ROLES if getattr(override, r)})

    def problems(self, columns: Sequence[str]) -> list[Problem]:
        """Missing required roles and names the file does not have, each with what the file offers."""
        offered = ", ".join(columns[:30]) + (" …" if len(columns) > 30 else "")
        out = []
        for role in ROLES:
            name = getattr(self, role)
            if name is None and role in REQUIRED_ROLES:
                hint = ", ".join(CANDIDATES[role][:4])
                out.append(Problem(role, f"no column found (looked for {hint} …; the file has: {offered}); "
                                         f"name it with --{role}"))
            elif name is not None and name not in columns:
                out.append(Problem(role, f"there is no column '{name}' (the file has: {offered})"))
        taken = self.used()
        for name in set(taken):
            if taken.count(name) > 1:
                out.append(Problem(name, "the same column cannot play two roles"))
        return out


def detect_columns(columns: Sequence[str]) -> LogColumns:
    """Propose a column for each role from the headers alone (first candidate present wins; no column twice)."""
    by_norm: dict[str, str] = {}
    for c in columns:
        by_norm.setdefault(norm(c), c)
    taken: set[str] = set()
    found: dict[str, str | None] = {}
    for role in ("case", "activity", "timestamp", "start", "tiebreak", "resource"):
        found[role] = None
        for cand in CANDIDATES[role]:
            col = by_norm.get(cand)
            if col is not None and col not in taken:
                found[role] = col
                taken.add(col)
                break
    return LogColumns(**found)
