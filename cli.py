"""The `sharemap` command: a thin dispatcher to etl/cli.py and app/cli.py (imported lazily)."""

from __future__ import annotations

import sys

USAGE = """usage: sharemap <command> [options]

commands:
  load        load layers from the source files into the store   (sharemap load --help)
  db upgrade  create or migrate the PostGIS schema                (sharemap db --help)
  sources     list the input files and the datasets they come from
"""

ETL_COMMANDS = {"load", "db", "sources"}


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help", "help"):
        print(USAGE, end="")
        return 0 if args else 2
    command = args[0]
    if command in ETL_COMMANDS:
        from etl.cli import main as etl_main

        return etl_main(args)
    print(f"sharemap: unknown command {command!r}\n\n{USAGE}", end="", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
