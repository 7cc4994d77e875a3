"""The embedded store: GeoPackage files in a directory, read into memory per layer version.

The directory holds `manifest.json` and one `<layer>.<version_id>.gpkg` per kept layer version
(plus `regions.<version_id>.gpkg`). A load writes its GeoPackage to a temp file, fsyncs it and
renames it into place, then replaces the manifest the same way: readers see the old manifest or
the new one, never a half-written file. Readers stat the manifest at most every
`RELOAD_CHECK_S` on read calls and switch to a newer one without a restart. Near-me is
answered from a snapshot (layers.store.nearme) of the current versions in `nearme/` beside them.
"""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geo.tiles import Tile
from layers import tilearchive
from layers.record import FeatureRecord, Region, Reject
from layers.store.base import (
    FeatureQuery,
    LayerInfo,
    LayerWrite,
    LoadOutcome,
    StaleVersion,
    Store,
    StoreError,
    StoreUnavailable,
    TilePoint,
    TileQuery,
)
from layers.store.embedded import disk, gpkg, tiles
from layers.store.embedded.disk import Manifest, Signature, Version
from layers.store.embedded.memory import LayerIndex
from layers.store.embedded.tiles import RegionsIndex

if TYPE_CHECKING:
    from layers.store import nearme

KEEP_VERSIONS = 3  # the current one and the two before it, like the PostGIS store
RELOAD_CHECK_S = 0.5
REGIONS = "regions"
NEAR_DIR = "nearme"  # the near-me snapshots, beside the GeoPackages
_RETRIES = 5


class EmbeddedStore(Store):
    def __init__(self, directory: Path | str, *, preload: bool = True) -> None:
        self.directory = Path(directory)
        self._lock = threading.RLock()
        self._manifest = Manifest()
        self._signature: Signature | None = None
        self._next_check = 0.0
        # layer versions in memory: the current ones, and older ones a tile asked for
        self._indexes: dict[tuple[str, int], LayerIndex] = {}
        self._regions: RegionsIndex | None = None
        self._near: nearme.Snapshot | None = None
        self._near_manifest: Manifest | None = None  # the manifest _near was checked against
        self._near_lock = threading.Lock()
        self._reload()
        if preload:
            for layer_id in self._manifest.layers:
                if layer_id != REGIONS:
                    self._layer(layer_id)

    def check(self) -> None:
        """Raise StoreUnavailable with a clear message unless the directory is writable."""
        with disk.write_lock(self.directory):
            pass

    def close(self) -> None:
        with self._lock:
            for layer in self._indexes.values():
                layer.close()
            self._indexes.clear()
            self._regions = None
            self._near = None

    # -- the current manifest and hot reload ----------------------------------------------

    def _current(self) -> Manifest:
        now = time.monotonic()
        if now >= self._next_check:
            with self._lock:
                self._next_check = now + RELOAD_CHECK_S
                if disk.manifest_signature(self.directory) != self._signature:
                    self._reload()
        return self._manifest

    def _reload(self) -> None:
        with self._lock:
            manifest, signature = disk.read_manifest(self.directory)
            self._manifest, self._signature = manifest, signature
            for key in list(self._indexes):
                current = manifest.current(key[0])
                if current is None or current.version_id != key[1]:
                    del self._indexes[key]  # a reader mid-query keeps its own reference

    def _check_now(self) -> None:
        self._next_check = 0.0

    def _layer(self, layer_id: str) -> LayerIndex | None:
        """The current version of a point layer in memory (None: never loaded)."""
        return self._pinned(layer_id, None)

    def _pinned(self, layer_id: str, data_version: str | None) -> LayerIndex | None:
        """A kept version of a point layer in memory: the current one, or (for a tile pinned
        to it) the newest kept version with `data_version`, preferring the current one."""
        if layer_id == REGIONS:
            return None
        for _ in range(_RETRIES):
            entry = _find(self._current(), layer_id, data_version)
            if entry is None:
                return None
            layer = self._indexes.get((layer_id, entry.version_id))
            if layer is not None:
                return layer
            with self._lock:
                layer = self._indexes.get((layer_id, entry.version_id))
                if layer is not None:
                    return layer
                try:
                    records = gpkg.read_features(self.directory / entry.file, layer_id)
                except gpkg.FileMissing:
                    # a newer manifest dropped this file after ours was read: catch up
                    self._reload()
                    continue
                layer = LayerIndex(layer_id, entry.version_id, records)
                self._indexes[(layer_id, entry.version_id)] = layer
                return layer
        raise StoreUnavailable(f"the embedded store at {self.directory} keeps changing; try again")

    def _regions_index(self, data_version: str | None = None) -> RegionsIndex | None:
        for _ in range(_RETRIES):
            entry = _find(self._current(), REGIONS, data_version)
            if entry is None:
                return None
            cached = self._regions
            if cached is not None and cached.version_id == entry.version_id:
                return cached
            try:
                regions = gpkg.read_regions(self.directory / entry.file)
            except gpkg.FileMissing:
                with self._lock:
                    self._reload()
                continue
            cached = self._regions = RegionsIndex(entry.version_id, regions)
            return cached
        raise StoreUnavailable(f"the embedded store at {self.directory} keeps changing; try again")

    # -- versions -------------------------------------------------------------------------

    def version(self, layer_id: str) -> str | None:
        entry = self._current().current(layer_id)
        return entry.data_version if entry else None

    def versions(self) -> dict[str, str]:
        return {layer: v[-1].data_version for layer, v in self._current().layers.items()}

    # -- writing --------------------------------------------------------------------------

    def replace_layers(self, writes: Sequence[LayerWrite]) -> list[LoadOutcome]:
        for w in writes:
            disk.check_layer_id(w.layer)
        return self._replace(
            [
                _Write(w.layer, w.data_version, _features_writer(w), KEEP_VERSIONS, w.stats)
                for w in writes
            ]
        )

    def rollback_layers(self, layer_ids: Sequence[str]) -> dict[str, str] | None:
        with disk.write_lock(self.directory):
            manifest = self._writable_manifest()
            kept = {layer_id: manifest.layers.get(layer_id, ()) for layer_id in layer_ids}
            if any(len(versions) < 2 for versions in kept.values()):
                return None
            after = manifest
            for layer_id, versions in kept.items():
                after = after.with_versions(layer_id, versions[:-1])
            self._commit(after, manifest)  # one manifest replacement for the group
        return {layer_id: versions[-2].data_version for layer_id, versions in kept.items()}

    def replace_regions(self, regions: Iterable[Region], *, data_version: str) -> LoadOutcome:
        # like the PostGIS store, only the current regions are kept
        write = _Write(REGIONS, data_version, lambda path: gpkg.write_regions(path, regions), 1)
        return self._replace([write])[0]

    def _replace(self, writes: Sequence[_Write]) -> list[LoadOutcome]:
        """Write each new version's GeoPackage (`write` returns its rows), then make them all
        current in one manifest replacement, keeping the last `keep` versions of each; nothing
        changes when every data_version is current (see Store.replace_layers)."""
        with disk.write_lock(self.directory):
            manifest = self._writable_manifest()
            current = {w.layer: manifest.current(w.layer) for w in writes}
            if all(
                (c := current[w.layer]) is not None and c.data_version == w.data_version
                for w in writes
            ):
                return [
                    LoadOutcome(w.layer, w.data_version, c.rows, changed=False)
                    for w in writes
                    if (c := current[w.layer]) is not None
                ]
            after, written = manifest, []
            try:
                for w in writes:
                    version_id = after.next_version_id
                    name = f"{w.layer}.{version_id}.gpkg"
                    with disk.placed_atomically(self.directory / name) as tmp:
                        rows = w.write(tmp)
                    written.append(name)
                    entry = Version(version_id, w.data_version, name, rows, _now(), dict(w.stats))
                    kept = (*after.layers.get(w.layer, ()), entry)
                    after = after.with_versions(w.layer, kept[-w.keep :])
            except BaseException:
                disk.remove_files(self.directory, set(written))  # never named by a manifest
                raise
            self._commit(after, manifest)
        return [
            LoadOutcome(w.layer, w.data_version, v.rows, changed=True)
            for w in writes
            if (v := after.current(w.layer)) is not None
        ]

    def store_rejects(self, layer_id: str, data_version: str, rejects: Iterable[Reject]) -> None:
        disk.check_layer_id(layer_id)
        with disk.write_lock(self.directory):
            manifest = self._writable_manifest()
            entry = _find(manifest, layer_id, data_version)
            if entry is None:
                raise StoreError(f"{layer_id} has no kept version {data_version}")
            rows = [r.__dict__ for r in sorted(rejects, key=_reject_key)]
            with disk.placed_atomically(self.directory / disk.rejects_file(entry.file)) as tmp:
                tmp.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")

    def rejects(self, layer_id: str) -> list[Reject]:
        for _ in range(_RETRIES):
            entry = self._current().current(layer_id)
            if entry is None:
                return []
            path = self.directory / disk.rejects_file(entry.file)
            try:
                text = path.read_text(encoding="utf-8")
            except FileNotFoundError:
                if (self.directory / entry.file).exists():
                    return []  # a version loaded before rejects were kept
                with self._lock:
                    self._reload()  # pruned by a newer load: catch up
                continue
            return [Reject(**row) for row in json.loads(text)]
        raise StoreUnavailable(f"the embedded store at {self.directory} keeps changing; try again")

    def _writable_manifest(self) -> Manifest:
        """The manifest on disk (holding the write lock), after clearing a dead writer's files."""
        manifest, _signature = disk.read_manifest(self.directory)
        disk.remove_leftovers(self.directory, manifest)
        return manifest

    def _commit(self, manifest: Manifest, before: Manifest) -> None:
        disk.write_manifest(self.directory, manifest)
        disk.remove_files(self.directory, before.files() - manifest.files())
        self._check_now()

    # -- reading --------------------------------------------------------------------------

    def regions(self) -> Iterator[Region]:
        index = self._regions_index()
        if index is not None:
            yield from index.regions

    def count(self, layer_id: str, query: FeatureQuery | None = None) -> int:
        layer = self._layer(layer_id)
        if layer is None:
            return 0
        if query is None:
            return len(layer)
        return len(layer.select(query))

    def get(self, layer_id: str, feature_id: str) -> FeatureRecord | None:
        layer = self._layer(layer_id)
        if layer is None:
            return None
        position = layer.positions.get(feature_id)
        return None if position is None else layer.records[position]

    def features(self, layer_id: str, query: FeatureQuery | None = None) -> Iterator[FeatureRecord]:
        layer = self._layer(layer_id)
        if layer is None:
            return
        query = query or FeatureQuery()
        positions = layer.select(query)[query.offset :]
        if query.limit is not None:
            positions = positions[: query.limit]
        for i in positions.tolist():
            yield layer.records[i]

    def near_snapshot(self) -> nearme.Snapshot:
        from layers.store import nearme

        manifest = self._current()
        snapshot = self._near
        if snapshot is not None and self._near_manifest is manifest:
            return snapshot
        key = tuple(
            (layer_id, str(kept[-1].version_id))
            for layer_id, kept in sorted(manifest.layers.items())
            if layer_id != REGIONS and kept
        )
        with self._near_lock:
            snapshot = self._near
            if snapshot is None or snapshot.key != key:
                snapshot = self._near = nearme.open_or_build(
                    self.directory / NEAR_DIR, key, lambda: self._snapshot_records(key)
                )
            self._near_manifest = manifest
        return snapshot

    def _snapshot_records(self, key: nearme.Key) -> Iterator[tuple[str, Iterable[FeatureRecord]]]:
        for layer_id, version_id in key:
            held = self._indexes.get((layer_id, int(version_id)))
            if held is not None:
                yield layer_id, held.records
                continue
            entry = next(
                (
                    v
                    for v in self._manifest.layers.get(layer_id, ())
                    if v.version_id == int(version_id)
                ),
                None,
            )
            try:
                if entry is None:
                    raise gpkg.FileMissing(layer_id)
                yield layer_id, gpkg.read_features(self.directory / entry.file, layer_id)
            except gpkg.FileMissing:
                raise StoreUnavailable(
                    f"the embedded store at {self.directory} keeps changing; try again"
                ) from None

    def warm_up(self) -> None:
        for layer_id in self._current().layers:
            self._layer(layer_id)
        self.near_snapshot()

    def layer_info(self, layer_id: str) -> LayerInfo | None:
        layer = self._layer(layer_id)
        entry = self._manifest.current(layer_id)
        if entry is None:
            return None
        if layer is not None and layer.version_id != entry.version_id:
            layer = self._layer(layer_id)  # a newer version came between the two lines above
            entry = self._manifest.current(layer_id)
            if entry is None or (layer is not None and layer.version_id != entry.version_id):
                raise StoreUnavailable(f"the embedded store at {self.directory} keeps changing")
        return LayerInfo(
            layer=layer_id,
            data_version=entry.data_version,
            count=entry.rows,
            bbox=layer.extent if layer else None,
            updated_min=layer.updated_min if layer else None,
            updated_max=layer.updated_max if layer else None,
            loaded_at=entry.loaded_at,
            stats=dict(entry.stats),
        )

    # -- tile archives: `tiles.<token>.pmtiles` beside the GeoPackages ---------------------

    def has_tile_archive(self, token: str) -> bool:
        return self.tile_archive(token) is not None

    def tile_archive(self, token: str) -> Path | None:
        path = self.directory / tilearchive.file_name(token)
        return path if path.is_file() else None

    def save_tile_archive(self, token: str, path: Path) -> None:
        final = self.directory / tilearchive.file_name(token)
        with disk.write_lock(self.directory), disk.placed_atomically(final) as tmp:
            shutil.move(path, tmp)
        with disk.write_lock(self.directory):
            _kept, old = tilearchive.kept_files(self.directory, KEEP_VERSIONS)
            for stale in old:
                if stale != final:
                    stale.unlink(missing_ok=True)

    # -- tiles ----------------------------------------------------------------------------

    def vector_tile(self, query: TileQuery) -> bytes:
        if not query.layers:
            return b""
        tile = Tile(query.x, query.y, query.z)
        layers: list[tuple[str, list[dict[str, Any]]]] = []
        stale = False
        for layer_id, data_version in query.layers:
            if layer_id == REGIONS:
                regions = self._regions_index(data_version)
                stale |= regions is None
                if regions is not None:
                    layers.append((layer_id, tiles.regions_layer(regions, tile)))
            else:
                layer = self._pinned(layer_id, data_version)
                stale |= layer is None
                if layer is not None:
                    features = tiles.points_layer(layer_id, layer, tile, query.cluster_cells)
                    layers.append((layer_id, features))
        if stale:
            raise _stale(query)
        return tiles.encode(layers)

    def tile_points(self, query: TileQuery, *, margin: float = 0.0) -> list[TilePoint]:
        pins = [(layer, version) for layer, version in query.layers if layer != REGIONS]
        tile = Tile(query.x, query.y, query.z)
        points: list[TilePoint] = []
        for layer_id, data_version in pins:
            layer = self._pinned(layer_id, data_version)
            if layer is None:
                raise _stale(query)
            points += tiles.tile_points(layer_id, layer, tile, query.cluster_cells, margin)
        return points


@dataclass(frozen=True)
class _Write:
    """One layer's new version for _replace: `write` puts its GeoPackage at a path."""

    layer: str
    data_version: str
    write: Callable[[Path], int]
    keep: int
    stats: dict[str, Any] = field(default_factory=dict)


def _features_writer(w: LayerWrite) -> Callable[[Path], int]:
    return lambda path: gpkg.write_features(path, w.layer, w.records)


def _find(manifest: Manifest, layer_id: str, data_version: str | None) -> Version | None:
    """The current version (data_version None), or the newest kept one with data_version,
    the current one first."""
    kept = manifest.layers.get(layer_id, ())
    if data_version is None:
        return kept[-1] if kept else None
    return next((v for v in reversed(kept) if v.data_version == data_version), None)


def _reject_key(r: Reject) -> tuple[str, int]:
    return (r.file, r.row)


def _stale(query: TileQuery) -> StaleVersion:
    return StaleVersion(
        "a requested data version is no longer stored: "
        + ", ".join(f"{layer}@{version}" for layer, version in query.layers)
    )


def _now() -> str:
    return datetime.now(UTC).isoformat()


__all__ = ["EmbeddedStore"]
