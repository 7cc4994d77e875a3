"""Embedded near-me in process: µs per query next to scipy cKDTree and shapely STRtree.

The baselines index the same points (projected to EPSG:5179 metres, so a planar k-NN is
nearly the geodesic one) and answer the same random queries, one call per query, in the same
run. The embedded store does more: geodesic re-ranking, ties by id, a radius, layer choice.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import shapely
from scipy.spatial import cKDTree

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from geo.crs import transformer  # noqa: E402
from layers.record import FeatureRecord  # noqa: E402
from layers.store import NearQuery  # noqa: E402
from layers.store.embedded import EmbeddedStore  # noqa: E402

LAYER = "public_toilets"


def synthetic_points(n: int, seed: int = 7) -> list[FeatureRecord]:
    """Points clustered like the real data: dense around a few Korean cities."""
    rnd = random.Random(seed)
    cities = [
        (126.98, 37.56, 0.15),
        (129.07, 35.18, 0.1),
        (126.70, 37.45, 0.1),
        (127.38, 36.35, 0.08),
    ]
    out = []
    for i in range(n):
        lon0, lat0, spread = rnd.choice(cities)
        out.append(
            FeatureRecord(
                layer=LAYER,
                id=f"{LAYER}:bench:{i:07d}",
                name=f"place {i}",
                lon=round(rnd.gauss(lon0, spread), 7),
                lat=round(rnd.gauss(lat0, spread * 0.8), 7),
                fee="free",
                source=f"bench#{i}",
            )
        )
    return out


def per_query_us(fn, queries) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    times = []
    for q in queries:
        t = time.perf_counter_ns()
        fn(q)
        times.append((time.perf_counter_ns() - t) / 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.99) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=3000)
    parser.add_argument("--k", type=int, default=10)
    args = parser.parse_args()

    records = synthetic_points(args.points)
    rnd = random.Random(1)
    queries = [
        (r.lon + rnd.uniform(-0.01, 0.01), r.lat + rnd.uniform(-0.01, 0.01))
        for r in rnd.sample(records, args.queries)
    ]
    with tempfile.TemporaryDirectory() as tmp:
        store = EmbeddedStore(Path(tmp))
        store.replace_layer(LAYER, records, data_version="bench")
        store.nearest(NearQuery(127.0, 37.5, (LAYER,), limit=1))  # load the index

        lon = np.array([r.lon for r in records])
        lat = np.array([r.lat for r in records])
        fwd = transformer(4326, 5179)
        x, y = fwd.transform(lon, lat)
        kd = cKDTree(np.column_stack([x, y]))
        strtree = shapely.STRtree(shapely.points(x, y))
        qxy = [fwd.transform(qlon, qlat) for qlon, qlat in queries]

        k = args.k
        emb = per_query_us(
            lambda q: store.nearest(NearQuery(q[0], q[1], (LAYER,), limit=k)), queries
        )
        kdt = per_query_us(lambda q: kd.query(q, k=k), qxy)
        stt = per_query_us(lambda q: strtree.query_nearest(shapely.Point(q)), qxy)
        store.close()
    print(f"{args.points:,} points, {args.queries:,} queries, k={k}; µs per query (median / p99)")
    print(f"  embedded store nearest   {emb[0]:8.1f} / {emb[1]:8.1f}")
    print(f"  scipy cKDTree k={k:<3}      {kdt[0]:8.1f} / {kdt[1]:8.1f}")
    print(f"  shapely STRtree nearest  {stt[0]:8.1f} / {stt[1]:8.1f}   (k=1)")
    print(f"ratio embedded / cKDTree: {emb[0] / kdt[0]:.1f}x (target <= 5x)")
    print(f"ratio embedded / STRtree: {emb[0] / stt[0]:.1f}x")


if __name__ == "__main__":
    main()
