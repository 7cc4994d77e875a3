"""Pre-built tiles on the real data (PostGIS): every tile of the archive, decoded, equals the
live endpoint's; with the archive stored, the app answers from it (subsets cut, the OGC path
too), serves it at /download/tiles.pmtiles with byte ranges, and builds live without it."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import mapbox_vector_tile
import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient
from pmtiles.reader import Reader

from app import create_app
from app.context import current_store
from geo.tiles import Tile, tile_for
from layers import tilearchive, tileset
from layers.store.base import TileQuery
from layers.store.postgis import PostgisStore
from tests.app.conftest import assert_problem, close_store

pytestmark = pytest.mark.postgis

ZOOM = 12  # the archive under test: z0-z12 of the real data (about 2,900 tiles)
SEOUL = (126.978, 37.5665)


def decoded(tile: bytes) -> dict[str, list[str]]:
    """Layers and features in a canonical order (PostGIS may group clusters in another order
    from one plan to the next)."""
    layers = mapbox_vector_tile.decode(tile, default_options={"y_coord_down": True})
    return {
        name: sorted(json.dumps(f, sort_keys=True, ensure_ascii=False) for f in layer["features"])
        for name, layer in layers.items()
    }


@pytest.fixture(scope="module")
def built(
    loaded_db: tuple[str, list], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tilearchive.TileArchive]:
    """The archive of the real data, built to a file (not yet in the store)."""
    store = PostgisStore(loaded_db[0])
    path = tmp_path_factory.mktemp("archive") / "real.pmtiles"
    result = tilearchive.build(store, path, max_zoom=ZOOM)
    store.close()
    assert result is not None
    archive = tilearchive.TileArchive(path)
    yield archive
    archive.close()


def new_app(url: str, data_dir: Path, **settings: Any) -> Flask:
    return create_app({"DATABASE_URL": url, "SHAREMAP_DATA_DIR": str(data_dir), **settings})


@pytest.mark.slow
def test_every_archived_tile_equals_the_live_endpoint(
    built: tilearchive.TileArchive, loaded_db: tuple[str, list], tmp_path: Path
) -> None:
    app = new_app(loaded_db[0], tmp_path, SHAREMAP_TILE_CACHE_SIZE=0)
    client = app.test_client()
    tiles = built.addresses()
    assert len(tiles) == built.tiles > 2000
    assert {t.z for t in tiles} == set(range(ZOOM + 1))
    for t in tiles:
        response = client.get(f"/tiles/{t.z}/{t.x}/{t.y}.mvt")
        assert response.status_code == 200, t
        assert decoded(built.tile(t.z, t.x, t.y)) == decoded(response.data), t
    # tiles around the data that the archive left out are empty live too
    held = set(tiles)
    for z in (6, 9, ZOOM):
        centre = tile_for(*SEOUL, z)
        around = [Tile(centre.x + dx, centre.y + dy, z) for dx in (-9, 9) for dy in (-9, 0, 9)]
        for t in (t for t in around if t not in held):
            assert client.get(f"/tiles/{t.z}/{t.x}/{t.y}.mvt").status_code == 204, t
    # no archive in the store yet: tiles were built live, and there is nothing to download
    assert_problem(client.get("/download/tiles.pmtiles"), 404, "tile_archive_not_built")
    close_store(app)


@pytest.fixture(scope="module")
def stored(
    built: tilearchive.TileArchive,
    loaded_db: tuple[str, list],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[str]:
    """The archive kept in the database (removed afterwards, so other modules build live)."""
    url = loaded_db[0]
    copy = tmp_path_factory.mktemp("upload") / "copy.pmtiles"
    shutil.copyfile(built.path, copy)
    store = PostgisStore(url)
    store.save_tile_archive(built.token, copy)
    store.close()
    yield built.token
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DELETE FROM tile_archive")


@pytest.fixture(scope="module")
def archive_app(stored: str, loaded_db: tuple[str, list], tmp_path_factory) -> Iterator[Flask]:  # type: ignore[no-untyped-def]
    app = new_app(loaded_db[0], tmp_path_factory.mktemp("data"), SHAREMAP_TILE_CACHE_SIZE=0)
    yield app
    close_store(app)


class CountingBuilds:
    """Counts the tiles the store builds live for an app."""

    def __init__(self, app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
        with app.app_context():
            store = current_store()
        self.calls: list[TileQuery] = []
        build = store.vector_tile

        def counted(query: TileQuery) -> bytes:
            self.calls.append(query)
            return build(query)

        monkeypatch.setattr(store, "vector_tile", counted)


def test_tiles_are_answered_from_the_archive(
    archive_app: Flask, built: tilearchive.TileArchive, monkeypatch: pytest.MonkeyPatch
) -> None:
    builds = CountingBuilds(archive_app, monkeypatch)
    client = archive_app.test_client()
    token = client.get("/tiles.json").get_json()["tiles"][0].split("?v=")[1]
    assert token == built.token
    for z in (5, 10, ZOOM):
        t = tile_for(*SEOUL, z)
        response = client.get(f"/tiles/{z}/{t.x}/{t.y}.mvt?v={token}")
        assert response.status_code == 200
        assert response.data == built.tile(z, t.x, t.y)
        assert "immutable" in response.headers["Cache-Control"]
        chosen = "public_toilets,regions"
        cut = client.get(f"/tiles/{z}/{t.x}/{t.y}.mvt?layers={chosen}")
        assert cut.data == tilearchive.keep_layers(built.tile(z, t.x, t.y), chosen.split(","))
        ogc = client.get(f"/collections/bike_stations/tiles/WebMercatorQuad/{z}/{t.y}/{t.x}")
        assert ogc.data == tilearchive.keep_layers(built.tile(z, t.x, t.y), ["bike_stations"])
    assert builds.calls == []
    # the subsets equal what the store builds for them
    versions = dict(tilearchive.archive_pins(built.versions))
    t = tile_for(*SEOUL, ZOOM)
    pins = (("public_toilets", versions["public_toilets"]), ("regions", versions["regions"]))
    with archive_app.app_context():
        live = current_store().vector_tile(TileQuery(t.z, t.x, t.y, pins, None))
    assert decoded(
        client.get(f"/tiles/{t.z}/{t.x}/{t.y}.mvt?layers=public_toilets,regions").data
    ) == (decoded(live))
    # deeper than the archive: built live
    deep = tile_for(*SEOUL, ZOOM + 2)
    assert client.get(f"/tiles/{deep.z}/{deep.x}/{deep.y}.mvt").status_code == 200
    assert [q.z for q in builds.calls[1:]] == [ZOOM + 2]


def test_new_archive_tiles_are_answered_before_flask(
    stored: str, archive_app: Flask, loaded_db: tuple[str, list], tmp_path: Path
) -> None:
    app = new_app(loaded_db[0], tmp_path)  # with the tile caches
    calls: list[dict[str, str]] = []
    view = app.view_functions["tiles.vector_tile"]
    app.view_functions["tiles.vector_tile"] = lambda **kw: calls.append(kw) or view(**kw)
    client, reference = app.test_client(), archive_app.test_client()
    centre = tile_for(*SEOUL, ZOOM)
    tiles = [Tile(centre.x + dx, centre.y, ZOOM) for dx in range(-3, 4)]
    for query, first in ((f"?v={stored}", 1), ("", 2)):
        for t in tiles[:3]:
            url = f"/tiles/{t.z}/{t.x}/{t.y}.mvt{query}"
            response, expected = client.get(url), reference.get(url)
            assert response.status_code == expected.status_code == 200
            assert response.data == expected.data
            assert sorted(response.headers.items()) == sorted(expected.headers.items())
        assert len(calls) == first  # only the first one of each query reached the view
        tiles = tiles[3:]
    deep = tile_for(*SEOUL, ZOOM + 1)
    assert client.get(f"/tiles/{deep.z}/{deep.x}/{deep.y}.mvt?v={stored}").status_code == 200
    subset = client.get(f"/tiles/{centre.z}/{centre.x}/{centre.y}.mvt?layers=regions")
    assert subset.status_code == 200 and len(calls) == 4
    close_store(app)


def test_the_archive_is_downloaded_with_byte_ranges(
    archive_app: Flask, built: tilearchive.TileArchive
) -> None:
    client: FlaskClient = archive_app.test_client()
    whole = client.get("/download/tiles.pmtiles")
    assert whole.status_code == 200
    assert whole.data == built.path.read_bytes()
    assert whole.headers["Content-Type"] == "application/vnd.pmtiles"
    assert whole.headers["Accept-Ranges"] == "bytes"
    assert whole.headers["ETag"] == f'"{built.token}"'
    assert f"sharemap-tiles-{built.token}.pmtiles" in whole.headers["Content-Disposition"]
    assert whole.headers["Access-Control-Allow-Origin"] == "*"
    part = client.get("/download/tiles.pmtiles", headers={"Range": "bytes=0-126"})
    assert part.status_code == 206
    assert part.data == whole.data[:127]
    assert part.headers["Content-Range"] == f"bytes 0-126/{len(whole.data)}"
    same = client.get(
        "/download/tiles.pmtiles", headers={"Range": "bytes=7-7", "If-Range": f'"{built.token}"'}
    )
    assert (same.status_code, same.data) == (206, b"\x03")  # PMTiles spec version 3
    changed = client.get(
        "/download/tiles.pmtiles", headers={"Range": "bytes=7-7", "If-Range": '"older"'}
    )
    assert changed.status_code == 200 and changed.data == whole.data
    unchanged = client.get("/download/tiles.pmtiles", headers={"If-None-Match": f'"{built.token}"'})
    assert unchanged.status_code == 304

    def get_bytes(offset: int, length: int) -> bytes:
        headers = {"Range": f"bytes={offset}-{offset + length - 1}"}
        return client.get("/download/tiles.pmtiles", headers=headers).data

    reader = Reader(get_bytes)  # what MapLibre's pmtiles protocol does, over HTTP ranges
    t = tile_for(*SEOUL, ZOOM)
    assert reader.get(t.z, t.x, t.y) == built.tile(t.z, t.x, t.y)
    assert reader.metadata()["sharemap"]["tileset_version"] == built.token


def test_the_archive_is_linked_and_documented(archive_app: Flask) -> None:
    client = archive_app.test_client()
    assert client.get("/tiles.json").get_json()["pmtiles"].endswith("/download/tiles.pmtiles")
    links = client.get("/collections?f=json").get_json()["links"]
    (enclosure,) = [link for link in links if link["rel"] == "enclosure"]
    assert enclosure["type"] == "application/vnd.pmtiles"
    assert enclosure["href"].endswith("/download/tiles.pmtiles")
    paths = client.get("/openapi.json").get_json()["paths"]
    assert "206" in paths["/download/tiles.pmtiles"]["get"]["responses"]
    assert tileset.MAX_ZOOM == client.get("/tiles.json").get_json()["maxzoom"] == 16
