"""The testing_site_parking spec against the real parking and screening-site files."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from etl.testing_sites import SITE_PROPS
from layers import registry
from layers.testing_site_parking import (
    FACILITIES,
    SPEC,
    closed_day_types,
    site_kind,
)
from tests.layers.real_files import (
    SOURCE_DIR,
    Rows,
    normalised_fixture,
    schema_columns,
    unmatched,
)

LAYER = "testing_site_parking"


# the files read as rows of the layer (not the HIRA folder, read by etl/hira.py)
SOURCES = tuple(
    s
    for s in registry.sources_for(LAYER, default_only=False)
    if SPEC.schema(s.schema).kind != FACILITIES
)
PARKING_2023 = "national_parking_std_2023-04.csv"
PARKING_2021 = "national_parking_std_2021-05.csv"
KDCA_XLS = "kdca_screening_centers_2022-02-16.xls"
KDCA_CSV = "kdca_screening_centers_2022-02-16_authorexport.csv"
MOHW = "mohw_screening_centers_2020-03-31.csv"
SAFE = "mohw_safe_hospitals_2020-04-01.csv"
# props the loader fills when it joins a lot to a site: the spec must declare each of them
JOIN_FIELDS = set(SITE_PROPS)


normalised = normalised_fixture(SPEC, SOURCES)


# -- schemas ---------------------------------------------------------------------------


@pytest.mark.parametrize("source", SOURCES, ids=lambda s: s.file_name)
def test_each_file_matches_exactly_its_schema(source: registry.Source) -> None:
    _, found = schema_columns(SPEC, source)
    assert unmatched(found) == []
    schema = SPEC.schema(source.schema)
    assert schema.kind == ("parking" if source.path.startswith("parking/") else "sites")
    assert (schema.coords is None) == (schema.kind == "sites")


def test_the_hira_folder_is_a_source_of_the_layer() -> None:
    (hira,) = [s for s in registry.sources_for(LAYER) if SPEC.schema(s.schema).kind == FACILITIES]
    assert (hira.path, hira.dataset, hira.publisher) == (
        "medical/hira_hospitals_2026-03",
        "HIRA-hospitals",
        "건강보험심사평가원",
    )
    assert "전국 병의원 및 약국 현황 2026.3" in hira.title
    folder = SOURCE_DIR / hira.path
    if not folder.is_dir():
        pytest.skip(f"the HIRA folder is not at {folder}")
    assert len(list(folder.glob("*/*.json"))) == 256


def test_site_kind() -> None:
    assert site_kind("kdca_screening") == "kdca_screening"
    assert site_kind("mohw_screening") == "mohw_screening"
    assert site_kind("mohw_safe_hospitals") == "safe_hospital"
    with pytest.raises(KeyError):
        site_kind("national_parking_std")


def test_fields_cover_the_props(normalised: Rows) -> None:
    names = {f.name for f in SPEC.fields}
    assert names >= JOIN_FIELDS
    lot_props = {k for _, n in normalised[PARKING_2023] for k in n.props}
    site_props = {
        k for name in (KDCA_XLS, MOHW, SAFE) for _, n in normalised[name] for k in n.props
    }
    assert lot_props | site_props | JOIN_FIELDS == names
    assert not lot_props & JOIN_FIELDS


# -- parking lots ----------------------------------------------------------------------


def test_every_parking_row_normalises(normalised: Rows) -> None:
    assert len(normalised[PARKING_2023]) == 14895
    assert len(normalised[PARKING_2021]) == 14851
    for name in (PARKING_2023, PARKING_2021):
        for _, n in normalised[name]:
            assert n.name and not n.reject
            assert n.dedupe_key
            assert n.opening_hours_raw
            assert n.updated_at and re.fullmatch(r"\d{4}-\d{2}-\d{2}", n.updated_at)


def test_parking_hours_become_schedules(normalised: Rows) -> None:
    # equal start and end other than 00:00 (`12:00~12:00`, 342 rows in 2021) is left to geo.hours
    for name in (PARKING_2023, PARKING_2021):
        rows = normalised[name]
        scheduled = sum(n.schedule is not None for _, n in rows)
        assert scheduled / len(rows) >= 0.95, f"{name}: {scheduled}/{len(rows)}"


def test_fee_counts_match_provenance(normalised: Rows) -> None:
    """PROVENANCE §6a: 요금정보 무료 9,180 / 유료 4,867 / 혼합 848."""
    rows = normalised[PARKING_2023]
    assert Counter(row["fee_info"] for row, _ in rows) == {"무료": 9180, "유료": 4867, "혼합": 848}
    assert Counter(n.fee for _, n in rows) == {"free": 9180, "paid": 4867 + 848}
    mixed = [n for row, n in rows if row["fee_info"] == "혼합"]
    assert all(n.fee == "paid" and (n.fee_text or "").startswith("혼합") for n in mixed)


def test_a_free_lot_that_still_lists_a_fee_stays_free(normalised: Rows) -> None:
    rows = normalised[PARKING_2023]
    charged = [n for row, n in rows if row["fee_info"] == "무료" and n.fee_text]
    assert len(charged) == 44
    assert all(
        n.fee == "free" and (n.fee_text or "").startswith("무료 (요금 기재: ") for n in charged
    )
    assert any("500원" in (n.fee_text or "") for n in charged)
    # a plain free lot says nothing more
    plain = [n for row, n in rows if row["fee_info"] == "무료" and not n.fee_text]
    assert len(plain) == 9180 - 44


def test_a_known_paid_lot(normalised: Rows) -> None:
    (n,) = [
        n
        for row, n in normalised[PARKING_2023]
        if row["lot_id"] == "350-4-000004" and row["provider_code"] == "5020000"
    ]
    assert (n.name, n.address) == ("유료주차장", "경상북도 포항시 남구 상도동 18-248")
    assert (n.fee, n.fee_text) == ("paid", "기본 30분 1,000원")
    assert n.opening_hours_raw == "평일 00:00~24:00, 토 00:00~24:00, 공휴일 00:00~24:00"
    assert n.schedule.always_open
    assert n.updated_at == "2021-05-13"
    assert {
        k: n.props[k]
        for k in ("lot_type", "ownership", "capacity", "base_minutes", "base_fee", "extra_fee")
    } == {
        "lot_type": "노외",
        "ownership": "민영",
        "capacity": 11,
        "base_minutes": 30,
        "base_fee": 1000,
        "extra_fee": None,
    }
    assert n.props["weekday_hours"] == "00:00~24:00"
    assert n.props["provider"] == "경상북도 포항시"


def test_2021_unoperated_day_types_are_closed(normalised: Rows) -> None:
    """운영요일 `평일+토요일+공휴일미운영(00:00으로시간표시)`: holidays closed, not 24 h."""
    rows = [n for row, n in normalised[PARKING_2021] if "미운영" in (row["operating_days"] or "")]
    assert len(rows) == 2
    for n in rows:
        assert n.props["holiday_hours"] == "closed"
        assert n.props["weekday_hours"] == "09:00~19:00"
        assert n.opening_hours_raw == "평일 09:00~19:00, 토 09:00~15:00, 공휴일 휴무"
        assert n.schedule.holiday == () and n.schedule.sunday == ()
        assert n.schedule.weekday == ((540, 1140),)


def test_day_types_not_listed_are_closed(normalised: Rows) -> None:
    weekday_only = [n for row, n in normalised[PARKING_2023] if row["operating_days"] == "평일"]
    assert len(weekday_only) == 898
    for n in weekday_only:
        assert n.props["saturday_hours"] == n.props["holiday_hours"] == "closed"
        assert n.schedule.saturday == n.schedule.sunday == n.schedule.holiday == ()
    all_days = [
        n for row, n in normalised[PARKING_2021] if row["operating_days"] == "평일+토요일 + 공휴일"
    ]
    assert len(all_days) == 15
    assert all(
        "closed" not in (n.props["weekday_hours"], n.props["holiday_hours"]) for n in all_days
    )


@pytest.mark.parametrize(
    ("text", "closed"),
    [
        ("평일+토요일+공휴일", set()),
        ("평일+토요일 + 공휴일", set()),
        ("평일", {"saturday", "holiday"}),
        ("토요일+공휴일", {"weekday"}),
        ("평일+토요일+공휴일미운영(00:00으로시간표시)", {"holiday"}),
        ("평일+공휴일미운영", {"saturday", "holiday"}),
        ("연중무휴", set()),
        (None, set()),
    ],
)
def test_closed_day_types(text: str | None, closed: set[str]) -> None:
    assert closed_day_types(text) == closed


def test_numbers(normalised: Rows) -> None:
    rows = normalised[PARKING_2023]
    for row, n in rows:
        for field in (
            "capacity",
            "base_minutes",
            "base_fee",
            "extra_fee",
            "day_pass_fee",
            "monthly_fee",
        ):
            raw, value = row[field], n.props[field]
            if raw is not None and re.fullmatch(r"\d+", raw):
                assert value == int(raw)
            else:
                assert value is None, (field, raw)
    fractions = [n.props["extra_minutes"] for row, n in rows if row["extra_minutes"] == "0.25"]
    assert fractions == [None] * 3  # not a whole number of minutes
    tiered = [n for row, n in rows if row["extra_fee"] == "200+400"]
    assert len(tiered) == 13
    assert all(n.props["extra_fee"] is None and "200+400원" in (n.fee_text or "") for n in tiered)


# -- sites -----------------------------------------------------------------------------


def test_sites_updated_at(normalised: Rows) -> None:
    dates = {
        name: {n.updated_at for _, n in normalised[name]}
        for name in (KDCA_XLS, KDCA_CSV, MOHW, SAFE)
    }
    assert dates == {
        KDCA_XLS: {"2022-02-16"},
        KDCA_CSV: {"2022-02-16"},
        MOHW: {"2020-03-31"},
        SAFE: {"2020-04-01"},
    }


def test_sites_have_names_addresses_and_kinds(normalised: Rows) -> None:
    expected = {
        KDCA_XLS: ("kdca_screening", 636),
        KDCA_CSV: ("kdca_screening", 636),
        MOHW: ("mohw_screening", 612),
        SAFE: ("safe_hospital", 341),
    }
    for name, (kind, count) in expected.items():
        rows = normalised[name]
        assert len(rows) == count
        assert all(n.name and n.address and not n.reject for _, n in rows)
        assert {n.props["site_kind"] for _, n in rows} == {kind}
        assert all(n.props["sido_text"] for _, n in rows)
        # only 세종 has no 시군구
        assert {n.props["sido_text"] for _, n in rows if not n.props["sigungu_text"]} <= {"세종"}


def test_kdca_hours_parse_for_most_rows(normalised: Rows) -> None:
    for name in (KDCA_XLS, KDCA_CSV):
        rows = normalised[name]
        parsed = sum(n.schedule is not None for _, n in rows)
        assert parsed / len(rows) >= 0.99, f"{name}: {parsed}/{len(rows)}"  # 631/636
    (gangnam,) = [n for _, n in normalised[KDCA_XLS] if n.name == "강남구보건소"]
    assert gangnam.opening_hours_raw == "평일 09:00~18:00, 토 09:00~13:00, 일·공휴일 09:00~13:00"
    assert gangnam.schedule.weekday == ((540, 1080),)
    assert gangnam.schedule.sunday == gangnam.schedule.holiday == ((540, 780),)
    assert gangnam.phone == "02-3423-5555"
    assert gangnam.props["accessibility"].startswith("수어상담가능")
    # the .xls and its CSV export say the same
    assert [n for _, n in normalised[KDCA_XLS]] == [n for _, n in normalised[KDCA_CSV]]


def test_mohw_sampling(normalised: Rows) -> None:
    assert Counter(n.props["sampling"] for _, n in normalised[MOHW]) == {True: 581, False: 31}
    assert {n.props["sampling"] for _, n in normalised[SAFE]} == {None}
