"""The published shape of a feature: its GeoJSON Feature and its CSV row, built in one place.

The PostGIS store builds the same text in SQL for fast downloads (queries.export_*); a test
checks that both agree.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any, Literal

import orjson

from layers import registry
from layers.bilingual import Bilingual
from layers.record import COMMON_FIELDS, FeatureRecord
from layers.spec import Field

ExportFormat = Literal["geojson", "csv"]
EXPORT_FORMATS: tuple[ExportFormat, ...] = ("geojson", "csv")

# RFC 7946 §11.2: 7 decimals of a degree are about 1 cm, more than any source measures.
COORD_DECIMALS = 7

# The common properties of every feature, in output order (the id is the Feature's id).
COMMON_PROPERTIES: tuple[str, ...] = tuple(f for f in COMMON_FIELDS if f != "id")

# Props the loader adds to any layer's features (not declared by the layer specs).
EXTRA_FIELDS: tuple[Field, ...] = (
    Field(
        "geocode_precision",
        "text",
        Bilingual("주소로 찾은 위치의 정확도", "Geocoded location precision"),
    ),
)


def layer_fields(layer_id: str) -> tuple[Field, ...]:
    """The layer-specific properties of a layer's features, in output order."""
    return (*registry.get(layer_id).fields, *EXTRA_FIELDS)


def coordinate(value: float) -> float:
    return round(value, COORD_DECIMALS)


def common_properties(record: FeatureRecord) -> dict[str, Any]:
    return {name: getattr(record, name) for name in COMMON_PROPERTIES}


def layer_properties(record: FeatureRecord) -> dict[str, Any]:
    props = record.props
    return {f.name: props.get(f.name) for f in layer_fields(record.layer)}


def geometry(record: FeatureRecord) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [coordinate(record.lon), coordinate(record.lat)]}


def feature(record: FeatureRecord) -> dict[str, Any]:
    """The GeoJSON Feature of a record: the common properties, then its props as stored (the
    layer's fields, all present, and what the loader added)."""
    return {
        "type": "Feature",
        "id": record.id,
        "geometry": geometry(record),
        "properties": {**common_properties(record), **record.props},
    }


def near_feature(record: FeatureRecord) -> dict[str, Any]:
    """A near-me result without its distance and open status: the common properties flat, the
    layer's own under `details`."""
    common = common_properties(record)
    return {
        "type": "Feature",
        "id": record.id,
        "geometry": geometry(record),
        "properties": {"layer": common.pop("layer"), **common, "details": record.props},
    }


def near_feature_json(record: FeatureRecord) -> tuple[bytes, int]:
    """near_feature() as JSON, and the offset just after its "layer" member, where the
    distance and the open status go."""
    text = orjson.dumps(near_feature(record))
    return text, text.index(b'"layer":') + len(b'"layer":' + orjson.dumps(record.layer))


def record_of_near_feature(feature: dict[str, Any], lon: float, lat: float) -> FeatureRecord:
    """The record near_feature() was made of (its exact coordinates given apart: the
    Feature's are rounded)."""
    p = feature["properties"]
    return FeatureRecord(
        layer=p["layer"],
        id=feature["id"],
        lon=lon,
        lat=lat,
        props=p["details"],
        **{name: p[name] for name in COMMON_PROPERTIES if name != "layer"},
    )


def geojson_text(record: FeatureRecord) -> str:
    return json.dumps(feature(record), ensure_ascii=False, separators=(",", ":"))


# -- CSV ------------------------------------------------------------------------------------


def csv_columns(layer_id: str) -> tuple[str, ...]:
    return (
        "id",
        *COMMON_PROPERTIES,
        *(f.name for f in layer_fields(layer_id)),
        "lon",
        "lat",
        "WKT",
    )


def csv_value(value: Any) -> str | None:
    """A property as CSV text: JSON for lists and objects, true/false, None for blank."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(value, ensure_ascii=False)


def csv_row(record: FeatureRecord) -> list[str | None]:
    lon, lat = coordinate(record.lon), coordinate(record.lat)
    values: list[Any] = [record.id, *common_properties(record).values()]
    values.extend(layer_properties(record).values())
    x, y = _number(lon), _number(lat)
    return [*(csv_value(v) for v in values), x, y, f"POINT({x} {y})"]


def _number(value: float) -> str:
    """Shortest round-trip text of a float, without a trailing .0 (as PostgreSQL prints)."""
    text = repr(value)
    return text[:-2] if text.endswith(".0") else text


def csv_text(rows: Iterable[Iterable[str | None]]) -> str:
    """RFC 4180 CSV lines (CRLF, quoted where needed, None as an empty field)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def text_chunks(
    records: Iterable[FeatureRecord], fmt: ExportFormat, batch_size: int = 2000
) -> Iterator[str]:
    """Store.export's chunks built in Python from records (any store can use it)."""
    batch: list[FeatureRecord] = []
    for record in records:
        batch.append(record)
        if len(batch) >= batch_size:
            yield _chunk(batch, fmt)
            batch = []
    if batch:
        yield _chunk(batch, fmt)


def _chunk(records: list[FeatureRecord], fmt: ExportFormat) -> str:
    if fmt == "geojson":
        return ",".join(geojson_text(r) for r in records)
    return csv_text(csv_row(r) for r in records)
