"""The abstract store interface every implementation (PostGIS, embedded) provides."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from layers.export import ExportFormat
from layers.record import FeatureRecord, Region, Reject
from layers.store.types import (
    FILTER_FIELDS,
    FeatureQuery,
    Filters,
    Hit,
    LayerInfo,
    LayerWrite,
    LoadOutcome,
    NearQuery,
    Place,
    StaleVersion,
    StoreError,
    StoreUnavailable,
    TilePoint,
    TileQuery,
)

if TYPE_CHECKING:  # imported when used: a process that only loads needs none of it
    from layers.store.nearme import NearAnswer, Snapshot


class Store(ABC):
    """What the ETL writes through and the app reads from."""

    @abstractmethod
    def version(self, layer_id: str) -> str | None:
        """The current data_version of a layer, or None when it was never loaded."""

    @abstractmethod
    def versions(self) -> dict[str, str]:
        """data_version of every loaded layer (reference tables included)."""

    def replace_layer(
        self,
        layer_id: str,
        records: Iterable[FeatureRecord],
        *,
        data_version: str,
        stats: dict[str, Any] | None = None,
    ) -> LoadOutcome:
        """Atomically make `records` the current version of a layer (keeping older ones)."""
        return self.replace_layers([LayerWrite(layer_id, records, data_version, stats or {})])[0]

    def rollback(self, layer_id: str) -> str | None:
        """Discard the current version of a layer and make the one before it current.

        Returns the data_version now current, or None (and changes nothing) when the layer
        has no previous version.
        """
        now = self.rollback_layers([layer_id])
        return now[layer_id] if now else None

    @abstractmethod
    def replace_layers(self, writes: Sequence[LayerWrite]) -> list[LoadOutcome]:
        """Make the writes' records the current versions of their layers (a group: a layer
        and the companion layers written with it) in one swap: readers see all the old
        versions or all the new ones. When every layer's data_version is already current,
        nothing changes; otherwise every layer of the group gets a new version, an unchanged
        one too, so that the group's versions stay in step and rollback_layers moves them
        together. A failure before the swap leaves every previous version current."""

    @abstractmethod
    def rollback_layers(self, layer_ids: Sequence[str]) -> dict[str, str] | None:
        """rollback() of a group in one swap: the data_versions now current, or None (and
        nothing changed) unless every layer of the group has a previous version."""

    @abstractmethod
    def replace_regions(self, regions: Iterable[Region], *, data_version: str) -> LoadOutcome:
        """Atomically replace the sigungu reference table."""

    @abstractmethod
    def regions(self) -> Iterator[Region]: ...

    @abstractmethod
    def layer_info(self, layer_id: str) -> LayerInfo | None:
        """Version, count, extent and load statistics of a loaded layer."""

    @abstractmethod
    def count(self, layer_id: str, query: FeatureQuery | None = None) -> int: ...

    @abstractmethod
    def get(self, layer_id: str, feature_id: str) -> FeatureRecord | None: ...

    @abstractmethod
    def features(self, layer_id: str, query: FeatureQuery | None = None) -> Iterator[FeatureRecord]:
        """Features ordered by id, streamed."""

    @abstractmethod
    def near_snapshot(self) -> Snapshot:
        """The near-me snapshot of the current layer versions (layers.store.nearme), mapped
        in from its files: built first if no process has yet. No database round trip once a
        process holds it; a store learns of new versions on its own (manifest, NOTIFY)."""

    def near(self, query: NearQuery) -> NearAnswer:
        """The nearest features by WGS84 geodesic distance, ties by id, across the layers:
        positions in the snapshot, their distances and opening status."""
        from layers.store import nearme

        return nearme.search(self.near_snapshot(), query)

    def nearest(self, query: NearQuery) -> list[Hit]:
        """near() as records."""
        return self.near(query).records()

    @abstractmethod
    def vector_tile(self, query: TileQuery) -> bytes:
        """The Mapbox Vector Tile (extent 4096) of `query`: one MVT layer per layer that has
        features in the tile, named by its id; b"" when no layer has any.

        Unclustered points: those within tileset.POINT_BUFFER units of the tile, attributes
        tileset.COMMON_TILE_FIELDS + layer_fields(layer) (null values left out). Clustered: the
        points inside the tile (half-open: 0 ≤ px, py < 4096) grouped by geo.tiles.grid_cell,
        one point per non-empty cell at the mean pixel with `count`, and `id`/`name` when the
        count is 1; no buffer, so the counts of a zoom's tiles add up to the rows. "regions":
        sigungu polygons clipped to the tile plus a 64-unit buffer, tileset.REGION_FIELDS.
        """

    @abstractmethod
    def tile_points(self, query: TileQuery, *, margin: float = 0.0) -> list[TilePoint]:
        """The points (or, with cluster_cells, clusters) of the query's point layers that a
        raster tile draws: as vector_tile's, plus those whose pixel lies within `margin`
        units outside the tile (clusters: of the grid cells that reach into that margin), so
        that a marker across a tile edge is drawn on both sides."""

    def export(
        self, layer_id: str, fmt: ExportFormat, query: FeatureQuery | None = None
    ) -> Iterator[str]:
        """A download of the layer's features in id order, streamed as non-empty text chunks:
        comma-separated GeoJSON Feature texts (fmt "geojson"; the caller adds the commas
        between chunks) or CRLF-terminated CSV lines of layers.export.csv_columns (fmt "csv").
        The shape is layers.export's; a store may build the same text faster in its database."""
        from layers import export

        return export.text_chunks(self.features(layer_id, query), fmt)

    def search(self, text: str, *, layers: tuple[str, ...], limit: int = 10) -> list[Place]:
        """Regions, then features of `layers`, whose names (and addresses) hold every word of
        `text`, best first (layers.store.places_search defines the match and the order). This
        default streams regions() and features(); a store may run the same search in its
        database."""
        from layers.store import places_search

        return places_search.scan(self, text, layers, limit)

    @abstractmethod
    def store_rejects(self, layer_id: str, data_version: str, rejects: Iterable[Reject]) -> None:
        """Keep the rows a load rejected (and why) with the kept version `data_version` of a
        layer, replacing what was kept with it before; they go when the version is pruned.
        Raises StoreError when no kept version of the layer has that data_version."""

    @abstractmethod
    def rejects(self, layer_id: str) -> list[Reject]:
        """The rows the load of the layer's current version rejected, by file and row ([]
        when none were kept)."""

    # -- tile archives (layers/tilearchive.py): one per tileset version -------------------

    def has_tile_archive(self, token: str) -> bool:
        """True when the archive of tileset version `token` is stored."""
        return False

    def tile_archive(self, token: str) -> Path | None:
        """A local file holding the archive of tileset version `token`, or None while the store
        has none (the app then builds tiles live)."""
        return None

    def save_tile_archive(self, token: str, path: Path) -> None:
        """Keep the archive file at `path` (taken over) as tileset version `token`, and only as
        many archives as the store keeps versions of a layer, the newest."""
        raise StoreError(f"{type(self).__name__} cannot keep tile archives")

    def warm_up(self) -> None:  # noqa: B027 - optional hook
        """Build now what the first near-me query would (indexes in memory), so that it is not a
        visitor's request that waits for it."""

    def replication_lag(self) -> float | None:
        """Seconds the read replica this store reads from is behind; None when it reads from
        no replica (a primary, the embedded store)."""
        return None

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""


__all__ = [
    "FILTER_FIELDS",
    "FeatureQuery",
    "Filters",
    "Hit",
    "LayerInfo",
    "LayerWrite",
    "LoadOutcome",
    "NearQuery",
    "Place",
    "StaleVersion",
    "Store",
    "StoreError",
    "StoreUnavailable",
    "TilePoint",
    "TileQuery",
]
