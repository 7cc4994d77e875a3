"""GET /api/near on the real data: results equal a brute-force computation over the same rows;
every error path; the languages."""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any

import numpy as np
import pytest
from flask.testing import FlaskClient

from geo.distance import distances_m, rank_key
from geo.hours import KST, Schedule
from geo.korea import in_korea
from layers import registry
from layers.record import FeatureRecord
from tests.app.conftest import assert_problem

Rows = dict[str, list[FeatureRecord]]


def status_at(record: FeatureRecord, at: datetime) -> str:
    if not record.opening_hours:
        return "unknown"
    is_open = Schedule.from_json(record.opening_hours).is_open(at)
    return "unknown" if is_open is None else ("open" if is_open else "closed")


def brute_force(
    rows: Rows,
    lon: float,
    lat: float,
    layers: tuple[str, ...],
    limit: int,
    radius_m: float,
    *,
    free: bool = False,
    wheelchair: bool = False,
    open_at: datetime | None = None,
) -> tuple[list[tuple[str, float]], int]:
    """(id, distance) of the expected results, and how many with unknown hours rank before the
    last one (open_at only)."""
    candidates = [
        r
        for layer in layers
        for r in rows[layer]
        if (not free or r.fee == "free") and (not wheelchair or r.wheelchair is True)
    ]
    if not candidates:
        return [], 0
    dist = distances_m(
        lon, lat, np.array([r.lon for r in candidates]), np.array([r.lat for r in candidates])
    )
    ranked = sorted(
        (
            (round(float(d), 1), r)
            for d, r in zip(dist, candidates, strict=True)
            if round(float(d), 1) <= radius_m
        ),
        key=lambda t: rank_key(t[0], t[1].id),
    )
    if open_at is None:
        return [(r.id, d) for d, r in ranked[:limit]], 0
    hits: list[tuple[str, float]] = []
    unknown: list[tuple[float, str]] = []
    for d, r in ranked:
        status = status_at(r, open_at)
        if status == "open":
            hits.append((r.id, d))
            if len(hits) == limit:
                break
        elif status == "unknown":
            unknown.append((d, r.id))
    return hits, len(unknown)


def near(api: FlaskClient, **params: Any) -> dict[str, Any]:
    response = api.get("/api/near", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/geo+json"
    return dict(response.get_json())


def assert_same(body: dict[str, Any], expected: list[tuple[str, float]]) -> None:
    got = [(f["id"], f["properties"]["distance_m"]) for f in body["features"]]
    assert [i for i, _ in got] == [i for i, _ in expected]
    for (_, d1), (_, d2) in zip(got, expected, strict=True):
        assert abs(d1 - d2) <= 0.11


def near_against_brute_force(
    api: FlaskClient,
    rows: Rows,
    ask: tuple[float, float, tuple[str, ...], int, float],
    query: dict[str, str],
    **filters: Any,
) -> tuple[dict[str, Any], list[tuple[str, float]], int]:
    """GET /api/near (lon, lat, layers, limit, radius_m of `ask`, plus `query`) answers what
    brute force finds with `filters`; the answer, brute force's results and unknown count."""
    lon, lat, layers, limit, radius_m = ask
    body = near(
        api, lat=lat, lon=lon, layers=",".join(layers), limit=limit, radius_m=radius_m, **query
    )
    expected, unknown = brute_force(rows, lon, lat, layers, limit, radius_m, **filters)
    assert_same(body, expected)
    return body, expected, unknown


def random_point(rnd: random.Random, rows: Rows) -> tuple[float, float]:
    """A point near real features (so that results are not empty), inside Korea."""
    while True:
        layer = rnd.choice([layer for layer in registry.LAYER_IDS if rows[layer]])
        r = rnd.choice(rows[layer])
        lon, lat = r.lon + rnd.uniform(-0.05, 0.05), r.lat + rnd.uniform(-0.05, 0.05)
        if in_korea(lon, lat):
            return round(lon, 6), round(lat, 6)


@pytest.mark.parametrize("seed", range(4))
def test_near_equals_brute_force(api: FlaskClient, all_rows: Rows, seed: int) -> None:
    rnd = random.Random(seed)
    for _ in range(12):
        lon, lat = random_point(rnd, all_rows)
        layers = tuple(rnd.sample(registry.LAYER_IDS, rnd.randint(1, len(registry.LAYER_IDS))))
        limit = rnd.choice([1, 5, 10, 37, 100])
        radius = rnd.choice([250.0, 1500.0, 20000.0])
        free, wheelchair = rnd.random() < 0.3, rnd.random() < 0.2
        body, expected, _ = near_against_brute_force(
            api,
            all_rows,
            (lon, lat, layers, limit, radius),
            {"free": str(free).lower(), "wheelchair": str(wheelchair).lower()},
            free=free,
            wheelchair=wheelchair,
        )
        assert body["numberReturned"] == len(expected)
        for f in body["features"]:
            assert f["properties"]["layer"] in layers
            assert f["properties"]["open_status"] in ("open", "closed", "unknown")
            if free:
                assert f["properties"]["fee"] == "free"
            if wheelchair:
                assert f["properties"]["wheelchair"] is True


@pytest.mark.parametrize(
    "at",
    [
        "2025-07-02T14:30:00",
        "2025-07-06T23:30:00+09:00",
        "2025-08-15T10:00:00",
        "2025-01-01T03:00:00Z",
    ],
)
def test_open_now_equals_brute_force(api: FlaskClient, all_rows: Rows, at: str) -> None:
    rnd = random.Random(at)
    when = datetime.fromisoformat(at)
    when = when.replace(tzinfo=KST) if when.tzinfo is None else when.astimezone(KST)
    left_out = 0
    # at least four points, and more until one had features of unknown hours left out
    for i in range(12):
        if i >= 4 and left_out:
            break
        lon, lat = random_point(rnd, all_rows)
        layers = ("public_toilets", "bike_stations", rnd.choice(registry.LAYER_IDS))
        layers = tuple(dict.fromkeys(layers))
        limit = rnd.choice([3, 10])
        radius = rnd.choice([1000.0, 5000.0])
        body, _, unknown = near_against_brute_force(
            api,
            all_rows,
            (lon, lat, layers, limit, radius),
            {"open_now": "true", "at": at},
            open_at=when,
        )
        assert all(f["properties"]["open_status"] == "open" for f in body["features"])
        assert body["unknown_hours_excluded"] == unknown
        left_out += unknown
    assert left_out > 0  # the count was exercised


def test_default_is_the_default_layers_ten_results_sorted(api: FlaskClient, all_rows: Rows) -> None:
    body = near(api, lat=37.5665, lon=126.9780)
    default = registry.near_default_ids()
    expected, _ = brute_force(all_rows, 126.9780, 37.5665, default, 10, 20000.0)
    assert_same(body, expected)
    distances = [f["properties"]["distance_m"] for f in body["features"]]
    assert distances == sorted(distances)
    assert body["query"]["layers"] == list(default)
    assert "parks" not in default and set(default) < set(registry.LAYER_IDS)
    assert "unknown_hours_excluded" not in body
    feature = body["features"][0]
    assert feature["geometry"]["type"] == "Point"
    props = feature["properties"]
    for key in (
        "layer",
        "distance_m",
        "open_status",
        "name",
        "address",
        "fee",
        "wheelchair",
        "details",
    ):
        assert key in props
    assert round(props["distance_m"], 1) == props["distance_m"]


def test_parks_are_found_when_asked_for(api: FlaskClient, all_rows: Rows) -> None:
    # a children's park area of Seoul, 강서구: parks are the nearest of all layers there
    body = near(api, lat=37.5509, lon=126.8495, layers="parks,public_toilets", limit=20)
    expected, _ = brute_force(all_rows, 126.8495, 37.5509, ("parks", "public_toilets"), 20, 20000.0)
    assert_same(body, expected)
    parks = [f for f in body["features"] if f["properties"]["layer"] == "parks"]
    assert parks and {"park_type", "area_m2"} <= set(parks[0]["properties"]["details"])
    default = near(api, lat=37.5509, lon=126.8495, limit=100)
    assert all(f["properties"]["layer"] != "parks" for f in default["features"])


def test_limit_is_total_across_layers(api: FlaskClient) -> None:
    body = near(api, lat=37.5665, lon=126.9780, limit=100)
    assert body["numberReturned"] == 100
    assert len({f["properties"]["layer"] for f in body["features"]}) > 1


def test_languages_switch_titles_and_labels_not_data(api: FlaskClient) -> None:
    ko = near(api, lat=37.5665, lon=126.9780, layers="public_toilets", lang="ko", labels="true")
    en = near(api, lat=37.5665, lon=126.9780, layers="public_toilets", lang="en", labels="true")
    assert ko["layers"]["public_toilets"]["title"] == registry.get("public_toilets").title.ko
    assert en["layers"]["public_toilets"]["title"] == registry.get("public_toilets").title.en
    assert ko["labels"]["distance_m"] != en["labels"]["distance_m"]
    assert ko["labels"]["values"]["open_status"]["open"] == "운영 중"
    assert en["labels"]["values"]["open_status"]["open"] == "Open"
    assert ko["features"] == en["features"]  # data values stay as published


def test_labels_are_served_once_per_language_and_linked(api: FlaskClient) -> None:
    body = near(api, lat=37.5665, lon=126.9780, layers="public_toilets", lang="en")
    assert "layers" not in body and "labels" not in body  # the default shape: without them
    (described,) = [link for link in body["links"] if link["rel"] == "describedby"]
    assert described["href"].endswith("/api/layers?lang=en")
    with_labels = near(
        api, lat=37.5665, lon=126.9780, layers="public_toilets", lang="en", labels="true"
    )
    response = api.get("/api/layers?lang=en")
    assert response.status_code == 200 and response.headers["Content-Language"] == "en"
    labels = response.get_json()
    assert set(labels["layers"]) == set(registry.LAYER_IDS)
    assert labels["layers"]["public_toilets"] == with_labels["layers"]["public_toilets"]
    assert labels["labels"] == with_labels["labels"]
    ko = api.get("/api/layers?lang=ko")
    assert (
        ko.get_json()["layers"]["public_toilets"]["title"]
        == registry.get("public_toilets").title.ko
    )
    etag = response.headers["ETag"]
    assert etag and etag != ko.headers["ETag"] and "max-age" in response.headers["Cache-Control"]
    again = api.get("/api/layers?lang=en", headers={"If-None-Match": etag})
    assert again.status_code == 304 and not again.data
    assert_problem(api.get("/api/layers?lang=fr"), 400)


@pytest.mark.parametrize(
    ("query", "code", "parameter"),
    [
        ("lat=37.5&lon=126.9&foo=1", "unknown_parameter", "foo"),
        ("lat=37.5&lat=37.6&lon=126.9", "repeated_parameter", "lat"),
        ("lon=126.9", "missing_parameter", "lat"),
        ("lat=abc&lon=126.9", "not_a_number", "lat"),
        ("lat=nan&lon=126.9", "not_a_number", "lat"),
        ("lat=1e400&lon=126.9", "not_a_number", "lat"),
        ("lat=37.5&lon=126.9&limit=101", "limit_too_large", "limit"),
        ("lat=37.5&lon=126.9&limit=0", "out_of_range", "limit"),
        ("lat=37.5&lon=126.9&limit=2.5", "not_an_integer", "limit"),
        ("lat=37.5&lon=126.9&radius_m=20001", "out_of_range", "radius_m"),
        ("lat=37.5&lon=126.9&radius_m=0", "out_of_range", "radius_m"),
        ("lat=37.5&lon=126.9&layers=toilets", "unknown_layer", "layers"),
        ("lat=37.5&lon=126.9&layers=,", "empty_layers", "layers"),
        ("lat=37.5&lon=126.9&open_now=maybe", "not_a_boolean", "open_now"),
        ("lat=37.5&lon=126.9&open_now=true&at=yesterday", "bad_datetime", "at"),
        ("lat=37.5&lon=126.9&at=1800-01-01T00:00", "bad_datetime", "at"),
        ("lat=37.5&lon=126.9&lang=fr", "bad_choice", "lang"),
        ("lat=37.5%00&lon=126.9", "bad_text", "lat"),
        ("lat=35.68&lon=139.76", "outside_korea", "lat"),  # Tokyo
        ("lat=95&lon=126.9", "out_of_range", "lat"),
        ("lat=127.0&lon=37.5", "swapped", "lat"),
    ],
)
def test_bad_input_is_a_400_problem(
    api: FlaskClient, query: str, code: str, parameter: str
) -> None:
    body = assert_problem(api.get(f"/api/near?{query}"), 400, code)
    assert body["parameter"] == parameter


def test_outside_korea_and_swap_say_so_in_both_languages(api: FlaskClient) -> None:
    en = assert_problem(api.get("/api/near?lat=127&lon=37.5&lang=en"), 400, "swapped")
    assert "swapped" in en["detail"] and "lat=37.5, lon=127" in en["detail"]
    ko = assert_problem(api.get("/api/near?lat=127&lon=37.5&lang=ko"), 400, "swapped")
    assert "바뀌" in ko["detail"]
    assert ko["title"] != en["title"]
    tokyo = assert_problem(api.get("/api/near?lat=35.68&lon=139.76&lang=en"), 400, "outside_korea")
    assert "outside South Korea" in tokyo["detail"]
    accept = api.get(
        "/api/near?lat=35.68&lon=139.76", headers={"Accept-Language": "en-US,en;q=0.9"}
    )
    assert "outside South Korea" in assert_problem(accept, 400)["detail"]


def test_the_snapshot_json_is_the_feature_dict_serialised(
    all_rows: Rows, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Snapshot.feature_json (each feature's JSON from the near-me snapshot, the distance and
    the status spliced in) gives exactly the bytes of layers.feature.near_feature's dict, for
    every real feature, at times that open and close them; and the snapshot's status is
    geo.hours'."""
    import orjson

    from geo.hours import day_context
    from layers.feature import near_feature
    from layers.store import nearme

    layers = [(layer_id, records) for layer_id, records in all_rows.items()]
    key = tuple((layer_id, "1") for layer_id, _records in layers)
    snapshot = nearme.open_or_build(tmp_path_factory.mktemp("nearme"), key, lambda: layers)
    rnd = random.Random(2)
    times = [datetime(2024, 5, d, h, 30, tzinfo=KST) for d, h in ((6, 3), (7, 12), (11, 20))]
    checked = 0
    position = 0
    for records in all_rows.values():
        for record in records:
            assert snapshot.record(position) == record
            distance = round(rnd.uniform(0, 20000), 1)
            for at in times:
                status = snapshot.status(position, day_context(at))
                assert status == status_at(record, at)
                hit = nearme.NearHit(position, distance, status)
                expected = orjson.dumps(near_feature(record, distance, status_at(record, at)))
                assert snapshot.feature_json(hit) == expected
            checked += 1
            position += 1
    assert checked > 20000


def test_free_parking_near_a_testing_site_comes_first_when_asked(
    api: FlaskClient, all_rows: Rows
) -> None:
    """`fee` of testing_site_parking is free/paid/unknown from 요금정보; free=true keeps the free
    lots only, the same ones brute force finds, each with the site it is near."""
    lots = all_rows["testing_site_parking"]
    assert {r.fee for r in lots} <= {"free", "paid", "unknown"}
    free = [r for r in lots if r.fee == "free"]
    assert free and len(free) < len(lots)
    site = free[len(free) // 2]
    lon, lat = site.lon + 0.002, site.lat + 0.002
    body = near(api, lat=lat, lon=lon, layers="testing_site_parking", free="true", limit=20)
    expected, _ = brute_force(all_rows, lon, lat, ("testing_site_parking",), 20, 20000.0, free=True)
    assert_same(body, expected)
    assert body["features"] and all(f["properties"]["fee"] == "free" for f in body["features"])
    assert all(f["properties"]["details"]["site_name"] for f in body["features"])


def test_a_testing_sites_parking_is_near_me_around_it(api: FlaskClient, all_rows: Rows) -> None:
    """What /near shows for a chosen testing site: near-me of testing_site_parking around it
    within the parking radius (1 km) finds exactly the lots, and free lots, the site counts."""
    sites = [s for s in all_rows["testing_sites"] if 0 < s.props["lots"] <= 100]
    assert len(sites) > 100
    for site in random.Random(15).sample(sites, 12):
        common = {"lat": site.lat, "lon": site.lon, "radius_m": 1000, "limit": 100}
        lots = near(api, layers="testing_site_parking", **common)["features"]
        free = near(api, layers="testing_site_parking", free="true", **common)["features"]
        assert len(lots) == site.props["lots"], site.id
        assert len(free) == site.props["free_lots"], site.id
        assert all(f["properties"]["fee"] == "free" for f in free)
    # the sites are in near-me only when asked for
    site = sites[0]
    body = near(api, lat=site.lat, lon=site.lon, layers="testing_sites", limit=1)
    assert body["features"][0]["id"] == site.id
    assert body["features"][0]["properties"]["details"]["lots"] == site.props["lots"]
    default = near(api, lat=site.lat, lon=site.lon, limit=50)
    assert all(f["properties"]["layer"] != "testing_sites" for f in default["features"])
