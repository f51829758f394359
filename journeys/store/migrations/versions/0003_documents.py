"""Versioned JSON documents: pain points, journey reviews, workspace settings, experiments.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24

One append-only table: a document is (workspace, kind, key) and every save is
a new version row, as journey revisions and mapping rules are. The body is JSON
text, validated by the domain model of its kind.

DDL is spelled out here (not imported) so this migration keeps meaning what it
meant when it was written.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("workspace_id", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("message", sa.Text, nullable=False, server_default=""),
        sa.PrimaryKeyConstraint("id", name="pk_documents"),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], name="fk_documents_workspace_id_workspaces"),
        sa.UniqueConstraint("workspace_id", "kind", "key", "version",
                            name="uq_documents_workspace_id_kind_key_version"),
    )


def downgrade() -> None:
    op.drop_table("documents")
