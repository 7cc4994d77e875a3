"""The published Feature in its three shapes (flat, near-me, places): one geometry, the same
common properties, and the near-me JSON spliced from its template as the dict serialises."""

from __future__ import annotations

from dataclasses import replace

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from layers.feature import (
    COMMON_PROPERTIES,
    coordinate,
    flat_feature,
    near_feature,
    near_feature_json,
    near_template,
    place_feature,
    point,
    record_of_near_template,
)
from layers.store.types import Place
from tests.layers.store.synthetic import synthetic

# a record whose coordinates have more decimals than published
RECORD = replace(
    synthetic("public_toilets", 2)[1],
    lon=126.97803456789,
    lat=37.56649512345,
    opening_hours={"always": True},
    wheelchair=True,
)


def test_the_three_shapes_share_their_geometry_and_common_properties() -> None:
    flat = flat_feature(RECORD)
    near = near_feature(RECORD, 123.456, "open")
    place = place_feature(
        Place(
            "feature", RECORD.id, RECORD.name, RECORD.address, RECORD.layer, RECORD.lon, RECORD.lat
        ),
        "en",
    )
    geometry = {"type": "Point", "coordinates": [126.9780346, 37.5664951]}
    assert flat["geometry"] == near["geometry"] == place["geometry"] == geometry
    assert flat["id"] == near["id"] == place["id"] == RECORD.id
    assert [f["type"] for f in (flat, near, place)] == ["Feature"] * 3

    common = {name: getattr(RECORD, name) for name in COMMON_PROPERTIES}
    assert {k: flat["properties"][k] for k in COMMON_PROPERTIES} == common
    near_props = near["properties"]
    assert list(near_props)[:3] == ["layer", "distance_m", "open_status"]
    assert near_props["distance_m"] == 123.5 and near_props["open_status"] == "open"
    assert {k: near_props[k] for k in COMMON_PROPERTIES} == common
    for name in ("name", "address", "layer"):
        assert place["properties"][name] == common[name]
    assert place["properties"]["kind"] == "feature"
    assert place["properties"]["layer_title"] == "Public toilets"

    # the layer's own fields: flat after the common ones, near-me under `details`
    assert list(flat["properties"]) == [*COMMON_PROPERTIES, *RECORD.props]
    assert near_props["details"] == RECORD.props
    assert list(near_props) == ["layer", "distance_m", "open_status"] + [
        name for name in COMMON_PROPERTIES if name != "layer"
    ] + ["details"]


def test_a_region_place_has_no_layer() -> None:
    region = place_feature(
        Place("region", "11140", "중구", "서울특별시", None, 126.99, 37.56), "ko"
    )
    assert region["properties"] == {
        "kind": "region",
        "name": "중구",
        "address": "서울특별시",
        "layer": None,
        "layer_title": None,
    }
    assert region["geometry"] == point(126.99, 37.56)


@pytest.mark.parametrize("status", ["open", "closed", "unknown"])
@pytest.mark.parametrize("distance_m", [0.0, 7.5, 1442.2, 19999.9])
def test_the_near_json_is_the_near_feature_serialised(distance_m: float, status: str) -> None:
    template, split = near_template(RECORD)
    expected = orjson.dumps(near_feature(RECORD, distance_m, status))
    assert near_feature_json(template, split, distance_m, status) == expected
    assert record_of_near_template(template, RECORD.lon, RECORD.lat) == RECORD


@given(st.floats(min_value=-180, max_value=180, allow_nan=False))
def test_coordinate_keeps_seven_decimals(value: float) -> None:
    rounded = coordinate(value)
    assert abs(rounded - value) <= 0.5e-7 + 1e-12
    assert rounded == round(rounded, 7)
    assert point(value, value)["coordinates"] == [rounded, rounded]
