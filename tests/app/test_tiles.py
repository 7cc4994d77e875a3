"""Map tiles over HTTP on the real data: MVT positions against the rows, cluster counts, PNG
pixels, TileJSON and style, OGC API - Tiles, caching (?v=, ETag, 304) and the version bump."""

from __future__ import annotations

import io
import json
import logging
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import mapbox_vector_tile
import pytest
from flask.testing import FlaskClient
from PIL import Image

from app import create_app
from app.versions import VERSIONS_TTL_S
from app.views.tiles import TILES_CONFORMANCE
from geo.korea import KOREA_BBOX
from geo.tiles import EXTENT, Tile, buffered_bounds, tile_for, tile_pixel, tiles_in
from layers import registry, tileset
from layers.record import FeatureRecord
from layers.store import FeatureQuery, Store, embedded_dir
from layers.store.embedded import RELOAD_CHECK_S, EmbeddedStore
from layers.store.postgis import PostgisStore
from tests.app.conftest import close_store
from tests.layers.store.synthetic import synthetic

SEOUL_Z8 = Tile(218, 99, 8)  # the densest z8 tile
SEOUL_Z14 = Tile(13970, 6344, 14)  # around Seoul City Hall
ONE_PIXEL = EXTENT / 256  # MVT units per pixel of a 256-pixel tile
MVT = "application/vnd.mapbox-vector-tile"


@pytest.fixture
def client(api: FlaskClient) -> FlaskClient:
    return api


def decode(body: bytes) -> dict[str, list[dict[str, Any]]]:
    layers = mapbox_vector_tile.decode(body, default_options={"y_coord_down": True})
    return {name: layer["features"] for name, layer in layers.items()}


def rows_near(store: Store, layer_id: str, tile: Tile, margin: float) -> list[FeatureRecord]:
    bbox = buffered_bounds(tile, margin + 1)
    return list(store.features(layer_id, FeatureQuery(bbox=bbox)))


def inside(px: float, py: float, margin: float = 0.0) -> bool:
    return -margin <= px < EXTENT + margin and -margin <= py < EXTENT + margin


def loaded(store: Store) -> list[str]:
    versions = store.versions()
    return [layer_id for layer_id in registry.LAYER_IDS if layer_id in versions]


# -- vector tiles ------------------------------------------------------------------------------


def test_unclustered_features_sit_within_a_pixel_of_their_rows(
    client: FlaskClient, app_store: Store
) -> None:
    assert SEOUL_Z14.z >= tileset.CLUSTER_BELOW_ZOOM
    response = client.get("/tiles/14/13970/6344.mvt")
    assert response.status_code == 200 and response.mimetype == MVT
    layers = decode(response.data)
    checked = 0
    for layer_id in loaded(app_store):
        features = {f["properties"]["id"]: f for f in layers.get(layer_id, [])}
        expected = {}
        for r in rows_near(app_store, layer_id, SEOUL_Z14, tileset.POINT_BUFFER):
            px, py = tile_pixel(r.lon, r.lat, SEOUL_Z14)
            if inside(px, py, tileset.POINT_BUFFER):
                expected[r.id] = (r, px, py)
        assert features.keys() == expected.keys(), layer_id
        for feature_id, (r, px, py) in expected.items():
            x, y = features[feature_id]["geometry"]["coordinates"]
            assert abs(x - px) <= ONE_PIXEL and abs(y - py) <= ONE_PIXEL
            assert features[feature_id]["properties"]["name"] == r.name
            checked += 1
    assert checked > 100


def test_unclustered_features_carry_the_layer_fields(client: FlaskClient) -> None:
    layers = decode(client.get("/tiles/14/13970/6344.mvt?layers=bike_stations").data)
    assert list(layers) == ["bike_stations"]
    allowed = {f.name for f in tileset.point_fields("bike_stations")} - {"count"}
    for feature in layers["bike_stations"]:
        props = feature["properties"]
        assert isinstance(props["id"], str) and props["id"].startswith("bike_stations:")
        assert props["fee"] in ("free", "paid", "unknown")
        assert set(props) <= allowed
        assert isinstance(props.get("racks", 0), int)


def test_cluster_counts_add_up_to_the_rows_inside_the_tile(
    client: FlaskClient, app_store: Store
) -> None:
    assert SEOUL_Z8.z < tileset.CLUSTER_BELOW_ZOOM
    layers = decode(client.get("/tiles/8/218/99.mvt").data)
    assert "regions" in layers
    for layer_id in loaded(app_store):
        rows = [
            r
            for r in rows_near(app_store, layer_id, SEOUL_Z8, 0)
            if inside(*tile_pixel(r.lon, r.lat, SEOUL_Z8))
        ]
        features = layers.get(layer_id, [])
        assert sum(f["properties"]["count"] for f in features) == len(rows), layer_id
        cells = tileset.MVT_CLUSTER_CELLS
        assert len(features) <= cells * cells
        by_id = {r.id: r for r in rows}
        for f in features:
            x, y = f["geometry"]["coordinates"]
            assert inside(x, y)
            if f["properties"]["count"] == 1:
                r = by_id[f["properties"]["id"]]
                px, py = tile_pixel(r.lon, r.lat, SEOUL_Z8)
                assert abs(x - px) <= ONE_PIXEL and abs(y - py) <= ONE_PIXEL


def test_cluster_counts_of_a_zoom_add_up_to_the_whole_layer(
    client: FlaskClient, app_store: Store
) -> None:
    totals: dict[str, int] = {}
    for tile in tiles_in(KOREA_BBOX, 5):
        response = client.get(f"/tiles/5/{tile.x}/{tile.y}.mvt")
        for layer_id, features in decode(response.data).items():
            totals[layer_id] = totals.get(layer_id, 0) + sum(
                f["properties"].get("count", 0) for f in features
            )
    for layer_id in loaded(app_store):
        assert totals[layer_id] == app_store.count(layer_id), layer_id


def test_no_tile_exceeds_the_size_budget_at_the_densest_places(client: FlaskClient) -> None:
    for z in range(5, tileset.MAX_ZOOM + 1):
        for lon, lat in ((126.978, 37.5665), (127.03, 37.50), (129.06, 35.16)):  # Seoul, Busan
            tile = tile_for(lon, lat, z)
            body = client.get(f"/tiles/{z}/{tile.x}/{tile.y}.mvt").data
            assert len(body) < 500_000, (tile, len(body))


def test_an_empty_vector_tile_is_204(client: FlaskClient) -> None:
    response = client.get("/tiles/8/0/0.mvt")
    assert response.status_code == 204 and response.data == b""
    assert response.headers["ETag"]


def test_ogc_tiles_routes(client: FlaskClient) -> None:
    listing = client.get("/collections/public_toilets/tiles").get_json()
    (tileset_entry,) = listing["tilesets"]
    assert tileset_entry["dataType"] == "vector"
    assert tileset_entry["tileMatrixSetURI"].endswith("/WebMercatorQuad")
    metadata_href = next(link["href"] for link in tileset_entry["links"] if link["rel"] == "self")
    metadata = client.get(urlsplit(metadata_href).path).get_json()
    item = next(link for link in metadata["links"] if link["rel"] == "item")
    assert item["type"] == MVT and "{tileMatrix}/{tileRow}/{tileCol}" in item["href"]
    assert metadata["layers"][0]["id"] == "public_toilets"
    limits = {lim["tileMatrix"]: lim for lim in metadata["tileMatrixSetLimits"]}
    assert limits["8"]["minTileCol"] <= 218 <= limits["8"]["maxTileCol"]
    # note the z/y/x order
    ogc = client.get("/collections/public_toilets/tiles/WebMercatorQuad/14/6344/13970")
    xyz = client.get("/tiles/14/13970/6344.mvt?layers=public_toilets")
    assert ogc.status_code == 200 and ogc.data == xyz.data and ogc.mimetype == MVT
    assert client.get("/collections/nope/tiles").status_code == 404
    assert client.get("/collections/regions/tiles/WebMercatorQuad/1/0/0").status_code == 404
    conforms_to = client.get("/conformance?f=json").get_json()["conformsTo"]
    assert set(TILES_CONFORMANCE) <= set(conforms_to)


# -- raster tiles ------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix, size", [("", 256), ("@2x", 512)])
def test_png_has_drawn_pixels_where_rows_are(
    client: FlaskClient, app_store: Store, suffix: str, size: int
) -> None:
    response = client.get(f"/tiles/public_toilets/14/13970/6344{suffix}.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    image = Image.open(io.BytesIO(response.data))
    assert image.size == (size, size) and image.mode == "RGBA"
    alpha = image.getchannel("A")
    scale = size / EXTENT
    pixels = [
        tile_pixel(r.lon, r.lat, SEOUL_Z14)
        for r in rows_near(app_store, "public_toilets", SEOUL_Z14, 0)
    ]
    pixels = [(px * scale, py * scale) for px, py in pixels if inside(px, py)]
    assert len(pixels) > 20
    for px, py in pixels:
        assert alpha.getpixel((int(px), int(py))) > 0
    # somewhere more than a marker away from every row stays transparent
    reach = (8 + 2) * size / 256
    empty = next(
        (x, y)
        for y in range(0, size, 4)
        for x in range(0, size, 4)
        if all(abs(x - px) > reach or abs(y - py) > reach for px, py in pixels)
    )
    assert alpha.getpixel(empty) == 0


def test_png_clusters_and_empty_tiles(client: FlaskClient) -> None:
    clustered = Image.open(io.BytesIO(client.get("/tiles/bike_stations/8/218/99.png").data))
    assert clustered.getchannel("A").getbbox() is not None
    empty = client.get("/tiles/bike_stations/8/0/0@2x.png")
    assert empty.status_code == 200 and empty.mimetype == "image/png"
    image = Image.open(io.BytesIO(empty.data))
    assert image.size == (512, 512) and image.getchannel("A").getbbox() is None


# -- documents ---------------------------------------------------------------------------------


def test_tilejson(client: FlaskClient, app_store: Store) -> None:
    response = client.get("/tiles.json")
    doc = response.get_json()
    assert doc["tilejson"] == "3.0.0" and doc["scheme"] == "xyz"
    (template,) = doc["tiles"]
    assert "{z}/{x}/{y}.mvt?v=" in template
    west, south, east, north = doc["bounds"]
    assert KOREA_BBOX[0] <= west < east <= KOREA_BBOX[2]
    assert KOREA_BBOX[1] <= south < north <= KOREA_BBOX[3]
    assert doc["minzoom"] == 0 and doc["maxzoom"] == tileset.MAX_ZOOM
    ids = [layer["id"] for layer in doc["vector_layers"]]
    assert ids == ["regions", *loaded(app_store)]
    fields = doc["vector_layers"][1]["fields"]
    assert fields["id"] == "String" and fields["count"] == "Number"
    assert "공공누리 제1유형" in doc["attribution"]
    chosen = client.get("/tiles.json?layers=campsites").get_json()
    assert [layer["id"] for layer in chosen["vector_layers"]] == ["campsites"]
    assert chosen["tiles"][0].endswith("&layers=campsites")


def test_style_needs_nothing_from_elsewhere(client: FlaskClient, app_store: Store) -> None:
    style = client.get("/style.json").get_json()
    assert style["version"] == 8
    assert "glyphs" not in style and "sprite" not in style
    assert urlsplit(style["sources"]["sharemap"]["url"]).path == "/tiles.json"
    circles = {
        layer["source-layer"]: layer for layer in style["layers"] if layer["type"] == "circle"
    }
    assert list(circles) == loaded(app_store)
    for layer_id, layer in circles.items():
        assert layer["paint"]["circle-color"] == registry.get(layer_id).colour
    assert not [layer for layer in style["layers"] if layer["type"] == "symbol"]


def test_cors_on_tiles_style_and_tilejson(client: FlaskClient) -> None:
    for url in (
        "/tiles/14/13970/6344.mvt",
        "/tiles/bike_stations/14/13970/6344.png",
        "/tiles.json",
        "/style.json",
        "/tiles/99/0/0.mvt",
    ):
        response = client.get(url, headers={"Origin": "https://elsewhere.example"})
        assert response.headers["Access-Control-Allow-Origin"] == "*", url


# -- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, status, parameter",
    [
        ("/tiles/23/0/0.mvt", 400, "z"),
        ("/tiles/8/256/0.mvt", 400, "x"),
        ("/tiles/8/0/-1.mvt", 400, "y"),
        ("/tiles/8/1.5/0.mvt", 400, "x"),
        ("/tiles/z/0/0.mvt", 400, "z"),
        ("/tiles/2/4/0.mvt", 400, "x"),
        ("/tiles/bike_stations/8/0/256.png", 400, "y"),
        ("/tiles/bike_stations/8/0/0@3x.png", 400, "y"),
        ("/collections/bike_stations/tiles/WebMercatorQuad/3/8/0", 400, "y"),
        ("/tiles/8/0/0.mvt?layers=bike_stations,nope", 404, "layers"),
        ("/tiles/nope/8/0/0.png", 404, None),
        ("/tiles/regions/8/0/0.png", 404, None),
        ("/collections/nope/tiles/WebMercatorQuad", 404, None),
    ],
)
def test_bad_requests_get_a_problem_body(
    client: FlaskClient, url: str, status: int, parameter: str | None
) -> None:
    response = client.get(url)
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert {"type", "title", "status", "detail"} <= set(body)
    assert body["status"] == status and body["detail"]
    assert body.get("parameter") == parameter


# -- caching -----------------------------------------------------------------------------------


def token_of(client: FlaskClient, query: str = "") -> str:
    template = client.get(f"/tiles.json{query}").get_json()["tiles"][0]
    return parse_qs(urlsplit(template).query)["v"][0]


def test_current_v_is_immutable_and_anything_else_is_no_cache(client: FlaskClient) -> None:
    token = token_of(client)
    current = client.get(f"/tiles/8/218/99.mvt?v={token}")
    assert current.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    for url in ("/tiles/8/218/99.mvt", "/tiles/8/218/99.mvt?v=0000"):
        other = client.get(url)
        assert other.headers["Cache-Control"] == "no-cache"
        assert other.data == current.data and other.headers["ETag"] == current.headers["ETag"]
    # a tile of one layer carries that layer's token
    one = token_of(client, "?layers=bike_stations")
    png = client.get(f"/tiles/bike_stations/8/218/99.png?v={one}")
    assert png.headers["Cache-Control"].endswith("immutable")


@pytest.mark.parametrize(
    "url",
    [
        "/tiles/14/13970/6344.mvt",
        "/tiles/campsites/9/436/198@2x.png",
        "/tiles.json",
        "/tiles/8/0/0.mvt",
    ],
)
def test_if_none_match_gets_a_304(client: FlaskClient, url: str) -> None:
    first = client.get(url)
    etag = first.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")  # strong
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag
    assert again.headers["Access-Control-Allow-Origin"] == "*"
    other = client.get(url, headers={"If-None-Match": '"something-else"'})
    assert other.status_code == first.status_code and other.data == first.data


# -- a new load ------------------------------------------------------------------------------


LAYER = "bike_stations"
TILE = Tile(13970, 6344, 14)


def stations(seed: int) -> list[FeatureRecord]:
    return [
        replace(
            r,
            layer=LAYER,
            id=f"{LAYER}:t:{i:04d}",
            lon=126.970 + (r.lon - 126.9) * 0.1,
            lat=37.555 + (r.lat - 37.5) * 0.15,
        )
        for i, r in enumerate(synthetic(LAYER, 80, seed=seed))
    ]


@pytest.fixture(params=["embedded", pytest.param("postgis", marks=pytest.mark.postgis)])
def fresh(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[FlaskClient, Store]]:
    """An app with a tile cache on an empty store of each kind, and that store to load into."""
    settings = {"SHAREMAP_DATA_DIR": str(tmp_path), "SHAREMAP_TILE_CACHE_SIZE": "100"}
    store: Store
    if request.param == "postgis":
        url = request.getfixturevalue("empty_db")
        store, settings["DATABASE_URL"] = PostgisStore(url), url
    else:
        store = EmbeddedStore(embedded_dir(tmp_path))
    app = create_app(settings)
    yield app.test_client(), store
    close_store(app)
    store.close()


def ids_in(body: bytes) -> set[str]:
    return {f["properties"]["id"] for f in decode(body).get(LAYER, [])}


def test_a_new_load_is_served_within_a_second_and_old_etags_stop_matching(
    fresh: tuple[FlaskClient, Store],
) -> None:
    client, store = fresh
    store.replace_layer(LAYER, stations(1), data_version="v1")
    url = f"/tiles/{TILE.z}/{TILE.x}/{TILE.y}.mvt?layers={LAYER}"
    before = client.get(url)
    old_token = token_of(client)
    assert before.status_code == 200 and ids_in(before.data)
    assert client.get(url, headers={"If-None-Match": before.headers["ETag"]}).status_code == 304

    changed = [replace(r, name=f"{r.name} (moved)", lon=r.lon + 0.0005) for r in stations(1)]
    store.replace_layer(LAYER, changed, data_version="v2")
    time.sleep(VERSIONS_TTL_S + 0.05)

    after = client.get(url, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert after.headers["ETag"] != before.headers["ETag"]
    assert after.data != before.data
    names = {f["properties"]["name"] for f in decode(after.data)[LAYER]}
    assert names and all(name.endswith("(moved)") for name in names)
    assert token_of(client) != old_token
    assert client.get(f"{url}&v={old_token}").headers["Cache-Control"] == "no-cache"


def test_a_rollback_under_a_cached_version_is_retried_with_the_current_one(
    fresh: tuple[FlaskClient, Store],
) -> None:
    client, store = fresh
    store.replace_layer(LAYER, stations(1), data_version="v1")
    store.replace_layer(LAYER, stations(2), data_version="v2")
    assert json.loads(client.get("/tiles.json").data)  # the app now holds v2 for a second
    store.rollback(LAYER)
    if isinstance(store, EmbeddedStore):
        # the app's embedded store reads the manifest again at most every RELOAD_CHECK_S
        # (within that, it still serves v2 from memory: its documented reload interval)
        time.sleep(RELOAD_CHECK_S + 0.05)
    body = client.get(f"/tiles/{TILE.z}/{TILE.x}/{TILE.y}.mvt?layers={LAYER}").data
    expected = {
        r.id for r in stations(1) if inside(*tile_pixel(r.lon, r.lat, TILE), tileset.POINT_BUFFER)
    }
    assert expected and ids_in(body) == expected


def test_a_repeated_tile_is_answered_before_flask_until_the_data_changes(
    fresh: tuple[FlaskClient, Store], caplog: pytest.LogCaptureFixture
) -> None:
    client, store = fresh
    app = client.application
    store.replace_layer(LAYER, stations(1), data_version="v1")
    url = f"/tiles/{TILE.z}/{TILE.x}/{TILE.y}.mvt?layers={LAYER}"
    calls = []
    view = app.view_functions["tiles.vector_tile"]
    app.view_functions["tiles.vector_tile"] = lambda **kw: calls.append(kw) or view(**kw)
    first = client.get(url)
    with caplog.at_level(logging.INFO, logger="app.access"):
        again = client.get(url)
    assert len(calls) == 1  # the second one never reached the view
    assert again.data == first.data and again.status_code == 200
    assert sorted(again.headers.items()) == sorted(first.headers.items())
    assert any(f"GET {url.split('?')[0]}?layers={LAYER} 200" in m for m in caplog.messages)

    # other queries, methods and revalidations go through the app
    client.get(f"{url}&v=x")
    client.head(url)
    client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert len(calls) == 4

    store.replace_layer(
        LAYER, [replace(r, name=f"{r.name} (moved)") for r in stations(1)], data_version="v2"
    )
    time.sleep(VERSIONS_TTL_S + 0.05)
    after = client.get(url)
    assert len(calls) == 5 and after.data != first.data
    names = {f["properties"]["name"] for f in decode(after.data)[LAYER]}
    assert names and all(name.endswith("(moved)") for name in names)
    assert client.get(url).data == after.data and len(calls) == 5


def test_without_a_tile_cache_every_tile_goes_through_the_app(tmp_path: Path) -> None:
    app = create_app({"SHAREMAP_DATA_DIR": str(tmp_path), "SHAREMAP_TILE_CACHE_SIZE": 0})
    from app.tile_front import TileFront

    assert not isinstance(app.wsgi_app, TileFront)
