"""Tile serving benchmark: req/s and p50/p99 of vector tiles at z8/z12/z14/z16, uncached (LRU off)
and cached, next to a hello-world Flask app under the same gunicorn settings and to raw
ST_AsMVT through psycopg, all measured in this run. Needs `wrk` (apt-get install wrk).

    python bench/tiles/run.py [--database-url URL] [--seconds 8] [--workers 2]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from common import ROOT, loaded_database

from geo.tiles import Tile, tile_for
from layers import registry
from layers.store.postgis import PostgisStore

HERE = Path(__file__).resolve().parent
PATHS_LUA = ROOT / "bench" / "http" / "paths.lua"  # the wrk script the HTTP benchmark uses
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def gunicorn(target: str, workers: int, env: dict[str, str], chdir: Path) -> Iterator[str]:
    port = free_port()
    command = [
        sys.executable, "-m", "gunicorn", "--workers", str(workers), "--worker-class", "sync",
        "--bind", f"127.0.0.1:{port}", "--chdir", str(chdir), "--log-level", "warning", target,
    ]  # fmt: skip
    # the app's access log is written (its cost is the app's) but not shown
    process = subprocess.Popen(command, env={**os.environ, **env}, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def wrk(base: str, paths: list[str], seconds: int, connections: int) -> tuple[float, float, float]:
    """req/s, p50 ms, p99 ms."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as fh:
        fh.write("\n".join(paths) + "\n")
    command = [
        "wrk", "--threads", "2", "--connections", str(connections), "--duration", f"{seconds}s",
        "--latency", "--script", str(PATHS_LUA), base, "--", fh.name,
    ]  # fmt: skip
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    os.unlink(fh.name)
    if re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        raise SystemExit(f"errors while benchmarking {base}{paths[0]}:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    return rps, _percentile(out, "50"), _percentile(out, "99")


def _percentile(out: str, p: str) -> float:
    value, unit = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


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


def raw(url: str, tiles: list[Tile], seconds: int, workers: int) -> tuple[float, float, float]:
    """Raw ST_AsMVT through psycopg, one connection per worker process, like the app's."""
    until = time.perf_counter() + seconds
    shards = [(url, tiles[i::workers] or tiles, until) for i in range(workers)]
    with multiprocessing.Pool(workers) as pool:
        times = [t for part in pool.map(raw_worker, shards) for t in part]
    times.sort()
    return len(times) / seconds, statistics.median(times), times[int(len(times) * 0.99)]


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
    parser.add_argument("--seconds", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("this benchmark needs wrk: apt-get install wrk")
    with loaded_database(args.database_url) as url:
        store = PostgisStore(url)
        tiles = tiles_with_data(store)
        store.close()
        paths = {z: [f"/tiles/{t.z}/{t.x}/{t.y}.mvt" for t in tiles[z]] for z in ZOOMS}
        psycopg_url = url.replace("postgresql+psycopg://", "postgresql://")
        run = (args.seconds, args.connections)
        env = {"DATABASE_URL": url}
        cache = str(4 * TILES_PER_ZOOM * len(ZOOMS))
        app = "app:create_app()"
        rows: dict[int, dict[str, list[tuple[float, float, float]]]] = {}
        # every server stays up (an idle one costs nothing) and each round measures them back
        # to back, so that a ratio compares runs that saw the same load on a shared machine
        with (
            gunicorn("hello:app", args.workers, {}, HERE) as hello,
            gunicorn("rawflask:app", args.workers, {"RAW_DATABASE_URL": psycopg_url}, HERE) as rawf,
            gunicorn(app, args.workers, {**env, "SHAREMAP_TILE_CACHE_SIZE": "0"}, ROOT) as cold,
            gunicorn(app, args.workers, {**env, "SHAREMAP_TILE_CACHE_SIZE": cache}, ROOT) as warm,
        ):
            for base in (cold, rawf):
                wrk(base, paths[14][:50], 2, args.connections)  # connections and plans warm up
            for z in ZOOMS:
                wrk(warm, paths[z], max(2, len(paths[z]) // 200), args.connections)  # fill LRUs
                runs: dict[str, list[tuple[float, float, float]]] = {}
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


def report(rows: dict[int, dict[str, list[tuple[float, float, float]]]], args: Any) -> None:
    print(
        f"\ngunicorn {args.workers} sync workers; wrk -t2 -c{args.connections}; {args.rounds} rounds "
        f"of {args.seconds} s; req/s and ratios are medians over the rounds, each ratio taken "
        "against the hello-world run of its own round; p50/p99 in ms\n"
    )
    header = f"{'zoom':>4} | {'hello':>6} |"
    for name in ("uncached", "cached", "raw flask"):
        header += f" {name + ' req/s':>15} {'×hello':>6} {'p50':>6} {'p99':>6} |"
    print(header + f" {'raw psycopg req/s':>17} {'p50':>5} {'p99':>5}")
    for z, runs in rows.items():
        hellos = runs["hello"]
        line = f"{z:>4} | {statistics.median(h[0] for h in hellos):>6.0f} |"
        for name in ("uncached", "cached", "raw flask"):
            ratios = [r[0] / h[0] for r, h in zip(runs[name], hellos, strict=True)]
            med = lambda i, rs=runs[name]: statistics.median(r[i] for r in rs)  # noqa: E731
            line += f" {med(0):>15.0f} {statistics.median(ratios):>6.2f} {med(1):>6.2f} {med(2):>6.2f} |"
        rp = runs["raw psycopg"][0]
        print(line + f" {rp[0]:>17.0f} {rp[1]:>5.2f} {rp[2]:>5.2f}")
    print(
        "\ntargets: uncached z14 ≥ 0.5 × hello-world, cached ≥ 0.85 × hello-world. 'raw flask' is "
        "a ceiling for any database-backed endpoint on this machine: a bare Flask app answering "
        "with raw ST_AsMVT over one psycopg connection."
    )


if __name__ == "__main__":
    main()
