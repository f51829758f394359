"""Ticket datasets (immutable versions), import profiles and versioned mapping rules.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24

Ticket rows themselves are Parquet files under the workspace folder; these
tables only hold what describes them (where each version's file is, its row
count and import report), the saved column mappings of importers, and the
append-only history of each journey's mapping rules. JSON is kept as text, as
journey snapshots are, so both backends store exactly the bytes written.

DDL is spelled out here (not imported) so this migration keeps meaning what it
meant when it was written.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "datasets",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("workspace_id", sa.Integer, nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_datasets"),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], name="fk_datasets_workspace_id_workspaces"),
        sa.UniqueConstraint("workspace_id", "name", name="uq_datasets_workspace_id_name"),
    )
    op.create_table(
        "dataset_versions",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("dataset_id", sa.Integer, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        # Relative to the workspace folder, '/'-separated, so the folder can move.
        sa.Column("path", sa.String(1000), nullable=False),
        sa.Column("rows", sa.BigInteger, nullable=False),
        sa.Column("report", sa.Text, nullable=False, server_default="{}"),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_dataset_versions"),
        sa.ForeignKeyConstraint(["dataset_id"], ["datasets.id"], name="fk_dataset_versions_dataset_id_datasets"),
        sa.UniqueConstraint("dataset_id", "version", name="uq_dataset_versions_dataset_id_version"),
    )
    op.create_table(
        "import_profiles",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("workspace_id", sa.Integer, nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("mapping", sa.Text, nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_import_profiles"),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspaces.id"], name="fk_import_profiles_workspace_id_workspaces"
        ),
        sa.UniqueConstraint("workspace_id", "name", name="uq_import_profiles_workspace_id_name"),
    )
    op.create_table(
        "rule_sets",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("workspace_id", sa.Integer, nullable=False),
        sa.Column("journey", sa.String(120), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("rules", sa.Text, nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("message", sa.Text, nullable=False, server_default=""),
        sa.PrimaryKeyConstraint("id", name="pk_rule_sets"),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], name="fk_rule_sets_workspace_id_workspaces"),
        sa.UniqueConstraint("workspace_id", "journey", "version", name="uq_rule_sets_workspace_id_journey_version"),
    )


def downgrade() -> None:
    op.drop_table("rule_sets")
    op.drop_table("import_profiles")
    op.drop_table("dataset_versions")
    op.drop_table("datasets")
