"""Documents that describe the tiles: TileJSON 3.0, the MapLibre style, and the OGC API - Tiles
tileset list and tileset metadata of a collection."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app import links, messages
from geo.tiles import Tile, tile_for
from layers import registry, tileset
from layers.store.base import LayerInfo

SEOUL = (126.978, 37.5665)  # where a map opens: the densest part of the data
WEB_MERCATOR_QUAD = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
EPSG_3857 = "http://www.opengis.net/def/crs/EPSG/0/3857"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
REL_TILING_SCHEME = "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme"
REL_GEODATA = "http://www.opengis.net/def/rel/ogc/1.0/geodata"
_SCHEMA_TYPES = {"int": "integer", "float": "number", "bool": "boolean", "text": "string"}
Bbox = tuple[float, float, float, float]


def union_bbox(infos: Sequence[LayerInfo | None]) -> Bbox | None:
    boxes = [info.bbox for info in infos if info is not None and info.bbox is not None]
    if not boxes:
        return None
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def attribution(layer_ids: Sequence[str]) -> str:
    publishers: list[str] = []
    for source in registry.sources():
        if source.default and source.layer in layer_ids and source.publisher not in publishers:
            publishers.append(source.publisher)
    licence = messages.LICENCE_TITLE.ko
    return (
        f"출처: {', '.join(publishers)} · "
        f'<a href="{messages.LICENCE_URL}" target="_blank" rel="noopener">{licence}</a>'
    )


def tilejson(
    base_url: str, layer_ids: Sequence[str], token: str, bbox: Bbox | None
) -> dict[str, Any]:
    """TileJSON 3.0.0 of the vector tiles of `layer_ids` (the loaded ones)."""
    west, south, east, north = bbox or (124.5, 33.0, 132.0, 38.7)
    return {
        "tilejson": "3.0.0",
        "name": messages.SERVICE_TITLE.ko,
        "description": messages.SERVICE_DESCRIPTION.ko,
        "attribution": attribution(layer_ids),
        "scheme": "xyz",
        "tiles": [f"{base_url}/tiles/{{z}}/{{x}}/{{y}}.mvt?v={token}"],
        # the same tiles (z0-z14, every layer) in one file, for static hosting: README says how
        "pmtiles": f"{base_url}{links.TILE_ARCHIVE_PATH}",
        "minzoom": tileset.MIN_ZOOM,
        "maxzoom": tileset.MAX_ZOOM,
        "bounds": [west, south, east, north],
        "center": [*SEOUL, 11],
        "vector_layers": [tileset.vector_layer(layer_id) for layer_id in layer_ids],
    }


def style(base_url: str, layer_ids: Sequence[str]) -> dict[str, Any]:
    """A MapLibre style: the sigungu base map and a circle layer per point layer, sized by the
    cluster count; no glyphs or sprites, so nothing is fetched from elsewhere."""
    layers: list[dict[str, Any]] = [
        {"id": "background", "type": "background", "paint": {"background-color": "#eef2f0"}}
    ]
    if tileset.REGIONS in layer_ids:
        layers += [
            {
                "id": "regions-fill",
                "type": "fill",
                "source": "sharemap",
                "source-layer": tileset.REGIONS,
                "paint": {"fill-color": "#fbfaf7"},
            },
            {
                "id": "regions-line",
                "type": "line",
                "source": "sharemap",
                "source-layer": tileset.REGIONS,
                "paint": {"line-color": "#9aa5a0", "line-width": 0.8},
            },
        ]
    count = ["coalesce", ["get", "count"], 1]
    for layer_id in layer_ids:
        if layer_id == tileset.REGIONS:
            continue
        layers.append(
            {
                "id": layer_id,
                "type": "circle",
                "source": "sharemap",
                "source-layer": layer_id,
                "paint": {
                    "circle-color": registry.get(layer_id).colour,
                    "circle-radius": [
                        "interpolate",
                        ["linear"],
                        count,
                        1,
                        4,
                        10,
                        8,
                        100,
                        12,
                        1000,
                        17,
                    ],
                    "circle-opacity": 0.85,
                    "circle-stroke-color": "#ffffff",
                    "circle-stroke-width": 1,
                },
            }
        )
    return {
        "version": 8,
        "name": messages.SERVICE_TITLE.ko,
        "center": list(SEOUL),
        "zoom": 11,
        "sources": {"sharemap": {"type": "vector", "url": f"{base_url}/tiles.json"}},
        "layers": layers,
    }


def ogc_tilesets(base_url: str, layer_id: str) -> dict[str, Any]:
    """/collections/{layer}/tiles: the one tileset of a collection."""
    here = f"{base_url}/collections/{layer_id}/tiles"
    return {
        "links": [
            {"rel": "self", "href": here, "type": "application/json"},
            {
                "rel": "collection",
                "href": f"{base_url}/collections/{layer_id}",
                "type": "application/json",
            },
        ],
        "tilesets": [
            {
                "title": _title(layer_id),
                "dataType": "vector",
                "crs": EPSG_3857,
                "tileMatrixSetURI": WEB_MERCATOR_QUAD,
                "links": [
                    {"rel": "self", "href": f"{here}/WebMercatorQuad", "type": "application/json"},
                    {
                        "rel": REL_TILING_SCHEME,
                        "href": WEB_MERCATOR_QUAD,
                        "type": "application/json",
                    },
                ],
            }
        ],
    }


def ogc_tileset(base_url: str, layer_id: str, token: str, bbox: Bbox | None) -> dict[str, Any]:
    """/collections/{layer}/tiles/WebMercatorQuad: the tileset metadata."""
    here = f"{base_url}/collections/{layer_id}/tiles/WebMercatorQuad"
    document: dict[str, Any] = {
        "title": _title(layer_id),
        "dataType": "vector",
        "crs": EPSG_3857,
        "tileMatrixSetURI": WEB_MERCATOR_QUAD,
        "links": [
            {"rel": "self", "href": here, "type": "application/json"},
            {"rel": REL_TILING_SCHEME, "href": WEB_MERCATOR_QUAD, "type": "application/json"},
            {
                "rel": REL_GEODATA,
                "href": f"{base_url}/collections/{layer_id}",
                "type": "application/json",
            },
            {
                "rel": "item",
                "href": f"{here}/{{tileMatrix}}/{{tileRow}}/{{tileCol}}?v={token}",
                "type": "application/vnd.mapbox-vector-tile",
                "templated": True,
            },
        ],
        "layers": [
            {
                "id": layer_id,
                "title": _title(layer_id),
                "dataType": "vector",
                "geometryDimension": 0,
                "minTileMatrix": str(tileset.MIN_ZOOM),
                "maxTileMatrix": str(tileset.MAX_ZOOM),
                "propertiesSchema": {
                    "type": "object",
                    "properties": {
                        f.name: {"type": _SCHEMA_TYPES[f.type], "description": f.description}
                        for f in tileset.point_fields(layer_id)
                    },
                },
            }
        ],
    }
    if bbox is not None:
        document["boundingBox"] = {
            "lowerLeft": [bbox[0], bbox[1]],
            "upperRight": [bbox[2], bbox[3]],
            "crs": CRS84,
        }
        document["tileMatrixSetLimits"] = tile_matrix_limits(bbox)
    return document


def tile_matrix_limits(bbox: Bbox) -> list[dict[str, Any]]:
    limits = []
    for z in range(tileset.MIN_ZOOM, tileset.MAX_ZOOM + 1):
        top_left: Tile = tile_for(bbox[0], bbox[3], z)
        bottom_right: Tile = tile_for(bbox[2], bbox[1], z)
        limits.append(
            {
                "tileMatrix": str(z),
                "minTileRow": top_left.y,
                "maxTileRow": bottom_right.y,
                "minTileCol": top_left.x,
                "maxTileCol": bottom_right.x,
            }
        )
    return limits


def _title(layer_id: str) -> str:
    return registry.get(layer_id).title.both()
