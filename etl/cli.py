"""The ETL commands: `sharemap load`, `sharemap db upgrade`, `sharemap sources`."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from layers import registry
from layers.config import Config

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message}")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="sharemap")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    load = sub.add_parser("load", help="load layers from the source files into the store")
    load.add_argument(
        "--layer",
        action="append",
        dest="layers",
        metavar="L",
        help=f"a layer id (repeatable; default: all): {', '.join(registry.LAYER_IDS)}",
    )
    load.add_argument("--source-dir", type=Path, help="input files directory (SHAREMAP_SOURCE_DIR)")
    load.add_argument("--database-url", help="PostGIS URL (DATABASE_URL)")
    load.add_argument("--report-dir", type=Path, help="where reject reports go (SHAREMAP_REPORT_DIR)")
    db = sub.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_command", required=True, parser_class=_Parser)
    up = db_sub.add_parser("upgrade", help="create or migrate the schema (Alembic)")
    up.add_argument("--database-url", help="PostGIS URL (DATABASE_URL)")
    sub.add_parser("sources", help="list the input files and their datasets")
    return p


def main(argv: Sequence[str]) -> int:
    try:
        args = _parser().parse_args(list(argv))
        for layer_id in args.layers or () if args.command == "load" else ():
            if layer_id not in registry.LAYER_IDS:
                raise UsageError(str(registry.UnknownLayer(layer_id)))
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
        return _load(args, config)
    except KeyboardInterrupt:
        print("sharemap: interrupted; the previous version of each layer is still served", file=sys.stderr)
        return EXIT_FAILED


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
        if "postgis" in message.lower() and ("not available" in message or "control file" in message):
            message += " (install the postgresql-15-postgis-3 package)"
        return _fail(f"database upgrade failed: {message}")
    print("database schema is up to date")
    return EXIT_OK


def _sources(config: Config) -> int:
    source_dir = config.source_dir
    print(f"source directory: {source_dir}")
    for s in registry.sources():
        here = "ok     " if (source_dir / s.path).is_file() else "missing"
        default = "default" if s.default else "extra  "
        print(f"  {here} {default} {s.layer:22} {s.path}")
        print(f"          dataset {s.dataset}: {s.title} ({s.publisher}; {s.portal})")
    return EXIT_OK


def _load(args: argparse.Namespace, config: Config) -> int:
    from etl.jobs import JobSettings, run
    from etl.load import LoadRefused
    from etl.normalise import UnknownSchema
    from etl.read import ReadError
    from etl.regions import BoundaryError
    from layers.store import StoreError, open_store

    database_url = args.database_url or config.DATABASE_URL
    settings = JobSettings(
        source_dir=(args.source_dir.resolve() if args.source_dir else config.source_dir),
        report_dir=args.report_dir or config.report_dir,
        parking_radius_m=config.SHAREMAP_PARKING_RADIUS_M,
        kakao_rest_key=config.SHAREMAP_KAKAO_REST_KEY,
    )
    layer_ids = list(dict.fromkeys(args.layers or registry.LAYER_IDS))
    started = time.perf_counter()
    try:
        store = open_store(database_url, data_dir=config.data_dir)
        check = getattr(store, "check", None)
        if check:
            check()
        reports = run(store, layer_ids, settings)
    except (LoadRefused, ReadError, UnknownSchema, BoundaryError, StoreError) as exc:
        return _fail(f"{exc}\nnothing was changed.")
    print_summary(reports, time.perf_counter() - started)
    return EXIT_OK


def print_summary(reports: Sequence[object], seconds: float) -> None:
    rows = [("layer", "read", "loaded", "rejected", "top reject reasons", "hours parsed", "version")]
    for r in reports:
        reasons = r.reject_reasons().most_common(3)  # type: ignore[attr-defined]
        hours = (
            f"{r.hours_parsed}/{r.hours_texts}" if r.hours_texts else "-"  # type: ignore[attr-defined]
        )
        rows.append(
            (
                r.layer,  # type: ignore[attr-defined]
                str(r.rows_read),  # type: ignore[attr-defined]
                str(r.loaded),  # type: ignore[attr-defined]
                str(len(r.rejects)),  # type: ignore[attr-defined]
                "; ".join(f"{k} {v}" for k, v in reasons) or "-",
                hours,
                r.data_version + ("" if r.changed else " (unchanged)"),  # type: ignore[attr-defined]
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    for r in reports:
        print(f"reject report ({r.layer}): {r.report_path}")  # type: ignore[attr-defined]
        for c in r.companions:  # type: ignore[attr-defined]
            used = c.extra.get("site_rows_used", 0)
            print(
                f"  {c.layer}: {c.rows_read} rows read, {used} used, {len(c.rejects)} rejected"
                f" (geocoded: {dict(c.geocoded)}); reject report: {c.report_path}"
            )
    print(f"done in {seconds:.1f} s")
