"""/audit and /audit.json on the real loaded database: the JSON keeps to the schema documented in
/openapi.json, its figures are the store's, the page asks for nothing from elsewhere."""

from __future__ import annotations

import re
from typing import Any

import jsonschema
import pytest
from flask.testing import FlaskClient

from geo.hours import states_clock_time
from layers import registry
from layers.store import Store
from tests.app.conftest import assert_problem


@pytest.fixture(scope="module")
def audit_doc(api_app: Any) -> dict[str, Any]:
    return dict(api_app.test_client().get("/audit.json").get_json())


def test_audit_json_keeps_to_its_documented_schema(
    api: FlaskClient, audit_doc: dict[str, Any]
) -> None:
    doc = api.get("/openapi.json").get_json()
    assert "Audit" in doc["components"]["schemas"]
    schema = {"$ref": "#/components/schemas/Audit", "components": doc["components"]}
    jsonschema.Draft7Validator(schema).validate(audit_doc)
    ok = doc["paths"]["/audit.json"]["get"]["responses"]["200"]["content"]["application/json"]
    assert ok["schema"] == {"$ref": "#/components/schemas/Audit"}
    # the validator does reject a wrong shape
    broken = {**audit_doc, "layers": [{**audit_doc["layers"][0], "score": "high"}]}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(schema).validate(broken)
    # the unparsed texts naming no time of day are documented, per layer and 시군구
    layer = doc["components"]["schemas"]["AuditLayer"]
    assert "hours_no_clock_time" in layer["required"]
    area = layer["properties"]["sigungu"]["items"]
    assert "hours_no_clock_time" in area["required"]
    phrasing = layer["properties"]["unparsed_hours"]["items"]
    assert phrasing["properties"]["states_clock_time"] == {
        "type": "boolean",
        "description": phrasing["properties"]["states_clock_time"]["description"],
    }
    unmarked = {**audit_doc["layers"][0], "hours_no_clock_time": -1}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(schema).validate({**audit_doc, "layers": [unmarked]})


def test_the_loads_rejects_are_kept_with_their_version(app_reports: list, app_store: Store) -> None:
    owners = registry.companion_owners()
    key = lambda r: (r.layer, r.file, r.row, r.reason)  # noqa: E731
    for report in app_reports:
        if report.layer not in registry.LAYER_IDS:
            continue
        for c in report.companions:
            if c.layer in owners:
                assert sorted(map(key, app_store.rejects(c.layer))) == sorted(map(key, c.rejects))
        # a companion layer written with it (testing_sites) keeps its own rejects
        expected = [
            *report.rejects,
            *(r for c in report.companions if c.layer not in owners for r in c.rejects),
        ]
        kept = app_store.rejects(report.layer)
        assert sorted(map(key, kept)) == sorted(map(key, expected)), report.layer
        # the rows with usable coordinates keep them (the audit's map draws them)
        if report.layer == "campsites":
            assert sum(r.lon is not None for r in kept) > 1000


def test_audit_figures_are_the_stores(audit_doc: dict[str, Any], app_store: Store) -> None:
    layers = {layer["layer"]: layer for layer in audit_doc["layers"]}
    assert set(layers) == set(registry.LAYER_IDS)
    for layer_id, layer in layers.items():
        assert layer["features"] == app_store.count(layer_id)
        assert layer["data_version"] == app_store.version(layer_id)
        rejects = app_store.rejects(layer_id)
        assert layer["rejected"] == len(rejects) > 0
        assert sum(layer["rejected_by_reason"].values()) == len(rejects)
        checks = layer["checks"]
        hours = checks["hours_blank"] + checks["hours_unparsed"] + checks["hours_parsed"]
        assert hours == layer["features"]
        assert sum(a["features"] for a in layer["sigungu"]) == layer["features"]
        # the unparsed texts naming no time of day, per layer and 시군구, and each phrasing
        assert 0 <= layer["hours_no_clock_time"] <= checks["hours_unparsed"]
        no_time = sum(a["hours_no_clock_time"] for a in layer["sigungu"])
        assert no_time == layer["hours_no_clock_time"]
        for p in layer["unparsed_hours"]:
            assert p["states_clock_time"] == states_clock_time(p["text"]), p
    # the reject reasons the load reported are the ones kept in the store
    assert layers["public_toilets"]["duplicates_merged"] > 1000
    # most toilet texts left unparsed are the category word 정시 or a duration: for the source
    toilets = layers["public_toilets"]
    assert toilets["hours_no_clock_time"] > toilets["checks"]["hours_unparsed"] / 2
    assert toilets["unparsed_hours"][0]["text"] == "정시"
    assert not toilets["unparsed_hours"][0]["states_clock_time"]
    every = sum(a["hours_no_clock_time"] for a in audit_doc["sigungu"])
    assert every == sum(la["hours_no_clock_time"] for la in layers.values())
    ranked = audit_doc["sigungu"]
    keys = [(-a["score"], -a["problems"]) for a in ranked]
    assert keys == sorted(keys) and len(ranked) > 200


def test_audit_is_cached_by_version_and_filtered(api: FlaskClient) -> None:
    first = api.get("/audit.json?layer=cooling_shelters").get_json()
    again = api.get("/audit.json?layer=cooling_shelters").get_json()
    assert again["generated_at"] == first["generated_at"]  # from the cache
    assert [la["layer"] for la in first["layers"]] == ["cooling_shelters"]
    seoul = api.get("/audit.json?sido=서울").get_json()
    assert {a["sido"] for a in seoul["sigungu"]} == {"서울특별시"}


def test_audit_page_is_self_contained(api: FlaskClient) -> None:
    response = api.get("/audit?layer=campsites")
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert not re.search(r"""(src|href)=['"](?!data:)""", page)
    assert page.count("data:image/png;base64,") == 1
    assert "캠핑장" in page or "Campsites" in page


@pytest.mark.parametrize(
    ("query", "code", "parameter"),
    [
        ("sido=평양", "unknown_sido", "sido"),
        ("layer=regions", "unknown_layer", "layer"),
        ("format=pdf", "unknown_parameter", "format"),
    ],
)
def test_audit_errors_are_problems(api: FlaskClient, query: str, code: str, parameter: str) -> None:
    for path in ("/audit.json", "/audit"):
        body = assert_problem(api.get(f"{path}?{query}"), 400, code)
        assert body["parameter"] == parameter
