"""Ticket metadata in the workspace database: dataset versions, import profiles, mapping rules.

The ticket rows live in Parquet files (see :mod:`journeys.tickets.datasets`);
this module only records them. It works on a :class:`~journeys.store.Store`'s
engine with the store's conventions: one transaction per write, SQLite writes
taking the write lock up front (``BEGIN IMMEDIATE``), appended history rows
that are never updated.

- A dataset version is recorded in the same transaction that picks its number,
  with the dataset row locked (PostgreSQL ``FOR UPDATE``; SQLite's write lock
  already serialises writers), so two imports into one dataset get versions N
  and N+1, never both N.
- Mapping rules are append-only versions per (workspace, journey); a save
  names the version it was based on and is refused with
  :class:`~journeys.errors.StaleWrite` when someone saved since, exactly as
  journey saves are.

The tables are declared here (on the store's shared ``metadata``) next to the
only code that queries them; migration ``0002`` creates them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    func,
    insert,
    select,
)

from journeys.errors import JourneysError, NotFound, StaleWrite
from journeys.store.core import Store, workspace_named
from journeys.store.records import Change, Revision, RevisionLog, clean, insert_ignoring, now, readable_time
from journeys.store.schema import AUTHOR_LENGTH, NAME_LENGTH, UTCDateTime, metadata, workspaces
from journeys.tickets.rules import Rule, RuleSet, check_rules, rules_from_json, rules_to_json

PATH_LENGTH = 1000

datasets = Table(
    "datasets",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("workspace_id", Integer, ForeignKey("workspaces.id"), nullable=False),
    Column("name", String(NAME_LENGTH), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("workspace_id", "name"),
)

# Append-only: one row per committed version; the file it names is never rewritten.
dataset_versions = Table(
    "dataset_versions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("dataset_id", Integer, ForeignKey("datasets.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("path", String(PATH_LENGTH), nullable=False),  # relative to the workspace folder, '/'-separated
    Column("rows", BigInteger, nullable=False),
    Column("report", Text, nullable=False, server_default="{}"),  # the importer's report, JSON
    Column("created_by", String(AUTHOR_LENGTH), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("dataset_id", "version"),
)

import_profiles = Table(
    "import_profiles",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("workspace_id", Integer, ForeignKey("workspaces.id"), nullable=False),
    Column("name", String(NAME_LENGTH), nullable=False),
    Column("mapping", Text, nullable=False),  # JSON
    Column("updated_by", String(AUTHOR_LENGTH), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("workspace_id", "name"),
)

# Append-only: every save of a journey's mapping rules is a new version.
rule_sets = Table(
    "rule_sets",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("workspace_id", Integer, ForeignKey("workspaces.id"), nullable=False),
    Column("journey", String(NAME_LENGTH), nullable=False),
    Column("version", Integer, nullable=False),
    Column("rules", Text, nullable=False),  # JSON list, see journeys.tickets.rules.rules_to_json
    Column("author", String(AUTHOR_LENGTH), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("message", Text, nullable=False, server_default=""),
    UniqueConstraint("workspace_id", "journey", "version"),
)


@dataclass(frozen=True)
class DatasetRecord:
    """One recorded dataset version as stored (``path`` relative to the workspace folder)."""

    workspace: str
    name: str
    version: int
    path: str
    rows: int
    report: dict[str, Any]
    created_by: str
    created_at: datetime


def _json_text(value: Any, what: str) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError) as error:
        raise JourneysError(f"The {what} cannot be stored as JSON: {error}") from None


def rules_label(journey: str) -> str:
    return f"Mapping rules of {journey}"


class TicketStore:
    """Dataset versions, import profiles and mapping rules of every workspace, in a Store's database."""

    def __init__(self, store: Store) -> None:
        self._store = store
        # Reads on the store's reader; writes take store.writer each time (a guarded view checks the role there).
        self._engine = store.reader
        self._rules = RevisionLog(rule_sets, ("workspace_id", "journey"), "rules")

    # --- datasets --------------------------------------------------------------------------------

    def add_dataset_version(
        self,
        workspace: str,
        name: str,
        place: Callable[[int], str],
        rows: int,
        report: dict[str, Any],
        author: str,
    ) -> DatasetRecord:
        """Record the next version of a dataset (creating workspace and dataset) in ONE transaction.

        ``place(version)`` is called inside the transaction, once the number is
        decided and locked, to put the file in place; it returns the file's
        path relative to the workspace folder. If ``place`` or the insert or
        the commit fails, nothing is recorded (the caller undoes its file).
        """
        ws = clean(workspace, "workspace name", NAME_LENGTH)
        ds = clean(name, "dataset name", NAME_LENGTH)
        who = clean(author, "author", AUTHOR_LENGTH)
        report_text = _json_text(report or {}, "import report")
        with self._store.writer.begin() as conn:
            ws_id = self._store.workspace_id(conn, ws)
            at = now()
            conn.execute(
                insert_ignoring(conn)(datasets)
                .values(workspace_id=ws_id, name=ds, created_at=at)
                .on_conflict_do_nothing(index_elements=["workspace_id", "name"])
            )
            ds_id = conn.execute(
                select(datasets.c.id).where(datasets.c.workspace_id == ws_id, datasets.c.name == ds).with_for_update()
            ).scalar_one()
            current = conn.execute(
                select(func.max(dataset_versions.c.version)).where(dataset_versions.c.dataset_id == ds_id)
            ).scalar()
            version = (current or 0) + 1
            path = place(version)
            if len(path) > PATH_LENGTH:
                raise JourneysError(f"The dataset file path is longer than {PATH_LENGTH} characters: {path}")
            conn.execute(
                insert(dataset_versions).values(
                    dataset_id=ds_id,
                    version=version,
                    path=path,
                    rows=int(rows),
                    report=report_text,
                    created_by=who,
                    created_at=at,
                )
            )
        return DatasetRecord(ws, ds, version, path, int(rows), json.loads(report_text), who, at)

    def dataset_version_recorded(self, workspace: str, name: str, version: int) -> bool:
        """Whether that version of the dataset is in the database (used to decide whether a file may go)."""
        with self._engine.connect() as conn:
            return conn.execute(
                self._versions_query(workspace.strip(), name.strip()).where(dataset_versions.c.version == version)
            ).first() is not None

    def dataset_versions(self, workspace: str, name: str) -> list[DatasetRecord]:
        """Every version of a dataset, newest first; NotFound when it has none."""
        ws = clean(workspace, "workspace name", NAME_LENGTH)
        ds = clean(name, "dataset name", NAME_LENGTH)
        with self._engine.connect() as conn:
            rows = conn.execute(self._versions_query(ws, ds).order_by(dataset_versions.c.version.desc())).all()
            if not rows:
                raise self._no_dataset(conn, ws, ds)
        return [self._record(r) for r in rows]

    def latest_dataset_version(self, workspace: str, name: str) -> DatasetRecord:
        """The newest version of a dataset; NotFound when it has none."""
        ws = clean(workspace, "workspace name", NAME_LENGTH)
        ds = clean(name, "dataset name", NAME_LENGTH)
        with self._engine.connect() as conn:
            row = conn.execute(
                self._versions_query(ws, ds).order_by(dataset_versions.c.version.desc()).limit(1)
            ).first()
            if row is None:
                raise self._no_dataset(conn, ws, ds)
        return self._record(row)

    def latest_dataset_versions(self, workspace: str) -> list[DatasetRecord]:
        """The newest version of each dataset of the workspace, sorted by name (empty for an unknown workspace)."""
        ws = clean(workspace, "workspace name", NAME_LENGTH)
        newest = (
            select(dataset_versions.c.dataset_id, func.max(dataset_versions.c.version).label("version"))
            .group_by(dataset_versions.c.dataset_id)
            .subquery()
        )
        query = (
            self._versions_select()
            .join(
                newest,
                and_(
                    newest.c.dataset_id == dataset_versions.c.dataset_id,
                    newest.c.version == dataset_versions.c.version,
                ),
            )
            .where(workspaces.c.name == ws)
        )
        with self._engine.connect() as conn:
            rows = conn.execute(query).all()
        return sorted((self._record(r) for r in rows), key=lambda r: (r.name.casefold(), r.name))

    @staticmethod
    def _versions_select() -> Any:
        return (
            select(
                workspaces.c.name.label("workspace"),
                datasets.c.name.label("dataset"),
                dataset_versions,
            )
            .select_from(dataset_versions)
            .join(datasets, datasets.c.id == dataset_versions.c.dataset_id)
            .join(workspaces, workspaces.c.id == datasets.c.workspace_id)
        )

    def _versions_query(self, ws: str, ds: str) -> Any:
        return self._versions_select().where(workspaces.c.name == ws, datasets.c.name == ds)

    @staticmethod
    def _record(row: Any) -> DatasetRecord:
        try:
            report = json.loads(row.report or "{}")
        except json.JSONDecodeError:
            report = {"unreadable_report": row.report}
        return DatasetRecord(
            workspace=row.workspace,
            name=row.dataset,
            version=row.version,
            path=row.path,
            rows=row.rows,
            report=report,
            created_by=row.created_by,
            created_at=row.created_at,
        )

    @staticmethod
    def _no_dataset(conn: Connection, ws: str, ds: str) -> NotFound:
        if conn.execute(select(workspaces.c.id).where(workspaces.c.name == ws)).first() is None:
            return NotFound(f"There is no workspace '{ws}'")
        return NotFound(f"There is no dataset '{ds}' in workspace '{ws}'")

    # --- import profiles -------------------------------------------------------------------------

    def save_profile(self, workspace: str, name: str, mapping: dict[str, Any], author: str) -> None:
        """Create or replace a named import profile (an importer's confirmed column mapping)."""
        ws = clean(workspace, "workspace name", NAME_LENGTH)
        profile = clean(name, "profile name", NAME_LENGTH)
        who = clean(author, "author", AUTHOR_LENGTH)
        if not isinstance(mapping, dict):
            raise JourneysError("An import profile must be a JSON object (column mapping and options)")
        text = _json_text(mapping, "import profile")
        with self._store.writer.begin() as conn:
            ws_id = self._store.workspace_id(conn, ws)
            stmt = insert_ignoring(conn)(import_profiles).values(
                workspace_id=ws_id, name=profile, mapping=text, updated_by=who, updated_at=now()
            )
            conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=["workspace_id", "name"],
                    set_={"mapping": stmt.excluded.mapping, "updated_by": who, "updated_at": stmt.excluded.updated_at},
                )
            )

    def load_profile(self, workspace: str, name: str) -> dict[str, Any]:
        """A saved import profile; NotFound when there is none by that name."""
        ws = clean(workspace, "workspace name", NAME_LENGTH)
        profile = clean(name, "profile name", NAME_LENGTH)
        with self._engine.connect() as conn:
            text = conn.execute(
                select(import_profiles.c.mapping)
                .join(workspaces, workspaces.c.id == import_profiles.c.workspace_id)
                .where(workspaces.c.name == ws, import_profiles.c.name == profile)
            ).scalar_one_or_none()
        if text is None:
            raise NotFound(f"There is no import profile '{profile}' in workspace '{ws}'")
        return json.loads(text)

    def list_profiles(self, workspace: str) -> list[str]:
        """Names of the workspace's import profiles, sorted case-insensitively."""
        ws = clean(workspace, "workspace name", NAME_LENGTH)
        with self._engine.connect() as conn:
            names = conn.execute(
                select(import_profiles.c.name)
                .join(workspaces, workspaces.c.id == import_profiles.c.workspace_id)
                .where(workspaces.c.name == ws)
            ).scalars().all()
        return sorted(names, key=lambda n: (n.casefold(), n))

    # --- mapping rules ---------------------------------------------------------------------------

    def save_rules(
        self,
        workspace: str,
        journey: str,
        rules: Sequence[Rule],
        author: str,
        message: str = "",
        expected_version: int = 0,
    ) -> int:
        """Store the journey's rules as a new version on top of ``expected_version``; returns the new version.

        ``expected_version`` is the version the editor loaded (0 when there
        were none). If someone saved since, nothing is written and
        :class:`~journeys.errors.StaleWrite` says who and when. Rules are
        checked on their own first (operators, empty values, regexes RE2
        rejects); steps and columns are checked against a journey and a
        dataset by :func:`journeys.tickets.rules.validate_rules`.
        """
        ws = clean(workspace, "workspace name", NAME_LENGTH)
        name = clean(journey, "journey name", NAME_LENGTH)
        who = clean(author, "author", AUTHOR_LENGTH)
        rules = list(rules)
        problems = check_rules(rules)
        if problems:
            raise JourneysError(f"The mapping rules of '{name}' have problems", problems)
        text = rules_to_json(rules)
        with self._store.writer.begin() as conn:
            record = {"workspace_id": self._store.workspace_id(conn, ws), "journey": name}
            return self._rules.compare_and_set(conn, record, expected_version, text, who, message,
                                               lambda head: stale_rules(name, expected_version, head))

    def restore_rules(self, workspace: str, journey: str, version: int, author: str,
                      expected_version: int | None = None) -> int:
        """Write the rules of ``version`` as a new version on top ("Restored version N"); with
        ``expected_version`` a save by someone else since is refused, as for :meth:`save_rules`."""
        ws = clean(workspace, "workspace name", NAME_LENGTH)
        name = clean(journey, "journey name", NAME_LENGTH)
        who = clean(author, "author", AUTHOR_LENGTH)
        with self._store.writer.begin() as conn:
            record = {"workspace_id": self._store.workspace_id(conn, ws), "journey": name}
            return self._rules.restore(conn, record, version, who, expected_version,
                                       lambda expected, head: stale_rules(name, expected, head),
                                       lambda v: no_rules_version(name, v))

    def load_rules(self, workspace: str, journey: str) -> RuleSet:
        """The journey's current rules and their version; an empty set at version 0 when none were saved."""
        name = clean(journey, "journey name", NAME_LENGTH)
        with self._engine.connect() as conn:
            row = self._rules.head(conn, self._named(workspace, name))
        if row is None:
            return RuleSet(journey=name, rules=[], version=0)
        return RuleSet(journey=name, rules=rules_from_json(row.rules), version=row.version)

    def rules_revision(self, workspace: str, journey: str, version: int) -> RuleSet:
        """The journey's rules as they were at ``version``; NotFound when there is no such version."""
        name = clean(journey, "journey name", NAME_LENGTH)
        with self._engine.connect() as conn:
            row = self._rules.at(conn, self._named(workspace, name), version)
        if row is None:
            raise no_rules_version(name, version)
        return RuleSet(journey=name, rules=rules_from_json(row.rules), version=row.version)

    def rules_history(self, workspace: str, journey: str) -> list[Revision]:
        """Every saved version of the journey's rules, newest first (empty when none)."""
        name = clean(journey, "journey name", NAME_LENGTH)
        with self._engine.connect() as conn:
            return self._rules.history(conn, self._named(workspace, name))

    def rules_diff(self, workspace: str, journey: str, old: int, new: int) -> list[Change]:
        """Every value that differs between two versions of the journey's rules (``N.field`` per rule)."""
        name = clean(journey, "journey name", NAME_LENGTH)
        with self._engine.connect() as conn:
            return self._rules.diff(conn, self._named(workspace, name), old, new,
                                    lambda v: no_rules_version(name, v))

    @staticmethod
    def _named(workspace: str, journey: str) -> dict[str, Any]:
        ws = clean(workspace, "workspace name", NAME_LENGTH)
        return {"workspace_id": workspace_named(ws), "journey": journey}


def stale_rules(name: str, expected: int, head: Any) -> JourneysError:
    """The refusal of a rules save based on ``expected`` when ``head`` (newest, or None) is current."""
    if head is None:
        return JourneysError(
            f"There are no saved mapping rules for '{name}' (you expected version {expected}); save with version 0"
        )
    return StaleWrite(rules_label(name), expected, head.version, head.author, readable_time(head.created_at))


def no_rules_version(name: str, version: int) -> NotFound:
    return NotFound(f"The mapping rules of '{name}' have no version {version}")
