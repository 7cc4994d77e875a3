"""The common field table (layers.fields) agrees with the record, the database schema the
migrations create, the SQLAlchemy table and the GeoPackage columns."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.dialects import postgresql

from layers import fields
from layers.record import FeatureRecord
from layers.store.embedded import gpkg
from layers.store.postgis import engine_url
from layers.store.postgis import schema as pg_schema
from layers.store.postgis.queries import FEATURE_COLUMNS

# the columns of the feature table that are not common fields: (type, nullable)
STORE_COLUMNS = {
    "version_id": ("bigint", False),
    "props": ("jsonb", False),
    "geom": ("geometry(point,4326)", False),
}


def expected_columns() -> dict[str, tuple[str, bool]]:
    """Column -> (type, nullable) of the feature table, as the field table declares it."""
    common = {f.sql_column: (f.sql_type, f.nullable) for f in fields.COMMON}
    return {**common, **STORE_COLUMNS}


def test_the_record_has_exactly_the_common_fields() -> None:
    names = [f.name for f in dataclasses.fields(FeatureRecord)]
    assert sorted(names) == sorted([*fields.NAMES, "lon", "lat", "props"])
    record_fields = {f.name: f for f in dataclasses.fields(FeatureRecord)}
    for f in fields.COMMON:  # a required field has no default of None
        default = record_fields[f.name].default
        assert f.nullable == (default is None), f.name


def test_the_declared_uses_hold_together() -> None:
    assert len(set(fields.NAMES)) == len(fields.NAMES)
    assert fields.QUERYABLE_FIELDS and all(f.filterable for f in fields.QUERYABLE_FIELDS)
    assert [f.name for f in fields.TILE_FIELDS] == ["id", "name", "fee"]
    assert all(f.label.ko and f.label.en and f.description for f in fields.COMMON)


@pytest.mark.postgis
def test_the_migrated_feature_table_matches_the_field_table(empty_db: str) -> None:
    engine = create_engine(engine_url(empty_db))
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT attname, format_type(atttypid, atttypmod), NOT attnotnull "
                    "FROM pg_attribute WHERE attrelid = 'feature'::regclass "
                    "AND attnum > 0 AND NOT attisdropped ORDER BY attnum"
                )
            ).all()
            checks = conn.execute(
                text(
                    "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conrelid = 'feature'::regclass AND contype = 'c'"
                )
            ).scalars()
            check_text = " ".join(checks)
    finally:
        engine.dispose()
    migrated = {name: (type_.lower(), nullable) for name, type_, nullable in rows}
    assert migrated == expected_columns()
    for f in fields.COMMON:  # an enumerated field is checked in the database
        for value in f.enum:
            assert f"'{value}'::text" in check_text, (f.name, value)


def test_the_sqlalchemy_table_matches_the_field_table() -> None:
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    declared = {
        c.name: (c.type.compile(dialect=dialect).lower(), bool(c.nullable))
        for c in pg_schema.feature.columns
    }
    assert declared == expected_columns()


def test_the_store_columns_follow_the_field_table() -> None:
    assert FEATURE_COLUMNS.startswith(", ".join(f.sql_column for f in fields.COMMON) + ",")
    assert set(gpkg.FIELDS) == {*fields.NAMES, "props"}
