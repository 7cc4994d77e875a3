"""`sharemap schema add/list/remove`: the user's saved column mappings (etl.saved_schemas)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from etl import saved_schemas
from etl.infer import UnsureMapping
from etl.normalise import UnknownSchema, match_schema
from etl.read import GEOMETRY_X, GEOMETRY_Y, ReadError, read_table
from etl.recognise import recognise
from layers import registry

EXIT_OK, EXIT_FAILED = 0, 1


def schema_command(args: argparse.Namespace, directory: Path) -> int:
    try:
        if args.schema_command == "add":
            return _add(args, directory)
        if args.schema_command == "remove":
            saved_schemas.remove(directory, args.layer, args.name)
            print(f"{args.layer}: saved schema {args.name!r} removed")
            return EXIT_OK
        return _list(args.layer, directory)
    except (saved_schemas.SavedSchemaError, ReadError, UnsureMapping, OSError) as exc:
        print(f"sharemap: {exc}", file=sys.stderr)
        return EXIT_FAILED


def _add(args: argparse.Namespace, directory: Path) -> int:
    spec = registry.get(args.layer)
    name = saved_schemas.check_name(args.name or saved_schemas.default_name(args.file))
    if name in {s.id for s in spec.schemas}:
        raise saved_schemas.SavedSchemaError(
            f"{name!r} is a declared schema of {spec.id}; choose another --name"
        )
    table = read_table(args.file, encoding=args.encoding)
    if not args.columns:
        try:
            declared = match_schema(spec, table.columns, geometry=table.has_geometry)
        except UnknownSchema:
            pass
        else:
            raise saved_schemas.SavedSchemaError(
                f"{args.file}: the declared schema {declared.schema.id!r} of {spec.id} reads"
                " this file already; nothing saved (--columns saves a mapping of your own)"
            )
    _, match = recognise(
        spec, table, source=str(args.file), given=args.columns or None, infer_only=True
    )
    inf = match.inference
    assert inf is not None  # recognise(infer_only=True) always infers
    roles = {r: c for r, c in inf.roles.items() if c not in (GEOMETRY_X, GEOMETRY_Y)}
    saved = saved_schemas.SavedSchema(
        layer=spec.id,
        name=name,
        rule=match.schema.id,
        roles=roles,
        combined=inf.combined,
        lat_first=inf.lat_first,
        key_unique=inf.key_unique,
        key_partner=inf.key_partner,
        header=tuple(table.columns),
    )
    replaced = saved_schemas.path_of(directory, spec.id, name).exists()
    path = saved_schemas.save(directory, saved)
    print(f"{spec.id}: {'replaced' if replaced else 'saved'} schema {name!r} (rule {saved.rule}):")
    for line in match.mapping:
        print(f"  {line}")
    print(f"written to {path}; files of this layout are now read with it")
    return EXIT_OK


def _list(layer: str | None, directory: Path) -> int:
    for layer_id in [layer] if layer else list(registry.LAYER_IDS):
        spec = registry.get(layer_id)
        print(f"{layer_id}:")
        for s in spec.schemas:
            kind = "" if s.kind == "features" else f" ({s.kind})"
            print(f"  declared  {s.id}{kind}: requires {', '.join(s.required)}")
        for saved in saved_schemas.load(directory, layer_id):
            print(f"  saved     {saved.describe()}")
    print(f"saved schemas are kept in {directory}")
    return EXIT_OK
