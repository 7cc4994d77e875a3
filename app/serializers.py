"""Output shaping: GeoJSON features and collections, OGC API documents, and their HTML pages."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from functools import cache, lru_cache
from typing import Any

import orjson
from flask import Response, current_app, render_template, request

from app import links, messages
from app.links import link, segment, url
from app.request_params.items import ItemsParams
from app.request_params.near import NearParams
from layers import export, registry
from layers.feature import flat_feature
from layers.queryables import queryables
from layers.record import FeatureRecord
from layers.store import LayerInfo
from layers.store.nearme import NearAnswer

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
GREGORIAN = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"
_PART1 = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/"
_PART3 = "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/"
CONFORMANCE: tuple[str, ...] = (
    *(_PART1 + c for c in ("core", "geojson", "html", "oas30")),
    *(_PART3 + c for c in ("queryables", "queryables-query-parameters")),
)
# other blueprints (tiles) add their conformance classes to this list in app.extensions
CONFORMANCE_KEY = "sharemap.conformance"


def json_response(body: Any, mimetype: str = links.JSON, status: int = 200) -> Response:
    """`body` as JSON (orjson: UTF-8 without escapes, several times faster than json.dumps on
    feature lists); bytes are taken as JSON already."""
    data = body if isinstance(body, bytes) else orjson.dumps(body)
    return current_app.response_class(data, status=status, mimetype=mimetype)


def html_response(template: str, lang: str, **context: Any) -> Response:
    page = render_template(
        template,
        lang=lang,
        t=messages.api_text(lang),
        root=links.base_url(),
        here=_here,
        **context,
    )
    response = current_app.response_class(page, mimetype=links.HTML)
    response.headers["Content-Language"] = lang
    return response


def _here(**changes: str) -> str:
    """This page's URL with some query arguments changed."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k not in changes]
    return url(request.path, [*args, *changes.items()])


# -- features ----------------------------------------------------------------------------------


def near_collection(answer: NearAnswer, q: NearParams) -> bytes:
    """The near-me FeatureCollection, as JSON; the layers' titles and field labels only with
    labels=true (else GET /api/layers, linked, has them)."""
    rest: dict[str, Any] = {
        "numberReturned": len(answer.hits),
        "query": {
            "lat": q.lat,
            "lon": q.lon,
            "layers": list(q.layers),
            "limit": q.limit,
            "radius_m": q.radius_m,
            "open_now": q.open_now,
            "at": q.at.isoformat(),
            "free": q.free,
            "wheelchair": q.wheelchair,
            "lang": q.lang,
        },
    }
    if answer.unknown_hours_excluded is not None:
        rest["unknown_hours_excluded"] = answer.unknown_hours_excluded
    rest["links"] = [_labels_link(links.base_url(), q.lang)]
    snapshot = answer.snapshot
    return b"".join(
        (
            b'{"type":"FeatureCollection","features":[',
            b",".join([snapshot.feature_json(h) for h in answer.hits]),
            b"],",
            orjson.dumps(rest)[1:-1],
            b"," + _labels_json(q.layers, q.lang) if q.labels else b"",
            b"}",
        )
    )


@lru_cache(maxsize=64)  # bounded: `base` comes from the request's Host
def _labels_link(base: str, lang: str) -> dict[str, str]:
    href = f"{base}/api/layers?lang={lang}"
    return link(href, "describedby", links.JSON, "Labels")


@cache
def _labels_json(layers: tuple[str, ...], lang: str) -> bytes:
    """The collection's "layers" and "labels" members, as JSON (without the braces)."""
    return orjson.dumps(labels_document(layers, lang))[1:-1]


@cache
def labels_json(lang: str) -> tuple[bytes, str]:
    """GET /api/layers: labels_document() of every layer as JSON, and its ETag."""
    body = orjson.dumps(labels_document(registry.LAYER_IDS, lang))
    return body, hashlib.sha256(body).hexdigest()[:32]


def labels_document(layers: tuple[str, ...], lang: str) -> dict[str, Any]:
    """Titles and field labels of `layers`, and the labels of the common properties and their
    values: what GET /api/layers serves and labels=true adds to a near-me answer."""
    return {
        "layers": {layer_id: layer_labels(layer_id, lang) for layer_id in layers},
        "labels": common_labels(lang),
    }


@cache
def layer_labels(layer_id: str, lang: str) -> dict[str, Any]:
    spec = registry.get(layer_id)
    return {
        "title": spec.title(lang),
        "fields": {f.name: f.label(lang) for f in export.layer_fields(layer_id)},
    }


@cache
def common_labels(lang: str) -> dict[str, Any]:
    labels: dict[str, Any] = messages.in_lang(messages.LABELS, lang)
    labels["values"] = {
        prop: messages.in_lang(values, lang) for prop, values in messages.VALUE_LABELS.items()
    }
    return labels


# -- OGC API Features --------------------------------------------------------------------------


def landing(lang: str) -> dict[str, Any]:
    t = messages.api_text(lang)
    return {
        "title": messages.SERVICE_TITLE(lang),
        "description": messages.SERVICE_DESCRIPTION(lang),
        "links": [
            link(url("/", [("f", "json")]), "self", links.JSON, t["this_document"]),
            link(url("/", [("f", "html")]), "alternate", links.HTML, t["as_html"]),
            link(
                url("/openapi.json"),
                "service-desc",
                links.OPENAPI,
                "The API definition (OpenAPI 3.0)",
            ),
            link(url("/docs"), "service-doc", links.HTML, t["api_docs"]),
            link(url("/conformance"), "conformance", links.JSON, "Conformance classes"),
            link(url("/collections"), "data", links.JSON, t["collections"]),
            link(url("/near"), "related", links.HTML, t["near_page"]),
            link(messages.LICENCE_URL, "license", links.HTML, messages.LICENCE_TITLE(lang)),
        ],
    }


def conformance() -> dict[str, Any]:
    extra = current_app.extensions.get(CONFORMANCE_KEY, [])
    return {"conformsTo": [*CONFORMANCE, *(c for c in extra if c not in CONFORMANCE)]}


def collections(infos: Mapping[str, LayerInfo | None], lang: str) -> dict[str, Any]:
    return {
        "links": [
            link(url("/collections", [("f", "json")]), "self", links.JSON),
            link(url("/collections", [("f", "html")]), "alternate", links.HTML),
            # every collection's vector tiles z0-z14 in one file (404 until it is built)
            link(
                url(links.TILE_ARCHIVE_PATH),
                "enclosure",
                links.PMTILES,
                messages.TILE_ARCHIVE_TITLE(lang),
            ),
        ],
        "collections": [collection(layer_id, info, lang) for layer_id, info in infos.items()],
    }


def sources(layer_id: str) -> list[dict[str, str]]:
    return [
        {
            "title": s.title,
            "publisher": s.publisher,
            "portal": s.portal,
            "dataset": s.dataset,
            "region": s.region,
            "reference_date": s.reference_date,
        }
        for s in registry.provenance(layer_id)
    ]


def collection(layer_id: str, info: LayerInfo | None, lang: str) -> dict[str, Any]:
    spec = registry.get(layer_id)
    path = f"/collections/{layer_id}"
    licence = messages.LICENCE_TITLE(lang)
    src = sources(layer_id)
    body: dict[str, Any] = {
        "id": layer_id,
        "title": spec.title(lang),
        "description": spec.description(lang),
        "links": [
            link(url(path, [("f", "json")]), "self", links.JSON),
            link(url(path, [("f", "html")]), "alternate", links.HTML),
            link(url(path + "/items", [("f", "json")]), "items", links.GEOJSON, "Features"),
            link(url(path + "/items", [("f", "html")]), "items", links.HTML, "Features (HTML)"),
            link(url(path + "/queryables"), links.REL_QUERYABLES, links.SCHEMA_JSON, "Queryables"),
            link(messages.LICENCE_URL, "license", links.HTML, licence),
            link(
                url(f"/download/{layer_id}.geojson"), "enclosure", links.GEOJSON, "GeoJSON download"
            ),
            link(url(f"/download/{layer_id}.csv"), "enclosure", links.CSV, "CSV download (UTF-8)"),
        ],
        "itemType": "feature",
        "crs": [CRS84],
        "storageCrs": CRS84,
        "license": "KOGL-Type1",
        "attribution": f"{licence}: "
        + "; ".join(f"{s['publisher']}, {s['title']} ({s['reference_date']})" for s in src),
        "sources": src,
        "reference_date": max((s["reference_date"] for s in src), default=None),
    }
    if info is not None:
        extent: dict[str, Any] = {}
        if info.bbox is not None:
            extent["spatial"] = {"bbox": [list(info.bbox)], "crs": CRS84}
        if info.updated_min is not None and info.updated_max is not None:
            extent["temporal"] = {
                "interval": [[_instant(info.updated_min), _instant(info.updated_max)]],
                "trs": GREGORIAN,
            }
        if extent:
            body["extent"] = extent
        body.update(itemCount=info.count, data_version=info.data_version, loaded_at=info.loaded_at)
    else:
        body.update(itemCount=0, data_version=None)
    return body


def _instant(iso_date: str) -> str:
    return iso_date if "T" in iso_date else f"{iso_date}T00:00:00Z"


def queryables_doc(layer_id: str, lang: str) -> dict[str, Any]:
    props: dict[str, Any] = {}
    for q in queryables(layer_id):
        schema: dict[str, Any] = {"title": q.title(lang), "type": q.type}
        if q.enum:
            schema["enum"] = list(q.enum)
        props[q.name] = schema
    return {
        "$schema": "https://json-schema.org/draft/2019-09/schema",
        "$id": url(f"/collections/{layer_id}/queryables"),
        "type": "object",
        "title": registry.get(layer_id).title(lang),
        "properties": props,
        "additionalProperties": False,
    }


def item(record: FeatureRecord) -> dict[str, Any]:
    feature = flat_feature(record)
    path = f"/collections/{record.layer}/items/{segment(record.id)}"
    feature["links"] = [
        link(url(path, [("f", "json")]), "self", links.GEOJSON),
        link(url(path, [("f", "html")]), "alternate", links.HTML),
        link(url(f"/collections/{record.layer}"), "collection", links.JSON),
    ]
    return feature


def items(records: Iterable[FeatureRecord], matched: int, q: ItemsParams) -> dict[str, Any]:
    features = [flat_feature(r) for r in records]
    path = f"/collections/{q.layer}/items"
    args = [(k, v) for k, v in q.passthrough if k != "f"]

    def page(fmt: str, offset: int) -> str:
        return url(path, [*args, ("f", fmt), ("limit", q.limit), ("offset", offset or None)])

    page_links = [
        link(page("json", q.offset), "self", links.GEOJSON),
        link(page("html", q.offset), "alternate", links.HTML),
        link(url(f"/collections/{q.layer}"), "collection", links.JSON),
    ]
    if q.offset + len(features) < matched:
        page_links.append(
            link(page("json", q.offset + q.limit), "next", links.GEOJSON, "Next page")
        )
    if q.offset > 0:
        page_links.append(link(page("json", max(0, q.offset - q.limit)), "prev", links.GEOJSON))
    return {
        "type": "FeatureCollection",
        "features": features,
        "numberMatched": matched,
        "numberReturned": len(features),
        "timeStamp": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "links": page_links,
    }
