"""The published GeoJSON Feature of a feature, in every shape the service publishes, built here
only: the flat shape (OGC API items, GeoJSON and CSV downloads), the near-me shape (the layer's
own fields under `details`) and the /api/places shape, all with one geometry, `point`.

The PostGIS store builds the flat shape's text in SQL for fast downloads (queries.export_*); a
test checks that both agree. The load rounds the coordinates it stores with `coordinate`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson

from layers import fields, registry
from layers.record import FeatureRecord

if TYPE_CHECKING:
    from layers.store.types import Place

# RFC 7946 §11.2: 7 decimals of a degree are about 1 cm, more than any source measures.
COORD_DECIMALS = 7

# The common properties of every feature, in output order (the id is the Feature's id).
COMMON_PROPERTIES: tuple[str, ...] = tuple(name for name in fields.NAMES if name != "id")


def coordinate(value: float) -> float:
    """A longitude or latitude as published (and stored): COORD_DECIMALS decimals."""
    return round(value, COORD_DECIMALS)


def point(lon: float, lat: float) -> dict[str, Any]:
    """The GeoJSON geometry of every published Feature."""
    return {"type": "Point", "coordinates": [coordinate(lon), coordinate(lat)]}


def common_properties(record: FeatureRecord) -> dict[str, Any]:
    return {name: getattr(record, name) for name in COMMON_PROPERTIES}


def _feature(id_: str, lon: float, lat: float, properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "id": id_, "geometry": point(lon, lat), "properties": properties}


def flat_feature(record: FeatureRecord) -> dict[str, Any]:
    """The OGC API and download Feature: the common properties, then the record's props as
    stored (the layer's fields, all present, and what the loader added)."""
    return _feature(
        record.id, record.lon, record.lat, {**common_properties(record), **record.props}
    )


# -- near me ---------------------------------------------------------------------------------


def _near_feature(record: FeatureRecord, found: dict[str, Any]) -> dict[str, Any]:
    """The near-me Feature with `found` (what the search adds) just after the layer."""
    common = common_properties(record)
    properties = {"layer": common.pop("layer"), **found, **common, "details": record.props}
    return _feature(record.id, record.lon, record.lat, properties)


def near_feature(record: FeatureRecord, distance_m: float, open_status: str) -> dict[str, Any]:
    """A near-me result: the layer, its distance (0.1 m) and open status (open / closed /
    unknown), the other common properties flat, and the layer's own under `details`."""
    return _near_feature(record, {"distance_m": round(distance_m, 1), "open_status": open_status})


def near_template(record: FeatureRecord) -> tuple[bytes, int]:
    """near_feature() as JSON without its distance and open status, and the offset just after
    its "layer" member, where near_feature_json() puts them."""
    text = orjson.dumps(_near_feature(record, {}))
    return text, text.index(b'"layer":') + len(b'"layer":' + orjson.dumps(record.layer))


def near_feature_json(template: bytes, split: int, distance_m: float, open_status: str) -> bytes:
    """orjson.dumps(near_feature(...)) from the record's near_template() (a distance already
    rounded to 0.1 m)."""
    return b"".join(
        (
            template[:split],
            b',"distance_m":',
            orjson.dumps(distance_m),
            b',"open_status":"',
            open_status.encode(),
            b'"',
            template[split:],
        )
    )


def record_of_near_template(template: bytes, lon: float, lat: float) -> FeatureRecord:
    """The record near_template() was made of (its exact coordinates given apart: the
    Feature's are rounded)."""
    feature = orjson.loads(template)
    p = feature["properties"]
    return FeatureRecord(
        layer=p["layer"],
        id=feature["id"],
        lon=lon,
        lat=lat,
        props=p["details"],
        **{name: p[name] for name in COMMON_PROPERTIES if name != "layer"},
    )


# -- places ----------------------------------------------------------------------------------


def place_feature(place: Place, lang: str) -> dict[str, Any]:
    """A GET /api/places result: a region or a feature to search near, with what to call it."""
    layer_title = registry.get(place.layer).title(lang) if place.layer else None
    properties = {
        "kind": place.kind,
        "name": place.name,
        "address": place.address,
        "layer": place.layer,
        "layer_title": layer_title,
    }
    return _feature(place.id, place.lon, place.lat, properties)
