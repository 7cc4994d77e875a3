"""The PostGIS tables, declared once (SQLAlchemy Core + GeoAlchemy2); migrations create them."""

from __future__ import annotations

from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeEngine

from layers import fields

metadata = MetaData()

_TYPES: dict[fields.FieldType, type[TypeEngine[Any]]] = {
    "text": Text,
    "json": JSONB,
    "bool": Boolean,
}


def _column(f: fields.CommonField) -> Column[Any]:
    """A common field's column of the feature table (the id: part of the primary key)."""
    if f.name == "id":
        return Column(f.sql_column, Text, primary_key=True)
    return Column(f.sql_column, _TYPES[f.type], nullable=f.nullable)


# One row per loaded version of a layer; exactly one is `current` per layer.
layer_version = Table(
    "layer_version",
    metadata,
    Column("version_id", BigInteger, primary_key=True, autoincrement=True),
    Column("layer_id", Text, nullable=False),
    Column("data_version", Text, nullable=False),
    Column("status", Text, nullable=False),  # staging | current | previous
    Column("row_count", Integer),
    Column("stats", JSONB),
    Column("loaded_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
)

# Every version's rows of every point layer: the common fields (layers.fields), the layer's
# own props and the point. Queries always filter on version_id, so the GiST index is on
# (version_id, geom) (btree_gist): a layer-filtered KNN never walks through other layers' or
# versions' rows.
feature = Table(
    "feature",
    metadata,
    Column(
        "version_id",
        BigInteger,
        ForeignKey("layer_version.version_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    *(_column(f) for f in fields.COMMON),
    Column("props", JSONB, nullable=False),
    Column("geom", Geometry("POINT", srid=4326, spatial_index=False), nullable=False),
)

# The sigungu reference table (point-in-polygon, place search, base map).
region = Table(
    "region",
    metadata,
    Column("code", Text, primary_key=True),
    Column("sido", Text, nullable=False),
    Column("sigungu", Text, nullable=False),
    Column("geom", Geometry("MULTIPOLYGON", srid=4326, spatial_index=True), nullable=False),
)

# One PMTiles archive per tileset version (layers/tilearchive.py), the newest few kept.
tile_archive = Table(
    "tile_archive",
    metadata,
    Column("tileset_version", Text, primary_key=True),
    Column("layer_versions", JSONB, nullable=False),
    Column("size_bytes", BigInteger, nullable=False),
    Column("built_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
    Column("archive", LargeBinary, nullable=False),
)

READER_ROLE = "sharemap_reader"
