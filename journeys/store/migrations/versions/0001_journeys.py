"""Workspaces, journeys and their append-only revisions.

Revision ID: 0001
Revises:
Create Date: 2026-11-24

DDL is spelled out here (not imported from ``schema.py``) so this migration
keeps creating exactly these tables however the schema evolves later.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "workspaces",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_workspaces"),
        sa.UniqueConstraint("name", name="uq_workspaces_name"),
    )
    op.create_table(
        "journeys",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("workspace_id", sa.Integer, nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("derived_from", sa.String(120), nullable=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("step_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.PrimaryKeyConstraint("id", name="pk_journeys"),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], name="fk_journeys_workspace_id_workspaces"),
        sa.UniqueConstraint("workspace_id", "name", name="uq_journeys_workspace_id_name"),
    )
    op.create_table(
        "journey_revisions",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("journey_id", sa.Integer, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("snapshot", sa.Text, nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("message", sa.Text, nullable=False, server_default=""),
        sa.PrimaryKeyConstraint("id", name="pk_journey_revisions"),
        sa.ForeignKeyConstraint(["journey_id"], ["journeys.id"], name="fk_journey_revisions_journey_id_journeys"),
        sa.UniqueConstraint("journey_id", "version", name="uq_journey_revisions_journey_id_version"),
    )


def downgrade() -> None:
    op.drop_table("journey_revisions")
    op.drop_table("journeys")
    op.drop_table("workspaces")
