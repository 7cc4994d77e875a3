"""Absolute links: the public origin is SHAREMAP_PUBLIC_URL, else the request's own (which
werkzeug's ProxyFix takes from X-Forwarded-Proto/Host/Port/Prefix behind one proxy)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, urlencode

from flask import request

from app.context import settings

JSON = "application/json"
GEOJSON = "application/geo+json"
HTML = "text/html"
CSV = "text/csv"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
SCHEMA_JSON = "application/schema+json"
REL_QUERYABLES = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
PMTILES = "application/vnd.pmtiles"
TILE_ARCHIVE_PATH = "/download/tiles.pmtiles"  # the vector tiles z0-z14 in one PMTiles file


def base_url() -> str:
    public = settings().SHAREMAP_PUBLIC_URL
    if public:
        return public.rstrip("/")
    return request.root_url.rstrip("/")


def url(path: str, query: Iterable[tuple[str, Any]] = ()) -> str:
    """An absolute URL of `path` (already percent-encoded) with `query` arguments."""
    pairs = [(k, v) for k, v in query if v is not None]
    return base_url() + path + (f"?{urlencode(pairs)}" if pairs else "")


def segment(value: str) -> str:
    """A path segment (feature ids hold ':' and '~', which stay readable)."""
    return quote(value, safe=":~@!$&'()*+,;=")


def link(href: str, rel: str, type_: str, title: str | None = None) -> dict[str, str]:
    out = {"href": href, "rel": rel, "type": type_}
    if title:
        out["title"] = title
    return out
