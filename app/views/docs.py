"""The OpenAPI document (/openapi.json) and interactive docs (/docs, Swagger UI served locally)."""

from __future__ import annotations

from pathlib import Path

import swagger_ui_bundle
from flask import Blueprint, Response, current_app, request, send_from_directory

from app import links, openapi
from app.basemap import current_basemap
from app.errors import NotFound
from app.links import base_url
from app.page_context import content_security_policy, inline_script_hashes
from app.request_params.lang import plain_lang
from app.serializers import html_response, json_response

bp = Blueprint("docs", __name__)

SWAGGER_UI_DIR = Path(swagger_ui_bundle.swagger_ui_path)
SWAGGER_UI_FILES = frozenset({"swagger-ui.css", "swagger-ui-bundle.js", "favicon-32x32.png"})
# other blueprints may contribute paths: app.extensions[OPENAPI_KEY] holds callables
OPENAPI_KEY = "sharemap.openapi_paths"


@bp.get("/openapi.json")
def openapi_json() -> Response:
    plain_lang(request.args)  # validates, nothing to translate
    contributions = current_app.extensions.get(OPENAPI_KEY, ())
    return json_response(openapi.document(base_url(), contributions), links.OPENAPI)


@bp.get("/docs")
def docs() -> Response:
    lang = plain_lang(request.args, request.headers.get("Accept-Language"))
    response = html_response("api/docs.html", lang, spec_url=f"{base_url()}/openapi.json")
    # Swagger UI's start-up script is inline (allowed by its hash); it sets inline styles and
    # shows data: images
    response.headers["Content-Security-Policy"] = content_security_policy(
        current_basemap(), script_hashes=inline_script_hashes(response.get_data(as_text=True))
    )
    return response


@bp.get("/docs/assets/<name>")
def docs_asset(name: str) -> Response:
    if name not in SWAGGER_UI_FILES:
        raise NotFound("route_not_found", value=request.path)
    return send_from_directory(SWAGGER_UI_DIR, name, max_age=86400)
