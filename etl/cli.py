"""The ETL commands: `sharemap load`, `sharemap rollback`, `sharemap db upgrade`,
`sharemap sources`, `sharemap schema add/list/remove`, `sharemap tiles build`, and the
steward's `sharemap audit`."""

from __future__ import annotations

import argparse
import codecs
import logging
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from layers import registry
from layers.config import Config

if TYPE_CHECKING:
    from etl.load.report import LayerReport
    from layers.store import Store
    from layers.tilearchive import BuildResult

log = logging.getLogger(__name__)

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
_EPSG = re.compile(r"(?:EPSG:)?(\d{4,6})", re.IGNORECASE)


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message}")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="sharemap")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    layers = ", ".join((*registry.REFERENCE_IDS, *registry.LAYER_IDS))
    load = sub.add_parser(
        "load",
        help="load layers from the source files, or load given files into one layer",
        description="Load layers from the source directory, or FILEs into the one --layer.",
    )
    load.add_argument(
        "files",
        nargs="*",
        type=Path,
        metavar="FILE",
        help="CSV/TSV, xlsx/xls, GeoJSON or GeoPackage files to load as the --layer"
        " (boundaries for `regions`: GeoJSON, TopoJSON, GeoPackage, shapefile)",
    )
    load.add_argument(
        "--layer",
        action="append",
        dest="layers",
        metavar="L",
        help=f"a layer id (repeatable without FILEs; default: all): {layers}",
    )
    load.add_argument(
        "--append",
        action="store_true",
        help="add the FILEs' features to the current version (same id: the new one wins)",
    )
    load.add_argument(
        "--dry-run",
        action="store_true",
        help="read, recognise and validate, print the report and the changes; store nothing",
    )
    load.add_argument(
        "--force",
        action="store_true",
        help="load even if more than half of a layer's current features would go",
    )
    load.add_argument(
        "--crs", metavar="EPSG:NNNN", help="the FILEs' coordinate CRS (default: detected)"
    )
    load.add_argument(
        "--encoding", metavar="ENC", help="the FILEs' text encoding (default: sniffed)"
    )
    load.add_argument(
        "--columns",
        action="append",
        metavar="ROLE=COLUMN,...",
        help="the FILEs' columns for these roles, e.g. name=쉼터명칭,lat=위도,lon=경도"
        " (repeatable; roles: name, road_address, lot_address, lat, lon, x, y, phone, hours,"
        " fee, key and the layer's field names); the other roles are inferred",
    )
    load.add_argument("--source-dir", type=Path, help="input files directory (SHAREMAP_SOURCE_DIR)")
    load.add_argument("--database-url", help="PostGIS URL (DATABASE_URL)")
    load.add_argument(
        "--report-dir", type=Path, help="where reject reports go (SHAREMAP_REPORT_DIR)"
    )
    rollback = sub.add_parser("rollback", help="make the previous version of a layer current again")
    rollback.add_argument("--layer", required=True, metavar="L", help=f"a layer id: {layers}")
    rollback.add_argument("--database-url", help="PostGIS URL (DATABASE_URL)")
    db = sub.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_command", required=True, parser_class=_Parser)
    up = db_sub.add_parser("upgrade", help="create or migrate the schema (Alembic)")
    up.add_argument("--database-url", help="PostGIS URL (DATABASE_URL)")
    sub.add_parser("sources", help="list the input files and their datasets")
    audit = sub.add_parser(
        "audit", help="data-quality audit of the current versions, per layer and 시군구"
    )
    audit.add_argument("--layer", metavar="L", help=f"one layer (default: all): {layers}")
    audit.add_argument("--sido", metavar="S", help="one 시도, e.g. 서울특별시 or 서울")
    audit.add_argument("--format", choices=("md", "html", "json"), default="md")
    audit.add_argument("--out", type=Path, metavar="PATH", help="write here (default: stdout)")
    audit.add_argument("--database-url", help="PostGIS URL (DATABASE_URL)")
    schema = sub.add_parser("schema", help="saved column mappings of new file layouts")
    schema_sub = schema.add_subparsers(dest="schema_command", required=True, parser_class=_Parser)
    add = schema_sub.add_parser(
        "add",
        help="save the inferred (or given) column mapping of FILE for the files of its layout",
    )
    add.add_argument("file", type=Path, metavar="FILE")
    add.add_argument("--layer", required=True, metavar="L", help=f"a layer id: {layers}")
    add.add_argument(
        "--columns", action="append", metavar="ROLE=COLUMN,...", help="as for sharemap load"
    )
    add.add_argument("--name", help="the schema's name (default: from the file name)")
    add.add_argument("--encoding", metavar="ENC", help="FILE's text encoding (default: sniffed)")
    listing = schema_sub.add_parser("list", help="the declared and saved schemas")
    listing.add_argument("--layer", metavar="L", help=f"a layer id: {layers}")
    remove = schema_sub.add_parser("remove", help="delete a saved schema")
    remove.add_argument("--layer", required=True, metavar="L", help=f"a layer id: {layers}")
    remove.add_argument("name", metavar="NAME")
    tiles = sub.add_parser("tiles", help="the pre-built tile archive (PMTiles)")
    tiles_sub = tiles.add_subparsers(dest="tiles_command", required=True, parser_class=_Parser)
    build = tiles_sub.add_parser(
        "build", help="build the tile archive of the current layer versions (again)"
    )
    build.add_argument(
        "--max-zoom",
        type=int,
        choices=range(0, 15),
        metavar="Z",
        help="the deepest zoom in the archive, 0-14 (default 14; deeper tiles are built live)",
    )
    build.add_argument("--database-url", help="PostGIS URL (DATABASE_URL)")
    return p


def main(argv: Sequence[str]) -> int:
    try:
        args = _parser().parse_args(list(argv))
        if args.command == "load":
            _check_load_args(args)
        elif args.command == "rollback":
            _check_layer(args.layer, "rollback")
        elif args.command == "audit" and args.layer:
            _check_layer(args.layer)
        elif args.command == "schema":
            _check_schema_args(args)
    except UsageError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    config = Config.from_env()
    try:
        if args.command == "sources":
            return _sources(config)
        if args.command == "db":
            return _db_upgrade(args.database_url or config.DATABASE_URL)
        if args.command == "rollback":
            return _rollback(args, config)
        if args.command == "audit":
            return _audit(args, config)
        if args.command == "schema":
            from etl.schema_cli import schema_command

            return schema_command(args, config.data_dir / "schemas")
        if args.command == "tiles":
            return _tiles_build(args, config)
        return _load(args, config)
    except KeyboardInterrupt:
        print(
            "sharemap: interrupted; the previous version of each layer is still served",
            file=sys.stderr,
        )
        return EXIT_FAILED


def _check_layer(layer_id: str, command: str | None = None) -> None:
    """An unknown layer is a usage error; so is, for `command`, a layer written only with
    another (a companion layer, such as testing_sites)."""
    if layer_id not in (*registry.REFERENCE_IDS, *registry.LAYER_IDS):
        raise UsageError(str(registry.UnknownLayer(layer_id)))
    owner = registry.companion_owners().get(layer_id)
    if command is not None and owner is not None:
        raise UsageError(
            f"sharemap {command}: {layer_id} is derived and written together with {owner};"
            f" use --layer {owner}"
        )


def _check_load_args(args: argparse.Namespace) -> None:
    for layer_id in args.layers or ():
        _check_layer(layer_id, "load")
    if args.files:
        if not args.layers or len(set(args.layers)) != 1:
            raise UsageError("sharemap load: FILEs need exactly one --layer (the layer they load)")
        if args.append and args.layers[0] in registry.REFERENCE_IDS:
            raise UsageError(
                f"sharemap load: --append does not apply to {args.layers[0]!r}"
                " (boundary files replace the regions)"
            )
    else:
        given = [f for f in ("append", "crs", "encoding", "columns") if getattr(args, f)]
        if given:
            flags = ", ".join(f"--{f}" for f in given)
            raise UsageError(f"sharemap load: {flags} apply to FILEs, and none were given")
    if args.crs is not None:
        args.crs = _parse_crs(args.crs)
    args.columns = _parse_columns(args.columns, args.layers[0] if args.layers else None)
    if args.encoding is not None:
        try:
            codecs.lookup(args.encoding)
        except LookupError:
            raise UsageError(f"sharemap load: unknown encoding {args.encoding!r}") from None


def _parse_columns(texts: Sequence[str] | None, layer_id: str | None) -> dict[str, str]:
    from etl.infer import layer_roles, parse_columns

    if not texts or layer_id is None or layer_id in registry.REFERENCE_IDS:
        if texts:
            raise UsageError("sharemap: --columns applies to point layers' FILEs")
        return {}
    try:
        return parse_columns(texts, layer_roles(registry.get(layer_id)))
    except ValueError as exc:
        raise UsageError(f"sharemap: --columns: {exc}") from None


def _check_schema_args(args: argparse.Namespace) -> None:
    if args.layer is not None:
        _check_layer(args.layer, "schema")
        if args.layer in registry.REFERENCE_IDS:
            raise UsageError(f"sharemap schema: {args.layer!r} has no schemas to save")
    if args.schema_command == "add":
        args.columns = _parse_columns(args.columns, args.layer)
        if args.encoding is not None:
            try:
                codecs.lookup(args.encoding)
            except LookupError:
                raise UsageError(f"sharemap schema: unknown encoding {args.encoding!r}") from None


def _parse_crs(text: str) -> int:
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    m = _EPSG.fullmatch(text.strip())
    if m is None:
        raise UsageError(f"sharemap load: --crs takes EPSG:NNNN (e.g. EPSG:5186), got {text!r}")
    epsg = int(m.group(1))
    try:
        CRS.from_epsg(epsg)
    except CRSError:
        raise UsageError(f"sharemap load: unknown CRS EPSG:{epsg}") from None
    return epsg


def _fail(message: str) -> int:
    print(f"sharemap: {message}", file=sys.stderr)
    return EXIT_FAILED


def _db_upgrade(database_url: str | None) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from layers.store.postgis.migrate import upgrade

    if not database_url:
        return _fail("no database: set DATABASE_URL or pass --database-url")
    try:
        upgrade(database_url)
    except SQLAlchemyError as exc:
        message = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        if "postgis" in message.lower() and (
            "not available" in message or "control file" in message
        ):
            message += " (install the postgresql-15-postgis-3 package)"
        return _fail(f"database upgrade failed: {message}")
    print("database schema is up to date")
    return EXIT_OK


def _sources(config: Config) -> int:
    source_dir = config.source_dir
    print(f"source directory: {source_dir}")
    for s in registry.sources():
        here = "ok     " if (source_dir / s.path).exists() else "missing"
        default = "default" if s.default else "extra  "
        print(f"  {here} {default} {s.layer:22} {s.path}")
        print(f"          dataset {s.dataset}: {s.title} ({s.publisher}; {s.portal})")
    return EXIT_OK


def _open_store(args: argparse.Namespace, config: Config) -> Store:
    from layers.store import open_store

    store = open_store(args.database_url or config.DATABASE_URL, data_dir=config.data_dir)
    check = getattr(store, "check", None)
    if check:
        check()
    return store


def _rollback(args: argparse.Namespace, config: Config) -> int:
    from etl.jobs import rollback, rollback_group
    from layers.store import StoreError

    try:
        store = _open_store(args, config)
        try:
            before = store.version(args.layer)
            now = rollback(store, args.layer)
            rows = store.count(args.layer) if now is not None else 0
            if now is not None and config.SHAREMAP_BUILD_TILES:
                tiles_after_load(store)
        finally:
            store.close()
    except StoreError as exc:
        return _fail(f"{exc}\nnothing was changed.")
    if now is None:
        group = rollback_group(args.layer)
        kept = "it was never loaded" if before is None else "no earlier version is kept"
        if before is not None and len(group) > 1:  # they move together or not at all
            kept = f"{' and '.join(group)} must each keep an earlier version"
        return _fail(f"{args.layer}: nothing to roll back to ({kept}); nothing was changed.")
    print(f"{args.layer}: rolled back from version {before} to {now} ({rows} features)")
    return EXIT_OK


def _audit(args: argparse.Namespace, config: Config) -> int:
    from layers.audit import AuditError, audit
    from layers.audit_report import render
    from layers.basemap import BaseMap
    from layers.store import StoreError

    if args.layer in registry.REFERENCE_IDS:
        print(f"sharemap audit: {args.layer} is a reference table, not a layer", file=sys.stderr)
        return EXIT_USAGE
    try:
        store = _open_store(args, config)
        try:
            report = audit(store, layer=args.layer, sido=args.sido)
            regions = list(store.regions()) if args.format == "html" else []
        finally:
            store.close()
    except AuditError as exc:
        print(f"sharemap audit: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except StoreError as exc:
        return _fail(str(exc))
    text = render(report, args.format, BaseMap(regions) if regions else None)
    if args.out is None:
        sys.stdout.write(text)
        return EXIT_OK
    try:
        args.out.write_text(text, encoding="utf-8")
    except OSError as exc:
        return _fail(f"cannot write {args.out}: {exc.strerror or exc}")
    print(f"audit written to {args.out}", file=sys.stderr)
    return EXIT_OK


def tiles_after_load(store: Store) -> None:
    """Build the tile archive of the versions now current unless the store has it already. A
    failed build never fails the load: it is logged, and tiles are built live meanwhile."""
    from layers import tilearchive

    try:
        if store.has_tile_archive(tilearchive.archive_token(store.versions())):
            return
        _print_build(tilearchive.build_into_store(store))
    except KeyboardInterrupt:  # the load itself is done: say so, not "nothing was changed"
        print(
            "sharemap: tile archive build interrupted; the load is done, and tiles are built"
            " live until `sharemap tiles build` succeeds",
            file=sys.stderr,
        )
    except Exception as exc:
        log.warning("tile archive not built", exc_info=True)
        print(
            f"sharemap: warning: the tile archive was not built ({exc}); tiles are built live"
            " until `sharemap tiles build` succeeds",
            file=sys.stderr,
        )


def _tiles_build(args: argparse.Namespace, config: Config) -> int:
    from layers import tilearchive
    from layers.store import StoreError

    try:
        store = _open_store(args, config)
        try:
            result = tilearchive.build_into_store(store, max_zoom=args.max_zoom)
        finally:
            store.close()
    except (StoreError, OSError) as exc:
        return _fail(f"tile archive not built: {exc}")
    if result is None:
        return _fail("tile archive not built: no layer is loaded (run `sharemap load`)")
    _print_build(result)
    return EXIT_OK


def _print_build(result: BuildResult | None) -> None:
    if result is None:
        print("tiles: nothing to build (no tile has data)")
        return
    print(
        f"tiles: {result.tiles} tiles (z0-z{max(result.per_zoom)}) in the archive of tileset"
        f" version {result.token}, {result.size_bytes / 1e6:.1f} MB, built in"
        f" {result.seconds:.1f} s"
    )


def _load(args: argparse.Namespace, config: Config) -> int:
    from etl.infer import UnsureMapping
    from etl.load.inputs import JobSettings, LoadOptions, LoadRefused
    from etl.load.job import run
    from etl.normalise import UnknownSchema
    from etl.read import ReadError
    from etl.regions import BoundaryError
    from layers.store import StoreError

    settings = JobSettings(
        source_dir=(args.source_dir.resolve() if args.source_dir else config.source_dir),
        report_dir=args.report_dir or config.report_dir,
        parking_radius_m=config.SHAREMAP_PARKING_RADIUS_M,
        kakao_rest_key=config.SHAREMAP_KAKAO_REST_KEY,
    )
    options = LoadOptions(
        files=tuple(args.files),
        append=args.append,
        dry_run=args.dry_run,
        force=args.force,
        crs=args.crs,
        encoding=args.encoding,
        columns=tuple(args.columns.items()),
        schema_dir=config.data_dir / "schemas",
    )
    layer_ids = list(dict.fromkeys(args.layers or (*registry.REFERENCE_IDS, *registry.LAYER_IDS)))
    started = time.perf_counter()
    try:
        store = _open_store(args, config)
        try:
            reports = run(store, layer_ids, settings, options)
            if not options.dry_run and config.SHAREMAP_BUILD_TILES:
                tiles_after_load(store)
        finally:
            store.close()
    except (
        LoadRefused,
        ReadError,
        UnknownSchema,
        UnsureMapping,
        BoundaryError,
        StoreError,
    ) as exc:
        return _fail(f"{exc}\nnothing was changed.")
    print_summary(reports, time.perf_counter() - started, dry_run=options.dry_run)
    refusals = [r.refusal for r in reports if r.refusal]
    if refusals:
        return _fail("\n".join(refusals) + "\na real load would be refused.")
    return EXIT_OK


def print_summary(reports: Sequence[LayerReport], seconds: float, *, dry_run: bool = False) -> None:
    if dry_run:
        print("dry run: nothing was changed")
    for r in reports:
        for f in (*r.files, *(f for c in r.companions for f in c.files)):
            print(f"{r.layer}: {f.describe()}")
            for line in f.mapping:
                print(f"  {line}")
    would = "would " if dry_run else ""
    rows = [
        (
            "layer",
            "read",
            f"{would}load",
            f"{would}reject",
            "top reject reasons",
            "hours parsed",
            "version",
        )
    ]
    for r in reports:
        reasons = r.reject_reasons().most_common(3)
        hours = f"{r.hours_parsed}/{r.hours_texts}" if r.hours_texts else "-"
        version = r.data_version
        if not dry_run:
            version += "" if r.changed else " (unchanged)"
        rows.append(
            (
                r.layer,
                str(r.rows_read),
                str(r.loaded),
                str(len(r.rejects)),
                "; ".join(f"{k} {v}" for k, v in reasons) or "-",
                hours,
                version,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    for r in reports:
        if r.diff is not None:
            kept = " (the current features kept: --append)" if r.appended else ""
            print(
                f"{r.layer}: {'changes' if not dry_run else 'would change'}: {r.diff.summary()}{kept}"
            )
            for what, ids in (
                ("added", r.diff.added),
                ("removed", r.diff.removed),
                ("changed", r.diff.changed),
            ):
                if dry_run and ids:
                    more = f" … and {len(ids) - 5} more" if len(ids) > 5 else ""
                    print(f"  {what}: {', '.join(ids[:5])}{more}")
        print(f"reject report ({r.layer}): {r.report_path}")
        for c in r.companions:
            used = c.extra.get("site_rows_used", 0)
            print(
                f"  {c.layer}: {c.rows_read} rows read, {used} used, {len(c.rejects)} rejected"
                f" (geocoded: {dict(c.geocoded)}); reject report: {c.report_path}"
            )
            for dataset, placed in c.extra.get("rows_placed", {}).items():
                print(f"    {dataset}: rows placed {placed}")
    print(f"done in {seconds:.1f} s")
