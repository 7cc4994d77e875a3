"""The campsites spec against the three real campsite files."""

from __future__ import annotations

import math
import re
from collections import Counter

import pytest
from pyproj import Transformer

from geo.hours import parse_hours
from layers import registry
from layers.campsites import SPEC, split_list
from tests.layers.real_files import (
    Rows,
    assert_props_are_the_fields,
    normalised_fixture,
    schema_columns,
    unmatched,
)

LAYER = "campsites"


SOURCES = registry.sources_for(LAYER, default_only=False)
STD = "national_campsites_std_2020.csv"
LOCALDATA = "localdata_general_campgrounds_tm5174.csv"
KCISA = "kcisa_campsite_location_info_2020.csv"


normalised = normalised_fixture(SPEC, SOURCES)


# -- schemas ---------------------------------------------------------------------------


@pytest.mark.parametrize("source", SOURCES, ids=lambda s: s.file_name)
def test_each_file_matches_exactly_its_schema(source: registry.Source) -> None:
    _, found = schema_columns(SPEC, source)
    assert unmatched(found) == []


def test_fields_cover_exactly_the_props(normalised: Rows) -> None:
    assert_props_are_the_fields(SPEC, normalised)


def test_keys_are_unique_where_the_spec_says_so(normalised: Rows) -> None:
    for source in SOURCES:
        schema = SPEC.schema(source.schema)
        if not (schema.key and schema.key_unique):
            continue
        keys = Counter(tuple(row[k] for k in schema.key) for row, _ in normalised[source.file_name])
        assert all(all(k) for k in keys), source.file_name
        assert max(keys.values()) == 1, source.file_name


# -- rows ------------------------------------------------------------------------------


def test_row_counts(normalised: Rows) -> None:
    assert {name: len(rows) for name, rows in normalised.items()} == {
        STD: 2261,
        LOCALDATA: 3419,
        KCISA: 2522,
    }


def test_closed_localdata_businesses_are_rejected(normalised: Rows) -> None:
    """PROVENANCE: 영업/정상 2,603, 폐업 598, 취소/말소/만료/정지/중지 120, 휴업 98."""
    rows = normalised[LOCALDATA]
    assert Counter(n.reject for _, n in rows) == {
        None: 2603,
        "closed business (폐업)": 598,
        "licence cancelled (취소/말소/만료/정지/중지)": 120,
        "business suspended (휴업)": 98,
    }
    assert Counter(n.props["business_status"] for _, n in rows) == {
        "open": 2603,
        "closed": 718,
        "suspended": 98,
    }
    assert not any(n.reject for name in (STD, KCISA) for _, n in normalised[name])
    assert {n.props["business_status"] for name in (STD, KCISA) for _, n in normalised[name]} == {
        "unknown"
    }


def test_every_row_has_a_name_and_a_dedupe_key(normalised: Rows) -> None:
    for rows in normalised.values():
        for _, n in rows:
            assert n.name
            assert n.dedupe_key and "|" in n.dedupe_key


def test_a_known_localdata_campground(normalised: Rows) -> None:
    (n,) = [
        n
        for row, n in normalised[LOCALDATA]
        if row["management_no"] == "CDFI2262132019000001" and row["local_gov_code"] == "3820000"
    ]
    assert n.name == "도봉야영장"
    assert n.address == "경기도 의정부시 창포원로 81 (호원동)"
    assert n.updated_at == "2022-07-14"
    assert n.reject == "business suspended (휴업)"
    assert n.props["campsite_type"] == ["일반야영장"]
    assert n.props["status_text"] == "휴업"


def test_localdata_address_falls_back_to_the_lot_address(normalised: Rows) -> None:
    rows = normalised[LOCALDATA]
    no_road = [(row, n) for row, n in rows if row["road_address"] is None]
    assert len(no_road) == 696
    assert all(n.address == row["lot_address"] for row, n in no_road if row["lot_address"])


def test_a_known_standard_campsite(normalised: Rows) -> None:
    (n,) = [n for _, n in normalised[STD] if n.name == "오션파크" and n.updated_at == "2020-01-28"]
    assert n.address == "충청남도 태안군 남면 몽산포길 161"
    assert n.phone == "041-672-3043"
    assert n.updated_at == "2020-01-28"
    assert n.props["campsite_type"] == ["야영장"]
    assert n.props["facilities"] == ["전기시설", "하수도시설"]
    assert n.props["sites"] == 2
    assert n.props["operator"] == "태안군청"
    assert (n.fee, n.fee_text, n.opening_hours_raw) == ("unknown", None, None)


def test_a_known_kcisa_campsite(normalised: Rows) -> None:
    by_id = {row["campsite_id"]: n for row, n in normalised[KCISA]}
    n = by_id["CAP300002"]
    assert n.name == "(주)디노담양힐링파크 지점"
    assert n.address == "전남 담양군 봉산면 탄금길 9-26"  # short 시도 name kept as published
    assert n.updated_at == "2020-11-20"
    assert n.props["campsite_type"] == ["일반야영장", "카라반", "글램핑"]
    assert n.props["sites"] == 2 + 22 + 2
    assert (n.props["sites_glamping"], n.props["toilets"], n.props["showers"]) == (22, 4, 3)
    assert n.props["facilities"][:3] == ["전기", "무선인터넷", "장작판매"]
    assert "NULL" not in n.props["facilities"]
    assert by_id["CAP300001"].props["sites"] == 14


def test_placeholder_phones_are_dropped(normalised: Rows) -> None:
    raw = Counter(row["phone"] for row, n in normalised[STD] if n.phone is None)
    assert raw["000-0000-0000"] == 563
    assert raw["041-000-0000"] == 91
    assert raw["031-833-0000"] == 18  # one placeholder shared by 18 연천 campsites
    kept = [n.phone for _, n in normalised[STD] + normalised[LOCALDATA] if n.phone]
    assert all(re.fullmatch(r"\d{2,4}(-\d{3,4}){1,2}|\d{3}", p) for p in kept)


def test_fee_from_the_free_text(normalised: Rows) -> None:
    fees = Counter(n.fee for _, n in normalised[STD])
    assert fees == {"paid": 754, "free": 3, "unknown": 1504}
    by_text = {row["fee"]: n for row, n in normalised[STD] if row["fee"]}
    assert (by_text["1일 40,000원"].fee, by_text["1일 40,000원"].fee_text) == (
        "paid",
        "1일 40,000원",
    )
    assert by_text["3.5~5만원"].fee == "paid"
    assert by_text["Site:10,000원,(입장료별도),주차무료"].fee == "paid"
    assert (by_text["이용료 무료"].fee, by_text["이용료 무료"].fee_text) == ("free", "이용료 무료")
    assert (by_text["자료없음"].fee, by_text["자료없음"].fee_text) == ("unknown", None)
    assert (by_text["별도문의"].fee, by_text["별도문의"].fee_text) == ("unknown", "별도문의")
    assert by_text["0"].fee == "unknown"
    # the LOCALDATA and KCISA files say nothing about fees
    assert {n.fee for name in (LOCALDATA, KCISA) for _, n in normalised[name]} == {"unknown"}


def test_usage_time_is_kept_and_only_always_open_is_hours(normalised: Rows) -> None:
    usage = Counter(n.props["usage_time"] for _, n in normalised[STD])
    assert usage[None] == 1452 + 65 + 9  # blank, 자료없음 or -
    assert usage["당일 14:00~익일 12:00기준"] == 33
    assert all(n.opening_hours_raw == n.props["usage_time"] for _, n in normalised[STD])
    schedules = [
        (raw, SPEC.read_hours(raw))
        for raw in {n.opening_hours_raw for _, n in normalised[STD] if n.opening_hours_raw}
    ]
    always = [raw for raw, s in schedules if s is not None and s.always_open]
    assert always and all(parse_hours(raw).always_open for raw in always)  # type: ignore[union-attr]
    # check-in/check-out text never becomes opening hours: it is kept as the stay times
    stays = [(raw, s) for raw, s in schedules if s is not None and s.stay is not None]
    assert len(stays) > 50
    for raw, s in stays:
        assert (s.weekday, s.saturday, s.sunday, s.holiday) == (None,) * 4, raw
    assert SPEC.read_hours("당일 14:00~익일 12:00기준").stay == (840, 720)  # type: ignore[union-attr]
    assert not any("익일" in raw for raw in always)


def test_lists_split_on_plus_and_comma() -> None:
    assert split_list("화장실+취사시설+", "X") == ["화장실", "취사시설"]
    assert split_list("화장실, 샤워실, 매점", "자료없음") == ["화장실", "샤워실", "매점"]
    assert split_list(None, "카페") == ["카페"]


# -- the dedupe radius -------------------------------------------------------------------


def test_most_same_named_campsites_across_sources_are_within_the_dedupe_radius(
    normalised: Rows,
) -> None:
    """The radius was chosen by measuring: ≥85% of the rows with a same-named row of
    another file within 1 km have it within dedupe_radius_m (the 5174 file projected)."""
    to_wgs = Transformer.from_crs(5174, 4326, always_xy=True)
    to_tm = Transformer.from_crs(4326, 5179, always_xy=True)

    def points(name: str) -> list[tuple[str, float, float]]:
        out = []
        for row, n in normalised[name]:
            if n.reject:
                continue
            if name == LOCALDATA:
                if not (row["x"] and row["y"]):
                    continue
                lon, lat = to_wgs.transform(float(row["x"]), float(row["y"]))
            else:
                lon, lat = float(row["lon"] or "nan"), float(row["lat"] or "nan")
            x, y = to_tm.transform(lon, lat)
            out.append((_name_key(n.name or ""), x, y))
        return out

    for a, b in ((STD, LOCALDATA), (STD, KCISA), (LOCALDATA, KCISA)):
        grid: dict[tuple[int, int], list[tuple[str, float, float]]] = {}
        for p in points(b):
            grid.setdefault((int(p[1] // 1000), int(p[2] // 1000)), []).append(p)
        near = within = 0
        for key, x, y in points(a):
            cx, cy = int(x // 1000), int(y // 1000)
            best = min(
                (
                    math.hypot(x - bx, y - by)
                    for gx in (cx - 1, cx, cx + 1)
                    for gy in (cy - 1, cy, cy + 1)
                    for bkey, bx, by in grid.get((gx, gy), ())
                    if bkey == key
                ),
                default=math.inf,
            )
            near += best <= 1000
            within += best <= SPEC.dedupe_radius_m
        assert near > 1000, (a, b)
        assert within / near >= 0.85, (a, b, within, near)


def _name_key(name: str) -> str:
    name = re.sub(r"\([^)]*\)|\s", "", name)
    return re.sub(r"(오토캠핑장|캠핑장|야영장|글램핑)$", "", name).casefold()
