"""Workbooks (xlsx with calamine, xls with xlrd): the first sheet's records, the format told by
the content rather than the name, and zip bombs refused before unpacking."""

from __future__ import annotations

import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any, BinaryIO

import python_calamine
import xlrd

from etl.read.table import OLE_MAGIC, SAMPLE_BYTES, ZIP_MAGIC, Records, one_line, read_error

EXCEL_SUFFIXES = (".xlsx", ".xls")
MAX_XLSX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_XLSX_MEMBERS = 10_000
# Sheet XML compresses some 10-50 times; a member packed tighter than this is a bomb.
MAX_XLSX_RATIO = 500


def open_workbook(path: Path, suffix: str) -> Records:
    try:
        with path.open("rb") as f:
            magic = f.read(len(OLE_MAGIC))
    except OSError as exc:
        raise read_error(path, f"cannot open: {exc.strerror or exc}") from exc
    # Trust the content over the name: portals hand out xlsx files named .xls and back.
    if magic.startswith(ZIP_MAGIC):
        return _xlsx_records(path)
    if magic.startswith(OLE_MAGIC):
        return _xls_records(path)
    expected = "a zip archive" if suffix == ".xlsx" else "an OLE document"
    raise read_error(path, f"not an {suffix} workbook: the content is not {expected}")


def _xlsx_records(path: Path) -> Records:
    _refuse_zip_bomb(path)
    try:
        # from_filelike sniffs the format from the content, from_path from the name
        with path.open("rb") as f:
            workbook = python_calamine.CalamineWorkbook.from_filelike(f)
        try:
            cells = workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
        finally:
            workbook.close()
    except Exception as exc:  # calamine raises assorted types on corrupt input
        raise read_error(path, f"not a readable .xlsx workbook ({one_line(exc)})") from exc
    return _numbered(cells)


def _numbered(cells: list[list[Any]]) -> Records:
    yield from enumerate(cells, start=1)


def _refuse_zip_bomb(path: Path) -> None:
    """Refuse a workbook that would unpack to more than MAX_XLSX_UNPACKED_BYTES.

    The sizes a zip declares are checked first (instantly); then every member is inflated
    once, in bounded chunks, to count what it really holds, since a crafted archive can
    declare less than its data inflates to.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise read_error(
            path, f"not an .xlsx workbook: a broken zip archive ({one_line(exc)})"
        ) from exc
    if len(members) > MAX_XLSX_MEMBERS:
        raise read_error(path, f"refusing a workbook of {len(members):,} zip members")
    unpacked = sum(m.file_size for m in members)
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise read_error(path, _too_big(unpacked))
    for m in members:
        if m.file_size > 1 << 20 and m.file_size > MAX_XLSX_RATIO * max(m.compress_size, 1):
            raise read_error(
                path,
                f"refusing a workbook whose member {m.filename!r} is compressed "
                f"{m.file_size // max(m.compress_size, 1):,} times (a zip bomb?)",
            )
    try:
        with path.open("rb") as f:
            inflated = 0
            for m in members:
                inflated += _inflated_size(f, m, MAX_XLSX_UNPACKED_BYTES - inflated)
                if inflated > MAX_XLSX_UNPACKED_BYTES:
                    raise read_error(path, _too_big(inflated, at_least=True))
    except (OSError, zlib.error, struct.error) as exc:
        raise read_error(
            path, f"not an .xlsx workbook: a broken zip archive ({one_line(exc)})"
        ) from exc


def _too_big(size: int, *, at_least: bool = False) -> str:
    return (
        f"refusing a workbook that unpacks to {'more than ' if at_least else ''}"
        f"{size / 2**20:,.0f} MiB (limit {MAX_XLSX_UNPACKED_BYTES // 2**20} MiB)"
    )


def _inflated_size(f: BinaryIO, member: zipfile.ZipInfo, limit: int) -> int:
    """How many bytes a member's data really inflates to; stops once past `limit`."""
    f.seek(member.header_offset)
    header = f.read(30)
    if len(header) < 30 or not header.startswith(ZIP_MAGIC):
        raise zlib.error(f"no local header for {member.filename!r}")
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    f.seek(member.header_offset + 30 + name_length + extra_length)
    if member.compress_type == zipfile.ZIP_STORED:
        return member.compress_size
    if member.compress_type != zipfile.ZIP_DEFLATED:
        return member.file_size  # calamine reads deflate and stored members only
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    left, size = member.compress_size, 0
    while left > 0 and not inflater.eof and size <= limit:
        chunk = f.read(min(SAMPLE_BYTES, left))
        if not chunk:
            break
        left -= len(chunk)
        size += len(inflater.decompress(chunk, SAMPLE_BYTES))
        while inflater.unconsumed_tail and size <= limit:
            size += len(inflater.decompress(inflater.unconsumed_tail, SAMPLE_BYTES))
    return size


def _xls_records(path: Path) -> Records:
    try:
        book = xlrd.open_workbook(str(path), on_demand=True)
        sheet = book.sheet_by_index(0)
    except Exception as exc:  # xlrd raises assorted types on corrupt input
        raise read_error(path, f"not a readable .xls workbook ({one_line(exc)})") from exc
    return _xls_rows(book, sheet)


def _xls_rows(book: xlrd.Book, sheet: xlrd.sheet.Sheet) -> Records:
    try:
        for index in range(sheet.nrows):
            yield index + 1, [_xls_value(cell, book.datemode) for cell in sheet.row(index)]
    finally:
        book.release_resources()


def _xls_value(cell: xlrd.sheet.Cell, datemode: int) -> object:
    if cell.ctype == xlrd.XL_CELL_DATE:
        try:
            return xlrd.xldate.xldate_as_datetime(cell.value, datemode)
        except (xlrd.xldate.XLDateError, ValueError, OverflowError):
            return cell.value
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return bool(cell.value)
    if cell.ctype == xlrd.XL_CELL_ERROR:
        return None  # calamine reads error cells (#N/A …) as empty; so do we
    return cell.value
