"""The common feature fields, declared once: every layer's features have them.

The record (layers.record), both stores (the PostGIS table, COPY and queries; the GeoPackage
columns), the filters, the queryables, the labels and the map tiles derive from this table;
a test compares it with the database the migrations create.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Flag, auto
from typing import Literal

from layers.bilingual import Bilingual

FieldType = Literal["text", "json", "bool"]

# how each type is stored and described
SQL_TYPES: dict[FieldType, str] = {"text": "text", "json": "jsonb", "bool": "boolean"}


class Use(Flag):
    """What a common field is used for besides being stored and published."""

    NONE = 0
    FILTER = auto()  # a store filter compares the column (else a filter name means a prop)
    QUERY = auto()  # published as an OGC API queryable of every layer
    TILE = auto()  # an attribute of every unclustered point in the map tiles


FILTER, QUERY, TILE = Use.FILTER, Use.QUERY, Use.TILE


@dataclass(frozen=True)
class CommonField:
    """One common field of every feature."""

    name: str  # the FeatureRecord attribute and the published property
    type: FieldType  # json: a nested value (JSON text in a GeoPackage, jsonb in PostGIS)
    nullable: bool
    label: Bilingual
    description: str  # what it holds, in English (schemas and TileJSON describe it so)
    uses: Use = Use.NONE
    column: str = ""  # the PostGIS column, when it is not `name`
    enum: tuple[str, ...] = ()  # the only values it takes

    @property
    def sql_column(self) -> str:
        return self.column or self.name

    @property
    def sql_type(self) -> str:
        return SQL_TYPES[self.type]

    @property
    def filterable(self) -> bool:
        return Use.FILTER in self.uses

    @property
    def queryable(self) -> bool:
        return Use.QUERY in self.uses

    @property
    def in_tiles(self) -> bool:
        return Use.TILE in self.uses


FEE_VALUES = ("free", "paid", "unknown")
NULL, NOT_NULL = True, False
_ = Bilingual

# In the order of the record, the feature table, downloads and the CSV columns.
# fmt: off
COMMON: tuple[CommonField, ...] = (
    CommonField("id", "text", NOT_NULL, _("식별자", "Id"), "Feature id", FILTER | TILE),
    CommonField("layer", "text", NOT_NULL, _("레이어", "Layer"), "Layer id", column="layer_id"),
    CommonField("name", "text", NOT_NULL, _("이름", "Name"), "Name", FILTER | QUERY | TILE),
    CommonField("address", "text", NULL, _("주소", "Address"), "Address as published", FILTER),
    CommonField("sido", "text", NULL, _("시도", "Province"), "Province (시도)", FILTER | QUERY),
    CommonField("sigungu", "text", NULL, _("시군구", "District"), "District (시군구)", FILTER | QUERY),
    CommonField("phone", "text", NULL, _("전화번호", "Phone"), "Phone number", FILTER),
    CommonField(
        "opening_hours_raw", "text", NULL, _("운영시간", "Opening hours"),
        "Opening hours as published",
    ),
    CommonField(
        "opening_hours", "json", NULL, _("운영시간(구조화)", "Opening hours (structured)"),
        "Opening hours, parsed",
    ),
    CommonField(
        "fee", "text", NOT_NULL, _("요금", "Fee"), "free, paid or unknown",
        FILTER | QUERY | TILE, enum=FEE_VALUES,
    ),
    CommonField("fee_text", "text", NULL, _("요금 안내", "Fee details"), "Fee as published"),
    CommonField(
        "wheelchair", "bool", NULL, _("휠체어 이용", "Wheelchair access"),
        "Wheelchair access (unknown when null)", FILTER | QUERY,
    ),
    CommonField("source", "text", NOT_NULL, _("출처", "Source"), "Source file or portal"),
    CommonField(
        "updated_at", "text", NULL, _("데이터 기준일", "Updated"), "Date of the data (ISO 8601)",
        FILTER,
    ),
)
# fmt: on

BY_NAME: dict[str, CommonField] = {f.name: f for f in COMMON}
NAMES: tuple[str, ...] = tuple(f.name for f in COMMON)
# The common fields a filter compares; any other filter name is looked up in `props`.
FILTER_FIELDS: frozenset[str] = frozenset(f.name for f in COMMON if f.filterable)
QUERYABLE_FIELDS: tuple[CommonField, ...] = tuple(f for f in COMMON if f.queryable)
TILE_FIELDS: tuple[CommonField, ...] = tuple(f for f in COMMON if f.in_tiles)
LABELS: dict[str, Bilingual] = {f.name: f.label for f in COMMON}
