"""Tile serving benchmark: req/s and p50/p99 of vector tiles at z8/z12/z14/z16, uncached (LRU off)
and cached, next to a hello-world Flask app under the same gunicorn settings and to raw
ST_AsMVT through psycopg, all measured in this run. Needs `wrk` (apt-get install wrk).

    python bench/tiles/run.py [--database-url URL] [--seconds 8] [--workers 2]
"""

from __future__ import annotations

import argparse
import multiprocessing
import shutil
import statistics
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

import psycopg  # noqa: E402

from bench.harness import (  # noqa: E402
    ROOT,
    Load,
    free_port,
    gunicorn_command,
    hello_server,
    median_load,
    median_ratio,
    real_database,
    server,
    wrk,
    wrk_options,
)
from geo.tiles import Tile, tile_for  # noqa: E402
from layers import registry  # noqa: E402
from layers.store.postgis import PostgisStore  # noqa: E402

ZOOMS = (8, 12, 14, 16)
TILES_PER_ZOOM = 400

# The baseline: every current point of the tile through ST_AsMVTGeom/ST_AsMVT, one layer, no
# clustering, no attributes but id and name (benchmark code, not the store's SQL).
RAW_MVT = """
SELECT ST_AsMVT(t, 'points', 4096, 'geom') FROM (
  SELECT f.id, f.name, ST_AsMVTGeom(ST_Transform(f.geom, 3857), ST_TileEnvelope(%(z)s, %(x)s, %(y)s)) AS geom
  FROM feature f JOIN layer_version v USING (version_id)
  WHERE v.status = 'current'
    AND f.geom && ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => 64.0 / 4096), 4326)
) t
"""


@contextmanager
def gunicorn(target: str, args: Any, env: dict[str, str], chdir: Path) -> Iterator[str]:
    port = free_port()
    command = gunicorn_command(target, port, args.workers, args.threads)
    with server(command, env, chdir, port) as base:
        yield base


def raw_worker(args: tuple[str, list[Tile], float]) -> list[float]:
    url, tiles, until = args
    times = []
    with psycopg.connect(url) as conn:
        i = 0
        while time.perf_counter() < until:
            tile = tiles[i % len(tiles)]
            start = time.perf_counter()
            conn.execute(RAW_MVT, {"z": tile.z, "x": tile.x, "y": tile.y}, prepare=True).fetchone()
            times.append((time.perf_counter() - start) * 1000)
            i += 1
    return times


def raw(url: str, tiles: list[Tile], seconds: int, workers: int) -> Load:
    """Raw ST_AsMVT through psycopg, one connection per worker process, like the app's."""
    until = time.perf_counter() + seconds
    shards = [(url, tiles[i::workers] or tiles, until) for i in range(workers)]
    with multiprocessing.Pool(workers) as pool:
        times = [t for part in pool.map(raw_worker, shards) for t in part]
    times.sort()
    return Load(len(times) / seconds, statistics.median(times), times[int(len(times) * 0.99)])


def tiles_with_data(store: PostgisStore) -> dict[int, list[Tile]]:
    """Up to TILES_PER_ZOOM tiles per zoom, the ones holding the most points first."""
    counts: dict[int, Counter[Tile]] = {z: Counter() for z in ZOOMS}
    for layer in registry.LAYER_IDS:
        for r in store.features(layer):
            for z in ZOOMS:
                counts[z][tile_for(r.lon, r.lat, z)] += 1
    return {z: [t for t, _ in counts[z].most_common(TILES_PER_ZOOM)] for z in ZOOMS}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url")
    wrk_options(parser, seconds=4, connections=8, threads=8)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("this benchmark needs wrk: apt-get install wrk")
    with real_database(args.database_url) as url:
        store = PostgisStore(url)
        tiles = tiles_with_data(store)
        store.close()
        paths = {z: [f"/tiles/{t.z}/{t.x}/{t.y}.mvt" for t in tiles[z]] for z in ZOOMS}
        psycopg_url = url.replace("postgresql+psycopg://", "postgresql://")
        run = (args.seconds, args.connections)
        env = {"DATABASE_URL": url}
        cache = str(4 * TILES_PER_ZOOM * len(ZOOMS))
        app = "app:create_app()"
        rows: dict[int, dict[str, list[Load]]] = {}
        # every server stays up (an idle one costs nothing) and each round measures them back
        # to back, so that a ratio compares runs that saw the same load on a shared machine
        with (
            hello_server(args.workers, args.threads) as hello,
            gunicorn("rawflask:app", args, {"RAW_DATABASE_URL": psycopg_url}, HERE) as rawf,
            gunicorn(app, args, {**env, "SHAREMAP_TILE_CACHE_SIZE": "0"}, ROOT) as cold,
            gunicorn(app, args, {**env, "SHAREMAP_TILE_CACHE_SIZE": cache}, ROOT) as warm,
        ):
            for base in (cold, rawf):
                wrk(base, paths[14][:50], 2, args.connections)  # connections and plans warm up
            for z in ZOOMS:
                wrk(warm, paths[z], max(2, len(paths[z]) // 200), args.connections)  # fill LRUs
                runs: dict[str, list[Load]] = {}
                for _ in range(args.rounds):
                    for name, base, urls in (
                        ("hello", hello, ["/"]),
                        ("uncached", cold, paths[z]),
                        ("cached", warm, paths[z]),
                        ("raw flask", rawf, paths[z]),
                    ):
                        runs.setdefault(name, []).append(wrk(base, urls, *run))
                runs["raw psycopg"] = [raw(psycopg_url, tiles[z], args.seconds, args.workers)]
                rows[z] = runs
    report(rows, args)


def report(rows: dict[int, dict[str, list[Load]]], args: Any) -> None:
    print(
        f"\ngunicorn {args.workers} gthread workers x {args.threads} threads (as sharemap serve); wrk -t2 -c{args.connections}; {args.rounds} rounds "
        f"of {args.seconds} s; req/s and ratios are medians over the rounds, each ratio taken "
        "against the hello-world run of its own round; p50/p99 in ms\n"
    )
    header = f"{'zoom':>4} | {'hello':>6} |"
    for name in ("uncached", "cached", "raw flask"):
        header += f" {name + ' req/s':>15} {'×hello':>6} {'p50':>6} {'p99':>6} |"
    print(header + f" {'raw psycopg req/s':>17} {'p50':>5} {'p99':>5}")
    for z, runs in rows.items():
        hellos = runs["hello"]
        line = f"{z:>4} | {median_load(hellos).rps:>6.0f} |"
        for name in ("uncached", "cached", "raw flask"):
            m = median_load(runs[name])
            ratio = median_ratio(runs[name], hellos)
            line += f" {m.rps:>15.0f} {ratio:>6.2f} {m.p50_ms:>6.2f} {m.p99_ms:>6.2f} |"
        rp = runs["raw psycopg"][0]
        print(line + f" {rp.rps:>17.0f} {rp.p50_ms:>5.2f} {rp.p99_ms:>5.2f}")
    print(
        "\ntargets: uncached z14 ≥ 0.5 × hello-world, cached ≥ 0.85 × hello-world. 'raw flask' is "
        "a ceiling for any database-backed endpoint on this machine: a bare Flask app answering "
        "with raw ST_AsMVT over one psycopg connection."
    )


if __name__ == "__main__":
    main()
