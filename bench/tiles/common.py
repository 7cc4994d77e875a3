"""Shared by the tile benchmarks: a database loaded from the real files, and the tiles to ask for."""

from __future__ import annotations

import os
import sys
import tempfile
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from geo.tiles import Tile, tile_for  # noqa: E402
from layers import registry, tileset  # noqa: E402
from layers.store.base import TileQuery  # noqa: E402
from layers.store.postgis import PostgisStore, engine_url  # noqa: E402

ADMIN_URL = os.environ.get("DATABASE_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
SEOUL_Z8 = Tile(218, 99, 8)


@contextmanager
def loaded_database(database_url: str | None) -> Iterator[str]:
    """`database_url` when given (already loaded), else a new database loaded from the real
    files and dropped afterwards."""
    if database_url:
        yield database_url
        return
    from etl.jobs import JobSettings, run
    from layers.config import Config
    from layers.store.postgis.migrate import upgrade

    name = f"sharemap_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(engine_url(ADMIN_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        store = PostgisStore(url)
        with tempfile.TemporaryDirectory() as reports:
            settings = JobSettings(
                source_dir=Config.from_env().source_dir, report_dir=Path(reports)
            )
            run(store, registry.LAYER_IDS, settings)
        with store.engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()
        store.close()
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


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
