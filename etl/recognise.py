"""Which schema reads a table: a declared one (layer spec), else a saved one (the user's),
else the columns' roles inferred from the header and the first rows (etl.infer)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from itertools import chain, islice
from pathlib import Path

from etl import saved_schemas
from etl.infer import UnsureMapping, build_match, choose_rule, infer
from etl.normalise import SchemaMatch, UnknownSchema, header_key, match_schema
from etl.read import GEOMETRY_X, GEOMETRY_Y, Table
from layers.spec import LayerSpec

# Rows whose values the inference looks at.
SAMPLE_ROWS = 2000


def recognise(
    spec: LayerSpec,
    table: Table,
    *,
    kind: str | None = None,
    source: str = "",
    given: Mapping[str, str] | None = None,
    schema_dir: Path | None = None,
    infer_only: bool = False,
) -> tuple[Table, SchemaMatch]:
    """The table (its rows intact) and the schema that reads it.

    Declared and saved schemas win over inference; `given` roles (--columns) skip them and
    settle those roles. `infer_only` skips them too (to measure inference alone). An
    inferred mapping unsure about the name or the coordinates raises UnsureMapping.
    """
    where = source or str(table.path)
    unknown = f"{where}: the columns were given with --columns"
    if infer_only:
        unknown = f"{where}: inference alone"
    if not given and not infer_only:
        try:
            return table, match_schema(
                spec, table.columns, kind=kind, geometry=table.has_geometry, source=source
            )
        except UnknownSchema as exc:
            unknown = str(exc)
        saved = saved_schemas.match_saved(
            spec, saved_schemas.load(schema_dir, spec.id), table.columns, kind
        )
        if saved is not None:
            return table, saved
    sample = list(islice(table.rows, SAMPLE_ROWS))
    table = replace(table, rows=chain(sample, table.rows))
    inf = infer(
        spec,
        table.columns,
        (row for _, row in sample),
        given=_given_columns(given or {}, table, source),
    )
    if table.has_geometry:
        for role in ("lat", "lon", "x", "y"):
            inf.roles.pop(role, None)
            inf.evidence.pop(role, None)
        inf.combined = None
        inf.unsure = [u for u in inf.unsure if u.startswith(("name", "no column"))]
        inf.roles.update(x=GEOMETRY_X, y=GEOMETRY_Y)
    if inf.unsure:
        raise UnsureMapping(inf.refusal(unknown))
    rule = choose_rule(spec, inf, kind)
    origin = "given" if given else "inferred"
    return table, build_match(spec, inf, rule, name=f"{origin} (rule {rule.id})", origin=origin)


def _given_columns(given: Mapping[str, str], table: Table, source: str) -> dict[str, str]:
    by_key = {header_key(c): c for c in table.columns}
    out = {}
    for role, column in given.items():
        found = by_key.get(header_key(column))
        if found is None:
            raise UnsureMapping(
                f"{source or table.path}: --columns {role}={column}: the file has no column"
                f" {column!r}; its columns: {', '.join(table.columns)}"
            )
        out[role] = found
    return out
