"""Bad files never produce a traceback and never change a layer: each shape is refused with a
clear message (exit 1) or its rows are rejected with reasons. Every file is generated here."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import shapely

from etl import read
from etl.cli import main
from etl.read import read_table
from layers.store.postgis import PostgisStore
from tests.conftest import create_database, drop_database, source_dir
from tests.etl.bad_files import zip_bomb, zip_bytes

pytestmark = [
    pytest.mark.postgis,
    pytest.mark.skipif(not source_dir().is_dir(), reason="the real source files are not available"),
]

LAYER = "cooling_shelters"
SHELTERS = "cooling_shelters/seoul_cooling_shelters_2026.csv"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = create_database("sharemap_bad_files")
    reports = tmp_path_factory.mktemp("reports")
    assert (
        main(
            [
                "load",
                "--layer",
                LAYER,
                str(source_dir() / SHELTERS),
                "--database-url",
                url,
                "--report-dir",
                str(reports),
            ]
        )
        == 0
    )
    yield url
    drop_database(url)


@pytest.fixture
def sharemap(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> Iterator[Callable[..., tuple[int, str, str]]]:
    """`sharemap load …` in-process; checks that the layer is exactly as before."""
    store = PostgisStore(db)
    version, count = store.version(LAYER), store.count(LAYER)

    def run(*args: str | Path) -> tuple[int, str, str]:
        argv = [
            "load",
            *map(str, args),
            "--database-url",
            db,
            "--report-dir",
            str(tmp_path / "reports"),
        ]
        code = main(argv)
        out = capsys.readouterr()
        assert "Traceback" not in out.err
        assert (store.version(LAYER), store.count(LAYER)) == (version, count)
        return code, out.out, out.err

    yield run
    store.close()


# -- generated files ---------------------------------------------------------------------------


def shelter_rows(n: int = 5) -> tuple[list[str], list[list[str]]]:
    """The header and the first n records of the real shelters file."""
    path = source_dir() / SHELTERS
    with path.open(encoding=read_table(path).encoding, newline="") as fh:
        records = list(csv.reader(fh))
    return records[0], records[1 : 1 + n]


def csv_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, quoting=csv.QUOTE_ALL).writerows([header, *rows])
    return buffer.getvalue().encode("utf-8")


def with_cells(*changes: dict[str, str]) -> list[list[str]]:
    """Copies of the first real rows, the i-th with the i-th change of cells."""
    header, rows = shelter_rows(len(changes))
    out = []
    for row, change in zip(rows, changes, strict=True):
        row = list(row)
        for column, value in change.items():
            row[header.index(column)] = value
        out.append(row)
    return out


def write(name: str, data: bytes | Callable[[], bytes]) -> Callable[[Path], Path]:
    def build(tmp_path: Path) -> Path:
        path = tmp_path / name
        path.write_bytes(data() if callable(data) else data)
        return path

    return build


def truncated_in_quotes() -> bytes:
    data = csv_bytes(*shelter_rows(20))
    return data[: data.rindex(b'"', 0, len(data) - 40) + 3]


def geojson_not(tmp_path: Path) -> Path:
    path = tmp_path / "points.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    return path


# -- refused files (exit 1, nothing changed) -----------------------------------------------

REFUSED: dict[str, tuple[Callable[[Path], Path], str]] = {
    "empty file": (write("empty.csv", b""), "the file is empty"),
    "only a BOM": (write("bom.csv", b"\xef\xbb\xbf"), "no header row"),
    "header only": (write("header.csv", lambda: csv_bytes(shelter_rows()[0], [])), "no data rows"),
    "header only, no line break": (
        write("header.csv", lambda: ",".join(shelter_rows()[0]).encode()),
        "no data rows",
    ),
    "truncated inside a quoted field": (
        write("cut.csv", truncated_in_quotes),
        "a quoted field is not closed before the end of the file (truncated file?)",
    ),
    "undecodable bytes": (
        write("bad.csv", lambda: csv_bytes(*shelter_rows()) + b"\x80\x80,\xff\n"),
        "cannot decode the text",
    ),
    "PNG named .csv": (write("image.csv", b"\x89PNG\r\n\x1a\n" + bytes(200)), "not a text table"),
    "PDF named .csv": (write("doc.csv", b"%PDF-1.7\n" + bytes(200)), "not a text table"),
    "xlsx named .csv": (
        write("book.csv", lambda: zip_bytes({"xl/workbook.xml": b"<x/>"})),
        "the content is a zip archive",
    ),
    "xlsx that is not a zip": (
        write("book.xlsx", lambda: csv_bytes(*shelter_rows())),
        "not an .xlsx workbook: the content is not a zip archive",
    ),
    "truncated xlsx": (
        write(
            "book.xlsx",
            lambda: (
                source_dir() / "toilets/localdata_public_toilets_incheon_12_04_01_E_2025.xlsx"
            ).read_bytes()[:30_000],
        ),
        "not an .xlsx workbook: a broken zip archive",
    ),
    "zip bomb": (
        lambda tmp_path: zip_bomb(tmp_path / "bomb.xlsx", 210),
        "refusing a workbook that unpacks to 210 MiB",
    ),
    "zip bomb packed tight": (
        lambda tmp_path: zip_bomb(tmp_path / "bomb.xlsx", 50),
        "is compressed",
    ),
    "zip bomb that lies about its size": (
        lambda tmp_path: zip_bomb(tmp_path / "bomb.xlsx", 210, lie=True),
        "refusing a workbook that unpacks to more than 200 MiB",
    ),
    "a cell of megabytes": (
        write("big.csv", lambda: csv_bytes(*shelter_rows()) + b'x,"' + b"y" * (2 << 20) + b'"\n'),
        "a cell is longer than 1,048,576 characters",
    ),
    "unknown header": (
        write("other.csv", lambda: csv_bytes(["쉼터명칭", "주소", "비고"], [["a", "b", "c"]])),
        "closest known schema 'seoul_shelters' lacks columns: 시설구분1, 경도, 위도",
    ),
    "every row unusable": (
        write(
            "nan.csv",
            lambda: csv_bytes(shelter_rows()[0], with_cells({"경도": "NaN"}, {"위도": "inf"})),
        ),
        "no row could be loaded",
    ),
    "GeoJSON cut short": (geojson_not, "not a readable GeoJSON file"),
    "GeoPackage that is not one": (
        write("points.gpkg", b"SQLite format 3\x00" + bytes(100)),
        "not a readable GeoPackage",
    ),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_a_bad_file_is_refused_and_changes_nothing(
    sharemap: Callable[..., tuple[int, str, str]], tmp_path: Path, case: str
) -> None:
    build, fragment = REFUSED[case]
    path = build(tmp_path)
    started = time.perf_counter()
    code, out, err = sharemap("--layer", LAYER, path)
    assert code == 1, out + err
    assert fragment in err
    assert err.startswith(f"sharemap: {path}") or "no row could be loaded" in err
    assert err.rstrip().endswith("nothing was changed.")
    assert time.perf_counter() - started < 20


# -- rows rejected with reasons ----------------------------------------------------------------


def geojson_with_a_polygon(tmp_path: Path) -> Path:
    import geopandas as gpd

    header, rows = shelter_rows(3)
    records = [dict(zip(header, row, strict=True)) for row in rows]
    geoms = [shapely.Point(float(r["경도"]), float(r["위도"])) for r in records]
    geoms[2] = shapely.box(126.9, 37.5, 127.0, 37.6)
    path = tmp_path / "points.geojson"
    gpd.GeoDataFrame(records, geometry=geoms, crs=4326).drop(columns=["경도", "위도"]).to_file(path)
    return path


def cut_mid_row() -> bytes:
    """Two rows, then the first four cells of a third and the end of the file."""
    header, rows = shelter_rows(3)
    partial = ",".join(f'"{cell}"' for cell in rows[2][:4])
    return csv_bytes(header, rows[:2]) + partial.encode("utf-8")


ROWS: dict[str, tuple[Callable[[Path], Path], dict[int, str]]] = {
    "NaN, inf and 1e999 coordinates": (
        write(
            "numbers.csv",
            lambda: csv_bytes(
                shelter_rows()[0],
                with_cells(
                    {"경도": "NaN"},
                    {"위도": "1e999"},
                    {"Y좌표(EPSG:5186)": "x"},
                    {"위도": "-Infinity"},
                ),
            ),
        ),
        {2: "unparsable number", 3: "unparsable number", 5: "unparsable number"},
    ),
    "a cell of 200,000 characters": (
        write(
            "long.csv", lambda: csv_bytes(shelter_rows()[0], with_cells({"비고": "가" * 200_000}))
        ),
        {2: "oversized cell"},
    ),
    "a file cut in the middle of its last row": (
        write("cut.csv", cut_mid_row),
        {4: "truncated row"},
    ),
    "a point in the sea and one in Japan": (
        write(
            "far.csv",
            lambda: csv_bytes(
                shelter_rows()[0],
                with_cells({"경도": "125.5", "위도": "35.9"}, {"경도": "139.7", "위도": "35.7"}),
            ),
        ),
        {2: "outside Korea", 3: "outside Korea"},
    ),
    "a polygon in a GeoJSON of points": (geojson_with_a_polygon, {3: "not a point geometry"}),
}


@pytest.mark.parametrize("case", list(ROWS))
def test_bad_rows_are_rejected_with_reasons(
    sharemap: Callable[..., tuple[int, str, str]], tmp_path: Path, case: str
) -> None:
    build, expected = ROWS[case]
    path = build(tmp_path)
    code, out, err = sharemap("--layer", LAYER, path, "--append", "--dry-run")
    assert code == 0, err
    report = tmp_path / "reports" / f"{LAYER}-rejects.dry-run.csv"
    assert str(report) in out
    with report.open(encoding="utf-8-sig", newline="") as fh:
        rejected = {
            int(r["row"]): r["reason"] for r in csv.DictReader(fh) if r["file"] == path.name
        }
    assert {row: reason for row, reason in rejected.items() if row in expected} == expected


def test_a_cut_row_is_rejected_only_at_the_end_of_the_file(tmp_path: Path) -> None:
    path = tmp_path / "cut.csv"
    path.write_bytes(cut_mid_row())
    rows = list(read_table(path).rows)
    assert [read.TRUNCATED_ROW in row for _, row in rows] == [False, False, True]


# -- usage errors (exit 2) ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["x.csv"], "FILEs need exactly one --layer"),
        (["--layer", "campsites", "--layer", LAYER, "x.csv"], "FILEs need exactly one --layer"),
        (["--layer", "toilets", "x.csv"], "unknown layer 'toilets'"),
        (["--layer", LAYER, "--append"], "--append apply to FILEs"),
        (["--layer", LAYER, "--crs", "EPSG:5186"], "--crs apply to FILEs"),
        (["--layer", LAYER, "x.csv", "--crs", "Bessel"], "--crs takes EPSG:NNNN"),
        (["--layer", LAYER, "x.csv", "--crs", "EPSG:99999"], "unknown CRS EPSG:99999"),
        (["--layer", LAYER, "x.csv", "--encoding", "klingon"], "unknown encoding 'klingon'"),
        (["--layer", "regions", "x.geojson", "--append"], "--append does not apply to 'regions'"),
    ],
)
def test_usage_errors(capsys: pytest.CaptureFixture[str], args: list[str], fragment: str) -> None:
    assert main(["load", *args]) == 2
    assert fragment in capsys.readouterr().err


def test_rollback_needs_a_known_layer(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rollback"]) == 2
    assert main(["rollback", "--layer", "toilets"]) == 2
    assert "unknown layer" in capsys.readouterr().err
