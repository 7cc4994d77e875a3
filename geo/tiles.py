"""XYZ Web Mercator tile math: tile bounds in EPSG:3857 and lon/lat, lon/lat ↔ tile pixels, and
the cluster grid that divides a tile exactly.

Spherical Mercator in closed form (as mercantile does); tests check it against pyproj's
EPSG:3857. Tile pixels are in MVT units (`extent` per tile side), x to the east, y downward.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

MAX_ZOOM = 22
EXTENT = 4096  # MVT coordinate units per tile side
EARTH_RADIUS_M = 6378137.0
HALF_WORLD_M = math.pi * EARTH_RADIUS_M  # 20037508.342789244: the Mercator x of lon 180
MAX_LAT = 85.0511287798066  # the latitude of the square world's north edge

Bounds = tuple[float, float, float, float]  # west/min_x, south/min_y, east/max_x, north/max_y


class Tile(NamedTuple):
    x: int
    y: int
    z: int


@dataclass(frozen=True)
class Cluster:
    """Points of one grid cell: their mean tile pixel and how many there are."""

    px: float
    py: float
    count: int


def is_valid(x: int, y: int, z: int) -> bool:
    """True for a tile that exists: 0 ≤ z ≤ MAX_ZOOM and 0 ≤ x, y < 2**z."""
    return 0 <= z <= MAX_ZOOM and 0 <= x < 2**z and 0 <= y < 2**z


def mercator(lon: float, lat: float) -> tuple[float, float]:
    """EPSG:3857 metres of a WGS84 point (latitude clamped to the square world)."""
    lat = max(-MAX_LAT, min(MAX_LAT, lat))
    x = EARTH_RADIUS_M * math.radians(lon)
    y = EARTH_RADIUS_M * math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))
    return x, y


def lonlat(x: float, y: float) -> tuple[float, float]:
    """WGS84 lon/lat of EPSG:3857 metres."""
    lon = math.degrees(x / EARTH_RADIUS_M)
    lat = math.degrees(2 * math.atan(math.exp(y / EARTH_RADIUS_M)) - math.pi / 2)
    return lon, lat


def tile_size_m(z: int) -> float:
    return 2 * HALF_WORLD_M / 2**z


def xy_bounds(tile: Tile) -> Bounds:
    """The tile's EPSG:3857 bounds (min_x, min_y, max_x, max_y), as PostGIS ST_TileEnvelope."""
    size = tile_size_m(tile.z)
    min_x = -HALF_WORLD_M + tile.x * size
    max_y = HALF_WORLD_M - tile.y * size
    return min_x, max_y - size, min_x + size, max_y


def bounds(tile: Tile) -> Bounds:
    """The tile's lon/lat bounds (west, south, east, north)."""
    return buffered_bounds(tile, 0.0)


def buffered_bounds(tile: Tile, buffer: float, extent: int = EXTENT) -> Bounds:
    """Lon/lat bounds of the tile grown by `buffer` tile pixels on every side: what an index
    lookup must cover to find every point within that margin."""
    min_x, min_y, max_x, max_y = xy_bounds(tile)
    margin = buffer * (max_x - min_x) / extent
    west, south = lonlat(max(min_x - margin, -HALF_WORLD_M), max(min_y - margin, -HALF_WORLD_M))
    east, north = lonlat(min(max_x + margin, HALF_WORLD_M), min(max_y + margin, HALF_WORLD_M))
    return west, south, east, north


def world_pixel(lon: float, lat: float, z: int, extent: int = EXTENT) -> tuple[float, float]:
    """Pixel of a point in the whole zoom-`z` world, `extent` pixels per tile, y downward."""
    x_m, y_m = mercator(lon, lat)
    world = extent * 2**z
    return (x_m + HALF_WORLD_M) / (2 * HALF_WORLD_M) * world, (HALF_WORLD_M - y_m) / (
        2 * HALF_WORLD_M
    ) * world


def tile_pixel(lon: float, lat: float, tile: Tile, extent: int = EXTENT) -> tuple[float, float]:
    """Pixel of a point relative to the tile's top-left corner; inside the tile when both are in
    [0, extent)."""
    wx, wy = world_pixel(lon, lat, tile.z, extent)
    return wx - tile.x * extent, wy - tile.y * extent


def pixel_lonlat(px: float, py: float, tile: Tile, extent: int = EXTENT) -> tuple[float, float]:
    """The inverse of tile_pixel."""
    min_x, _min_y, max_x, max_y = xy_bounds(tile)
    size = max_x - min_x
    return lonlat(min_x + px / extent * size, max_y - py / extent * size)


def tile_for(lon: float, lat: float, z: int) -> Tile:
    """The tile at zoom `z` that holds a point (a point on an edge belongs to the tile east of
    it and south of it, as tile pixels are half-open)."""
    wx, wy = world_pixel(lon, lat, z, 1)
    last = 2**z - 1
    return Tile(min(max(math.floor(wx), 0), last), min(max(math.floor(wy), 0), last), z)


def tiles_in(bbox: Bounds, z: int) -> Iterator[Tile]:
    """Every zoom-`z` tile that intersects a lon/lat bbox, row by row."""
    top_left = tile_for(bbox[0], bbox[3], z)
    bottom_right = tile_for(bbox[2], bbox[1], z)
    for y in range(top_left.y, bottom_right.y + 1):
        for x in range(top_left.x, bottom_right.x + 1):
            yield Tile(x, y, z)


def cell_size(cells: int, extent: int = EXTENT) -> int:
    """Tile pixels per side of one cell of a `cells` × `cells` grid over the tile; the grid must
    divide the tile exactly so that each cell lies in one tile only and counts add up."""
    if cells < 1 or extent % cells or cells & (cells - 1):
        raise ValueError(f"{cells} cells per side do not divide a {extent}-pixel tile exactly")
    return extent // cells


def grid_cell(px: float, py: float, cells: int, extent: int = EXTENT) -> tuple[int, int]:
    """Column and row of the cell holding a tile pixel (may be outside 0..cells-1 for a pixel
    outside the tile)."""
    size = cell_size(cells, extent)
    return math.floor(px / size), math.floor(py / size)


def grid_clusters(
    pixels: Iterable[tuple[float, float]], cells: int, extent: int = EXTENT
) -> list[Cluster]:
    """Group tile pixels by grid cell, keeping only pixels inside the tile: one Cluster per
    non-empty cell at the mean of its pixels, ordered by row, then column."""
    sums: dict[tuple[int, int], list[float]] = {}
    for px, py in pixels:
        if not (0 <= px < extent and 0 <= py < extent):
            continue
        acc = sums.setdefault(grid_cell(px, py, cells, extent)[::-1], [0.0, 0.0, 0])
        acc[0] += px
        acc[1] += py
        acc[2] += 1
    return [Cluster(sx / n, sy / n, int(n)) for (_row, _col), (sx, sy, n) in sorted(sums.items())]
