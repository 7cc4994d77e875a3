"""Helpers reading the real source files for the layer-spec tests.

Headers are matched to a schema's aliases by `etl.normalise.match_columns`, the loader's own
matching (case-insensitive, whitespace removed), so the tests check what the loader does.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from etl.normalise import match_columns
from etl.read import read_table
from layers import registry
from layers.spec import LayerSpec, Normalised, SourceSchema

SOURCE_DIR = Path(
    os.environ.get("SHAREMAP_SOURCE_DIR")
    or Path(__file__).resolve().parents[2].parent / "shared/data/real"
)

Row = dict[str, str | None]
Rows = dict[str, list[tuple[Row, Normalised]]]


def source_file(name: str) -> Path:
    """The real file `name` (a path under SOURCE_DIR); skips the test when it is absent."""
    path = SOURCE_DIR / name
    if not path.is_file():
        pytest.skip(f"real source file missing: {path}")
    return path


def read_rows(path: Path) -> tuple[list[str], Iterator[Row]]:
    """The header and the raw rows of one file."""
    table = read_table(path)
    return list(table.columns), (row for _, row in table.rows)


def column_for(aliases: Sequence[str], columns: Sequence[str]) -> str | None:
    """The column carrying one of `aliases`, or None."""
    probe = SourceSchema(id="probe", columns={"field": tuple(aliases)}, required=(), coords=None)
    found, _ = match_columns(probe, columns)
    return found.get("field")


def matching_schemas(spec: LayerSpec, columns: Sequence[str]) -> list[SourceSchema]:
    """The schemas whose required fields all find a column in the header."""
    return [s for s in spec.schemas if not match_columns(s, columns)[1]]


def _mapped(schema: SourceSchema, columns: Sequence[str], rows: Iterator[Row]) -> Iterator[Row]:
    found, _ = match_columns(schema, columns)
    for row in rows:
        yield {f: (row.get(found[f]) if f in found else None) for f in schema.columns}


def mapped_rows(path: Path, schema: SourceSchema) -> Iterator[Row]:
    """The rows of the file at `path`, keyed by `schema`'s canonical fields."""
    columns, rows = read_rows(path)
    return _mapped(schema, columns, rows)


def mapped_source_rows(spec: LayerSpec, source: registry.Source) -> tuple[list[str], Iterator[Row]]:
    """The header of a registry source's file, and its rows keyed by its schema's fields."""
    columns, rows = read_rows(source_file(source.path))
    return columns, _mapped(spec.schema(source.schema), columns, rows)


def normalise_all(spec: LayerSpec, sources: Sequence[registry.Source]) -> Rows:
    """Every real row of every given file: (mapped row, the spec's Normalised), by file name."""
    out: Rows = {}
    for source in sources:
        schema = spec.schema(source.schema)
        out[source.file_name] = [
            (row, spec.normalise(schema.id, row))
            for row in mapped_rows(source_file(source.path), schema)
        ]
    return out
