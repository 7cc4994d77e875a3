"""What every reader returns and shares: the `Table`, the one-line `ReadError`, and how cells
and header names are cleaned."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# bytes read at a time: sniffing a text file, inflating a workbook's zip members
SAMPLE_BYTES = 256 * 1024
NULL_TOKENS = frozenset({"NULL", "null", "None", "nan"})

# Extra keys of a row (never header names: a header name never starts with "_" + these).
# The point of a GeoJSON/GeoPackage feature, as text, and why a feature has none.
GEOMETRY_X = "_geometry_x"
GEOMETRY_Y = "_geometry_y"
GEOMETRY_PROBLEM = "_geometry_problem"
# Set on the last record of a text file that ends, without a line break, before the
# record has all its cells: the file was cut off in the middle of that row.
TRUNCATED_ROW = "_truncated_row"

# the first bytes of a workbook: xlsx is a zip archive, xls an OLE document
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZERO_WIDTH = "\u200b\ufeff"
_LINE_BREAK = re.compile(r"\r\n|[\r\n\u2028\u2029\x85]")


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


class Unterminated(list[str]):
    """The cells of a record that ends the file without a line break."""


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
        return clean_text(value)
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
    return clean_text(str(value))


def clean_text(value: str) -> str | None:
    text = value.strip()
    if text and (text[0] in _ZERO_WIDTH or text[-1] in _ZERO_WIDTH):
        while text and (text[0] in _ZERO_WIDTH or text[0].isspace()):
            text = text[1:]
        while text and (text[-1] in _ZERO_WIDTH or text[-1].isspace()):
            text = text[:-1]
    if not text or text in NULL_TOKENS:
        return None
    return text


def read_error(path: Path, reason: str, record: int | None = None) -> ReadError:
    where = str(path).replace("\n", "\\n").replace("\r", "\\r")
    if record is not None:
        where += f": record {record}"
    return ReadError(f"{where}: {' '.join(reason.split())}")


def one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200] or type(exc).__name__
