"""The bike_stations spec against the real 따릉이 and national standard-data files."""

from __future__ import annotations

from collections import Counter

import pytest

from layers import registry
from layers.bike_stations import SPEC
from tests.layers.real_files import (
    Rows,
    column_for,
    matching_schemas,
    normalised_fixture,
    schema_columns,
    the_row_named,
    unmatched,
)

LAYER = "bike_stations"
SEOUL = "seoul_ddareungi_stations_2022-06.csv"
NATIONAL = "national_bike_rental_stations_std_2024.csv"


SOURCES = registry.sources_for(LAYER, default_only=False)


normalised = normalised_fixture(SPEC, SOURCES)


# -- schemas -------------------------------------------------------------------------------


def test_manifest_schema_ids_are_known() -> None:
    assert {s.schema for s in SOURCES} == {s.id for s in SPEC.schemas}
    assert {s.id for s in SPEC.schemas} == {"seoul_ddareungi", "national_bike_std"}


@pytest.mark.parametrize("source", SOURCES, ids=lambda s: s.file_name)
def test_each_file_matches_exactly_its_schema(source: registry.Source) -> None:
    columns, found = schema_columns(SPEC, source)
    assert None not in found.values(), unmatched(found)
    assert set(columns) == set(found.values())


@pytest.mark.parametrize(
    ("lcd", "qr", "district"),
    [
        ("LCD거치대수", "QR거치대수", "자치구"),  # etl.read's merge
        ("설치형태 LCD 거치대수", "설치형태 QR 거치대수", "소재지(위치) 자치구"),
        ("설치형태_LCD_거치대수", "설치형태_QR_거치대수", "소재지(위치)_자치구"),
        ("거치대수(LCD)", "거치대수(QR)", "자치구"),
        ("LCD", "QR", "소재지(위치)/자치구"),
    ],
)
def test_the_merged_ddareungi_header_matches_however_it_is_joined(
    lcd: str, qr: str, district: str
) -> None:
    columns = ["대여소번호", "보관소(대여소)명", district, "상세주소", "위도", "경도", "설치시기", lcd, qr, "운영방식"]  # fmt: skip
    (schema,) = matching_schemas(SPEC, columns)
    assert schema.id == "seoul_ddareungi"
    for field in ("racks_lcd", "racks_qr", "district"):
        assert column_for(schema.columns[field], columns) is not None, field


def test_keys() -> None:
    seoul = SPEC.schema("seoul_ddareungi")
    assert (seoul.key, seoul.key_unique, seoul.header_rows) == (("station_no",), True, 4)
    assert SPEC.schema("national_bike_std").key == ()


def test_fields_cover_exactly_the_props_with_their_types(normalised: Rows) -> None:
    types = {f.name: f.type for f in SPEC.fields}
    python_type = {"text": str, "int": int, "bool": bool, "date": str, "float": float}
    for rows in normalised.values():
        for _, n in rows:
            assert set(n.props) == set(types)
            for name, value in n.props.items():
                assert value is None or type(value) is python_type[types[name]], (name, value)


# -- Seoul 따릉이 ----------------------------------------------------------------------------


def test_ddareungi_rows(normalised: Rows) -> None:
    rows = normalised[SEOUL]
    assert len(rows) == 2653
    assert not [n for _, n in rows if n.reject]
    numbers = [n.props["station_no"] for _, n in rows]
    assert len(set(numbers)) == 2653
    assert numbers[0] == "00102"  # zero-padded text, not a number
    assert all(n.fee == "paid" and n.fee_text is None for _, n in rows)
    assert Counter(n.props["operation_type"] for _, n in rows) == {"QR": 1377, "LCD": 1276}
    assert sum(n.props["installed"] is None for _, n in rows) == 1


def test_ddareungi_racks(normalised: Rows) -> None:
    rows = normalised[SEOUL]
    (_, n) = the_row_named(rows, "하이투자증권 앞")  # QR racks "31 " in the file
    assert (n.props["racks_qr"], n.props["racks_lcd"], n.props["racks"]) == (31, None, 31)
    both = [
        n for _, n in rows if n.props["racks_lcd"] is not None and n.props["racks_qr"] is not None
    ]
    assert len(both) == 16
    assert all(n.props["racks"] == n.props["racks_lcd"] + n.props["racks_qr"] for n in both)
    # PROVENANCE counts 2 with neither, one of them the empty record after the header
    assert sum(n.props["racks"] is None for _, n in rows) == 1


def test_ddareungi_a_known_station(normalised: Rows) -> None:
    (row, n) = the_row_named(normalised[SEOUL], "망원역 1번출구 앞")
    assert row["station_no"] == "00102"
    assert n.address == "서울특별시 마포구 월드컵로 72"
    assert n.props["installed"] == "2022-05-03"
    assert (n.props["racks"], n.props["operation_type"]) == (15, "QR")
    assert n.opening_hours_raw is None and n.phone is None


def test_ddareungi_partial_addresses_are_completed_from_the_district(normalised: Rows) -> None:
    rows = normalised[SEOUL]
    (_, n) = the_row_named(rows, "하이투자증권 앞")
    assert n.address == "서울특별시 영등포구 여의대로 66"
    (_, n) = the_row_named(rows, "여의도역2번출구 앞")
    assert n.address == "서울특별시 영등포구 여의도동 의사당대로 88"
    assert all(n.address and n.address.startswith("서울") for _, n in rows)
    assert not any("  " in (n.address or "") or "\n" in (n.address or "") for _, n in rows)


# -- national standard data -------------------------------------------------------------------


def test_national_rows_and_rejects(normalised: Rows) -> None:
    rows = normalised[NATIONAL]
    assert len(rows) == 1398
    assert Counter(n.reject for _, n in rows if n.reject) == {
        "out of service (운영 중단)": 1,  # 광명스피돔 …(코로나로 인해 임시 운영 중단)
        "out of service (이용불가)": 1,  # fee text 이용불가(고장) - 수리예정
    }


def test_national_fees(normalised: Rows) -> None:
    rows = normalised[NATIONAL]
    assert Counter(n.fee for _, n in rows) == {"paid": 1202 + 17, "free": 179}
    free = [n for _, n in rows if n.fee == "free"]
    assert not any(n.fee_text in {"0", "무료"} for n in free)
    (_, n) = the_row_named(rows, "대평동_해들205동")
    assert (n.fee, n.fee_text) == ("paid", "1000원")


def test_national_a_known_station(normalised: Rows) -> None:
    (_, n) = the_row_named(normalised[NATIONAL], "대평동_해들205동")
    assert n.address == "세종특별자치시 대평동 266-26"  # road address blank: lot address
    assert n.phone == "1899-9161"
    assert n.updated_at == "2024-01-17"
    assert n.opening_hours_raw == "00:00~23:59 (휴무일: 연중무휴)"
    assert n.props == {
        "station_no": None,
        "station_type": "무인대여소",
        "operation_type": None,
        "bikes": 10,
        "racks": None,
        "racks_lcd": None,
        "racks_qr": None,
        "air_pump": False,
        "air_pump_type": None,
        "repair_stand": False,
        "operator": "세종특별자치시청",
        "provider": "세종특별자치시",
        "installed": None,
    }


def test_national_hours_and_schedules(normalised: Rows) -> None:
    rows = normalised[NATIONAL]
    raws = Counter(n.opening_hours_raw for _, n in rows)
    assert raws["05:00~23:59 (휴무일: 연중무휴(설, 추석 당일 2일 제외))"] == 261
    assert raws["09:00~18:00 (휴무일: 토+일+공휴일)"] == 19
    assert all(r["open_time"] and r["close_time"] for r, _ in rows)
    assert all(n.schedule is not None for _, n in rows)
    (_, n) = the_row_named(rows, "대평동_해들205동")  # 00:00~23:59, 연중무휴
    assert n.schedule.weekday == n.schedule.holiday == ((0, 24 * 60),)


def test_national_numbers_and_flags(normalised: Rows) -> None:
    rows = normalised[NATIONAL]
    assert Counter(n.props["air_pump"] for _, n in rows) == {False: 1163, True: 235}
    assert Counter(n.props["repair_stand"] for _, n in rows) == {False: 1373, True: 25}
    assert sum(n.props["racks"] is None for _, n in rows) == 705
    assert all(isinstance(n.props["bikes"], int) for _, n in rows)
    assert Counter(n.props["station_type"] for _, n in rows)["무인·유인대여소"] == 7


def test_national_dedupe_keys(normalised: Rows) -> None:
    keys = Counter(n.dedupe_key for _, n in normalised[NATIONAL])
    # "호수공원,중앙공원" and "호수공원, 중앙공원" (two stations 600 m apart, same address)
    assert [k for k, c in keys.items() if c > 1] == [
        "호수공원중앙공원|세종특별자치시중앙공원로60|세종특별자치시"
    ]
