"""Specs for etl.read: the real input files, header and cell rules, and bad input."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from etl import read
from etl.read import ReadError, clean_cell, delimited, normalise_header, read_table
from tests.etl.bad_files import zip_bomb, zip_bytes

SOURCE_DIR = Path(
    os.environ.get(
        "SHAREMAP_SOURCE_DIR", Path(__file__).resolve().parents[2].parent / "shared/data/real"
    )
)

# path under SOURCE_DIR -> (data rows, encoding, columns), from PROVENANCE.md
REAL_FILES: dict[str, tuple[int, str | None, int]] = {
    "toilets/seoul_public_toilets_location_OA-22586.csv": (4_585, "cp949", 17),
    "toilets/localdata_public_toilets_seoul_12_04_01_E_2025-01.xlsx": (6_111, None, 32),
    "toilets/localdata_public_toilets_seoul_12_04_01_E_2023-01.xlsx": (4_455, None, 31),
    "toilets/localdata_public_toilets_incheon_12_04_01_E_2025.xlsx": (2_347, None, 32),
    "toilets/localdata_public_toilets_busan_12_04_01_E_2022-08.csv": (1_801, "cp949", 31),
    "bike_stations/seoul_ddareungi_stations_2022-06.csv": (2_653, "cp949", 10),
    "bike_stations/national_bike_rental_stations_std_2024.csv": (1_398, "cp949", 21),
    "cooling_shelters/seoul_cooling_shelters_2026.csv": (4_017, "cp949", 14),
    "cooling_shelters/seoul_cooling_shelters_2025.csv": (3_803, "utf-8-sig", 14),
    "cooling_shelters/seoul_cooling_shelters_2024_variant.csv": (2_009, "utf-8", 12),
    "campsites/national_campsites_std_2020.csv": (2_261, "utf-8", 42),
    # 64 header cells, the last one empty (every line ends with a comma): dropped
    "campsites/localdata_general_campgrounds_tm5174.csv": (3_419, "utf-8-sig", 63),
    "campsites/kcisa_campsite_location_info_2020.csv": (2_522, "utf-8-sig", 28),
    "covid_screening/kdca_screening_centers_2022-02-16.xls": (636, None, 12),
    "covid_screening/kdca_screening_centers_2022-02-16_authorexport.csv": (636, "cp949", 12),
    "covid_screening/mohw_screening_centers_2020-03-31.csv": (612, "utf-8-sig", 7),
    "covid_screening/mohw_safe_hospitals_2020-04-01.csv": (341, "utf-8-sig", 7),
    "parking/national_parking_std_2023-04.csv": (14_895, "cp949", 33),
    "parking/national_parking_std_2021-05.csv": (14_851, "cp949", 33),
    "parks/national_city_parks_std_2022-04.csv": (18_481, "cp949", 19),
    # no duplicated header line inside: 5,140 records = 1 header + 5,139 rows
    "boundaries/admdongkor_hjd_centroids_utmk5179.tsv": (5_139, "utf-8", 5),
}
BIKE = "bike_stations/seoul_ddareungi_stations_2022-06.csv"

needs_source = pytest.mark.skipif(
    not SOURCE_DIR.is_dir(), reason=f"no source directory {SOURCE_DIR}"
)


def _rows(path: Path, **kwargs: Any) -> list[tuple[int, dict[str, str | None]]]:
    return list(read_table(path, **kwargs).rows)


# --- the real files -------------------------------------------------------------------


@needs_source
def test_every_real_table_is_listed() -> None:
    found = {
        p.relative_to(SOURCE_DIR).as_posix()
        for p in SOURCE_DIR.rglob("*")
        if p.suffix.lower() in (".csv", ".tsv", ".txt", ".xlsx", ".xls")
    }
    assert found == set(REAL_FILES)


@needs_source
@pytest.mark.parametrize("name", sorted(REAL_FILES))
def test_real_table_rows_encoding_and_width(name: str) -> None:
    count, encoding, width = REAL_FILES[name]
    table = read_table(SOURCE_DIR / name)
    numbers = []
    for number, row in table.rows:
        assert tuple(row) == table.columns  # no _extra cells, no gaps
        assert all(v is None or (isinstance(v, str) and v == v.strip() and v) for v in row.values())
        numbers.append(number)
    assert len(numbers) == count
    assert numbers == sorted(set(numbers))
    assert table.encoding == encoding
    assert len(table.columns) == width
    assert table.header_rows == (4 if name == BIKE else 1)
    assert table.delimiter == (None if encoding is None else "\t" if name.endswith(".tsv") else ",")
    if name != BIKE:
        assert numbers[0] == 2


@needs_source
@pytest.mark.parametrize(
    ("name", "column"),
    [
        ("toilets/seoul_public_toilets_location_OA-22586.csv", "x 좌표"),
        ("toilets/seoul_public_toilets_location_OA-22586.csv", "구 명칭"),
        ("toilets/localdata_public_toilets_seoul_12_04_01_E_2025-01.xlsx", "WGS84위도"),
        ("toilets/localdata_public_toilets_busan_12_04_01_E_2022-08.csv", "WGS84경도"),
        ("bike_stations/national_bike_rental_stations_std_2024.csv", "위도"),
        ("cooling_shelters/seoul_cooling_shelters_2026.csv", "X좌표(EPSG:5186)"),
        ("cooling_shelters/seoul_cooling_shelters_2025.csv", "시설년도"),  # after the BOM
        ("campsites/localdata_general_campgrounds_tm5174.csv", "좌표정보(x)"),
        ("campsites/localdata_general_campgrounds_tm5174.csv", "번호"),  # after the BOM
        ("campsites/kcisa_campsite_location_info_2020.csv", "CMPSI_LTTD_VAL"),
        ("covid_screening/mohw_screening_centers_2020-03-31.csv", "의료기관명"),
        ("covid_screening/mohw_screening_centers_2020-03-31.csv", "검체채취가능여부"),
        (
            "covid_screening/mohw_safe_hospitals_2020-04-01.csv",
            "신청유형(A: 외래진료,B: 외래진료 및 입원)",
        ),
        ("covid_screening/kdca_screening_centers_2022-02-16.xls", "일요일/공휴일운영시간"),
        ("covid_screening/kdca_screening_centers_2022-02-16.xls", "의료기관명"),
        ("boundaries/admdongkor_hjd_centroids_utmk5179.tsv", "ADMCD"),
    ],
)
def test_real_header_names(name: str, column: str) -> None:
    assert column in read_table(SOURCE_DIR / name).columns


@needs_source
def test_bike_stations_four_record_header_is_merged() -> None:
    table = read_table(SOURCE_DIR / BIKE)
    assert table.columns == (
        "대여소번호",
        "보관소(대여소)명",
        "자치구",
        "상세주소",
        "위도",
        "경도",
        "설치시기",
        "LCD거치대수",
        "QR거치대수",
        "운영방식",
    )
    number, first = next(table.rows)
    assert number == 6  # 4 header records and 1 empty record before it
    assert first["대여소번호"] == "00102"
    assert first["자치구"] == "마포구"
    assert first["위도"] == "37.5556488"
    assert first["LCD거치대수"] is None
    assert first["QR거치대수"] == "15"


@needs_source
def test_bike_stations_explicit_header_rows_agree_with_detection() -> None:
    detected = read_table(SOURCE_DIR / BIKE)
    explicit = read_table(SOURCE_DIR / BIKE, header_rows=4)
    assert explicit.columns == detected.columns
    assert list(explicit.rows) == list(detected.rows)


@needs_source
def test_rack_counts_lose_their_trailing_spaces() -> None:
    values = [row["LCD거치대수"] for _, row in read_table(SOURCE_DIR / BIKE).rows]
    assert all(v is None or v.isdigit() for v in values)


@needs_source
def test_single_space_cells_in_oa22586_are_none() -> None:
    table = read_table(SOURCE_DIR / "toilets/seoul_public_toilets_location_OA-22586.csv")
    nones = sum(v is None for _, row in table.rows for v in row.values())
    assert nones >= 25_195  # PROVENANCE: 25,195 cells hold a single space


@needs_source
def test_literal_null_in_kcisa_is_none() -> None:
    table = read_table(SOURCE_DIR / "campsites/kcisa_campsite_location_info_2020.csv")
    values = [row["CMPSI_ETC_SBFCL_NM2"] for _, row in table.rows]
    assert "NULL" not in values
    assert sum(v is None for v in values) >= 2_144


@needs_source
def test_kdca_xls_reads_korean_like_its_csv_export() -> None:
    directory = SOURCE_DIR / "covid_screening"
    xls = read_table(directory / "kdca_screening_centers_2022-02-16.xls")
    exported = read_table(directory / "kdca_screening_centers_2022-02-16_authorexport.csv")
    assert xls.columns == exported.columns
    xls_rows = list(xls.rows)
    assert xls_rows == list(exported.rows)
    number, first = xls_rows[0]
    assert number == 2
    assert first["의료기관명"] == "강남구보건소"
    assert first["기준일"] == "2022년 02월 16일 07시"


@needs_source
def test_localdata_xlsx_cells_stay_text() -> None:
    table = read_table(SOURCE_DIR / "toilets/localdata_public_toilets_incheon_12_04_01_E_2025.xlsx")
    number, first = next(table.rows)
    assert number == 2  # Excel's row number
    assert first["번호"] == "1"
    assert first["화장실명"] == "인제고등학교"


@needs_source
def test_campground_trailing_empty_header_cell_is_dropped() -> None:
    table = read_table(SOURCE_DIR / "campsites/localdata_general_campgrounds_tm5174.csv")
    assert table.columns[-1] == "시설규모"
    assert not any(c.startswith("_") for c in table.columns)


@needs_source
def test_cp949_parking_file_reads_every_row() -> None:
    count = sum(1 for _ in read_table(SOURCE_DIR / "parking/national_parking_std_2023-04.csv").rows)
    assert count == 14_895


# --- header names ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("대여소\n번호", "대여소번호"),
        ("의료기관명 ", "의료기관명"),
        ("일요일/공휴일\n운영시간", "일요일/공휴일운영시간"),
        ("x 좌표", "x 좌표"),
        ("\ufeff번호", "번호"),
        (
            "신청유형\n(A: 외래진료, \nB: 외래진료 및 입원)",
            "신청유형(A: 외래진료,B: 외래진료 및 입원)",
        ),
        ("검체채취\r\n가능여부", "검체채취가능여부"),
        ("  구   명칭\t", "구 명칭"),
        ("편의시설\u3000(기타설비)", "편의시설 (기타설비)"),
        ("", ""),
    ],
)
def test_normalise_header(raw: str, name: str) -> None:
    assert normalise_header(raw) == name


def _csv(tmp_path: Path, text: str, name: str = "t.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_empty_and_duplicate_header_names_are_made_unique(tmp_path: Path) -> None:
    table = read_table(_csv(tmp_path, "a,a,,a_2,a\n1,2,3,4,5\n"))
    assert table.columns == ("a", "a_3", "_col3", "a_2", "a_4")
    assert list(table.rows) == [(2, {"a": "1", "a_3": "2", "_col3": "3", "a_2": "4", "a_4": "5"})]


def test_merged_header_prefixes_group_label_only_on_collision(tmp_path: Path) -> None:
    text = "번호,이름,남성용,,여성용,비고\n,,대변기수,소변기수,대변기수,\n1,a,2,3,4,x\n"
    table = read_table(_csv(tmp_path, text))
    assert table.header_rows == 2
    assert table.columns == ("번호", "이름", "남성용대변기수", "소변기수", "여성용대변기수", "비고")
    assert [n for n, _ in table.rows] == [3]


@pytest.mark.parametrize(
    "second",
    [
        ",,,37.5,",  # a number is data
        ",,,2022-05-03,",  # a date is data
        ",,,09:00~18:00,",  # so are opening hours
        ",,,02-123-4567,",  # and phone numbers
        "홍길동,,,,",  # a filled first cell is data
        ",가,나,다,",  # more than half the header filled is data
        ",,,,,,x",  # a cell beyond the header is data
    ],
)
def test_data_records_are_not_taken_for_header_continuation(tmp_path: Path, second: str) -> None:
    table = read_table(_csv(tmp_path, f"번호,이름,,주소,비고\n{second}\n"))
    assert table.header_rows == 1
    assert [n for n, _ in table.rows] == [2]


def test_a_header_without_gaps_never_continues(tmp_path: Path) -> None:
    table = read_table(_csv(tmp_path, "번호,이름,주소,비고\n,이름,,\n"))
    assert table.header_rows == 1
    assert list(table.rows) == [(2, {"번호": None, "이름": "이름", "주소": None, "비고": None})]


def test_explicit_header_rows(tmp_path: Path) -> None:
    table = read_table(_csv(tmp_path, "a,b\nc,d\n1,2\n"), header_rows=2)
    assert (table.header_rows, table.columns) == (2, ("c", "d"))
    assert list(table.rows) == [(3, {"c": "1", "d": "2"})]


# --- cells and rows -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (" x ", "x"),
        ("\u3000x\xa0", "x"),
        ("\u200bx\ufeff", "x"),
        ("a  b", "a  b"),
        ("", None),
        (" ", None),
        ("\u3000\xa0\t", None),
        ("NULL", None),
        ("null", None),
        ("None", None),
        ("nan", None),
        (" NULL ", None),
        ("NULL값", "NULL값"),
        ("-", "-"),
        ("00102", "00102"),
        ("31 ", "31"),
        (None, None),
        (123.0, "123"),
        (-4.0, "-4"),
        (37.5556488, "37.5556488"),
        (float("nan"), None),
        (7, "7"),
        (True, "TRUE"),
        (False, "FALSE"),
        (dt.datetime(2022, 5, 3), "2022-05-03"),
        (dt.datetime(2022, 5, 3, 9, 30), "2022-05-03 09:30:00"),
        (dt.date(2022, 5, 3), "2022-05-03"),
        (dt.time(9, 30), "09:30:00"),
    ],
)
def test_clean_cell(value: object, text: str | None) -> None:
    assert clean_cell(value) == text


def test_short_rows_are_padded_and_extra_cells_kept_only_when_filled(tmp_path: Path) -> None:
    rows = _rows(_csv(tmp_path, "a,b,c\n1\n1,2,3,,\n1,2,3,x,\n"))
    assert rows == [
        (2, {"a": "1", "b": None, "c": None}),
        (3, {"a": "1", "b": "2", "c": "3"}),
        (4, {"a": "1", "b": "2", "c": "3", "_extra4": "x"}),
    ]


def test_empty_records_are_skipped_but_counted(tmp_path: Path) -> None:
    rows = _rows(_csv(tmp_path, "\n a , b \n1,2\n\n,\n \t, NULL\n3,4\n"))
    assert rows == [(3, {"a": "1", "b": "2"}), (7, {"a": "3", "b": "4"})]


def test_quoted_newlines_stay_in_the_cell_and_count_one_record(tmp_path: Path) -> None:
    rows = _rows(_csv(tmp_path, 'a,b\r\n"x\r\ny",1\r\n2,"p, q"\r\n'))
    assert rows == [(2, {"a": "x\r\ny", "b": "1"}), (3, {"a": "2", "b": "p, q"})]


def test_header_only_file_has_no_rows(tmp_path: Path) -> None:
    table = read_table(_csv(tmp_path, "a,b\n"))
    assert table.columns == ("a", "b")
    assert list(table.rows) == []


@pytest.mark.parametrize(
    ("name", "text", "delimiter"),
    [
        ("t.csv", "a;b;c\n1;2;3\n", ";"),
        ("t.txt", "a\tb\tc\n1\t2\t3\n", "\t"),
        ("t.tsv", "a,b\tc\n1,2\t3\n", "\t"),
        ("t.csv", '"x;y",b,c\n1,2,3\n', ","),  # delimiters inside quotes do not count
        ("t.csv", "only\n1\n", ","),
    ],
)
def test_delimiter_is_sniffed_from_the_header(
    tmp_path: Path, name: str, text: str, delimiter: str
) -> None:
    table = read_table(_csv(tmp_path, text, name))
    assert table.delimiter == delimiter
    assert len(next(table.rows)[1]) == len(table.columns)


@pytest.mark.parametrize(
    ("encoding", "detected"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("utf-16", "utf-16"),
        ("cp949", "cp949"),
    ],
)
def test_encoding_is_sniffed(tmp_path: Path, encoding: str, detected: str) -> None:
    table = read_table(_csv(tmp_path, "이름,주소\n화장실,서울 중구\n", encoding=encoding))
    assert table.encoding == detected
    assert table.columns == ("이름", "주소")
    assert list(table.rows) == [(2, {"이름": "화장실", "주소": "서울 중구"})]


@pytest.mark.parametrize("encoding", ["utf-8", "cp949"])
def test_sample_ending_inside_a_character_is_fine(tmp_path: Path, encoding: str) -> None:
    prefix = "a\n" + "x" * (read.SAMPLE_BYTES - 3) + "\n"  # SAMPLE_BYTES - 1 bytes
    path = _csv(tmp_path, prefix + "가나다\n", encoding=encoding)
    table = read_table(path)
    assert table.encoding == encoding
    assert list(table.rows)[-1] == (3, {"a": "가나다"})


def test_ascii_head_then_cp949_is_sniffed_as_cp949(tmp_path: Path) -> None:
    text = "a,b\n" + "1,2\n" * (read.SAMPLE_BYTES // 4 + 10) + "서울,부산\n"
    table = read_table(_csv(tmp_path, text, encoding="cp949"))
    assert table.encoding == "cp949"
    assert list(table.rows)[-1][1] == {"a": "서울", "b": "부산"}


def test_explicit_encoding_is_used(tmp_path: Path) -> None:
    table = read_table(_csv(tmp_path, "이름\n가\n", encoding="cp949"), encoding="euc-kr")
    assert table.encoding == "euc-kr"
    assert list(table.rows) == [(2, {"이름": "가"})]


def _write_xlsx(path: Path, sheet_data: str) -> Path:
    """A minimal xlsx workbook whose only sheet holds `sheet_data` (<row> elements)."""
    ns = "http://schemas.openxmlformats.org"
    rel = f"{ns}/officeDocument/2006/relationships"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(
            "[Content_Types].xml",
            f'<Types xmlns="{ns}/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{ns}/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>",
        )
        z.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{ns}/spreadsheetml/2006/main" xmlns:r="{rel}">'
            '<sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{ns}/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
            "</Relationships>",
        )
        z.writestr(
            "xl/worksheets/sheet1.xml",
            f'<worksheet xmlns="{ns}/spreadsheetml/2006/main"><sheetData>{sheet_data}'
            "</sheetData></worksheet>",
        )
    return path


def _text(ref: str, value: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'


def test_xlsx_numbers_become_text_and_row_numbers_match_excel(tmp_path: Path) -> None:
    sheet = (
        f'<row r="3">{_text("A3", "번호")}{_text("B3", "위도")}{_text("C3", "개방")}</row>'
        '<row r="4"><c r="A4"><v>102</v></c><c r="B4"><v>37.5</v></c>'
        '<c r="C4" t="b"><v>1</v></c><c r="E4"><v>9</v></c></row>'
    )
    table = read_table(_write_xlsx(tmp_path / "t.xlsx", sheet))
    assert (table.encoding, table.delimiter, table.columns) == (
        None,
        None,
        ("번호", "위도", "개방"),
    )
    assert list(table.rows) == [
        (4, {"번호": "102", "위도": "37.5", "개방": "TRUE", "_extra5": "9"})
    ]


def test_workbook_content_wins_over_its_name(tmp_path: Path) -> None:
    path = _write_xlsx(tmp_path / "really_xlsx.xls", f'<row r="1">{_text("A1", "a")}</row>')
    assert read_table(path).columns == ("a",)


# --- bad input ------------------------------------------------------------------------


def _truncated_xlsx(path: Path) -> Path:
    sheet = "".join(f'<row r="{i}">{_text(f"A{i}", "x" * 50)}</row>' for i in range(1, 200))
    data = _write_xlsx(path, sheet).read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def _write(name: str, data: bytes) -> Callable[[Path], Path]:
    def build(tmp_path: Path) -> Path:
        path = tmp_path / name
        path.write_bytes(data)
        return path

    return build


def _directory(tmp_path: Path) -> Path:
    (tmp_path / "folder.csv").mkdir()
    return tmp_path / "folder.csv"


BAD_INPUTS: dict[str, tuple[Callable[[Path], Path], str]] = {
    "missing file": (lambda tmp_path: tmp_path / "missing.csv", "no such file"),
    "directory": (_directory, "not a file"),
    "unsupported type": (_write("t.docx", b"{}"), "unsupported file type"),
    "empty file": (_write("t.csv", b""), "empty"),
    "only a BOM": (_write("t.csv", b"\xef\xbb\xbf"), "no header"),
    "only empty records": (_write("t.csv", b"\n \n,,\n"), "no header"),
    "undecodable bytes": (_write("t.csv", b"a,b\n\x80\x80,1\n"), "utf-8, cp949"),
    "undecodable after the sample": (
        _write("t.csv", b"a\n" + "가\n".encode("cp949") * 90_000 + b"\x80\n"),
        "record 90002",
    ),
    "truncated character at EOF": (_write("t.csv", "a\n가\n나".encode()[:-1]), "record 3"),
    "PNG named .csv": (_write("t.csv", b"\x89PNG\r\n\x1a\n" + bytes(64)), "not a text table"),
    "zip named .csv": (_write("t.csv", zip_bytes({"a.txt": b"x"})), "not a text table"),
    "NUL bytes": (_write("t.csv", b"a,b\n1,\x00\x002\n"), "not a text table"),
    "UTF-16 without a BOM": (
        _write("t.csv", "이름,주소\nab,cd\n".encode("utf-16-le")),
        "--encoding utf-16-le",
    ),
    "control bytes": (_write("t.csv", b"a,b\n" + b"\x01\x02\x03," * 20), "not a text table"),
    "xlsx that is not a zip": (_write("t.xlsx", b"a,b\n1,2\n"), "not an .xlsx workbook"),
    "zip that is not a workbook": (
        _write("t.xlsx", zip_bytes({"a.txt": b"x"})),
        "not a readable .xlsx",
    ),
    "truncated xlsx": (lambda tmp_path: _truncated_xlsx(tmp_path / "t.xlsx"), ".xlsx"),
    "zip bomb": (
        lambda tmp_path: zip_bomb(tmp_path / "t.xlsx", read.MAX_XLSX_UNPACKED_BYTES // 2**20 + 1),
        "refusing",
    ),
    "xls that is text": (_write("t.xls", b"a\tb\n"), "not an .xls workbook"),
    "broken xls": (
        _write("t.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600)),
        "not a readable .xls",
    ),
    "cell over 1 MiB": (
        _write("t.csv", b'a,b\n1,2\n3,"' + b"x" * (read.MAX_CELL_CHARS + 1) + b'"\n'),
        "record 3: a cell is longer",
    ),
    "unterminated quote at EOF": (
        _write("t.csv", b'a,b\n1,2\n3,"truncated\n4,5\n'),
        "record 3: a quoted field is not closed",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_raises_read_error(tmp_path: Path, case: str) -> None:
    build, fragment = BAD_INPUTS[case]
    path = build(tmp_path)
    with pytest.raises(ReadError) as raised:
        _rows(path)
    message = str(raised.value)
    assert fragment in message
    assert str(path) in message
    assert "\n" not in message


def test_line_longer_than_the_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(delimited, "MAX_LINE_CHARS", 100)
    path = _csv(tmp_path, "a,b\n1,2\n" + "x," * 100 + "\n")
    with pytest.raises(ReadError, match="record 3: a line is longer"):
        _rows(path)


def test_wrong_explicit_encoding(tmp_path: Path) -> None:
    path = _csv(tmp_path, "이름\n가\n", encoding="cp949")
    with pytest.raises(ReadError, match="not valid utf-8"):
        _rows(path, encoding="utf-8")


def test_unknown_encoding(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="unknown encoding"):
        read_table(_csv(tmp_path, "a\n1\n"), encoding="klingon")


@pytest.mark.parametrize("header_rows", [0, 3])
def test_impossible_header_rows(tmp_path: Path, header_rows: int) -> None:
    with pytest.raises(ReadError, match="header"):
        read_table(_csv(tmp_path, "a\n1\n"), header_rows=header_rows)


# --- round trip -----------------------------------------------------------------------

_CELL_TEXT = st.text(
    st.characters(codec="cp949", exclude_categories=["Cc", "Cs"]) | st.sampled_from(' \t\r\n",;'),
    max_size=12,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    width=st.integers(1, 6),
    data=st.data(),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp949"]),
    delimiter=st.sampled_from([",", "\t", ";"]),
)
def test_text_tables_round_trip(
    tmp_path_factory: pytest.TempPathFactory,
    width: int,
    data: st.DataObject,
    encoding: str,
    delimiter: str,
) -> None:
    if width == 1:
        delimiter = ","  # a one-column header has nothing to sniff
    header = [f"col{i}" for i in range(width)]
    body = data.draw(st.lists(st.lists(_CELL_TEXT, min_size=width, max_size=width), max_size=8))
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(body)
    payload = buffer.getvalue().encode(encoding)
    if encoding == "cp949" and not payload.isascii():
        try:
            payload.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            assume(False)  # these bytes are also valid UTF-8: the sniffer cannot tell
    path = tmp_path_factory.getbasetemp() / "round_trip.csv"
    path.write_bytes(payload)

    table = read_table(path)
    expected = []
    for number, cells in enumerate(body, start=2):
        values = [clean_cell(c) for c in cells]
        if any(values):
            expected.append((number, dict(zip(header, values, strict=True))))
    assert table.columns == tuple(header)
    assert table.delimiter == delimiter
    assert list(table.rows) == expected
