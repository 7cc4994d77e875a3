"""HTTP near-me on the embedded store next to a hello-world Flask app, same gunicorn settings.

    python bench/embedded/near_http.py [--seconds 5] [--rounds 3] [--connections 4]

Loads the real source files into a temporary embedded store (no database server), serves the
app on it with `sharemap serve` and the hello-world app (bench/http/hello.py) under the same
gunicorn settings, and drives both with wrk (apt-get install wrk), A B A B. Target: >= 0.5x.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.harness import (
    hello_server,
    median_load,
    real_embedded_store,
    sharemap_server,
    wrk,
    wrk_options,
)
from layers.record import FeatureRecord
from layers.store.embedded import EmbeddedStore


def near_paths(records: list[FeatureRecord], n: int = 2000) -> list[str]:
    rnd = random.Random(3)
    out = []
    for r in rnd.sample(records, min(n, len(records))):
        lat = r.lat + rnd.uniform(-0.01, 0.01)
        lon = r.lon + rnd.uniform(-0.01, 0.01)
        out.append(f"/api/near?lat={lat:.5f}&lon={lon:.5f}&limit=10")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    wrk_options(parser, seconds=5.0, connections=4, threads=4)
    args = parser.parse_args()
    with real_embedded_store() as data_dir:
        env = {"SHAREMAP_DATA_DIR": str(data_dir), "DATABASE_URL": ""}
        store = EmbeddedStore(data_dir / "store")
        records = list(store.features("public_toilets")) + list(store.features("bike_stations"))
        store.close()
        paths = near_paths(records)
        ratios, near_runs, hello_runs = [], [], []
        for _ in range(args.rounds):
            with sharemap_server(env, args.workers, args.threads) as base:
                wrk(base, paths[:200], 3, args.connections)  # warm-up: every worker opens the store
                near = wrk(base, paths, args.seconds, args.connections)
            with hello_server(args.workers, args.threads) as base:
                # warmed up like the app: a run against workers still booting would land every
                # connection on the first one up and halve its figure
                wrk(base, ["/"], 3, args.connections)
                hello = wrk(base, ["/"], args.seconds, args.connections)
            near_runs.append(near)
            hello_runs.append(hello)
            ratios.append(near.rps / hello.rps)
    print(
        f"{args.workers} workers x {args.threads} threads, {args.connections} connections, {args.rounds} rounds"
    )
    print("               req/s    p50 ms   p99 ms")
    for name, runs in (("near-me", near_runs), ("hello-world", hello_runs)):
        m = median_load(runs)
        print(f"  {name:12} {m.rps:8.0f}  {m.p50_ms:7.2f}  {m.p99_ms:7.2f}")
    print(f"ratio near-me / hello-world: {statistics.median(ratios):.2f}x (target >= 0.5x)")


if __name__ == "__main__":
    main()
