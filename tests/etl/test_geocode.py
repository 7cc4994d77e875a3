"""The offline geocoder: address parsing, the gazetteer's lookup order and honesty about
precision, the optional online step, and match rates on the real files."""

from __future__ import annotations

import io
import json
import os
import urllib.parse
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from etl.geocode import (
    AdminCentroid,
    Gazetteer,
    Geocode,
    KakaoGeocoder,
    canonical_sido,
    normalise_address,
    read_centroids,
)
from geo.distance import distance_m

SOURCE_DIR = Path(
    os.environ.get("SHAREMAP_SOURCE_DIR")
    or Path(__file__).resolve().parents[2].parent / "shared/data/real"
)
CENTROIDS = "boundaries/admdongkor_hjd_centroids_utmk5179.tsv"
KDCA = "covid_screening/kdca_screening_centers_2022-02-16_authorexport.csv"
MOHW = "covid_screening/mohw_screening_centers_2020-03-31.csv"
SAFE = "covid_screening/mohw_safe_hospitals_2020-04-01.csv"
BUSAN_TOILETS = "toilets/localdata_public_toilets_busan_12_04_01_E_2022-08.csv"
SEOUL_TOILETS = "toilets/seoul_public_toilets_location_OA-22586.csv"

# file, address columns, name column, lat column, lon column (WGS84 point files)
POINT_FILES: tuple[tuple[str, tuple[str, ...], str, str, str], ...] = (
    (SEOUL_TOILETS, ("도로명주소", "지번주소"), "건물명", "y 좌표", "x 좌표"),
    (
        "toilets/localdata_public_toilets_seoul_12_04_01_E_2025-01.xlsx",
        ("소재지도로명주소", "소재지지번주소"),
        "화장실명",
        "WGS84위도",
        "WGS84경도",
    ),
    (
        "toilets/localdata_public_toilets_seoul_12_04_01_E_2023-01.xlsx",
        ("소재지도로명주소", "소재지지번주소"),
        "화장실명",
        "WGS84위도",
        "WGS84경도",
    ),
    (
        "toilets/localdata_public_toilets_incheon_12_04_01_E_2025.xlsx",
        ("소재지도로명주소", "소재지지번주소"),
        "화장실명",
        "WGS84위도",
        "WGS84경도",
    ),
    (BUSAN_TOILETS, ("소재지도로명주소", "소재지지번주소"), "화장실명", "WGS84위도", "WGS84경도"),
    (
        "parking/national_parking_std_2023-04.csv",
        ("소재지도로명주소", "소재지지번주소"),
        "주차장명",
        "위도",
        "경도",
    ),
    (
        "parking/national_parking_std_2021-05.csv",
        ("소재지도로명주소", "소재지지번주소"),
        "주차장명",
        "위도",
        "경도",
    ),
    (
        "bike_stations/seoul_ddareungi_stations_2022-06.csv",
        ("상세주소",),
        "보관소(대여소)명",
        "위도",
        "경도",
    ),
    (
        "bike_stations/national_bike_rental_stations_std_2024.csv",
        ("소재지도로명주소", "소재지지번주소"),
        "자전거대여소명",
        "위도",
        "경도",
    ),
    (
        "cooling_shelters/seoul_cooling_shelters_2026.csv",
        ("도로명주소", "지번주소"),
        "쉼터명칭",
        "위도",
        "경도",
    ),
    (
        "cooling_shelters/seoul_cooling_shelters_2025.csv",
        ("도로명주소", "지번주소"),
        "쉼터명칭",
        "위도",
        "경도",
    ),
    (
        "cooling_shelters/seoul_cooling_shelters_2024_variant.csv",
        ("도로명주소",),
        "쉼터명칭",
        "위도",
        "경도",
    ),
    (
        "campsites/national_campsites_std_2020.csv",
        ("소재지도로명주소", "소재지지번주소"),
        "야영(캠핑)장명",
        "위도",
        "경도",
    ),
    (
        "campsites/kcisa_campsite_location_info_2020.csv",
        ("CMPSI_ADDR",),
        "CMPSI_NM",
        "CMPSI_LTTD_VAL",
        "CMPSI_LNGTD_VAL",
    ),
)
# sites: file, name column
SITE_FILES: tuple[tuple[str, str], ...] = (
    (KDCA, "의료기관명"),
    (MOHW, "의료기관명"),
    (SAFE, "기관명"),
)


# -- normalise_address ---------------------------------------------------------------------

ADDRESSES = [
    # text, hints, (sido, sigungu, exact key)
    (
        "서울 강남구 삼성동(삼성2동) 8 강남구보건소",
        {},
        ("서울특별시", "강남구", "서울특별시 강남구 삼성동 8"),
    ),
    (
        "제주특별자치도 제주시 한림읍 한림리 966-1번지 (한림리)",
        {},
        ("제주특별자치도", "제주시", "제주특별자치도 제주시 한림읍 한림리 966-1"),
    ),
    (
        "서울특별시 강남구 선릉로 668 (삼성동)",
        {},
        ("서울특별시", "강남구", "서울특별시 강남구 선릉로 668"),
    ),
    (
        "부산 영도구 해양로 259 (동삼동)",
        {},
        ("부산광역시", "영도구", "부산광역시 영도구 해양로 259"),
    ),
    (
        "서을특별시 종로구 세종대로 209",
        {},
        ("서울특별시", "종로구", "서울특별시 종로구 세종대로 209"),
    ),
    (
        "서울시 도봉구 우이천로 308(쌍문동) ",
        {},
        ("서울특별시", "도봉구", "서울특별시 도봉구 우이천로 308"),
    ),
    (
        "경기도 수원시 팔달구 경수대로 437",
        {},
        ("경기도", "수원시 팔달구", "경기도 수원시 팔달구 경수대로 437"),
    ),
    (
        "경기도 수원시팔달구 경수대로 437",
        {},
        ("경기도", "수원시 팔달구", "경기도 수원시 팔달구 경수대로 437"),
    ),
    (
        "경기 성남시 수정구 수정로 46번길 86",
        {},
        ("경기도", "성남시 수정구", "경기도 성남시 수정구 수정로46번길 86"),
    ),
    (
        "서울특별시 강서구 공항대로260",
        {},
        ("서울특별시", "강서구", "서울특별시 강서구 공항대로 260"),
    ),
    (
        "경상북도 포항시 남구 남구 포스코대로351",
        {},
        ("경상북도", "포항시 남구", "경상북도 포항시 남구 포스코대로 351"),
    ),
    (
        "강원 춘천시 우석로 102-2, 춘천종합체육회관 주차장",
        {},
        ("강원도", "춘천시", "강원도 춘천시 우석로 102-2"),
    ),
    ("강원특별자치도 춘천시 우석로 102-2", {}, ("강원도", "춘천시", "강원도 춘천시 우석로 102-2")),
    (
        "전북특별자치도 전주시 완산구 한두평3길 13",
        {},
        ("전라북도", "전주시 완산구", "전라북도 전주시 완산구 한두평3길 13"),
    ),
    (
        "부산광역시 강서구 명지동 3229번지 21호",
        {},
        ("부산광역시", "강서구", "부산광역시 강서구 명지동 3229-21"),
    ),
    (
        "부산광역시 기장군 기장읍 만화리 산 1번지",
        {},
        ("부산광역시", "기장군", "부산광역시 기장군 기장읍 만화리 산1"),
    ),
    (
        "부산광역시 부산진구 중앙대로 지하 612 (범천동)",
        {},
        ("부산광역시", "부산진구", "부산광역시 부산진구 중앙대로 지하612"),
    ),
    (
        "서울 중랑구 신내2동 662 중랑구청",
        {},
        ("서울특별시", "중랑구", "서울특별시 중랑구 신내동 662"),
    ),
    (
        "서울 노원구 상계6.7동 노원구보건소, 701-1",
        {},
        ("서울특별시", "노원구", "서울특별시 노원구 상계동 701-1"),
    ),
    ("경남거제시 계룡로5길 14", {}, ("경상남도", "거제시", "경상남도 거제시 계룡로5길 14")),
    (
        "세종특별자치시 보듬7로20 세종충남대학교병원",
        {},
        ("세종특별자치시", None, "세종특별자치시 보듬7로 20"),
    ),
    # the row's own 시도/시군구 columns fill in what the address leaves out
    (
        "양정로 62",
        {"sido": "부산", "sigungu": "부산진구"},
        ("부산광역시", "부산진구", "부산광역시 부산진구 양정로 62"),
    ),
    (
        "전주시 완산구 한두평3길 13",
        {"sido": "전북", "sigungu": "전주시"},
        ("전라북도", "전주시 완산구", "전라북도 전주시 완산구 한두평3길 13"),
    ),
    (
        "진해구 풍호동 1",
        {"sido": "경남", "sigungu": "창원시"},
        ("경상남도", "창원시 진해구", "경상남도 창원시 진해구 풍호동 1"),
    ),
    (
        "광주시 동구 서석동 31",
        {"sido": "광주"},
        ("광주광역시", "동구", "광주광역시 동구 서석동 31"),
    ),
    # no 시도 and no hint: parsed, but without a key (북구 is in six cities)
    ("북구 금곡대로 348", {}, (None, "북구", None)),
]


@pytest.mark.parametrize(("text", "hints", "expected"), ADDRESSES)
def test_normalise_address_real_forms(text: str, hints: dict[str, str], expected: tuple) -> None:
    ak = normalise_address(text, **hints)
    assert ak is not None
    assert (ak.sido, ak.sigungu, ak.key()) == expected


def test_road_address_keeps_the_dong_hint_and_building_name_out_of_the_key() -> None:
    ak = normalise_address("부산 동구 중앙대로 224, 한국토지공사 2층 (초량동)")
    assert ak is not None
    assert (ak.road, ak.number, ak.dong, ak.building) == (
        "중앙대로",
        "224",
        "초량동",
        "한국토지공사",
    )
    assert ak.key() == "부산광역시 동구 중앙대로 224"
    assert ak.dong_key() == ("부산광역시", "동구", "초량동")
    assert ak.sigungu_key() == ("부산광역시", "동구")


def test_lot_address_keeps_the_admin_dong_in_brackets_as_a_hint() -> None:
    ak = normalise_address("서울 강남구 삼성동(삼성2동) 8 강남구보건소")
    assert ak is not None
    assert (ak.dong, ak.alt_dongs, ak.building) == ("삼성동", ("삼성2동",), "강남구보건소")


def test_a_si_with_gu_has_both_forms() -> None:
    ak = normalise_address("경기도 수원시 장안구 파장동 1")
    assert ak is not None
    assert ak.city == "수원시"
    assert ak.exact_keys() == ("경기도 수원시 장안구 파장동 1", "경기도 수원시 파장동 1")


def test_ri_keys_carry_the_eupmyeon() -> None:
    a = normalise_address("경남 고성군 고성읍 신월리 4")
    b = normalise_address("경남 고성군 마암면 신월리 4")
    assert a is not None and b is not None and a.key() != b.key()


@pytest.mark.parametrize(
    ("token", "sido"),
    [
        ("서울", "서울특별시"),
        ("부산", "부산광역시"),
        ("대구", "대구광역시"),
        ("인천", "인천광역시"),
        ("광주", "광주광역시"),
        ("대전", "대전광역시"),
        ("울산", "울산광역시"),
        ("세종", "세종특별자치시"),
        ("경기", "경기도"),
        ("강원", "강원도"),
        ("강원특별자치도", "강원도"),
        ("충북", "충청북도"),
        ("충남", "충청남도"),
        ("전북", "전라북도"),
        ("전라북도", "전라북도"),
        ("전북특별자치도", "전라북도"),
        ("전남", "전라남도"),
        ("경북", "경상북도"),
        ("경남", "경상남도"),
        ("제주", "제주특별자치도"),
        ("제주도", "제주특별자치도"),
        ("서을특별시", "서울특별시"),
        ("부산광역시", "부산광역시"),
        ("수원시", None),
        ("광주시", None),
        ("강남구", None),
    ],
)
def test_canonical_sido(token: str, sido: str | None) -> None:
    assert canonical_sido(token) == sido


@pytest.mark.parametrize(
    "text", ["", "   ", "없음", "대합실 B1", "주유소 내부", "-", "(  )", ")(", "산 12"]
)
def test_not_an_address(text: str) -> None:
    ak = normalise_address(text)
    assert ak is None or ak.key() is None


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_normalise_address_never_raises(text: str) -> None:
    normalise_address(text)
    normalise_address(text, sido=text[:3], sigungu=text[-4:])


_ADDRESSY = st.text(
    alphabet=st.sampled_from(
        list("서울부산경기도시군구동리읍면로길번지산호층-(), 0123456789강남삼성가")
    ),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(_ADDRESSY)
def test_normalise_address_never_raises_on_address_like_text(text: str) -> None:
    ak = normalise_address(text)
    if ak is not None:
        ak.exact_keys()
        ak.text()


# -- the gazetteer on made-up data -----------------------------------------------------------

# 서울 강남구 with two 행정동 of 법정동 삼성동, and one 시 with 일반구
CENTROIDS_SMALL = [
    AdminCentroid("1168000000", "서울특별시 강남구", 127.0473, 37.5172),
    AdminCentroid("1168058000", "서울특별시 강남구 삼성1동", 127.0590, 37.5140),
    AdminCentroid("1168059000", "서울특별시 강남구 삼성2동", 127.0470, 37.5110),
    AdminCentroid("1168064000", "서울특별시 강남구 역삼1동", 127.0330, 37.4950),
    AdminCentroid("4111100000", "경기도 수원시 장안구", 127.0100, 37.3040),
    AdminCentroid("4111300000", "경기도 수원시 팔달구", 127.0200, 37.2800),
    AdminCentroid("4111156000", "경기도 수원시 장안구 파장동", 127.0050, 37.3060),
    AdminCentroid("2772000000", "대구광역시 군위군", 128.5700, 36.2400),
]


def small_gazetteer(**kwargs: Any) -> Gazetteer:
    return Gazetteer(
        address_points=[
            ("서울특별시 강남구 선릉로 668 (삼성동)", 127.0421, 37.5161),
            ("서울특별시 강남구 삼성동 8", 127.0421, 37.5161),
            ("서울특별시 강남구 삼성동 100", 127.0500, 37.5130),
            # one key, two places 2 km apart: ambiguous, never an answer
            ("서울특별시 강남구 테헤란로 1", 127.0270, 37.4980),
            ("서울특별시 강남구 테헤란로 1", 127.0500, 37.5050),
            ("경기도 수원시 장안구 정자로 10", 127.0000, 37.3000),
            ("경상북도 군위군 군위읍 동부리 1", 128.5730, 36.2420),
        ],
        names=[
            ("강남구보건소 주차장", "서울특별시", "강남구", 127.0425, 37.5163),
            ("역삼문화센터", "서울", "강남구", 127.0330, 37.4990),
        ],
        centroids=CENTROIDS_SMALL,
        **kwargs,
    )


@pytest.fixture(scope="module")
def small() -> Gazetteer:
    return small_gazetteer()


def test_exact_address(small: Gazetteer) -> None:
    hit = small.geocode("서울 강남구 선릉로 668")
    assert hit == Geocode(127.0421, 37.5161, "address", "서울특별시 강남구 선릉로 668")


def test_exact_address_from_the_rows_region_columns(small: Gazetteer) -> None:
    hit = small.geocode("선릉로 668", sido="서울", sigungu="강남구")
    assert hit is not None and hit.precision == "address"


def test_no_sub_number_guessing(small: Gazetteer) -> None:
    hit = small.geocode("서울특별시 강남구 선릉로 668-1 (삼성동)")
    assert hit is not None and hit.precision == "dong"


def test_a_city_key_matches_without_the_gu(small: Gazetteer) -> None:
    hit = small.geocode("경기도 수원시 정자로 10")
    assert hit is not None and (hit.precision, hit.lon) == ("address", 127.0)


def test_a_renamed_region_still_matches(small: Gazetteer) -> None:
    # 군위군 moved from 경상북도 to 대구광역시 in 2023; both spellings are one place
    hit = small.geocode("대구광역시 군위군 군위읍 동부리 1")
    assert hit is not None and hit.precision == "address"


def test_ambiguous_address_key_is_not_an_answer(small: Gazetteer) -> None:
    hit = small.geocode("서울특별시 강남구 테헤란로 1")
    assert hit is not None and hit.precision == "sigungu"
    assert small.stats()["address_keys_ambiguous"] == 1


def test_building_name_in_the_same_sigungu(small: Gazetteer) -> None:
    hit = small.geocode("서울특별시 강남구 어딘가로 999", "강남구보건소")
    assert hit is not None and (hit.precision, hit.lon) == ("building", 127.0425)
    # the building name inside the address counts too
    hit = small.geocode("서울 강남구 어딘가로 999 강남구보건소")
    assert hit is not None and hit.precision == "building"
    # the same name elsewhere is not that building
    assert small.geocode("서울특별시 서초구 어딘가로 999", "강남구보건소") is None


def test_dong_from_the_admin_dong_in_brackets(small: Gazetteer) -> None:
    hit = small.geocode("서울 강남구 삼성동(삼성2동) 9")
    assert hit is not None and hit.precision == "dong"
    assert (hit.lon, hit.lat) == (127.0470, 37.5110)


def test_dong_from_known_addresses_of_the_legal_dong(small: Gazetteer) -> None:
    hit = small.geocode("서울특별시 강남구 삼성동 9")
    assert hit is not None and hit.precision == "dong"
    assert hit.matched.endswith("(known addresses)")


def test_dong_from_the_admin_dongs_of_a_legal_dong(small: Gazetteer) -> None:
    hit = small.geocode("서울특별시 강남구 역삼동 9")
    assert hit is not None and hit.precision == "dong"
    assert hit.matched == "서울특별시 강남구 역삼1동"


def test_sigungu_centroid_last(small: Gazetteer) -> None:
    hit = small.geocode("서울특별시 강남구 없는로 5")
    assert hit == Geocode(127.0473, 37.5172, "sigungu", "서울특별시 강남구")
    # a 시 with 일반구 and no row of its own: the mean of its 구
    hit = small.geocode("경기도 수원시 없는로 5")
    assert hit is not None and hit.precision == "sigungu"
    assert hit.lon == pytest.approx(127.015) and hit.lat == pytest.approx(37.292)


def test_nothing_known(small: Gazetteer) -> None:
    assert small.geocode(None) is None
    assert small.geocode("대합실 B1") is None
    assert small.geocode("금곡대로 348") is None  # no region at all


@settings(max_examples=200, deadline=None)
@given(text=_ADDRESSY, name=st.one_of(st.none(), _ADDRESSY))
def test_geocode_never_raises_and_never_overstates(text: str, name: str | None) -> None:
    g = small_gazetteer()
    hit = g.geocode(text, name, sido="서울", sigungu="강남구")
    if hit is not None and hit.precision == "address":
        ak = g.parse(text, sido="서울", sigungu="강남구")
        assert ak is not None and hit.matched in ak.exact_keys()


def test_geocode_address_accepts_only_address_precision(small: Gazetteer) -> None:
    assert small.geocode_address(
        "서울특별시 강남구 없는로 5", "서울특별시 강남구 삼성동 8"
    ) == Geocode(127.0421, 37.5161, "address", "서울특별시 강남구 삼성동 8")
    assert small.geocode_address("서울특별시 강남구 없는로 5") is None


def test_from_candidates_reads_both_addresses_and_the_name() -> None:
    @dataclass
    class Norm:
        name: str = "삼성어린이공원 화장실"
        address: str = "서울특별시 강남구 봉은사로 600"

    @dataclass
    class Cand:
        lon: float = 127.05
        lat: float = 37.51
        mapped: dict[str, str | None] = field(
            default_factory=lambda: {
                "road_address": "서울특별시 강남구 봉은사로 600",
                "lot_address": "서울특별시 강남구 삼성동 50",
            }
        )
        norm: Norm = field(default_factory=Norm)
        sido: str | None = None
        sigungu: str | None = None

    g = Gazetteer.from_candidates([Cand()], CENTROIDS_SMALL)
    for query in ("서울 강남구 봉은사로 600", "서울 강남구 삼성동 50"):
        hit = g.geocode(query)
        assert hit is not None and hit.precision == "address"
    hit = g.geocode("서울 강남구 없는로 1", "삼성어린이공원")
    assert hit is not None and hit.precision == "building"


# -- the online step -------------------------------------------------------------------------


class FakeOnline:
    def __init__(self, answer: Geocode | None = None, error: Exception | None = None) -> None:
        self.answer, self.error = answer, error
        self.queries: list[str] = []

    def geocode(self, address: str) -> Geocode | None:
        self.queries.append(address)
        if self.error:
            raise self.error
        return self.answer


def test_online_geocoder_runs_after_the_exact_step_only() -> None:
    online = FakeOnline(Geocode(127.1, 37.6, "address", "kakao: x"))
    g = small_gazetteer(online=online)
    assert g.geocode("서울 강남구 선릉로 668").matched == "서울특별시 강남구 선릉로 668"  # type: ignore[union-attr]
    assert online.queries == []
    hit = g.geocode("선릉로 9 (삼성동) 어떤빌딩 3층", sido="서울", sigungu="강남구")
    assert hit == Geocode(127.1, 37.6, "address", "kakao: x")
    assert online.queries == ["서울특별시 강남구 선릉로 9"]  # no building name, no floor


def test_online_errors_fall_back_to_the_offline_steps() -> None:
    online = FakeOnline(error=OSError("network down"))
    g = small_gazetteer(online=online)
    hit = g.geocode("서울특별시 강남구 없는로 5")
    assert hit is not None and hit.precision == "sigungu"
    assert g.online_errors == 1


class FakeResponse(io.BytesIO):
    def __enter__(self) -> FakeResponse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def kakao_with(documents: list[dict[str, Any]]) -> tuple[KakaoGeocoder, list[Any]]:
    seen: list[Any] = []

    def opener(request: Any, timeout: float) -> FakeResponse:
        seen.append((request, timeout))
        return FakeResponse(json.dumps({"documents": documents, "meta": {}}).encode())

    return KakaoGeocoder("test-key", opener=opener), seen


def test_kakao_request() -> None:
    kakao, seen = kakao_with(
        [
            {
                "address_name": "서울 강남구 선릉로 668",
                "address_type": "ROAD_ADDR",
                "x": "127.0421",
                "y": "37.5161",
            }
        ]
    )
    hit = kakao.geocode("서울특별시 강남구 선릉로 668")
    assert hit == Geocode(127.0421, 37.5161, "address", "kakao: 서울 강남구 선릉로 668")
    request, timeout = seen[0]
    assert request.get_header("Authorization") == "KakaoAK test-key"
    url = urllib.parse.urlsplit(request.full_url)
    assert (url.scheme, url.netloc, url.path) == (
        "https",
        "dapi.kakao.com",
        "/v2/local/search/address.json",
    )
    assert urllib.parse.parse_qs(url.query)["query"] == ["서울특별시 강남구 선릉로 668"]
    assert timeout > 0


@pytest.mark.parametrize(
    "documents",
    [
        [],
        [{"address_name": "서울 강남구", "address_type": "REGION", "x": "127.0", "y": "37.5"}],
        [{"address_name": "선릉로", "address_type": "ROAD", "x": "127.0", "y": "37.5"}],
        [
            {"address_name": "a", "address_type": "ROAD_ADDR", "x": "127.0", "y": "37.5"},
            {"address_name": "b", "address_type": "ROAD_ADDR", "x": "128.0", "y": "36.5"},
        ],
    ],
)
def test_kakao_answers_only_for_one_exact_address(documents: list[dict[str, Any]]) -> None:
    kakao, _ = kakao_with(documents)
    assert kakao.geocode("서울 강남구 선릉로 668") is None


def test_kakao_needs_a_key() -> None:
    with pytest.raises(ValueError):
        KakaoGeocoder("")


# -- the real files --------------------------------------------------------------------------

needs_real_files = pytest.mark.skipif(
    not (SOURCE_DIR / CENTROIDS).is_file(), reason=f"the real source files are not at {SOURCE_DIR}"
)


def _float(text: str | None) -> float:
    try:
        return float(text) if text else float("nan")
    except ValueError:
        return float("nan")


def read_points(path: str) -> list[tuple[tuple[str | None, ...], str | None, float, float]]:
    """(addresses, name, lon, lat) of every row of a WGS84 point file (lon/lat NaN if unusable)."""
    from etl.read import read_table
    from geo.korea import in_korea

    spec = next(f for f in POINT_FILES if f[0] == path)
    _, address_cols, name_col, lat_col, lon_col = spec
    out = []
    for _, row in read_table(SOURCE_DIR / path).rows:
        lon, lat = _float(row.get(lon_col)), _float(row.get(lat_col))
        if not in_korea(lon, lat):
            lon = lat = float("nan")
        out.append((tuple(row.get(c) for c in address_cols), row.get(name_col), lon, lat))
    return out


def gazetteer_inputs(
    points: dict[str, list[tuple[tuple[str | None, ...], str | None, float, float]]],
    exclude: str | None = None,
) -> tuple[
    list[tuple[str | None, float, float]],
    list[tuple[str | None, str | None, str | None, float, float]],
]:
    addresses: list[tuple[str | None, float, float]] = []
    names: list[tuple[str | None, str | None, str | None, float, float]] = []
    for path, rows in points.items():
        if path == exclude:
            continue
        for texts, name, lon, lat in rows:
            if np.isnan(lon):
                continue
            region = None
            for text in texts:
                if text:
                    addresses.append((text, lon, lat))
                    ak = region or normalise_address(text)
                    region = ak if ak is not None and ak.sido and ak.sigungu else None
            names.append(
                (
                    name,
                    region.sido if region else None,
                    region.sigungu if region else None,
                    lon,
                    lat,
                )
            )
    return addresses, names


def read_sites(path: str, name_col: str) -> list[dict[str, str | None]]:
    from etl.read import read_table

    return [
        {
            "name": row.get(name_col),
            "address": row.get("주소"),
            "sido": row.get("시도"),
            "sigungu": row.get("시군구"),
        }
        for _, row in read_table(SOURCE_DIR / path).rows
    ]


@pytest.fixture(scope="module")
def real() -> Iterator[dict[str, Any]]:
    if not (SOURCE_DIR / CENTROIDS).is_file():
        pytest.skip(f"the real source files are not at {SOURCE_DIR}")
    points = {f[0]: read_points(f[0]) for f in POINT_FILES}
    centroids = read_centroids(SOURCE_DIR / CENTROIDS)
    addresses, names = gazetteer_inputs(points)
    sites = {path: read_sites(path, col) for path, col in SITE_FILES}
    yield {
        "points": points,
        "centroids": centroids,
        "addresses": addresses,
        "names": names,
        "sites": sites,
        "gazetteer": Gazetteer(addresses, names, centroids),
    }


def rates(hits: list[Geocode | None]) -> dict[str, float]:
    counts = Counter(h.precision if h else "none" for h in hits)
    return {k: round(100 * v / len(hits), 1) for k, v in counts.most_common()}


def geocode_sites(g: Gazetteer, rows: list[dict[str, str | None]]) -> list[Geocode | None]:
    return [g.geocode(r["address"], r["name"], sido=r["sido"], sigungu=r["sigungu"]) for r in rows]


@needs_real_files
def test_read_centroids() -> None:
    centroids = read_centroids(SOURCE_DIR / CENTROIDS)
    assert len(centroids) == 5139
    sajik = next(c for c in centroids if c.code == "1111053000")
    assert sajik.name == "서울특별시 종로구 사직동"
    # the row's X/Y (953238, 1952853) in EPSG:5179 is 126.97044 E, 37.57387 N
    assert distance_m(sajik.lon, sajik.lat, 126.97044, 37.57387) < 2


@needs_real_files
def test_kdca_sites_geocode_with_plausible_precision(real: dict[str, Any]) -> None:
    hits = geocode_sites(real["gazetteer"], real["sites"][KDCA])
    share = rates(hits)
    print("KDCA 2022 (636 sites):", share)
    assert len(hits) == 636
    # the gazetteer knows few hospitals' own addresses: a sixth or so is exact
    assert 8 <= share.get("address", 0) <= 40
    # every site lands at least in its sigungu
    assert share.get("none", 0) <= 2
    assert share.get("dong", 0) + share.get("sigungu", 0) >= 40


@needs_real_files
def test_mohw_lists_geocode_with_plausible_precision(real: dict[str, Any]) -> None:
    for path in (MOHW, SAFE):
        share = rates(geocode_sites(real["gazetteer"], real["sites"][path]))
        print(path, share)
        assert 8 <= share.get("address", 0) <= 40
        assert share.get("none", 0) <= 2


@needs_real_files
def test_busan_toilets_without_coordinates(real: dict[str, Any]) -> None:
    rows = [r for r in real["points"][BUSAN_TOILETS] if np.isnan(r[2])]
    assert len(rows) == 1544  # 1,543 blank + 1 outside Korea
    g: Gazetteer = real["gazetteer"]
    exact = [g.geocode_address(*texts, sido="부산") for texts, _, _, _ in rows]
    share = rates(exact)
    print("Busan toilets without coordinates, address precision:", share)
    # the other files know few Busan addresses; the rest are rejected, not guessed
    assert 1 <= share.get("address", 0) <= 30
    assert all(h is None or h.precision == "address" for h in exact)


def consistency(g: Gazetteer, rows: list) -> tuple[int, int, float]:
    """Address-precision matches of rows that have coordinates: (matched, within 300 m, median m)."""
    distances = []
    for texts, _, lon, lat in rows:
        if np.isnan(lon):
            continue
        hit = g.geocode_address(*texts)
        if hit is not None:
            distances.append(distance_m(hit.lon, hit.lat, lon, lat))
    d = np.array(distances)
    return len(d), int((d <= 300).sum()), float(np.median(d)) if len(d) else float("nan")


@needs_real_files
@pytest.mark.parametrize("held_out", [BUSAN_TOILETS, SEOUL_TOILETS])
def test_address_matches_land_near_the_known_coordinates(
    real: dict[str, Any], held_out: str
) -> None:
    """Geocode a file's rows that have coordinates with a gazetteer built without that file."""
    addresses, names = gazetteer_inputs(real["points"], exclude=held_out)
    g = Gazetteer(addresses, names, real["centroids"])
    matched, near, median = consistency(g, real["points"][held_out])
    print(f"{held_out}: {matched} address matches, {near} within 300 m, median {median:.1f} m")
    assert matched >= 5
    assert near >= 0.9 * matched
