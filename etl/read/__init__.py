"""Read an input table (CSV/TSV/TXT, xlsx, xls, JSON, GeoJSON, GeoPackage) into normalised header
names and a lazy stream of text rows; every failure is a one-line `ReadError` naming the file.

One module per format: `delimited` (text: encoding and separator sniffing), `spreadsheets`
(xlsx, xls), `geojson` (JSON records, GeoJSON/TopoJSON, GeoPackage); `header` finds and merges
the header of text and workbooks; `table` holds what they share."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from etl.read.delimited import DELIMITERS, MAX_CELL_CHARS, MAX_LINE_CHARS, TEXT_SUFFIXES, open_text
from etl.read.geojson import GEO_BATCH, GEO_SUFFIXES, read_geo, read_json_records
from etl.read.header import HEADER_SEARCH, MAX_HEADER_ROWS, read_header, table_rows
from etl.read.spreadsheets import (
    EXCEL_SUFFIXES,
    MAX_XLSX_MEMBERS,
    MAX_XLSX_RATIO,
    MAX_XLSX_UNPACKED_BYTES,
    open_workbook,
)
from etl.read.table import (
    GEOMETRY_PROBLEM,
    GEOMETRY_X,
    GEOMETRY_Y,
    NULL_TOKENS,
    SAMPLE_BYTES,
    TRUNCATED_ROW,
    ReadError,
    Record,
    Records,
    Table,
    clean_cell,
    clean_text,
    normalise_header,
    read_error,
)

__all__ = [
    "DELIMITERS",
    "EXCEL_SUFFIXES",
    "GEOMETRY_PROBLEM",
    "GEOMETRY_X",
    "GEOMETRY_Y",
    "GEO_BATCH",
    "GEO_SUFFIXES",
    "HEADER_SEARCH",
    "MAX_CELL_CHARS",
    "MAX_HEADER_ROWS",
    "MAX_LINE_CHARS",
    "MAX_XLSX_MEMBERS",
    "MAX_XLSX_RATIO",
    "MAX_XLSX_UNPACKED_BYTES",
    "NULL_TOKENS",
    "SAMPLE_BYTES",
    "TEXT_SUFFIXES",
    "TRUNCATED_ROW",
    "ReadError",
    "Record",
    "Records",
    "Table",
    "clean_cell",
    "normalise_header",
    "read_table",
]


def read_table(path: Path, *, encoding: str | None = None, header_rows: int | None = None) -> Table:
    """Open a CSV/TSV/TXT, xlsx, xls, GeoJSON or GeoPackage table: read its header now, its
    rows lazily.

    Text files: the encoding is sniffed (UTF-8 with BOM, UTF-16 with BOM, UTF-8, else
    CP949) unless given, and the delimiter is sniffed among `,` TAB `;` from the header
    line (`.tsv` is always TAB). Workbooks: the first sheet; `encoding` is ignored.

    GeoJSON/GeoPackage (read with pyogrio, first layer): the attribute fields are the
    header, and each row also has the feature's point under GEOMETRY_X/GEOMETRY_Y (a
    feature whose geometry is not one point gets GEOMETRY_PROBLEM instead).

    Records that are completely empty are skipped (but counted in row numbers), before
    the header too. Cells are cleaned with `clean_cell`: values stay text, blanks are None.
    Short rows are padded with None; extra non-empty cells beyond the header go under
    `_extra{N}` (N = 1-based column position). Trailing empty header cells are dropped.

    Header: with `header_rows` None, records after the first one are taken as header
    continuation (an Excel merged-cell header flattened into several records) while
    each of them: follows a first header record that has an empty cell between named
    ones (a merged span), has an empty first cell, fills at most half the header's
    width, nothing beyond it, and has no cell that looks like data (a number,
    coordinate, date, time or phone number). At most MAX_HEADER_ROWS records.
    A multi-record header is merged per column: the concatenation of the column's
    non-empty parts in records 2..N, or record 1's part when those are all empty; a
    name that would then collide with another column's is prefixed with its group label
    (record 1's nearest non-empty cell at or left of the column). For the Seoul bike
    stations file this gives 대여소번호, 보관소(대여소)명, 자치구, 상세주소, 위도, 경도,
    설치시기, LCD거치대수, QR거치대수, 운영방식. See `normalise_header` for the names.
    """
    path = Path(path)
    if header_rows is not None and header_rows < 1:
        raise read_error(path, f"header_rows must be at least 1, got {header_rows}")
    suffix = path.suffix.lower()
    if suffix not in TEXT_SUFFIXES + EXCEL_SUFFIXES + GEO_SUFFIXES:
        expected = ", ".join(TEXT_SUFFIXES + EXCEL_SUFFIXES + GEO_SUFFIXES)
        raise read_error(path, f"unsupported file type {suffix or '(none)'!r}; expected {expected}")
    try:
        if not path.is_file():
            reason = "is not a file" if path.exists() else "no such file"
            raise read_error(path, reason)
        if path.stat().st_size == 0:
            raise read_error(path, "the file is empty")
    except OSError as exc:
        raise read_error(path, f"cannot open: {exc.strerror or exc}") from exc

    if suffix == ".json":
        json_table = read_json_records(path)
        if json_table is not None:
            return json_table
    if suffix in GEO_SUFFIXES:
        return read_geo(path)
    clean: Callable[[Any], str | None]
    if suffix in TEXT_SUFFIXES:
        encoding, delimiter, records = open_text(path, encoding, suffix)
        clean = clean_text
    else:
        encoding, delimiter = None, None
        records = open_workbook(path, suffix)
        clean = clean_cell
    try:
        count, columns, rest = read_header(path, records, header_rows)
    except BaseException:
        records.close()
        raise
    return Table(
        path=path,
        encoding=encoding,
        delimiter=delimiter,
        header_rows=count,
        columns=columns,
        rows=table_rows(columns, rest, clean),
    )
