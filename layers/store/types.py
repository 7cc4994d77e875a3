"""The values that cross the store's boundary: queries, hits, layer information, errors.

Their own module, so that the store interface (base.py), the near-me engine (nearme.py) and
the place search (places_search.py) all import them without importing one another.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, NamedTuple

from layers import fields
from layers.record import FeatureRecord


class StoreError(Exception):
    """A store operation failed; the message is meant for the user."""


class StoreUnavailable(StoreError):
    """The store cannot be reached or is not set up (no server, no PostGIS, no migration)."""


class StaleVersion(StoreError):
    """A tile asked for a data_version that is no longer stored (a load or rollback won)."""


Filters = tuple[tuple[str, str], ...]  # (common field or prop name, value as text): equality

# The common fields a filter compares; any other filter name is looked up in `props`.
FILTER_FIELDS = fields.FILTER_FIELDS


@dataclass(frozen=True)
class NearQuery:
    lon: float
    lat: float
    layers: tuple[str, ...]
    limit: int = 10
    radius_m: float = 20000.0
    filters: Filters = ()
    # a predicate on the whole record; the search keeps going until `limit` features pass it
    # or the radius is exhausted (slow: the near-me API itself uses `open_now`)
    accept: Callable[[FeatureRecord], bool] | None = None
    # the moment each hit's opening status is evaluated at (None: not evaluated)
    at: datetime | None = None
    # only features open at `at`; those whose hours are unknown are counted, not returned
    open_now: bool = False


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
class LayerWrite:
    """One layer's new version in a group swap (Store.replace_layers)."""

    layer: str
    records: Iterable[FeatureRecord]
    data_version: str
    stats: dict[str, Any] = field(default_factory=dict)


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


@dataclass(frozen=True)
class Place:
    """A search result: a point to search near, with what to call it."""

    kind: Literal["region", "feature"]
    id: str  # sigungu code or feature id
    name: str  # sigungu or feature name
    address: str | None  # sido for a region, the address of a feature
    layer: str | None  # None for a region
    lon: float
    lat: float
