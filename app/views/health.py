"""/healthz (the process answers) and /readyz (the store answers, with its data versions and,
reading from a replica, its replication lag)."""

from __future__ import annotations

from flask import Blueprint, Response, request

from app.context import current_store
from app.request_params.lang import plain_lang
from app.serializers import json_response
from layers import registry

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    plain_lang(request.args)  # validates, nothing to translate
    return json_response({"status": "ok"})


@bp.get("/readyz")
def readyz() -> Response:
    plain_lang(request.args)
    store = current_store()
    versions = store.versions()  # StoreUnavailable -> 503 with Retry-After
    return json_response(
        {
            "status": "ready",
            "data_versions": versions,
            "layers_not_loaded": [layer for layer in registry.LAYER_IDS if layer not in versions],
            "replication_lag_s": store.replication_lag(),
        }
    )
