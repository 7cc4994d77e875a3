"""The queryables of a layer (OGC API - Features Part 3): the properties its items can be
filtered on, the common ones (layers.fields) and the layer's own queryable fields."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from layers import export, fields
from layers.bilingual import Bilingual
from layers.spec import Field

QueryableType = Literal["string", "integer", "number", "boolean"]


@dataclass(frozen=True)
class Queryable:
    name: str
    type: QueryableType
    title: Bilingual
    enum: tuple[str, ...] = ()


# the JSON Schema type of a layer field's values (json fields are not queryable)
_JSON_TYPES: dict[str, QueryableType] = {
    "text": "string",
    "date": "string",
    "int": "integer",
    "float": "number",
    "bool": "boolean",
}


def _common(f: fields.CommonField) -> Queryable:
    return Queryable(f.name, _JSON_TYPES[f.type], f.label, f.enum)


COMMON_QUERYABLES: tuple[Queryable, ...] = tuple(_common(f) for f in fields.QUERYABLE_FIELDS)


def queryables(layer_id: str) -> tuple[Queryable, ...]:
    """The property filters of a layer's items: common fields and its queryable fields."""
    common = {q.name for q in COMMON_QUERYABLES}
    own = tuple(
        _queryable(f)
        for f in export.layer_fields(layer_id)
        if _filterable(f) and f.name not in common
    )
    return COMMON_QUERYABLES + own


def _filterable(f: Field) -> bool:
    return f.queryable and f.type in _JSON_TYPES


def _queryable(f: Field) -> Queryable:
    return Queryable(f.name, _JSON_TYPES[f.type], f.label)
