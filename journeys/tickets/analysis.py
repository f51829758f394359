"""Tickets on a journey: a dataset version, mapped to steps by a rule set, as an Ibis table.

The one place where a dataset, its mapping rules and the metric catalogue
meet, so the Friction page, the CLI and a notebook compute identical numbers.
The mapped tickets are materialised once per (dataset version, rules version)
as a DuckDB table; metrics then run on it through Ibis.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass

import duckdb
import ibis
import pandas as pd

from journeys.model import Journey
from journeys.tickets.datasets import DatasetVersion
from journeys.tickets.rules import RuleSet, mapped_table, rules_to_json


@dataclass(frozen=True)
class MappedTickets:
    """Tickets of one dataset version with ``journey_step`` filled by the rules."""

    table: ibis.Table
    connection: duckdb.DuckDBPyConnection
    relation_name: str
    dataset: DatasetVersion
    rules_version: int


class TicketEngine:
    """One in-process DuckDB holding the mapped ticket tables a process has asked for.

    DuckDB connections are not thread-safe: every query takes a cursor, and
    materialising a table is serialised by a lock.
    """

    def __init__(self) -> None:
        self._con = duckdb.connect()
        self._lock = threading.Lock()
        self._ibis = ibis.duckdb.from_connection(self._con)

    def mapped(self, dataset: DatasetVersion, rule_set: RuleSet, journey: Journey) -> MappedTickets:
        """The dataset's tickets mapped to the journey's steps (materialised on first use)."""
        key = hashlib.sha1("\x1f".join([
            str(dataset.path), str(dataset.version), journey.name, str(rule_set.version),
            rules_to_json(rule_set.rules), ",".join(journey.step_ids()),
        ]).encode()).hexdigest()[:16]
        name = f"mapped_{key}"
        with self._lock:
            exists = self._con.execute(
                "SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [name]).fetchall()[0][0]
            if not exists:
                relation = mapped_table(self._con, dataset.path, rule_set, journey)
                relation.create(name)
        return MappedTickets(self._ibis.table(name), self._con, name, dataset, rule_set.version)

    def close(self) -> None:
        self._con.close()


EXAMPLE_COLUMNS = ("ticket_id", "created_at", "channel", "subject", "tags", "status", "csat", "reopens", "escalated")


def example_tickets(mapped: MappedTickets, step: str, limit: int = 50) -> pd.DataFrame:
    """The newest tickets on a step, for reading what customers actually wrote (text, never HTML)."""
    t = mapped.table
    columns = [c for c in EXAMPLE_COLUMNS if c in t.columns]
    return (t.filter(t.journey_step == step).order_by(ibis.desc("created_at")).select(*columns)
            .limit(limit).execute())


def unmapped_share(mapped: MappedTickets) -> tuple[int, int]:
    """(tickets, tickets on no step) of the mapped dataset."""
    t = mapped.table
    row = t.aggregate(n=t.count(), unmapped=t.journey_step.isnull().sum()).execute().iloc[0]
    return int(row["n"]), int(row["unmapped"] or 0)


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy safe to open in a spreadsheet: text cells starting with = + - @ (or tab/CR) get a leading quote."""
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(
                lambda v: "'" + v if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r") else v)
    return safe
