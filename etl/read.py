"""Read an input table (CSV/TSV/TXT, xlsx, xls, GeoJSON, GeoPackage) into normalised header
names and a lazy stream of text rows; every failure is a one-line `ReadError` naming the file."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import math
import re
import struct
import warnings
import zipfile
import zlib
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any, BinaryIO, TextIO

import python_calamine
import xlrd

TEXT_SUFFIXES = (".csv", ".tsv", ".txt")
EXCEL_SUFFIXES = (".xlsx", ".xls")
GEO_SUFFIXES = (".geojson", ".json", ".gpkg")
DELIMITERS = (",", "\t", ";")  # in order of preference when the header counts tie
SAMPLE_BYTES = 256 * 1024
MAX_CELL_CHARS = 1024 * 1024
MAX_LINE_CHARS = 16 * 1024 * 1024
MAX_XLSX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_XLSX_MEMBERS = 10_000
# Sheet XML compresses some 10-50 times; a member packed tighter than this is a bomb.
MAX_XLSX_RATIO = 500
GEO_BATCH = 20_000
MAX_HEADER_ROWS = 6
# Records looked at to find the header under title lines, date lines and blank rows.
HEADER_SEARCH = 20
NULL_TOKENS = frozenset({"NULL", "null", "None", "nan"})

# Extra keys of a row (never header names: a header name never starts with "_" + these).
# The point of a GeoJSON/GeoPackage feature, as text, and why a feature has none.
GEOMETRY_X = "_geometry_x"
GEOMETRY_Y = "_geometry_y"
GEOMETRY_PROBLEM = "_geometry_problem"
# Set on the last record of a text file that ends, without a line break, before the
# record has all its cells: the file was cut off in the middle of that row.
TRUNCATED_ROW = "_truncated_row"

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MAGIC_KINDS = (
    (_ZIP_MAGIC, "a zip archive, e.g. an .xlsx workbook"),
    (_OLE_MAGIC, "an OLE document, e.g. an .xls workbook"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"\x1f\x8b", "a gzip archive"),
)
_CONTROL_BYTES = bytes([*range(0x00, 0x09), *range(0x0E, 0x20), 0x7F])
_ZERO_WIDTH = "\u200b\ufeff"
_LINE_BREAK = re.compile(r"\r\n|[\r\n\u2028\u2029\x85]")
# Numbers, coordinates, dates, times, phone numbers: never part of a header.
_DATA_LIKE = re.compile(r"[-+]?[\d\s.,:/~()%-]*\d[\d\s.,:/~()%-]*")


class ReadError(Exception):
    """An input table cannot be read; the message is one line and names the file."""


@dataclass(frozen=True)
class Table:
    """A table's header and its rows; `rows` is a one-shot iterator over the open file."""

    path: Path
    encoding: str | None  # detected or given; None for xlsx/xls
    delimiter: str | None  # None for xlsx/xls
    header_rows: int  # how many records formed the header
    columns: tuple[str, ...]  # normalise_header'd, in file order, unique
    # (row_number, {column: value}); row_number is the 1-based record number in the file
    # (the feature number in a GeoJSON/GeoPackage file)
    rows: Iterator[tuple[int, dict[str, str | None]]] = field(compare=False, repr=False)
    # GeoJSON/GeoPackage: rows carry GEOMETRY_X/GEOMETRY_Y (or GEOMETRY_PROBLEM) from the
    # feature's point, in the file's CRS (geometry_epsg; None when it declares none)
    has_geometry: bool = False
    geometry_epsg: int | None = None


Record = tuple[int, Sequence[Any]]  # (record number, raw cells)
Records = Generator[Record, None, None]


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
        raise _error(path, f"header_rows must be at least 1, got {header_rows}")
    suffix = path.suffix.lower()
    if suffix not in TEXT_SUFFIXES + EXCEL_SUFFIXES + GEO_SUFFIXES:
        expected = ", ".join(TEXT_SUFFIXES + EXCEL_SUFFIXES + GEO_SUFFIXES)
        raise _error(path, f"unsupported file type {suffix or '(none)'!r}; expected {expected}")
    try:
        if not path.is_file():
            reason = "is not a file" if path.exists() else "no such file"
            raise _error(path, reason)
        if path.stat().st_size == 0:
            raise _error(path, "the file is empty")
    except OSError as exc:
        raise _error(path, f"cannot open: {exc.strerror or exc}") from exc

    if suffix == ".json":
        json_table = _read_json_records(path)
        if json_table is not None:
            return json_table
    if suffix in GEO_SUFFIXES:
        return _read_geo(path)
    clean: Callable[[Any], str | None]
    if suffix in TEXT_SUFFIXES:
        encoding, delimiter, records = _open_text(path, encoding, suffix)
        clean = _clean_text
    else:
        encoding, delimiter = None, None
        records = _open_workbook(path, suffix)
        clean = clean_cell
    try:
        count, columns, rest = _read_header(path, records, header_rows)
    except BaseException:
        records.close()
        raise
    return Table(
        path=path,
        encoding=encoding,
        delimiter=delimiter,
        header_rows=count,
        columns=columns,
        rows=_rows(columns, rest, clean),
    )


def normalise_header(name: str) -> str:
    """A header cell as a column name: no BOM, line breaks removed together with the
    spaces around them, other whitespace runs collapsed to one space, ends stripped.

    `"대여소\\n번호"` → `"대여소번호"`, `"의료기관명 "` → `"의료기관명"`,
    `"x 좌표"` → `"x 좌표"`.
    """
    name = name.replace("\ufeff", "")
    joined = "".join(part.strip() for part in _LINE_BREAK.split(name))
    return " ".join(joined.split())


def clean_cell(value: object) -> str | None:
    """A cell as text, or None when blank.

    Whitespace (incl. no-break and full-width spaces) is stripped; empty cells and
    cells that are only `NULL`, `null`, `None` or `nan` become None. Nothing else is
    converted: numbers stay text. Workbook values become the text Excel shows: an
    integral float `123.0` → `"123"`, booleans `TRUE`/`FALSE`, dates ISO 8601.
    """
    if type(value) is str:
        return _clean_text(value)
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time():
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return _clean_text(str(value))


def _clean_text(value: str) -> str | None:
    text = value.strip()
    if text and (text[0] in _ZERO_WIDTH or text[-1] in _ZERO_WIDTH):
        while text and (text[0] in _ZERO_WIDTH or text[0].isspace()):
            text = text[1:]
        while text and (text[-1] in _ZERO_WIDTH or text[-1].isspace()):
            text = text[:-1]
    if not text or text in NULL_TOKENS:
        return None
    return text


def _error(path: Path, reason: str, record: int | None = None) -> ReadError:
    where = str(path).replace("\n", "\\n").replace("\r", "\\r")
    if record is not None:
        where += f": record {record}"
    return ReadError(f"{where}: {' '.join(reason.split())}")


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200] or type(exc).__name__


# --- text files -----------------------------------------------------------------------


def _open_text(path: Path, encoding: str | None, suffix: str) -> tuple[str, str, Records]:
    try:
        with path.open("rb") as f:
            head = f.read(SAMPLE_BYTES)
            # UTF-16 text is full of NUL bytes
            wide = head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
            if encoding is not None:
                wide = wide or _codec_name(path, encoding).startswith(("utf-16", "utf-32"))
            if not wide:
                _refuse_binary(path, head)
            if encoding is None:
                encoding = _sniff_encoding(path, head, f)
    except OSError as exc:
        raise _error(path, f"cannot read: {exc.strerror or exc}") from exc

    if suffix == ".tsv":
        delimiter = "\t"
    else:
        delimiter = _sniff_delimiter(head.decode(encoding, errors="replace"))
    try:
        stream = path.open(encoding=encoding, newline="", errors="strict")
    except OSError as exc:
        raise _error(path, f"cannot open: {exc.strerror or exc}") from exc
    # The csv module's limit is process-wide; ours is the same for every table.
    csv.field_size_limit(MAX_CELL_CHARS)
    return encoding, delimiter, _text_records(path, stream, delimiter, encoding)


def _codec_name(path: Path, encoding: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise _error(path, f"unknown encoding {encoding!r}") from None


def _refuse_binary(path: Path, head: bytes) -> None:
    for magic, kind in _MAGIC_KINDS:
        if head.startswith(magic):
            raise _error(path, f"not a text table: the content is {kind}")
    if b"\x00" in head:
        if _looks_utf16(head):
            raise _error(
                path,
                "not a text table as it stands: it looks like UTF-16 without a byte-order mark;"
                " give the encoding explicitly (--encoding utf-16-le or utf-16-be)",
            )
        raise _error(path, "not a text table: it contains binary data (NUL bytes)")
    controls = sum(head.count(byte) for byte in _CONTROL_BYTES)
    if controls * 100 > len(head):
        raise _error(path, "not a text table: it contains binary data (control bytes)")


def _looks_utf16(head: bytes) -> bool:
    """Text of ASCII-range characters in UTF-16: a NUL in every other byte, on one side."""
    even, odd = head[0::2].count(0), head[1::2].count(0)
    return max(even, odd) * 4 >= len(head) and min(even, odd) * 20 <= max(even, odd)


def _sniff_encoding(path: Path, head: bytes, rest: BinaryIO) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    probe = head
    if probe.isascii():
        # An ASCII head says nothing; probe the first chunk that has other bytes. It
        # starts on a character boundary because everything before it was ASCII.
        while chunk := rest.read(SAMPLE_BYTES):
            if not chunk.isascii():
                probe = chunk
                break
    tried = ("utf-8", "cp949")
    for candidate in tried:
        # final=False: the probe may end in the middle of a multibyte character.
        decoder = codecs.getincrementaldecoder(candidate)("strict")
        try:
            decoder.decode(probe, final=False)
        except UnicodeDecodeError:
            continue
        return candidate
    raise _error(
        path,
        f"cannot decode the text as any of {', '.join(tried)} (strict); "
        "give its encoding explicitly (--encoding, e.g. euc-kr)",
    )


def _sniff_delimiter(head: str) -> str:
    counts = dict.fromkeys(DELIMITERS, 0)
    in_quotes = False
    seen = False
    for char in head:
        if char == '"':
            in_quotes = not in_quotes
            seen = True
        elif in_quotes:
            continue
        elif char in counts:
            counts[char] += 1
            seen = True
        elif char in "\r\n":
            if seen:
                break
        elif not char.isspace():
            seen = True
    best = max(DELIMITERS, key=lambda d: counts[d])  # max keeps the first of equals
    return best if counts[best] else ","


class _LineTooLong(Exception):
    pass


class _Lines:
    """Physical lines of a text stream, each bounded in length, noting when EOF is hit."""

    def __init__(self, stream: TextIO) -> None:
        self._readline = stream.readline
        self.at_eof = False
        self.last = ""

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = self._readline(MAX_LINE_CHARS)
        if not line:
            self.at_eof = True
            raise StopIteration
        if len(line) == MAX_LINE_CHARS and line[-1] not in "\r\n":
            raise _LineTooLong
        self.last = line
        return line


class _Unterminated(list[str]):
    """The cells of a record that ends the file without a line break."""


def _text_records(path: Path, stream: TextIO, delimiter: str, encoding: str) -> Records:
    lines = _Lines(stream)
    reader = csv.reader(lines, delimiter=delimiter)
    number = 0
    try:
        for number, record in enumerate(reader, start=1):
            # The reader only asks for more lines after EOF when a quoted field is open.
            if lines.at_eof:
                raise _error(
                    path,
                    "a quoted field is not closed before the end of the file (truncated file?)",
                    number,
                )
            # readline returns a line without its break only at the end of the file
            yield number, (_Unterminated(record) if lines.last[-1:] not in "\r\n" else record)
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            reason = f"a cell is longer than {MAX_CELL_CHARS:,} characters"
        else:
            reason = f"malformed CSV ({_one_line(exc)})"
        raise _error(path, reason, number + 1) from exc
    except _LineTooLong:
        raise _error(
            path, f"a line is longer than {MAX_LINE_CHARS:,} characters", number + 1
        ) from None
    except UnicodeDecodeError as exc:
        offset, holder = _undecodable_at(path, encoding, delimiter)
        raise _error(
            path,
            f"byte {offset:,} is not valid {encoding} ({exc.reason}); "
            "give the file's encoding explicitly (--encoding)",
            holder,
        ) from exc
    except OSError as exc:
        raise _error(path, f"cannot read: {exc.strerror or exc}", number + 1) from exc
    finally:
        stream.close()


def _undecodable_at(path: Path, encoding: str, delimiter: str) -> tuple[int, int | None]:
    """The byte offset of the first undecodable byte and the record holding it.

    The text stream decodes ahead of the csv reader, so its failure does not tell.
    """
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    offset = 0
    with path.open("rb") as f:
        while True:
            chunk = f.read(SAMPLE_BYTES)
            pending = len(decoder.getstate()[0])
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                bad = offset - pending + exc.start
                break
            if not chunk:
                return offset, None
            offset += len(chunk)
        f.seek(0)
        valid = f.read(bad).decode(encoding)
    # A stand-in character for the bad byte ends up in the record that holds it.
    stand_in = io.StringIO(valid + "\ufffd", newline="")
    return bad, sum(1 for _ in csv.reader(stand_in, delimiter=delimiter))


# --- workbooks ------------------------------------------------------------------------


def _open_workbook(path: Path, suffix: str) -> Records:
    try:
        with path.open("rb") as f:
            magic = f.read(len(_OLE_MAGIC))
    except OSError as exc:
        raise _error(path, f"cannot open: {exc.strerror or exc}") from exc
    # Trust the content over the name: portals hand out xlsx files named .xls and back.
    if magic.startswith(_ZIP_MAGIC):
        return _xlsx_records(path)
    if magic.startswith(_OLE_MAGIC):
        return _xls_records(path)
    expected = "a zip archive" if suffix == ".xlsx" else "an OLE document"
    raise _error(path, f"not an {suffix} workbook: the content is not {expected}")


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
        raise _error(path, f"not a readable .xlsx workbook ({_one_line(exc)})") from exc
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
        raise _error(
            path, f"not an .xlsx workbook: a broken zip archive ({_one_line(exc)})"
        ) from exc
    if len(members) > MAX_XLSX_MEMBERS:
        raise _error(path, f"refusing a workbook of {len(members):,} zip members")
    unpacked = sum(m.file_size for m in members)
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise _error(path, _too_big(unpacked))
    for m in members:
        if m.file_size > 1 << 20 and m.file_size > MAX_XLSX_RATIO * max(m.compress_size, 1):
            raise _error(
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
                    raise _error(path, _too_big(inflated, at_least=True))
    except (OSError, zlib.error, struct.error) as exc:
        raise _error(
            path, f"not an .xlsx workbook: a broken zip archive ({_one_line(exc)})"
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
    if len(header) < 30 or not header.startswith(_ZIP_MAGIC):
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
        raise _error(path, f"not a readable .xls workbook ({_one_line(exc)})") from exc
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


# --- JSON records (API dumps) ---------------------------------------------------------


def _read_json_records(path: Path) -> Table | None:
    """A JSON file's array of records as a table; None for GeoJSON (read with GDAL)."""
    from etl import json_records

    try:
        if path.stat().st_size > json_records.MAX_JSON_BYTES:
            limit = json_records.MAX_JSON_BYTES // 2**20
            raise _error(path, f"refusing a JSON file over {limit} MiB")
        raw = path.read_bytes()
    except OSError as exc:
        raise _error(path, f"cannot read: {exc.strerror or exc}") from exc
    try:
        doc = json_records.decode(raw)
    except (ValueError, RecursionError) as exc:
        raise _error(path, f"not a readable JSON file ({_one_line(exc)})") from exc
    if json_records.is_geo(doc):
        return None
    found = json_records.find_records(doc)
    if not found:
        raise _error(path, "no array of records in the JSON document (and it is not GeoJSON)")
    keys = json_records.columns_of(found)
    columns = _unique([normalise_header(k) for k in keys])
    return Table(
        path=path,
        encoding=None,
        delimiter=None,
        header_rows=1,
        columns=columns,
        rows=_rows(columns, json_records.rows_of(found, keys), clean_cell),
    )


# --- GeoJSON and GeoPackage -----------------------------------------------------------


def _read_geo(path: Path) -> Table:
    import pyogrio

    kind = "GeoPackage" if path.suffix.lower() == ".gpkg" else "GeoJSON"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # GDAL's notes on odd files
            info = pyogrio.read_info(path, layer=0)
    except Exception as exc:  # pyogrio raises several DataSourceError types
        raise _error(path, f"not a readable {kind} file ({_one_line(exc)})") from exc
    names = [str(n) for n in info["fields"]]
    if not names:
        raise _error(path, f"no attribute fields (the {kind} layer has no columns)")
    columns = _unique([normalise_header(n) for n in names])
    has_geometry = info.get("geometry_type") not in (None, "None")
    return Table(
        path=path,
        encoding=None,
        delimiter=None,
        header_rows=1,
        columns=columns,
        rows=_geo_rows(path, kind, names, columns, has_geometry),
        has_geometry=has_geometry,
        geometry_epsg=_epsg(info.get("crs")) if has_geometry else None,
    )


def _epsg(crs: str | None) -> int | None:
    if not crs:
        return None
    if "CRS84" in crs.upper():
        return 4326
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    try:
        return CRS.from_user_input(crs).to_epsg()
    except CRSError:
        return None


def _geo_rows(
    path: Path, kind: str, names: Sequence[str], columns: Sequence[str], has_geometry: bool
) -> Iterator[tuple[int, dict[str, str | None]]]:
    import pyogrio
    import shapely

    start = 0
    while True:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                _meta, _fids, geometry, fields = pyogrio.raw.read(
                    path,
                    layer=0,
                    columns=list(names),
                    read_geometry=has_geometry,
                    skip_features=start,
                    max_features=GEO_BATCH,
                )
        except Exception as exc:  # pyogrio raises several DataSourceError types
            raise _error(path, f"not a readable {kind} file ({_one_line(exc)})", start + 1) from exc
        values = [f.tolist() for f in fields]
        count = len(values[0]) if values else 0
        shapes = shapely.from_wkb(geometry, on_invalid="ignore") if has_geometry else None
        for i in range(count):
            row = {col: clean_cell(values[j][i]) for j, col in enumerate(columns)}
            if shapes is not None:
                row.update(_point_cells(shapes[i]))
            yield start + i + 1, row
        if count < GEO_BATCH:
            return
        start += count


def _point_cells(shape: Any) -> dict[str, str | None]:
    """A feature's point as GEOMETRY_X/GEOMETRY_Y text, or why it has none."""
    if shape is None or shape.is_empty:
        return {GEOMETRY_X: None, GEOMETRY_Y: None}
    if shape.geom_type == "MultiPoint" and len(shape.geoms) == 1:
        shape = shape.geoms[0]
    if shape.geom_type != "Point":
        return {
            GEOMETRY_X: None,
            GEOMETRY_Y: None,
            GEOMETRY_PROBLEM: f"a {shape.geom_type}, not a point",
        }
    return {GEOMETRY_X: clean_cell(float(shape.x)), GEOMETRY_Y: clean_cell(float(shape.y))}


# --- header and rows ------------------------------------------------------------------


def _read_header(
    path: Path, records: Records, header_rows: int | None
) -> tuple[int, tuple[str, ...], Iterator[Record]]:
    first: list[str] | None = None
    stream: Iterator[Record] = records
    if header_rows is None:
        first, stream = _find_header(records)
    else:
        for _, cells in stream:
            parts = [normalise_header(clean_cell(c) or "") for c in cells]
            if any(parts):
                first = parts
                break
    if first is None:
        raise _error(path, "no header row (the table has no non-empty record)")

    header = [first]
    pending: list[Record] = []
    if header_rows is None:
        while len(header) < MAX_HEADER_ROWS:
            record = next(stream, None)
            if record is None:
                break
            parts = [normalise_header(clean_cell(c) or "") for c in record[1]]
            if not _continues_header(first, parts):
                pending.append(record)
                break
            header.append(parts)
    else:
        while len(header) < header_rows:
            record = next(stream, None)
            if record is None:
                raise _error(
                    path, f"expected {header_rows} header records, found only {len(header)}"
                )
            header.append([normalise_header(clean_cell(c) or "") for c in record[1]])
    return len(header), _merge_header(header), chain(pending, stream)


def _find_header(records: Iterator[Record]) -> tuple[list[str] | None, Iterator[Record]]:
    """The header record among the first HEADER_SEARCH non-empty ones, and the records
    after it: the first record that fills at least half as many cells as the widest of
    them (and two at least, when any record has two) with at most a quarter of its cells
    data-like (numbers, dates, phone numbers). Title lines, date lines (`기준일,2024-05-01`)
    and notes above a header fill one or two cells, or hold data, and are skipped."""
    ahead: list[tuple[Record, list[str]]] = []
    for record in records:
        parts = [normalise_header(clean_cell(c) or "") for c in record[1]]
        if any(parts):
            ahead.append((record, parts))
            if len(ahead) >= HEADER_SEARCH:
                break
    if not ahead:
        return None, records
    widths = [sum(1 for p in parts if p) for _, parts in ahead]
    need = max(min(2, max(widths)), (max(widths) + 1) // 2)
    at = 0
    for i, (_, parts) in enumerate(ahead):
        filled = [p for p in parts if p]
        data_like = sum(1 for p in filled if _DATA_LIKE.fullmatch(p))
        if len(filled) >= need and 4 * data_like <= len(filled):
            at = i
            break
    rest = (record for record, _ in ahead[at + 1 :])
    return ahead[at][1], chain(rest, records)


def _continues_header(first: Sequence[str], parts: Sequence[str]) -> bool:
    named = _trim(first)
    filled = [i for i, part in enumerate(parts) if part]
    return (
        "" in named
        and bool(filled)
        and not parts[0]
        and filled[-1] < len(named)
        and 2 * len(filled) <= len(named)
        and not any(_DATA_LIKE.fullmatch(parts[i]) for i in filled)
    )


def _trim(parts: Sequence[str]) -> list[str]:
    end = len(parts)
    while end and not parts[end - 1]:
        end -= 1
    return list(parts[:end])


def _merge_header(header: Sequence[Sequence[str]]) -> tuple[str, ...]:
    first = header[0]
    width = max(len(parts) for parts in header)
    names: list[str] = []
    groups: list[str] = []
    group = ""
    for i in range(width):
        top = first[i] if i < len(first) else ""
        group = top or group
        below = "".join(parts[i] for parts in header[1:] if i < len(parts))
        names.append(below or top)
        groups.append(group if below else "")
    names = _trim(names)
    taken: dict[str, int] = {}
    for name in names:
        taken[name] = taken.get(name, 0) + 1
    for i, name in enumerate(names):
        if name and taken[name] > 1 and groups[i] and groups[i] != name:
            names[i] = groups[i] + name
    return _unique(names)


def _unique(names: Sequence[str]) -> tuple[str, ...]:
    names = [name or f"_col{i}" for i, name in enumerate(names, start=1)]
    reserved = set(names)
    used: set[str] = set()
    unique = []
    for name in names:
        candidate, n = name, 1
        # a suffixed name must not take a name the file itself uses later on
        while candidate in used or (n > 1 and candidate in reserved):
            n += 1
            candidate = f"{name}_{n}"
        used.add(candidate)
        unique.append(candidate)
    return tuple(unique)


def _rows(
    columns: tuple[str, ...],
    records: Iterator[Record],
    clean: Callable[[Any], str | None],
) -> Iterator[tuple[int, dict[str, str | None]]]:
    width = len(columns)
    for number, cells in records:
        values = [clean(c) for c in cells]
        if not any(values):
            continue
        row = dict(zip(columns, values, strict=False))
        if len(values) < width:
            row.update(dict.fromkeys(columns[len(values) :]))
            if isinstance(cells, _Unterminated):
                row[TRUNCATED_ROW] = (
                    f"the file ends after {len(cells)} of the {width} cells of this row"
                )
        elif len(values) > width:
            for i in range(width, len(values)):
                if values[i] is not None:
                    row[f"_extra{i + 1}"] = values[i]
        yield number, row
