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
