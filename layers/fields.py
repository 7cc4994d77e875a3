"""The common feature fields, declared once: every layer's features have them.

The record (layers.record), both stores (the PostGIS table, COPY and queries; the GeoPackage
columns), the filters, the queryables, the labels and the map tiles derive from this table;
a test compares it with the database the migrations create.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from layers.bilingual import Bilingual

FieldType = Literal["text", "json", "bool"]
JsonSchemaType = Literal["string", "object", "boolean"]

# how each type is stored and described
SQL_TYPES: dict[FieldType, str] = {"text": "text", "json": "jsonb", "bool": "boolean"}
JSON_SCHEMA_TYPES: dict[FieldType, JsonSchemaType] = {
    "text": "string",
    "json": "object",
    "bool": "boolean",
}


@dataclass(frozen=True)
class CommonField:
    """One common field of every feature."""

    name: str  # the FeatureRecord attribute and the published property
    type: FieldType  # json: a nested value (JSON text in a GeoPackage, jsonb in PostGIS)
    label: Bilingual
    description: str  # what it holds, in English (schemas and TileJSON describe it so)
    nullable: bool = True
    column: str = ""  # the PostGIS column, when it is not `name`
    enum: tuple[str, ...] = ()  # the only values it takes
    filterable: bool = False  # a store filter compares this column (else a name means a prop)
    queryable: bool = False  # published as an OGC API queryable of every layer
    in_tiles: bool = False  # an attribute of every unclustered point in the map tiles

    @property
    def sql_column(self) -> str:
        return self.column or self.name

    @property
    def sql_type(self) -> str:
        return SQL_TYPES[self.type]

    @property
    def json_type(self) -> JsonSchemaType:
        return JSON_SCHEMA_TYPES[self.type]


FEE_VALUES = ("free", "paid", "unknown")

# In the order of the record, the feature table, downloads and the CSV columns.
COMMON: tuple[CommonField, ...] = (
    CommonField(
        "id",
        "text",
        Bilingual("식별자", "Id"),
        "Feature id",
        nullable=False,
        filterable=True,
        in_tiles=True,
    ),
    CommonField(
        "layer", "text", Bilingual("레이어", "Layer"), "Layer id", nullable=False, column="layer_id"
    ),
    CommonField(
        "name",
        "text",
        Bilingual("이름", "Name"),
        "Name",
        nullable=False,
        filterable=True,
        queryable=True,
        in_tiles=True,
    ),
    CommonField(
        "address", "text", Bilingual("주소", "Address"), "Address as published", filterable=True
    ),
    CommonField(
        "sido",
        "text",
        Bilingual("시도", "Province"),
        "Province (시도)",
        filterable=True,
        queryable=True,
    ),
    CommonField(
        "sigungu",
        "text",
        Bilingual("시군구", "District"),
        "District (시군구)",
        filterable=True,
        queryable=True,
    ),
    CommonField("phone", "text", Bilingual("전화번호", "Phone"), "Phone number", filterable=True),
    CommonField(
        "opening_hours_raw",
        "text",
        Bilingual("운영시간", "Opening hours"),
        "Opening hours as published",
    ),
    CommonField(
        "opening_hours",
        "json",
        Bilingual("운영시간(구조화)", "Opening hours (structured)"),
        "Opening hours, parsed",
    ),
    CommonField(
        "fee",
        "text",
        Bilingual("요금", "Fee"),
        "free, paid or unknown",
        nullable=False,
        enum=FEE_VALUES,
        filterable=True,
        queryable=True,
        in_tiles=True,
    ),
    CommonField("fee_text", "text", Bilingual("요금 안내", "Fee details"), "Fee as published"),
    CommonField(
        "wheelchair",
        "bool",
        Bilingual("휠체어 이용", "Wheelchair access"),
        "Wheelchair access (unknown when null)",
        filterable=True,
        queryable=True,
    ),
    CommonField(
        "source", "text", Bilingual("출처", "Source"), "Source file or portal", nullable=False
    ),
    CommonField(
        "updated_at",
        "text",
        Bilingual("데이터 기준일", "Updated"),
        "Date of the data (ISO 8601)",
        filterable=True,
    ),
)

BY_NAME: dict[str, CommonField] = {f.name: f for f in COMMON}
NAMES: tuple[str, ...] = tuple(f.name for f in COMMON)
# The common fields a filter compares; any other filter name is looked up in `props`.
FILTER_FIELDS: frozenset[str] = frozenset(f.name for f in COMMON if f.filterable)
QUERYABLE_FIELDS: tuple[CommonField, ...] = tuple(f for f in COMMON if f.queryable)
TILE_FIELDS: tuple[CommonField, ...] = tuple(f for f in COMMON if f.in_tiles)
LABELS: dict[str, Bilingual] = {f.name: f.label for f in COMMON}
