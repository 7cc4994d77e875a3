"""The pages over HTTP on the real data: /near, /embed (folium, local assets only, HTML errors,
frame-ancestors), /embed/builder, GET /api/places and the default base map's tiles."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image

from app import create_app
from geo.tiles import tile_for
from layers import registry
from tests.app.conftest import assert_problem, close_store

CDN_HOSTS = ("cdn.jsdelivr.net", "code.jquery.com", "cdnjs.cloudflare.com", "bootstrapcdn.com")


class Assets(HTMLParser):
    """The URLs a page makes the browser load (scripts, stylesheets, images, frames)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in ("script", "img", "iframe") and a.get("src"):
            self.urls.append(str(a["src"]))
        if tag == "link" and a.get("href"):
            self.urls.append(str(a["href"]))


def loaded_urls(html: str) -> list[str]:
    parser = Assets()
    parser.feed(html)
    return parser.urls


def page_config(html: str) -> dict:
    found = re.search(
        r'<script type="application/json" id="sharemap-config">(.*?)</script>', html, re.S
    )
    assert found, "no config"
    return dict(json.loads(found.group(1)))


@pytest.fixture(scope="module")
def restricted(store_settings: dict[str, str]) -> Iterator[FlaskClient]:
    app = create_app(
        {
            **store_settings,
            "SHAREMAP_EMBED_ALLOWED_ORIGINS": "https://www.seoul.go.kr, https://*.gg.go.kr "
            "javascript:alert(1) https://evil.example;script-src",
        }
    )
    yield app.test_client()
    close_store(app)


@pytest.fixture(scope="module")
def external_basemap(store_settings: dict[str, str]) -> Iterator[FlaskClient]:
    app = create_app(
        {
            **store_settings,
            "SHAREMAP_BASEMAP_URL": "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png",
            "SHAREMAP_BASEMAP_ATTRIBUTION": "© OpenStreetMap <contributors>",
        }
    )
    yield app.test_client()
    close_store(app)


# -- /near ------------------------------------------------------------------------------------


def test_near_page_is_korean_by_default_and_switches_to_english(api: FlaskClient) -> None:
    ko = api.get("/near", headers={"Accept-Language": "en-US"})
    assert ko.status_code == 200 and ko.mimetype == "text/html"
    html = ko.get_data(as_text=True)
    assert '<html lang="ko">' in html and "내 위치로 찾기" in html
    assert 'href="/near?lang=en"' in html
    en = api.get("/near?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in en and "Use my location" in en
    assert page_config(en)["lang"] == "en"


def test_near_page_shows_every_layer_with_its_sources_and_the_licence(api: FlaskClient) -> None:
    html = api.get("/near").get_data(as_text=True)
    assert "공공누리 제1유형" in html and "https://www.kogl.or.kr/info/licenseType1.do" in html
    for spec in registry.all_specs():
        assert f'value="{spec.id}"' in html  # a toggle
        assert spec.title.ko in html
        for source in registry.sources_for(spec.id):
            assert source.reference_date in html
            assert source.title in html


def test_near_page_loads_only_its_own_assets(api: FlaskClient) -> None:
    response = api.get("/near")
    urls = loaded_urls(response.get_data(as_text=True))
    assert "/static/vendor/leaflet/leaflet.js" in urls
    assert all(u.startswith("/") or u.startswith("data:") for u in urls), urls
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "connect-src 'self'" in csp
    assert "frame-ancestors" not in csp
    config = page_config(response.get_data(as_text=True))
    assert config["api"] == {"near": "/api/near", "layers": "/api/layers", "places": "/api/places"}
    assert config["basemap"]["url"].startswith("/tiles/basemap/{z}/{x}/{y}.png?v=")
    assert "Set-Cookie" not in response.headers


def test_a_shared_link_starts_at_its_point(api: FlaskClient) -> None:
    config = page_config(
        api.get("/near?lat=37.5&lon=127.0&layers=public_toilets,nope").get_data(as_text=True)
    )
    assert config["start"]["given"] is True
    assert (config["start"]["lat"], config["start"]["lon"]) == (37.5, 127.0)
    assert config["chosen"] == ["public_toilets"]
    outside = page_config(api.get("/near?lat=48.85&lon=2.35").get_data(as_text=True))
    assert "given" not in outside["start"]


def test_an_external_basemap_is_allowed_by_the_policy(external_basemap: FlaskClient) -> None:
    response = external_basemap.get("/near")
    config = page_config(response.get_data(as_text=True))
    assert config["basemap"]["url"] == "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png"
    assert config["basemap"]["attribution"] == "© OpenStreetMap &lt;contributors&gt;"
    assert (
        "img-src 'self' data: https://*.tile.openstreetmap.org"
        in response.headers["Content-Security-Policy"]
    )


# -- /embed -----------------------------------------------------------------------------------


def test_the_widget_is_folium_with_local_assets_only(api: FlaskClient) -> None:
    response = api.get("/embed?layers=public_toilets,bike_stations&zoom=15&cluster=true")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "L.map(" in html and "folium-map" in html  # folium's page
    assert "L.markerClusterGroup(" in html
    urls = loaded_urls(html)
    assert all(u.startswith("/static/") for u in urls), urls
    assert not [h for h in CDN_HOSTS if h in html]
    assert "jquery" not in html.lower() and "bootstrap" not in html.lower()
    assert "user-scalable=no" not in html
    assert '<html lang="ko">' in html
    assert "Set-Cookie" not in response.headers


def test_the_widget_never_inlines_features(api: FlaskClient, all_rows: dict) -> None:
    html = api.get("/embed?zoom=16").get_data(as_text=True)
    assert len(html.encode()) < 20_000
    toilets = all_rows["public_toilets"]
    assert not any(r.id in html for r in toilets[:500])
    assert "/collections/{layer}/items" in html  # it asks the API for the features in view


def test_cluster_false_uses_plain_groups(api: FlaskClient) -> None:
    html = api.get("/embed?cluster=false&layers=public_toilets").get_data(as_text=True)
    assert "L.markerClusterGroup(" not in html and "L.featureGroup(" in html
    assert "leaflet.markercluster" not in html


@pytest.mark.parametrize(
    ("query", "needle"),
    [
        ("zoom=99", "'zoom'"),
        ("lat=abc", "'lat'"),
        ("lat=48.85&lon=2.35", "대한민국 밖"),
        ("layers=nope", "nope"),
        ("height=10", "'height'"),
        ("cluster=maybe", "'cluster'"),
        ("lang=fr", "'lang'"),
        ("colour=red", "colour"),
    ],
)
def test_a_bad_widget_parameter_is_a_small_html_message(
    api: FlaskClient, query: str, needle: str
) -> None:
    response = api.get(f"/embed?{query}")
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert 'role="alert"' in html and "지도를 표시할 수 없습니다" in html
    assert needle in html.replace("&#39;", "'")
    assert len(html) < 2000
    assert "frame-ancestors" not in response.headers["Content-Security-Policy"]


def test_widget_errors_follow_lang(api: FlaskClient) -> None:
    html = api.get("/embed?lang=en&zoom=2").get_data(as_text=True)
    assert "The map cannot be shown" in html and "must be between" in html


def test_allowed_origins_become_frame_ancestors(restricted: FlaskClient) -> None:
    for path in ("/embed", "/embed?zoom=1"):  # the error message too
        csp = restricted.get(path).headers["Content-Security-Policy"]
        ancestors = csp.split("frame-ancestors ", 1)[1].split(";")[0]
        assert ancestors == "'self' https://www.seoul.go.kr https://*.gg.go.kr", csp
    assert "frame-ancestors" not in restricted.get("/near").headers["Content-Security-Policy"]


# -- /embed/builder ---------------------------------------------------------------------------


def test_the_builder_has_a_preview_and_a_snippet(api: FlaskClient) -> None:
    response = api.get("/embed/builder?lang=en")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<iframe id="preview"' in html and '<textarea id="snippet"' in html
    config = page_config(html)
    assert config["embedPath"] == "/embed"
    assert config["embedUrl"] == "http://localhost/embed"
    for control in ("lat", "lon", "zoom", "height", "widget-lang", "cluster"):
        assert f'id="{control}"' in html


# -- /api/places ------------------------------------------------------------------------------


def test_places_finds_regions_and_features(api: FlaskClient) -> None:
    response = api.get("/api/places?q=강남구&limit=5")
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    body = response.get_json()
    first = body["features"][0]
    assert first["properties"] == {
        "kind": "region",
        "name": "강남구",
        "address": "서울특별시",
        "layer": None,
        "layer_title": None,
    }
    lon, lat = first["geometry"]["coordinates"]
    assert 127.0 < lon < 127.15 and 37.45 < lat < 37.54  # inside 강남구
    assert body["numberReturned"] == len(body["features"]) <= 5


def test_places_needs_every_word(api: FlaskClient) -> None:
    body = api.get("/api/places?q=종로 화장실&layers=public_toilets&lang=en").get_json()
    assert body["features"]
    for f in body["features"]:
        p = f["properties"]
        text = f"{p['name']}\n{p['address'] or ''}"
        assert "종로" in text and "화장실" in text
        assert p["layer"] == "public_toilets" and p["layer_title"] == "Public toilets"


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("", "missing_parameter"),
        ("?q=", "missing_parameter"),
        ("?q=%20%20", "missing_parameter"),
        ("?q=강남&limit=0", "out_of_range"),
        ("?q=강남&limit=51", "out_of_range"),
        ("?q=강남&layers=nope", "unknown_layer"),
        ("?q=강남&where=x", "unknown_parameter"),
    ],
)
def test_places_errors_are_problems(api: FlaskClient, query: str, code: str) -> None:
    assert_problem(api.get(f"/api/places{query}"), 400, code)


def test_a_long_query_is_refused(api: FlaskClient) -> None:
    body = assert_problem(api.get("/api/places?q=" + "가" * 101 + "&lang=en"), 400)
    assert body["parameter"] == "q" and "at most 100" in body["detail"]


def test_places_is_in_the_openapi_document(api: FlaskClient) -> None:
    doc = api.get("/openapi.json").get_json()
    names = [p["name"] for p in doc["paths"]["/api/places"]["get"]["parameters"]]
    assert names == ["q", "layers", "limit", "lang"]


# -- the base map -----------------------------------------------------------------------------


def test_basemap_tiles_draw_the_boundaries_and_are_cached(api: FlaskClient) -> None:
    tile = tile_for(126.978, 37.5665, 11)
    url = f"/tiles/basemap/11/{tile.x}/{tile.y}.png"
    response = api.get(url)
    assert response.status_code == 200 and response.mimetype == "image/png"
    image = Image.open(io.BytesIO(response.data)).convert("RGB")
    assert image.size == (256, 256)
    colours = image.getcolors(maxcolors=256 * 256) or []
    assert len(colours) > 3  # land, lines and their anti-aliasing
    etag = response.headers["ETag"]
    again = api.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    sea = tile_for(160.0, 10.0, 11)  # the Pacific: nothing to draw
    empty = Image.open(io.BytesIO(api.get(f"/tiles/basemap/11/{sea.x}/{sea.y}.png").data))
    assert len(empty.convert("RGB").getcolors() or []) == 1


def test_basemap_tile_addresses_are_checked(api: FlaskClient) -> None:
    assert_problem(api.get("/tiles/basemap/3/8/0.png"), 400, "out_of_range")
    assert_problem(api.get("/tiles/basemap/x/0/0.png"), 400, "not_an_integer")


def test_the_pages_render_while_the_store_is_down() -> None:
    app: Flask = create_app({"DATABASE_URL": "postgresql://postgres@127.0.0.1:1/nothing"})
    client = app.test_client()
    for path in ("/near", "/embed", "/embed/builder"):
        assert client.get(path).status_code == 200, path
    assert_problem(client.get("/api/places?q=강남"), 503, "store_unavailable")
