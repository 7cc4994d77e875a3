"""The `sharemap` command: a thin dispatcher to etl/cli.py and app/cli.py (imported lazily)."""

from __future__ import annotations

import os
import sys

USAGE = """usage: sharemap <command> [options]

commands:
  load        load layers from the source files into the store   (sharemap load --help)
  rollback    make the previous version of a layer current again  (sharemap rollback --layer L)
  db upgrade  create or migrate the PostGIS schema                (sharemap db --help)
  sources     list the input files and the datasets they come from
  audit       data-quality audit per layer and 시군구  (sharemap audit [--layer L] [--sido S] [--format md|html|json] [--out PATH])
  schema      save, list or remove the column mapping of a new file layout
              (sharemap schema add --layer L FILE [--columns ROLE=COLUMN,...] [--name N];
               sharemap schema list [--layer L]; sharemap schema remove --layer L NAME)
  tiles build build the tile archive (PMTiles) of the current layer versions again
  serve       serve the web API and pages     (sharemap serve [--host H] [--port P] [--workers N])
  demo        load every layer from the source files, then serve   (sharemap demo [--host H] [--port P])
"""

ETL_COMMANDS = {"load", "rollback", "db", "sources", "audit", "schema", "tiles"}


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help", "help"):
        print(USAGE, end="")
        return 0 if args else 2
    command = args[0]
    if command in ETL_COMMANDS:
        from etl.cli import main as etl_main

        return etl_main(args)
    if command == "serve":
        from app.cli import main as app_main

        return app_main(args[1:])
    if command == "demo":
        return demo(args[1:])
    print(f"sharemap: unknown command {command!r}\n\n{USAGE}", end="", file=sys.stderr)
    return 2


def demo(argv: list[str]) -> int:
    """Load all layers (into the embedded store unless DATABASE_URL is set), then serve; no tile
    archive is built unless SHAREMAP_BUILD_TILES=1."""
    from app.cli import parser as serve_parser

    serve_parser().parse_args(argv)  # a bad flag fails before the load, not after
    from etl.cli import main as etl_main

    # serve at once: tiles are built live until `sharemap tiles build` makes the archive
    os.environ.setdefault("SHAREMAP_BUILD_TILES", "0")

    code = etl_main(["load"])
    if code != 0:
        return code
    from app.cli import main as app_main

    return app_main(argv)


if __name__ == "__main__":
    raise SystemExit(main())
