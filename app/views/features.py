"""OGC API - Features (Part 1 Core, GeoJSON, HTML, OpenAPI 3.0; Part 3 queryables) at /."""

from __future__ import annotations

from flask import Blueprint, Response, request

from app import serializers as out
from app.catalog import layer_infos, number_matched
from app.context import current_store
from app.errors import NotFound
from app.params import ItemsParams, PageParams, known_layer
from layers import registry
from layers.store import FeatureQuery

bp = Blueprint("features", __name__)

JSON_FIRST = ("json", "html")


def _page(offers: tuple[str, ...] = JSON_FIRST) -> PageParams:
    return PageParams.from_args(
        request.args, request.accept_mimetypes, request.headers.get("Accept-Language"), offers
    )


@bp.get("/")
def landing() -> Response:
    p = _page(("html", "json"))  # a browser gets the page; Accept: application/json the JSON
    body = out.landing(p.lang)
    if p.format == "html":
        return out.html_response("api/landing.html", p.lang, doc=body)
    return out.json_response(body)


@bp.get("/conformance")
def conformance() -> Response:
    p = _page()
    body = out.conformance()
    if p.format == "html":
        return out.html_response("api/conformance.html", p.lang, doc=body)
    return out.json_response(body)


@bp.get("/collections")
def collections() -> Response:
    p = _page()
    body = out.collections(layer_infos(registry.LAYER_IDS), p.lang)
    if p.format == "html":
        return out.html_response("api/collections.html", p.lang, doc=body)
    return out.json_response(body)


@bp.get("/collections/<layer>")
def collection(layer: str) -> Response:
    layer = known_layer(layer)
    p = _page()
    body = out.collection(layer, layer_infos((layer,))[layer], p.lang)
    if p.format == "html":
        return out.html_response("api/collection.html", p.lang, doc=body)
    return out.json_response(body)


@bp.get("/collections/<layer>/queryables")
def queryables(layer: str) -> Response:
    layer = known_layer(layer)
    p = _page()
    body = out.queryables_doc(layer, p.lang)
    if p.format == "html":
        return out.html_response("api/queryables.html", p.lang, doc=body, layer=layer)
    return out.json_response(body, "application/schema+json")


@bp.get("/collections/<layer>/items")
def items(layer: str) -> Response:
    q = ItemsParams.from_args(
        layer, request.args, request.accept_mimetypes, request.headers.get("Accept-Language")
    )
    matched = number_matched(q.layer, FeatureQuery(q.bbox, q.filters, q.datetime))
    query = FeatureQuery(q.bbox, q.filters, q.datetime, limit=q.limit, offset=q.offset)
    body = out.items(current_store().features(q.layer, query), matched, q)
    if q.format == "html":
        return out.html_response("api/items.html", q.lang, doc=body, layer=q.layer)
    return out.json_response(body, "application/geo+json")


@bp.get("/collections/<layer>/items/<path:feature_id>")
def item(layer: str, feature_id: str) -> Response:
    layer = known_layer(layer)
    p = _page(("geojson", "html"))
    record = current_store().get(layer, feature_id)
    if record is None:
        raise NotFound("feature_not_found", layer=layer, value=feature_id)
    body = out.item(record)
    if p.format == "html":
        return out.html_response("api/item.html", p.lang, doc=body, layer=layer)
    return out.json_response(body, "application/geo+json")
