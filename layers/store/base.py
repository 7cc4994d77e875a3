"""The abstract store interface every implementation (PostGIS, embedded) provides."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from layers.record import FeatureRecord, Region


class StoreError(Exception):
    """A store operation failed; the message is meant for the user."""


class StoreUnavailable(StoreError):
    """The store cannot be reached or is not set up (no server, no PostGIS, no migration)."""


Filters = tuple[tuple[str, str], ...]  # (common field or prop name, value as text): equality


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


@dataclass(frozen=True)
class Hit:
    feature: FeatureRecord
    distance_m: float


@dataclass(frozen=True)
class LoadOutcome:
    layer: str
    data_version: str
    rows: int
    changed: bool  # False when the data was identical to the current version
    extra: dict[str, Any] = field(default_factory=dict)


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

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""
