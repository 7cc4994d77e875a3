"""The downloads of a layer: its Features as GeoJSON text (layers.feature.flat_feature) and
its CSV rows, in chunks any store can stream.

The PostGIS store builds the same text in SQL for fast downloads (queries.export_*); a test
checks that both agree.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any, Literal

from layers import registry
from layers.bilingual import Bilingual
from layers.feature import COMMON_PROPERTIES, common_properties, coordinate, flat_feature
from layers.record import FeatureRecord
from layers.spec import Field

ExportFormat = Literal["geojson", "csv"]
EXPORT_FORMATS: tuple[ExportFormat, ...] = ("geojson", "csv")

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


def layer_properties(record: FeatureRecord) -> dict[str, Any]:
    props = record.props
    return {f.name: props.get(f.name) for f in layer_fields(record.layer)}


def geojson_text(record: FeatureRecord) -> str:
    return json.dumps(flat_feature(record), ensure_ascii=False, separators=(",", ":"))


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
