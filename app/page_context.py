"""What the HTML pages (/near, /embed, /embed/builder) show besides the data: the texts of their
templates and scripts in Korean and English, each layer's title, colour and sources, the
settings their scripts read, and their Content-Security-Policy."""

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
from app.request_params.pages import chosen_layers
from app.request_params.widget import HEIGHT_DEFAULT, SEOUL_CITY_HALL, ZOOM_DEFAULT, EmbedParams
from app.widget import VECTOR_MIN_ZOOM, VIEW_LIMIT, WidgetAssets, WidgetPage, attribution_html
from geo.korea import in_korea
from layers import registry

# key -> (Korean, English)
TEXT: dict[str, tuple[str, str]] = {
    "site": ("공유지도", "sharemap"),
    "near_title": ("내 주변 공유자원 찾기", "Shared resources near me"),
    "near_intro": (
        f"{messages.layers_in_words('ko')} 가운데 가까운 곳을 찾습니다.",
        f"Find the nearest {messages.layers_in_words('en')}.",
    ),
    "skip_to_list": ("결과 목록으로 건너뛰기", "Skip to the list of results"),
    "language": ("언어", "Language"),
    "where": ("어디에서 찾을까요?", "Where should we look?"),
    "locate": ("내 위치로 찾기", "Use my location"),
    "search_label": ("장소·주소·시군구로 찾기", "Search a place, address or district"),
    "search_placeholder": ("예: 강남역, 종로구", "e.g. 강남역, 종로구"),
    "search_button": ("검색", "Search"),
    "map_hint": (
        "지도를 눌러서 위치를 정할 수도 있습니다.",
        "You can also tap the map to choose a point.",
    ),
    "geo_note": (
        "위치 찾기는 HTTPS 주소(또는 이 컴퓨터의 localhost)에서만 됩니다. 위치는 가까운 곳을 "
        "계산하는 데만 쓰이고 저장되지 않습니다.",
        "Finding your location works on HTTPS addresses (or localhost) only. Your location is "
        "used to find what is near and is not stored.",
    ),
    "options": ("레이어와 조건", "Layers and filters"),
    "layers": ("레이어", "Layers"),
    "filters": ("조건", "Filters"),
    "open_now": ("지금 운영 중인 곳만", "Open now only"),
    "free_only": ("무료인 곳만", "Free only"),
    "wheelchair_only": ("휠체어 이용 가능한 곳만", "Wheelchair accessible only"),
    "map_label": ("지도 (아래 목록과 같은 결과)", "Map (the same results as the list below)"),
    "results": ("가까운 곳", "Nearest places"),
    "results_empty": (
        "위치를 정하면 가까운 곳이 여기에 나옵니다.",
        "Choose a location and the nearest places appear here.",
    ),
    "sources": ("데이터 출처", "Data sources"),
    "reference_date": ("기준일", "reference date"),
    "basemap": ("기본 지도", "Base map"),
    "licence_note": (
        "이 서비스는 위 기관이 공공누리 제1유형(출처표시)으로 개방한 공공저작물을 이용합니다.",
        "This service uses public works the agencies above released under KOGL Type 1 "
        "(attribution).",
    ),
    "licence": ("공공누리 제1유형 (출처표시)", "KOGL Type 1 (attribution)"),
    "data_credit": ("데이터: 공공누리 제1유형", "Data: KOGL Type 1"),
    "api": ("API 문서", "API documentation"),
    "builder_link": ("내 누리집에 지도 넣기", "Put this map on your website"),
    "builder_title": ("지도 위젯 만들기", "Map widget builder"),
    "builder_intro": (
        "기관 누리집에 넣을 지도를 고르고, 아래 코드를 복사해 붙여 넣으세요. 쿠키도 키도 필요 없습니다.",
        "Choose what the map shows, then copy the code below into your web page. No cookies, "
        "no key.",
    ),
    "centre_lat": ("중심 위도", "Centre latitude"),
    "centre_lon": ("중심 경도", "Centre longitude"),
    "zoom": ("확대 수준 (6–18)", "Zoom (6–18)"),
    "height": ("높이 (픽셀)", "Height (pixels)"),
    "widget_lang": ("위젯 언어", "Widget language"),
    "cluster": ("가까운 표시를 묶어서 보이기", "Group nearby markers"),
    "preview": ("미리보기", "Preview"),
    "preview_hint": (
        "미리보기 지도를 움직이면 중심과 확대 수준이 위 칸에 들어갑니다.",
        "Moving the preview map copies its centre and zoom into the fields above.",
    ),
    "snippet": ("붙여 넣을 코드", "Code to paste"),
    "copy_code": ("코드 복사", "Copy the code"),
    "copied": ("복사했습니다", "Copied"),
    "widget_title": ("공유지도 지도", "sharemap map"),
    "widget_map_label": ("공유자원 지도", "Map of shared resources"),
    "embed_error": ("지도를 표시할 수 없습니다", "The map cannot be shown"),
    "open_full": ("공유지도에서 크게 보기", "Open in sharemap"),
}

# The texts near.js and embed.js show (the rest of TEXT is for the templates).
SCRIPT_TEXT: dict[str, tuple[str, str]] = {
    "locating": ("위치를 찾는 중…", "Finding your location…"),
    "geo_unsupported": (
        "이 브라우저는 위치 찾기를 지원하지 않습니다. 지도를 누르거나 장소를 검색하세요.",
        "This browser cannot share its location. Tap the map or search for a place.",
    ),
    "geo_denied": (
        "위치 권한이 없습니다. 지도를 누르거나 장소를 검색하세요.",
        "Location permission was denied. Tap the map or search for a place.",
    ),
    "geo_failed": (
        "위치를 찾지 못했습니다. 지도를 누르거나 장소를 검색하세요.",
        "Your location could not be found. Tap the map or search for a place.",
    ),
    "geo_insecure": (
        "위치 찾기는 HTTPS에서만 됩니다. 지도를 누르거나 장소를 검색하세요.",
        "Finding your location needs HTTPS. Tap the map or search for a place.",
    ),
    "searching": ("가까운 곳을 찾는 중…", "Looking for the nearest places…"),
    "searching_places": ("장소를 찾는 중…", "Searching…"),
    "no_places": ("찾는 장소가 없습니다.", "No place found."),
    "places_found": ("장소 {n}곳 — 하나를 고르세요.", "{n} places — choose one."),
    "choose_layer": ("레이어를 하나 이상 고르세요.", "Choose at least one layer."),
    "near_here": ("{where} 주변 {n}곳", "{n} places near {where}"),
    "none_found": (
        "{where}에서 {radius} 안에 조건에 맞는 곳이 없습니다.",
        "Nothing matches within {radius} of {where}.",
    ),
    "layer_none": ("{layer}: {radius} 안에 없음", "{layer}: none within {radius}"),
    "unknown_excluded": (
        "운영시간을 알 수 없는 {n}곳은 빠졌습니다.",
        "{n} places with unknown hours were left out.",
    ),
    "my_location": ("내 위치", "my location"),
    "chosen_point": ("고른 지점", "the chosen point"),
    "you_are_here": ("여기", "You are here"),
    "error": ("문제가 생겼습니다: {detail}", "Something went wrong: {detail}"),
    "kakao": ("카카오맵 길찾기", "Directions in Kakao Map"),
    "naver": ("네이버 지도 길찾기", "Directions in Naver Map"),
    "call": ("전화 {phone}", "Call {phone}"),
    "show_on_map": ("지도에서 보기", "Show on the map"),
    "show_in_list": ("목록에서 보기", "Show in the list"),
    "details": ("자세히", "Details"),
    "site_parking": ("이 진료소 주변 주차장 (무료 먼저)", "Parking near this site (free first)"),
    "site_parking_counts": (
        "{radius} 안 주차장 {lots}곳, 무료 {free}곳",
        "{lots} parking lots within {radius}, {free} free",
    ),
    "site_parking_none": ("{radius} 안에 주차장이 없습니다.", "No parking lot within {radius}."),
    "site_parking_more": ("가까운 {n}곳만 보입니다.", "Only the nearest {n} are shown."),
    "wheelchair_yes": ("휠체어 이용 가능", "Wheelchair accessible"),
    "wheelchair_no": ("휠체어 이용 어려움", "Not wheelchair accessible"),
    "hours": ("운영시간", "Hours"),
    "opens_new": ("(새 창)", "(new window)"),
    "list": ("목록", "List"),
    "list_title": ("지도에 보이는 곳", "Places on the map"),
    "close": ("닫기", "Close"),
    "zoom_in": (
        "확대하면 하나하나 눌러 볼 수 있습니다.",
        "Zoom in to see the places one by one.",
    ),
    "shown": ("{n}곳 표시", "{n} places shown"),
    "load_failed": ("자료를 불러오지 못했습니다.", "Could not load the data."),
}

# where /near's map starts before a location is chosen
START = {"lat": SEOUL_CITY_HALL[1], "lon": SEOUL_CITY_HALL[0], "zoom": 12}
NEAR_PER_LAYER = 5  # /near lists the nearest few of each chosen layer


def text(lang: str) -> dict[str, str]:
    return {key: messages.pick(pair, lang) for key, pair in TEXT.items()}


def script_text(lang: str) -> dict[str, str]:
    labels = {key: messages.pick(pair, lang) for key, pair in SCRIPT_TEXT.items()}
    for prop, values in messages.VALUE_LABELS.items():
        for value, pair in values.items():
            labels[f"{prop}.{value}"] = messages.pick(pair, lang)
    return labels


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
        "t": text(lang),
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
        "text": {**script_text(lang), "data_credit": text(lang)["data_credit"]},
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
    t = text(p.lang)
    sources = url_for("pages.near_page", lang=p.lang if p.lang == "en" else None) + "#sources"
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
        "nearUrl": url_for("pages.near_page", lang=p.lang if p.lang == "en" else None),
        "text": {**script_text(p.lang), "open_full": t["open_full"]},
    }
    return WidgetPage(
        title=t["widget_title"],
        map_label=t["widget_map_label"],
        basemap_url=basemap.url,
        basemap_max_zoom=basemap.max_zoom,
        attribution_html=attribution_html(basemap.attribution, t["data_credit"], sources),
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
        "text": {key: text(lang)[key] for key in ("widget_title", "copied")},
    }
