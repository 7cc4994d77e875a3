"""HTTP plumbing: CORS, gzip, one access log line per request with coordinates rounded to
0.01°, the public origin in links (SHAREMAP_PUBLIC_URL, X-Forwarded-*), slashes."""

from __future__ import annotations

import gzip
import json
import logging

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given, settings
from hypothesis import strategies as st

from app import create_app
from app.http import round_coordinates
from tests.app.conftest import close_store


def test_cors_on_gets_and_preflight(api: FlaskClient) -> None:
    response = api.get("/collections", headers={"Origin": "https://agency.example.kr"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    error = api.get("/api/near", headers={"Origin": "https://agency.example.kr"})
    assert error.status_code == 400 and error.headers["Access-Control-Allow-Origin"] == "*"
    preflight = api.options(
        "/api/near",
        headers={"Origin": "https://agency.example.kr", "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status_code == 200
    assert "GET" in preflight.headers["Access-Control-Allow-Methods"]
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"


def test_gzip_for_json_when_asked(api: FlaskClient) -> None:
    plain = api.get("/collections")
    zipped = api.get("/collections", headers={"Accept-Encoding": "gzip, deflate"})
    assert "Content-Encoding" not in plain.headers
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert json.loads(gzip.decompress(zipped.get_data())) == plain.get_json()
    assert len(zipped.get_data()) < len(plain.get_data()) / 3
    near = api.get("/api/near?lat=37.5665&lon=126.978", headers={"Accept-Encoding": "gzip"})
    assert near.headers["Content-Encoding"] == "gzip"


def test_access_log_line_rounds_coordinates(
    api: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="app.access"):
        for url in (
            "/api/near?lat=37.566535&lon=126.9779692&limit=3",
            "/collections/campsites/items?bbox=126.9512,37.5234,127.0187,37.5811&limit=1",
            "/api/near?lat=37.56x6535&lon=126.9779692",
        ):
            api.get(url).close()  # a server closes the response once it is sent
    lines = [r.getMessage() for r in caplog.records if r.name == "app.access"]
    assert len(lines) == 3
    assert lines[0].startswith("GET /api/near?lat=37.57&lon=126.98&limit=3 200 ")
    assert lines[0].endswith("ms")
    assert "bbox=126.95%2C37.52%2C127.02%2C37.58" in lines[1]
    assert "lat=%3F&lon=126.98" in lines[2] and " 400 " in lines[2]
    assert not any("566535" in line or "9779692" in line for line in lines)


def test_round_coordinates() -> None:
    assert round_coordinates("lat=37.566535&lon=126.97797&q=x") == "lat=37.57&lon=126.98&q=x"
    assert round_coordinates("bbox=1.234,2.345,3.456,4.567") == "bbox=1.23%2C2.35%2C3.46%2C4.57"
    assert round_coordinates("lat=&lon=abc") == "lat=%3F&lon=%3F"


def test_links_use_the_forwarded_origin(api: FlaskClient) -> None:
    headers = {
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "map.example.kr",
        "X-Forwarded-Prefix": "/sharemap",
    }
    body = api.get("/?f=json", headers=headers).get_json()
    hrefs = [link["href"] for link in body["links"] if link["rel"] == "data"]
    assert hrefs == ["https://map.example.kr/sharemap/collections"]


def test_links_use_the_public_url(store_settings: dict[str, str]) -> None:
    app: Flask = create_app(
        {**store_settings, "SHAREMAP_PUBLIC_URL": "https://공유지도.example.kr/api/"}
    )
    try:
        client = app.test_client()
        body = client.get(
            "/collections/campsites", headers={"X-Forwarded-Host": "evil.example"}
        ).get_json()
        items = [link["href"] for link in body["links"] if link["rel"] == "items"]
        assert all(
            href.startswith("https://공유지도.example.kr/api/collections/campsites/items")
            for href in items
        )
        spec = client.get("/openapi.json").get_json()
        assert spec["servers"] == [{"url": "https://공유지도.example.kr/api"}]
    finally:
        close_store(app)


def test_double_slashes_are_one(api: FlaskClient) -> None:
    assert (
        api.get("//collections").status_code == 200
    )  # GDAL joins "http://host/" and "/collections"


def test_health(api: FlaskClient) -> None:
    assert api.get("/healthz").get_json() == {"status": "ok"}
    ready = api.get("/readyz").get_json()
    assert ready["status"] == "ready"
    assert set(ready["data_versions"]) >= {"public_toilets", "campsites"}


def test_the_dev_server_request_lines_are_dropped() -> None:
    """werkzeug's own line would log the raw coordinates; the app's line replaces it."""
    import app.http  # noqa: F401  (installs the filter with the app)

    create_app({"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"})
    werkzeug = logging.getLogger("werkzeug")
    line = '127.0.0.1 - - [25/Nov/2026 13:27:03] "GET /api/near?lat=37.566535&lon=126.97797 HTTP/1.1" 200 -'
    record = werkzeug.makeRecord("werkzeug", logging.INFO, __file__, 1, line, (), None)
    assert not all(f.filter(record) for f in werkzeug.filters)
    banner = werkzeug.makeRecord(
        "werkzeug", logging.INFO, __file__, 1, " * Running on http://127.0.0.1:5000", (), None
    )
    assert all(f.filter(banner) for f in werkzeug.filters)


_PAIR = st.tuples(
    st.sampled_from(["lat", "lon", "bbox", "layers", "q", "", "a,b"]),
    st.sampled_from(["=", ""]),
    st.text(alphabet="0123456789.,-=_abz", max_size=14),
)


@settings(max_examples=500, deadline=None)
@given(st.lists(_PAIR, max_size=5).map(lambda ps: "&".join(k + eq + v for k, eq, v in ps)))
def test_round_coordinates_shortcut_equals_parse_and_encode(query: str) -> None:
    from urllib.parse import parse_qsl, urlencode

    from app.http import COORDINATE_PARAMS, _rounded

    pairs = parse_qsl(query, keep_blank_values=True)
    slow = urlencode([(k, _rounded(v) if k in COORDINATE_PARAMS else v) for k, v in pairs])
    assert round_coordinates(query) == slow
