"""In-memory fakes of the workspace's versioned repositories, for fast use-case tests without a database.

``open_fake_workspace()`` gives a :class:`~journeys.workspace.Workspace` whose ``journeys``,
``painpoints``, ``experiments``, ``rules`` (and the documents under them) live in dictionaries:
the same methods, the same validation and the same refusals (:class:`~journeys.errors.NotFound`,
:class:`~journeys.errors.StaleWrite`, worded by the same functions as the real store's), so a use
case tested here behaves the same on SQLite and PostgreSQL. ``tests/store/test_contract.py`` runs
one set of assertions against the real store and this fake, so the two cannot drift.

What is real here too: the pain point and experiment repositories themselves
(:class:`~journeys.painpoints.PainPoints`, :class:`~journeys.experiments.repository.Experiments`)
run unchanged on the fake store; only the storage underneath is swapped. Ticket datasets and
event logs are files and are not faked.
"""

from __future__ import annotations

import builtins
import json
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from pathlib import Path
from types import TracebackType
from typing import Any, cast

from journeys.errors import JourneysError, NotFound
from journeys.model import Journey, validated
from journeys.settings import load_settings
from journeys.store.core import (
    JourneySummary,
    LoadedJourney,
    Store,
    journey_from_snapshot,
    missing_journey,
    no_journey_version,
    stale_journey,
    taken_name,
)
from journeys.store.documents import (
    KEY_LENGTH,
    KIND_LENGTH,
    Document,
    body_text,
    natural,
    next_key,
    no_document,
    no_document_version,
    stale_document,
)
from journeys.store.records import Change, Revision, changes, clean, now, restored
from journeys.store.schema import AUTHOR_LENGTH, NAME_LENGTH
from journeys.store.tickets import no_rules_version, stale_rules
from journeys.tickets.rules import Rule, RuleSet, check_rules, rules_from_json, rules_to_json
from journeys.workspace import RuleRepository, Workspace


@dataclass(frozen=True)
class Stored:
    """One revision in memory: what a row of a revisions table holds."""

    version: int
    body: str
    author: str
    created_at: datetime
    message: str


class MemoryLog:
    """The in-memory twin of :class:`journeys.store.records.RevisionLog`: revisions per record key."""

    def __init__(self) -> None:
        self.records: dict[tuple[str, ...], list[Stored]] = {}
        self.lock = threading.RLock()

    def head(self, record: tuple[str, ...]) -> Stored | None:
        revisions = self.records.get(record)
        return revisions[-1] if revisions else None

    def at(self, record: tuple[str, ...], version: int) -> Stored | None:
        return next((r for r in self.records.get(record, []) if r.version == version), None)

    def history(self, record: tuple[str, ...]) -> list[Revision]:
        return [Revision(r.version, r.author, r.created_at, r.message) for r in reversed(self.records.get(record, []))]

    def compare_and_set(self, record: tuple[str, ...], expected: int, body: str, author: str, message: str,
                        stale: Callable[[Stored | None], JourneysError]) -> int:
        with self.lock:
            head = self.head(record)
            if (head.version if head is not None else 0) != expected:
                raise stale(head)
            self.records.setdefault(record, []).append(Stored(expected + 1, body, author, now(), message or ""))
            return expected + 1

    def restore(self, record: tuple[str, ...], version: int, author: str, expected: int | None,
                stale: Callable[[int, Stored | None], JourneysError], missing: Callable[[int], NotFound]) -> int:
        with self.lock:
            body = self.body_at(record, version, missing)
            head = self.head(record)
            on_top = (head.version if head is not None else 0) if expected is None else expected
            return self.compare_and_set(record, on_top, body, author, restored(version),
                                        lambda newest: stale(on_top, newest))

    def body_at(self, record: tuple[str, ...], version: int, missing: Callable[[int], NotFound]) -> str:
        found = self.at(record, version)
        if found is None:
            raise missing(version)
        return found.body

    def diff(self, record: tuple[str, ...], old: int, new: int, missing: Callable[[int], NotFound]) -> list[Change]:
        return changes(json.loads(self.body_at(record, old, missing)), json.loads(self.body_at(record, new, missing)))


# --- journeys ---------------------------------------------------------------------------------------


@dataclass
class _Head:
    name: str
    deleted: bool = False


class MemoryStore:
    """The journeys of every workspace in memory, with the :class:`~journeys.store.Store` methods."""

    url = "memory://"

    def __init__(self) -> None:
        self._workspaces: set[str] = set()
        self._heads: dict[tuple[str, int], _Head] = {}  # (workspace, journey id) -> name, deleted
        self._journal = MemoryLog()
        self._ids = 0

    @cached_property
    def documents(self) -> MemoryDocuments:
        return MemoryDocuments(self)

    @cached_property
    def tickets(self) -> MemoryRules:
        return MemoryRules(self)

    # --- workspaces ---------------------------------------------------------------------------

    def ensure_workspace(self, workspace: str) -> None:
        self._workspaces.add(clean(workspace, "workspace name", NAME_LENGTH))

    def list_workspaces(self) -> list[str]:
        return sorted(self._workspaces, key=lambda n: (n.casefold(), n))

    # --- reads --------------------------------------------------------------------------------

    def list_journeys(self, workspace: str) -> list[JourneySummary]:
        ws = clean(workspace, "workspace name", NAME_LENGTH)
        summaries = []
        for (owner, ident), head in self._heads.items():
            newest = self._journal.head((str(ident),))
            if owner != ws or head.deleted or newest is None:
                continue
            journey = journey_from_snapshot(newest.body, f"journey '{head.name}'")
            summaries.append(JourneySummary(
                name=head.name, state=journey.state.value, derived_from=journey.derived_from,
                version=newest.version, updated_by=newest.author, updated_at=newest.created_at,
                step_count=len(journey.steps)))
        return sorted(summaries, key=lambda s: (s.name.casefold(), s.name))

    def load(self, workspace: str, name: str) -> LoadedJourney:
        ws = clean(workspace, "workspace name", NAME_LENGTH)
        _, newest = self._head(ws, name)
        journey = journey_from_snapshot(newest.body, f"journey '{name}' (version {newest.version})")
        return LoadedJourney(journey=journey, version=newest.version, saved_by=newest.author,
                             saved_at=newest.created_at)

    def history(self, workspace: str, name: str) -> list[Revision]:
        ident, _ = self._head(clean(workspace, "workspace name", NAME_LENGTH), name, allow_deleted=True)
        return self._journal.history(ident)

    def revision(self, workspace: str, name: str, version: int) -> Journey:
        ident, newest = self._head(clean(workspace, "workspace name", NAME_LENGTH), name, allow_deleted=True)
        missing = self._missing_version(name, newest.version)
        return journey_from_snapshot(self._journal.body_at(ident, version, missing), f"version {version} of '{name}'")

    def diff(self, workspace: str, name: str, old: int, new: int) -> list[Change]:
        ident, newest = self._head(clean(workspace, "workspace name", NAME_LENGTH), name, allow_deleted=True)
        return self._journal.diff(ident, old, new, self._missing_version(name, newest.version))

    # --- writes -------------------------------------------------------------------------------

    def create(self, workspace: str, journey: Journey, author: str, message: str = "Created") -> int:
        journey = validated(journey)
        ws = clean(workspace, "workspace name", NAME_LENGTH)
        who = clean(author, "author", AUTHOR_LENGTH)
        with self._journal.lock:
            self._refuse_taken_name(ws, journey.name)
            self._workspaces.add(ws)
            self._ids += 1
            self._heads[(ws, self._ids)] = _Head(journey.name)
            return self._journal.compare_and_set((str(self._ids),), 0, journey.model_dump_json(), who, message,
                                                 lambda _head: JourneysError("unreachable"))

    def save(self, workspace: str, journey: Journey, expected_version: int, author: str, message: str = "",
             name: str | None = None) -> int:
        journey = validated(journey)
        ws = clean(workspace, "workspace name", NAME_LENGTH)
        who = clean(author, "author", AUTHOR_LENGTH)
        with self._journal.lock:
            stored_name = name if name is not None else journey.name
            self._head(ws, stored_name)
            if journey.name != stored_name:
                self._refuse_taken_name(ws, journey.name)
            return self._write(ws, stored_name, journey, who, message, expected_version)

    def restore(self, workspace: str, name: str, version: int, author: str, expected_version: int | None = None
                ) -> int:
        ws = clean(workspace, "workspace name", NAME_LENGTH)
        who = clean(author, "author", AUTHOR_LENGTH)
        with self._journal.lock:
            _, newest = self._head(ws, name)
            old = self.revision(ws, name, version)
            journey = validated(old.model_copy(update={"name": name}))
            expected = newest.version if expected_version is None else expected_version
            return self._write(ws, name, journey, who, restored(version), expected)

    def delete(self, workspace: str, name: str, expected_version: int, author: str) -> None:
        ws = clean(workspace, "workspace name", NAME_LENGTH)
        who = clean(author, "author", AUTHOR_LENGTH)
        with self._journal.lock:
            current = self.load(ws, name).journey
            self._write(ws, name, current, who, "Deleted", expected_version, deleted=True)

    def undelete(self, workspace: str, name: str, author: str) -> int:
        ws = clean(workspace, "workspace name", NAME_LENGTH)
        who = clean(author, "author", AUTHOR_LENGTH)
        with self._journal.lock:
            ident, newest = self._head(ws, name, allow_deleted=True)
            if not self._heads[(ws, int(ident[0]))].deleted:
                raise JourneysError(f"Journey '{name}' in workspace '{ws}' is not deleted")
            current = journey_from_snapshot(newest.body, f"journey '{name}'")
            return self._write(ws, name, current, who, "Undeleted", newest.version, allow_deleted=True)

    def close(self) -> None:
        """Nothing to release; here so the fake can stand where a Store is closed."""

    def __enter__(self) -> MemoryStore:
        return self

    def __exit__(self, *_exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()

    # --- internals ----------------------------------------------------------------------------

    def _find(self, ws: str, name: str) -> tuple[int, _Head] | None:
        return next(((i, h) for (owner, i), h in self._heads.items() if owner == ws and h.name == name), None)

    def _head(self, ws: str, name: str, *, allow_deleted: bool = False) -> tuple[tuple[str], Stored]:
        found = self._find(ws, name)
        if found is None or (found[1].deleted and not allow_deleted):
            newest = self._journal.head((str(found[0]),)) if found else None
            deleted = (newest.author, newest.created_at) if found and newest else None
            raise missing_journey(ws, name, deleted, workspace_known=ws in self._workspaces)
        ident = (str(found[0]),)
        newest = self._journal.head(ident)
        assert newest is not None  # every journey is created with its first revision
        return ident, newest

    def _write(self, ws: str, name: str, journey: Journey, author: str, message: str, expected: int, *,
               deleted: bool = False, allow_deleted: bool = False) -> int:
        ident, _ = self._head(ws, name, allow_deleted=allow_deleted)
        head = self._heads[(ws, int(ident[0]))]

        def stale(newest: Stored | None) -> JourneysError:  # one lock: nobody can delete it meanwhile
            assert newest is not None
            return stale_journey(name, expected, newest.version, newest.author, newest.created_at,
                                 deleted_since=False)

        version = self._journal.compare_and_set(ident, expected, journey.model_dump_json(), author, message, stale)
        head.name, head.deleted = journey.name, deleted
        return version

    def _refuse_taken_name(self, ws: str, name: str) -> None:
        found = self._find(ws, name)
        if found is not None:
            raise taken_name(ws, name, deleted=found[1].deleted)

    @staticmethod
    def _missing_version(name: str, newest: int) -> Callable[[int], NotFound]:
        return lambda version: no_journey_version(name, version, newest)


# --- documents --------------------------------------------------------------------------------------


class MemoryDocuments:
    """Versioned documents in memory, with the :class:`~journeys.store.documents.DocumentStore` methods."""

    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self._log = MemoryLog()

    def save(self, workspace: str, kind: str, key: str, body: Mapping[str, Any], author: str, *,
             message: str = "", expected_version: int = 0, label: str | None = None) -> int:
        ws, kind, key, who = _names(workspace, kind, key, author)
        text = body_text(body)
        self._store.ensure_workspace(ws)
        shown = label or f"{kind} {key}"
        return self._log.compare_and_set((ws, kind, key), expected_version, text, who, message,
                                         lambda head: stale_document(shown, expected_version, head))

    def create(self, workspace: str, kind: str, prefix: str, body: Mapping[str, Any], author: str,
               message: str = "Created") -> str:
        ws, kind, _, who = _names(workspace, kind, prefix, author)
        with self._log.lock:
            key = next_key(prefix, [k for (w, c, k) in self._log.records if (w, c) == (ws, kind)])
            self.save(ws, kind, key, body, who, message=message)
        return key

    def append_next(self, workspace: str, kind: str, key: str, body_for: Callable[[int], Mapping[str, Any]],
                    author: str, message: str = "", attempts: int = 5) -> Document:
        ws, kind, key, who = _names(workspace, kind, key, author)
        with self._log.lock:
            head = self._log.head((ws, kind, key))
            version = head.version + 1 if head is not None else 1
            self.save(ws, kind, key, body_for(version), who, message=message, expected_version=version - 1)
        return self.revision(ws, kind, key, version)

    def restore(self, workspace: str, kind: str, key: str, version: int, author: str, *,
                expected_version: int | None = None, label: str | None = None) -> int:
        ws, kind, key, who = _names(workspace, kind, key, author)
        shown = label or f"{kind} {key}"
        return self._log.restore((ws, kind, key), version, who, expected_version,
                                 lambda expected, head: stale_document(shown, expected, head),
                                 lambda v: no_document_version(kind, key, v))

    def get(self, workspace: str, kind: str, key: str) -> Document | None:
        ws, kind, key, _ = _names(workspace, kind, key, "reader")
        head = self._log.head((ws, kind, key))
        return None if head is None else _document(kind, key, head)

    def load(self, workspace: str, kind: str, key: str) -> Document:
        found = self.get(workspace, kind, key)
        if found is None:
            raise no_document(workspace, kind, key, [d.key for d in self.latest(workspace, kind)])
        return found

    def latest(self, workspace: str, kind: str) -> builtins.list[Document]:
        ws, kind, _, _ = _names(workspace, kind, "all", "reader")
        found = [_document(c, k, revisions[-1]) for (w, c, k), revisions in self._log.records.items()
                 if (w, c) == (ws, kind) and revisions]
        return sorted(found, key=lambda d: natural(d.key))

    def history(self, workspace: str, kind: str, key: str) -> builtins.list[Revision]:
        ws, kind, key, _ = _names(workspace, kind, key, "reader")
        return self._log.history((ws, kind, key))

    def revision(self, workspace: str, kind: str, key: str, version: int) -> Document:
        ws, kind, key, _ = _names(workspace, kind, key, "reader")
        found = self._log.at((ws, kind, key), version)
        if found is None:
            raise no_document_version(kind, key, version)
        return _document(kind, key, found)

    def diff(self, workspace: str, kind: str, key: str, old: int, new: int) -> builtins.list[Change]:
        ws, kind, key, _ = _names(workspace, kind, key, "reader")
        return self._log.diff((ws, kind, key), old, new, lambda v: no_document_version(kind, key, v))


def _names(workspace: str, kind: str, key: str, author: str) -> tuple[str, str, str, str]:
    return (clean(workspace, "workspace name", NAME_LENGTH), clean(kind, "document kind", KIND_LENGTH),
            clean(key, "document key", KEY_LENGTH), clean(author, "author", AUTHOR_LENGTH))


def _document(kind: str, key: str, stored: Stored) -> Document:
    return Document(kind, key, stored.version, json.loads(stored.body), stored.author, stored.created_at,
                    stored.message)


# --- mapping rules ----------------------------------------------------------------------------------


class MemoryRules:
    """Mapping rules per journey in memory, with the rule methods of :class:`~journeys.store.tickets.TicketStore`."""

    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self._log = MemoryLog()

    def save_rules(self, workspace: str, journey: str, rules: Sequence[Rule], author: str, message: str = "",
                   expected_version: int = 0) -> int:
        ws, name = self._names(workspace, journey)
        who = clean(author, "author", AUTHOR_LENGTH)
        rules = list(rules)
        problems = check_rules(rules)
        if problems:
            raise JourneysError(f"The mapping rules of '{name}' have problems", problems)
        self._store.ensure_workspace(ws)
        return self._log.compare_and_set((ws, name), expected_version, rules_to_json(rules), who, message,
                                         lambda head: stale_rules(name, expected_version, head))

    def restore_rules(self, workspace: str, journey: str, version: int, author: str,
                      expected_version: int | None = None) -> int:
        ws, name = self._names(workspace, journey)
        who = clean(author, "author", AUTHOR_LENGTH)
        return self._log.restore((ws, name), version, who, expected_version,
                                 lambda expected, head: stale_rules(name, expected, head),
                                 lambda v: no_rules_version(name, v))

    def load_rules(self, workspace: str, journey: str) -> RuleSet:
        ws, name = self._names(workspace, journey)
        head = self._log.head((ws, name))
        if head is None:
            return RuleSet(journey=name, rules=[], version=0)
        return RuleSet(journey=name, rules=rules_from_json(head.body), version=head.version)

    def rules_revision(self, workspace: str, journey: str, version: int) -> RuleSet:
        ws, name = self._names(workspace, journey)
        found = self._log.at((ws, name), version)
        if found is None:
            raise no_rules_version(name, version)
        return RuleSet(journey=name, rules=rules_from_json(found.body), version=found.version)

    def rules_history(self, workspace: str, journey: str) -> list[Revision]:
        return self._log.history(self._names(workspace, journey))

    def rules_diff(self, workspace: str, journey: str, old: int, new: int) -> list[Change]:
        ws, name = self._names(workspace, journey)
        return self._log.diff((ws, name), old, new, lambda v: no_rules_version(name, v))

    @staticmethod
    def _names(workspace: str, journey: str) -> tuple[str, str]:
        return clean(workspace, "workspace name", NAME_LENGTH), clean(journey, "journey name", NAME_LENGTH)


# --- the workspace ----------------------------------------------------------------------------------


class FakeWorkspace(Workspace):
    """A :class:`~journeys.workspace.Workspace` over a :class:`MemoryStore`: journeys, pain points,
    experiments, rules and documents in memory; the analytics engine is a real (in-memory) DuckDB."""

    @cached_property
    def rules(self) -> RuleRepository:
        return RuleRepository(self.store.tickets, self.name)  # the MemoryRules of a MemoryStore


def open_fake_workspace(name: str = "demo", home: str | Path | None = None,
                        store: MemoryStore | None = None) -> FakeWorkspace:
    """A workspace whose versioned records live in memory (``store``: share one between workspaces).

    ``home`` is only where file-backed repositories (datasets, event logs) would write; nothing
    is written unless they are used."""
    settings = load_settings(home or Path.cwd() / "fake-workspace", MemoryStore.url, name)
    return FakeWorkspace(settings, store=cast(Store, store or MemoryStore()))
