"""Helpers reading the real source files for the layer-spec tests.

Headers are matched to a schema's aliases by `etl.normalise.match_columns`, the loader's own
matching (case-insensitive, whitespace removed), so the tests check what the loader does.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

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


def schema_columns(
    spec: LayerSpec, source: registry.Source
) -> tuple[list[str], dict[str, str | None]]:
    """The header of a registry source's file, checked to match exactly the source's schema, and
    the column each field of that schema finds there (None: no column)."""
    columns, _ = read_rows(source_file(source.path))
    assert [s.id for s in matching_schemas(spec, columns)] == [source.schema]
    schema = spec.schema(source.schema)
    return columns, {f: column_for(a, columns) for f, a in schema.columns.items()}


def unmatched(found: dict[str, str | None]) -> list[str]:
    """The fields of `schema_columns` that found no column."""
    return [f for f, column in found.items() if column is None]


def assert_props_are_the_fields(spec: LayerSpec, normalised: Rows) -> None:
    """Every normalised row carries exactly the spec's fields as props."""
    names = {f.name for f in spec.fields}
    for rows in normalised.values():
        for _, n in rows:
            assert set(n.props) == names


def the_row_named(rows: list[tuple[Row, Normalised]], name: str) -> tuple[Row, Normalised]:
    """The one row named `name`."""
    hits = [(r, n) for r, n in rows if n.name == name]
    assert len(hits) == 1, f"{len(hits)} rows named {name!r}"
    return hits[0]


def a_row_named(rows: list[tuple[Row, Normalised]], name: str) -> tuple[Row, Normalised]:
    """The first of the rows named `name` (there is at least one)."""
    hits = [(r, n) for r, n in rows if n.name == name]
    assert hits, f"no row named {name!r}"
    return hits[0]


def normalised_fixture(spec: LayerSpec, sources: Sequence[registry.Source]) -> Any:
    """A module-scoped `normalised` fixture: `normalise_all(spec, sources)`, read once."""

    @pytest.fixture(scope="module")
    def normalised() -> Rows:
        return normalise_all(spec, sources)

    return normalised


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
