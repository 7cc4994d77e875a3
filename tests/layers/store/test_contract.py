"""The store contract, run on both stores: PostGIS (a fresh database) and embedded (a tmp dir)."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import shapely

from geo.distance import distance_m, rank_key
from layers.record import FeatureRecord, Region, Reject
from layers.store import FeatureQuery, NearQuery, Store
from layers.store.base import LayerWrite, StoreError
from tests.layers.store.synthetic import synthetic

StoreFactory = Callable[[], Store]


@pytest.fixture(params=[pytest.param("postgis", marks=pytest.mark.postgis), "embedded"])
def store_factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreFactory]:
    """Opens stores on one backing database or directory (so a second one sees the first's)."""
    opened: list[Store] = []

    if request.param == "postgis":
        from layers.store.postgis import PostgisStore

        url = request.getfixturevalue("empty_db")

        def open_store() -> Store:
            return PostgisStore(url)
    else:
        from layers.store.embedded import EmbeddedStore

        def open_store() -> Store:
            return EmbeddedStore(tmp_path / "store")

    def factory() -> Store:
        store = open_store()
        opened.append(store)
        return store

    yield factory
    for store in opened:
        store.close()


@pytest.fixture
def any_store(store_factory: StoreFactory) -> Store:
    return store_factory()


def brute_force(
    records: list[FeatureRecord], lon: float, lat: float, radius_m: float, limit: int
) -> list[tuple[float, str]]:
    ranked = sorted(
        ((round(distance_m(lon, lat, r.lon, r.lat), 1), r.id) for r in records),
        key=lambda t: rank_key(*t),
    )
    return [t for t in ranked if t[0] <= radius_m][:limit]


# -- writing and reading back ---------------------------------------------------------------


def test_replace_layer_then_read_back(store_factory: StoreFactory) -> None:
    store = store_factory()
    records = synthetic("public_toilets", 50)
    outcome = store.replace_layer("public_toilets", records, data_version="v1")
    assert outcome.changed and outcome.rows == 50
    assert store.version("public_toilets") == "v1"
    assert store.versions() == {"public_toilets": "v1"}
    assert store.count("public_toilets") == 50
    assert store.get("public_toilets", records[7].id) == records[7]
    assert [r.id for r in store.features("public_toilets")] == sorted(r.id for r in records)
    assert store.get("public_toilets", "nope") is None
    # a store opened afterwards reads the same
    again = store_factory()
    assert list(again.features("public_toilets")) == sorted(records, key=lambda r: r.id)


def test_nested_values_and_nulls_round_trip(any_store: Store) -> None:
    record = FeatureRecord(
        layer="public_toilets",
        id="public_toilets:test:nested",
        name="중앙공원 화장실",
        lon=126.9780123,
        lat=37.5665432,
        opening_hours_raw="09:00~18:00",
        opening_hours={"weekly": [["Mo", "09:00", "18:00"]], "holidays": None},
        fee="paid",
        fee_text="500원",
        wheelchair=False,
        source="x.csv#3",
        updated_at="2024-05-01",
        props={"capacity": 3, "ratio": 0.5, "open_24h": True, "tags": ["a", "b"], "note": None},
    )
    bare = FeatureRecord(
        layer="public_toilets", id="public_toilets:test:bare", name="x", lon=127.0, lat=37.5
    )
    any_store.replace_layer("public_toilets", [record, bare], data_version="v")
    assert any_store.get("public_toilets", record.id) == record
    assert any_store.get("public_toilets", bare.id) == bare


def test_empty_layer_and_unknown_layers(any_store: Store) -> None:
    any_store.replace_layer("campsites", [], data_version="empty")
    assert any_store.version("campsites") == "empty"
    assert any_store.count("campsites") == 0
    assert list(any_store.features("campsites")) == []
    assert any_store.nearest(NearQuery(127.0, 37.5, ("campsites", "bike_stations"))) == []
    info = any_store.layer_info("campsites")
    assert info is not None and info.count == 0 and info.bbox is None
    assert any_store.count("bike_stations") == 0
    assert any_store.get("bike_stations", "x") is None
    assert list(any_store.features("bike_stations")) == []
    assert any_store.version("bike_stations") is None
    assert any_store.layer_info("bike_stations") is None


def test_filters_bbox_and_paging(any_store: Store) -> None:
    records = synthetic("campsites", 200)
    any_store.replace_layer("campsites", records, data_version="v1")
    bbox = (126.95, 37.52, 127.05, 37.58)
    inside = sorted(
        r.id for r in records if bbox[0] <= r.lon <= bbox[2] and bbox[1] <= r.lat <= bbox[3]
    )
    assert any_store.count("campsites", FeatureQuery(bbox=bbox)) == len(inside)
    page = [
        r.id for r in any_store.features("campsites", FeatureQuery(bbox=bbox, limit=5, offset=5))
    ]
    assert page == inside[5:10]
    assert [r.id for r in any_store.features("campsites", FeatureQuery(limit=3))] == sorted(
        r.id for r in records
    )[:3]
    assert list(any_store.features("campsites", FeatureQuery(offset=200))) == []
    jung = sorted(r.id for r in records if r.sigungu == "중구" and r.props["kind"] == "a")
    query = FeatureQuery(filters=(("sigungu", "중구"), ("kind", "a")))
    assert [r.id for r in any_store.features("campsites", query)] == jung
    assert any_store.count("campsites", query) == len(jung)


def test_bbox_edges_are_inclusive_at_float4_precision(any_store: Store) -> None:
    """PostGIS `&&` compares float4 boxes rounded outwards: a point on an edge, or a hair
    (well under a metre) outside it, intersects."""

    def at(i: int, lon: float, lat: float) -> FeatureRecord:
        return FeatureRecord(layer="bike_stations", id=f"b{i}", name="b", lon=lon, lat=lat)

    records = [
        at(0, 127.0, 37.5),  # the south-west corner
        at(1, 127.1, 37.6),  # the north-east corner
        at(2, 127.1 + 1e-7, 37.55),  # a hair east
        at(3, 127.1 + 1e-4, 37.55),  # 9 m east
        at(4, 127.05, 37.5 - 1e-4),  # 11 m south
        at(5, 127.05, 37.55),  # inside
    ]
    any_store.replace_layer("bike_stations", records, data_version="v")
    got = [
        r.id
        for r in any_store.features("bike_stations", FeatureQuery(bbox=(127.0, 37.5, 127.1, 37.6)))
    ]
    assert got == ["b0", "b1", "b2", "b5"]
    assert any_store.count("bike_stations", FeatureQuery(bbox=(127.05, 37.55, 127.05, 37.55))) == 1


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("wheelchair", "true", ["t0"]),
        ("wheelchair", "false", ["t1"]),
        ("fee", "paid", ["t1", "t2"]),
        ("updated_at", "2024-05-01", ["t0"]),
        ("capacity", "3", ["t0"]),
        ("ratio", "0.5", ["t0"]),
        ("ratio", "100.0", ["t1"]),
        ("tiny", "0.00001", ["t0"]),
        ("huge", "10000000000000000", ["t0"]),
        ("open_24h", "true", ["t0"]),
        ("open_24h", "false", ["t1"]),
        ("tags", '["a", "b"]', ["t0"]),
        ("meta", '{"b": 1, "aa": [true, null]}', ["t0"]),
        ("note", "null", []),
        ("missing", "x", []),
        ("source", "s0", []),  # not a filterable common field: looked up in props
    ],
)
def test_filters_compare_values_as_postgresql_text(
    any_store: Store, name: str, value: str, expected: list[str]
) -> None:
    def toilet(feature_id: str, label: str, lon: float, **fields: Any) -> FeatureRecord:
        return FeatureRecord(
            layer="public_toilets", id=feature_id, name=label, lon=lon, lat=37.5, **fields
        )

    props = {
        "capacity": 3,
        "ratio": 0.5,
        "tiny": 1e-05,
        "huge": 1e16,
        "open_24h": True,
        "tags": ["a", "b"],
        "meta": {"aa": [True, None], "b": 1},
        "note": None,
    }
    records = [
        toilet(
            "t0",
            "a",
            127.0,
            wheelchair=True,
            fee="free",
            source="s0",
            updated_at="2024-05-01",
            props=props,
        ),
        toilet(
            "t1",
            "b",
            127.001,
            wheelchair=False,
            fee="paid",
            props={"ratio": 100.0, "open_24h": False},
        ),
        toilet("t2", "c", 127.002, fee="paid"),
    ]
    any_store.replace_layer("public_toilets", records, data_version="v")
    query = FeatureQuery(filters=((name, value),))
    assert [r.id for r in any_store.features("public_toilets", query)] == expected
    assert any_store.count("public_toilets", query) == len(expected)
    near = any_store.nearest(NearQuery(127.0, 37.5, ("public_toilets",), filters=((name, value),)))
    assert [h.feature.id for h in near] == expected


# -- versions --------------------------------------------------------------------------------


def test_identical_reload_keeps_version_and_rows(any_store: Store) -> None:
    records = synthetic("campsites", 20)
    any_store.replace_layer("campsites", records, data_version="same")
    again = any_store.replace_layer("campsites", records, data_version="same")
    assert not again.changed and again.rows == 20
    assert any_store.version("campsites") == "same"
    assert any_store.count("campsites") == 20
    assert any_store.rollback("campsites") is None  # no second version was made


def test_keeps_the_last_three_versions(any_store: Store) -> None:
    for i in range(5):
        any_store.replace_layer(
            "campsites", synthetic("campsites", 10 + i, seed=i), data_version=f"v{i}"
        )
    assert any_store.version("campsites") == "v4"
    assert any_store.count("campsites") == 14
    assert any_store.rollback("campsites") == "v3"
    assert any_store.count("campsites") == 13
    assert any_store.rollback("campsites") == "v2"
    assert any_store.count("campsites") == 12
    assert list(any_store.features("campsites")) == sorted(
        synthetic("campsites", 12, seed=2), key=lambda r: r.id
    )
    assert any_store.rollback("campsites") is None
    assert any_store.version("campsites") == "v2"


def test_rollback_restores_the_previous_version(store_factory: StoreFactory) -> None:
    store = store_factory()
    old, new = synthetic("bike_stations", 10, seed=1), synthetic("bike_stations", 25, seed=2)
    store.replace_layer("bike_stations", old, data_version="old", stats={"rows_read": 10})
    store.replace_layer("bike_stations", new, data_version="new", stats={"rows_read": 25})
    store.replace_layer("campsites", synthetic("campsites", 5), data_version="c1")
    store.replace_layer("campsites", synthetic("campsites", 6), data_version="c2")
    assert store.rollback("bike_stations") == "old"
    assert store.version("bike_stations") == "old"
    assert store.count("bike_stations") == 10
    assert store.get("bike_stations", new[20].id) is None
    info = store.layer_info("bike_stations")
    assert info is not None and info.count == 10 and info.stats == {"rows_read": 10}
    assert store.version("campsites") == "c2"  # other layers are untouched
    # another store sees the rollback
    assert store_factory().version("bike_stations") == "old"
    # loading the discarded data again makes it a new version
    assert store.replace_layer("bike_stations", new, data_version="new").changed
    assert store.count("bike_stations") == 25
    assert store.rollback("bike_stations") == "old"
    assert store.rollback("nothing_loaded") is None


def _rejects(version: str, n: int) -> list[Reject]:
    return [
        Reject("campsites", f"{version}.csv", row, "duplicate", f"dup\t{row}", "이름", 127.0, 37.5)
        if row % 2
        else Reject("campsites", f"{version}.csv", row, "no coordinates")
        for row in range(n, 0, -1)
    ]


def test_rejects_are_kept_with_their_version_and_pruned_with_it(
    store_factory: StoreFactory,
) -> None:
    store = store_factory()
    assert store.rejects("campsites") == []
    for i in range(1, 5):
        store.replace_layer("campsites", synthetic("campsites", 3 + i), data_version=f"v{i}")
        store.store_rejects("campsites", f"v{i}", _rejects(f"v{i}", i))
    # by file and row, with every field; stored again, they replace the version's rejects
    assert store.rejects("campsites") == sorted(_rejects("v4", 4), key=lambda r: r.row)
    store.store_rejects("campsites", "v4", _rejects("v4", 2))
    assert [r.row for r in store_factory().rejects("campsites")] == [1, 2]
    assert store.rollback("campsites") == "v3"
    assert [r.file for r in store.rejects("campsites")] == ["v3.csv"] * 3
    store.rollback("campsites")
    assert [r.file for r in store.rejects("campsites")] == ["v2.csv"] * 2
    # v1 was pruned by the fourth load, and its rejects with it
    assert store.rollback("campsites") is None
    with pytest.raises(StoreError):
        store.store_rejects("campsites", "v1", _rejects("v1", 1))
    assert store.rejects("bike_stations") == []


def test_failed_load_leaves_previous_version(any_store: Store) -> None:
    any_store.replace_layer("bike_stations", synthetic("bike_stations", 30), data_version="good")

    def broken() -> Iterator[FeatureRecord]:
        yield from synthetic("bike_stations", 10, seed=9)
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError, match="disk on fire"):
        any_store.replace_layer("bike_stations", broken(), data_version="bad")
    assert any_store.version("bike_stations") == "good"
    assert any_store.count("bike_stations") == 30
    assert any_store.rollback("bike_stations") is None  # the failed load left no version
    assert any_store.replace_layer(
        "bike_stations", synthetic("bike_stations", 3), data_version="next"
    ).changed


def _group(
    a: list[FeatureRecord], av: str, b: Iterable[FeatureRecord], bv: str
) -> list[LayerWrite]:
    return [LayerWrite("campsites", a, av), LayerWrite("bike_stations", b, bv)]


def test_group_swap_is_all_or_nothing(store_factory: StoreFactory) -> None:
    store = store_factory()
    a1, b1 = synthetic("campsites", 5, seed=1), synthetic("bike_stations", 7, seed=1)
    assert all(o.changed for o in store.replace_layers(_group(a1, "a1", b1, "b1")))

    def broken() -> Iterator[FeatureRecord]:  # fails after campsites' version is staged
        yield from synthetic("bike_stations", 3, seed=9)
        raise RuntimeError("disk on fire")

    a2 = synthetic("campsites", 9, seed=2)
    with pytest.raises(RuntimeError, match="disk on fire"):
        store.replace_layers(_group(a2, "a2", broken(), "b2"))
    for s in (store, store_factory()):  # neither layer moved, for any reader
        assert (s.version("campsites"), s.version("bike_stations")) == ("a1", "b1")
        assert (s.count("campsites"), s.count("bike_stations")) == (5, 7)
    assert store.rollback_layers(["campsites", "bike_stations"]) is None  # nothing was kept
    # an identical group reload changes nothing
    again = store.replace_layers(_group(a1, "a1", b1, "b1"))
    assert [(o.changed, o.rows) for o in again] == [(False, 5), (False, 7)]


def test_group_rollback_moves_every_layer_or_none(store_factory: StoreFactory) -> None:
    store = store_factory()
    group = ["campsites", "bike_stations"]
    a1, b1 = synthetic("campsites", 5, seed=1), synthetic("bike_stations", 7, seed=1)
    store.replace_layers(_group(a1, "a1", b1, "b1"))
    # bike_stations' content is unchanged, yet it gets a version too: the group stays in step
    a2 = synthetic("campsites", 9, seed=2)
    outcomes = store.replace_layers(_group(a2, "a2", b1, "b1"))
    assert [(o.layer, o.changed) for o in outcomes] == [
        ("campsites", True),
        ("bike_stations", True),
    ]
    store.replace_layers(_group(a1, "a3", synthetic("bike_stations", 2), "b3"))
    assert store.versions() == {"campsites": "a3", "bike_stations": "b3"}
    assert store.rollback_layers(group) == {"campsites": "a2", "bike_stations": "b1"}
    assert store_factory().versions() == {"campsites": "a2", "bike_stations": "b1"}
    assert (store.count("campsites"), store.count("bike_stations")) == (9, 7)
    assert store.rollback_layers(group) == {"campsites": "a1", "bike_stations": "b1"}
    assert (store.count("campsites"), store.count("bike_stations")) == (5, 7)
    # campsites alone gains a version; the companion has no earlier one: neither moves
    store.replace_layer("campsites", a2, data_version="a4")
    assert store.rollback_layers(group) is None
    assert store.versions() == {"campsites": "a4", "bike_stations": "b1"}
    assert store.count("campsites") == 9


def test_regions_round_trip(any_store: Store) -> None:
    square = shapely.box(126.9, 37.5, 127.0, 37.6)
    multi = shapely.MultiPolygon(
        [shapely.box(127.0, 37.5, 127.1, 37.6), shapely.box(127.2, 37.5, 127.3, 37.6)]
    )
    regions = [
        Region(code="11140", sido="서울특별시", sigungu="중구", wkb=shapely.to_wkb(multi)),
        Region(code="11110", sido="서울특별시", sigungu="종로구", wkb=shapely.to_wkb(square)),
    ]
    assert any_store.replace_regions(regions, data_version="r1").changed
    got = list(any_store.regions())
    assert [r.code for r in got] == ["11110", "11140"]
    assert shapely.from_wkb(got[0].wkb).equals(shapely.MultiPolygon([square]))
    assert shapely.get_type_id(shapely.from_wkb(got[0].wkb)) == shapely.GeometryType.MULTIPOLYGON
    assert shapely.from_wkb(got[1].wkb).equals(multi)
    assert (got[1].sido, got[1].sigungu) == ("서울특별시", "중구")
    assert not any_store.replace_regions(regions, data_version="r1").changed
    assert any_store.versions() == {"regions": "r1"}
    assert any_store.replace_regions(regions[:1], data_version="r2").rows == 1
    assert [r.code for r in any_store.regions()] == ["11140"]
    assert any_store.rollback("regions") is None  # only the current regions are kept


# -- nearest ----------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(6))
def test_nearest_equals_brute_force(any_store: Store, seed: int) -> None:
    rnd = random.Random(seed)
    a = synthetic("public_toilets", 300, seed=seed)
    b = synthetic("bike_stations", 300, seed=seed + 100)
    any_store.replace_layer("public_toilets", a, data_version="a")
    any_store.replace_layer("bike_stations", b, data_version="b")
    for _ in range(10):
        lon, lat = 126.9 + rnd.random() * 0.2, 37.5 + rnd.random() * 0.1
        limit, radius = rnd.choice([1, 5, 10, 40]), rnd.choice([300.0, 2000.0, 20000.0])
        layers = rnd.choice([("public_toilets",), ("public_toilets", "bike_stations")])
        hits = any_store.nearest(NearQuery(lon, lat, layers, limit=limit, radius_m=radius))
        expected = brute_force([r for r in a + b if r.layer in layers], lon, lat, radius, limit)
        got = [(h.distance_m, h.feature.id) for h in hits]
        assert [i for _, i in got] == [i for _, i in expected]
        for (d1, _), (d2, _) in zip(got, expected, strict=True):
            assert abs(d1 - d2) <= 0.1


def test_nearest_breaks_distance_ties_by_id(any_store: Store) -> None:
    # the same spot three times, and two points mirrored across the query point
    records = [
        FeatureRecord(layer="public_toilets", id=i, name=i, lon=lon, lat=37.55)
        for i, lon in [("c", 127.001), ("a", 127.001), ("b", 127.001), ("e", 126.999), ("d", 127.0)]
    ]
    any_store.replace_layer("public_toilets", records, data_version="v")
    hits = any_store.nearest(NearQuery(127.0, 37.55, ("public_toilets",), limit=4))
    assert [h.feature.id for h in hits] == ["d", "a", "b", "c"]
    assert hits[0].distance_m == 0.0
    assert (
        hits[1].distance_m
        == hits[2].distance_m
        == hits[3].distance_m
        == round(distance_m(127.0, 37.55, 127.001, 37.55), 1)
    )
    assert any_store.nearest(NearQuery(127.0, 37.55, ("public_toilets",), limit=0)) == []


def test_nearest_with_filters_and_predicate(any_store: Store) -> None:
    records = synthetic("public_toilets", 400, seed=5)
    any_store.replace_layer("public_toilets", records, data_version="v")
    lon, lat = 127.0, 37.55

    def odd(r: FeatureRecord) -> bool:
        return int(r.id[-5:]) % 2 == 1

    query = NearQuery(
        lon, lat, ("public_toilets",), limit=7, filters=(("fee", "free"),), accept=odd
    )
    got = [h.feature.id for h in any_store.nearest(query)]
    expected = brute_force([r for r in records if r.fee == "free" and odd(r)], lon, lat, 20000.0, 7)
    assert got == [i for _, i in expected]
    # a predicate almost nothing passes makes the search run to the radius
    rare = NearQuery(
        lon, lat, ("public_toilets",), limit=3, radius_m=5000.0, accept=lambda r: r.id.endswith("7")
    )
    expected = brute_force([r for r in records if r.id.endswith("7")], lon, lat, 5000.0, 3)
    assert [(h.distance_m, h.feature.id) for h in any_store.nearest(rare)] == expected


# -- layer info -------------------------------------------------------------------------------


def test_layer_info_and_datetime_filter(any_store: Store) -> None:
    records = [
        replace(r, updated_at=None if i == 0 else f"2024-0{1 + i % 3}-15")
        for i, r in enumerate(synthetic("campsites", 30))
    ]
    before = datetime.now().astimezone()
    any_store.replace_layer("campsites", records, data_version="v9", stats={"rows_read": 31})
    info = any_store.layer_info("campsites")
    assert info is not None and info.count == 30 and info.data_version == "v9"
    assert info.bbox == (
        min(r.lon for r in records),
        min(r.lat for r in records),
        max(r.lon for r in records),
        max(r.lat for r in records),
    )
    assert (info.updated_min, info.updated_max) == ("2024-01-15", "2024-03-15")
    assert info.stats == {"rows_read": 31}
    assert abs((datetime.fromisoformat(info.loaded_at) - before).total_seconds()) < 60
    feb = FeatureQuery(datetime=("2024-02-01", "2024-02-28"))
    assert any_store.count("campsites", feb) == sum(
        1 for r in records if r.updated_at == "2024-02-15"
    )
    since = FeatureQuery(datetime=("2024-02-15", None))
    assert any_store.count("campsites", since) == sum(
        1 for r in records if r.updated_at and r.updated_at >= "2024-02-15"
    )
    until = FeatureQuery(datetime=(None, "2024-01-15"))
    assert [r.id for r in any_store.features("campsites", until)] == sorted(
        r.id for r in records if r.updated_at == "2024-01-15"
    )
    assert any_store.count("campsites", FeatureQuery(datetime=(None, None))) == 29
    assert any_store.layer_info("bike_stations") is None
