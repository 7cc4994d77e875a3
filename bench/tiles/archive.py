"""Pre-built tiles: build time and size of the PMTiles archive at each scale, and z14 tiles served
from the archive next to a hello-world Flask app under the same gunicorn settings.

    python bench/tiles/archive.py [--scales real,100000,1000000] [--serve-urls 5000] [--database-url URL]
                                  [--seconds 1] [--rounds 3] [--connections 4]

`real` is the real files loaded by the ETL; a number is that many synthetic rows over the five
point layers (plus the real regions). Serving runs on the real data with the in-memory tile
default settings; each round has its own `--serve-urls` distinct z14 tile URLs of the archive
(as TileJSON gives them, `?v=` the current token), none asked for before in the run, and each
wrk thread its own share of them (bench/tiles/once.lua); a run shorter than the URLs last sends
none twice, so none can come from a cache: each is read from the archive. Target: >= 0.85x
hello-world.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.harness import (
    Load,
    empty_database,
    hello_server,
    load_real_files,
    load_synthetic,
    median_load,
    median_ratio,
    real_database,
    rounds,
    sharemap_server,
    vacuum_analyze,
    wrk,
)
from layers import tilearchive
from layers.store.postgis import PostgisStore


@contextmanager
def scale_database(scale: str) -> Iterator[str]:
    if scale == "real":
        with real_database() as url:
            yield url
        return
    with empty_database("sharemap_bench_archive") as url:
        store = PostgisStore(url)
        load_real_files(store, ("regions",))
        load_synthetic(store, int(scale))
        store.close()
        vacuum_analyze(url)
        yield url


def build(scale: str) -> dict[str, object]:
    print(f"== {scale}: loading ...", flush=True)
    with scale_database(scale) as url, tempfile.TemporaryDirectory() as tmp:
        store = PostgisStore(url, archive_dir=Path(tmp))
        rows = sum(store.count(layer) for layer, _ in tilearchive.archive_pins(store.versions()))
        started = time.perf_counter()
        result = tilearchive.build_into_store(store)
        seconds = time.perf_counter() - started
        store.close()
    assert result is not None
    print(
        f"   {rows:,} points: {result.tiles:,} tiles, {result.size_bytes / 1e6:.1f} MB, "
        f"built and stored in {seconds:.0f} s; per zoom {result.per_zoom}",
        flush=True,
    )
    return {"scale": scale, "rows": rows, "tiles": result.tiles, "mb": result.size_bytes / 1e6}


def serve(args: argparse.Namespace) -> None:
    with real_database(args.database_url) as url, tempfile.TemporaryDirectory() as data_dir:
        store = PostgisStore(url, archive_dir=Path(data_dir) / "builder")
        token = tilearchive.archive_token(store.versions())
        if not store.has_tile_archive(token):
            tilearchive.build_into_store(store)
        path = store.tile_archive(token)
        assert path is not None
        archive = tilearchive.TileArchive(path)
        z14 = [t for t in archive.addresses() if t.z == 14]
        store.close()
        random.Random(14).shuffle(z14)
        n = args.serve_urls
        if len(z14) < n * (args.rounds + 1):
            raise SystemExit(
                f"only {len(z14)} z14 tiles: too few for {args.rounds} + 1 sets of {n}"
            )
        # a set of URLs for the warm-up and one for each round, none asked for twice
        sets = [
            [f"/tiles/14/{t.x}/{t.y}.mvt?v={token}" for t in z14[i * n : (i + 1) * n]]
            for i in range(args.rounds + 1)
        ]
        fresh = iter(sets)
        env = {"DATABASE_URL": url, "SHAREMAP_DATA_DIR": data_dir}
        with (
            sharemap_server(env, args.workers, args.threads) as app,
            hello_server(args.workers, args.threads) as hello,
        ):
            runs = rounds(
                {
                    "hello-world": lambda: wrk(hello, ["/"], args.seconds, args.connections),
                    "z14 from the archive": lambda: wrk(
                        app, next(fresh), args.seconds, args.connections, once=True
                    ),
                },
                args.rounds,
                warm_up=lambda: (
                    # every worker copies and maps the archive; repeats are fine here
                    wrk(app, next(fresh), 3, args.connections, once=True),
                    wrk(hello, ["/"], 3, args.connections),
                ),
            )
        report(runs, n, args)


def report(runs: dict[str, list[Load]], n: int, args: argparse.Namespace) -> None:
    print(
        f"\n{n:,} distinct z14 tile URLs a round, each asked for once; gunicorn {args.workers} workers x "
        f"{args.threads} threads; wrk -t2 -c{args.connections}; medians of {args.rounds} rounds "
        f"of {args.seconds:g} s (ratio: per round, against that round's hello-world)"
    )
    print(f"{'':22s} {'req/s':>8s} {'p50 ms':>7s} {'p99 ms':>7s} {'x hello':>8s}")
    hello = runs["hello-world"]
    for name, loads in runs.items():
        m = median_load(loads)
        ratio = median_ratio(loads, hello)
        print(f"{name:22s} {m.rps:8.0f} {m.p50_ms:7.2f} {m.p99_ms:7.2f} {ratio:8.2f}")
    sent = max(r.rps * args.seconds for r in runs["z14 from the archive"])
    if sent > n:
        print(f"  note: a round sent about {sent:,.0f} requests for {n:,} URLs: some repeated")
    ratio = median_ratio(runs["z14 from the archive"], hello)
    print(f"  {'met ' if ratio >= 0.85 else 'MISSED'}  z14 from the archive >= 0.85x hello-world")


def main() -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--scales", default="real,100000,1000000", help="'' to skip the builds")
    p.add_argument("--serve-urls", type=int, default=5000, help="0 to skip serving")
    p.add_argument("--database-url", help="serve this database of the real data (else load one)")
    p.add_argument(
        "--seconds", type=float, default=1, help="of each run (fewer requests than URLs)"
    )
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--connections", type=int, default=4)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--threads", type=int, default=8)
    args = p.parse_args()
    for scale in filter(None, args.scales.split(",")):
        build(scale)
    if args.serve_urls:
        serve(args)


if __name__ == "__main__":
    main()
