"""The tile methods of the store contract, on both stores, against geo.tiles as the oracle:
positions within a unit, cluster counts that add up, version pins, margins, regions."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import mapbox_vector_tile
import pytest
import shapely

from geo.tiles import EXTENT, Tile, grid_cell, grid_clusters, tile_for, tile_pixel, tiles_in
from layers import tileset
from layers.record import FeatureRecord, Region
from layers.store import Store
from layers.store.base import StaleVersion, TileQuery
from tests.layers.store.synthetic import synthetic

LAYER = "bike_stations"


@pytest.fixture(params=[pytest.param("postgis", marks=pytest.mark.postgis), "embedded"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "postgis":
        from layers.store.postgis import PostgisStore

        opened: Store = PostgisStore(request.getfixturevalue("empty_db"))
    else:
        from layers.store.embedded import EmbeddedStore

        opened = EmbeddedStore(tmp_path / "store")
    yield opened
    opened.close()


def bikes(n: int = 400, seed: int = 3) -> list[FeatureRecord]:
    """Stations around central Seoul with typed and mistyped tile attributes."""
    return [
        replace(r, layer=LAYER, id=f"{LAYER}:t:{i:05d}", props={"racks": i % 17, "bikes": str(i)})
        for i, r in enumerate(synthetic(LAYER, n, seed=seed))
    ]


def decode(mvt: bytes) -> dict[str, list[dict]]:
    layers = mapbox_vector_tile.decode(mvt, default_options={"y_coord_down": True})
    return {name: layer["features"] for name, layer in layers.items()}


def query(tile: Tile, version: str, cells: int | None = None) -> TileQuery:
    return TileQuery(tile.z, tile.x, tile.y, ((LAYER, version),), cells)


def test_unclustered_points_sit_on_their_rows_with_typed_attributes(store: Store) -> None:
    records = bikes()
    store.replace_layer(LAYER, records, data_version="v1")
    tile = tile_for(126.95, 37.53, 13)
    features = {
        f["properties"]["id"]: f for f in decode(store.vector_tile(query(tile, "v1")))[LAYER]
    }
    buffer = tileset.POINT_BUFFER
    expected = {}
    for r in records:
        px, py = tile_pixel(r.lon, r.lat, tile)
        if -buffer <= px < EXTENT + buffer and -buffer <= py < EXTENT + buffer:
            expected[r.id] = (r, px, py)
    assert expected and features.keys() == expected.keys()
    for feature_id, (r, px, py) in expected.items():
        x, y = features[feature_id]["geometry"]["coordinates"]
        assert abs(x - px) <= 0.5 + 1e-6 and abs(y - py) <= 0.5 + 1e-6
        props = features[feature_id]["properties"]
        assert props["name"] == r.name and props["fee"] == r.fee
        assert props["racks"] == r.props["racks"]
        assert "bikes" not in props  # text where the tile says int: left out, not guessed


def test_clusters_match_the_grid_oracle(store: Store) -> None:
    records = bikes()
    store.replace_layer(LAYER, records, data_version="v1")
    tile = tile_for(126.95, 37.53, 9)
    cells = tileset.MVT_CLUSTER_CELLS
    got = decode(store.vector_tile(query(tile, "v1", cells)))[LAYER]
    oracle = grid_clusters([tile_pixel(r.lon, r.lat, tile) for r in records], cells)
    assert sorted(f["properties"]["count"] for f in got) == sorted(c.count for c in oracle)
    by_cell = {grid_cell(c.px, c.py, cells): c for c in oracle}
    for f in got:
        x, y = f["geometry"]["coordinates"]
        cluster = by_cell[grid_cell(x, y, cells)]
        assert f["properties"]["count"] == cluster.count
        assert abs(x - cluster.px) <= 1 and abs(y - cluster.py) <= 1
        assert ("id" in f["properties"]) == (cluster.count == 1)


def test_cluster_counts_add_up_over_the_tiles_of_a_zoom(store: Store) -> None:
    records = bikes(300)
    store.replace_layer(LAYER, records, data_version="v1")
    for z in (6, 10, 11):
        total = 0
        for tile in tiles_in((126.89, 37.49, 127.11, 37.61), z):
            layers = decode(store.vector_tile(query(tile, "v1", tileset.MVT_CLUSTER_CELLS)))
            total += sum(f["properties"]["count"] for f in layers.get(LAYER, []))
        assert total == len(records), z


def test_an_empty_tile_is_empty_bytes(store: Store) -> None:
    store.replace_layer(LAYER, bikes(20), data_version="v1")
    assert store.vector_tile(query(Tile(0, 0, 8), "v1")) == b""
    assert store.vector_tile(query(Tile(0, 0, 8), "v1", 16)) == b""
    assert store.tile_points(query(Tile(0, 0, 8), "v1")) == []


def test_a_tile_is_pinned_to_its_data_version(store: Store) -> None:
    old, new = bikes(50, seed=1), bikes(50, seed=2)
    store.replace_layer(LAYER, old, data_version="v1")
    store.replace_layer(LAYER, new, data_version="v2")
    tile = tile_for(127.0, 37.55, 7)
    v1 = decode(store.vector_tile(query(tile, "v1", 16)))[LAYER]
    v2 = decode(store.vector_tile(query(tile, "v2", 16)))[LAYER]
    assert sorted(f["geometry"]["coordinates"] for f in v1) != sorted(
        f["geometry"]["coordinates"] for f in v2
    )
    oracle = grid_clusters([tile_pixel(r.lon, r.lat, tile) for r in old], 16)
    assert sorted(f["properties"]["count"] for f in v1) == sorted(c.count for c in oracle)
    with pytest.raises(StaleVersion):
        store.vector_tile(query(tile, "gone"))
    with pytest.raises(StaleVersion):
        store.tile_points(query(tile, "gone"))


def test_tile_points_reach_into_the_margin(store: Store) -> None:
    records = bikes()
    store.replace_layer(LAYER, records, data_version="v1")
    tile = tile_for(126.95, 37.53, 13)
    margin = 300.0
    points = store.tile_points(query(tile, "v1"), margin=margin)
    pixels = [tile_pixel(r.lon, r.lat, tile) for r in records]
    inside = sorted(p for p in pixels if all(-margin <= v < EXTENT + margin for v in p))
    got = sorted((p.px, p.py) for p in points)
    assert len(got) == len(inside) > 0
    assert all(
        abs(a[0] - b[0]) < 1e-6 and abs(a[1] - b[1]) < 1e-6
        for a, b in zip(got, inside, strict=True)
    )
    assert {p.layer for p in points} == {LAYER} and {p.count for p in points} == {1}

    cells = tileset.PNG_CLUSTER_CELLS
    low = tile_for(126.95, 37.53, 9)
    clusters = store.tile_points(query(low, "v1", cells), margin=margin)
    ring = EXTENT // cells  # the margin rounded up to whole cells
    window = [tile_pixel(r.lon, r.lat, low) for r in records]
    counts = Counter(
        grid_cell(px, py, cells)
        for px, py in window
        if all(-ring <= v < EXTENT + ring for v in (px, py))
    )
    assert sorted(c.count for c in clusters) == sorted(counts.values())
    inner = [c for c in clusters if 0 <= c.px < EXTENT and 0 <= c.py < EXTENT]
    vector = decode(store.vector_tile(query(low, "v1", cells)))[LAYER]
    assert sorted(c.count for c in inner) == sorted(f["properties"]["count"] for f in vector)


def test_the_regions_layer_clips_sigungu_polygons(store: Store) -> None:
    square = shapely.box(126.9, 37.5, 127.1, 37.6)
    store.replace_regions(
        [Region(code="11110", sido="서울특별시", sigungu="종로구", wkb=shapely.to_wkb(square))],
        data_version="r1",
    )
    tile = tile_for(127.0, 37.55, 10)
    layers = decode(store.vector_tile(TileQuery(tile.z, tile.x, tile.y, (("regions", "r1"),))))
    (feature,) = layers["regions"]
    assert feature["properties"] == {"code": "11110", "name": "종로구", "sido": "서울특별시"}
    assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")
    xs = [x for ring in feature["geometry"]["coordinates"] for x, _ in ring]
    assert min(xs) >= -64 and max(xs) <= EXTENT + 64
    with pytest.raises(StaleVersion):
        store.vector_tile(TileQuery(tile.z, tile.x, tile.y, (("regions", "r0"),)))
