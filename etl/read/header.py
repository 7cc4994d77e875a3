"""Header finding: the header record under title and date lines, a merged-cell header
flattened into several records joined into one name per column, and rows keyed by those names."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from itertools import chain
from pathlib import Path
from typing import Any

from etl.read.table import (
    TRUNCATED_ROW,
    Record,
    Records,
    Unterminated,
    clean_cell,
    normalise_header,
    read_error,
)

MAX_HEADER_ROWS = 6
# Records looked at to find the header under title lines, date lines and blank rows.
HEADER_SEARCH = 20
# Numbers, coordinates, dates, times, phone numbers: never part of a header.
_DATA_LIKE = re.compile(r"[-+]?[\d\s.,:/~()%-]*\d[\d\s.,:/~()%-]*")


def read_header(
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
        raise read_error(path, "no header row (the table has no non-empty record)")

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
                raise read_error(
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
    return unique_names(names)


def unique_names(names: Sequence[str]) -> tuple[str, ...]:
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


def table_rows(
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
            if isinstance(cells, Unterminated):
                row[TRUNCATED_ROW] = (
                    f"the file ends after {len(cells)} of the {width} cells of this row"
                )
        elif len(values) > width:
            for i in range(width, len(values)):
                if values[i] is not None:
                    row[f"_extra{i + 1}"] = values[i]
        yield number, row
