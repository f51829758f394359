"""Bring a workspace database to the schema this code expects (Alembic).

Runs on every :class:`~journeys.store.Store` open, so a fresh file or an empty
PostgreSQL database becomes a workspace, and an older one is upgraded in
place. No ``alembic.ini`` is needed: the script location is this package's
``migrations`` folder and the connection is handed to ``env.py`` through
``Config.attributes``.

To add a migration (developers): write ``migrations/versions/NNNN_what.py``
by hand (copy 0001), or generate one with
``alembic.command.revision(alembic_config(), message="...", rev_id="0002")``.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Connection, Engine, text

from journeys.errors import JourneysError

MIGRATIONS = Path(__file__).with_name("migrations")
# Any constant: PostgreSQL advisory lock that serialises concurrent upgrades
# (two app processes opening the same fresh database at once).
_PG_MIGRATION_LOCK = 0x6A6F75726E657973  # "journeys"


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config pointing at the packaged migrations, without an ini file."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    """The newest schema revision this code knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "no migrations packaged"
    return head


def current_revision(connection: Connection) -> str | None:
    """The revision the database is at; None for an empty database."""
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> None:
    """Migrate to head in one transaction; a no-op (read only) when already there.

    ``engine`` must begin write transactions (the store's writer engine, which
    takes SQLite's write lock up front), so concurrent openers queue instead of
    both trying to create the tables.
    """
    head = head_revision()
    with engine.connect() as conn:
        current = current_revision(conn)
    if current == head:
        return
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
        current = current_revision(conn)
        known = ScriptDirectory.from_config(alembic_config()).get_revision
        try:
            if current is not None:
                known(current)
        except CommandError:
            raise JourneysError(
                f"The workspace database is at schema '{current}', which this version of journeys does not know "
                f"(newest known: '{head}'). It was written by a newer journeys; upgrade journeys to open it."
            ) from None
        command.upgrade(alembic_config(conn), "head")
