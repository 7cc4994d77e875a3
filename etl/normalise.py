"""Header → source-schema matching and row mapping: the data-driven half of normalisation."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from etl.read import GEOMETRY_X, GEOMETRY_Y
from layers.spec import LayerSpec, SourceSchema

if TYPE_CHECKING:
    from etl.infer import Inference

_SPACE = re.compile(r"\s+")


class UnknownSchema(ValueError):
    """A header that matches none of a layer's source schemas."""

    def __init__(
        self,
        layer_id: str,
        closest: str | None,
        missing: Sequence[str],
        *,
        source: str | None = None,
        kind: str | None = None,
    ) -> None:
        self.layer_id = layer_id
        self.closest = closest
        self.missing = tuple(missing)
        self.source = source
        hint = (
            f"; closest known schema {closest!r} lacks columns: {', '.join(missing)}"
            if closest
            else ""
        )
        what = f"{layer_id} ({kind})" if kind else layer_id
        where = f"{source}: " if source else ""
        super().__init__(f"{where}the header matches no known {what} source schema{hint}")


def header_key(name: str) -> str:
    """The form in which header names and aliases are compared: no whitespace, case-folded."""
    return _SPACE.sub("", name.replace("\ufeff", "")).casefold()


@dataclass(frozen=True)
class SchemaMatch:
    schema: SourceSchema
    column_for: Mapping[str, str]  # canonical field -> column name in the file
    name: str = ""  # what the report calls it (default: the schema id)
    origin: str = "declared"  # declared | saved | inferred | given (--columns)
    # a part of a cell as a column: part column -> (the file's column, index of the part
    # in a "lat,lon" pair)
    split: Mapping[str, tuple[str, int]] = field(default_factory=dict)
    mapping: tuple[str, ...] = ()  # column -> role lines with the evidence (not declared)
    inference: Inference | None = None  # the roles of a saved or inferred schema

    @property
    def label(self) -> str:
        return self.name or self.schema.id

    def map_row(self, row: Mapping[str, str | None]) -> dict[str, str | None]:
        if not self.split:
            return {f: row.get(col) for f, col in self.column_for.items()}
        return {f: _part(row, col, self.split) for f, col in self.column_for.items()}


_PAIR_SPLIT = re.compile(r"[,/\s]+")


def _part(
    row: Mapping[str, str | None], column: str, split: Mapping[str, tuple[str, int]]
) -> str | None:
    if column not in split:
        return row.get(column)
    source, index = split[column]
    text = row.get(source)
    if not text:
        return None
    parts = [p for p in _PAIR_SPLIT.split(text.strip("() ")) if p]
    return parts[index] if len(parts) == 2 else None


def match_columns(
    schema: SourceSchema, columns: Sequence[str], *, geometry: bool = False
) -> tuple[dict[str, str], list[str]]:
    """The columns found for each canonical field, and the required fields not found.

    With `geometry` (a GeoJSON/GeoPackage table) the schema's coordinate fields come from
    the features' points, whatever the attribute columns say.
    """
    by_key: dict[str, str] = {}
    for column in columns:
        by_key.setdefault(header_key(column), column)
    found: dict[str, str] = {}
    for field_name, aliases in schema.columns.items():
        for alias in aliases:
            col = by_key.get(header_key(alias))
            if col is not None:
                found[field_name] = col
                break
    if geometry and schema.coords is not None:
        found[schema.coords.x] = GEOMETRY_X
        found[schema.coords.y] = GEOMETRY_Y
    missing = [f for f in schema.required if f not in found]
    missing_columns = [schema.columns[f][0] if schema.columns.get(f) else f for f in missing]
    return found, missing_columns


def match_schema(
    spec: LayerSpec,
    columns: Sequence[str],
    *,
    kind: str | None = None,
    geometry: bool = False,
    source: str | None = None,
) -> SchemaMatch:
    """The schema whose required fields are all present and that maps the most columns.

    Names are compared by `header_key` (no whitespace or BOM, case-folded), in any column
    order. UnknownSchema names the closest schema (most fields found, fewest missing) and
    the columns it lacks; `source` (the file) prefixes its message.
    """
    best: SchemaMatch | None = None
    best_score = -1
    closest: tuple[int, str, list[str]] | None = None
    for schema in spec.schemas:
        if kind is not None and schema.kind != kind:
            continue
        found, missing = match_columns(schema, columns, geometry=geometry)
        if not missing:
            if len(found) > best_score:
                best, best_score = SchemaMatch(schema, found), len(found)
        elif closest is None or len(found) - len(missing) > closest[0]:
            closest = (len(found) - len(missing), schema.id, missing)
    if best is None:
        raise UnknownSchema(
            spec.id,
            closest[1] if closest else None,
            closest[2] if closest else (),
            source=source,
            kind=kind,
        )
    return best
