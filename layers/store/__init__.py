"""The store: one interface for reading and replacing layers, with a PostGIS implementation."""

from __future__ import annotations

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
    "open_store",
]


def open_store(database_url: str | None) -> Store:
    """The PostGIS store for a database URL."""
    if not database_url:
        raise StoreUnavailable(
            "no database configured: set DATABASE_URL (e.g. postgresql://postgres@127.0.0.1:5432/sharemap)"
        )
    from layers.store.postgis import PostgisStore

    return PostgisStore(database_url)
