"""Tile archives on both stores: every tile read back equals the store's own vector_tile, no
tile with data is left out, a `?layers=` cut equals the subset built live, and the stores keep
the newest archives only."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import mapbox_vector_tile
import numpy as np
import psycopg
import pytest
import shapely
from pmtiles.tile import tileid_to_zxy as one_tileid_to_zxy
from pmtiles.tile import zxy_to_tileid

from geo.tiles import Tile, tile_for
from layers import tilearchive, tileset
from layers.record import Region
from layers.store import Store
from layers.store.base import TileQuery
from tests.layers.store.synthetic import synthetic

MAX_ZOOM = 13


@pytest.fixture(params=[pytest.param("postgis", marks=pytest.mark.postgis), "embedded"])
def store(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Store]:
    if request.param == "postgis":
        from layers.store import postgis
        from layers.store.postgis import PostgisStore

        monkeypatch.setattr(postgis, "ARCHIVE_PIECE_BYTES", 4096)  # the local copy in pieces

        opened: Store = PostgisStore(
            request.getfixturevalue("empty_db"), archive_dir=tmp_path / "copies"
        )
    else:
        from layers.store.embedded import EmbeddedStore

        opened = EmbeddedStore(tmp_path / "store")
    load(opened, "v1")
    yield opened
    opened.close()


def load(store: Store, version: str, n: int = 300) -> None:
    square = shapely.box(126.95, 37.52, 127.05, 37.58)
    store.replace_regions(
        [Region(code="11110", sido="서울특별시", sigungu="종로구", wkb=shapely.to_wkb(square))],
        data_version="r1",
    )
    for k, layer in enumerate(("bike_stations", "public_toilets")):
        rows = [
            replace(r, props={"racks": i % 7, "open_24h": i % 2 == 0})
            for i, r in enumerate(synthetic(layer, n, seed=k + len(version)))
        ]
        store.replace_layer(layer, rows, data_version=f"{layer}-{version}")


def decoded(tile: bytes) -> dict[str, list[str]]:
    """A tile's layers and features, in a canonical order: PostGIS may group a clustered
    tile's rows in another order from one plan to the next."""
    layers = mapbox_vector_tile.decode(tile, default_options={"y_coord_down": True})
    return {
        name: sorted(json.dumps(f, sort_keys=True, ensure_ascii=False) for f in layer["features"])
        for name, layer in layers.items()
    }


def live(store: Store, tile: Tile, pins: tilearchive.Pins) -> bytes:
    return store.vector_tile(TileQuery(tile.z, tile.x, tile.y, pins, tileset.cluster_cells(tile.z)))


def test_every_tile_reads_back_as_the_store_builds_it(store: Store) -> None:
    result = tilearchive.build_into_store(store, max_zoom=MAX_ZOOM)
    assert result is not None and result.tiles > 50
    assert store.has_tile_archive(result.token)
    assert result.token == tilearchive.archive_token(store.versions())
    path = store.tile_archive(result.token)
    assert path is not None
    archive = tilearchive.TileArchive(path)
    assert archive.token == result.token and archive.max_zoom == MAX_ZOOM
    assert archive.tiles == result.tiles
    pins = tilearchive.archive_pins(store.versions())
    assert archive.holds(pins) and not archive.holds((("bike_stations", "other"),))
    assert [layer for layer, _ in pins] == ["regions", "bike_stations", "public_toilets"]
    held = set()
    for tile in archive.addresses():
        held.add(tile)
        body = archive.tile(tile.z, tile.x, tile.y)
        assert body and decoded(body) == decoded(live(store, tile, pins)), tile
    # every tile around the data that is not in the archive is empty
    rnd = random.Random(5)
    for z in (3, 9, 12, MAX_ZOOM):
        centre = tile_for(127.0, 37.55, z)
        for dx in range(-3, 4):
            for dy in range(-3, 4):
                tile = Tile(centre.x + dx, centre.y + dy, z)
                if tile not in held and rnd.random() < 0.5:
                    assert live(store, tile, pins) == b"", tile
                    assert archive.tile(tile.z, tile.x, tile.y) == b""
    archive.close()


def test_a_layers_cut_is_the_subset_built_live(store: Store) -> None:
    pins = tilearchive.archive_pins(store.versions())
    by_id = dict(pins)
    for z in (10, 14):
        tile = tile_for(127.0, 37.55, z)
        whole = live(store, tile, pins)
        for chosen in (("public_toilets",), ("public_toilets", "regions"), ("campsites",)):
            subset = tuple((layer, by_id[layer]) for layer in chosen if layer in by_id)
            cut = tilearchive.keep_layers(whole, chosen)
            assert decoded(cut) == decoded(live(store, tile, subset))
            assert list(decoded(cut)) == [layer for layer in chosen if decoded(cut).get(layer)]
    assert tilearchive.keep_layers(b"", ("regions",)) == b""


def test_the_store_keeps_the_newest_archives(store: Store) -> None:
    tokens = []
    for version in ("v2", "v3", "v4", "v5"):
        load(store, version, n=20)
        result = tilearchive.build_into_store(store, max_zoom=6)
        assert result is not None
        tokens.append(result.token)
    assert len(set(tokens)) == 4
    assert not store.has_tile_archive(tokens[0])
    assert store.tile_archive(tokens[0]) is None
    for token in tokens[1:]:
        assert store.has_tile_archive(token)


def test_nothing_is_built_for_an_empty_store(tmp_path: Path) -> None:
    from layers.store.embedded import EmbeddedStore

    empty = EmbeddedStore(tmp_path / "store")
    assert tilearchive.build_into_store(empty) is None
    assert list((tmp_path / "store").glob("*.pmtiles")) == []


@pytest.mark.postgis
def test_the_reader_role_reads_archives(empty_db: str, tmp_path: Path) -> None:
    from layers.store.postgis import PostgisStore

    store = PostgisStore(empty_db, archive_dir=tmp_path)
    load(store, "v1", n=30)
    result = tilearchive.build_into_store(store, max_zoom=5)
    store.close()
    assert result is not None
    reader_url = psycopg.conninfo.make_conninfo(empty_db, user="sharemap_reader")
    with psycopg.connect(reader_url) as conn:
        (size,) = conn.execute(
            "SELECT length(archive) FROM tile_archive WHERE tileset_version = %s",
            (result.token,),
        ).fetchone()  # type: ignore[misc]
    assert size == result.size_bytes


def test_tile_ids_decode_as_pmtiles_does() -> None:
    rnd = random.Random(1)
    tiles = [(0, 0, 0), (1, 1, 0), (14, 13970, 6344)]
    tiles += [(z, rnd.randrange(2**z), rnd.randrange(2**z)) for z in range(15) for _ in range(40)]
    ids = np.array([zxy_to_tileid(*t) for t in tiles])
    z, x, y = tilearchive.tileid_to_zxy(ids)
    assert list(zip(z.tolist(), x.tolist(), y.tolist(), strict=True)) == tiles
    assert [one_tileid_to_zxy(int(i)) for i in ids] == tiles
