"""The data-quality audit (layers.audit) of the current versions: /audit (a self-contained HTML
page) and /audit.json, each computed once per data version, filters and day."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, current_app, request

from app.basemap import renderer
from app.context import current_store
from app.errors import InvalidParameter
from app.openapi import operation, schema_ref
from app.request_params.audit import AUDIT_PARAMS, AuditParams
from app.serializers import json_response
from layers import tileset
from layers.audit import AuditError, audit, cache_key
from layers.audit_report import html

bp = Blueprint("audit", __name__)

CACHE_SIZE = 16
_CACHE_KEY = "sharemap.audit"
# Only styles and inline images: the page asks for nothing from anywhere.
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
_lock = threading.Lock()


@bp.get("/audit.json")
def audit_json() -> Response:
    return json_response(_cached("json", lambda report: report.doc))


@bp.get("/audit")
def audit_page() -> Response:
    def page(report: Any) -> str:
        return html(report, renderer(current_store().version(tileset.REGIONS)))

    response = current_app.response_class(_cached("html", page), mimetype="text/html")
    response.headers["Content-Security-Policy"] = CSP
    response.headers["Cache-Control"] = "no-cache"
    return response


def _cached(kind: str, shape: Callable[[Any], Any]) -> Any:
    """The audit of the current versions in `kind`'s shape, from the process's cache."""
    p = AuditParams.from_args(request.args)
    layer, sido = p.layer, p.sido
    store = current_store()
    key = (kind, *cache_key(store, layer, sido))
    cache: OrderedDict[tuple[Any, ...], Any] = current_app.extensions.setdefault(
        _CACHE_KEY, OrderedDict()
    )
    with _lock:
        if key in cache:
            cache.move_to_end(key)
            return cache[key]
    try:
        value = shape(audit(store, layer=layer, sido=sido))
    except AuditError:
        raise InvalidParameter("unknown_sido", parameter="sido", value=sido) from None
    with _lock:
        cache[key] = value
        while len(cache) > CACHE_SIZE:
            cache.popitem(last=False)
    return value


def openapi_paths() -> dict[str, Any]:
    return {
        "/audit.json": operation(
            "auditJson",
            "The data-quality audit of the current versions, per layer and 시군구",
            AUDIT_PARAMS,
            {"application/json": {"schema": schema_ref("Audit")}},
            "audit",
        ),
        "/audit": operation(
            "auditPage",
            "The data-quality audit as a self-contained HTML page (map and bar charts inline)",
            AUDIT_PARAMS,
            {"text/html": {"schema": {"type": "string"}}},
            "audit",
        ),
    }
