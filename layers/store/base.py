"""The abstract store interface every implementation (PostGIS, embedded) provides."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from layers.export import ExportFormat
from layers.record import FeatureRecord, Region, Reject
from layers.store.search import Place


class StoreError(Exception):
    """A store operation failed; the message is meant for the user."""


class StoreUnavailable(StoreError):
    """The store cannot be reached or is not set up (no server, no PostGIS, no migration)."""


class StaleVersion(StoreError):
    """A tile asked for a data_version that is no longer stored (a load or rollback won)."""


Filters = tuple[tuple[str, str], ...]  # (common field or prop name, value as text): equality

# The common fields a filter compares (as text, like PostgreSQL's `::text`); any other filter
# name is looked up in `props`.
FILTER_FIELDS = frozenset(
    {"id", "name", "address", "sido", "sigungu", "phone", "fee", "wheelchair", "updated_at"}
)


@dataclass(frozen=True)
class NearQuery:
    lon: float
    lat: float
    layers: tuple[str, ...]
    limit: int = 10
    radius_m: float = 20000.0
    filters: Filters = ()
    # a predicate evaluated in Python (e.g. open now); the store keeps searching until
    # `limit` features pass it or the radius is exhausted
    accept: Callable[[FeatureRecord], bool] | None = None


@dataclass(frozen=True)
class FeatureQuery:
    bbox: tuple[float, float, float, float] | None = None  # min_lon, min_lat, max_lon, max_lat
    filters: Filters = ()
    # updated_at interval (ISO date strings, inclusive; None = open end)
    datetime: tuple[str | None, str | None] | None = None
    limit: int | None = None
    offset: int = 0


@dataclass(frozen=True)
class LayerInfo:
    layer: str
    data_version: str
    count: int
    bbox: tuple[float, float, float, float] | None
    updated_min: str | None
    updated_max: str | None
    loaded_at: str  # ISO timestamp of the load
    stats: dict[str, Any] = field(default_factory=dict)


class Hit(NamedTuple):
    # a tuple, not a frozen dataclass: a near-me request builds many, and this is 3x cheaper
    feature: FeatureRecord
    distance_m: float


@dataclass(frozen=True)
class LoadOutcome:
    layer: str
    data_version: str
    rows: int
    changed: bool  # False when the data was identical to the current version
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TileQuery:
    """One XYZ Web Mercator tile of some layers (layers/tileset.py says what a tile holds).

    Each layer is pinned to a data_version, so that a tile's bytes are a function of its
    cache key; "regions" (the sigungu boundaries) is a layer too (its table has one version).
    """

    z: int
    x: int
    y: int
    layers: tuple[tuple[str, str], ...]  # (layer_id, data_version), in output order
    cluster_cells: int | None = None  # None: every point; N: clusters on an N×N tile grid


@dataclass(frozen=True)
class TilePoint:
    """A point (count 1) or a cluster to draw, in tile pixels of geo.tiles.EXTENT, y down."""

    layer: str
    px: float
    py: float
    count: int


class Store(ABC):
    """What the ETL writes through and the app reads from."""

    @abstractmethod
    def version(self, layer_id: str) -> str | None:
        """The current data_version of a layer, or None when it was never loaded."""

    @abstractmethod
    def versions(self) -> dict[str, str]:
        """data_version of every loaded layer (reference tables included)."""

    @abstractmethod
    def replace_layer(
        self,
        layer_id: str,
        records: Iterable[FeatureRecord],
        *,
        data_version: str,
        stats: dict[str, Any] | None = None,
    ) -> LoadOutcome:
        """Atomically make `records` the current version of a layer (keeping older ones)."""

    @abstractmethod
    def rollback(self, layer_id: str) -> str | None:
        """Discard the current version of a layer and make the one before it current.

        Returns the data_version now current, or None (and changes nothing) when the layer
        has no previous version.
        """

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
    def nearest(self, query: NearQuery) -> list[Hit]:
        """The nearest features by WGS84 geodesic distance, ties by id, across the layers."""

    @abstractmethod
    def vector_tile(self, query: TileQuery) -> bytes:
        """The Mapbox Vector Tile (extent 4096) of `query`: one MVT layer per layer that has
        features in the tile, named by its id; b"" when no layer has any.

        Unclustered points: those within tileset.POINT_BUFFER units of the tile, attributes
        tileset.COMMON_FIELDS + layer_fields(layer) (null values left out). Clustered: the
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
        `text`, best first (layers.store.search defines the match and the order). This default
        streams regions() and features(); a store may run the same search in its database."""
        from layers.store import search

        return search.scan(self, text, layers, limit)

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

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""
