"""The public_toilets spec against the real Seoul, Incheon and Busan toilet files."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from pyproj import Geod

from geo.hours import FULL_DAY, parse_hours
from layers import registry
from layers.public_toilets import SPEC, means_open_24h, toilet_phone, toilet_type
from tests.layers.real_files import (
    Rows,
    a_row_named,
    column_for,
    matching_schemas,
    normalised_fixture,
    schema_columns,
)

LAYER = "public_toilets"
OA = "seoul_public_toilets_location_OA-22586.csv"
SEOUL_2025 = "localdata_public_toilets_seoul_12_04_01_E_2025-01.xlsx"
SEOUL_2023 = "localdata_public_toilets_seoul_12_04_01_E_2023-01.xlsx"
INCHEON = "localdata_public_toilets_incheon_12_04_01_E_2025.xlsx"
BUSAN = "localdata_public_toilets_busan_12_04_01_E_2022-08.csv"


SOURCES = registry.sources_for(LAYER, default_only=False)


normalised = normalised_fixture(SPEC, SOURCES)


# -- schemas -------------------------------------------------------------------------------


def test_manifest_schema_ids_are_known() -> None:
    ids = {s.id for s in SPEC.schemas}
    assert {s.schema for s in SOURCES} <= ids
    assert ids == {
        "seoul_oa22586",
        "localdata_toilets_2025",
        "localdata_toilets_2023",
        "localdata_toilets_national",
    }


@pytest.mark.parametrize("source", SOURCES, ids=lambda s: s.file_name)
def test_each_file_matches_exactly_its_schema(source: registry.Source) -> None:
    columns, _ = schema_columns(SPEC, source)
    schema = SPEC.schema(source.schema)
    # every column of the file has a canonical field
    mapped = {column_for(a, columns) for a in schema.columns.values()}
    assert set(columns) <= mapped


def test_the_national_localdata_header_matches_its_own_schema() -> None:
    # the all-Korea download's header (PROVENANCE "Not found"), abridged to its distinct names
    columns = [
        "개방자치단체코드", "관리번호", "구분명", "근거법령명", "화장실명", "소재지도로명주소",
        "소재지지번주소", "남성용-대변기수", "여성용-장애인용대변기수", "개방시간", "개방시간상세",
        "설치연월", "WGS84위도", "WGS84경도", "화장실소유구분명", "데이터기준일자",
        "데이터갱신구분", "데이터갱신시점", "최종수정시점",
    ]  # fmt: skip
    schemas = matching_schemas(SPEC, columns)
    best = max(
        schemas, key=lambda s: sum(column_for(a, columns) is not None for a in s.columns.values())
    )
    assert best.id == "localdata_toilets_national"
    assert best.key == ("authority_code", "mgmt_no")
    row = {f: None for f in best.columns} | {
        "authority_code": "3000000",
        "mgmt_no": "12345",
        "toilet_type": "공중화장실",
        "name": "남산공원 화장실",
        "road_address": "서울특별시 중구 삼일대로 231",
        "hours": "상시",
        "female_disabled_toilets": "1",
    }
    n = SPEC.normalise(best.id, row)
    assert (n.name, n.fee, n.wheelchair) == ("남산공원 화장실", "free", True)
    assert n.props["open_24h"] is True and n.props["disabled_stalls"] == 1


def test_regional_files_have_no_stable_key() -> None:
    for schema_id in ("seoul_oa22586", "localdata_toilets_2025", "localdata_toilets_2023"):
        assert SPEC.schema(schema_id).key == ()


def test_fields_cover_exactly_the_props_with_their_types(normalised: Rows) -> None:
    types = {f.name: f.type for f in SPEC.fields}
    python_type = {"text": str, "int": int, "bool": bool, "date": str, "float": float}
    for rows in normalised.values():
        for _, n in rows:
            assert set(n.props) == set(types)
            for name, value in n.props.items():
                assert value is None or type(value) is python_type[types[name]], (name, value)


# -- rows --------------------------------------------------------------------------------


def test_row_counts_and_rejects(normalised: Rows) -> None:
    assert {name: len(rows) for name, rows in normalised.items()} == {
        OA: 4585,
        SEOUL_2025: 6111,
        SEOUL_2023: 4455,
        INCHEON: 2347,
        BUSAN: 1801,
    }
    rejects = {
        name: Counter(n.reject for _, n in rows if n.reject) for name, rows in normalised.items()
    }
    assert rejects[OA] == {
        "removed facility (삭제 in name)": 1,
        "closed facility (폐쇄 in name)": 1,
    }
    never_open = "never open to the public (미개방)"
    # 99 rows say 미개방 in 개방시간, 6 more only in 개방시간상세 (개방시간 = 불규칙)
    assert rejects[INCHEON] == {never_open: 105}
    assert rejects[SEOUL_2025] == {never_open: 9, "demolished facility (철거 in name)": 1}
    assert rejects[SEOUL_2023] == {}
    assert rejects[BUSAN] == {}


def test_every_row_is_free_with_a_dedupe_key(normalised: Rows) -> None:
    for rows in normalised.values():
        for _, n in rows:
            assert n.fee == "free"
            assert n.dedupe_key and "|" in n.dedupe_key
            assert n.name


def test_addresses_are_tidy(normalised: Rows) -> None:
    for rows in normalised.values():
        for _, n in rows:
            if n.address is not None:
                assert "서을" not in n.address
                assert n.address not in {"없음", "-", "생성필요"}
                assert n.address == " ".join(n.address.split())
    (_, n) = a_row_named(normalised[SEOUL_2025], "토요마당")
    assert n.address == "서울특별시 광진구 용마도시자연공원"  # 서을특별시 in the file
    # Busan's short 시 names are kept as published
    (_, n) = a_row_named(normalised[BUSAN], "영도하수종말처리장")
    assert n.address == "부산 영도구 해양로 259 (동삼동)"


def test_lot_address_is_a_fallback_only_when_it_is_an_address(normalised: Rows) -> None:
    floors = [n for r, n in normalised[SEOUL_2023] if r["lot_address"] == "주차장 내 1층"]
    assert floors and all(n.address and "주차장 내" not in n.address for n in floors)


def test_phone_repair(normalised: Rows) -> None:
    phones = [n.phone for _, n in normalised[OA] if n.phone]
    assert not any("%" in p or ")" in p for p in phones)
    assert all(re.fullmatch(r"[\d-]+", p) for p in phones)
    (_, n) = a_row_named(normalised[OA], "서울고덕평생학습관")
    assert n.phone == "02-3425-5864"  # 02%293425-5864 in the file
    assert toilet_phone("02) 450-9316") == "02-450-9316"
    assert toilet_phone("02-2094-2340~5") == "02-2094-2340"
    assert toilet_phone("02-02-2116-2966") == "02-2116-2966"
    assert toilet_phone("022686-3200") == "02-2686-3200"
    assert toilet_phone("02-.860-2363") == "02-860-2363"
    assert toilet_phone("합동 : 02-2267-2640,화창:02-2278-1883") == "02-2267-2640"
    assert toilet_phone("15447788") == "1544-7788"
    assert toilet_phone("041-000-0000") is None
    assert toilet_phone("00000000") is None
    assert toilet_phone("100") is None
    # the published grouping is kept and 0000 lines are numbers (clean.tidy_phone regroups)
    assert toilet_phone("22129717") == "22129717"
    assert toilet_phone("02-2068-757") == "02-2068-757"
    assert toilet_phone("02-6370-0000") == "02-6370-0000"


def test_toilet_type_vocabulary(normalised: Rows) -> None:
    assert toilet_type("민간개방1") == "개방화장실"
    assert toilet_type("공공개방") == "개방화장실"
    assert toilet_type("민간 개방화장실") == "개방화장실"
    assert toilet_type("민간개방(집회로 임시개방)") == "개방화장실"
    assert toilet_type("공중(연중개방)") == "공중화장실"
    assert toilet_type("무인공중") == "공중화장실"
    assert toilet_type("공원화장실") == "공중화장실"
    assert toilet_type("임시화장실(탄핵집회 대응)") == "이동화장실"
    assert toilet_type("유료화장실") == "유료화장실"
    assert toilet_type("기타") is None
    assert toilet_type("평일 05:31~00:54 토요일 및 공휴일 05:32~23:58") is None
    types = Counter(n.props["toilet_type"] for _, n in normalised[OA])
    assert types == {
        "개방화장실": 2618,
        "공중화장실": 1542,
        None: 419,
        "이동화장실": 5,
        "간이화장실": 1,
    }
    types = Counter(n.props["toilet_type"] for _, n in normalised[SEOUL_2025])
    assert types == {"개방화장실": 3441, "공중화장실": 2599, "간이화장실": 68, "이동화장실": 3}


def test_open_24h() -> None:
    for text in ("상시", "상시(연중 개방)", "24시간", "24시간 개방", "00:00~24:00", "00~24",
                 "0~24시", "00:00~00:00", "00:00~23:59", "평일,주말 구분없이 24시간", "종일개방",
                 "24시간 개방(동절기 제외)"):  # fmt: skip
        assert means_open_24h(text) is True, text
    for text in ("정시", "09:00~18:00", "05~24", "05:00~24:00", "05~24시간", "18시간",
                 "9시간(09:00~18:00)", "업무시간", "상시(10:00~21:00)", "상시(평일만 개방)"):  # fmt: skip
        assert means_open_24h(text) is False, text
    assert means_open_24h(None) is None


def test_open_24h_agrees_with_the_hours_parser(normalised: Rows) -> None:
    for rows in normalised.values():
        for _, n in rows:
            schedule = parse_hours(n.opening_hours_raw)
            if schedule is not None:
                days = (schedule.weekday, schedule.saturday, schedule.sunday, schedule.holiday)
                all_day = not schedule.closed_dates and all(d == FULL_DAY for d in days)
                assert n.props["open_24h"] is all_day, n.opening_hours_raw
                if not schedule.seasons:
                    assert all_day is schedule.always_open
            elif n.opening_hours_raw is None:
                assert n.props["open_24h"] is None


def test_hours_text_prefers_the_detail_column(normalised: Rows) -> None:
    rows = normalised[SEOUL_2025]
    (_, n) = a_row_named(rows, "10번 화장실(양화교)")
    assert n.opening_hours_raw == "상시" and n.props["open_24h"] is True
    # `:~:` in 개방시간상세 is no text: the 개방시간 category stands in
    junk = [n for r, n in rows if r["hours_detail"] == ":~:"]
    assert junk and all(n.opening_hours_raw == "상시" for n in junk)
    (_, n) = a_row_named(normalised[INCHEON], "아라뱃길북축공원")
    assert (n.opening_hours_raw, n.props["open_24h"]) == ("0~24시", True)


def test_localdata_row_props(normalised: Rows) -> None:
    (_, n) = a_row_named(normalised[SEOUL_2023], "무악동주민센터")
    assert n.address == "서울특별시 종로구 통일로14길 36"
    assert n.phone == "02-2148-5152"
    assert n.updated_at == "2020-04-13"
    assert n.wheelchair is True
    assert n.props == {
        "toilet_type": "공중화장실",
        "open_24h": False,
        "disabled_stalls": 3,
        "unisex": False,
        "emergency_bell": True,
        "cctv": True,
        "diaper_table": True,
        "place_type": "공공용시설",
        "owner": "지방자치단체",
        "managing_agency": "무악동주민센터",
        "installed": None,  # 1905-06: a year typed into an Excel date cell
    }
    (_, n) = a_row_named(normalised[INCHEON], "인천남고등학교")
    assert n.props["installed"] == "1998-01"
    assert n.props["disabled_stalls"] == 5


def test_wheelchair_follows_disabled_stalls(normalised: Rows) -> None:
    for name in (SEOUL_2025, SEOUL_2023, INCHEON, BUSAN):
        for _, n in normalised[name]:
            stalls = n.props["disabled_stalls"]
            assert stalls is not None
            assert n.wheelchair is (stalls > 0)
    counts = Counter(n.wheelchair for _, n in normalised[SEOUL_2025])
    assert counts == {True: 2798, False: 3313}


def test_oa22586_accessibility_from_free_text(normalised: Rows) -> None:
    rows = normalised[OA]
    (_, n) = a_row_named(rows, "송이공원 화장실")  # 장애인화장실 현황: 남1, 휠체어 진입 가능
    assert n.wheelchair is True
    assert n.props["diaper_table"] is True
    assert n.props["disabled_stalls"] is None
    counts = Counter(n.wheelchair for _, n in rows)
    assert counts == {None: 4249, True: 310, False: 26}
    # the column mostly lists hand dryers and the like: those say nothing about access
    dryers = [n for r, n in rows if (r["disabled_status"] or "").startswith("손건조기")]
    assert dryers and all(n.wheelchair is None for n in dryers)


def test_the_same_toilet_in_both_seoul_files_is_within_the_dedupe_radius(
    normalised: Rows,
) -> None:
    geod = Geod(ellps="WGS84")
    pairs = [("허리우드극장(낙원상가4층)", "허리우드극장(낙원상가4층)"), ("성삼공원", "성삼공원")]
    for oa_name, localdata_name in pairs:
        (a, _) = a_row_named(normalised[OA], oa_name)
        (b, _) = a_row_named(normalised[SEOUL_2025], localdata_name)
        lon_a, lat_a, lon_b, lat_b = (
            float(v or "nan") for v in (a["lon"], a["lat"], b["lon"], b["lat"])
        )
        _, _, distance_m = geod.inv(lon_a, lat_a, lon_b, lat_b)
        assert 15 < distance_m < SPEC.dedupe_radius_m
