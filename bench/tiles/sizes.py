"""Tile sizes and database times per zoom, unclustered and clustered, for the densest tiles:
the measurement behind tileset.CLUSTER_BELOW_ZOOM (no tile over 500 KB, z8 Seoul ≤ 50 ms).

    python bench/tiles/sizes.py [--database-url URL] [--zooms 5-16]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.harness import real_database
from geo.tiles import Tile, tile_for
from layers import registry, tileset
from layers.store.base import TileQuery
from layers.store.postgis import PostgisStore

LIMIT_BYTES = 500_000
LIMIT_MS = 50.0
SEOUL_Z8 = Tile(218, 99, 8)


def all_layers(store: PostgisStore) -> tuple[tuple[str, str], ...]:
    """Every loaded layer, regions first, pinned to its current version."""
    versions = store.versions()
    ids = (tileset.REGIONS, *registry.LAYER_IDS)
    return tuple((layer, versions[layer]) for layer in ids if layer in versions)


def densest_tiles(store: PostgisStore, z: int, n: int) -> list[tuple[Tile, int]]:
    """The `n` tiles of zoom `z` holding the most points, with their point counts."""
    counts: Counter[Tile] = Counter()
    for layer in registry.LAYER_IDS:
        for record in store.features(layer):
            counts[tile_for(record.lon, record.lat, z)] += 1
    return counts.most_common(n)


def query(tile: Tile, layers: tuple[tuple[str, str], ...], cells: int | None) -> TileQuery:
    return TileQuery(tile.z, tile.x, tile.y, layers, cells)


def timed(store: PostgisStore, q, repeat: int) -> tuple[int, float]:  # type: ignore[no-untyped-def]
    times = []
    size = 0
    for _ in range(repeat):
        start = time.perf_counter()
        size = len(store.vector_tile(q))
        times.append((time.perf_counter() - start) * 1000)
    return size, statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url")
    parser.add_argument("--zooms", default="5-16")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    lo, hi = (int(z) for z in args.zooms.split("-"))
    with real_database(args.database_url) as url:
        store = PostgisStore(url)
        layers = all_layers(store)
        print(f"layers: {', '.join(layer for layer, _ in layers)}")
        print(
            f"{'z':>3} {'densest tile':>16} {'points':>7} | {'raw KB':>8} {'raw ms':>7} | "
            f"{'grid16 KB':>9} {'grid16 ms':>9} | {'grid32 KB':>9} {'grid32 ms':>9}"
        )
        first_fit = None
        for z in range(lo, hi + 1):
            (tile, points), *_ = densest_tiles(store, z, 1)
            raw_kb, raw_ms = timed(store, query(tile, layers, None), args.repeat)
            g16_kb, g16_ms = timed(store, query(tile, layers, 16), args.repeat)
            g32_kb, g32_ms = timed(store, query(tile, layers, 32), args.repeat)
            fits = raw_kb < LIMIT_BYTES and raw_ms < LIMIT_MS
            if fits and first_fit is None:
                first_fit = z
            print(
                f"{z:>3} {f'{tile.z}/{tile.x}/{tile.y}':>16} {points:>7} | {raw_kb / 1000:>8.1f} "
                f"{raw_ms:>7.1f} | {g16_kb / 1000:>9.1f} {g16_ms:>9.1f} | {g32_kb / 1000:>9.1f} "
                f"{g32_ms:>9.1f}{'' if fits else '  (raw over the limit)'}"
            )
        kb, ms = timed(store, query(SEOUL_Z8, layers, tileset.cluster_cells(8)), args.repeat * 4)
        print(
            f"z8 Seoul {SEOUL_Z8.z}/{SEOUL_Z8.x}/{SEOUL_Z8.y} as served: {kb / 1000:.1f} KB, {ms:.1f} ms median"
        )
        print(f"smallest zoom whose densest raw tile is < 500 KB and < 50 ms: {first_fit}")
        print(f"tileset.CLUSTER_BELOW_ZOOM = {tileset.CLUSTER_BELOW_ZOOM}")
        store.close()


if __name__ == "__main__":
    main()
