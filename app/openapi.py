"""The OpenAPI 3.0 document, built from the same parameter declarations the handlers parse."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from app import links, messages
from app.params import COLLECTION_PARAMS, ITEMS_PARAMS, PLAIN_PARAMS, Param, items_params
from app.request_params.downloads import DOWNLOAD_PARAMS
from app.request_params.near import NEAR_PARAMS
from layers import fields, registry
from layers.audit import AUDIT_SCHEMAS

OPENAPI_VERSION = "3.0.3"
ERRORS = ("400", "404", "405", "406", "500", "503")


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _content(*pairs: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    return {media: {"schema": schema} for media, schema in pairs}


def _object(required: list[str], properties: dict[str, Any]) -> dict[str, Any]:
    """A JSON Schema object with these members, the `required` ones always present."""
    return {"type": "object", "required": required, "properties": properties}


HTML_SCHEMA: dict[str, Any] = {"type": "string"}


def _operation(
    operation_id: str,
    summary: str,
    params: Iterable[Param],
    ok: dict[str, Any],
    *,
    path_params: Iterable[dict[str, Any]] = (),
    errors: Iterable[str] = ERRORS,
    tags: tuple[str, ...] = (),
    ok_headers: dict[str, Any] | None = None,
) -> dict[str, Any]:
    responses: dict[str, Any] = {"200": {"description": "OK", "content": ok}}
    if ok_headers:
        responses["200"]["headers"] = ok_headers
    for code in errors:
        responses[code] = {"$ref": f"#/components/responses/{code}"}
    return {
        "get": {
            "operationId": operation_id,
            "summary": summary,
            "tags": list(tags),
            "parameters": [*path_params, *(p.openapi() for p in params)],
            "responses": responses,
        }
    }


def operation(
    operation_id: str, summary: str, params: Iterable[Param], ok: dict[str, Any], tag: str
) -> dict[str, Any]:
    """A GET operation answering `ok` (media type → schema) or the API's errors, for a
    blueprint's openapi_paths hook."""
    return _operation(operation_id, summary, params, ok, tags=(tag,))


def schema_ref(name: str) -> dict[str, str]:
    return _ref(name)


def tile_archive_operation() -> dict[str, Any]:
    """GET /download/tiles.pmtiles: the vector tiles z0-z14 of the current data in one file."""
    operation = _operation(
        "downloadTileArchive",
        "Every non-empty vector tile z0-z14 of every layer (the /tiles/{z}/{x}/{y}.mvt bytes) "
        "in one PMTiles v3 archive; byte ranges for MapLibre's pmtiles protocol",
        (),
        _content((links.PMTILES, {"type": "string", "format": "binary"})),
        errors=("404", "405", "500", "503"),
        tags=("Downloads", "tiles"),
        ok_headers={
            "ETag": {"schema": {"type": "string"}, "description": "The tileset version"},
            "Content-Disposition": {
                "schema": {"type": "string"},
                "description": "attachment; filename=sharemap-tiles-{tileset version}.pmtiles",
            },
            "Accept-Ranges": {"schema": {"type": "string"}},
        },
    )
    get = operation["get"]
    get["parameters"] = [
        {
            "name": name,
            "in": "header",
            "required": False,
            "description": text,
            "schema": {"type": "string"},
        }
        for name, text in (
            ("Range", "A byte range, e.g. bytes=0-16383"),
            ("If-Range", "The ETag a range is for: a changed archive is sent whole (200)"),
        )
    ]
    get["responses"]["206"] = {
        "description": "The byte range asked for",
        "content": {links.PMTILES: {"schema": {"type": "string", "format": "binary"}}},
    }
    get["responses"]["304"] = {"description": "Not modified (If-None-Match)"}
    get["responses"]["416"] = {"description": "The range lies outside the archive"}
    return operation


def _path_param(name: str, description: str, enum: Iterable[str] | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    if enum is not None:
        schema["enum"] = list(enum)
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": schema,
    }


COLLECTION_ID = _path_param("collectionId", "A layer id.", registry.LAYER_IDS)


READYZ_SUMMARY = "The database answers; the data version of each loaded layer, the replica's lag"


OGC_TAGS = ("OGC API - Features",)


def _json_or_html(schema: str) -> dict[str, Any]:
    return _content((links.JSON, _ref(schema)), (links.HTML, HTML_SCHEMA))


def _geojson_or_html(schema: str) -> dict[str, Any]:
    return _content((links.GEOJSON, _ref(schema)), (links.HTML, HTML_SCHEMA))


def _ogc_paths() -> dict[str, Any]:
    """The OGC API - Features resources: path, operationId, summary, parameters, answer,
    path parameters."""
    feature_id = _path_param("featureId", "A feature id.")
    table: tuple[tuple[str, str, str, Iterable[Param], dict[str, Any], tuple[Any, ...]], ...] = (
        (
            "/",
            "getLandingPage",
            "Landing page (HTML by default; JSON for f=json or Accept: application/json)",
            COLLECTION_PARAMS,
            _content((links.HTML, HTML_SCHEMA), (links.JSON, _ref("LandingPage"))),
            (),
        ),
        (
            "/conformance",
            "getConformance",
            "Conformance classes",
            COLLECTION_PARAMS,
            _json_or_html("Conformance"),
            (),
        ),
        (
            "/collections",
            "getCollections",
            "The layers as collections: " + ", ".join(registry.LAYER_IDS),
            COLLECTION_PARAMS,
            _json_or_html("Collections"),
            (),
        ),
        (
            "/collections/{collectionId}",
            "getCollection",
            "One layer: extent, licence, sources and their reference dates",
            COLLECTION_PARAMS,
            _json_or_html("Collection"),
            (COLLECTION_ID,),
        ),
        (
            "/collections/{collectionId}/queryables",
            "getQueryables",
            "The properties items can be filtered by (JSON Schema)",
            COLLECTION_PARAMS,
            _content((links.SCHEMA_JSON, {"type": "object"}), (links.HTML, HTML_SCHEMA)),
            (COLLECTION_ID,),
        ),
        (
            "/collections/{collectionId}/items",
            "getFeatures",
            "Features of a layer, paged (rel=next); the property filters of each layer are "
            "listed under its own path below and in its queryables",
            ITEMS_PARAMS,
            _geojson_or_html("FeatureCollection"),
            (COLLECTION_ID,),
        ),
        (
            "/collections/{collectionId}/items/{featureId}",
            "getFeature",
            "One feature by id",
            COLLECTION_PARAMS,
            _geojson_or_html("Feature"),
            (COLLECTION_ID, feature_id),
        ),
    )
    out = {
        path: _operation(operation_id, summary, params, ok, path_params=path_ids, tags=OGC_TAGS)
        for path, operation_id, summary, params, ok, path_ids in table
    }
    for layer_id in registry.LAYER_IDS:
        out[f"/collections/{layer_id}/items"] = _operation(
            f"getFeatures_{layer_id}",
            f"Features of {layer_id} ({registry.get(layer_id).title.en}), with its property "
            "filters",
            items_params(layer_id),
            _geojson_or_html("FeatureCollection"),
            tags=OGC_TAGS,
        )
    return out


def _download_paths() -> dict[str, Any]:
    """GET /download/{layer}.geojson and .csv: each layer whole (or filtered), streamed."""
    headers = {
        "ETag": {"schema": {"type": "string"}},
        "Content-Disposition": {"schema": {"type": "string"}},
    }
    formats = (  # suffix, operationId prefix, what the file is, media type
        ("geojson", "downloadGeoJSON", "one RFC 7946 GeoJSON file, streamed", links.GEOJSON),
        ("csv", "downloadCSV", "CSV (UTF-8 with BOM; lon, lat, WKT)", "text/csv"),
    )
    out: dict[str, Any] = {}
    for layer_id in registry.LAYER_IDS:
        for suffix, operation_prefix, what, media_type in formats:
            schema = _ref("FeatureCollection") if suffix == "geojson" else {"type": "string"}
            out[f"/download/{layer_id}.{suffix}"] = _operation(
                f"{operation_prefix}_{layer_id}",
                f"All (or filtered) {layer_id} ({registry.get(layer_id).title.en}) features "
                f"as {what}",
                DOWNLOAD_PARAMS,
                _content((media_type, schema)),
                tags=("Downloads",),
                ok_headers=headers,
            )
    return out


def paths() -> dict[str, Any]:
    out = {**_ogc_paths(), **_download_paths()}
    out[links.TILE_ARCHIVE_PATH] = tile_archive_operation()
    out["/api/near"] = _operation(
        "near",
        "The nearest features to a point across layers, by WGS84 geodesic distance (ties by id)",
        NEAR_PARAMS,
        _content((links.GEOJSON, _ref("NearCollection"))),
        errors=("400", "405", "500", "503"),
        tags=("Near me",),
    )
    out["/api/layers"] = _operation(
        "layerLabels",
        "Titles and field labels of every layer in one language, for near-me answers "
        "(cacheable: ETag; they change only with a new release)",
        PLAIN_PARAMS,
        _content((links.JSON, _ref("LayerLabels"))),
        errors=("400", "405", "500"),
        tags=("Near me",),
        ok_headers={"ETag": {"schema": {"type": "string"}}},
    )
    service = (  # the service's own resources: path, operationId, summary, media type, schema
        ("/openapi.json", "getOpenAPI", "This document", links.OPENAPI, {"type": "object"}),
        ("/docs", "getDocs", "Interactive API documentation", links.HTML, HTML_SCHEMA),
        ("/healthz", "healthz", "The process is alive", links.JSON, {"type": "object"}),
        ("/readyz", "readyz", READYZ_SUMMARY, links.JSON, _ref("Ready")),
    )
    for path, operation_id, summary, media_type, schema in service:
        out[path] = _operation(
            operation_id,
            summary,
            PLAIN_PARAMS,
            _content((media_type, schema)),
            # only /readyz asks the database
            errors=("400", "405", "500", "503") if path == "/readyz" else ("400", "405", "500"),
            tags=("Service",),
        )
    return out


LINK: dict[str, Any] = _object(
    ["href", "rel"],
    {
        "href": {"type": "string"},
        "rel": {"type": "string"},
        "type": {"type": "string"},
        "title": {"type": "string"},
    },
)

POINT: dict[str, Any] = _object(
    ["type", "coordinates"],
    {
        "type": {"type": "string", "enum": ["Point"]},
        "coordinates": {"type": "array", "minItems": 2, "maxItems": 2, "items": {"type": "number"}},
    },
)


def _feature(properties: dict[str, Any], **more: Any) -> dict[str, Any]:
    """A GeoJSON point Feature's schema with these `properties` (and more members)."""
    return _object(
        ["type", "id", "geometry", "properties"],
        {
            "type": {"type": "string", "enum": ["Feature"]},
            "id": {"type": "string"},
            "geometry": POINT,
            "properties": properties,
            **more,
        },
    )


def _feature_collection(feature: str, required: list[str], **more: Any) -> dict[str, Any]:
    """A FeatureCollection's schema whose features are the `feature` schema."""
    return _object(
        required,
        {
            "type": {"type": "string", "enum": ["FeatureCollection"]},
            "features": {"type": "array", "items": _ref(feature)},
            **more,
        },
    )


SCHEMAS: dict[str, Any] = {
    "Link": LINK,
    "Problem": _object(
        ["type", "title", "status", "detail"],
        {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "code": {"type": "string", "description": "A stable key of the message."},
            "instance": {"type": "string"},
            "parameter": {"type": "string", "description": "The offending parameter."},
        },
    ),
    "LandingPage": _object(
        ["links"],
        {
            "title": {"type": "string"},
            "description": {"type": "string"},
            "links": {"type": "array", "items": _ref("Link")},
        },
    ),
    "Conformance": _object(
        ["conformsTo"], {"conformsTo": {"type": "array", "items": {"type": "string"}}}
    ),
    "Collection": _object(
        ["id", "links"],
        {
            "id": {"type": "string"},
            "title": {"type": "string"},
            "description": {"type": "string"},
            "links": {"type": "array", "items": _ref("Link")},
            "extent": {"type": "object"},
            "itemType": {"type": "string"},
            "crs": {"type": "array", "items": {"type": "string"}},
            "license": {"type": "string"},
            "attribution": {"type": "string"},
            "sources": {"type": "array", "items": {"type": "object"}},
            "reference_date": {"type": "string", "nullable": True},
            "itemCount": {"type": "integer"},
            "data_version": {"type": "string", "nullable": True},
        },
    ),
    "Collections": _object(
        ["links", "collections"],
        {
            "links": {"type": "array", "items": _ref("Link")},
            "collections": {"type": "array", "items": _ref("Collection")},
        },
    ),
    "Feature": _feature({"type": "object"}, links={"type": "array", "items": _ref("Link")}),
    "FeatureCollection": _feature_collection(
        "Feature",
        ["type", "features"],
        numberMatched={"type": "integer", "minimum": 0},
        numberReturned={"type": "integer", "minimum": 0},
        timeStamp={"type": "string"},
        links={"type": "array", "items": _ref("Link")},
    ),
    "NearFeature": _feature(
        _object(
            ["layer", "distance_m", "open_status", "name"],
            {
                "layer": {"type": "string", "enum": list(registry.LAYER_IDS)},
                "distance_m": {"type": "number", "minimum": 0},
                "open_status": {"type": "string", "enum": ["open", "closed", "unknown"]},
                "name": {"type": "string"},
                "fee": {"type": "string", "enum": list(fields.FEE_VALUES)},
                "wheelchair": {"type": "boolean", "nullable": True},
                "details": {"type": "object"},
            },
        )
    ),
    "NearCollection": _feature_collection(
        "NearFeature",
        ["type", "features", "numberReturned", "query"],
        numberReturned={"type": "integer", "minimum": 0},
        unknown_hours_excluded={
            "type": "integer",
            "minimum": 0,
            "description": "With open_now: features nearer than the last result whose "
            "opening hours are unknown, left out.",
        },
        query={"type": "object"},
        links={
            "type": "array",
            "items": _ref("Link"),
            "description": "rel=describedby: GET /api/layers, the labels in the answer's language.",
        },
        layers={
            "type": "object",
            "description": "With labels=true: title and field labels of each layer.",
        },
        labels={
            "type": "object",
            "description": "With labels=true: labels of the common fields and values.",
        },
    ),
    "LayerLabels": _object(
        ["layers", "labels"],
        {
            "layers": {
                "type": "object",
                "description": "Each layer's title and field labels, by layer id.",
                "additionalProperties": {
                    "type": "object",
                    "properties": {"title": {"type": "string"}, "fields": {"type": "object"}},
                },
            },
            "labels": {"type": "object", "description": "Labels of the common fields and values."},
        },
    ),
    "Ready": _object(
        ["status", "data_versions"],
        {
            "status": {"type": "string"},
            "data_versions": {"type": "object", "additionalProperties": {"type": "string"}},
            "layers_not_loaded": {"type": "array", "items": {"type": "string"}},
            "replication_lag_s": {
                "type": "number",
                "nullable": True,
                "description": "seconds the read replica (DATABASE_READ_URL) is behind its "
                "primary, 0 when it has replayed all it received; null without a replica",
            },
        },
    ),
}

_ERROR_TEXT = {
    "400": "A parameter is unknown, repeated or invalid (the detail says which and why).",
    "404": "No such collection, feature, download or path.",
    "405": "Only GET, HEAD and OPTIONS are served.",
    "406": "None of the formats the Accept header allows can be served.",
    "500": "An unexpected error.",
    "503": "The database is unavailable; retry after Retry-After seconds.",
}


def responses() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for code, text in _ERROR_TEXT.items():
        out[code] = {
            "description": text,
            "content": {"application/problem+json": {"schema": _ref("Problem")}},
        }
    out["503"]["headers"] = {"Retry-After": {"schema": {"type": "integer"}}}
    out["405"]["headers"] = {"Allow": {"schema": {"type": "string"}}}
    return out


def document(
    server_url: str, extra_paths: Iterable[Callable[[], dict[str, Any]]] = ()
) -> dict[str, Any]:
    all_paths = paths()
    for contribute in extra_paths:
        for path, item in contribute().items():
            all_paths.setdefault(path, item)
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "sharemap (공유지도)",
            "version": "1.0.0",
            "description": (
                f"{messages.capitalised(messages.layers_in_words().en)} in South Korea: near-me "
                "search, OGC API - Features, downloads. "
                "Data: 공공누리 제1유형 (KOGL Type 1). Unknown query parameters are a 400; every "
                "error is application/problem+json, in Korean or English (lang)."
            ),
            "license": {
                "name": "공공누리 제1유형 (KOGL Type 1)",
                "url": "https://www.kogl.or.kr/info/licenseType1.do",
            },
        },
        "servers": [{"url": server_url}],
        "paths": all_paths,
        "components": {"schemas": {**SCHEMAS, **AUDIT_SCHEMAS}, "responses": responses()},
    }
