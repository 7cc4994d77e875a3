"""Tiles from PostGIS: each tile is one statement (queries.vector_tile / queries.tile_points);
this module works out its parameters from the tile math and checks the version pins."""

from __future__ import annotations

import math
from typing import Any

from geo.tiles import EXTENT, Tile, buffered_bounds, cell_size
from layers import tileset
from layers.store.base import StaleVersion, TilePoint, TileQuery
from layers.store.postgis import queries as q
from layers.store.postgis.reader import Reader


def vector_tile(reader: Reader, query: TileQuery) -> bytes:
    clustered = query.cluster_cells is not None
    margin = 0.0 if clustered else float(tileset.POINT_BUFFER)
    layers = tuple(
        None if layer_id == tileset.REGIONS else _attrs(layer_id) for layer_id, _ in query.layers
    )
    if not layers:
        return b""
    ((mvt, pinned),) = reader.rows(q.vector_tile(layers, clustered), _params(query, margin))
    _check_pins(query, int(pinned))
    return bytes(mvt or b"")


def tile_points(reader: Reader, query: TileQuery, margin: float) -> list[TilePoint]:
    pins = tuple(pair for pair in query.layers if pair[0] != tileset.REGIONS)
    if not pins:
        return []
    pinned_query = TileQuery(query.z, query.x, query.y, pins, query.cluster_cells)
    if query.cluster_cells is not None:
        # whole grid cells: those of the neighbouring tiles that reach into the margin
        size = cell_size(query.cluster_cells)
        margin = math.ceil(margin / size) * size
    sql = q.tile_points(len(pins), query.cluster_cells is not None)
    rows = reader.rows(sql, _params(pinned_query, margin))
    _check_pins(pinned_query, int(rows[-1][3]))
    return [TilePoint(pins[i][0], float(px), float(py), int(n)) for i, px, py, n in rows[:-1]]


def _attrs(layer_id: str) -> tuple[tuple[str, str], ...]:
    return tuple((f.name, f.type) for f in tileset.layer_fields(layer_id))


def _params(query: TileQuery, margin: float) -> dict[str, Any]:
    tile = Tile(query.x, query.y, query.z)
    west, south, east, north = buffered_bounds(tile, max(margin, tileset.REGION_BUFFER))
    params: dict[str, Any] = {
        "z": query.z,
        "x": query.x,
        "y": query.y,
        "world": float(EXTENT * 2**query.z),
        "x0": float(query.x * EXTENT),
        "y0": float(query.y * EXTENT),
        "lo": -margin,
        "hi": EXTENT + margin,
        "cell": float(cell_size(query.cluster_cells or 1)),
        "west": west,
        "south": south,
        "east": east,
        "north": north,
        # half a pixel of a 512-pixel tile (4 MVT units), in degrees of longitude
        "tolerance": 4 * 360.0 / 2**query.z / EXTENT,
    }
    for i, (layer_id, data_version) in enumerate(query.layers):
        params[f"l{i}"] = layer_id
        params[f"d{i}"] = data_version
    return params


def _check_pins(query: TileQuery, pinned: int) -> None:
    if pinned != len({layer_id for layer_id, _ in query.layers}):
        raise StaleVersion(
            "a requested data version is no longer stored: "
            + ", ".join(f"{layer}@{version}" for layer, version in query.layers)
        )
