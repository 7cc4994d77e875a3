"""The store: one interface for reading and replacing layers; PostGIS and embedded (GeoPackage)."""

from __future__ import annotations

from pathlib import Path

from layers.store.base import (
    FeatureQuery,
    Hit,
    LayerInfo,
    LoadOutcome,
    NearQuery,
    Store,
    StoreError,
    StoreUnavailable,
)

__all__ = [
    "FeatureQuery",
    "Hit",
    "LayerInfo",
    "LoadOutcome",
    "NearQuery",
    "Store",
    "StoreError",
    "StoreUnavailable",
    "embedded_dir",
    "near_cache_dir",
    "open_store",
]


def open_store(
    database_url: str | None,
    *,
    read_url: str | None = None,
    statement_timeout_ms: int | None = None,
    data_dir: Path | str | None = None,
) -> Store:
    """The PostGIS store when a database URL is set (its near-me snapshots cached under
    `data_dir`), reading from the streaming replica at `read_url` if given, else the embedded
    store under `data_dir`."""
    if read_url and not database_url:
        raise StoreUnavailable(
            "DATABASE_READ_URL is set without DATABASE_URL: set DATABASE_URL to the primary"
        )
    if database_url:
        from layers.store.postgis import PostgisStore

        cache_dir = None if data_dir is None else near_cache_dir(data_dir)
        archive_dir = Path(data_dir).expanduser() / "tiles" if data_dir is not None else None
        return PostgisStore(
            database_url,
            read_url=read_url,
            statement_timeout_ms=statement_timeout_ms,
            cache_dir=cache_dir,
            archive_dir=archive_dir,
        )
    if data_dir is None:
        raise StoreUnavailable(
            "no store configured: set DATABASE_URL (e.g. postgresql://postgres@127.0.0.1:5432/sharemap)"
            " or SHAREMAP_DATA_DIR for the embedded store"
        )
    from layers.store.embedded import EmbeddedStore

    return EmbeddedStore(embedded_dir(data_dir))


def embedded_dir(data_dir: Path | str) -> Path:
    """Where the embedded store keeps its files inside the data directory."""
    return Path(data_dir).expanduser() / "store"


def near_cache_dir(data_dir: Path | str) -> Path:
    """Where the PostGIS store keeps its near-me snapshots inside the data directory."""
    return Path(data_dir).expanduser() / "nearme-cache"
