"""What the map tiles hold: each layer's tile attributes, the zoom range and the cluster grid.

Both stores, the raster renderer and the app read these, so that every tile agrees.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from layers import fields, registry
from layers.bilingual import Bilingual

REGIONS = "regions"  # the sigungu boundaries layer, the default base map
REGIONS_TITLE = Bilingual("시군구 경계 (2022)", "Sigungu boundaries (2022)")

MIN_ZOOM = 0
MAX_ZOOM = 16  # TileJSON maxzoom: deeper views overzoom the z16 tiles
# Below this zoom points are clustered on a grid aligned to the tile. Measured with
# bench/tiles/sizes.py on the real files: the densest unclustered tile (central Seoul) is
# 1.05 MB at z10, 530 KB at z11 and 203 KB at z12, so z12 is the first that stays < 500 KB.
CLUSTER_BELOW_ZOOM = 12
# Cells per tile side. MapLibre draws a vector tile 512 px wide and a raster tile is 256 px,
# so both make 32-pixel cells on screen.
MVT_CLUSTER_CELLS = 16
PNG_CLUSTER_CELLS = 8
POINT_BUFFER = 64  # MVT units (of 4096) of unclustered points kept outside the tile edge
REGION_BUFFER = 64  # MVT units of region polygon kept outside the tile, as ST_AsMVTGeom's default

TileType = Literal["int", "float", "bool", "text"]
_COMMON_TILE_TYPES: dict[fields.FieldType, TileType] = {"text": "text", "bool": "bool"}


@dataclass(frozen=True)
class TileField:
    name: str
    type: TileType
    description: str


# The common attributes of an unclustered point (layers.fields), then the few layer fields a
# map needs.
COMMON_TILE_FIELDS: tuple[TileField, ...] = tuple(
    TileField(f.name, _COMMON_TILE_TYPES[f.type], f.description) for f in fields.TILE_FIELDS
)
CLUSTER_FIELDS: tuple[TileField, ...] = (
    TileField("count", "int", "Points in this grid cell (1: also id and name)"),
)
REGION_FIELDS: tuple[TileField, ...] = (
    TileField("code", "text", "Sigungu code"),
    TileField("name", "text", "Sigungu (시군구)"),
    TileField("sido", "text", "Province (시도)"),
)
_TILE_TYPES: dict[str, TileType] = {
    "int": "int",
    "float": "float",
    "bool": "bool",
    "text": "text",
    "date": "text",
}


def layer_fields(layer_id: str) -> tuple[TileField, ...]:
    """The layer-specific attributes of an unclustered point (LayerSpec.tile_fields), with
    the types the layer spec gives them."""
    spec = registry.get(layer_id)
    by_name = {f.name: f for f in spec.fields}
    return tuple(
        TileField(name, _TILE_TYPES[by_name[name].type], by_name[name].label.en)
        for name in spec.tile_fields
    )


def point_fields(layer_id: str) -> tuple[TileField, ...]:
    """Every attribute a point of the layer may carry, over all zooms."""
    return COMMON_TILE_FIELDS + layer_fields(layer_id) + CLUSTER_FIELDS


def cluster_cells(z: int, raster: bool = False) -> int | None:
    """Cells per tile side for clustering at zoom `z`, or None when points are not clustered."""
    if z >= CLUSTER_BELOW_ZOOM:
        return None
    return PNG_CLUSTER_CELLS if raster else MVT_CLUSTER_CELLS


# Bump when the bytes of a tile change for the same data (SQL, tileset, renderer), so that
# ETags, `?v=` tokens and tile archives change with them.
TILES_REVISION = "1"
_FIELD_TYPES = {"int": "Number", "float": "Number", "bool": "Boolean", "text": "String"}


@lru_cache(maxsize=1024)
def version_token(pinned: tuple[tuple[str, str], ...]) -> str:
    """The `?v=` of URLs of tiles holding these (layer, data_version) pairs: it changes when any
    of them is reloaded. The token of every layer is the tileset version of a tile archive."""
    text = ";".join(f"{layer}={version}" for layer, version in sorted(pinned))
    return hashlib.sha256(f"{TILES_REVISION};{text}".encode()).hexdigest()[:16]


def vector_layer(layer_id: str) -> dict[str, Any]:
    """A TileJSON `vector_layers` entry (also in a tile archive's metadata)."""
    if layer_id == REGIONS:
        attrs = REGION_FIELDS
        description = REGIONS_TITLE.both()
    else:
        spec = registry.get(layer_id)
        attrs = point_fields(layer_id)
        description = spec.title.both()
    return {
        "id": layer_id,
        "description": description,
        "minzoom": MIN_ZOOM,
        "maxzoom": MAX_ZOOM,
        "fields": {f.name: _FIELD_TYPES[f.type] for f in attrs},
    }
