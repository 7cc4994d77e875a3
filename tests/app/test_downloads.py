"""Downloads: GeoJSON and CSV of whole or filtered layers, streamed from the database, with a
versioned file name and an ETag; geopandas opens both over HTTP."""

from __future__ import annotations

import csv
import io
import json

import geopandas
import pytest
from flask.testing import FlaskClient

from layers import export, registry
from layers.feature import flat_feature
from layers.record import FeatureRecord
from layers.store import FeatureQuery, Store
from layers.store.postgis import PostgisStore
from tests.app.conftest import assert_problem

Rows = dict[str, list[FeatureRecord]]


def test_geojson_download_is_the_whole_layer(
    api: FlaskClient, all_rows: Rows, app_store: Store
) -> None:
    response = api.get("/download/public_toilets.geojson")
    assert response.status_code == 200 and response.is_streamed
    assert response.mimetype == "application/geo+json"
    version = app_store.version("public_toilets")
    disposition = response.headers["Content-Disposition"]
    assert disposition == f'attachment; filename="sharemap-public_toilets-{version}.geojson"'
    body = json.loads(response.get_data())
    assert body["type"] == "FeatureCollection"
    rows = all_rows["public_toilets"]
    assert [f["id"] for f in body["features"]] == [r.id for r in rows]
    assert body["features"] == [flat_feature(r) for r in rows]
    for f in body["features"][:500]:  # RFC 7946: at most 7 decimals
        for value in f["geometry"]["coordinates"]:
            assert len(repr(value).partition(".")[2]) <= 7


def test_csv_download_has_bom_header_lonlat_wkt(api: FlaskClient, all_rows: Rows) -> None:
    response = api.get("/download/campsites.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    data = response.get_data()
    assert data.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    header, rows = table[0], table[1:]
    assert tuple(header) == export.csv_columns("campsites")
    assert {"lon", "lat", "WKT"} <= set(header)
    expected = all_rows["campsites"]
    assert len(rows) == len(expected)
    col = {name: i for i, name in enumerate(header)}
    for row, record in zip(rows, expected, strict=True):
        assert row[col["id"]] == record.id and row[col["name"]] == record.name
        lon, lat = float(row[col["lon"]]), float(row[col["lat"]])
        assert (lon, lat) == (round(record.lon, 7), round(record.lat, 7))
        assert row[col["WKT"]] == f"POINT({row[col['lon']]} {row[col['lat']]})"
    assert any("서울" in r[col["address"]] or "강원" in r[col["address"]] for r in rows)


@pytest.mark.postgis
@pytest.mark.parametrize("fmt", export.EXPORT_FORMATS)
@pytest.mark.parametrize("layer_id", registry.LAYER_IDS)
def test_database_export_equals_the_python_shape(
    pg_store: PostgisStore, layer_id: str, fmt: str
) -> None:
    """The PostGIS store builds the text in SQL; the default (any store) builds it in Python."""
    query = (
        FeatureQuery(filters=(("sido", "서울특별시"),)) if layer_id == "public_toilets" else None
    )
    fast = list(pg_store.export(layer_id, fmt, query))  # type: ignore[arg-type]
    slow = list(Store.export(pg_store, layer_id, fmt, query))  # type: ignore[arg-type]
    assert all(fast), "chunks are never empty"
    if fmt == "geojson":
        assert json.loads("[" + ",".join(fast) + "]") == json.loads("[" + ",".join(slow) + "]")
    else:
        assert "".join(fast) == "".join(slow)


def test_export_streams_in_chunks(app_store: Store) -> None:
    count = app_store.count("public_toilets")
    chunks = app_store.export("public_toilets", "csv")
    first = next(chunks)
    assert first.count("\r\n") < count  # a part, not the whole layer at once
    assert sum(c.count("\r\n") for c in chunks) + first.count("\r\n") >= count


def test_filters_sido_sigungu_bbox(api: FlaskClient, all_rows: Rows) -> None:
    rows = all_rows["public_toilets"]
    gangnam = [r.id for r in rows if r.sido == "서울특별시" and r.sigungu == "강남구"]
    body = json.loads(
        api.get(
            "/download/public_toilets.geojson",
            query_string={"sido": "서울특별시", "sigungu": "강남구"},
        ).get_data()
    )
    assert [f["id"] for f in body["features"]] == gangnam and gangnam
    busan = [r.id for r in rows if r.sido == "부산광역시"]
    text = (
        api.get("/download/public_toilets.csv", query_string={"sido": "부산광역시"})
        .get_data()
        .decode("utf-8-sig")
    )
    assert [line[0] for line in csv.reader(io.StringIO(text))][1:] == busan and busan
    bbox = (126.95, 37.52, 127.02, 37.58)
    inside = [r.id for r in rows if bbox[0] <= r.lon <= bbox[2] and bbox[1] <= r.lat <= bbox[3]]
    response = api.get("/download/public_toilets.geojson?bbox=" + ",".join(map(str, bbox)))
    assert [f["id"] for f in json.loads(response.get_data())["features"]] == inside
    assert response.headers["Content-Disposition"].endswith('.geojson"')
    assert "-public_toilets-" in response.headers["Content-Disposition"]


def test_etag_and_304(api: FlaskClient) -> None:
    first = api.get("/download/cooling_shelters.csv")
    first.get_data()
    etag = first.headers["ETag"]
    assert etag and first.headers["Accept-Ranges"] == "bytes"
    again = api.get("/download/cooling_shelters.csv", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    for url in (
        "/download/cooling_shelters.geojson",
        "/download/cooling_shelters.csv?sido=서울특별시",
    ):
        other = api.get(url)
        other.get_data()
        assert other.headers["ETag"] != etag


def test_head_and_range_requests_are_served_from_a_file(api: FlaskClient) -> None:
    whole = api.get("/download/bike_stations.csv").get_data()
    head = api.head("/download/bike_stations.csv")
    assert head.status_code == 200 and int(head.headers["Content-Length"]) == len(whole)
    part = api.get("/download/bike_stations.csv", headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.get_data() == whole[100:200]
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(whole)}"
    assert part.headers["ETag"] == head.headers["ETag"]
    assert "filename=" in part.headers["Content-Disposition"]


@pytest.mark.parametrize(
    ("url", "status", "code"),
    [
        ("/download/nope.geojson", 404, "unknown_download"),
        ("/download/campsites.xlsx", 404, "unknown_download"),
        ("/download/campsites", 404, "unknown_download"),
        ("/download/campsites.csv?sigungu=강남구", 400, "sigungu_needs_sido"),
        ("/download/campsites.csv?limit=5", 400, "unknown_parameter"),
        ("/download/campsites.csv?bbox=a,b,c,d", 400, "bad_bbox"),
    ],
)
def test_download_errors(api: FlaskClient, url: str, status: int, code: str) -> None:
    assert_problem(api.get(url), status, code)


@pytest.mark.parametrize("fmt", ["geojson", "csv"])
def test_geopandas_reads_the_downloads(live_url: str, all_rows: Rows, fmt: str) -> None:
    frame = geopandas.read_file(f"{live_url}/download/campsites.{fmt}")
    rows = all_rows["campsites"]
    assert len(frame) == len(rows)
    assert list(frame["id"]) == [r.id for r in rows]
    assert frame.geometry.geom_type.unique().tolist() == ["Point"]
    first = frame.geometry.iloc[0]
    assert (first.x, first.y) == pytest.approx((rows[0].lon, rows[0].lat), abs=1e-7)
    assert frame["name"].iloc[0] == rows[0].name
