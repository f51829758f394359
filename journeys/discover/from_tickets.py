"""Event logs derived from ticket data, for teams that have tickets but no product event tracking.

- :func:`customer_journeys_log`: each customer's sequence of journey steps across their tickets —
  from a *mapped* ticket table (``journey_step`` filled by the rules): case = ``customer_id``,
  activity = ``journey_step``, timestamp = ``created_at``. Tickets without a customer or a step
  are rejected with that reason (counted in the report), the rest kept with their channel and
  ticket id as attributes.
- :func:`status_history_log`: each ticket's status history from an export with one row per
  update (the kind the ticket importer collapses): case = ticket id, activity = status,
  timestamp = the update time. The columns are found the way the ticket importer finds them;
  consecutive updates that leave the status unchanged (a comment, a reassignment) are not status
  changes and are merged, and the report counts them.

Both store the log exactly as a file import does (:mod:`.log`): same report, same atomic write.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa
import pyarrow.parquet as pq

from journeys.discover.log import (
    ImportOptions,
    LogImportError,
    LogReport,
    import_connection,
    import_log,
    import_relation,
)
from journeys.discover.log_columns import LogColumns
from journeys.errors import JourneysError, Problem
from journeys.files import workspace_tmp
from journeys.tickets.column_mapping import UPDATED_AT, norm
from journeys.tickets.importer import inspect_file

JOURNEY_COLUMNS = ("customer_id", "journey_step", "created_at")
KEPT_ATTRIBUTES = ("ticket_id", "channel", "group", "handled_by", "priority", "variant")


def _arrow(tickets: Any) -> pa.Table:
    if isinstance(tickets, pa.Table):
        return tickets
    if isinstance(tickets, ibis.Table):
        chosen = [c for c in (*JOURNEY_COLUMNS, *KEPT_ATTRIBUTES) if c in tickets.columns]
        return tickets.select(*chosen).to_pyarrow()
    path = Path(getattr(tickets, "path", tickets))
    names = pq.read_schema(path).names
    return pq.read_table(path, columns=[c for c in (*JOURNEY_COLUMNS, *KEPT_ATTRIBUTES) if c in names])


def customer_journeys_log(tickets: Any, out_path: Path | str, source: str = "mapped tickets") -> LogReport:
    """Store each customer's journey-step sequence from mapped tickets (Ibis table, Arrow table or Parquet path).

    Use the mapped table of :class:`journeys.tickets.engine.TicketEngine` (``mapped.table``) or a
    Parquet file with ``customer_id``, ``journey_step`` and ``created_at``.
    """
    try:
        table = _arrow(tickets)
    except (OSError, pa.ArrowException, ValueError) as exc:
        raise LogImportError("The ticket table cannot be read", [Problem(source, str(exc).splitlines()[0])]) from None
    missing = [c for c in JOURNEY_COLUMNS if c not in table.column_names]
    if missing:
        raise LogImportError("The ticket table lacks what a customer journey is made of",
                             [Problem(c, "required column is missing (map the tickets to a journey first)"
                                      if c == "journey_step" else "required column is missing") for c in missing])
    columns = LogColumns(case="customer_id", activity="journey_step", timestamp="created_at",
                         resource="handled_by" if "handled_by" in table.column_names else None)
    with workspace_tmp(prefix="log-") as work:
        con = import_connection(Path(work))
        try:
            con.register("_tickets", table)
            report = import_relation(con, "_tickets", out_path, columns, source=source)
        finally:
            con.close()
    report.rejected = {_TICKET_REASONS.get(k, k): v for k, v in report.rejected.items()}
    report.examples = {_TICKET_REASONS.get(k, k): v for k, v in report.examples.items()}
    return report


_TICKET_REASONS = {"missing case id": "ticket without a customer_id",
                   "missing activity": "ticket on no journey step"}


def status_history_log(path: Path | str, out_path: Path | str, *, ticket: str | None = None,
                       status: str | None = None, updated: str | None = None) -> LogReport:
    """Store each ticket's status changes from an export with one row per ticket update.

    ``ticket``, ``status`` and ``updated`` name the columns when the detection (the ticket
    importer's) gets them wrong. LogImportError when the export has no update time or no status.
    """
    path = Path(path)
    try:
        info, mapping = inspect_file(path)
    except JourneysError as exc:
        raise LogImportError(exc.message, exc.problems) from None
    ticket = ticket or mapping.ticket_key or mapping.field("ticket_id").source
    status = status or mapping.field("status").source
    by_norm = {norm(c): c for c in reversed(info.columns)}
    updated = updated or mapping.updated_at or next((by_norm[h] for h in UPDATED_AT if h in by_norm), None)
    problems = []
    if not ticket:
        problems.append(Problem("ticket", "no ticket id column found; name it"))
    if not status:
        problems.append(Problem("status", "no status column found; name it"))
    if not updated:
        problems.append(Problem("updated", "no update-time column (e.g. 'Updated at') found: without one row per "
                                           "update there is no history; name it if the file has one"))
    if problems:
        raise LogImportError("This export has no status history to read", problems)
    return import_log(path, out_path, LogColumns(case=ticket, activity=status, timestamp=updated),
                      ImportOptions(collapse_repeats=True))

