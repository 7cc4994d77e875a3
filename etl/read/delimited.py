"""Delimited text (CSV/TSV/TXT): the encoding sniffed (BOMs, UTF-8, else CP949), binary content
refused, the separator sniffed among `,` TAB `;`, and records read with bounded cells and lines."""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path
from typing import BinaryIO, TextIO

from etl.read.table import (
    OLE_MAGIC,
    SAMPLE_BYTES,
    ZIP_MAGIC,
    Records,
    Unterminated,
    one_line,
    read_error,
)

TEXT_SUFFIXES = (".csv", ".tsv", ".txt")
DELIMITERS = (",", "\t", ";")  # in order of preference when the header counts tie
MAX_CELL_CHARS = 1024 * 1024
MAX_LINE_CHARS = 16 * 1024 * 1024
_MAGIC_KINDS = (
    (ZIP_MAGIC, "a zip archive, e.g. an .xlsx workbook"),
    (OLE_MAGIC, "an OLE document, e.g. an .xls workbook"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"\x1f\x8b", "a gzip archive"),
)
_CONTROL_BYTES = bytes([*range(0x00, 0x09), *range(0x0E, 0x20), 0x7F])


def open_text(path: Path, encoding: str | None, suffix: str) -> tuple[str, str, Records]:
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
        raise read_error(path, f"cannot read: {exc.strerror or exc}") from exc

    if suffix == ".tsv":
        delimiter = "\t"
    else:
        delimiter = _sniff_delimiter(head.decode(encoding, errors="replace"))
    try:
        stream = path.open(encoding=encoding, newline="", errors="strict")
    except OSError as exc:
        raise read_error(path, f"cannot open: {exc.strerror or exc}") from exc
    # The csv module's limit is process-wide; ours is the same for every table.
    csv.field_size_limit(MAX_CELL_CHARS)
    return encoding, delimiter, _text_records(path, stream, delimiter, encoding)


def _codec_name(path: Path, encoding: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise read_error(path, f"unknown encoding {encoding!r}") from None


def _refuse_binary(path: Path, head: bytes) -> None:
    for magic, kind in _MAGIC_KINDS:
        if head.startswith(magic):
            raise read_error(path, f"not a text table: the content is {kind}")
    if b"\x00" in head:
        if _looks_utf16(head):
            raise read_error(
                path,
                "not a text table as it stands: it looks like UTF-16 without a byte-order mark;"
                " give the encoding explicitly (--encoding utf-16-le or utf-16-be)",
            )
        raise read_error(path, "not a text table: it contains binary data (NUL bytes)")
    controls = sum(head.count(byte) for byte in _CONTROL_BYTES)
    if controls * 100 > len(head):
        raise read_error(path, "not a text table: it contains binary data (control bytes)")


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
    raise read_error(
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


def _text_records(path: Path, stream: TextIO, delimiter: str, encoding: str) -> Records:
    lines = _Lines(stream)
    reader = csv.reader(lines, delimiter=delimiter)
    number = 0
    try:
        for number, record in enumerate(reader, start=1):
            # The reader only asks for more lines after EOF when a quoted field is open.
            if lines.at_eof:
                raise read_error(
                    path,
                    "a quoted field is not closed before the end of the file (truncated file?)",
                    number,
                )
            # readline returns a line without its break only at the end of the file
            yield number, (Unterminated(record) if lines.last[-1:] not in "\r\n" else record)
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            reason = f"a cell is longer than {MAX_CELL_CHARS:,} characters"
        else:
            reason = f"malformed CSV ({one_line(exc)})"
        raise read_error(path, reason, number + 1) from exc
    except _LineTooLong:
        raise read_error(
            path, f"a line is longer than {MAX_LINE_CHARS:,} characters", number + 1
        ) from None
    except UnicodeDecodeError as exc:
        offset, holder = _undecodable_at(path, encoding, delimiter)
        raise read_error(
            path,
            f"byte {offset:,} is not valid {encoding} ({exc.reason}); "
            "give the file's encoding explicitly (--encoding)",
            holder,
        ) from exc
    except OSError as exc:
        raise read_error(path, f"cannot read: {exc.strerror or exc}", number + 1) from exc
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
