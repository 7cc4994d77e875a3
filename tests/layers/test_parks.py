"""The parks spec against the real 전국도시공원정보표준데이터 file (2022-04)."""

from __future__ import annotations

import math
from collections import Counter

from layers import registry
from layers.parks import FACILITIES, SPEC
from tests.layers.real_files import (
    Rows,
    normalised_fixture,
    schema_columns,
    source_file,
    unmatched,
)

LAYER = "parks"
SOURCES = registry.sources_for(LAYER, default_only=False)
FILE = "national_city_parks_std_2022-04.csv"


normalised = normalised_fixture(SPEC, SOURCES)


def test_registry_discovers_this_spec_last_and_outside_the_defaults() -> None:
    assert registry.get(LAYER) is SPEC
    assert registry.LAYER_IDS[-1] == LAYER
    assert LAYER not in registry.near_default_ids()
    assert LAYER not in registry.first_view_ids()
    assert [s.file_name for s in SOURCES] == [FILE]


def test_the_file_matches_exactly_its_schema_and_every_column_maps() -> None:
    assert SOURCES[0].schema == "national_city_parks_std"
    columns, found = schema_columns(SPEC, SOURCES[0])
    assert unmatched(found) == []
    assert len(columns) == len(found) == 19


def test_fields_cover_exactly_the_props(normalised: Rows) -> None:
    names = {f.name for f in SPEC.fields}
    assert all(set(n.props) == names for _, n in normalised[FILE])
    assert set(SPEC.tile_fields) <= names


def test_every_row_is_read_and_named(normalised: Rows) -> None:
    rows = normalised[FILE]
    assert len(rows) == 18_481
    assert all(n.name and n.reject is None for _, n in rows)
    assert all(n.fee == "free" for _, n in rows)


def test_park_types_areas_and_dates(normalised: Rows) -> None:
    props = [n.props for _, n in normalised[FILE]]
    kinds = Counter(p["park_type"] for p in props)
    # the three small kinds are most parks (PROVENANCE §P)
    assert kinds.most_common(3) == [("어린이공원", 9782), ("근린공원", 4307), ("소공원", 2857)]
    areas = [p["area_m2"] for p in props]
    assert all(a is not None and math.isfinite(a) and a >= 0 for a in areas)
    assert max(areas) > 1_000_000  # 대구체육공원 and other large parks
    dates = [p["designated_on"] for p in props if p["designated_on"]]
    assert len(dates) > 15_000
    assert all(len(d) == 10 and "1900" <= d[:4] <= "2022" for d in dates)


def test_facilities_keep_the_text_and_drop_no_data_marks(normalised: Rows) -> None:
    for field, column in FACILITIES.items():
        values = [(row[field], n.props[field]) for row, n in normalised[FILE]]
        assert any(v for _, v in values), column
        assert all(v != "-" for _, v in values)
        # a dash alone is "none", never a facility
        assert all(v is None for raw, v in values if raw and raw.strip() == "-")


def test_blank_coordinates_are_left_for_the_geocoder(normalised: Rows) -> None:
    blank = [row for row, _ in normalised[FILE] if not row["lat"] or not row["lon"]]
    assert len(blank) == 594
    # they carry an address the gazetteer can place
    assert sum(1 for row in blank if row["road_address"] or row["lot_address"]) == len(blank)


def test_reused_park_numbers_get_distinct_stable_ids() -> None:
    """관리번호 repeats within one provider: an exact duplicate row is dropped, a different
    park under the same number keeps its own id; ids do not depend on the run."""
    from etl.load.ids import assign_ids
    from etl.load.inputs import given_inputs
    from etl.load.locate import read_and_locate
    from etl.load.regions import default_regions
    from etl.load.rows import Kept
    from etl.regions import RegionIndex
    from tests.layers.real_files import SOURCE_DIR

    path = source_file(SOURCES[0].path)
    regions = RegionIndex(default_regions(SOURCE_DIR))

    def ids() -> tuple[list[str], Kept]:
        located = read_and_locate(SPEC, given_inputs(LAYER, [path]), regions)
        kept = assign_ids(SPEC, located.located)
        return [c.id for c in kept.rows if c.id], kept

    first, kept = ids()
    assert len(first) == len(set(first))
    duplicates = [r for r in kept.rejects if r.reason == "duplicate"]
    assert 0 < len(duplicates) <= 103  # at most the exact duplicate rows
    same_number = [i for i in first if i.startswith("parks:15012890:41570-00049-")]
    assert len(same_number) == 2  # 양곡근린3 and 학운4-1 근린공원
    assert all(i.startswith("parks:15012890:") for i in first)
    assert ids()[0] == first
