"""OGC API - Features on the real data: landing page, conformance, collections (extent, licence,
sources), items (paging, bbox, datetime, property filters), one item, queryables, negotiation."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from flask.testing import FlaskClient

from layers import registry
from layers.bilingual import Bilingual
from layers.record import FeatureRecord
from tests.app.conftest import assert_problem

Rows = dict[str, list[FeatureRecord]]
KOGL = "https://www.kogl.or.kr/info/licenseType1.do"


def get_json(api: FlaskClient, url: str, **kwargs: Any) -> dict[str, Any]:
    response = api.get(url, **kwargs)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return dict(response.get_json(force=True))


def local(href: str) -> str:
    """A link's path and query, for the test client."""
    parts = urlsplit(href)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def rels(body: dict[str, Any]) -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = {}
    for link in body["links"]:
        out.setdefault(link["rel"], []).append(link)
    return out


def test_landing_page_html_by_default_json_on_request(api: FlaskClient) -> None:
    html = api.get("/", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert html.status_code == 200 and html.mimetype == "text/html"
    page = html.get_data(as_text=True)
    assert 'href="http://localhost/near"' in page  # the phone page, prominently
    assert api.get("/").mimetype == "text/html"
    for response in (api.get("/?f=json"), api.get("/", headers={"Accept": "application/json"})):
        assert response.mimetype == "application/json"
        links = rels(response.get_json())
        for rel in (
            "self",
            "alternate",
            "service-desc",
            "service-doc",
            "conformance",
            "data",
            "license",
        ):
            assert rel in links, rel
        assert links["service-desc"][0]["type"] == "application/vnd.oai.openapi+json;version=3.0"
        assert links["data"][0]["href"] == "http://localhost/collections"
        assert links["license"][0]["href"] == KOGL


def test_conformance(api: FlaskClient) -> None:
    classes = get_json(api, "/conformance")["conformsTo"]
    for name in ("core", "geojson", "html", "oas30"):
        assert f"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/{name}" in classes
    assert api.get("/conformance?f=html").mimetype == "text/html"


def test_collections_state_extent_licence_sources(api: FlaskClient, all_rows: Rows) -> None:
    body = get_json(api, "/collections")
    assert [c["id"] for c in body["collections"]] == list(registry.LAYER_IDS)
    for c in body["collections"]:
        rows = all_rows[c["id"]]
        links = rels(c)
        assert links["license"][0]["href"] == KOGL
        assert "공공누리 제1유형" in links["license"][0]["title"]
        assert "공공누리 제1유형" in c["attribution"]
        enclosures = {link["type"]: link["href"] for link in links["enclosure"]}
        assert enclosures == {
            "application/geo+json": f"http://localhost/download/{c['id']}.geojson",
            "text/csv": f"http://localhost/download/{c['id']}.csv",
        }
        assert {link["type"] for link in links["items"]} == {"application/geo+json", "text/html"}
        expected_sources = list(registry.provenance(c["id"]))
        assert [s["reference_date"] for s in c["sources"]] == [
            s.reference_date for s in expected_sources
        ]
        assert c["reference_date"] == max(s.reference_date for s in expected_sources)
        assert c["itemCount"] == len(rows)
        if rows:
            bbox = c["extent"]["spatial"]["bbox"][0]
            assert bbox == pytest.approx(
                [
                    min(r.lon for r in rows),
                    min(r.lat for r in rows),
                    max(r.lon for r in rows),
                    max(r.lat for r in rows),
                ],
                abs=1e-6,
            )
        one = get_json(api, f"/collections/{c['id']}")
        assert one["id"] == c["id"] and one["title"] == c["title"]


def test_collection_titles_follow_lang(api: FlaskClient) -> None:
    ko = get_json(api, "/collections/public_toilets?lang=ko")
    en = get_json(api, "/collections/public_toilets?lang=en")
    assert ko["title"] == "공중화장실" and en["title"] == "Public toilets"
    page = api.get("/collections/public_toilets?f=html&lang=en").get_data(as_text=True)
    assert "Sources and reference dates" in page and "2025-05" in page


@pytest.mark.parametrize("layer_id", registry.LAYER_IDS)
def test_paging_adds_up_to_number_matched(api: FlaskClient, all_rows: Rows, layer_id: str) -> None:
    url: str | None = f"/collections/{layer_id}/items?limit=1000"
    seen: list[str] = []
    matched = None
    while url:
        body = get_json(api, url)
        matched = body["numberMatched"] if matched is None else matched
        assert body["numberMatched"] == matched
        assert body["numberReturned"] == len(body["features"]) <= 1000
        seen += [f["id"] for f in body["features"]]
        nxt = rels(body).get("next")
        url = local(nxt[0]["href"]) if nxt else None
    assert len(seen) == len(set(seen)) == matched == len(all_rows[layer_id])
    assert seen == sorted(seen)


def test_items_match_the_rows(api: FlaskClient, all_rows: Rows) -> None:
    body = get_json(api, "/collections/campsites/items?limit=5&offset=7")
    expected = all_rows["campsites"][7:12]
    assert [f["id"] for f in body["features"]] == [r.id for r in expected]
    f, r = body["features"][0], expected[0]
    assert f["geometry"] == {"type": "Point", "coordinates": [round(r.lon, 7), round(r.lat, 7)]}
    assert f["properties"]["name"] == r.name and f["properties"]["layer"] == "campsites"
    assert all(f["properties"][k] == v for k, v in r.props.items())
    links = rels(body)
    assert "offset=12" in links["next"][0]["href"] and "offset=2" in links["prev"][0]["href"]
    assert api.get("/collections/campsites/items").get_json()["numberReturned"] == 100


def test_limit_above_the_maximum_is_served_as_the_maximum(api: FlaskClient) -> None:
    body = get_json(api, "/collections/public_toilets/items?limit=50000")
    assert body["numberReturned"] == min(10000, body["numberMatched"])


def test_bbox_filter(api: FlaskClient, all_rows: Rows) -> None:
    bbox = (126.95, 37.52, 127.02, 37.58)
    inside = [
        r.id
        for r in all_rows["public_toilets"]
        if bbox[0] <= r.lon <= bbox[2] and bbox[1] <= r.lat <= bbox[3]
    ]
    body = get_json(
        api, "/collections/public_toilets/items?limit=10000&bbox=" + ",".join(map(str, bbox))
    )
    assert body["numberMatched"] == len(inside) > 0
    assert [f["id"] for f in body["features"]] == inside
    three_d = get_json(
        api, "/collections/public_toilets/items?limit=1&bbox=126.95,37.52,0,127.02,37.58,100"
    )
    assert three_d["numberMatched"] == len(inside)


def test_property_filters_by_queryable_name(api: FlaskClient, all_rows: Rows) -> None:
    gangnam = [r.id for r in all_rows["public_toilets"] if r.sigungu == "강남구"]
    body = get_json(
        api, "/collections/public_toilets/items", query_string={"sigungu": "강남구", "limit": 10000}
    )
    assert [f["id"] for f in body["features"]] == gangnam and gangnam
    free_wc = [r.id for r in all_rows["public_toilets"] if r.fee == "free" and r.wheelchair is True]
    body = get_json(api, "/collections/public_toilets/items?fee=free&wheelchair=true&limit=10000")
    assert [f["id"] for f in body["features"]] == free_wc
    bells = [r.id for r in all_rows["public_toilets"] if r.props.get("emergency_bell") is True]
    body = get_json(api, "/collections/public_toilets/items?emergency_bell=true&limit=10000")
    assert body["numberMatched"] == len(bells) > 0


def test_datetime_filter(api: FlaskClient, all_rows: Rows) -> None:
    rows = all_rows["campsites"]
    in_2020 = [
        r.id for r in rows if r.updated_at and "2020-01-01" <= r.updated_at[:10] <= "2020-12-31"
    ]
    body = get_json(api, "/collections/campsites/items?datetime=2020-01-01/2020-12-31&limit=10000")
    assert [f["id"] for f in body["features"]] == in_2020 and in_2020
    since = [r.id for r in rows if r.updated_at and r.updated_at[:10] >= "2021-06-01"]
    body = get_json(
        api, "/collections/campsites/items?datetime=2021-06-01T00:00:00Z/..&limit=10000"
    )
    assert body["numberMatched"] == len(since)


def test_one_item_with_colons_and_tildes(api: FlaskClient, all_rows: Rows) -> None:
    campsite = all_rows["campsites"][0]
    assert ":" in campsite.id
    for path in (
        f"/collections/campsites/items/{campsite.id}",
        f"/collections/campsites/items/{quote(campsite.id, safe='')}",
    ):
        body = get_json(api, path)
        assert body["id"] == campsite.id and body["type"] == "Feature"
        assert rels(body)["collection"][0]["href"] == "http://localhost/collections/campsites"
    tilde = next((r for layer in registry.LAYER_IDS for r in all_rows[layer] if "~" in r.id), None)
    if tilde is not None:
        assert get_json(api, f"/collections/{tilde.layer}/items/{tilde.id}")["id"] == tilde.id
    page = api.get(f"/collections/campsites/items/{campsite.id}?f=html")
    assert page.mimetype == "text/html" and campsite.name in page.get_data(as_text=True)


def test_queryables(api: FlaskClient) -> None:
    response = api.get("/collections/public_toilets/queryables")
    assert response.mimetype == "application/schema+json"
    body = response.get_json()
    assert body["type"] == "object" and body["additionalProperties"] is False
    assert body["properties"]["sigungu"]["type"] == "string"
    assert body["properties"]["wheelchair"]["type"] == "boolean"
    assert body["properties"]["fee"]["enum"] == ["free", "paid", "unknown"]
    assert "emergency_bell" in body["properties"]
    assert "managing_agency" not in body["properties"]  # declared not queryable
    assert api.get("/collections/public_toilets/queryables?f=html").mimetype == "text/html"


def test_format_negotiation(api: FlaskClient) -> None:
    url = "/collections/campsites/items?limit=1"
    assert api.get(url).mimetype == "application/geo+json"
    assert api.get(url + "&f=json").mimetype == "application/geo+json"
    assert api.get(url + "&f=html").mimetype == "text/html"
    assert api.get(url, headers={"Accept": "text/html"}).mimetype == "text/html"
    assert (
        api.get(url, headers={"Accept": "application/geo+json, application/json"}).mimetype
        == "application/geo+json"
    )
    assert api.get("/collections", headers={"Accept": "*/*"}).mimetype == "application/json"
    assert_problem(api.get(url, headers={"Accept": "image/png"}), 406, "not_acceptable")
    assert_problem(api.get(url + "&f=xml"), 400, "bad_choice")
    assert_problem(api.get("/collections?f=geojson"), 400, "bad_choice")


@pytest.mark.parametrize(
    ("url", "status", "code"),
    [
        ("/collections/nope", 404, "unknown_collection"),
        ("/collections/nope/items", 404, "unknown_collection"),
        ("/collections/nope/queryables", 404, "unknown_collection"),
        ("/collections/campsites/items/nope:nope", 404, "feature_not_found"),
        ("/collections/campsites/items?foo=1", 400, "unknown_parameter"),
        ("/collections/campsites/items?limit=0", 400, "out_of_range"),
        ("/collections/campsites/items?limit=x", 400, "not_an_integer"),
        ("/collections/campsites/items?offset=-1", 400, "out_of_range"),
        ("/collections/campsites/items?offset=99999999999", 400, "out_of_range"),
        ("/collections/campsites/items?bbox=1,2,3", 400, "bad_bbox"),
        ("/collections/campsites/items?bbox=127,38,126,37", 400, "bbox_order"),
        ("/collections/campsites/items?bbox=127,38,200,39", 400, "out_of_range"),
        ("/collections/campsites/items?datetime=yesterday", 400, "bad_interval"),
        ("/collections/campsites/items?datetime=2021-01-01/2020-01-01", 400, "bad_interval"),
        ("/collections/campsites/items?datetime=../..&datetime=..", 400, "repeated_parameter"),
        ("/collections/campsites/items?sites=many", 400, "bad_filter_value"),
        ("/collections/campsites/items?fee=gratis", 400, "bad_filter_value"),
        ("/collections/public_toilets/items?wheelchair=perhaps", 400, "bad_filter_value"),
        ("/collections/public_toilets/items?managing_agency=x", 400, "unknown_parameter"),
        ("/collections?foo=1", 400, "unknown_parameter"),
        ("/conformance?lang=de", 400, "bad_choice"),
        ("/?f=pdf", 400, "bad_choice"),
    ],
)
def test_errors(api: FlaskClient, url: str, status: int, code: str) -> None:
    assert_problem(api.get(url), status, code)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("30", "30"), ("30.0", "30"), ("12.50", "12.5"), ("1e3", "1000"), ("1e-5", "0.00001")],
)
def test_number_filters_compare_as_postgresql_prints_jsonb(raw: str, expected: str) -> None:
    from app.request_params.primitives import filter_value
    from layers.queryables import Queryable

    assert filter_value(Queryable("area_m2", "number", Bilingual("면적", "Area")), raw) == expected


@pytest.mark.parametrize("raw", ["1e999", "inf", "nan", "1e40"])
def test_unusable_number_filters_are_a_400(raw: str) -> None:
    from app.errors import InvalidParameter
    from app.request_params.primitives import filter_value
    from layers.queryables import Queryable

    with pytest.raises(InvalidParameter):
        filter_value(Queryable("area_m2", "number", Bilingual("면적", "Area")), raw)
