"""Presence: who is on which journey right now (the live workshop's heartbeats).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07

One small table, one row per browser session on a journey, upserted every couple of seconds and
pruned when old. It is not a record (no versions, no history): it only says who is here.

DDL is spelled out here (not imported) so this migration keeps meaning what it meant when it was written.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "presence",
        sa.Column("workspace_id", sa.Integer, nullable=False),
        sa.Column("journey", sa.String(120), nullable=False),
        sa.Column("session", sa.String(64), nullable=False),
        sa.Column("email", sa.String(200), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("step", sa.String(120), nullable=True),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", "journey", "session", name="pk_presence"),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], name="fk_presence_workspace_id_workspaces"),
    )


def downgrade() -> None:
    op.drop_table("presence")
