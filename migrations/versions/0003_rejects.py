"""Rejected rows: what each kept layer version's load did not load, and why.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # pruned with its version (ON DELETE CASCADE), like the version's features
    op.execute(
        """
        CREATE TABLE reject (
            version_id bigint NOT NULL REFERENCES layer_version (version_id) ON DELETE CASCADE,
            layer_id text NOT NULL,
            file text NOT NULL,
            row_number integer NOT NULL,
            reason text NOT NULL,
            detail text NOT NULL DEFAULT '',
            name text,
            lon double precision,
            lat double precision
        )
        """
    )
    op.execute("CREATE INDEX reject_version ON reject (version_id)")
    op.execute("GRANT SELECT ON reject TO sharemap_reader")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS reject")
