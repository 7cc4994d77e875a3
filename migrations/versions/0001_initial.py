"""Initial schema: versioned feature table, regions, the read-only role.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    op.execute(
        """
        CREATE TABLE layer_version (
            version_id bigserial PRIMARY KEY,
            layer_id text NOT NULL,
            data_version text NOT NULL,
            status text NOT NULL CHECK (status IN ('staging', 'current', 'previous')),
            row_count integer,
            stats jsonb,
            loaded_at timestamptz NOT NULL DEFAULT now()
        )
        """
    )
    op.execute(
        "CREATE UNIQUE INDEX layer_version_one_current ON layer_version (layer_id) "
        "WHERE status = 'current'"
    )
    op.execute(
        """
        CREATE TABLE feature (
            version_id bigint NOT NULL REFERENCES layer_version (version_id) ON DELETE CASCADE,
            id text COLLATE "C" NOT NULL,  -- ids sort byte-wise, as in the embedded store
            layer_id text NOT NULL,
            name text NOT NULL,
            address text,
            sido text,
            sigungu text,
            phone text,
            opening_hours_raw text,
            opening_hours jsonb,
            fee text NOT NULL CHECK (fee IN ('free', 'paid', 'unknown')),
            fee_text text,
            wheelchair boolean,
            source text NOT NULL,
            updated_at text,
            props jsonb NOT NULL DEFAULT '{}',
            geom geometry(Point, 4326) NOT NULL,
            PRIMARY KEY (version_id, id)
        )
        """
    )
    # (version_id, geom): a layer-filtered KNN stays inside one layer's rows (FIELD_NOTES:
    # a geometry-only GiST gave a 34x worse p99).
    op.execute("CREATE INDEX feature_version_geom ON feature USING gist (version_id, geom)")
    op.execute("CREATE INDEX feature_version_sigungu ON feature (version_id, sido, sigungu)")
    op.execute(
        """
        CREATE TABLE region (
            code text PRIMARY KEY,
            sido text NOT NULL,
            sigungu text NOT NULL,
            geom geometry(MultiPolygon, 4326) NOT NULL
        )
        """
    )
    op.execute("CREATE INDEX region_geom ON region USING gist (geom)")
    # The role to give the app's DATABASE_URL in production: it can read, never write.
    op.execute(
        """
        DO $$
        BEGIN
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'sharemap_reader') THEN
                CREATE ROLE sharemap_reader LOGIN;
            END IF;
        END
        $$
        """
    )
    op.execute(
        "DO $$ BEGIN EXECUTE format('GRANT CONNECT ON DATABASE %I TO sharemap_reader', current_database()); END $$"
    )
    op.execute("GRANT USAGE ON SCHEMA public TO sharemap_reader")
    op.execute("GRANT SELECT ON layer_version, feature, region TO sharemap_reader")
    op.execute("GRANT SELECT ON spatial_ref_sys TO sharemap_reader")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS feature")
    op.execute("DROP TABLE IF EXISTS region")
    op.execute("DROP TABLE IF EXISTS layer_version")
    op.execute("REVOKE ALL ON SCHEMA public FROM sharemap_reader")
