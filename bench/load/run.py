"""Sustained mixed load: `sharemap serve --workers 2` on PostGIS with the real files loaded, 16
keep-alive connections for 60 s sending near-me, items, tiles, downloads and pages.

Prints per endpoint group the answers, errors, p50 and p99, and each worker's RSS at the start
(after a warm-up) and at the end. Needs the local PostgreSQL with PostGIS (DATABASE_ADMIN_URL);
creates and drops its own database unless --database-url names a loaded one. Outside CI.

    python bench/load/run.py [--seconds 60] [--connections 16] [--database-url URL]
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections import defaultdict
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]
ADMIN_URL = os.environ.get("DATABASE_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
LAYERS = ("bike_stations", "public_toilets", "cooling_shelters", "campsites")
SIGUNGU = ("강남구", "종로구", "마포구", "송파구", "은평구")  # with sido=서울특별시
# share of each group in the mix (a map page asks for many tiles per near-me search)
MIX = {"near": 30, "items": 15, "tiles": 40, "downloads": 5, "pages": 10}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def seoul_point(rnd: random.Random) -> tuple[float, float]:
    return 126.85 + rnd.random() * 0.3, 37.45 + rnd.random() * 0.2


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    import math

    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def next_request(rnd: random.Random) -> tuple[str, str]:
    group = rnd.choices(list(MIX), weights=list(MIX.values()))[0]
    lon, lat = seoul_point(rnd)
    if group == "near":
        extra = rnd.choice(["", "&layers=public_toilets", "&limit=5&free=true", "&open_now=true"])
        return group, f"/api/near?lat={lat:.5f}&lon={lon:.5f}{extra}"
    if group == "items":
        layer = rnd.choice(LAYERS)
        bbox = f"{lon:.4f},{lat:.4f},{lon + 0.02:.4f},{lat + 0.02:.4f}"
        return group, f"/collections/{layer}/items?bbox={bbox}&limit=50"
    if group == "tiles":
        z = rnd.choice((11, 12, 13, 14, 15))
        x, y = tile_of(lon, lat, z)
        kind = rnd.choice(("mvt", "mvt", "png"))
        if kind == "mvt":
            return group, f"/tiles/{z}/{x}/{y}.mvt"
        return group, f"/tiles/{rnd.choice(LAYERS)}/{z}/{x}/{y}.png"
    if group == "downloads":
        layer, fmt = rnd.choice(LAYERS), rnd.choice(("csv", "geojson"))
        where = urllib.parse.urlencode({"sido": "서울특별시", "sigungu": rnd.choice(SIGUNGU)})
        return group, f"/download/{layer}.{fmt}?{where}"
    return group, rnd.choice(("/near", "/embed?zoom=15", "/embed/builder", "/"))


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def workers(pid: int) -> list[int]:
    return sorted(int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split())


def client(port: int, seed: int, until: float, out: dict[str, list[float]], errors: list) -> None:
    rnd = random.Random(seed)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    while time.monotonic() < until:
        group, url = next_request(rnd)
        started = time.perf_counter()
        try:
            conn.request("GET", url, headers={"Accept-Encoding": "gzip"})
            response = conn.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException) as exc:
            errors.append((group, url, repr(exc)))
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            continue
        elapsed = (time.perf_counter() - started) * 1e3
        if status not in (200, 204):
            errors.append((group, url, status))
        out[group].append(elapsed)
    conn.close()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def loaded_database() -> str:
    name = f"sharemap_bench_load_{uuid.uuid4().hex[:8]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    for args in (["db", "upgrade"], ["load"]):
        subprocess.run(
            [sys.executable, str(ROOT / "cli.py"), *args, "--database-url", url],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return url


def drop_database(url: str) -> None:
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=60)
    p.add_argument("--connections", type=int, default=16)
    p.add_argument("--database-url")
    args = p.parse_args()
    url = args.database_url or loaded_database()
    port = free_port()
    data_dir = tempfile.mkdtemp(prefix="sharemap-bench-load-")
    env = {**os.environ, "DATABASE_URL": url, "SHAREMAP_DATA_DIR": data_dir}
    env.pop("SHAREMAP_RATE_LIMITS", None)
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "cli.py"), "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/readyz")
                if conn.getresponse().status == 200 and len(workers(server.pid)) == 2:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        # warm-up: every kind of request a few times, so that start-up costs are not measured
        warm: dict[str, list[float]] = defaultdict(list)
        client(port, 0, time.monotonic() + 5, warm, [])
        pids = workers(server.pid)
        rss_start = {pid: rss_mb(pid) for pid in pids}
        results: dict[str, list[float]] = defaultdict(list)
        errors: list = []
        until = time.monotonic() + args.seconds
        threads = [
            threading.Thread(target=client, args=(port, i + 1, until, results, errors))
            for i in range(args.connections)
        ]
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join(args.seconds + 60)
        took = time.monotonic() - started
        rss_end = {pid: rss_mb(pid) for pid in workers(server.pid)}
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(60)
        if not args.database_url:
            drop_database(url)
    total = sum(len(v) for v in results.values())
    print(
        f"{args.connections} connections, {took:.0f} s: {total} answers, {total / took:.0f} req/s"
    )
    print(f"{'group':<10} {'answers':>8} {'p50 ms':>8} {'p99 ms':>8}")
    for group in MIX:
        values = results.get(group, [])
        if values:
            print(
                f"{group:<10} {len(values):>8} {statistics.median(values):>8.1f} "
                f"{percentile(values, 99):>8.1f}"
            )
    print(f"errors: {len(errors)}", *errors[:10], sep="\n  ")
    print("worker RSS MB, start -> end:")
    for pid in sorted(set(rss_start) | set(rss_end)):
        print(f"  {pid}: {rss_start.get(pid, 0):.0f} -> {rss_end.get(pid, 0):.0f}")
    print("workers unchanged" if set(rss_start) == set(rss_end) else "a worker was replaced")
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
