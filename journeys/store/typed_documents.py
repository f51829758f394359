"""One typed document repository: a pydantic model stored as a versioned document under a key prefix.

Pain points (``PP-1``…) and experiments (``EX-1``…) are the same shape: a model, validated on the
way in and out, kept as a :mod:`versioned document <journeys.store.documents>` of one kind, read
back with its key and the version it was read at (the token a stale-safe edit hands back). A
subclass says which kind, prefix and model, how a stored one is wrapped, and what else a write
must check (e.g. that the journey and steps it names exist); everything else is here once.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel

from journeys.errors import JourneysError
from journeys.store.core import Store
from journeys.store.documents import Document, DocumentStore
from journeys.store.records import Change, Revision

Model = TypeVar("Model", bound=BaseModel)
Stored = TypeVar("Stored")


class DocumentRepository(Generic[Model, Stored]):
    """The documents of one kind in a workspace database, as ``Model`` in and ``Stored`` out."""

    kind: ClassVar[str]
    prefix: ClassVar[str]
    noun: ClassVar[str]  # how a message names one: "Pain point PP-3"
    created: ClassVar[str] = "Created"  # the first revision's message

    def __init__(self, store: Store) -> None:
        self._store = store
        self._docs: DocumentStore = store.documents

    # --- what a kind says about itself ----------------------------------------------------------

    def parse(self, body: Any) -> Model:
        """The model from stored (or any plain) data; InvalidJourney listing the problems."""
        raise NotImplementedError

    def stored(self, document: Document) -> Stored:
        """A stored document as callers read it: the model with its key and version."""
        raise NotImplementedError

    def check(self, workspace: str, model: Model) -> None:
        """What must hold in the workspace before the model is written (nothing by default)."""

    def label(self, key: str) -> str:
        return f"{self.noun} {key}"

    def require_steps(self, workspace: str, journey_name: str, steps: Sequence[str]) -> None:
        """Refuse a document that names a journey or steps the workspace does not have (NotFound, or
        JourneysError listing the journey's steps)."""
        journey = self._store.load(workspace, journey_name).journey
        unknown = [s for s in steps if s not in journey.step_ids()]
        if unknown:
            raise JourneysError(f"'{journey_name}' has no step(s) {', '.join(unknown)} "
                                f"(its steps: {', '.join(journey.step_ids())})")

    # --- writes ---------------------------------------------------------------------------------

    def create(self, workspace: str, model: Model, author: str, message: str | None = None) -> str:
        """Store a new document under the next free ``<prefix>-<n>``; returns the key."""
        self.check(workspace, model)
        return self._docs.create(workspace, self.kind, self.prefix, model.model_dump(mode="json"), author,
                                 message or self.created)

    def save(self, workspace: str, key: str, model: Model, author: str, *, expected_version: int,
             message: str = "") -> int:
        """Save an edit on top of ``expected_version``; :class:`~journeys.errors.StaleWrite` if someone saved since."""
        return self.write(workspace, key, model, author, expected_version, message)

    def write(self, workspace: str, key: str, model: Model, author: str, expected_version: int, message: str) -> int:
        """The one write: validate again (``model_copy`` does not), check, compare-and-set."""
        model = self.parse(model.model_dump(mode="json"))
        self.check(workspace, model)
        return self._docs.save(workspace, self.kind, key, model.model_dump(mode="json"), author, message=message,
                               expected_version=expected_version, label=self.label(key))

    def restore(self, workspace: str, key: str, version: int, author: str, *,
                expected_version: int | None = None) -> int:
        """Write an old version on top as a new one ("Restored version N"), if it still passes the checks."""
        self.check(workspace, self.revision(workspace, key, version))
        return self._docs.restore(workspace, self.kind, key, version, author, expected_version=expected_version,
                                  label=self.label(key))

    # --- reads ----------------------------------------------------------------------------------

    def load(self, workspace: str, key: str) -> Stored:
        return self.stored(self._docs.load(workspace, self.kind, key))

    def list(self, workspace: str) -> builtins.list[Stored]:
        """Every document of the kind (newest version of each), in key order."""
        return [self.stored(d) for d in self._docs.latest(workspace, self.kind)]

    def history(self, workspace: str, key: str) -> builtins.list[Revision]:
        return self._docs.history(workspace, self.kind, key)

    def revision(self, workspace: str, key: str, version: int) -> Model:
        return self.parse(self._docs.revision(workspace, self.kind, key, version).body)

    def diff(self, workspace: str, key: str, old: int, new: int) -> builtins.list[Change]:
        """Every field that differs between two versions."""
        return self._docs.diff(workspace, self.kind, key, old, new)
