"""Table definitions of the workspace database (SQLAlchemy Core).

These describe the schema *at head* and are what the store's queries use. The
database itself is only ever changed by the Alembic migrations in
``migrations/versions`` (which spell out their DDL instead of importing this
module, so an old migration keeps meaning what it meant when it was written).
Later features (datasets, pain points, experiments) add their tables here and
in a new migration.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Dialect,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.types import TypeDecorator

# Named constraints: Alembic's batch mode (how SQLite alters tables) can only
# drop or change constraints that have a name.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

NAME_LENGTH = 120
AUTHOR_LENGTH = 200


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend.

    PostgreSQL stores ``timestamptz`` and hands back the session's zone; SQLite
    has no zone at all and hands back naive values. Both come back as UTC-aware
    here, and naive datetimes are refused on the way in, so no caller ever
    compares a naive with an aware time.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use datetime.now(UTC)")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


workspaces = Table(
    "workspaces",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(NAME_LENGTH), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
)

# One row per journey: its *current* head. The version here is the optimistic
# concurrency token; the content lives in the revision with the same version.
journeys = Table(
    "journeys",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("workspace_id", Integer, ForeignKey("workspaces.id"), nullable=False),
    Column("name", String(NAME_LENGTH), nullable=False),
    Column("state", String(20), nullable=False),
    Column("derived_from", String(NAME_LENGTH), nullable=True),
    Column("version", Integer, nullable=False),
    # Denormalised from the head snapshot so listing a workspace parses no JSON.
    Column("step_count", Integer, nullable=False, server_default="0"),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_by", String(AUTHOR_LENGTH), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("deleted", Boolean, nullable=False, server_default=false()),
    UniqueConstraint("workspace_id", "name"),
)

# Append-only: every create/save/restore/delete/undelete adds one row, so any
# version can be shown, compared or restored and no edit is ever lost.
journey_revisions = Table(
    "journey_revisions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("journey_id", Integer, ForeignKey("journeys.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("snapshot", Text, nullable=False),  # Journey.model_dump_json()
    Column("author", String(AUTHOR_LENGTH), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("message", Text, nullable=False, server_default=""),
    UniqueConstraint("journey_id", "version"),
)

# Who is on a journey right now (the live workshop): one row per browser session, upserted by its
# heartbeat. Not versioned and not history: a row older than a minute means nobody, and is pruned.
presence = Table(
    "presence",
    metadata,
    Column("workspace_id", Integer, ForeignKey("workspaces.id"), primary_key=True),
    Column("journey", String(NAME_LENGTH), primary_key=True),
    Column("session", String(64), primary_key=True),
    Column("email", String(AUTHOR_LENGTH), nullable=False),
    Column("name", String(AUTHOR_LENGTH), nullable=False),
    Column("step", String(NAME_LENGTH), nullable=True),
    Column("seen_at", UTCDateTime, nullable=False),
)
