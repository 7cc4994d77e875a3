"""OGC API - Features (Part 1 Core, GeoJSON, HTML, OpenAPI 3.0; Part 3 queryables) at /."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from app import serializers as out
from app.catalog import layer_infos, number_matched
from app.context import current_store
from app.errors import NotFound
from app.links import GEOJSON, JSON, SCHEMA_JSON
from app.request_params.items import ItemsParams, PageParams
from app.request_params.primitives import known_layer
from layers import registry
from layers.store import FeatureQuery

bp = Blueprint("features", __name__)

JSON_FIRST = ("json", "html")


def _page(offers: tuple[str, ...] = JSON_FIRST) -> PageParams:
    return PageParams.from_args(
        request.args, request.accept_mimetypes, request.headers.get("Accept-Language"), offers
    )


def _answer(
    output: str, lang: str, body: Any, template: str, mimetype: str = JSON, **context: Any
) -> Response:
    """`body` as the HTML page `template` or as JSON, as the request negotiated (`output`)."""
    if output == "html":
        return out.html_response(template, lang, doc=body, **context)
    return out.json_response(body, mimetype)


@bp.get("/")
def landing() -> Response:
    p = _page(("html", "json"))  # a browser gets the page; Accept: application/json the JSON
    return _answer(p.format, p.lang, out.landing(p.lang), "api/landing.html")


@bp.get("/conformance")
def conformance() -> Response:
    p = _page()
    return _answer(p.format, p.lang, out.conformance(), "api/conformance.html")


@bp.get("/collections")
def collections() -> Response:
    p = _page()
    body = out.collections(layer_infos(registry.LAYER_IDS), p.lang)
    return _answer(p.format, p.lang, body, "api/collections.html")


@bp.get("/collections/<layer>")
def collection(layer: str) -> Response:
    layer = known_layer(layer)
    p = _page()
    body = out.collection(layer, layer_infos((layer,))[layer], p.lang)
    return _answer(p.format, p.lang, body, "api/collection.html")


@bp.get("/collections/<layer>/queryables")
def queryables(layer: str) -> Response:
    layer = known_layer(layer)
    p = _page()
    body = out.queryables_doc(layer, p.lang)
    return _answer(p.format, p.lang, body, "api/queryables.html", SCHEMA_JSON, layer=layer)


@bp.get("/collections/<layer>/items")
def items(layer: str) -> Response:
    q = ItemsParams.from_args(
        layer, request.args, request.accept_mimetypes, request.headers.get("Accept-Language")
    )
    matched = number_matched(q.layer, FeatureQuery(q.bbox, q.filters, q.datetime))
    query = FeatureQuery(q.bbox, q.filters, q.datetime, limit=q.limit, offset=q.offset)
    body = out.items(current_store().features(q.layer, query), matched, q)
    return _answer(q.format, q.lang, body, "api/items.html", GEOJSON, layer=q.layer)


@bp.get("/collections/<layer>/items/<path:feature_id>")
def item(layer: str, feature_id: str) -> Response:
    layer = known_layer(layer)
    p = _page(("geojson", "html"))
    record = current_store().get(layer, feature_id)
    if record is None:
        raise NotFound("feature_not_found", layer=layer, value=feature_id)
    return _answer(p.format, p.lang, out.item(record), "api/item.html", GEOJSON, layer=layer)
