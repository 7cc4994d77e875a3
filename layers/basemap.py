"""The default base map: the sigungu and sido boundaries of the regions table drawn with Pillow as
256-pixel PNG tiles, for map clients that draw no vector tiles (Leaflet on /near and /embed).

Land inside South Korea is light, everything else a neutral grey (the table holds no sea, no
neighbouring countries and no names: no CJK font can be assumed on the server).
"""

from __future__ import annotations

import io
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import cache

import numpy as np
import shapely
from PIL import Image, ImageDraw

from geo.crs import from_wgs84
from geo.tiles import Tile, tile_size_m, xy_bounds
from layers.record import Region

TILE_PX = 256
SUPERSAMPLE = 2  # drawn at 512 px and reduced: Pillow draws lines without anti-aliasing
OUTSIDE = (226, 230, 234)
LAND = (250, 249, 245)
SIGUNGU_LINE = (170, 174, 182)
SIDO_LINE = (112, 118, 128)
SIGUNGU_MIN_ZOOM = 7  # below this the sigungu lines are a grey smear
# deeper zooms draw the stored geometry as it is (it is already a simplified source)
SIMPLIFY_MAX_ZOOM = 12
_WEB_MERCATOR = 3857


class BaseMap:
    """The boundaries in Web Mercator metres with a spatial index; `tile` draws one tile."""

    def __init__(self, regions: Iterable[Region]) -> None:
        by_sido: dict[str, list[shapely.Geometry]] = defaultdict(list)
        for r in regions:
            by_sido[r.sido].append(_to_mercator(shapely.from_wkb(r.wkb)))
        self.sigungu = np.array([g for gs in by_sido.values() for g in gs], dtype=object)
        self.sido = np.array([shapely.union_all(gs) for gs in by_sido.values()], dtype=object)
        self._trees = (shapely.STRtree(self.sigungu), shapely.STRtree(self.sido))
        self._simplified: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._lock = threading.Lock()

    def tile(self, z: int, x: int, y: int) -> bytes:
        min_x, min_y, max_x, max_y = xy_bounds(Tile(x, y, z))
        pad = (max_x - min_x) / TILE_PX * 4  # lines drawn across the edge reach into the tile
        window = shapely.box(min_x - pad, min_y - pad, max_x + pad, max_y + pad)
        sigungu_tree, sido_tree = self._trees
        hit_sigungu = sigungu_tree.query(window, predicate="intersects")
        if len(hit_sigungu) == 0:
            return outside_png()
        sigungu, sido = self._geometries(z)
        hit_sido = sido_tree.query(window, predicate="intersects")
        size = TILE_PX * SUPERSAMPLE
        scale = size / (max_x - min_x)

        def pixels(coords: np.ndarray) -> list[tuple[float, float]]:
            px = (coords[:, 0] - min_x) * scale
            py = (max_y - coords[:, 1]) * scale
            return list(zip(px.tolist(), py.tolist(), strict=True))

        canvas = Image.new("RGB", (size, size), OUTSIDE)
        draw = ImageDraw.Draw(canvas)
        clipped = [shapely.clip_by_rect(g, *window.bounds) for g in sigungu[hit_sigungu]]
        for polygon in _polygons(clipped):
            ring = pixels(shapely.get_coordinates(polygon.exterior))
            if len(ring) >= 3:
                draw.polygon(ring, fill=LAND)
        if z >= SIGUNGU_MIN_ZOOM:
            _lines(draw, clipped, pixels, SIGUNGU_LINE, 1)
        _lines(
            draw,
            [shapely.clip_by_rect(g, *window.bounds) for g in sido[hit_sido]],
            pixels,
            SIDO_LINE,
            2 if z >= SIGUNGU_MIN_ZOOM else 1,
        )
        return _png(canvas.resize((TILE_PX, TILE_PX), Image.Resampling.LANCZOS))

    def _geometries(self, z: int) -> tuple[np.ndarray, np.ndarray]:
        """The geometries simplified to a quarter pixel at zoom `z` (as stored beyond
        SIMPLIFY_MAX_ZOOM)."""
        if z > SIMPLIFY_MAX_ZOOM:
            return self.sigungu, self.sido
        with self._lock:
            found = self._simplified.get(z)
            if found is None:
                tolerance = tile_size_m(z) / TILE_PX / 4
                found = (
                    shapely.simplify(self.sigungu, tolerance, preserve_topology=True),
                    shapely.simplify(self.sido, tolerance, preserve_topology=True),
                )
                self._simplified[z] = found
            return found


def _to_mercator(geometry: shapely.Geometry) -> shapely.Geometry:
    def project(coords: np.ndarray) -> np.ndarray:
        x, y = from_wgs84(coords[:, 0], coords[:, 1], _WEB_MERCATOR)
        return np.column_stack([x, y])

    return shapely.transform(geometry, project)


def _polygons(geometries: Sequence[shapely.Geometry]) -> Iterator[shapely.Polygon]:
    for g in geometries:
        for part in shapely.get_parts(g):
            if isinstance(part, shapely.Polygon) and not part.is_empty:
                yield part


def _lines(
    draw: ImageDraw.ImageDraw,
    geometries: Sequence[shapely.Geometry],
    pixels: Callable[[np.ndarray], list[tuple[float, float]]],
    colour: tuple[int, int, int],
    width_px: int,
) -> None:
    for polygon in _polygons(geometries):
        for ring in (polygon.exterior, *polygon.interiors):
            points = pixels(shapely.get_coordinates(ring))
            if len(points) >= 2:
                draw.line(points, fill=colour, width=width_px * SUPERSAMPLE, joint="curve")


@cache
def outside_png() -> bytes:
    """A tile with no region in it."""
    return _png(Image.new("RGB", (TILE_PX, TILE_PX), OUTSIDE))


def _png(image: Image.Image) -> bytes:
    # a few dozen colours: a palette PNG is a fraction of the RGB one
    paletted = image.quantize(colors=32, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    buffer = io.BytesIO()
    paletted.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()
