"""The faces people see: the phone page /near, the embeddable map widget /embed and its builder,
the place search /api/places behind them, and the default base map's PNG tiles."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, render_template, request

from app import page_context as pc
from app.basemap import current_basemap, renderer
from app.context import current_store
from app.errors import InvalidParameter
from app.places import openapi_path, places_collection
from app.request_params.pages import page_lang
from app.request_params.places import PlacesParams
from app.request_params.tiles import TileAddress
from app.request_params.widget import EmbedParams
from app.serializers import json_response
from app.tiles import PNG_TYPE, serve_tile
from app.widget import widget_html
from layers import tileset
from layers.store.base import TileQuery

bp = Blueprint("pages", __name__)


@bp.get("/near")
def near_page() -> Response:
    lang = page_lang()
    basemap = current_basemap()
    html = render_template(
        "pages/near.html", **pc.page_vars(lang), config=pc.near_config(lang, basemap)
    )
    return _page(html, lang, pc.content_security_policy(basemap))


@bp.get("/embed")
def embed() -> Response:
    basemap = current_basemap()
    try:
        p = EmbedParams.from_args(request.args)
    except InvalidParameter as exc:
        # a message inside the frame, where a JSON problem would show as raw text
        lang = page_lang()
        html = render_template(
            "pages/embed_error.html", **pc.page_vars(lang), detail=exc.detail(lang)
        )
        status = 400
    else:
        lang, html, status = p.lang, widget_html(p, pc.widget_page(p, basemap)), 200
    # folium's page runs inline scripts: each is allowed by its hash, nothing else inline
    csp = pc.content_security_policy(
        basemap,
        script_hashes=pc.inline_script_hashes(html),
        frame_ancestors=pc.allowed_frame_ancestors(),
    )
    return _page(html, lang, csp, status=status)


@bp.get("/embed/builder")
def embed_builder() -> Response:
    lang = page_lang()
    basemap = current_basemap()
    html = render_template(
        "pages/builder.html", **pc.page_vars(lang), config=pc.builder_config(lang)
    )
    return _page(html, lang, pc.content_security_policy(basemap))


@bp.get("/api/places")
def places() -> Response:
    q = PlacesParams.from_args(request.args, request.headers.get("Accept-Language"))
    found = current_store().search(q.q, layers=q.layers, limit=q.limit)
    return json_response(places_collection(found, q), "application/geo+json")


@bp.get("/tiles/basemap/<z>/<x>/<y>.png")
def basemap_tile(z: str, x: str, y: str) -> Response:
    address = TileAddress.parse(z, x, y)

    def build(query: TileQuery) -> bytes:
        version = dict(query.layers).get(tileset.REGIONS)
        return renderer(version).tile(query.z, query.x, query.y)

    return serve_tile("basemap", address, (tileset.REGIONS,), build, PNG_TYPE, None)


def openapi_paths() -> dict[str, Any]:
    return {"/api/places": openapi_path()}


def _page(html: str, lang: str, csp: str, status: int = 200) -> Response:
    response = current_app.response_class(html, status=status, mimetype="text/html")
    response.headers["Content-Language"] = lang
    response.headers["Content-Security-Policy"] = csp
    response.headers["Cache-Control"] = "no-cache"
    return response
