"""GET /api/near: the nearest features of the chosen layers, by geodesic distance; and
GET /api/layers: the labels its answers link to, served once per language."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Response, request

from app.context import current_store
from app.request_params.lang import plain_lang
from app.request_params.near import NearParams
from app.serializers import json_response, labels_json, near_collection
from layers.store import NearQuery

bp = Blueprint("near", __name__)


@bp.get("/api/near")
def near() -> Response:
    q = NearParams.from_args(
        request.args, request.headers.get("Accept-Language"), datetime.now(UTC)
    )
    query = NearQuery(
        q.lon,
        q.lat,
        q.layers,
        limit=q.limit,
        radius_m=q.radius_m,
        filters=q.filters,
        at=q.at,
        open_now=q.open_now,
    )
    answer = current_store().near(query)
    return json_response(near_collection(answer, q), "application/geo+json")


# the labels change only with the code: a day in caches, and an ETag to revalidate
LABELS_MAX_AGE_S = 86400


@bp.get("/api/layers")
def layers() -> Response:
    lang = plain_lang(request.args, request.headers.get("Accept-Language"))
    body, etag = labels_json(lang)
    response = json_response(body)
    response.set_etag(etag)
    response.headers["Content-Language"] = lang
    response.cache_control.public = True
    response.cache_control.max_age = LABELS_MAX_AGE_S
    response.vary.add("Accept-Language")
    response.make_conditional(request)  # 304 when If-None-Match holds the ETag
    return response
