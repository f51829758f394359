"""The composition root: one open workspace owns its settings, store, folder and analytics engine.

Every front end starts here — the pages (one :class:`Workspace` per database and workspace, shared by
all sessions), the CLI (one per command) and a notebook::

    >>> import journeys                                            # doctest: +SKIP
    >>> with journeys.open_workspace("workspace") as ws:           # doctest: +SKIP
    ...     ws.friction("Billing support")

The workspace hands out repositories already bound to it (``ws.journeys.load(name)``, not
``store.load(workspace, name)``), and the use cases of :mod:`journeys.usecases` take it as their
first argument. It holds the only DuckDB connection of the analytics (:class:`TicketEngine`), closed
with the workspace.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from journeys.graph import to_digraph
from journeys.members import Role, User, local_user, require
from journeys.model import Journey
from journeys.settings import Settings, load_settings
from journeys.store import Change, JourneySummary, LoadedJourney, Revision, Store

if TYPE_CHECKING:  # the repositories and the engine are imported when first used: opening a workspace for a
    import networkx as nx  # CLI command that lists journeys must not load DuckDB, Ibis and statsmodels
    import pandas as pd

    from journeys.discover.versions import EventLogs
    from journeys.experiments.repository import Experiments
    from journeys.painpoints import PainPoints
    from journeys.store.tickets import TicketStore
    from journeys.tickets.datasets import Datasets, DatasetVersion
    from journeys.tickets.engine import TicketEngine
    from journeys.tickets.rules import RuleSet
    from journeys.topics.storage import Topics

Repository = TypeVar("Repository")


class Bound(Generic[Repository]):
    """A repository whose methods take the workspace name first, with that argument already given.

    ``Bound(PainPoints(store), "demo").list()`` is ``PainPoints(store).list("demo")``: one way to bind
    every repository instead of a wrapper class per repository that could drift from it. Attributes
    that are not methods (and methods that take no workspace) are passed through unchanged."""

    def __init__(self, repository: Repository, workspace: str) -> None:
        self.repository = repository
        self.workspace = workspace

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.repository, name)
        if not callable(attribute) or name in _UNBOUND:
            return attribute
        workspace = self.workspace

        def bound(*args: Any, **kwargs: Any) -> Any:
            return attribute(workspace, *args, **kwargs)

        bound.__name__ = name
        bound.__doc__ = attribute.__doc__
        return bound

    def __repr__(self) -> str:
        return f"{type(self.repository).__name__} of workspace {self.workspace!r}"


_UNBOUND = frozenset({"remove_stale_staging", "close"})  # repository methods that take no workspace


class JourneyRepository:
    """The workspace's journeys: the store's versioned journey records, bound to one workspace.

    Every write is a compare-and-set against the version the caller saw (``expected_version``), so a
    colleague's save in the meantime is refused, never overwritten."""

    def __init__(self, store: Store, workspace: str) -> None:
        self._store = store
        self.workspace = workspace

    def names(self) -> list[str]:
        return [s.name for s in self._store.list_journeys(self.workspace)]

    def list(self) -> list[JourneySummary]:
        return self._store.list_journeys(self.workspace)

    def load(self, name: str) -> LoadedJourney:
        """The latest version with its version number (what an edit is saved against)."""
        return self._store.load(self.workspace, name)

    def get(self, name: str) -> Journey:
        """The latest content of a journey."""
        return self._store.load(self.workspace, name).journey

    def graph(self, name: str) -> nx.DiGraph:
        """The latest version as a NetworkX DiGraph (steps are nodes, transitions edges)."""
        return to_digraph(self.get(name))

    def create(self, journey: Journey, author: str, message: str = "Created") -> int:
        return self._store.create(self.workspace, journey, author, message)

    def save(self, journey: Journey, expected_version: int, author: str, message: str = "Edited",
             name: str | None = None) -> int:
        return self._store.save(self.workspace, journey, expected_version, author, message, name=name)

    def history(self, name: str) -> builtins.list[Revision]:  # `list` is the method above, in this class
        return self._store.history(self.workspace, name)

    def revision(self, name: str, version: int) -> Journey:
        return self._store.revision(self.workspace, name, version)

    def diff(self, name: str, old: int, new: int) -> builtins.list[Change]:
        """What changed between two versions of a journey (steps, transitions, fields)."""
        return self._store.diff(self.workspace, name, old, new)

    def restore(self, name: str, version: int, author: str, expected_version: int | None = None) -> int:
        return self._store.restore(self.workspace, name, version, author, expected_version)

    def delete(self, name: str, expected_version: int, author: str) -> None:
        self._store.delete(self.workspace, name, expected_version, author)

    def undelete(self, name: str, author: str) -> int:
        return self._store.undelete(self.workspace, name, author)

    def __repr__(self) -> str:
        return f"journeys of workspace {self.workspace!r}"


class RuleRepository:
    """The mapping rules of each journey of the workspace (one versioned rule set per journey)."""

    def __init__(self, tickets: TicketStore, workspace: str) -> None:
        self._tickets = tickets
        self.workspace = workspace

    def load(self, journey: str) -> RuleSet:
        return self._tickets.load_rules(self.workspace, journey)

    def save(self, journey: str, rules: Any, author: str, **kwargs: Any) -> int:
        return self._tickets.save_rules(self.workspace, journey, rules, author, **kwargs)

    def history(self, journey: str) -> list[Revision]:
        return self._tickets.rules_history(self.workspace, journey)

    def revision(self, journey: str, version: int) -> RuleSet:
        return self._tickets.rules_revision(self.workspace, journey, version)

    def diff(self, journey: str, old: int, new: int) -> list[Change]:
        """What changed in the journey's rules between two versions."""
        return self._tickets.rules_diff(self.workspace, journey, old, new)

    def restore(self, journey: str, version: int, author: str, **kwargs: Any) -> int:
        """Save an old version of the rules as the newest (nothing is lost: it is a new revision)."""
        return self._tickets.restore_rules(self.workspace, journey, version, author, **kwargs)

    def __repr__(self) -> str:
        return f"mapping rules of workspace {self.workspace!r}"


class Workspace:
    """One workspace, open: build with :func:`open_workspace`, close (or use ``with``) when done.

    It acts as one person (:attr:`user`) with one role: the machine's local user, owner, unless opened for
    someone (:meth:`as_user`, or ``open_workspace(user=…)``), whose writes the store then refuses when their
    role does not allow them."""

    def __init__(self, settings: Settings, store: Store | None = None, *, user: User | None = None,
                 role: Role | None = Role.owner, parent: Workspace | None = None) -> None:
        self.settings = settings
        self.name = settings.workspace
        self.home = settings.home
        self.user = user or local_user()
        self.role = role
        self._parent = parent
        self._closes_parent = False  # a view open_workspace made: closing it closes what it opened
        self._owns_store = store is None
        shared = store if store is not None else _open_store(settings)
        self.shared_store = shared  # unguarded: for what any member may write (presence, ballots, downloads)
        self.store = shared if role is Role.owner and parent is None else shared.guarded(
            lambda: self.require(Role.editor, "changing the workspace"))
        self._closers: list[Callable[[], None]] = []

    def as_user(self, user: User, role: Role | None) -> Workspace:
        """This workspace as ``user`` acting with ``role`` (None: not a member, may read nothing): same store
        and analytics engine; every write of the workspace database checks the role first."""
        return Workspace(self.settings, self.shared_store, user=user, role=role, parent=self)

    def require(self, needed: Role, what: str) -> None:
        """Refuse (:class:`~journeys.errors.NotAllowed`, in words) unless the user's role reaches ``needed``."""
        require(self.role, needed, what, self.name)

    def may(self, needed: Role) -> bool:
        return self.role is not None and self.role.allows(needed)

    @cached_property
    def engine(self) -> TicketEngine:
        """The analytics engine (the workspace's one DuckDB), opened on first use and closed with the workspace."""
        if self._parent is not None:
            return self._parent.engine
        from journeys.tickets.engine import TicketEngine

        engine = TicketEngine()
        self._closers.append(engine.close)
        return engine

    # --- repositories, bound to this workspace ------------------------------------------------------

    @cached_property
    def journeys(self) -> JourneyRepository:
        return JourneyRepository(self.store, self.name)

    @cached_property
    def datasets(self) -> Bound[Datasets]:
        from journeys.tickets.datasets import Datasets

        return Bound(Datasets(self.store, self.home), self.name)

    @cached_property
    def rules(self) -> RuleRepository:
        from journeys.store.tickets import TicketStore

        return RuleRepository(TicketStore(self.store), self.name)

    @cached_property
    def tickets(self) -> Bound[TicketStore]:
        """Dataset records, import profiles and rules as the ticket store keeps them."""
        from journeys.store.tickets import TicketStore

        return Bound(TicketStore(self.store), self.name)

    @cached_property
    def painpoints(self) -> Bound[PainPoints]:
        from journeys.painpoints import PainPoints

        return Bound(PainPoints(self.store), self.name)

    @cached_property
    def experiments(self) -> Bound[Experiments]:
        from journeys.experiments.repository import Experiments

        return Bound(Experiments(self.store), self.name)

    @cached_property
    def topics(self) -> Bound[Topics]:
        """Each dataset's topic set (versioned; keyed by the dataset's name)."""
        from journeys.topics.storage import Topics

        return Bound(Topics(self.store), self.name)

    @cached_property
    def event_logs(self) -> Bound[EventLogs]:
        from journeys.discover.versions import EventLogs

        return Bound(EventLogs(self.store, self.home), self.name)

    # --- the use cases a notebook reaches for first -------------------------------------------------

    def dataset(self, name: str | None = None) -> DatasetVersion:
        """The latest version of a ticket dataset; without a name, the one the pages open first."""
        from journeys.usecases.measure import pick_dataset

        return pick_dataset(self, name)

    def friction(self, journey: str, dataset: str | None = None, **where: Any) -> pd.DataFrame:
        """Friction per step of ``journey`` (one row per step with tickets), as on the Friction page.

        ``where`` narrows the tickets like the page's filters: ``start``/``end`` (datetimes, end
        exclusive), ``channels``, ``segment`` and ``segment_values``."""
        from journeys.usecases.measure import friction

        return friction(self, journey, dataset, **where).scored

    # --- lifetime -----------------------------------------------------------------------------------

    def close(self) -> None:
        if self._parent is not None:  # a view for one person: its parent owns the engine and the store
            if self._closes_parent:
                self._parent.close()
            return
        for close in reversed(self._closers):
            close()
        self._closers.clear()
        if self._owns_store:
            self.store.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *_exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Workspace({self.name!r} in {self.home}, {self.store!r})"


def _open_store(settings: Settings) -> Store:
    if settings.uses_embedded_database:
        settings.home.mkdir(parents=True, exist_ok=True)
    return Store(settings.database_url)


def open_workspace(home: str | Path | None = None, url: str | None = None, name: str | None = None, *,
                   store: Store | None = None, user: User | None = None) -> Workspace:
    """Open a workspace: ``home`` the folder (default ``$JOURNEYS_HOME`` or ``./workspace``), ``url`` the
    database (default the folder's SQLite file or ``$JOURNEYS_DATABASE_URL``), ``name`` the workspace in
    it (default ``$JOURNEYS_WORKSPACE`` or ``demo``). ``store``: an already open store to share (the app
    keeps one per database for all sessions); it is then left open on close.

    Without ``user`` it acts as the machine's local user, owner (the CLI, a notebook on the team's own
    files); with ``user`` it acts with that person's role in the workspace's members, and refuses what
    the role does not allow."""
    opened = Workspace(load_settings(home, url, name), store=store)
    if user is None:
        return opened
    from journeys.members import Members

    view = opened.as_user(user, Members(opened.store).role_of(opened.name, user.email))
    view._closes_parent = True
    return view
