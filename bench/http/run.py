"""HTTP API benchmark: `sharemap serve` (gunicorn, gthread) under wrk, next to baselines measured
in the same run: a hello-world Flask app under the same gunicorn settings, raw PostGIS KNN
through psycopg, and ogr2ogr exporting the same layer. Synthetic rows at each scale.

    python bench/http/run.py [--scales 100000,1000000] [--seconds 5] [--rounds 3]

Needs the local PostgreSQL with PostGIS (DATABASE_ADMIN_URL) and wrk (apt-get install wrk);
creates and drops its own databases.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.harness import (  # noqa: E402
    Load,
    hello_server,
    median_load,
    random_point,
    sharemap_server,
    synthetic_database,
    wrk,
    wrk_options,
)
from layers import registry  # noqa: E402

TARGETS = {"near_vs_hello": 0.5, "near_p99_ms": 5.0, "download_vs_ogr2ogr": 1.5}


def raw_knn(url: str, points: list[tuple[float, float]], seconds: float, connections: int) -> Load:
    """Raw PostGIS KNN (one layer, 10 nearest, geodesic distances) through psycopg, one
    connection per client thread."""
    sql = (
        "SELECT id, name, ST_X(geom), ST_Y(geom), "
        "ST_Distance(geom::geography, ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)::geography) "
        "FROM feature WHERE version_id = %(v)s "
        "ORDER BY geom <-> ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326) LIMIT 10"
    )
    latencies: list[float] = []
    lock = threading.Lock()

    def client(k: int) -> None:
        with psycopg.connect(url) as conn:
            version = conn.execute(
                "SELECT version_id FROM layer_version WHERE layer_id = 'public_toilets' AND status = 'current'"
            ).fetchone()[0]  # type: ignore[index]
            mine: list[float] = []
            end = time.perf_counter() + seconds
            i = k * 7919
            while time.perf_counter() < end:
                lon, lat = points[i % len(points)]
                i += 1
                t = time.perf_counter()
                conn.execute(sql, {"lon": lon, "lat": lat, "v": version}).fetchall()
                mine.append(time.perf_counter() - t)
            with lock:
                latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    latencies.sort()
    return Load(
        len(latencies) / seconds,
        latencies[len(latencies) // 2] * 1e3,
        latencies[int(len(latencies) * 0.99)] * 1e3,
    )


def download_rows_per_s(base: str, path: str, rows: int) -> float:
    conn = http.client.HTTPConnection(base.removeprefix("http://"), timeout=600)
    t = time.perf_counter()
    conn.request("GET", path)
    response = conn.getresponse()
    assert response.status == 200, response.status
    while response.read(1 << 20):
        pass
    elapsed = time.perf_counter() - t
    conn.close()
    return rows / elapsed


def ogr2ogr_rows_per_s(url: str, rows: int) -> float:
    u = make_url(url)
    pg = f"PG:host={u.host} port={u.port or 5432} user={u.username} dbname={u.database}"
    sql = (
        "SELECT f.id, f.layer_id, f.name, f.address, f.sido, f.sigungu, f.phone, "
        "f.opening_hours_raw, f.opening_hours, f.fee, f.fee_text, f.wheelchair, f.source, "
        "f.updated_at, f.props, f.geom FROM feature f JOIN layer_version v USING (version_id) "
        "WHERE v.layer_id = 'public_toilets' AND v.status = 'current' ORDER BY f.id"
    )
    t = time.perf_counter()
    subprocess.run(
        ["ogr2ogr", "-f", "GeoJSON", "/vsistdout/", pg, "-sql", sql, "-lco", "COORDINATE_PRECISION=7"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True,
    )  # fmt: skip
    return rows / (time.perf_counter() - t)


# -- the run ------------------------------------------------------------------------------------


def request_paths(rows: int, seed: int = 7) -> dict[str, list[str]]:
    rnd = random.Random(seed)
    points = [random_point(rnd) for _ in range(2000)]
    per_layer = rows // len(registry.LAYER_IDS)
    boxes = []
    for lon, lat in points[:1000]:
        boxes.append(f"{lon - 0.005:.5f},{lat - 0.005:.5f},{lon + 0.005:.5f},{lat + 0.005:.5f}")
    return {
        "hello": ["/"],
        "near (5 layers)": [f"/api/near?lat={lat}&lon={lon}" for lon, lat in points],
        "near (1 layer)": [
            f"/api/near?lat={lat}&lon={lon}&layers=public_toilets" for lon, lat in points
        ],
        "items bbox limit=10": [
            f"/collections/{registry.LAYER_IDS[i % 5]}/items?bbox={b}&limit=10"
            for i, b in enumerate(boxes)
        ],
        "item by id": [
            f"/collections/{layer}/items/{quote(f'{layer}:bench:{rnd.randrange(per_layer):07d}', safe=':')}"
            for layer in registry.LAYER_IDS
            for _ in range(200)
        ],
    }


def run_scale(rows: int, args: argparse.Namespace) -> dict[str, object]:
    print(f"\n== {rows:,} rows: loading a database ...", flush=True)
    t = time.perf_counter()
    with synthetic_database(rows) as url:
        print(f"   loaded in {time.perf_counter() - t:.0f} s", flush=True)
        paths = request_paths(rows)
        with (
            sharemap_server({"DATABASE_URL": url}, args.workers, args.threads) as app,
            hello_server(args.workers, args.threads) as hello,
        ):
            for name, urls in paths.items():  # warm up: connections, plans, caches
                wrk(hello if name == "hello" else app, urls, 2, args.connections)
            loads: dict[str, list[Load]] = {name: [] for name in [*paths, "raw PostGIS KNN"]}
            points = [random_point(random.Random(11)) for _ in range(2000)]
            for _ in range(args.rounds):  # interleaved, so that noise hits every row alike
                for name, urls in paths.items():
                    loads[name].append(
                        wrk(hello if name == "hello" else app, urls, args.seconds, args.connections)
                    )
                loads["raw PostGIS KNN"].append(
                    raw_knn(url, points, args.seconds, args.connections)
                )
            layer_rows = rows // len(registry.LAYER_IDS)
            downloads: dict[str, list[float]] = {
                "GeoJSON download": [],
                "CSV download": [],
                "ogr2ogr (GeoJSON)": [],
            }
            for _ in range(args.rounds):
                downloads["GeoJSON download"].append(
                    download_rows_per_s(app, "/download/public_toilets.geojson", layer_rows)
                )
                downloads["CSV download"].append(
                    download_rows_per_s(app, "/download/public_toilets.csv", layer_rows)
                )
                downloads["ogr2ogr (GeoJSON)"].append(ogr2ogr_rows_per_s(url, layer_rows))
    return {"rows": rows, "loads": loads, "downloads": downloads}


def report(result: dict[str, object], args: argparse.Namespace) -> dict[str, object]:
    loads = {k: median_load(v) for k, v in result["loads"].items()}  # type: ignore[attr-defined]
    downloads = {k: statistics.median(v) for k, v in result["downloads"].items()}  # type: ignore[attr-defined]
    hello, raw = loads["hello"], loads["raw PostGIS KNN"]
    rows = result["rows"]
    print(
        f"\n{rows:,} rows ({rows // 5:,} a layer); gunicorn {args.workers} gthread workers x "
        f"{args.threads} threads; wrk -t2 -c{args.connections}; medians of {args.rounds} rounds of {args.seconds:g} s"
    )
    print(
        f"{'':24s} {'req/s':>9s} {'p50 ms':>8s} {'p99 ms':>8s} {'x hello':>8s} {'p50 / raw KNN':>14s}"
    )
    for name, load in loads.items():
        print(
            f"{name:24s} {load.rps:9.0f} {load.p50_ms:8.2f} {load.p99_ms:8.2f} "
            f"{load.rps / hello.rps:8.2f} {load.p50_ms / raw.p50_ms:14.2f}"
        )
    ogr = downloads["ogr2ogr (GeoJSON)"]
    print(f"\n{'public_toilets download':24s} {'rows/s':>9s} {'x ogr2ogr':>10s}")
    for name, value in downloads.items():
        print(f"{name:24s} {value:9.0f} {value / ogr:10.2f}")
    near = loads["near (5 layers)"]
    checks = {
        "near-me (5 layers) >= 0.5x hello-world req/s": near.rps / hello.rps
        >= TARGETS["near_vs_hello"],
        "near-me (5 layers) p99 <= 5 ms": near.p99_ms <= TARGETS["near_p99_ms"],
        "GeoJSON download >= 1.5x ogr2ogr rows/s": downloads["GeoJSON download"] / ogr
        >= TARGETS["download_vs_ogr2ogr"],
    }
    for name, ok in checks.items():
        print(f"  {'met ' if ok else 'MISSED'}  {name}")
    return {
        "rows": rows,
        "loads": {k: vars(v) for k, v in loads.items()},
        "downloads_rows_per_s": downloads,
        "near_vs_hello": near.rps / hello.rps,
        "download_vs_ogr2ogr": downloads["GeoJSON download"] / ogr,
    }


def main() -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument(
        "--scales", default="100000,1000000", help="rows in the database, comma-separated"
    )
    wrk_options(p, seconds=5.0, connections=4, threads=8)
    p.add_argument("--json", type=Path, help="also write the figures to this file")
    args = p.parse_args()
    for tool in ("wrk", "ogr2ogr"):
        if shutil.which(tool) is None:
            raise SystemExit(
                f"this benchmark needs {tool}: apt-get install {'wrk' if tool == 'wrk' else 'gdal-bin'}"
            )
    summaries = [report(run_scale(int(s), args), args) for s in args.scales.split(",")]
    if len(summaries) > 1:
        first, last = summaries[0], summaries[-1]
        p99 = [s["loads"]["near (5 layers)"]["p99_ms"] for s in (first, last)]  # type: ignore[index]
        print(
            f"\nnear-me p99: {p99[0]:.2f} ms at {first['rows']:,} rows, {p99[1]:.2f} ms at {last['rows']:,} rows"
        )
    if args.json:
        args.json.write_text(json.dumps(summaries, indent=2))


if __name__ == "__main__":
    main()
