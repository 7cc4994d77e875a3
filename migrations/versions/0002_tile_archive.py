"""Tile archives: one PMTiles archive per tileset version, readable by sharemap_reader.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-05
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The archive is already compact (and MVT bytes compress little): stored as is, out of line.
    op.execute(
        """
        CREATE TABLE tile_archive (
            tileset_version text PRIMARY KEY,
            layer_versions jsonb NOT NULL,
            size_bytes bigint NOT NULL,
            built_at timestamptz NOT NULL DEFAULT now(),
            archive bytea NOT NULL
        )
        """
    )
    op.execute("ALTER TABLE tile_archive ALTER COLUMN archive SET STORAGE EXTERNAL")
    op.execute("GRANT SELECT ON tile_archive TO sharemap_reader")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS tile_archive")
