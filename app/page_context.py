"""What the HTML pages (/near, /embed, /embed/builder) show besides the data: their texts (from
the catalogue, app/messages.py), each layer's title, colour and sources, the settings their
scripts read, and their Content-Security-Policy."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask import current_app, request, url_for
from markupsafe import escape

from app import messages
from app.basemap import Basemap, current_basemap, version_token
from app.context import settings
from app.links import base_url, url
from app.messages import PAGE_TEXT
from app.request_params.pages import chosen_layers
from app.request_params.widget import HEIGHT_DEFAULT, SEOUL_CITY_HALL, ZOOM_DEFAULT, EmbedParams
from app.widget import VECTOR_MIN_ZOOM, VIEW_LIMIT, WidgetAssets, WidgetPage, attribution_html
from geo.korea import in_korea
from layers import registry

# where /near's map starts before a location is chosen
START = {"lat": SEOUL_CITY_HALL[1], "lon": SEOUL_CITY_HALL[0], "zoom": 12}
NEAR_PER_LAYER = 5  # /near lists the nearest few of each chosen layer


@dataclass(frozen=True)
class SourceLine:
    publisher: str
    title: str
    portal: str
    reference_date: str


@dataclass(frozen=True)
class LayerEntry:
    id: str
    title: str
    colour: str
    sources: tuple[SourceLine, ...]
    first_view: bool  # chosen before the visitor chooses (LayerSpec.first_view)


def layer_entries(lang: str) -> list[LayerEntry]:
    return [
        LayerEntry(
            id=spec.id,
            title=spec.title(lang),
            colour=spec.colour,
            sources=tuple(
                SourceLine(s.publisher, s.title, s.portal, s.reference_date)
                for s in registry.provenance(spec.id)
            ),
            first_view=spec.first_view,
        )
        for spec in registry.all_specs()
    ]


def asset(path: str) -> str:
    return url_for("static", filename=path)


def basemap_config(basemap: Basemap) -> dict[str, Any]:
    return {
        "url": basemap.url,
        "attribution": str(escape(basemap.attribution)),
        "maxZoom": basemap.max_zoom,
    }


def items_url_template() -> str:
    return f"{request.script_root}/collections/{{layer}}/items"


def allowed_frame_ancestors() -> str | None:
    """SHAREMAP_EMBED_ALLOWED_ORIGINS as CSP frame-ancestors sources (None: any origin).

    Origins are separated by spaces or commas; anything that is not a scheme://host[:port]
    (a `*.` host wildcard allowed) or 'self'/'none' is dropped with a warning, so that a typo
    cannot inject another directive.
    """
    raw = settings().SHAREMAP_EMBED_ALLOWED_ORIGINS
    if raw is None or not raw.strip():
        return None
    kept: list[str] = []
    for token in re.split(r"[\s,]+", raw.strip()):
        if _SOURCE.fullmatch(token) or token in ("'self'", "'none'"):
            kept.append(token.rstrip("/"))
        elif token:
            current_app.logger.warning("SHAREMAP_EMBED_ALLOWED_ORIGINS: ignored %r", token)
    if "'none'" in kept:
        return "'none'"
    return " ".join(["'self'", *(k for k in kept if k != "'self'")])


_SOURCE = re.compile(r"https?://(\*\.)?[A-Za-z0-9.-]+(:\d{1,5})?/?")


def content_security_policy(
    basemap: Basemap, *, script_hashes: Iterable[str] = (), frame_ancestors: str | None = None
) -> str:
    """Everything from this app (the base map server too, when it is another). No inline script
    runs unless its hash is listed (folium's page, /docs); Leaflet and Swagger UI set inline
    styles."""
    images = " ".join(["'self'", "data:", *([basemap.origin] if basemap.origin else [])])
    directives = [
        "default-src 'self'",
        " ".join(["script-src 'self'", *(f"'{h}'" for h in script_hashes)]),
        "style-src 'self' 'unsafe-inline'",
        f"img-src {images}",
        "connect-src 'self'",
        "frame-src 'self'",
        "base-uri 'self'",
        "form-action 'self'",
        "object-src 'none'",
    ]
    if frame_ancestors is not None:
        directives.append(f"frame-ancestors {frame_ancestors}")
    return "; ".join(directives)


_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)([^>]*)>(.*?)</script>", re.S | re.I)


def inline_script_hashes(html: str) -> list[str]:
    """CSP hash sources of the page's inline scripts (data blocks such as
    type="application/json" are never run, so they need none)."""
    hashes = []
    for attributes, body in _INLINE_SCRIPT.findall(html):
        if "application/json" in attributes:
            continue
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        hashes.append(f"sha256-{digest}")
    return sorted(set(hashes))


def page_vars(lang: str) -> dict[str, Any]:
    """What every page template uses."""
    other = "en" if lang == "ko" else "ko"
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    switch_args = "&".join(
        f"{escape(k)}={escape(v)}" for k, v in [*args, *([("lang", "en")] if other == "en" else [])]
    )
    return {
        "lang": lang,
        "t": messages.page_text(lang),
        "layers": layer_entries(lang),
        "basemap_credit": current_basemap().attribution,
        "licence_url": messages.LICENCE_URL,
        "other_lang": other,
        "other_lang_href": request.path + (f"?{switch_args}" if switch_args else ""),
        "asset": asset,
        "lang_query": "?lang=en" if lang == "en" else "",
    }


def _layer_config(lang: str) -> dict[str, dict[str, str]]:
    return {e.id: {"title": e.title, "colour": e.colour} for e in layer_entries(lang)}


def near_config(lang: str, basemap: Basemap) -> dict[str, Any]:
    """The settings static/pages/near.js reads."""
    return {
        "lang": lang,
        "api": {
            "near": url_for("near.near"),
            "layers": url_for("near.layers"),
            "places": url_for("pages.places"),
        },
        "itemUrl": f"{request.script_root}/collections/{{layer}}/items/{{id}}",
        "basemap": basemap_config(basemap),
        "start": {**START, **_start_point()},
        "perLayer": NEAR_PER_LAYER,
        # a testing site's parking lots: those within the radius the load joined them by
        "parkingRadiusM": settings().SHAREMAP_PARKING_RADIUS_M,
        "layers": _layer_config(lang),
        "chosen": list(chosen_layers()),
        "appName": base_url(),
        "text": {**messages.script_text(lang), "data_credit": PAGE_TEXT["data_credit"](lang)},
    }


def _start_point() -> dict[str, Any]:
    """?lat=…&lon=… of a shared link: search there at once (ignored unless in Korea)."""
    try:
        lat, lon = float(request.args["lat"]), float(request.args["lon"])
    except (KeyError, ValueError):
        return {}
    if not in_korea(lon, lat):
        return {}
    return {"lat": lat, "lon": lon, "zoom": 16, "given": True}


def widget_page(p: EmbedParams, basemap: Basemap) -> WidgetPage:
    t = messages.page_text(p.lang)
    near_url = url_for("pages.near_page", lang=p.lang if p.lang == "en" else None)
    config = {
        "lang": p.lang,
        "items": items_url_template(),
        "itemUrl": f"{request.script_root}/collections/{{layer}}/items/{{id}}",
        "vectorMinZoom": VECTOR_MIN_ZOOM,
        "limit": VIEW_LIMIT,
        "layers": {
            layer_id: {
                **entry,
                "raster": f"{request.script_root}/tiles/{layer_id}/{{z}}/{{x}}/{{y}}.png"
                f"?v={version_token((layer_id,))}",
            }
            for layer_id, entry in _layer_config(p.lang).items()
            if layer_id in p.layers
        },
        "nearUrl": near_url,
        "text": {**messages.script_text(p.lang), "open_full": t["open_full"]},
    }
    return WidgetPage(
        title=t["widget_title"],
        map_label=t["widget_map_label"],
        basemap_url=basemap.url,
        basemap_max_zoom=basemap.max_zoom,
        attribution_html=attribution_html(
            basemap.attribution, t["data_credit"], f"{near_url}#sources"
        ),
        assets=WidgetAssets(
            leaflet_js=asset("vendor/leaflet/leaflet.js"),
            leaflet_css=asset("vendor/leaflet/leaflet.css"),
            markercluster_js=asset("vendor/leaflet.markercluster/leaflet.markercluster.js"),
            markercluster_css=(
                asset("vendor/leaflet.markercluster/MarkerCluster.css"),
                asset("vendor/leaflet.markercluster/MarkerCluster.Default.css"),
            ),
            embed_js=asset("pages/embed.js"),
            embed_css=asset("pages/embed.css"),
        ),
        config=config,
    )


def builder_config(lang: str) -> dict[str, Any]:
    """The settings static/pages/builder.js reads."""
    return {
        "lang": lang,
        "embedPath": url_for("pages.embed"),
        "embedUrl": url("/embed"),
        "layers": _layer_config(lang),
        "firstView": list(registry.first_view_ids()),
        "defaults": {
            "lat": SEOUL_CITY_HALL[1],
            "lon": SEOUL_CITY_HALL[0],
            "zoom": ZOOM_DEFAULT,
            "height": HEIGHT_DEFAULT,
        },
        "text": {key: PAGE_TEXT[key](lang) for key in ("widget_title", "copied")},
    }
