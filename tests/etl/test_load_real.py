"""The whole load on a real PostGIS database from the real files: accounting, positions, ids."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
from pyproj import Transformer

from etl.load.inputs import JobSettings
from etl.load.job import run
from etl.read import read_table
from geo.hours import Schedule
from layers import registry
from layers.store.postgis import PostgisStore

pytestmark = pytest.mark.postgis


def reports_by_layer(loaded_db):  # type: ignore[no-untyped-def]
    return {r.layer: r for r in loaded_db[1]}


def test_every_row_is_loaded_or_rejected(loaded_db) -> None:  # type: ignore[no-untyped-def]
    reports = reports_by_layer(loaded_db)
    # a companion layer (testing_sites) comes in its owner's report
    assert set(reports) == set(registry.LAYER_IDS) - set(registry.companion_owners())
    for r in reports.values():
        assert r.rows_read > 0
        assert r.loaded + len(r.rejects) == r.rows_read, r.layer
        for companion in r.companions:
            used = companion.extra["site_rows_used"]
            assert used + len(companion.rejects) == companion.rows_read
            assert used > 0


def test_row_counts_match_the_files(loaded_db, real_source_dir: Path) -> None:  # type: ignore[no-untyped-def]
    reports = reports_by_layer(loaded_db)
    for layer_id in set(registry.LAYER_IDS) - set(registry.companion_owners()):
        spec = registry.get(layer_id)
        expected = 0
        for s in registry.sources_for(layer_id):
            if spec.schema(s.schema).kind in ("sites", "facilities"):
                continue
            expected += sum(1 for _ in read_table(real_source_dir / s.path).rows)
        assert reports[layer_id].rows_read == expected, layer_id


def test_store_holds_what_was_loaded(store: PostgisStore, loaded_db) -> None:  # type: ignore[no-untyped-def]
    for layer_id, r in reports_by_layer(loaded_db).items():
        assert store.count(layer_id) == r.loaded
        assert store.version(layer_id) == r.data_version
        assert r.loaded > 500, layer_id


def test_reject_reasons_say_why(loaded_db) -> None:  # type: ignore[no-untyped-def]
    reports = reports_by_layer(loaded_db)
    campsites = reports["campsites"].reject_reasons()
    # PROVENANCE: the LOCALDATA campground file has 598 폐업, 120 취소 etc., 98 휴업
    assert campsites["closed business (폐업)"] == 598
    assert campsites["business suspended (휴업)"] == 98
    toilets = reports["public_toilets"]
    assert toilets.reject_reasons()["no coordinates"] > 0
    assert toilets.geocoded["address"] > 0  # some Busan toilets are placed by their address
    outside = [r for r in toilets.rejects if r.reason == "outside Korea"]
    assert any("217.005028" in r.detail for r in outside)  # the lon typo of PROVENANCE 1b
    for rej in toilets.rejects:
        assert rej.file and rej.row >= 2 and rej.reason


def _raw_rows(real_source_dir: Path):  # type: ignore[no-untyped-def]
    rows: dict[str, dict[int, dict]] = {}
    for s in registry.sources():
        if s.layer in registry.LAYER_IDS and s.default and (real_source_dir / s.path).is_file():
            rows[Path(s.path).name] = dict(read_table(real_source_dir / s.path).rows)
    return rows


def test_positions_match_an_independent_transform(
    store: PostgisStore, real_source_dir: Path
) -> None:
    """Every loaded row with source coordinates sits where pyproj puts them (within 1 m),
    the EPSG:5174 campgrounds included."""
    raw = _raw_rows(real_source_dir)
    to4326 = {epsg: Transformer.from_crs(epsg, 4326, always_xy=True) for epsg in (5174, 5186)}
    columns = {
        "localdata_general_campgrounds_tm5174.csv": ("좌표정보(x)", "좌표정보(y)", 5174),
    }
    checked: dict[str, int] = defaultdict(int)
    for layer_id in registry.LAYER_IDS:
        for rec in store.features(layer_id):
            file, _, row = rec.source.rpartition("#")
            if file not in columns or "geocode_precision" in rec.props:
                continue
            x_col, y_col, epsg = columns[file]
            cells = raw[file][int(row)]
            lon, lat = to4326[epsg].transform(float(cells[x_col]), float(cells[y_col]))
            geod = Transformer.from_crs(4326, 5186, always_xy=True)
            ax, ay = geod.transform(lon, lat)
            bx, by = geod.transform(rec.lon, rec.lat)
            assert ((ax - bx) ** 2 + (ay - by) ** 2) ** 0.5 < 1.0, rec.id
            checked[file] += 1
    assert checked["localdata_general_campgrounds_tm5174.csv"] > 100


def test_wgs84_rows_keep_their_coordinates(store: PostgisStore, real_source_dir: Path) -> None:
    raw = _raw_rows(real_source_dir)
    lat_lon = {
        "seoul_public_toilets_location_OA-22586.csv": ("y 좌표", "x 좌표"),
        "national_parking_std_2023-04.csv": ("위도", "경도"),
        "seoul_cooling_shelters_2026.csv": ("위도", "경도"),
        "seoul_ddareungi_stations_2022-06.csv": ("위도", "경도"),
    }
    seen = 0
    for layer_id in registry.LAYER_IDS:
        for rec in store.features(layer_id):
            file, _, row = rec.source.rpartition("#")
            if file in lat_lon and "geocode_precision" not in rec.props:
                lat_col, lon_col = lat_lon[file]
                cells = raw[file][int(row)]
                assert abs(float(cells[lat_col]) - rec.lat) < 1e-6
                assert abs(float(cells[lon_col]) - rec.lon) < 1e-6
                seen += 1
    assert seen > 5000


def test_regions_by_point_in_polygon(store: PostgisStore) -> None:
    shelters = list(store.features("cooling_shelters"))
    assert {r.sido for r in shelters} == {"서울특별시"}
    assert len({r.sigungu for r in shelters}) == 25
    # the address names the 구; point-in-polygon agrees for nearly all rows
    agree = sum(1 for r in shelters if r.address and f" {r.sigungu} " in f" {r.address} ")
    assert agree / len(shelters) > 0.97
    jung = [r for r in store.features("bike_stations") if r.sigungu == "중구"]
    assert {r.sido for r in jung} >= {"서울특별시"}


def test_ids_are_stable_and_never_name_a_file_or_row(store: PostgisStore) -> None:
    for layer_id in registry.LAYER_IDS:
        ids = [r.id for r in store.features(layer_id)]
        assert len(ids) == len(set(ids))
        for fid in ids[:2000]:
            assert fid.startswith(f"{layer_id}:")
            assert ".csv" not in fid and ".xls" not in fid
    kcisa = store.get("campsites", "campsites:KCISA-TB_TRRSR_CMPGR_INFO:CAP300001")
    assert kcisa is None or kcisa.name


def test_reloading_identical_files_changes_nothing(
    loaded_db, real_source_dir: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    url, first = loaded_db
    store = PostgisStore(url)
    before = {lid: sorted(r.id for r in store.features(lid)) for lid in registry.LAYER_IDS}
    again = run(store, registry.LAYER_IDS, JobSettings(real_source_dir, tmp_path))
    assert not any(r.changed for r in again)
    assert {r.layer: r.data_version for r in again} == {r.layer: r.data_version for r in first}
    after = {lid: sorted(r.id for r in store.features(lid)) for lid in registry.LAYER_IDS}
    assert before == after
    store.close()


def test_hours_are_structured_where_parsable(store: PostgisStore, loaded_db) -> None:  # type: ignore[no-untyped-def]
    reports = reports_by_layer(loaded_db)
    # measured on the real files: toilets 89.1 % (정시, 업무시간 … name no times), shelters
    # 93.7 %, campsites 81.2 % (1일, 유동적임 …); scripts/hours_coverage.py lists the rest
    for layer, share in (("public_toilets", 0.89), ("cooling_shelters", 0.9), ("campsites", 0.8)):
        assert reports[layer].hours_parsed / reports[layer].hours_texts >= share, layer
    for layer in ("public_toilets", "cooling_shelters", "campsites"):
        spec = registry.get(layer)
        with_hours = [r for r in store.features(layer) if r.opening_hours]
        assert with_hours and all(r.opening_hours_raw for r in with_hours)
        # the jsonb keeps seasons, conditions and stays: what is read back is what was parsed
        for r in with_hours[:3000]:
            assert Schedule.from_json(r.opening_hours) == spec.read_hours(r.opening_hours_raw)
    # campsites keep the 이용시간 text they cannot read
    campsites = list(store.features("campsites"))
    assert all(r.opening_hours_raw == r.props["usage_time"] for r in campsites)
    assert any(r.opening_hours_raw and not r.opening_hours for r in campsites)


def test_parking_lots_carry_their_testing_site(store: PostgisStore) -> None:
    lots = list(store.features("testing_site_parking"))
    assert lots
    for lot in lots:
        assert lot.props["site_name"]
        assert lot.props["site_precision"] in ("facility", "address", "building")
        assert (lot.props["site_precision"] == "facility") == bool(lot.props["site_facility"])
        assert 0 <= lot.props["distance_m"] <= 1000
    assert any(lot.fee == "free" for lot in lots)


def test_screening_sites_are_placed_at_their_hira_records(loaded_db) -> None:  # type: ignore[no-untyped-def]
    """Bounds from the data (measured: KDCA 625 of 636 rows at a HIRA record, MOHW 595 of
    612, safe hospitals 337 of 341; 579 sites with a lot within 1 km, 356 with a free one).
    Before the HIRA records the gazetteer placed 128 rows."""
    sites = reports_by_layer(loaded_db)["testing_site_parking"].companions[0]
    placed = sites.extra["rows_placed"]
    print("rows placed:", placed, "HIRA outcomes:", sites.extra["hira_outcomes"])
    assert placed["KDCA-screening-centers"]["facility"] >= 600
    assert placed["MOHW-screening-centers"]["facility"] >= 570
    assert placed["MOHW-safe-hospitals"]["facility"] >= 320
    lots = reports_by_layer(loaded_db)["testing_site_parking"].records
    with_lots = {lot.props["site_id"] for lot in lots}
    assert len(with_lots) >= 500
    assert len({lot.props["site_id"] for lot in lots if lot.fee == "free"}) >= 300


def test_testing_sites_are_a_collection_the_lots_link_to(store: PostgisStore, loaded_db) -> None:  # type: ignore[no-untyped-def]
    parking = reports_by_layer(loaded_db)["testing_site_parking"]
    (companion,) = [c for c in parking.companions if c.layer == "testing_sites"]
    sites = {r.id: r for r in store.features("testing_sites")}
    assert store.version("testing_sites") == companion.data_version
    assert set(sites) == {r.id for r in companion.records}
    lots = list(store.features("testing_site_parking"))
    by_site: dict[str, list] = defaultdict(list)
    for lot in lots:
        by_site[lot.props["site_id"]].append(lot)
    # every lot's site_id is a testing_sites feature, reachable by id
    assert set(by_site) <= set(sites)
    some = sorted(by_site)[:: max(1, len(by_site) // 20)]
    assert all(store.get("testing_sites", sid) is not None for sid in some)
    for sid, site in sites.items():
        assert site.props["precision"] in ("facility", "address", "building")
        assert (site.props["precision"] == "facility") == bool(site.props["facility"])
        # within the radius counts every lot near the site, not only those nearest to it
        mine = by_site.get(sid, [])
        assert site.props["lots"] >= len(mine)
        assert site.props["free_lots"] >= sum(1 for lot in mine if lot.fee == "free")
        assert site.props["free_lots"] <= site.props["lots"]
    with_lots = sum(1 for s in sites.values() if s.props["lots"])
    with_free = sum(1 for s in sites.values() if s.props["free_lots"])
    print(f"testing_sites: {len(sites)} sites, {with_lots} with a lot, {with_free} with a free lot")
    # bounds from the data (see test_screening_sites_are_placed_at_their_hira_records)
    assert len(sites) >= 700  # measured: 752 (rows of several lists merged)
    assert with_lots >= len(by_site) >= 500
    assert with_free >= 300
    kdca = [s for s in sites.values() if s.props["kind"] == "kdca_screening"]
    assert sum(1 for s in kdca if s.props["weekday_hours"]) >= len(kdca) * 0.9
    assert sum(1 for s in sites.values() if s.phone) >= len(sites) * 0.9
