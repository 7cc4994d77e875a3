"""Both stores given every real layer answer every query alike: random near-me queries, bbox
pages and tiles against PostGIS (loaded from the real files) and the embedded store (loaded
from PostGIS's rows)."""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Iterator

import mapbox_vector_tile
import pytest

from geo.tiles import tile_for
from layers import registry, tileset
from layers.record import FeatureRecord
from layers.store import FeatureQuery, NearQuery, Store
from layers.store.base import TileQuery
from layers.store.embedded import EmbeddedStore
from layers.store.postgis import PostgisStore

pytestmark = [pytest.mark.slow, pytest.mark.postgis]

# Populated areas: Seoul, Incheon, Suwon, Daejeon, Daegu, Gwangju, Busan, Jeju.
CITIES = (
    (126.80, 37.43, 127.18, 37.70),
    (126.60, 37.35, 126.80, 37.60),
    (126.95, 37.20, 127.10, 37.32),
    (127.30, 36.27, 127.50, 36.45),
    (128.50, 35.80, 128.70, 35.95),
    (126.80, 35.10, 127.00, 35.25),
    (128.90, 35.05, 129.25, 35.30),
    (126.40, 33.45, 126.60, 33.52),
)
FILTERS = (
    (("fee", "free"),),
    (("wheelchair", "true"),),
    (("fee", "paid"), ("wheelchair", "false")),
)
Stores = tuple[PostgisStore, EmbeddedStore, dict[str, list[FeatureRecord]]]


@pytest.fixture(scope="module")
def stores(
    loaded_db: tuple[str, list], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stores]:
    pg = PostgisStore(loaded_db[0])
    embedded = EmbeddedStore(tmp_path_factory.mktemp("embedded"))
    for layer_id in registry.LAYER_IDS:
        info = pg.layer_info(layer_id)
        assert info is not None
        embedded.replace_layer(
            layer_id, pg.features(layer_id), data_version=info.data_version, stats=info.stats
        )
    embedded.replace_regions(pg.regions(), data_version=pg.versions()["regions"])
    records = {layer_id: list(embedded.features(layer_id)) for layer_id in registry.LAYER_IDS}
    yield pg, embedded, records
    pg.close()
    embedded.close()


def test_same_versions_records_and_layer_info(stores: Stores) -> None:
    pg, embedded, records = stores
    assert embedded.versions() == pg.versions()
    for layer_id in registry.LAYER_IDS:
        assert records[layer_id] == list(pg.features(layer_id))
        a, b = pg.layer_info(layer_id), embedded.layer_info(layer_id)
        assert a is not None and b is not None
        assert (a.data_version, a.count, a.bbox, a.updated_min, a.updated_max, a.stats) == (
            b.data_version,
            b.count,
            b.bbox,
            b.updated_min,
            b.updated_max,
            b.stats,
        )
    assert list(embedded.regions()) == list(pg.regions())


def random_point(
    rnd: random.Random, records: dict[str, list[FeatureRecord]]
) -> tuple[float, float]:
    if rnd.random() < 0.8:  # mostly around the data
        layer = rnd.choice([layer for layer in registry.LAYER_IDS if records[layer]])
        r = rnd.choice(records[layer])
        spread = rnd.choice([0.0005, 0.005, 0.03])
        return r.lon + rnd.uniform(-spread, spread), r.lat + rnd.uniform(-spread, spread)
    min_lon, min_lat, max_lon, max_lat = rnd.choice(CITIES)
    return rnd.uniform(min_lon, max_lon), rnd.uniform(min_lat, max_lat)


def sometimes_odd(r: FeatureRecord) -> bool:
    return hashlib.sha1(r.id.encode()).digest()[0] % 3 != 0


def test_random_near_queries_agree(stores: Stores) -> None:
    pg, embedded, records = stores
    rnd = random.Random(20261125)
    for n in range(1000):
        lon, lat = random_point(rnd, records)
        layers = tuple(rnd.sample(registry.LAYER_IDS, rnd.randint(1, len(registry.LAYER_IDS))))
        query = NearQuery(
            lon,
            lat,
            layers,
            limit=rnd.randint(1, 100),
            radius_m=round(100 * 200 ** rnd.random(), 1),  # 100 m .. 20 km
            filters=rnd.choice(FILTERS) if rnd.random() < 0.25 else (),
            accept=sometimes_odd if rnd.random() < 0.1 else None,
        )
        a, b = pg.nearest(query), embedded.nearest(query)
        assert [h.feature.id for h in b] == [h.feature.id for h in a], (n, query)
        for x, y in zip(a, b, strict=True):
            assert abs(x.distance_m - y.distance_m) <= 0.5, (n, query)
            assert x.feature == y.feature


def test_random_bbox_pages_agree(stores: Stores) -> None:
    pg, embedded, records = stores
    rnd = random.Random(7)
    for n in range(200):
        lon, lat = random_point(rnd, records)
        half = rnd.choice([0.002, 0.01, 0.05, 0.3])
        bbox = (lon - half * rnd.random(), lat - half * rnd.random(), lon + half, lat + half)
        if rnd.random() < 0.1:  # an edge right on a feature
            r = rnd.choice(records["public_toilets"])
            bbox = (r.lon, r.lat, r.lon + half, r.lat + half)
        query = FeatureQuery(
            bbox=bbox,
            filters=rnd.choice(FILTERS) if rnd.random() < 0.3 else (),
            limit=rnd.choice([None, 1, 10, 50, 200]),
            offset=rnd.choice([0, 0, 5, 40]),
        )
        layer_id = rnd.choice(registry.LAYER_IDS)
        a = [r.id for r in pg.features(layer_id, query)]
        b = [r.id for r in embedded.features(layer_id, query)]
        assert b == a, (n, layer_id, query)
        assert embedded.count(layer_id, query) == pg.count(layer_id, query), (n, layer_id, query)


def decoded(store: Store, query: TileQuery) -> dict[str, list[tuple]]:
    layers = mapbox_vector_tile.decode(
        store.vector_tile(query), default_options={"y_coord_down": True}
    )
    return {
        name: sorted(
            (str(f["geometry"]["coordinates"]), sorted(f["properties"].items()))
            for f in layer["features"]
        )
        for name, layer in layers.items()
        if name != tileset.REGIONS
    }


def test_random_point_tiles_agree(stores: Stores) -> None:
    pg, embedded, records = stores
    rnd = random.Random(3)
    versions = pg.versions()
    for _ in range(60):
        lon, lat = random_point(rnd, records)
        z = rnd.randint(6, 16)
        tile = tile_for(lon, lat, z)
        layers = tuple(
            (layer, versions[layer])
            for layer in rnd.sample(registry.LAYER_IDS, rnd.randint(1, len(registry.LAYER_IDS)))
        )
        query = TileQuery(z, tile.x, tile.y, layers, tileset.cluster_cells(z))
        assert decoded(embedded, query) == decoded(pg, query), query
        margin = rnd.choice([0.0, 100.0])
        raster = TileQuery(z, tile.x, tile.y, layers, tileset.cluster_cells(z, raster=True))
        a = sorted(pg.tile_points(raster, margin=margin), key=lambda p: (p.layer, p.px, p.py))
        b = sorted(embedded.tile_points(raster, margin=margin), key=lambda p: (p.layer, p.px, p.py))
        assert [(p.layer, p.count) for p in b] == [(p.layer, p.count) for p in a], raster
        for p, q in zip(a, b, strict=True):
            assert math.isclose(p.px, q.px, abs_tol=1e-6) and math.isclose(p.py, q.py, abs_tol=1e-6)


def test_region_tiles_cover_the_same_sigungu(stores: Stores) -> None:
    pg, embedded, _records = stores
    version = pg.versions()["regions"]
    for lon, lat, z in [
        (126.98, 37.57, 10),
        (129.05, 35.15, 8),
        (127.4, 36.35, 12),
        (127.0, 36.5, 6),
    ]:
        tile = tile_for(lon, lat, z)
        query = TileQuery(z, tile.x, tile.y, ((tileset.REGIONS, version),))
        options = {"y_coord_down": True}
        a = mapbox_vector_tile.decode(pg.vector_tile(query), default_options=options)
        b = mapbox_vector_tile.decode(embedded.vector_tile(query), default_options=options)
        codes_a = {f["properties"]["code"] for f in a[tileset.REGIONS]["features"]}
        codes_b = {f["properties"]["code"] for f in b[tileset.REGIONS]["features"]}
        # polygons that only touch the buffer may be dropped by one side's snapping
        assert len(codes_a ^ codes_b) <= max(1, len(codes_a) // 10), (query, codes_a ^ codes_b)
