"""The PostGIS store's copy, in each process, of the points near-me searches: each current layer
version's ids, lon/lat and filter fields in a NearIndex (layers.store.nearindex).

A KNN in PostGIS costs about half a millisecond a layer on a small machine, five times over
for the default near-me; in memory it is one search of a few tens of microseconds. The hits'
rows are then read by id, in the same statement that checks that every layer searched is
still at the version the copy holds: a newer load or a rollback sends the request to the SQL
search and the copy is read again, so no answer is ever stale.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from layers import registry
from layers.record import FeatureRecord
from layers.store.base import Filters
from layers.store.nearindex import IndexPart, NearIndex

log = logging.getLogger(__name__)

# the filters the copy holds the fields of (near-me's free=true and wheelchair=true)
MIRRORED_FILTERS = frozenset({"fee", "wheelchair"})


RECORD_CACHE_SIZE = 20_000
RETRY_AFTER_S = 60.0


class RecordCache:
    """A bounded map of records (the oldest out first), safe across threads."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: dict[tuple[int, str], FeatureRecord] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple[int, str]) -> FeatureRecord | None:
        return self._items.get(key)

    def put(self, key: tuple[int, str], record: FeatureRecord) -> FeatureRecord:
        with self._lock:
            while len(self._items) >= self.size:
                del self._items[next(iter(self._items))]
            self._items[key] = record
        return record


@dataclass(frozen=True)
class Plan:
    """The indexes that answer a near-me, and the versions (of the requested layers) they hold."""

    indexes: list[NearIndex]
    versions: dict[str, int]


class NearMirror:
    def __init__(self) -> None:
        self._lock = threading.Lock()  # one refresh at a time; the others use SQL meanwhile
        # (versions, layer indexes, default near-me index), replaced as one so readers never mix two
        self._held: tuple[dict[str, int], dict[str, NearIndex], NearIndex | None] = ({}, {}, None)
        self.stale = True  # nothing read yet, or a layer's version has changed since
        self._retry_at = 0.0  # after a failed refresh, not before this (time.monotonic())
        # the records of recent hits by (version_id, id): a popular place is read once
        self.records = RecordCache(RECORD_CACHE_SIZE)

    def plan(self, layers: tuple[str, ...], filters: Filters) -> Plan | None:
        """How to answer from the copy, or None (stale, or a filter it cannot apply)."""
        if self.stale or any(name not in MIRRORED_FILTERS for name, _value in filters):
            return None
        versions, by_layer, combined = self._held
        wanted = [layer for layer in dict.fromkeys(layers) if layer in versions]
        if combined is not None and sorted(wanted) == [layer for layer, _v in combined.key]:
            indexes = [combined]
        else:
            indexes = [by_layer[layer] for layer in wanted]
        return Plan(indexes, {layer: versions[layer] for layer in wanted})

    def refresh(
        self,
        read_versions: Callable[[], Mapping[str, int]],
        read_points: Callable[[str, int], IndexPart],
    ) -> None:
        """Read the current versions, and the points of each layer whose version changed;
        returns at once if another thread is at it."""
        if time.monotonic() < self._retry_at or not self._lock.acquire(blocking=False):
            return
        try:
            started = time.perf_counter()
            versions = dict(read_versions())
            _old_versions, old_layers, combined = self._held
            by_layer = {}
            read = []
            for layer_id, version_id in versions.items():
                held = old_layers.get(layer_id)
                if held is None or held.key != ((layer_id, version_id),):
                    held = NearIndex([read_points(layer_id, version_id)])
                    read.append(f"{layer_id} ({len(held):,} points)")
                by_layer[layer_id] = held
            # one index over the layers of the default near-me (the layers= of most requests)
            defaults = set(registry.near_default_ids())
            key = tuple(sorted((lid, v) for lid, v in versions.items() if lid in defaults))
            if len(key) < 2:
                combined = None
            elif combined is None or combined.key != key:
                parts = [by_layer[layer_id].parts[0] for layer_id, _version in key]
                combined = NearIndex(parts)
            self._held = (versions, by_layer, combined)
            self.stale = False
            if read:
                elapsed = time.perf_counter() - started
                log.info("near-me copy: read %s in %.1f s", ", ".join(read), elapsed)
        except Exception:
            # SQL answers meanwhile; not every request should wait for another failure
            self._retry_at = time.monotonic() + RETRY_AFTER_S
            raise
        finally:
            self._lock.release()


def points_part(
    layer_id: str,
    version_id: int,
    rows: list[tuple[str, float, float, str, str | None]],
) -> IndexPart:
    """An IndexPart of (id, lon, lat, fee, wheelchair as text) rows in id order."""
    n = len(rows)
    fee = np.array([r[3] for r in rows], dtype=object)
    wheelchair = np.array([r[4] for r in rows], dtype=object)
    columns = {"fee": fee, "wheelchair": wheelchair}

    def filter_mask(filters: Filters) -> np.ndarray | None:
        if not filters:
            return None
        mask = np.ones(n, dtype=bool)
        for name, value in filters:
            mask &= columns[name] == value
        return mask

    return IndexPart(
        layer_id=layer_id,
        version_id=version_id,
        ids=[r[0] for r in rows],
        lons=np.fromiter((r[1] for r in rows), dtype=float, count=n),
        lats=np.fromiter((r[2] for r in rows), dtype=float, count=n),
        filter_mask=filter_mask,
    )
