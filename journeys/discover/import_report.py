"""What an event-log import read, kept, rejected and decided; the options it takes; its error.

Shared by every way a log is made (files in :mod:`.log`, ticket data in :mod:`.from_tickets`), and
shaped like the ticket importer's report so the page and the CLI show both the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from journeys.discover.log_columns import LogColumns
from journeys.errors import JourneysError, Problem
from journeys.tickets.export_files import rejected_sentence

ORDERS = {"start": "start time, then completion time (as pm4py does)", "complete": "completion time"}


def order_rule(order: str, tie_rule: str = "file order") -> str:
    """The event order of a log in words: ``order`` is ``start``, ``complete`` or ``time`` (one time per event)."""
    if order in ORDERS:
        return f"by {ORDERS[order]}, then {tie_rule}"
    return f"by time (the events have no start times), then {tie_rule}"


@dataclass
class LogReport:
    """What an event-log import read, kept, rejected and decided — shown on the page, printed by the CLI."""

    source: str
    format: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    columns: LogColumns = field(default_factory=LogColumns)
    rows_read: int = 0
    rows_kept: int = 0
    rows_rejected: int = 0
    rejected: dict[str, int] = field(default_factory=dict)
    examples: dict[str, list[str]] = field(default_factory=dict)
    duplicates: int = 0
    duplicates_kept: bool = False
    ties: int = 0
    tie_groups: int = 0
    tie_rule: str = "file order"
    tie_examples: list[str] = field(default_factory=list)
    repeats_collapsed: int = 0
    intervals: bool = False             # events carry a start time as well as a completion time
    order: str = "time"                 # time (one time per event) | start | complete: see order_rule
    lifecycle_column: str | None = None  # the lifecycle:transition column whose start/complete rows were paired
    lifecycle_pairs: int = 0
    cases: int = 0
    activities: int = 0
    first: datetime | None = None
    last: datetime | None = None
    extras: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    date_order: str | None = None
    timezone: str = "UTC"
    output: str | None = None
    seconds: float = 0.0

    @property
    def events(self) -> int:
        return self.rows_kept

    @property
    def order_rule(self) -> str:
        """How events of a case are put in order, in words (the page and the CLI state it)."""
        return order_rule(self.order, self.tie_rule)

    def summary(self) -> str:
        """A few lines a person reads: what was kept, what was not and why, how ties were ordered."""
        where = ", ".join(x for x in (self.format and self.format.upper(), self.encoding) if x)
        cols = self.columns
        lines = [f"Imported {self.rows_kept:,} of {self.rows_read:,} events from {Path(self.source).name}"
                 f"{' (' + where + ')' if where else ''}: {self.cases:,} cases, {self.activities:,} activities"
                 + (f", {self.first:%Y-%m-%d} to {self.last:%Y-%m-%d}" if self.first and self.last else "") + ".",
                 f"Columns: case '{cols.case}', activity '{cols.activity}', timestamp '{cols.timestamp}'"
                 + (f", resource '{cols.resource}'" if cols.resource else "")
                 + (f", tie-breaker '{cols.tiebreak}'" if cols.tiebreak else "") + "."]
        if self.rejected:
            lines.append(rejected_sentence(self.rejected, self.examples, self.rows_rejected))
        if self.duplicates and self.duplicates_kept:
            lines.append(f"{self.duplicates:,} duplicate row(s) (identical in every column) were kept.")
        lines.append(f"Order within a case: {self.order_rule}.")
        if self.ties:
            e_g = f" (e.g. {'; '.join(self.tie_examples)})" if self.tie_examples else ""
            lines.append(f"{self.ties:,} events in {self.tie_groups:,} group(s) share their case's timestamp; "
                         f"they are ordered by {self.tie_rule}{e_g}.")
        else:
            lines.append(f"No two events of a case share a timestamp (ties would be ordered by {self.tie_rule}).")
        if self.extras:
            shown = ", ".join(self.extras[:8]) + (" …" if len(self.extras) > 8 else "")
            lines.append(f"Kept {len(self.extras)} other column(s) as x_ attributes: {shown}.")
        lines.extend(f"Note: {w}" for w in self.warnings)
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source, "format": self.format, "encoding": self.encoding, "delimiter": self.delimiter,
            "columns": self.columns.to_json(), "rows_read": self.rows_read, "rows_kept": self.rows_kept,
            "rows_rejected": self.rows_rejected, "rejected": dict(self.rejected),
            "examples": {k: list(v) for k, v in self.examples.items()}, "duplicates": self.duplicates,
            "duplicates_kept": self.duplicates_kept, "ties": self.ties, "tie_groups": self.tie_groups,
            "tie_rule": self.tie_rule, "tie_examples": list(self.tie_examples),
            "repeats_collapsed": self.repeats_collapsed, "intervals": self.intervals, "order": self.order,
            "order_rule": self.order_rule, "lifecycle_column": self.lifecycle_column,
            "lifecycle_pairs": self.lifecycle_pairs, "cases": self.cases, "activities": self.activities,
            "first": self.first.isoformat() if self.first else None,
            "last": self.last.isoformat() if self.last else None, "extras": list(self.extras),
            "warnings": list(self.warnings), "date_order": self.date_order, "timezone": self.timezone,
            "output": self.output, "seconds": round(self.seconds, 3),
        }


class LogImportError(JourneysError):
    """Nothing usable came out of the input; ``report`` says what was read when anything was."""

    def __init__(self, message: str, problems: list[Problem] | None = None, report: LogReport | None = None) -> None:
        super().__init__(message, problems)
        self.report = report


@dataclass(frozen=True)
class ImportOptions:
    """How to read a log beyond its columns; the defaults suit most exports."""

    timezone: str = "UTC"               # zone of timestamps written without an offset
    date_order: str = "auto"            # auto | dayfirst | monthfirst (for 01/02/2024)
    duplicates: str = "drop"            # drop | keep rows identical in every column to an earlier row
    collapse_repeats: bool = False      # drop an event whose activity equals the case's previous one
    order: str = "start"                # start | complete: events with start times ordered by which (ORDERS)

    def problems(self) -> list[Problem]:
        """What is wrong with these options (empty when usable)."""
        from journeys.tickets.column_mapping import DATE_ORDERS, valid_zone

        out = []
        if not valid_zone(self.timezone):
            out.append(Problem("timezone", f"unknown time zone '{self.timezone}' (e.g. UTC, Europe/Paris, +02:00)"))
        if self.date_order not in DATE_ORDERS:
            out.append(Problem("date_order", f"must be one of {', '.join(DATE_ORDERS)}"))
        if self.duplicates not in ("drop", "keep"):
            out.append(Problem("duplicates", "must be drop or keep"))
        if self.order not in ORDERS:
            out.append(Problem("order", "must be start or complete"))
        return out
