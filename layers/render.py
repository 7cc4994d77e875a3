"""Raster tiles: a layer's points and counted clusters drawn with Pillow on a transparent
256-pixel tile (512 at @2x), in the layer's colour with its icon, to overlay any base map."""

from __future__ import annotations

import io
import math
from collections.abc import Iterable
from functools import cache

from PIL import Image, ImageDraw, ImageFont

from geo.tiles import EXTENT
from layers.spec import Icon, LayerSpec
from layers.store.base import TilePoint

TILE_PX = 256
POINT_RADIUS_PX = 7.0
MAX_CLUSTER_RADIUS_PX = 17.0  # a 32-pixel cluster cell holds the largest circle
# Pillow draws without anti-aliasing: draw on a canvas this many times larger, then reduce.
CANVAS_PX = 1024
WHITE = (255, 255, 255, 255)


def margin_px() -> float:
    """How far outside a tile a marker can reach, in 256-pixel tile pixels."""
    return MAX_CLUSTER_RADIUS_PX + 2


def margin_units() -> float:
    """margin_px in tile units (geo.tiles.EXTENT per tile side): what to ask the store for."""
    return margin_px() * EXTENT / TILE_PX


def cluster_radius_px(count: int) -> float:
    if count <= 1:
        return POINT_RADIUS_PX
    return min(MAX_CLUSTER_RADIUS_PX, 8.0 + 1.5 * math.log2(count))


def count_label(count: int) -> str:
    """1234 → "1.2k", 9999 → "9.9k", 23456 → "23k": thousands rounded down, so that no label
    overstates its count or reads "10.0k"."""
    if count < 1000:
        return str(count)
    if count < 10000:
        return f"{count // 100 / 10}k"
    return f"{count // 1000}k"


def render_png(
    points: Iterable[TilePoint], spec: LayerSpec, *, scale: int = 1, extent: int = EXTENT
) -> bytes:
    """A PNG tile of `points` (tile units, y down, possibly outside the tile by a margin)."""
    ordered = sorted(points, key=lambda p: (p.count, p.py, p.px))
    if not ordered:
        return empty_png(scale)
    canvas = Image.new("RGBA", (CANVAS_PX, CANVAS_PX), (0, 0, 0, 0))
    draw = ImageDraw.Draw(canvas)
    k = CANVAS_PX / TILE_PX  # canvas pixels per 256-tile pixel
    fill = _rgba(spec.colour)
    for p in ordered:
        cx, cy = p.px / extent * CANVAS_PX, p.py / extent * CANVAS_PX
        r = cluster_radius_px(p.count) * k
        outline = (1.5 if p.count == 1 else 2.0) * k
        draw.ellipse(
            (cx - r, cy - r, cx + r, cy + r), fill=fill, outline=WHITE, width=round(outline)
        )
        if p.count > 1:
            label = count_label(p.count)
            font = _font(round(min(r * 0.9, r * 2.6 / max(len(label), 2))))
            draw.text((cx, cy), label, fill=WHITE, font=font, anchor="mm")
        else:
            draw_icon(draw, spec.icon, cx, cy, r * 0.62, k)
    size = TILE_PX * scale
    out = canvas.resize((size, size), Image.Resampling.BOX)
    return _png(out)


@cache
def empty_png(scale: int = 1) -> bytes:
    size = TILE_PX * scale
    return _png(Image.new("RGBA", (size, size), (0, 0, 0, 0)))


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=6)
    return buffer.getvalue()


def _rgba(colour: str) -> tuple[int, int, int, int]:
    value = colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16), 235


@cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=max(size, 8))


# -- icons: a layer's white pictogram (LayerSpec.icon) inside a point marker ---------------


def draw_icon(
    draw: ImageDraw.ImageDraw, icon: Icon, x: float, y: float, s: float, k: float
) -> None:
    """Draw `icon`'s shapes centred on (x, y) in a box of half-width `s` canvas pixels; `k`
    canvas pixels make one tile pixel (line widths are in tile pixels)."""
    for shape in icon.shapes:
        pts = [
            (x + s * px, y + s * py)
            for px, py in zip(shape.points[::2], shape.points[1::2], strict=True)
        ]
        width = max(1, round(shape.width * k))
        if shape.kind == "ellipse" or shape.kind == "rectangle":
            box = (pts[0][0], pts[0][1], pts[1][0], pts[1][1])
            paint = draw.ellipse if shape.kind == "ellipse" else draw.rectangle
            if shape.width:
                paint(box, outline=WHITE, width=width)
            else:
                paint(box, fill=WHITE)
        elif shape.kind == "polygon":
            draw.polygon(pts, fill=WHITE)
        elif shape.kind == "line":
            draw.line(pts, fill=WHITE, width=width)
        else:
            draw.text(
                (x, y), shape.text, fill=WHITE, font=_font(round(s * shape.size)), anchor="mm"
            )
