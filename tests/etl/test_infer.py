"""Files of new layouts: headers found under title lines, column roles inferred from headers
and values, JSON API dumps, --columns, saved schemas and the refusal of an unsure mapping.
The layouts are made here from rows of a real file, so the points they must load are known."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import pytest

from etl.cli import main as etl_main
from etl.infer import UnsureMapping, infer, parse_columns
from etl.load.inputs import InputFile, ReadOptions
from etl.load.locate import Located, read_and_locate
from etl.load.regions import default_regions
from etl.load.rows import Candidate
from etl.read import read_table
from etl.regions import RegionIndex
from geo.crs import transformer
from geo.distance import distance_m
from layers import registry
from tests.layers.real_files import SOURCE_DIR, source_file

LAYER = "cooling_shelters"
REAL = "cooling_shelters/seoul_cooling_shelters_2026.csv"


@cache
def _regions() -> RegionIndex:
    return RegionIndex(default_regions(SOURCE_DIR))


@cache
def _places() -> tuple[tuple[str, str, str, float, float], ...]:
    """(name, road address, lot address, lon, lat) of 300 real shelters."""
    out = []
    for _, row in read_table(source_file(REAL)).rows:
        if row["쉼터명칭"] and row["경도"] and row["위도"]:
            lon, lat = float(row["경도"]), float(row["위도"])
            out.append((row["쉼터명칭"], row["도로명주소"] or "", row["지번주소"] or "", lon, lat))
        if len(out) == 300:
            break
    return tuple(out)


def _write_csv(
    path: Path,
    header: Sequence[str],
    rows: Sequence[Sequence[object]],
    *,
    above: Sequence[Sequence[str]] = (),
) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerows(above)
        w.writerow(header)
        w.writerows(rows)
    return path


def _located(path: Path, **options: object) -> tuple[Located, dict[int, Candidate]]:
    inp = InputFile(path, None, "")
    read = ReadOptions(**options)  # type: ignore[arg-type]
    located = read_and_locate(registry.get(LAYER), [inp], _regions(), read)
    return located, {c.row: c for c in located.located}


def _assert_same_points(located: dict[int, Candidate], first_row: int) -> None:
    places = _places()
    assert len(located) == len(places)
    for i, (name, _, _, lon, lat) in enumerate(places):
        c = located[first_row + i]
        assert c.norm.name == name
        assert distance_m(c.lon, c.lat, lon, lat) <= 1.0


def _assert_located(path: Path, first_row: int, **options: object) -> Located:
    """Read and locate `path`; its rows from `first_row` are `_places()` in order."""
    report, located = _located(path, **options)
    _assert_same_points(located, first_row)
    return report


def _roles(path: Path) -> dict[str, str]:
    table = read_table(path)
    inf = infer(registry.get(LAYER), table.columns, (r for _, r in table.rows))
    assert not inf.unsure, inf.unsure
    return inf.roles


def _assert_roles(roles: dict[str, str], **expected: str) -> None:
    """The roles named are those columns (other roles may be found too)."""
    assert {k: roles.get(k) for k in expected} == expected


# -- layouts --------------------------------------------------------------------------------


def test_shuffled_english_columns_under_title_date_and_blank_rows(tmp_path: Path) -> None:
    header = ["Longitude", "Tel", "Address", "Facility Name", "Latitude"]
    rows = [[lon, "02-123-4567", road, name, lat] for name, road, _, lon, lat in _places()]
    above = [["2027 cooling shelters", "", "", "", ""], ["기준일: 2027-05-01"], []]
    path = _write_csv(tmp_path / "shelters_en.csv", header, rows, above=above)
    assert read_table(path).columns == tuple(header)
    assert _roles(path) == {
        "name": "Facility Name",
        "road_address": "Address",
        "lat": "Latitude",
        "lon": "Longitude",
        "phone": "Tel",
    }
    report = _assert_located(path, first_row=5)
    assert "inferred" in report.files[0].schema


def test_projected_x_y_only_is_detected_as_tm(tmp_path: Path) -> None:
    to_tm = transformer(4326, 5186)
    rows = []
    for name, _road, lot, lon, lat in _places():
        x, y = to_tm.transform(lon, lat)
        rows.append([f"{x:.3f}", f"{y:.3f}", name, lot])
    path = _write_csv(tmp_path / "tm.csv", ["X", "Y", "명칭", "소재지"], rows)
    roles = _roles(path)
    assert (roles["x"], roles["y"], roles["name"]) == ("X", "Y", "명칭")
    assert "lat" not in roles and "lon" not in roles
    report = _assert_located(path, first_row=2)
    assert "EPSG:5186" in (report.files[0].crs or "")


def test_lat_lon_in_one_cell(tmp_path: Path) -> None:
    rows = [[name, road, f"{lat:.7f},{lon:.7f}"] for name, road, _, lon, lat in _places()]
    path = _write_csv(tmp_path / "pairs.csv", ["쉼터명", "도로명주소", "위도,경도"], rows)
    roles = _roles(path)
    assert roles["lat"] == roles["lon"] == "위도,경도"
    _assert_located(path, first_row=2)


@pytest.mark.parametrize(
    "wrap",
    [
        lambda items: {
            "response": {
                "header": {"resultCode": "00"},
                "body": {"items": {"item": items}, "totalCount": len(items)},
            }
        },
        lambda items: {"DATA": items},
        lambda items: {"records": items, "fields": [{"id": "fcltyNm"}]},
        lambda items: {"data": items, "currentCount": len(items)},
    ],
    ids=["response-body-items-item", "DATA", "records", "data"],
)
def test_json_api_dumps_are_read_as_rows(tmp_path: Path, wrap) -> None:  # type: ignore[no-untyped-def]
    items = [
        {"fcltyNm": name, "rdnmadr": road, "lnmadr": lot, "latitude": lat, "longitude": lon}
        for name, road, lot, lon, lat in _places()
    ]
    path = tmp_path / "api.json"
    path.write_text(json.dumps(wrap(items), ensure_ascii=False), encoding="utf-8")
    table = read_table(path)
    assert table.columns == ("fcltyNm", "rdnmadr", "lnmadr", "latitude", "longitude")
    assert not table.has_geometry
    assert _roles(path) == {
        "name": "fcltyNm",
        "road_address": "rdnmadr",
        "lot_address": "lnmadr",
        "lat": "latitude",
        "lon": "longitude",
    }
    _assert_located(path, first_row=1)


def test_geojson_stays_geojson(tmp_path: Path) -> None:
    features = [
        {
            "type": "Feature",
            "properties": {"name": name},
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
        }
        for name, _, _, lon, lat in _places()[:5]
    ]
    path = tmp_path / "points.json"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    table = read_table(path)
    assert table.has_geometry and table.columns == ("name",)


def test_geojson_of_a_new_layout_takes_its_points_from_the_geometry(tmp_path: Path) -> None:
    features = [
        {
            "type": "Feature",
            "properties": {"시설명": name, "소재지": road, "lat": 0},
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
        }
        for name, road, _, lon, lat in _places()
    ]
    path = tmp_path / "points.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    report = _assert_located(path, first_row=1)
    assert "inferred" in report.files[0].schema


def test_json_without_records_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.json"
    path.write_text('{"response": {"body": {"totalCount": 0}}}')
    with pytest.raises(Exception, match="no array of records"):
        read_table(path)


def test_header_found_under_a_one_cell_title_keeps_row_numbers(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("무더위쉼터 목록\n\n작성일 2027.05.01\n명칭,위도,경도\n가,37.5,127.0\n")
    table = read_table(path)
    assert table.columns == ("명칭", "위도", "경도")
    assert list(table.rows) == [(5, {"명칭": "가", "위도": "37.5", "경도": "127.0"})]


# -- unsure, --columns, saved schemas -------------------------------------------------------


def _two_names(tmp_path: Path) -> Path:
    rows = [[name, f"{name} 안내소", lat, lon] for name, _, _, lon, lat in _places()]
    return _write_csv(tmp_path / "two_names.csv", ["시설명", "장소명", "위도", "경도"], rows)


def test_an_unsure_name_is_refused_with_candidates_and_a_hint(tmp_path: Path) -> None:
    path = _two_names(tmp_path)
    with pytest.raises(UnsureMapping) as caught:
        _located(path)
    message = str(caught.value)
    assert "name candidates: 시설명" in message and "장소명" in message
    assert "--columns name=쉼터명칭,lat=위도,lon=경도" in message
    _assert_located(path, first_row=2, columns={"name": "시설명"})


def test_parse_columns_knows_the_roles() -> None:
    roles = ("name", "lat", "lon", "capacity")
    assert parse_columns(["name=쉼터명칭,lat=위도", "lon=경도"], roles) == {
        "name": "쉼터명칭",
        "lat": "위도",
        "lon": "경도",
    }
    with pytest.raises(ValueError, match="unknown role 'nme'"):
        parse_columns(["nme=x"], roles)


def test_cli_dry_run_refuse_settle_save_list_remove(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SHAREMAP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("SHAREMAP_SOURCE_DIR", str(SOURCE_DIR))
    path = _two_names(tmp_path)
    load = ["load", "--layer", LAYER, str(path), "--dry-run"]

    assert etl_main(load) == 1
    assert "name candidates" in capsys.readouterr().err

    assert etl_main([*load, "--columns", "name=장소명"]) == 0
    out = capsys.readouterr().out
    assert "장소명 → name (1.00): given with --columns" in out
    assert "위도 → lat" in out and "would load" in out

    assert etl_main(["load", "--layer", LAYER, str(path), "--columns", "bogus=x"]) == 2

    add = ["schema", "add", "--layer", LAYER, str(path), "--columns", "name=장소명"]
    assert etl_main([*add, "--name", "my_layout"]) == 0
    saved = tmp_path / "data" / "schemas" / LAYER / "my_layout.json"
    assert json.loads(saved.read_text())["roles"]["name"] == "장소명"
    capsys.readouterr()

    assert etl_main(["schema", "list", "--layer", LAYER]) == 0
    listing = capsys.readouterr().out
    assert "declared  seoul_shelters" in listing and "saved     my_layout" in listing

    assert etl_main(load) == 0  # the saved schema recognises the layout exactly
    assert f"{LAYER}: two_names.csv (utf-8-sig, comma): schema my_layout" in capsys.readouterr().out

    # a declared layout is not saved again
    assert etl_main(["schema", "add", "--layer", LAYER, str(source_file(REAL))]) == 1
    assert "declared schema 'seoul_shelters'" in capsys.readouterr().err

    assert etl_main(["schema", "remove", "--layer", LAYER, "my_layout"]) == 0
    assert not saved.exists()
    assert etl_main(["schema", "remove", "--layer", LAYER, "my_layout"]) == 1
    assert etl_main(load) == 1


# -- the kinds of files the issue tried ------------------------------------------------------


def _json_rows(tmp_path: Path, name: str, items: list[dict[str, object]]) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({"DATA": items}, ensure_ascii=False), encoding="utf-8")
    return path


def test_bike_station_master_file_api_names(tmp_path: Path) -> None:
    header = [
        "RENT_ID",
        "RENT_NO",
        "RENT_NM",
        "RENT_ID_SE",
        "STA_ADD1",
        "STA_ADD2",
        "STA_LAT",
        "STA_LONG",
        "HOLD_NUM",
    ]
    rows = [
        [f"ST-{i}", str(100 + i), name, "일반", road, "", lat, lon, "10"]
        for i, (name, road, _, lon, lat) in enumerate(_places())
    ]
    roles = _roles(_write_csv(tmp_path / "master.csv", header, rows))
    _assert_roles(
        roles, name="RENT_NM", road_address="STA_ADD1", lat="STA_LAT", lon="STA_LONG", key="RENT_ID"
    )


def test_tourism_export_with_english_fields(tmp_path: Path) -> None:
    items = [
        {
            "contentid": 125000 + i,
            "title": name,
            "addr1": road,
            "addr2": "",
            "areacode": 1,
            "mapx": lon,
            "mapy": lat,
            "tel": "02-2000-1234",
            "zipcode": "03000",
            "createdtime": "20200101120000",
            "mlevel": 6,
        }
        for i, (name, road, _, lon, lat) in enumerate(_places())
    ]
    roles = _roles(_json_rows(tmp_path, "tour.json", items))
    _assert_roles(
        roles,
        name="title",
        road_address="addr1",
        lat="mapy",
        lon="mapx",
        phone="tel",
        key="contentid",
    )
    assert "hours" not in roles  # createdtime is a timestamp


def test_disaster_portal_dump_with_a_copy_of_the_coordinates(tmp_path: Path) -> None:
    items = [
        {
            "RSTR_FCLTY_NO": f"S{i:05d}",
            "RSTR_NM": name,
            "RN_DTL_ADRES": road,
            "DTL_ADRES": lot,
            "LA": lat,
            "LO": lon,
            "XCORD": lon,
            "YCORD": lat,
            "USE_PSBL_NMPR": 20,
        }
        for i, (name, road, lot, lon, lat) in enumerate(_places())
    ]
    path = _json_rows(tmp_path, "disaster.json", items)
    roles = _roles(path)  # YCORD repeats LA: not a rival for the latitude
    _assert_roles(
        roles,
        name="RSTR_NM",
        road_address="RN_DTL_ADRES",
        lot_address="DTL_ADRES",
        lat="LA",
        lon="LO",
    )
    _assert_located(path, first_row=1)


def test_a_merged_header_under_a_title_row_is_still_merged(tmp_path: Path) -> None:
    path = tmp_path / "merged.csv"
    path.write_text("대여소 현황 (2027년)\n번호,위치,,비고\n,위도,경도,\n1,37.5,127.0,가\n")
    table = read_table(path)
    assert (table.header_rows, table.columns) == (2, ("번호", "위도", "경도", "비고"))
    assert [n for n, _ in table.rows] == [4]


def test_declared_schemas_win_over_saved_ones(tmp_path: Path) -> None:
    from etl import saved_schemas
    from etl.recognise import recognise

    schemas = tmp_path / "schemas"
    saved = saved_schemas.SavedSchema(
        layer=LAYER,
        name="mine",
        rule="seoul_shelters",
        roles={"name": "쉼터명칭", "lat": "위도", "lon": "경도"},
    )
    saved_schemas.save(schemas, saved)
    spec = registry.get(LAYER)
    _, match = recognise(spec, read_table(source_file(REAL)), schema_dir=schemas)
    assert (match.origin, match.label) == ("declared", "seoul_shelters")
    header = ["쉼터명칭", "위도", "경도"]
    rows = [[name, lat, lon] for name, _, _, lon, lat in _places()]
    _, match = recognise(
        spec, read_table(_write_csv(tmp_path / "x.csv", header, rows)), schema_dir=schemas
    )
    assert (match.origin, match.label) == ("saved", "mine")


def test_a_two_cell_date_line_above_a_narrow_header_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "narrow.csv"
    path.write_text("기준일,2027-05-01,\n명칭,위도,경도\n가,37.5,127.0\n")
    assert read_table(path).columns == ("명칭", "위도", "경도")
