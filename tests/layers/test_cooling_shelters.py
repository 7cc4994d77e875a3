"""The cooling_shelters spec against the real Seoul shelter files."""

from __future__ import annotations

from collections import Counter

import pytest
from pyproj import Geod, Transformer

from layers import registry
from layers.cooling_shelters import SPEC
from tests.layers.real_files import (
    Row,
    Rows,
    assert_props_are_the_fields,
    mapped_rows,
    normalised_fixture,
    schema_columns,
    source_file,
    unmatched,
)

LAYER = "cooling_shelters"


SOURCES = registry.sources_for(LAYER, default_only=False)


normalised = normalised_fixture(SPEC, SOURCES)


# -- schemas ---------------------------------------------------------------------------


@pytest.mark.parametrize("source", SOURCES, ids=lambda s: s.file_name)
def test_each_file_matches_exactly_its_schema(source: registry.Source) -> None:
    _, found = schema_columns(SPEC, source)
    # only the national-file aliases stay unmatched in the Seoul files
    assert set(unmatched(found)) <= {"cooling_equipment", "lot_address"}


def test_fields_cover_exactly_the_props(normalised: Rows) -> None:
    assert_props_are_the_fields(SPEC, normalised)


# -- rows ------------------------------------------------------------------------------


def test_row_counts_and_rejects(normalised: Rows) -> None:
    counts = {name: len(rows) for name, rows in normalised.items()}
    assert counts == {
        "seoul_cooling_shelters_2026.csv": 4017,
        "seoul_cooling_shelters_2025.csv": 3803,
        "seoul_cooling_shelters_2024_variant.csv": 2009,
    }
    rejects = {
        name: Counter(n.reject for _, n in rows if n.reject) for name, rows in normalised.items()
    }
    withdrawn = "shelter designation withdrawn (지정해제/폐점 in note)"
    assert rejects["seoul_cooling_shelters_2025.csv"] == {withdrawn: 4}
    assert rejects["seoul_cooling_shelters_2026.csv"] == {withdrawn: 1}
    assert rejects["seoul_cooling_shelters_2024_variant.csv"] == {}


def test_every_row_is_free_and_has_a_dedupe_key(normalised: Rows) -> None:
    for rows in normalised.values():
        for _, n in rows:
            assert n.fee == "free"
            assert n.dedupe_key and "|" in n.dedupe_key


def test_middle_dot_is_restored(normalised: Rows) -> None:
    subtypes = Counter(
        n.props["facility_subtype"] for _, n in normalised["seoul_cooling_shelters_2026.csv"]
    )
    assert subtypes["복지·문화·체육시설"] == 418
    assert not any("?" in (s or "") for s in subtypes)
    names = {n.name for _, n in normalised["seoul_cooling_shelters_2026.csv"]}
    assert "동성1·2차APT경로당" in names


def test_members_only_flags_the_senior_centres(normalised: Rows) -> None:
    flags = Counter(
        n.props["members_only"] for _, n in normalised["seoul_cooling_shelters_2026.csv"]
    )
    assert flags == {True: 2884, False: 4017 - 2884}


def test_a_known_shelter(normalised: Rows) -> None:
    rows = normalised["seoul_cooling_shelters_2026.csv"]
    (n,) = [n for r, n in rows if n.name == "창일경로당" and r["admin_code"] == "1111067000"]
    assert n.address == "서울특별시 종로구 종로54길 9-23 (창신동)"
    assert n.props == {
        "facility_type": "특정계층이용시설",
        "facility_subtype": "회원이용시설",
        "members_only": True,
        "capacity": 30,
        "area_m2": 120.0,
        "cooling_equipment": None,
        "season_start": None,
        "season_end": None,
        "year": 2026,
        "admin_code": "1111067000",
        "note": None,
    }
    assert n.opening_hours_raw is None


def test_numbers_blank_stay_none(normalised: Rows) -> None:
    rows = normalised["seoul_cooling_shelters_2026.csv"]
    capacities = [n.props["capacity"] for _, n in rows]
    assert capacities.count(None) == 946
    assert all(c is None or isinstance(c, int) for c in capacities)
    areas = [n.props["area_m2"] for _, n in rows]
    assert areas.count(None) == 973


def test_hours_come_from_notes_that_mention_times(normalised: Rows) -> None:
    rows = normalised["seoul_cooling_shelters_2026.csv"]
    raws = Counter(n.opening_hours_raw for _, n in rows)
    assert raws["(평시) 평일 09~18시 운영"] == 62  # 61 + 1 with a trailing space
    # notes without a time or a closing day are not hours
    assert "특정계층 이용시설(회원만 이용)" not in raws
    assert "폭염특보 시 연장운영 및 추가운영" not in raws
    assert raws["주말, 공휴일 미운영"] == 20
    assert raws[None] > 3300


def test_2024_season_dates(normalised: Rows) -> None:
    rows = normalised["seoul_cooling_shelters_2024_variant.csv"]
    by_id = {row["facility_id"]: n for row, n in rows}
    first = by_id["11110003"]
    assert (first.props["season_start"], first.props["season_end"]) == ("2024-05-20", "2024-09-30")
    # the 9999 sentinel means "no end date"
    sentinel = [n for row, n in rows if (row["season_end"] or "").startswith("9999")]
    assert len(sentinel) == 12
    assert all(n.props["season_end"] is None and n.props["season_start"] for n in sentinel)
    # no season end precedes its start in this file; the 2023 rows are a stale season
    stale = [n for row, n in rows if row["season_end"] == "20230930"]
    assert [n.props["season_start"] for n in stale] == ["2023-05-20"] * 3


def test_end_before_start_keeps_the_start() -> None:
    row: Row = {
        "facility_id": "1",
        "name": "테스트쉼터",
        "road_address": "서울특별시 중구 세종대로 110",
        "season_start": "20240520",
        "season_end": "20230930",
        "year": "2024",
        "lon": "126.97",
        "lat": "37.56",
    }
    n = SPEC.normalise("seoul_shelters_2024", row)
    assert n.props["season_start"] == "2024-05-20"
    assert n.props["season_end"] is None
    assert "20230930" in n.props["note"]


def test_2024_ids_do_not_collide_on_the_content_hash(normalised: Rows) -> None:
    rows = normalised["seoul_cooling_shelters_2024_variant.csv"]
    keys = Counter(n.dedupe_key for _, n in rows)
    # 시설번호 1129000255 is shared by two shelters, their content keys differ
    shared = [n.dedupe_key for row, n in rows if row["facility_id"] == "1129000255"]
    assert len(set(shared)) == 2
    assert max(keys.values()) <= 2


# -- coordinates -------------------------------------------------------------------------

_TO_WGS84 = Transformer.from_crs(5186, 4326, always_xy=True)
_GEOD = Geod(ellps="WGS84")


@pytest.mark.parametrize("source", SOURCES, ids=lambda s: s.file_name)
def test_epsg5186_columns_agree_with_wgs84(source: registry.Source) -> None:
    """Every row's TM pair, projected back, lands within 1 m of its own lon/lat."""
    schema = SPEC.schema(source.schema)
    rows = list(mapped_rows(source_file(source.path), schema))
    assert rows
    x, y, lon, lat = ([float(r[f] or "nan") for r in rows] for f in ("tm_x", "tm_y", "lon", "lat"))
    tlon, tlat = _TO_WGS84.transform(x, y)
    _, _, distance_m = _GEOD.inv(list(tlon), list(tlat), lon, lat)
    bad = [d for d in distance_m if not d < 1.0]  # NaN (a blank cell) counts as bad
    assert not bad, f"{source.file_name}: {len(bad)} rows disagree, worst {max(bad):.2f} m"
