"""Persistence of a workspace: journeys, documents and rules with full history, in SQLite or PostgreSQL.

``Store(url)`` opens (and migrates) the database; ``Store.for_folder(path)`` is
the default local SQLite file. Everything saved is versioned one way
(:mod:`journeys.store.records`: compare-and-set, append-only revisions, diff,
restore); typed documents share one repository
(:mod:`journeys.store.typed_documents`); datasets and event logs share one
versioned-file mechanism (:mod:`journeys.store.file_versions`). In-memory fakes
for fast tests: :mod:`journeys.fakes`.
"""

from journeys.store.core import Change, JourneySummary, LoadedJourney, Revision, Store, readable_time

__all__ = ["Change", "JourneySummary", "LoadedJourney", "Revision", "Store", "readable_time"]
