"""The base map of the pages (/near, /embed): SHAREMAP_BASEMAP_URL, or by default the app's own
sigungu boundaries as PNG tiles (layers.basemap), so that the pages need no outside network."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app, request

from app.context import current_store, settings
from app.tiles import current_token
from layers import registry, tileset
from layers.basemap import BaseMap
from layers.store import StoreUnavailable

# Bump when layers.basemap draws differently: tile URLs change, so browsers fetch them anew
# (the `v` token alone changes only with the data).
BASEMAP_REVISION = "1"
MAX_ZOOM = 19
_RENDERER_KEY = "sharemap.basemap"
_renderer_lock = threading.Lock()


@dataclass(frozen=True)
class Basemap:
    """What a Leaflet map of the pages needs to draw its base map."""

    url: str  # XYZ template with {z}/{x}/{y} (and {s} for subdomains)
    attribution: str  # plain text
    origin: str | None  # the tile server's origin when not this app (for img-src)
    max_zoom: int = MAX_ZOOM


def current_basemap() -> Basemap:
    external = settings().SHAREMAP_BASEMAP_URL
    if external:
        return Basemap(
            url=external,
            attribution=settings().SHAREMAP_BASEMAP_ATTRIBUTION or urlsplit(external).netloc,
            origin=tile_origin(external),
        )
    token = version_token((tileset.REGIONS,))
    return Basemap(
        url=f"{request.script_root}/tiles/basemap/{{z}}/{{x}}/{{y}}.png"
        f"?v={token}&r={BASEMAP_REVISION}",
        attribution=regions_credit(),
        origin=None,
    )


def version_token(layer_ids: tuple[str, ...]) -> str:
    """The tiles' `v` token; "down" while the store is unreachable, so that a page still
    renders (its requests then report the outage)."""
    try:
        return current_token(layer_ids)
    except StoreUnavailable:
        return "down"


def tile_origin(template: str) -> str:
    """The CSP source of an XYZ template's server ({s} subdomains become a wildcard)."""
    parts = urlsplit(template)
    return f"{parts.scheme}://{parts.netloc.replace('{s}', '*')}"


def regions_credit() -> str:
    boundaries = next(
        (s for s in registry.sources_for(tileset.REGIONS) if s.path.endswith("json")), None
    )
    if boundaries is None:
        return "sharemap"
    # "시군구 경계 2022 (ver20220309, simplified)" → "통계청 시군구 경계 2022"
    return f"{boundaries.publisher} {boundaries.title.split(' (')[0]}"


def renderer(regions_version: str | None) -> BaseMap:
    """The process's BaseMap of the current regions (rebuilt when they are reloaded)."""
    cached: tuple[str | None, BaseMap] | None = current_app.extensions.get(_RENDERER_KEY)
    if cached is not None and cached[0] == regions_version:
        return cached[1]
    with _renderer_lock:
        cached = current_app.extensions.get(_RENDERER_KEY)
        if cached is None or cached[0] != regions_version:
            cached = (regions_version, BaseMap(current_store().regions()))
            current_app.extensions[_RENDERER_KEY] = cached
        return cached[1]
