"""Tiles from the embedded store's memory: the points, clusters and MVT layers the PostGIS store
builds in SQL (postgis/queries.py: vector_tile, tile_points), with the same pixel formula,
windows, grid and attribute typing."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import mapbox_vector_tile
import numpy as np
import shapely

from geo.tiles import (
    EXTENT,
    HALF_WORLD_M,
    MAX_LAT,
    Tile,
    buffered_bounds,
    cell_size,
    xy_bounds,
)
from layers import fields, tileset
from layers.record import Region
from layers.store.base import TilePoint
from layers.store.embedded.memory import LayerIndex, jsonb_text

_MVT_OPTIONS = {"y_coord_down": True, "extents": EXTENT}
# the common attributes of every unclustered point (as postgis/queries.py selects them)
_TILE_COMMON = tuple(f.name for f in fields.TILE_FIELDS)


@dataclass(frozen=True)
class Pixels:
    """The points of a layer inside a tile's pixel window: record positions and tile pixels."""

    positions: np.ndarray
    px: np.ndarray
    py: np.ndarray


class RegionsIndex:
    """The sigungu polygons of one regions version, with their lon/lat bounds."""

    def __init__(self, version_id: int, regions: list[Region]) -> None:
        self.version_id = version_id
        self.regions = regions
        self.geometries = shapely.from_wkb([r.wkb for r in regions])
        self.bounds = shapely.bounds(self.geometries).reshape(-1, 4)


def pixels(layer: LayerIndex, tile: Tile, margin: float) -> Pixels:
    """Points with lo <= px, py < hi for the window [-margin, EXTENT + margin)."""
    box = buffered_bounds(tile, max(margin, tileset.REGION_BUFFER))
    positions = np.flatnonzero(layer.in_bbox(box)) if len(layer) else np.zeros(0, dtype=np.int64)
    world = float(EXTENT * 2**tile.z)
    lons, lats = layer.lons[positions], layer.lats[positions]
    # queries._TILE_PX / _TILE_PY, operation for operation
    px = (lons + 180.0) / 360.0 * world - float(tile.x * EXTENT)
    py = (0.5 - np.log(np.tan(np.pi / 4 + np.radians(lats) / 2)) / (2 * np.pi)) * world - float(
        tile.y * EXTENT
    )
    lo, hi = -margin, EXTENT + margin
    keep = (px >= lo) & (px < hi) & (py >= lo) & (py < hi)
    return Pixels(positions[keep], px[keep], py[keep])


def clusters(p: Pixels, cells: int) -> list[tuple[np.ndarray, float, float]]:
    """(positions, mean px, mean py) of each non-empty grid cell, by row then column."""
    size = float(cell_size(cells))
    if len(p.positions) == 0:
        return []
    cell = np.column_stack([np.floor(p.py / size), np.floor(p.px / size)])
    keys, inverse = np.unique(cell, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    out = []
    for k in range(len(keys)):
        members = np.flatnonzero(inverse == k)
        out.append((p.positions[members], float(p.px[members].mean()), float(p.py[members].mean())))
    return out


def points_layer(layer_id: str, layer: LayerIndex, tile: Tile, cells: int | None) -> list[dict]:
    """The MVT features of a point layer (unclustered: with POINT_BUFFER; clustered: none)."""
    if cells is not None:
        features = []
        for positions, mean_px, mean_py in clusters(pixels(layer, tile, 0.0), cells):
            properties: dict[str, Any] = {"count": len(positions)}
            if len(positions) == 1:
                record = layer.records[int(positions[0])]
                properties.update(id=record.id, name=record.name)
            features.append(_point(math.floor(mean_px), math.floor(mean_py), properties))
        return features
    attrs = [(f.name, f.type) for f in tileset.layer_fields(layer_id)]
    p = pixels(layer, tile, float(tileset.POINT_BUFFER))
    features = []
    for i, x, y in zip(p.positions.tolist(), p.px.tolist(), p.py.tolist(), strict=True):
        record = layer.records[i]
        properties = {name: getattr(record, name) for name in _TILE_COMMON}
        for name, type_ in attrs:
            value = typed(record.props.get(name), type_)
            if value is not None:
                properties[name] = value
        features.append(_point(round(x), round(y), properties))
    return features


def typed(value: Any, type_: str) -> Any:
    """A props value as queries._prop reads it: a value of another JSON type is null."""
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if type_ == "int":
        if not number:
            return None
        return int(Decimal(repr(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if type_ == "float":
        return float(value) if number else None
    if type_ == "bool":
        return value if isinstance(value, bool) else None
    return jsonb_text(value)


def regions_layer(regions: RegionsIndex, tile: Tile) -> list[dict]:
    """Sigungu polygons clipped to the tile plus tileset.REGION_BUFFER, simplified to 1 unit."""
    west, south, east, north = buffered_bounds(tile, tileset.REGION_BUFFER)
    b = regions.bounds
    hits = np.flatnonzero(
        (b[:, 0] <= east) & (b[:, 2] >= west) & (b[:, 1] <= north) & (b[:, 3] >= south)
    )
    if len(hits) == 0:
        return []
    tolerance = 360.0 / 2**tile.z / EXTENT
    geoms = shapely.clip_by_rect(regions.geometries[hits], west, south, east, north)
    geoms = shapely.simplify(geoms, tolerance, preserve_topology=True)
    min_x, _min_y, max_x, max_y = xy_bounds(tile)
    scale = EXTENT / (max_x - min_x)

    def to_pixels(lonlat: np.ndarray) -> np.ndarray:
        lon, lat = lonlat[:, 0], np.clip(lonlat[:, 1], -MAX_LAT, MAX_LAT)
        x = np.radians(lon) * (HALF_WORLD_M / math.pi)
        y = np.log(np.tan(np.pi / 4 + np.radians(lat) / 2)) * (HALF_WORLD_M / math.pi)
        return np.column_stack([(x - min_x) * scale, (max_y - y) * scale])

    geoms = shapely.transform(geoms, to_pixels)
    lo, hi = -tileset.REGION_BUFFER, EXTENT + tileset.REGION_BUFFER
    geoms = shapely.set_precision(shapely.clip_by_rect(geoms, lo, lo, hi, hi), 1.0)
    features = []
    for i, geom in zip(hits.tolist(), geoms, strict=True):
        if geom is None or geom.is_empty or geom.area == 0:
            continue
        region = regions.regions[i]
        properties = {"code": region.code, "name": region.sigungu, "sido": region.sido}
        features.append({"geometry": geom, "properties": properties})
    return features


def encode(layers: Sequence[tuple[str, list[dict]]]) -> bytes:
    """One MVT of the layers that have features, in order; b"" when none has any."""
    present = [{"name": name, "features": features} for name, features in layers if features]
    if not present:
        return b""
    return bytes(mapbox_vector_tile.encode(present, default_options=_MVT_OPTIONS))


def tile_points(
    layer_id: str, layer: LayerIndex, tile: Tile, cells: int | None, margin: float
) -> list[TilePoint]:
    if cells is None:
        p = pixels(layer, tile, margin)
        return [
            TilePoint(layer_id, x, y, 1) for x, y in zip(p.px.tolist(), p.py.tolist(), strict=True)
        ]
    # whole grid cells: those of the neighbouring tiles that reach into the margin
    size = cell_size(cells)
    margin = math.ceil(margin / size) * size
    return [
        TilePoint(layer_id, mean_px, mean_py, len(positions))
        for positions, mean_px, mean_py in clusters(pixels(layer, tile, float(margin)), cells)
    ]


def _point(x: int, y: int, properties: dict[str, Any]) -> dict[str, Any]:
    return {"geometry": shapely.Point(x, y), "properties": properties}
