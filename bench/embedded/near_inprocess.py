"""Near-me in process (Flask test client): what /api/near adds over /healthz, and where it goes.

    python bench/embedded/near_inprocess.py [--data-dir DIR] [--queries 1000] [--profile]

Uses the store of `--data-dir` (SHAREMAP_DATA_DIR; DATABASE_URL for PostGIS) as it is, or loads
the real source files into a temporary embedded store. Both endpoints run in the same app,
interleaved, medians of per-request times. Target: near-me adds <= 0.12 ms. `--profile` prints
where the near-me requests' time goes (cProfile, cumulative).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from app.context import current_store  # noqa: E402
from layers import registry  # noqa: E402
from layers.config import Config  # noqa: E402

TARGET_MS = 0.12


def paths(app: object, n: int) -> list[str]:
    with app.app_context():  # type: ignore[attr-defined]
        store = current_store()
        records = [r for layer in registry.LAYER_IDS for r in store.features(layer)]
    rnd = random.Random(3)
    out = []
    for r in rnd.sample(records, min(n, len(records))):
        lat, lon = r.lat + rnd.uniform(-0.01, 0.01), r.lon + rnd.uniform(-0.01, 0.01)
        out.append(f"/api/near?lat={lat:.5f}&lon={lon:.5f}")
    return out


def timed(client: object, path: str) -> float:
    t = time.perf_counter()
    response = client.get(path)  # type: ignore[attr-defined]
    elapsed = time.perf_counter() - t
    assert response.status_code == 200, (path, response.status_code)
    return elapsed * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = args.data_dir or Path(tmp)
        if args.data_dir is None:
            env = {**os.environ, "SHAREMAP_DATA_DIR": tmp, "DATABASE_URL": ""}
            subprocess.run(["sharemap", "load"], env=env, check=True, capture_output=True)
        config = Config.from_env({**os.environ, "SHAREMAP_DATA_DIR": str(data_dir)})
        app = create_app(config)
        app.logger.disabled = True
        near = paths(app, args.queries)
        client = app.test_client()
        for path in near[:200]:  # warm: the snapshot mapped, the first requests done
            timed(client, path)
            timed(client, "/healthz")
        medians = []
        for _ in range(args.rounds):
            health, answers = [], []
            for path in near:
                health.append(timed(client, "/healthz"))
                answers.append(timed(client, path))
            medians.append((statistics.median(health), statistics.median(answers)))
        health_ms = statistics.median(m[0] for m in medians)
        near_ms = statistics.median(m[1] for m in medians)
        store = "PostGIS" if config.DATABASE_URL else "embedded"
        print(
            f"{store} store, {len(near)} near-me queries (all layers, limit 10), {args.rounds} rounds"
        )
        print(f"  /healthz   {health_ms:.3f} ms")
        print(f"  /api/near  {near_ms:.3f} ms")
        added = near_ms - health_ms
        verdict = "met" if added <= TARGET_MS else "MISSED"
        print(f"  near-me adds {added:.3f} ms (target <= {TARGET_MS} ms): {verdict}")
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for path in near:
                client.get(path)
            profiler.disable()
            stats = pstats.Stats(profiler).sort_stats("cumulative")
            stats.print_stats(30)


if __name__ == "__main__":
    main()
