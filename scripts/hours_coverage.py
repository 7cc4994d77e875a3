"""How many non-blank opening-hours texts of the source files yield structured hours, per layer.

Reads every layer's default files from the source directory (SHAREMAP_SOURCE_DIR, or the first
argument) through the ETL's own readers and normalisers, and asks each layer how it reads its
hours (`LayerSpec.read_hours`, or the schedule a normaliser built from day columns), as the
loader does. Counts source rows, before geocoding and de-duplication, so the figures can be
compared before and after a parser change without a store:

    python scripts/hours_coverage.py [SOURCE_DIR] [--top N]
"""

import argparse
import os
import sys
from collections import Counter
from pathlib import Path

from etl.jobs import default_inputs
from etl.load import Candidate, InputFile, LayerReport, LoadRefused, read_candidates
from geo.hours import states_clock_time
from layers import registry
from layers.spec import LayerSpec

TARGET = 0.90


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source_dir", nargs="?", type=Path)
    parser.add_argument("--top", type=int, default=10)
    parser.add_argument("--layer", action="append")
    args = parser.parse_args(argv)
    source_dir = args.source_dir or Path(
        os.environ.get("SHAREMAP_SOURCE_DIR", "../shared/data/real")
    )
    for layer_id in args.layer or registry.layer_ids():
        spec = registry.get(layer_id)
        try:
            inputs = default_inputs(layer_id, source_dir)
        except LoadRefused as exc:
            print(f"{layer_id}: skipped ({str(exc).splitlines()[0]})")
            continue
        # a derived layer reads files of several kinds (parking lots, screening sites); a
        # folder of JSON records (the hospitals) carries no hours
        kinds: dict[str, list[InputFile]] = {}
        for inp in inputs:
            if inp.path.is_file() and inp.source is not None:
                kinds.setdefault(spec.schema(inp.source.schema).kind, []).append(inp)
        for kind, files in kinds.items():
            label = layer_id if len(kinds) == 1 else f"{layer_id} ({kind})"
            _report(
                label,
                spec,
                read_candidates(spec, files, LayerReport(layer_id), kind=kind),
                args.top,
            )
    return 0


def _report(label: str, spec: LayerSpec, candidates: list[Candidate], top: int) -> None:
    texts = structured = 0
    unparsed: Counter[str] = Counter()
    for c in candidates:
        raw = (c.norm.opening_hours_raw or "").strip()
        if not raw:
            continue
        texts += 1
        if c.norm.schedule is not None or spec.read_hours(raw) is not None:
            structured += 1
        else:
            unparsed[raw] += 1
    share = structured / texts if texts else 1.0
    mark = "" if share >= TARGET else "  (under 90 %)"
    print(
        f"{label}: {len(candidates)} rows, {texts} non-blank hours texts,"
        f" {structured} structured = {share:.1%}{mark}"
    )
    timeless = sum(n for text, n in unparsed.items() if not states_clock_time(text))
    if unparsed:
        print(
            f"  unparsed {texts - structured}: {timeless} state no clock time,"
            f" {texts - structured - timeless} do"
        )
    for text, n in unparsed.most_common(top):
        print(f"  {n:6d}  {text!r}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
