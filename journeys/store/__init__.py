"""Persistence of a workspace: journeys with full history, in SQLite or PostgreSQL.

``Store(url)`` opens (and migrates) the database; ``Store.for_folder(path)`` is
the default local SQLite file. See :mod:`journeys.store.core` for why writes
look the way they do (optimistic concurrency, append-only revisions).
"""

from journeys.store.core import Change, JourneySummary, LoadedJourney, Revision, Store, readable_time

__all__ = ["Change", "JourneySummary", "LoadedJourney", "Revision", "Store", "readable_time"]
