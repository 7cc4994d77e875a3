"""The OpenAPI document covers every endpoint, parameter and error, and the app keeps to it
(schemathesis fuzzes every operation); the docs page is served with local assets only."""

from __future__ import annotations

import re

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from app.params import items_params
from app.request_params.downloads import DOWNLOAD_PARAMS
from app.request_params.near import NEAR_PARAMS
from layers import registry

# Rules served by other blueprints that document themselves elsewhere (tiles: OGC API - Tiles).
UNDOCUMENTED_OK = re.compile(
    r"^/(static|tiles|style\.json|collections/\{[^}]+\}/tiles|embed|near$|api/places)"
)


def openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule)


def test_every_route_is_documented(api_app: Flask, api: FlaskClient) -> None:
    doc = api.get("/openapi.json").get_json()
    documented = set(doc["paths"])
    templated = {re.sub(r"\{[^}]+\}", "{}", p) for p in documented}
    missing = []
    for rule in api_app.url_map.iter_rules():
        path = openapi_path(rule.rule)
        if UNDOCUMENTED_OK.match(path):
            continue
        generic = re.sub(r"\{[^}]+\}", "{}", path)
        if path not in documented and generic not in templated:
            if path == "/download/{file_name}":
                assert all(
                    f"/download/{layer}.{fmt}" in documented
                    for layer in registry.LAYER_IDS
                    for fmt in ("geojson", "csv")
                )
                continue
            if path == "/docs/assets/{name}":
                continue
            missing.append(path)
    assert not missing


def test_parameters_and_errors_are_documented(api: FlaskClient) -> None:
    doc = api.get("/openapi.json").get_json()
    near = doc["paths"]["/api/near"]["get"]
    assert [p["name"] for p in near["parameters"]] == [p.name for p in NEAR_PARAMS]
    limit = next(p for p in near["parameters"] if p["name"] == "limit")
    assert limit["schema"]["maximum"] == 100
    items = doc["paths"]["/collections/public_toilets/items"]["get"]
    assert [p["name"] for p in items["parameters"]] == [
        p.name for p in items_params("public_toilets")
    ]
    assert "sigungu" in [p["name"] for p in items["parameters"]]
    generic = doc["paths"]["/collections/{collectionId}/items"]["get"]
    limit = next(p for p in generic["parameters"] if p["name"] == "limit")
    assert limit["schema"]["default"] == 100 and "10000" in limit["description"]
    download = doc["paths"]["/download/campsites.csv"]["get"]
    assert [p["name"] for p in download["parameters"]] == [p.name for p in DOWNLOAD_PARAMS]
    for status in ("400", "404", "405", "406", "503"):
        assert doc["components"]["responses"][status]["content"]["application/problem+json"]
    assert "Retry-After" in doc["components"]["responses"]["503"]["headers"]
    assert (
        api.get("/openapi.json").headers["Content-Type"]
        == "application/vnd.oai.openapi+json;version=3.0"
    )


def test_docs_page_uses_local_assets_only(api: FlaskClient) -> None:
    page = api.get("/docs").get_data(as_text=True)
    urls = re.findall(r"""(?:src|href)="([^"]+)\"""", page)
    assert urls and all(u.startswith("http://localhost/") for u in urls)
    for url in urls:
        asset = api.get(url.removeprefix("http://localhost"))
        assert asset.status_code == 200 and len(asset.get_data()) > 500
    assert "SwaggerUIBundle" in page and "http://localhost/openapi.json" in page
    assert api.get("/docs/assets/../../etc/passwd").status_code == 404


@pytest.fixture
def api_schema(api_app: Flask) -> schemathesis.schemas.BaseSchema:
    return schemathesis.openapi.from_wsgi("/openapi.json", api_app)


schema = schemathesis.pytest.from_fixture("api_schema")


# Examples per operation and phase: besides them schemathesis 4 generates its coverage cases
# (boundaries, each enum value, missing and malformed parameters), so 5 make ~2,800 cases over the
# 31 operations on the PostGIS-backed app (measured), tiles and downloads among them; the last
# test checks that at least MIN_CASES ran on each store.
MAX_EXAMPLES = 5
MIN_CASES = 1000
generated: dict[str, list[str]] = {}


@pytest.mark.slow
@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_app_keeps_to_its_openapi_document(case: schemathesis.Case, store_kind: str) -> None:
    generated.setdefault(store_kind, []).append(f"{case.method} {case.path}")
    # In-process WSGI calls are not decompressed (gzip is tested in test_http). A schema-valid
    # request may still be a documented 400 (a point in the sea, an empty datetime), so
    # positive_data_acceptance does not apply; every other check does.
    case.call_and_validate(
        headers={"Accept-Encoding": "identity"}, excluded_checks=[positive_data_acceptance]
    )


@pytest.mark.slow
def test_schemathesis_generated_enough_cases(store_kind: str) -> None:
    """Runs after the schemathesis cases of this module on the same store (pytest keeps the
    file's order within the tests of one store)."""
    cases = generated.get(store_kind)
    if not cases:
        pytest.skip("the schemathesis cases were not run in this session")
    assert len(cases) >= MIN_CASES, len(cases)
    assert any("/tiles/" in g for g in cases) and any("/download/" in g for g in cases)
    print(f"schemathesis cases on {store_kind}: {len(cases)} ({len(set(cases))} distinct paths)")
