"""`sharemap load --layer L FILE...`: every real file loads on its own, renamed columns and
other formats load identically, and the version checks (dry run, --append, the removal
guard, rollback) hold. One PostGIS database for the module; the CLI runs in-process."""

from __future__ import annotations

import csv
import dataclasses
import subprocess
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
import shapely

from etl.cli import main
from etl.load.inputs import JobSettings, LoadOptions
from etl.load.job import run
from etl.load.report import LayerReport
from etl.read import read_table
from geo.crs import from_wgs84
from layers import registry
from layers.record import FeatureRecord
from layers.store.postgis import PostgisStore
from tests.conftest import create_database, drop_database, source_dir

pytestmark = [
    pytest.mark.postgis,
    pytest.mark.skipif(not source_dir().is_dir(), reason="the real source files are not available"),
]

SHELTERS = "cooling_shelters/seoul_cooling_shelters_2026.csv"


@pytest.fixture(scope="module")
def db() -> Iterator[str]:
    url = create_database("sharemap_files")
    yield url
    drop_database(url)


@pytest.fixture
def store(db: str) -> Iterator[PostgisStore]:
    s = PostgisStore(db)
    yield s
    s.close()


class Cli:
    """`sharemap …` in this process: exit code, stdout, stderr."""

    def __init__(self, db: str, report_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.db, self.report_dir, self.capsys = db, report_dir, capsys

    def __call__(self, *args: str | Path) -> tuple[int, str, str]:
        argv = [str(a) for a in args]
        if argv[0] == "load":
            argv += ["--report-dir", str(self.report_dir)]
        code = main([*argv, "--database-url", self.db])
        out = self.capsys.readouterr()
        assert "Traceback" not in out.err
        return code, out.out, out.err

    def load(
        self, layer: str, *files: str | Path, flags: Sequence[str] = ()
    ) -> tuple[int, str, str]:
        return self("load", "--layer", layer, *files, *flags)


@pytest.fixture
def cli(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(db, tmp_path / "reports", capsys)


def real(path: str) -> Path:
    return source_dir() / path


DryRun = Callable[..., LayerReport]


@pytest.fixture
def dry_run(store: PostgisStore, tmp_path: Path) -> DryRun:
    """The report of a dry run of files as a layer (reject reports go to tmp_path)."""
    settings = JobSettings(source_dir=source_dir(), report_dir=tmp_path / "dry-run-reports")

    def dry_run(layer: str, *files: Path, **options: Any) -> LayerReport:
        options = {"files": tuple(files), "dry_run": True, **options}
        return run(store, [layer], settings, LoadOptions(**options))[-1]

    return dry_run


def content(records: Sequence[FeatureRecord]) -> dict[str, dict[str, Any]]:
    """A layer's features by id, without their `source` (file name and row)."""
    return {r.id: {**dataclasses.asdict(r), "source": None} for r in records}


# -- every real file on its own ----------------------------------------------------------------

# the HIRA folder (kind "facilities") is no file of features: it places the testing sites
POINT_FILES = [
    s
    for s in registry.sources()
    if s.layer in registry.LAYER_IDS and registry.get(s.layer).schema(s.schema).kind != "facilities"
]


@pytest.mark.parametrize("source", POINT_FILES, ids=[s.file_name for s in POINT_FILES])
def test_every_real_point_file_loads_on_its_own(
    cli: Cli, store: PostgisStore, source: registry.Source
) -> None:
    code, out, err = cli.load(source.layer, real(source.path), flags=["--force"])
    assert code == 0, err
    assert f"{source.layer}: {source.file_name}" in out and f"schema {source.schema} " in out
    assert f"reject report ({source.layer}): {cli.report_dir}" in out
    version = store.version(source.layer)
    assert version is not None and version in out
    features = list(store.features(source.layer))
    assert features
    kind = registry.get(source.layer).schema(source.schema).kind
    if kind == "sites":  # the lots come from the source directory, joined to these sites only
        assert "testing_sites:" in out
        assert {f.source.rpartition("#")[0] for f in features} == {
            "national_parking_std_2023-04.csv"
        }
    else:
        assert {f.source.rpartition("#")[0] for f in features} == {source.file_name}


BOUNDARY_FILES = [s for s in registry.sources() if s.layer == "regions"]


@pytest.mark.parametrize("source", BOUNDARY_FILES, ids=[s.file_name for s in BOUNDARY_FILES])
def test_every_real_boundary_file_loads_as_regions(
    empty_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], source: registry.Source
) -> None:
    cli = Cli(empty_db, tmp_path, capsys)
    code, _, err = cli.load("regions", real(source.path))
    if source.schema == "admin_centroids":
        # points for the geocoder, read from the source directory: not boundaries
        assert code == 1 and "admin-area centroid table" in err and "nothing was changed" in err
        return
    assert code == 0, err
    s = PostgisStore(empty_db)
    try:
        regions = list(s.regions())
        expected = {"sgg_2022": 250, "kostat_topo": None, "kostat_geojson": None}[source.schema]
        assert len(regions) == (expected or len(regions)) and len(regions) >= 17
        assert all(r.sido.endswith(("시", "도")) for r in regions)
        minx, miny, maxx, maxy = shapely.total_bounds(shapely.from_wkb([r.wkb for r in regions]))
        assert 124.5 < minx < 125 and 33 < miny < 33.3 and 130.8 < maxx < 132 and 38.4 < maxy < 38.7
        # point layers loaded afterwards are placed in these regions
        code, _, err = cli.load("cooling_shelters", real(SHELTERS))
        assert code == 0, err
        sidos = [f.sido for f in s.features("cooling_shelters")]
        # (simplified polygons put a few border shelters in 경기도)
        assert sidos.count("서울특별시") > 0.97 * len(sidos)
    finally:
        s.close()


def test_one_layer_from_the_source_directory_is_geocoded_too(
    store: PostgisStore, tmp_path: Path
) -> None:
    settings = JobSettings(source_dir=source_dir(), report_dir=tmp_path)
    [report] = run(store, ["public_toilets"], settings, LoadOptions(dry_run=True))
    assert report.geocoded["address"] > 0  # Busan toilets without coordinates
    assert {f.path.name for f in report.files} == {
        s.file_name for s in registry.sources_for("public_toilets")
    }


# -- renamed columns, other layouts and formats load identically ---------------------------


def rewrite_csv(
    src: Path,
    dst: Path,
    rename: dict[str, str],
    *,
    header_records: int = 1,
    header: Sequence[str] | None = None,
    encoding: str = "utf-8-sig",
    delimiter: str = ",",
    reverse_columns: bool = True,
) -> Path:
    """A copy of a CSV with its header renamed (and its columns in reverse order)."""
    table = read_table(src)
    with src.open(encoding=table.encoding, newline="") as fh:
        records = list(csv.reader(fh, delimiter=table.delimiter or ","))
    names = list(header) if header is not None else [rename.get(n, n) for n in table.columns]
    body = records[header_records:]
    width = len(names)
    order = list(range(width))[::-1] if reverse_columns else list(range(width))
    dst.parent.mkdir(parents=True, exist_ok=True)
    with dst.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh, delimiter=delimiter)
        writer.writerow([names[i] for i in order])
        for record in body:
            record = (record + [""] * width)[:width]
            writer.writerow([record[i] for i in order])
    return dst


ALIASES = {
    "cooling_shelters": (
        SHELTERS,
        {
            "시설년도": "년도",
            "시설구분1": "시설유형 중분류",
            "시설구분2": "시설유형\n소분류",
            "쉼터명칭": " 쉼터명",
            "도로명주소": "도로명상세주소",
            "지번주소": "상세주소",
            "시설면적": "시설면적(㎡)",
        },
    ),
    "campsites": (
        "campsites/localdata_general_campgrounds_tm5174.csv",
        {
            "좌표정보(x)": "좌표정보x(epsg5174)",
            "좌표정보(y)": "좌표정보y(epsg5174)",
            "소재지전화": "소재지전화번호",
        },
    ),
    "public_toilets": (
        "toilets/localdata_public_toilets_busan_12_04_01_E_2022-08.csv",
        {"구분": "구분명", "화장실소유구분": "화장실소유구분명"},
    ),
    "testing_site_parking": (
        "covid_screening/kdca_screening_centers_2022-02-16_authorexport.csv",
        {
            "평일 운영시간": "평일운영시간",
            "토요일 운영시간": "토요일운영시간",
            "일요일/공휴일운영시간": "일요일/공휴일 운영시간",
            "대표 전화번호": "대표전화번호",
        },
    ),
}


@pytest.mark.parametrize("layer", sorted(ALIASES))
def test_a_file_with_another_known_alias_set_loads_identically(
    dry_run: DryRun, tmp_path: Path, layer: str
) -> None:
    path, rename = ALIASES[layer]
    # same file name: the same dataset, so the same ids; same record numbers, same sources
    copy = rewrite_csv(real(path), tmp_path / Path(path).name, rename)
    original = dry_run(layer, real(path))
    renamed = dry_run(layer, copy)
    assert renamed.files[0].schema == original.files[0].schema
    assert renamed.loaded == original.loaded > 0
    assert renamed.data_version == original.data_version
    assert renamed.reject_reasons() == original.reject_reasons()


def test_a_single_record_header_reads_like_the_merged_four_record_one(
    dry_run: DryRun, tmp_path: Path
) -> None:
    path = real("bike_stations/seoul_ddareungi_stations_2022-06.csv")
    header = [
        "대여소번호",
        "대여소명",
        "자치구",
        "상세주소",
        "위도",
        "경도",
        "설치시기",
        "거치대수(LCD)",
        "거치대수(QR)",
        "운영방식",
    ]
    copy = rewrite_csv(path, tmp_path / path.name, {}, header_records=4, header=header)
    original = dry_run("bike_stations", path)
    flat = dry_run("bike_stations", copy)
    assert original.files[0].header_rows == 4 and flat.files[0].header_rows == 1
    assert content(flat.records) == content(original.records)


def shelters_frame(epsg: int = 4326) -> gpd.GeoDataFrame:
    table = read_table(real(SHELTERS))
    rows = [row for _, row in table.rows]
    frame = gpd.GeoDataFrame(
        [{k: v for k, v in row.items() if k not in ("경도", "위도")} for row in rows],
        geometry=gpd.points_from_xy(
            [float(r["경도"] or "nan") for r in rows], [float(r["위도"] or "nan") for r in rows]
        ),
        crs=4326,
    )
    return frame.to_crs(epsg) if epsg != 4326 else frame


@pytest.mark.parametrize(
    ("name", "epsg", "how"),
    [
        ("shelters.geojson", 4326, "degrees, as declared by the file"),
        ("shelters.gpkg", 4326, "degrees, as declared by the file"),
        ("shelters_5186.gpkg", 5186, "declared by the file"),
    ],
)
def test_geojson_and_geopackage_points_load_like_the_csv(
    dry_run: DryRun, tmp_path: Path, name: str, epsg: int, how: str
) -> None:
    path = tmp_path / name
    shelters_frame(epsg).to_file(path)
    report = dry_run("cooling_shelters", path)
    original = dry_run("cooling_shelters", real(SHELTERS))
    assert report.files[0].crs == f"EPSG:{epsg}, {how}"
    got, want = content(report.records), content(original.records)
    assert got.keys() == want.keys()
    for fid, feature in got.items():
        lon, lat = feature.pop("lon"), feature.pop("lat")
        expected = dict(want[fid])
        assert abs(lon - expected.pop("lon")) < 1e-6 and abs(lat - expected.pop("lat")) < 1e-6
        assert feature == expected


def write_rows(path: Path, encoding: str, delimiter: str, decimal_comma: bool = False) -> Path:
    """The shelters file's rows written again (decimal commas in the coordinates)."""
    table = read_table(real(SHELTERS))
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(table.columns), delimiter=delimiter)
        writer.writeheader()
        for _, row in table.rows:
            if decimal_comma:
                row = {
                    k: (v.replace(".", ",") if k in ("경도", "위도") and v else v)
                    for k, v in row.items()
                }
            writer.writerow(row)
    return path


@pytest.mark.parametrize(
    ("encoding", "delimiter", "suffix"),
    [
        ("utf-16", ",", ".csv"),
        ("cp949", "\t", ".tsv"),
        ("utf-8", ";", ".csv"),
        ("utf-8-sig", "\t", ".txt"),
    ],
)
def test_encodings_and_delimiters_are_sniffed(
    dry_run: DryRun, tmp_path: Path, encoding: str, delimiter: str, suffix: str
) -> None:
    copy = write_rows(tmp_path / f"x{suffix}", encoding, delimiter, decimal_comma=delimiter == ";")
    report = dry_run("cooling_shelters", copy)
    original = dry_run("cooling_shelters", real(SHELTERS))
    assert (report.files[0].encoding, report.files[0].delimiter) == (encoding, delimiter)
    assert content(report.records) == content(original.records)


def test_encoding_override(cli: Cli, tmp_path: Path) -> None:
    copy = write_rows(tmp_path / "x.csv", "cp949", ",")
    code, out, err = cli.load(
        "cooling_shelters", copy, flags=["--dry-run", "--force", "--encoding", "cp949"]
    )
    assert code == 0, err
    assert "x.csv (cp949, comma)" in out
    code, out, err = cli.load("cooling_shelters", copy, flags=["--dry-run", "--encoding", "utf-8"])
    assert code == 1 and "is not valid utf-8" in err and "nothing was changed" in err


# -- coordinates ---------------------------------------------------------------------------


def projected_shelters(
    tmp_path: Path, epsg: int, rows: int | None = None, swap: bool = False
) -> Path:
    """The shelters file with 경도/위도 holding EPSG:epsg metres (the schema says degrees)."""
    table = read_table(real(SHELTERS))
    records = [row for _, row in table.rows][:rows]
    path = tmp_path / "projected.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(table.columns))
        writer.writeheader()
        for row in records:
            if row["경도"] and row["위도"]:
                x, y = from_wgs84(float(row["경도"]), float(row["위도"]), epsg)
                if swap:
                    x, y = y, x
                row = {**row, "경도": f"{float(x):.3f}", "위도": f"{float(y):.3f}"}
            writer.writerow(row)
    return path


def test_projected_metres_are_detected_and_land_where_the_degrees_do(
    dry_run: DryRun, tmp_path: Path
) -> None:
    report = dry_run("cooling_shelters", projected_shelters(tmp_path, 5186, swap=True))
    assert report.files[0].crs is not None
    assert report.files[0].crs.startswith("EPSG:5186 (x/y swapped), detected")
    original = {r.id: r for r in dry_run("cooling_shelters", real(SHELTERS)).records}
    assert len(report.records) == len(original)
    for r in report.records:
        assert abs(r.lon - original[r.id].lon) < 1e-6 and abs(r.lat - original[r.id].lat) < 1e-6


def test_ambiguous_metres_are_refused_and_crs_overrides(cli: Cli, tmp_path: Path) -> None:
    path = projected_shelters(tmp_path, 2097, rows=30)
    code, _, err = cli.load("cooling_shelters", path, flags=["--dry-run"])
    assert code == 1
    assert "--crs EPSG:NNNN" in err and "EPSG:2097" in err and "nothing was changed" in err
    flags = ["--dry-run", "--force", "--crs", "EPSG:2097"]
    code, out, err = cli.load("cooling_shelters", path, flags=flags)
    assert code == 0, err
    assert "CRS EPSG:2097, given with --crs" in out


def test_swapped_degree_columns_are_repaired(dry_run: DryRun, tmp_path: Path) -> None:
    copy = rewrite_csv(real(SHELTERS), tmp_path / "swapped.csv", {"경도": "위도", "위도": "경도"})
    report = dry_run("cooling_shelters", copy)
    original = dry_run("cooling_shelters", real(SHELTERS))
    assert report.extra["swapped_repaired"] == report.loaded == original.loaded
    assert "swapped back" in (report.files[0].crs or "")
    assert content(report.records) == content(original.records)


# -- testing_site_parking: parking files, site files, or both ----------------------------


def test_parking_and_sites_files_are_told_apart_by_their_schema(cli: Cli, tmp_path: Path) -> None:
    parking = real("parking/national_parking_std_2023-04.csv")
    sites = real("covid_screening/mohw_screening_centers_2020-03-31.csv")
    code, out, err = cli.load(
        "testing_site_parking", parking, sites, flags=["--dry-run", "--force"]
    )
    assert code == 0, err
    assert "schema national_parking_std (parking)" in out
    assert "schema mohw_screening (sites)" in out
    assert "kdca" not in out  # the given sites replace the default ones


# -- versions: dry run, guard, append, rollback -----------------------------------------------


def small_file(tmp_path: Path, rows: int, start: int = 0, name: str = "shelters_2027.csv") -> Path:
    """`rows` rows of the shelters file, from row `start`."""
    src = real(SHELTERS)
    table = read_table(src)
    with src.open(encoding=table.encoding, newline="") as fh:
        records = list(csv.reader(fh))
    path = tmp_path / name
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([records[0], *records[1 + start : 1 + start + rows]])
    return path


def test_versions_dry_run_guard_append_and_rollback(
    cli: Cli, store: PostgisStore, tmp_path: Path
) -> None:
    layer = "cooling_shelters"
    assert cli.load(layer, real(SHELTERS), flags=["--force"])[0] == 0
    full = store.version(layer)
    count = store.count(layer)

    # a dry run of the same file: nothing would change
    code, out, _ = cli.load(layer, real(SHELTERS), flags=["--dry-run"])
    assert code == 0 and "dry run: nothing was changed" in out
    assert f"0 added, 0 removed, 0 changed, {count} unchanged" in out
    assert "cooling_shelters-rejects.dry-run.csv" in out

    # 50 rows would remove nearly all features: refused, unless forced
    small = small_file(tmp_path, 50)
    code, out, err = cli.load(layer, small)
    assert code == 1 and "more than half" in err and "--force" in err
    assert store.version(layer) == full
    code, out, err = cli.load(layer, small, flags=["--dry-run"])
    assert code == 1 and "would remove" in err and "a real load would be refused" in err
    assert "0 added" in out and store.version(layer) == full

    # --append adds them to the current features instead (same ids: the new ones win)
    code, out, err = cli.load(layer, small, flags=["--append"])
    assert code == 0, err
    assert store.count(layer) == count and store.version(layer) != full  # sources changed
    appended = store.version(layer)
    extra = small_file(tmp_path, 10, start=5000, name="empty.csv")  # past the end: header only
    code, _, err = cli.load(layer, extra, flags=["--append"])
    assert code == 1 and "no data rows" in err
    assert store.version(layer) == appended

    code, out, err = cli.load(layer, small, flags=["--force"])
    assert code == 0, err
    assert store.count(layer) == 50
    # the last three versions are kept: back to the appended one, then to the full one
    code, out, err = cli("rollback", "--layer", layer)
    assert code == 0 and f"to {appended}" in out
    code, out, err = cli("rollback", "--layer", layer)
    assert code == 0 and f"to {full}" in out and store.count(layer) == count
    code, out, err = cli("rollback", "--layer", layer)
    assert code == 1 and "nothing to roll back to" in err
    assert store.version(layer) == full


def test_the_sharemap_command_dispatches_rollback(empty_db: str) -> None:
    proc = subprocess.run(
        ["sharemap", "rollback", "--layer", "bike_stations", "--database-url", empty_db],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "bike_stations: nothing to roll back to (it was never loaded)" in proc.stderr


def test_the_embedded_store_takes_files_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("SHAREMAP_DATA_DIR", str(tmp_path / "data"))

    def sharemap(*args: str | Path) -> tuple[int, str]:
        code = main([str(a) for a in args])
        return code, capsys.readouterr().err

    layer = "cooling_shelters"
    assert sharemap("load", "--layer", layer, real(SHELTERS))[0] == 0
    small = small_file(tmp_path, 30)
    code, err = sharemap("load", "--layer", layer, small)
    assert code == 1 and "more than half" in err
    assert sharemap("load", "--layer", layer, small, "--force")[0] == 0
    assert sharemap("rollback", "--layer", layer)[0] == 0
    from layers.store import open_store

    s = open_store(None, data_dir=tmp_path / "data")
    try:
        assert s.count(layer) == 4016
    finally:
        s.close()
