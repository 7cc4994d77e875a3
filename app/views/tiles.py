"""Map tiles: vector (MVT) and raster (PNG) tiles, TileJSON, the MapLibre style, the OGC API -
Tiles routes of each collection, and a MapLibre preview page."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import Blueprint, Response, render_template, request, url_for

from app.context import current_store, settings
from app.errors import NotFound
from app.request_params.tiles import TileAddress, point_layer, split_scale, tile_layers
from app.tilejson import ogc_tileset, ogc_tilesets, style, tilejson, union_bbox
from app.tiles import MVT_TYPE, PNG_TYPE, Pins, serve_document, serve_tile, vector_tile_bytes
from app.versions import current_versions
from layers import registry, tileset
from layers.render import margin_units, render_png
from layers.store.base import TileQuery

bp = Blueprint("tiles", __name__)

# The OGC API - Tiles conformance classes these routes implement, for /conformance.
TILES_CONFORMANCE: tuple[str, ...] = (
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
)


def tiles_conformance() -> list[str]:
    return list(TILES_CONFORMANCE)


@bp.get("/tiles/<z>/<x>/<y>.mvt")
def vector_tile(z: str, x: str, y: str) -> Response:
    address = TileAddress.parse(z, x, y)
    return _mvt(address, tile_layers(request.args.get("layers")))


@bp.get("/collections/<layer>/tiles/WebMercatorQuad/<z>/<y>/<x>")
def ogc_tile(layer: str, z: str, y: str, x: str) -> Response:
    layer_id = point_layer(layer)
    return _mvt(TileAddress.parse(z, x, y), (layer_id,))


@bp.get("/tiles/<layer>/<z>/<x>/<y>.png")
def raster_tile(layer: str, z: str, x: str, y: str) -> Response:
    spec = registry.get(point_layer(layer))
    y, scale = split_scale(y)
    address = TileAddress.parse(z, x, y)

    def build(query: TileQuery) -> bytes:
        points = current_store().tile_points(query, margin=margin_units())
        return render_png(points, spec, scale=scale)

    cells = tileset.cluster_cells(address.z, raster=True)
    return serve_tile(f"png@{scale}x", address, (spec.id,), build, PNG_TYPE, cells)


@bp.get("/tiles.json")
def tilejson_document() -> Response:
    layer_ids = _loaded(tile_layers(request.args.get("layers")))
    chosen = request.args.get("layers")

    def build(pinned: Pins, token: str) -> dict[str, object]:
        document = tilejson(_base_url(), layer_ids, token, _bbox(layer_ids))
        if chosen:
            document["tiles"] = [f"{document['tiles'][0]}&layers={','.join(layer_ids)}"]
        return document

    return serve_document("tilejson", layer_ids, build)


@bp.get("/style.json")
def style_document() -> Response:
    layer_ids = _loaded(tile_layers(None))
    return serve_document("style", layer_ids, lambda _p, _t: style(_base_url(), layer_ids))


@bp.get("/collections/<layer>/tiles")
def ogc_tileset_list(layer: str) -> Response:
    layer_id = _loaded_layer(layer)
    return serve_document(
        "ogc-tilesets", (layer_id,), lambda _p, _t: ogc_tilesets(_base_url(), layer_id)
    )


@bp.get("/collections/<layer>/tiles/WebMercatorQuad")
def ogc_tileset_metadata(layer: str) -> Response:
    layer_id = _loaded_layer(layer)
    return serve_document(
        "ogc-tileset",
        (layer_id,),
        lambda _p, token: ogc_tileset(_base_url(), layer_id, token, _bbox((layer_id,))),
    )


@bp.get("/tiles/preview")
def preview() -> str:
    """A MapLibre GL map of /style.json, served from this app alone."""
    return render_template(
        "tiles_preview.html",
        style_url=url_for("tiles.style_document"),
        maplibre=url_for("static", filename="vendor/maplibre-gl/maplibre-gl.mjs"),
        maplibre_css=url_for("static", filename="vendor/maplibre-gl/maplibre-gl.css"),
    )


def _mvt(address: TileAddress, layer_ids: Sequence[str]) -> Response:
    cells = tileset.cluster_cells(address.z)
    return serve_tile("mvt", address, layer_ids, vector_tile_bytes, MVT_TYPE, cells)


def _loaded(layer_ids: Sequence[str]) -> tuple[str, ...]:
    versions = current_versions()
    return tuple(layer_id for layer_id in layer_ids if layer_id in versions)


def _loaded_layer(layer: str) -> str:
    layer_id = point_layer(layer)
    if layer_id not in current_versions():
        raise NotFound("layer_not_loaded", value=layer_id)
    return layer_id


def _bbox(layer_ids: Sequence[str]) -> tuple[float, float, float, float] | None:
    store = current_store()
    return union_bbox([store.layer_info(i) for i in layer_ids if i != tileset.REGIONS])


def _base_url() -> str:
    return (settings().SHAREMAP_PUBLIC_URL or request.url_root).rstrip("/")


def _tile_param(name: str, where: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "in": where,
        "required": where == "path",
        "description": description,
        "schema": schema,
    }


_TILE_PARAMS: dict[str, dict[str, Any]] = {
    "z": _tile_param("z", "path", "Zoom, 0-22.", {"type": "integer", "minimum": 0, "maximum": 22}),
    "x": _tile_param("x", "path", "Column, 0 to 2^z-1.", {"type": "integer", "minimum": 0}),
    "y": _tile_param("y", "path", "Row, 0 to 2^z-1.", {"type": "integer", "minimum": 0}),
    "layer": _tile_param(
        "layer", "path", "A layer id.", {"type": "string", "enum": list(registry.LAYER_IDS)}
    ),
    "layers": _tile_param(
        "layers",
        "query",
        "Comma-separated layer ids (and regions); default: all.",
        {"type": "string"},
    ),
    "v": _tile_param(
        "v",
        "query",
        "The data version token from /tiles.json; the current one makes the tile immutable.",
        {"type": "string"},
    ),
}


def _tile_operation(
    operation_id: str, summary: str, media: str, params: Sequence[str], empty: bool
) -> dict[str, Any]:
    responses: dict[str, Any] = {
        "200": {
            "description": "The tile",
            "content": {media: {"schema": {"type": "string", "format": "binary"}}},
        },
        "304": {"description": "Not modified (If-None-Match)"},
    }
    if empty:
        responses["204"] = {"description": "An empty vector tile"}
    for code in ("400", "404", "405", "500", "503"):
        responses[code] = {"$ref": f"#/components/responses/{code}"}
    return {
        "get": {
            "operationId": operation_id,
            "summary": summary,
            "tags": ["tiles"],
            "parameters": [_TILE_PARAMS[name] for name in (*params, "v")],
            "responses": responses,
        }
    }


def openapi_paths() -> dict[str, Any]:
    """The tile routes for /openapi.json."""
    mvt = MVT_TYPE
    return {
        "/tiles/{z}/{x}/{y}.mvt": _tile_operation(
            "vectorTile", "A vector tile of the chosen layers (Web Mercator, XYZ)", mvt,
            ("z", "x", "y", "layers"), empty=True,
        ),
        "/tiles/{layer}/{z}/{x}/{y}.png": _tile_operation(
            "rasterTile", "A 256 px raster tile of one layer", PNG_TYPE,
            ("layer", "z", "x", "y"), empty=False,
        ),
        "/collections/{layer}/tiles/WebMercatorQuad/{z}/{y}/{x}": _tile_operation(
            "collectionTile", "OGC API - Tiles: a vector tile of one collection", mvt,
            ("layer", "z", "y", "x"), empty=True,
        ),
    }  # fmt: skip
