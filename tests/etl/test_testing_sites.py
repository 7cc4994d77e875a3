"""The testing-site parking join: which lots are near a precisely placed site, with the
nearest site and the geodesic distance; and the merging of the screening lists."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from etl import testing_sites
from etl.geocode import Gazetteer, Geocode, read_centroids
from etl.hira import HiraRecord, address_region
from etl.site_match import SiteMatcher
from etl.testing_sites import SITE_PROPS, Site, geocode_sites, join_parking
from geo.distance import GEOD, distance_m, rank_key
from layers.record import FeatureRecord
from tests.etl.test_geocode import (
    CENTROIDS,
    CENTROIDS_SMALL,
    KDCA,
    MOHW,
    POINT_FILES,
    SAFE,
    SITE_FILES,
    SOURCE_DIR,
    gazetteer_inputs,
    read_points,
)

SEOUL = (126.9780, 37.5665)
KDCA_SET = "KDCA-screening-centers"
MOHW_SET = "MOHW-screening-centers"
SAFE_SET = "MOHW-safe-hospitals"


def lot(lot_id: str, lon: float, lat: float, fee: str = "free", **props: Any) -> FeatureRecord:
    return FeatureRecord(
        layer="testing_site_parking",
        id=lot_id,
        name=f"주차장 {lot_id}",
        lon=lon,
        lat=lat,
        fee=fee,
        props=props,
    )


def site(
    site_id: str, lon: float | None, lat: float | None, precision: str | None = "address"
) -> Site:
    return Site(
        id=site_id,
        name=f"선별진료소 {site_id}",
        address=f"주소 {site_id}",
        kind="kdca_screening",
        lon=lon,
        lat=lat,
        precision=precision,
        source=KDCA_SET,
    )


def moved(lon: float, lat: float, azimuth: float, metres: float) -> tuple[float, float]:
    lon2, lat2, _ = GEOD.fwd(lon, lat, azimuth, metres)
    return float(lon2), float(lat2)


# -- join_parking ------------------------------------------------------------------------------


def test_distance_is_the_geodesic_distance_to_the_site() -> None:
    s = site("site:a", *SEOUL)
    original = lot("p1", *moved(*SEOUL, 63.0, 512.34), fee="free", capacity=20)
    (out,) = join_parking([original], [s])
    assert (
        out.props["distance_m"] == round(distance_m(original.lon, original.lat, *SEOUL), 1) == 512.3
    )
    assert out.props == {
        "capacity": 20,
        "site_id": "site:a",
        "site_name": "선별진료소 site:a",
        "site_kind": "kdca_screening",
        "site_address": "주소 site:a",
        "site_precision": "address",
        "site_facility": None,
        "distance_m": 512.3,
    }
    assert set(SITE_PROPS) <= set(out.props)
    # the lot is otherwise unchanged; the input record is not modified
    assert (out.id, out.lon, out.lat, out.fee, out.name) == (
        "p1",
        original.lon,
        original.lat,
        "free",
        original.name,
    )
    assert original.props == {"capacity": 20}


@pytest.mark.parametrize("azimuth", [0.0, 45.0, 90.0, 200.0])
@pytest.mark.parametrize("radius_m", [1000.0, 250.0])
def test_radius_boundary(azimuth: float, radius_m: float) -> None:
    inside = lot("in", *moved(*SEOUL, azimuth, radius_m - 0.05))
    outside = lot("out", *moved(*SEOUL, azimuth, radius_m + 0.05))
    out = list(join_parking([inside, outside], [site("site:a", *SEOUL)], radius_m))
    assert [r.id for r in out] == ["in"]


def test_default_radius_is_1000_m() -> None:
    near, far = lot("near", *moved(*SEOUL, 0, 999.0)), lot("far", *moved(*SEOUL, 0, 1001.0))
    assert [r.id for r in join_parking([near, far], [site("site:a", *SEOUL)])] == ["near"]


@pytest.mark.parametrize("precision", ["dong", "sigungu", None])
def test_coarsely_placed_sites_are_not_joined(precision: str | None) -> None:
    lots = [lot("p1", *moved(*SEOUL, 0, 10.0))]
    assert list(join_parking(lots, [site("site:a", *SEOUL, precision=precision)])) == []
    (out,) = join_parking(
        lots, [site("site:a", *SEOUL, precision=precision), site("site:b", *SEOUL, "building")]
    )
    assert (out.props["site_id"], out.props["site_precision"]) == ("site:b", "building")


def test_a_site_without_a_position_is_not_joined() -> None:
    assert list(join_parking([lot("p1", *SEOUL)], [site("site:a", None, None)])) == []


def test_the_nearest_site_wins_and_ties_go_to_the_smaller_id() -> None:
    p = lot("p1", *moved(*SEOUL, 90, 300.0))
    far = site("site:a", *moved(*SEOUL, 270, 200.0))  # 500 m from the lot
    (out,) = join_parking([p], [far, site("site:z", *SEOUL)])
    assert out.props["site_id"] == "site:z"
    (out,) = join_parking([p], [site("site:c", *SEOUL), site("site:b", *SEOUL), far])
    assert out.props["site_id"] == "site:b"


def test_ties_are_on_the_rounded_distance() -> None:
    p = lot("p1", *SEOUL)
    a = site("site:b", *moved(*SEOUL, 0, 100.01))
    b = site("site:a", *moved(*SEOUL, 90, 100.04))  # 3 cm further, same 0.1 m
    (out,) = join_parking([p], [a, b])
    assert (out.props["site_id"], out.props["distance_m"]) == ("site:a", 100.0)


def test_free_lots_keep_their_fee() -> None:
    lots = [lot("free", *SEOUL, fee="free"), lot("paid", *SEOUL, fee="paid")]
    out = {r.id: r.fee for r in join_parking(lots, [site("site:a", *SEOUL)])}
    assert out == {"free": "free", "paid": "paid"}


def test_lots_without_coordinates_are_skipped() -> None:
    lots = [lot("nan", float("nan"), float("nan")), lot("ok", *SEOUL)]
    assert [r.id for r in join_parking(lots, [site("site:a", *SEOUL)])] == ["ok"]


def test_no_sites_no_lots() -> None:
    assert list(join_parking([lot("p1", *SEOUL)], [])) == []
    assert list(join_parking([], [site("site:a", *SEOUL)])) == []


@pytest.mark.parametrize("radius_m", [-1.0, float("nan"), float("inf")])
def test_bad_radius(radius_m: float) -> None:
    with pytest.raises(ValueError):
        list(join_parking([lot("p1", *SEOUL)], [site("site:a", *SEOUL)], radius_m))


def test_lots_are_streamed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(testing_sites, "_CHUNK", 2)
    pulled = []

    def lots() -> Iterator[FeatureRecord]:
        for i in range(10):
            pulled.append(i)
            yield lot(f"p{i}", *SEOUL)

    joined = join_parking(lots(), [site("site:a", *SEOUL)])
    assert next(joined).id == "p0"
    assert len(pulled) == 2  # one chunk, not the whole input


def brute_force(
    lots: Sequence[FeatureRecord], sites: Sequence[Site], radius_m: float
) -> list[tuple[str, str, float]]:
    """Every lot × every usable site, the definition written out the slow way."""
    out = []
    usable = [
        s for s in sites if s.precision in ("facility", "address", "building") and s.lon is not None
    ]
    for p in lots:
        if not (math.isfinite(p.lon) and math.isfinite(p.lat)):
            continue
        best = None
        for s in usable:
            assert s.lon is not None and s.lat is not None
            d = distance_m(p.lon, p.lat, s.lon, s.lat)
            if d <= radius_m and (best is None or rank_key(d, s.id) < best):
                best = rank_key(d, s.id)
        if best is not None:
            out.append((p.id, best[1], best[0]))
    return out


def joined(
    lots: Sequence[FeatureRecord], sites: Sequence[Site], radius_m: float
) -> list[tuple[str, str, float]]:
    return [
        (r.id, r.props["site_id"], r.props["distance_m"])
        for r in join_parking(lots, sites, radius_m)
    ]


_coord = st.tuples(
    st.floats(SEOUL[0] - 0.03, SEOUL[0] + 0.03, allow_nan=False),
    st.floats(SEOUL[1] - 0.03, SEOUL[1] + 0.03, allow_nan=False),
)


@settings(max_examples=60, deadline=None)
@given(
    lots=st.lists(_coord, max_size=40),
    sites=st.lists(
        st.tuples(
            _coord,
            st.sampled_from(["facility", "address", "building", "dong", "sigungu"]),
            st.integers(0, 5),
        ),
        max_size=15,
    ),
    radius_m=st.sampled_from([0.0, 50.0, 700.0, 1000.0, 2500.0]),
)
def test_join_equals_brute_force(
    lots: list[tuple[float, float]],
    sites: list[tuple[tuple[float, float], str, int]],
    radius_m: float,
) -> None:
    lot_records = [lot(f"p{i}", lon, lat) for i, (lon, lat) in enumerate(lots)]
    # small ids repeat positions too, so ties happen
    site_records = [
        site(f"site:{n}-{i}", lon, lat, precision)
        for i, ((lon, lat), precision, n) in enumerate(sites)
    ]
    site_records += [
        site(f"site:dup-{i}", s.lon, s.lat, s.precision) for i, s in enumerate(site_records[:3])
    ]
    assert joined(lot_records, site_records, radius_m) == brute_force(
        lot_records, site_records, radius_m
    )


def test_join_equals_brute_force_across_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(testing_sites, "_CHUNK", 7)
    rng = np.random.default_rng(20220216)
    lots = [
        lot(f"p{i}", float(x), float(y))
        for i, (x, y) in enumerate(
            zip(rng.uniform(126.8, 127.2, 400), rng.uniform(37.4, 37.7, 400), strict=True)
        )
    ]
    precisions = ["facility", "address", "building", "dong", "sigungu"]
    sites = [
        site(f"site:{i:03d}", float(x), float(y), precisions[i % 5])
        for i, (x, y) in enumerate(
            zip(rng.uniform(126.8, 127.2, 120), rng.uniform(37.4, 37.7, 120), strict=True)
        )
    ]
    result = joined(lots, sites, 1000.0)
    assert result == brute_force(lots, sites, 1000.0)
    assert 20 < len(result) < 400


# -- geocode_sites -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FakeFile:
    path: Path
    dataset: str


@dataclass(frozen=True)
class FakeNorm:
    name: str | None
    address: str | None
    props: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FakeRow:
    file: FakeFile
    row: int
    norm: FakeNorm


FILES = {
    "kdca_screening": FakeFile(Path("kdca.csv"), KDCA_SET),
    "mohw_screening": FakeFile(Path("mohw.csv"), MOHW_SET),
    "safe_hospital": FakeFile(Path("safe.csv"), SAFE_SET),
}


def row(
    kind: str, n: int, name: str, address: str | None, sido: str = "서울", sigungu: str = "강남구"
) -> FakeRow:
    props = {"sido_text": sido, "sigungu_text": sigungu, "site_kind": kind}
    return FakeRow(FILES[kind], n, FakeNorm(name, address, props))


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer(
        address_points=[
            ("서울특별시 강남구 선릉로 668 (삼성동)", 127.0421, 37.5161),
            ("서울특별시 강남구 언주로 211", 127.0460, 37.4930),
        ],
        names=[("강남구보건소", "서울특별시", "강남구", 127.0425, 37.5163)],
        centroids=CENTROIDS_SMALL,
    )


def test_sites_in_several_lists_are_one_site(gazetteer: Gazetteer) -> None:
    rows = [
        # listed before the KDCA rows on purpose: the KDCA 2022 list is primary whatever the order
        row("mohw_screening", 7, "강남구 보건소", "서울특별시 강남구 선릉로 668 (삼성동)"),
        row("kdca_screening", 3, "강남구보건소", "서울 강남구 어딘가로 999"),
        row("safe_hospital", 2, "강남세브란스병원", "서울 강남구 언주로211"),
        row("kdca_screening", 4, "강남세브란스병원", "서울 강남구 언주로 211 강남세브란스병원"),
    ]
    sites, counts, rejects = geocode_sites(rows, gazetteer)
    assert [(s.name, s.source, s.also_in, s.precision) for s in sites] == [
        # same name, another address (it may have moved): the KDCA row's own geocode stays
        ("강남구보건소", KDCA_SET, (MOHW_SET,), "building"),
        ("강남세브란스병원", KDCA_SET, (SAFE_SET,), "address"),
    ]
    assert (
        sites[0].id.startswith(f"testing_sites:{KDCA_SET}:")
        and sites[0].address == "서울 강남구 어딘가로 999"
    )
    assert counts == {"building": 1, "address": 1}
    assert sorted((r.file, r.row, r.reason) for r in rejects) == [
        ("mohw.csv", 7, "duplicate"),
        ("safe.csv", 2, "duplicate"),
    ]


def test_a_merged_row_at_the_same_address_can_place_the_site_better(gazetteer: Gazetteer) -> None:
    rows = [
        row("kdca_screening", 1, "강남보건소", "서울 강남구 없는로 1"),  # a name nobody knows
        row("mohw_screening", 1, "강남구보건소", "서울특별시 강남구 없는로 1"),
    ]
    sites, counts, _ = geocode_sites(rows, gazetteer)
    assert [(s.name, s.precision, s.lon) for s in sites] == [("강남보건소", "building", 127.0425)]
    assert counts == {"building": 1}


def test_site_ids_are_stable(gazetteer: Gazetteer) -> None:
    rows = [row("kdca_screening", 3, "강남구보건소", "서울 강남구 어딘가로 999")]
    assert geocode_sites(rows, gazetteer)[0] == geocode_sites(list(rows), gazetteer)[0]


def test_same_name_in_another_sigungu_is_another_site(gazetteer: Gazetteer) -> None:
    rows = [
        row("kdca_screening", 1, "한일병원", "서울 도봉구 우이천로 308", sigungu="도봉구"),
        row(
            "mohw_screening", 1, "한일병원", "경남 진주시 범골로 17", sido="경남", sigungu="진주시"
        ),
    ]
    sites, _, rejects = geocode_sites(rows, gazetteer)
    assert len(sites) == 2 and rejects[0].reason != "duplicate"


def test_rows_of_one_list_are_not_merged(gazetteer: Gazetteer) -> None:
    rows = [
        row("kdca_screening", 1, "강남구보건소 선별진료소", "서울특별시 강남구 선릉로 668"),
        row("kdca_screening", 2, "강남구보건소 임시선별검사소", "서울특별시 강남구 선릉로 668"),
    ]
    sites, counts, rejects = geocode_sites(rows, gazetteer)
    assert len(sites) == 2 and counts == {"address": 2} and rejects == []


def test_coarse_and_failed_geocodes_are_reported(gazetteer: Gazetteer) -> None:
    rows = [
        row("kdca_screening", 1, "어느병원", "서울 강남구 없는로 1"),
        row("kdca_screening", 2, "딴병원", "서울 강남구 삼성동(삼성2동) 77"),
        row("kdca_screening", 3, "먼병원", "어딘가 먼 곳", sido="", sigungu=""),
    ]
    sites, counts, rejects = geocode_sites(rows, gazetteer)
    assert [s.precision for s in sites] == ["sigungu", "dong", None]
    assert sites[2].lon is None and sites[2].lat is None
    assert counts == {"sigungu": 1, "dong": 1, "none": 1}
    assert [(r.row, r.reason) for r in rejects] == [
        (1, "site geocoded too coarsely"),
        (2, "site geocoded too coarsely"),
        (3, "not geocoded"),
    ]
    assert not any(s.joinable for s in sites)


def test_any_geocoder_with_the_loader_protocol_works() -> None:
    class Stub:
        def __init__(self) -> None:
            self.calls: list[tuple[str | None, str | None]] = []

        def geocode(self, address: str | None, name: str | None = None) -> Geocode | None:
            self.calls.append((address, name))
            return Geocode(127.0, 37.5, "building", name or "")

    stub = Stub()
    sites, counts, _ = geocode_sites(
        [row("kdca_screening", 1, "어느병원", "서울 강남구 없는로 1")], stub
    )
    assert stub.calls == [("서울 강남구 없는로 1", "어느병원")]
    assert sites[0].joinable and counts == {"building": 1}


# -- the real files --------------------------------------------------------------------------------

PARKING = "parking/national_parking_std_2023-04.csv"
KINDS = {KDCA: "kdca_screening", MOHW: "mohw_screening", SAFE: "safe_hospital"}
DATASETS = {KDCA: KDCA_SET, MOHW: MOHW_SET, SAFE: SAFE_SET}


@pytest.fixture(scope="module")
def real_sites_and_lots() -> tuple[list[Site], Any, list[FeatureRecord]]:
    if not (SOURCE_DIR / CENTROIDS).is_file():
        pytest.skip(f"the real source files are not at {SOURCE_DIR}")
    from etl.read import read_table

    points = {f[0]: read_points(f[0]) for f in POINT_FILES}
    addresses, names = gazetteer_inputs(points)
    g = Gazetteer(addresses, names, read_centroids(SOURCE_DIR / CENTROIDS))
    rows = []
    for path, name_col in SITE_FILES:
        for n, r in read_table(SOURCE_DIR / path).rows:
            props = {
                "sido_text": r.get("시도"),
                "sigungu_text": r.get("시군구"),
                "site_kind": KINDS[path],
            }
            rows.append(
                FakeRow(
                    FakeFile(Path(path), DATASETS[path]),
                    n,
                    FakeNorm(r.get(name_col), r.get("주소"), props),
                )
            )
    sites, counts, _ = geocode_sites(rows, g)
    lots = []
    for n, r in read_table(SOURCE_DIR / PARKING).rows:
        try:
            lon, lat = float(r.get("경도") or "nan"), float(r.get("위도") or "nan")
        except ValueError:
            continue
        fee = {"무료": "free", "유료": "paid", "혼합": "paid"}.get(
            r.get("요금정보") or "", "unknown"
        )
        lots.append(lot(f"lot{n}", lon, lat, fee=fee))
    return sites, counts, lots


def test_real_sites_are_merged_and_counted(
    real_sites_and_lots: tuple[list[Site], Any, list[FeatureRecord]],
) -> None:
    sites, counts, _ = real_sites_and_lots
    print("sites:", len(sites), "by precision:", dict(counts.most_common()))
    assert sum(counts.values()) == len(sites)
    # 636 + 612 + 341 rows; most MOHW screening sites are also on the KDCA list
    assert 700 < len(sites) < 1589
    assert sum(1 for s in sites if s.also_in) > 300


def test_real_join_equals_brute_force(
    real_sites_and_lots: tuple[list[Site], Any, list[FeatureRecord]],
) -> None:
    sites, _, lots = real_sites_and_lots
    result = list(join_parking(lots, sites, 1000.0))
    free = sum(1 for r in result if r.fee == "free")
    print(
        f"lots within 1000 m of a site placed at address/building precision: {len(result)} ({free} free)"
    )
    assert result and all(r.props["distance_m"] <= 1000.0 for r in result)
    assert {r.props["site_precision"] for r in result} <= {"address", "building"}
    # brute force over every lot × every usable site, vectorised per site
    usable = sorted((s for s in sites if s.joinable), key=lambda s: s.id)
    lon = np.array([p.lon for p in lots])
    lat = np.array([p.lat for p in lots])
    best_d = np.full(len(lots), np.inf)
    best_site = np.full(len(lots), -1)
    for i, s in enumerate(usable):
        assert s.lon is not None and s.lat is not None
        raw = np.asarray(GEOD.inv(np.full_like(lon, s.lon), np.full_like(lat, s.lat), lon, lat)[2])
        d = np.round(raw, 1)
        better = (raw <= 1000.0) & (d < best_d)  # sites in id order: a tie keeps the smaller id
        best_d[better], best_site[better] = d[better], i
    expected = [
        (p.id, usable[best_site[k]].id, float(best_d[k]))
        for k, p in enumerate(lots)
        if best_site[k] >= 0
    ]
    assert [(r.id, r.props["site_id"], r.props["distance_m"]) for r in result] == expected


# -- placing sites at HIRA records -----------------------------------------------------------------


def hira(name: str, address: str, lon: float, lat: float, kind: str = "병원") -> HiraRecord:
    region = address_region(address)
    assert region is not None
    return HiraRecord(name, kind, address, region, lon, lat, None, "서울/강남구.json")


@pytest.fixture(scope="module")
def matcher() -> SiteMatcher:
    return SiteMatcher(
        [
            hira(
                "강남구보건소",
                "서울특별시 강남구 선릉로 668, (삼성동)",
                127.0422,
                37.5162,
                "보건소",
            ),
            hira(
                "연세대학교의과대학 강남세브란스병원",
                "서울특별시 강남구 언주로 211",
                127.0461,
                37.4931,
            ),
            hira("먼병원", "서울특별시 강남구 다른로 5", 127.1000, 37.5000),
        ]
    )


def test_a_site_is_placed_at_the_hira_record_it_names(
    gazetteer: Gazetteer, matcher: SiteMatcher
) -> None:
    rows = [
        # a lot address the gazetteer places only at its 동; the name finds the record
        row("kdca_screening", 1, "강남구보건소", "서울 강남구 삼성동(삼성2동) 8 강남구보건소"),
        # another list's row, another spelling: the same record, so the same site
        row("safe_hospital", 1, "연세대학교강남세브란스병원", "서울특별시 강남구 언주로211"),
        row("kdca_screening", 2, "강남세브란스병원", "서울 강남구 언주로211 강남세브란스병원"),
    ]
    sites, counts, rejects = geocode_sites(rows, gazetteer, matcher)
    assert [(s.name, s.precision, s.facility, s.lon, s.also_in) for s in sites] == [
        ("강남구보건소", "facility", "강남구보건소", 127.0422, ()),
        (
            "강남세브란스병원",
            "facility",
            "연세대학교의과대학 강남세브란스병원",
            127.0461,
            (SAFE_SET,),
        ),
    ]
    assert counts == {"facility": 2} and all(s.joinable for s in sites)
    assert [(r.row, r.reason) for r in rejects] == [(1, "duplicate")]
    assert testing_sites.rows_placed(sites) == {
        KDCA_SET: {"facility": 2},
        SAFE_SET: {"facility": 1},
    }
    # the site ids do not depend on the HIRA match
    assert [s.id for s in sites] == [s.id for s in geocode_sites(rows, gazetteer)[0]]


def test_a_name_match_far_from_the_rows_own_address_is_not_taken(
    gazetteer: Gazetteer, matcher: SiteMatcher
) -> None:
    # 먼병원 by name, but the gazetteer places 언주로 211 precisely some 5 km away
    rows = [row("kdca_screening", 1, "먼병원", "서울특별시 강남구 언주로 211")]
    (s,), _, _ = geocode_sites(rows, gazetteer, matcher)
    assert (s.precision, s.facility, s.hira_outcome) == ("address", None, "far from the address")
    assert (s.lon, s.lat) == (127.0460, 37.4930)


def test_an_unmatched_row_falls_back_and_its_reject_names_the_best_candidate(
    gazetteer: Gazetteer, matcher: SiteMatcher
) -> None:
    rows = [row("kdca_screening", 1, "삼성서울병원", "서울 강남구 삼성동(삼성2동) 77")]
    (s,), _, (reject,) = geocode_sites(rows, gazetteer, matcher)
    assert s.precision == "dong" and s.hira_outcome == "weak"
    assert reject.reason == "site geocoded too coarsely"
    assert "HIRA weak: best HIRA record " in reject.detail
