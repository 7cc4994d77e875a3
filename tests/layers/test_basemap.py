"""The default base map's tiles: land inside the regions, boundaries drawn where they run."""

from __future__ import annotations

import io

import shapely
from PIL import Image

from geo.tiles import tile_for, tile_pixel
from layers.basemap import LAND, OUTSIDE, SIDO_LINE, BaseMap, outside_png
from layers.record import Region


def region(code: str, sido: str, x: float, y: float, size: float) -> Region:
    box = shapely.MultiPolygon([shapely.box(x, y, x + size, y + size)])
    return Region(code, sido, "구", shapely.to_wkb(box))


def rgb(png: bytes) -> Image.Image:
    return Image.open(io.BytesIO(png)).convert("RGB")


def near(colour: tuple[int, int, int], target: tuple[int, int, int], slack: int = 12) -> bool:
    return all(abs(a - b) <= slack for a, b in zip(colour, target, strict=True))


def test_a_tile_inside_a_region_is_land_and_its_edge_is_drawn() -> None:
    basemap = BaseMap([region("11110", "서울특별시", 126.95, 37.55, 0.05)])
    z = 13
    tile = tile_for(126.975, 37.575, z)
    image = rgb(basemap.tile(z, tile.x, tile.y))
    assert image.size == (256, 256)
    px, py = tile_pixel(126.975, 37.575, tile, 256)
    assert near(image.getpixel((int(px), int(py))), LAND)
    # the west edge (lon 126.95) crosses the zoom-12 tile: a dark sido line is drawn there
    z12 = tile_for(126.95, 37.575, 12)
    edge = rgb(basemap.tile(12, z12.x, z12.y))
    ex, ey = tile_pixel(126.95, 37.575, z12, 256)
    column = [edge.getpixel((min(255, max(0, int(ex) + dx)), int(ey))) for dx in (-1, 0, 1)]
    assert any(near(c, SIDO_LINE, 40) for c in column), column
    assert near(edge.getpixel((max(0, int(ex) - 20), int(ey))), OUTSIDE)


def test_a_tile_without_regions_is_the_plain_outside_tile() -> None:
    basemap = BaseMap([region("11110", "서울특별시", 126.95, 37.55, 0.05)])
    far = tile_for(129.0, 35.1, 10)
    assert basemap.tile(10, far.x, far.y) == outside_png()
    assert rgb(outside_png()).getcolors() == [(256 * 256, OUTSIDE)]
