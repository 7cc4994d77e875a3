"""The pre-built tiles of one tileset version: every non-empty vector tile from z0 to MAX_ZOOM
of the current layer versions (all layers, regions included), written into a PMTiles v3
archive with the bytes the store's vector_tile makes; and reading one back, memory-mapped, with
a `?layers=` subset cut from the tile's protobuf (each MVT layer is its own message).

Which tiles to build: those whose buffered box (twice the tile buffers, so that float rounding
cannot leave one out) holds a point or touches a region polygon; each is built and kept only
when the store gives it any bytes. A tile that is not in the archive is empty.
"""

from __future__ import annotations

import json
import mmap
import os
import re
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from pmtiles.tile import Compression, TileType, deserialize_directory, deserialize_header
from pmtiles.tile import zxy_to_tileid as _zxy_to_tileid
from pmtiles.writer import Writer

from geo.tiles import EXTENT, MAX_LAT, Tile, buffered_bounds
from layers import registry, tileset

if TYPE_CHECKING:
    from layers.store.base import Store

MAX_ZOOM = 14  # deeper tiles are built live (TileJSON maxzoom stays tileset.MAX_ZOOM)
BUILD_THREADS = 2
_BATCH = 256
# candidate tiles: every tile whose box grown by this many MVT units holds data
_CANDIDATE_BUFFER = 2 * max(tileset.POINT_BUFFER, tileset.REGION_BUFFER)
_KEY_SHIFT = 28  # index keys: z << 56 | x << 28 | y (z ≤ 28)

_TOKEN = re.compile(r"^[0-9a-f]{16}$")

Pins = tuple[tuple[str, str], ...]


def file_name(token: str) -> str:
    """The archive's file name in a store directory or a local copy; ValueError unless `token`
    is a tileset version (so that it can never name another path)."""
    if not _TOKEN.match(token):
        raise ValueError(f"not a tileset version: {token!r}")
    return f"tiles.{token}.pmtiles"


def kept_files(directory: Path, keep: int) -> tuple[list[Path], list[Path]]:
    """The archive files of `directory`, newest first: the `keep` to keep and the rest."""
    files = sorted(
        directory.glob("tiles.*.pmtiles"), key=lambda p: p.stat().st_mtime_ns, reverse=True
    )
    return files[:keep], files[keep:]


def archive_pins(versions: Mapping[str, str]) -> Pins:
    """What an archive holds: regions, then every point layer, each at its current version
    (the live endpoint's default `?layers=`)."""
    ids = (tileset.REGIONS, *registry.LAYER_IDS)
    return tuple((layer_id, versions[layer_id]) for layer_id in ids if layer_id in versions)


def archive_token(versions: Mapping[str, str]) -> str:
    """The tileset version of an archive: the `?v=` token of the tile URLs it answers."""
    return tileset.version_token(archive_pins(versions))


@dataclass(frozen=True)
class BuildResult:
    token: str
    versions: dict[str, str]
    tiles: int
    size_bytes: int
    seconds: float
    per_zoom: dict[int, int] = field(default_factory=dict)


def build(store: Store, path: Path, *, max_zoom: int = MAX_ZOOM) -> BuildResult | None:
    """Write the archive of the store's current versions to `path`; None (nothing written)
    when no layer is loaded or no tile has any data."""
    from layers.store.base import TileQuery

    started = time.perf_counter()
    versions = store.versions()
    pins = archive_pins(versions)
    if not pins:
        return None
    candidates = sorted(
        (_zxy_to_tileid(t.z, t.x, t.y), t) for t in candidate_tiles(store, pins, max_zoom)
    )
    per_zoom: dict[int, int] = {}
    count = 0

    def tile_bytes(tile: Tile) -> bytes:
        return store.vector_tile(
            TileQuery(tile.z, tile.x, tile.y, pins, tileset.cluster_cells(tile.z))
        )

    # two at a time: the database builds one tile while Python writes the other; in batches,
    # so that finished tiles waiting for a slow one never pile up
    with open(path, "wb") as fh, ThreadPoolExecutor(BUILD_THREADS) as pool:
        writer = Writer(fh)
        for start in range(0, len(candidates), _BATCH):
            batch = candidates[start : start + _BATCH]
            bodies = pool.map(tile_bytes, (tile for _id, tile in batch))
            for (tile_id, tile), body in zip(batch, bodies, strict=True):
                if body:
                    writer.write_tile(tile_id, body)
                    per_zoom[tile.z] = per_zoom.get(tile.z, 0) + 1
                    count += 1
        if not count:
            writer.tile_f.close()
            fh.close()
            path.unlink()
            return None
        token = tileset.version_token(pins)
        writer.finalize(_header(store, pins), _metadata(token, dict(pins), max_zoom))
    return BuildResult(
        token, dict(pins), count, path.stat().st_size, time.perf_counter() - started, per_zoom
    )


def build_into_store(store: Store, *, max_zoom: int | None = None) -> BuildResult | None:
    """Build the archive of the store's current versions (z0 to max_zoom, default MAX_ZOOM) and
    keep it in the store."""
    fd, tmp = tempfile.mkstemp(prefix="sharemap-tiles-", suffix=".pmtiles")
    os.close(fd)
    path = Path(tmp)
    try:
        result = build(store, path, max_zoom=MAX_ZOOM if max_zoom is None else max_zoom)
        if result is not None:
            store.save_tile_archive(result.token, path)
        return result
    finally:
        path.unlink(missing_ok=True)


def candidate_tiles(store: Store, pins: Pins, max_zoom: int = MAX_ZOOM) -> Iterator[Tile]:
    """Every tile z0..max_zoom that may hold data: a superset of the non-empty ones."""
    keys: set[int] = set()
    lons, lats = _points(store, pins)
    for z in range(max_zoom + 1):
        keys.update(_point_tiles(lons, lats, z))
    if any(layer_id == tileset.REGIONS for layer_id, _ in pins):
        keys.update(_region_tiles(store, max_zoom))
    for key in keys:
        yield _unkey(key)


def _points(store: Store, pins: Pins) -> tuple[np.ndarray, np.ndarray]:
    lons: list[float] = []
    lats: list[float] = []
    for layer_id, _version in pins:
        if layer_id != tileset.REGIONS:
            for record in store.features(layer_id):
                lons.append(record.lon)
                lats.append(record.lat)
    return np.asarray(lons, dtype=np.float64), np.asarray(lats, dtype=np.float64)


def _point_tiles(lons: np.ndarray, lats: np.ndarray, z: int) -> Iterable[int]:
    """Keys of the zoom-z tiles whose grown box holds one of the points."""
    if not len(lons):
        return ()
    n = 2**z
    lat = np.clip(lats, -MAX_LAT, MAX_LAT)
    fx = (lons + 180.0) / 360.0 * n
    fy = (0.5 - np.log(np.tan(np.pi / 4 + np.radians(lat) / 2)) / (2 * np.pi)) * n
    b = _CANDIDATE_BUFFER / EXTENT
    out: set[int] = set()
    for dx in (-b, 0.0, b):
        for dy in (-b, 0.0, b):
            tx = np.clip(np.floor(fx + dx), 0, n - 1).astype(np.int64)
            ty = np.clip(np.floor(fy + dy), 0, n - 1).astype(np.int64)
            out.update(np.unique((np.int64(z) << 56) | (tx << _KEY_SHIFT) | ty).tolist())
    return out


def _region_tiles(store: Store, max_zoom: int) -> Iterable[int]:
    """Keys of the tiles whose grown box touches a region polygon, zoom by zoom from z0: a
    child's grown box lies inside its parent's, so only the children of hits are tested."""
    geometries = shapely.from_wkb([r.wkb for r in store.regions()])
    if not len(geometries):
        return ()
    tree = shapely.STRtree(geometries)
    out: list[int] = []
    level = [Tile(0, 0, 0)]
    for z in range(max_zoom + 1):
        boxes = shapely.box(*np.array([buffered_bounds(t, _CANDIDATE_BUFFER) for t in level]).T)
        hit = np.unique(tree.query(boxes, predicate="intersects")[0])
        touched = [level[i] for i in hit.tolist()]
        out += [_key(t) for t in touched]
        level = [
            Tile(2 * t.x + dx, 2 * t.y + dy, z + 1)
            for t in touched
            for dx in (0, 1)
            for dy in (0, 1)
        ]
    return out


def _key(tile: Tile) -> int:
    return (tile.z << 56) | (tile.x << _KEY_SHIFT) | tile.y


def _unkey(key: int) -> Tile:
    mask = (1 << _KEY_SHIFT) - 1
    return Tile((key >> _KEY_SHIFT) & mask, key & mask, key >> 56)


def _header(store: Store, pins: Pins) -> dict[str, Any]:
    boxes = [
        info.bbox
        for layer_id, _ in pins
        if (info := store.layer_info(layer_id)) is not None and info.bbox is not None
    ]
    west, south, east, north = (
        (
            min(b[0] for b in boxes),
            min(b[1] for b in boxes),
            max(b[2] for b in boxes),
            max(b[3] for b in boxes),
        )
        if boxes
        else (124.5, 33.0, 132.0, 38.7)
    )
    e7 = 10_000_000
    return {
        "tile_compression": Compression.NONE,  # served as is by /tiles/{z}/{x}/{y}.mvt
        "tile_type": TileType.MVT,
        "min_lon_e7": int(west * e7),
        "min_lat_e7": int(south * e7),
        "max_lon_e7": int(east * e7),
        "max_lat_e7": int(north * e7),
        "center_zoom": 11,
        "center_lon_e7": int(126.978 * e7),
        "center_lat_e7": int(37.5665 * e7),
    }


def _metadata(token: str, versions: dict[str, str], max_zoom: int) -> dict[str, Any]:
    return {
        "name": "sharemap",
        "format": "pbf",
        "version": token,
        # every non-empty tile to max_zoom is in the archive: a missing one is empty
        "sharemap": {"tileset_version": token, "layer_versions": versions, "max_zoom": max_zoom},
        "vector_layers": [tileset.vector_layer(layer_id) for layer_id in versions],
    }


# -- reading ------------------------------------------------------------------------------------


class TileArchive:
    """A PMTiles archive, memory-mapped, with its directories read once into sorted arrays."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with open(path, "rb") as fh:
            self._map = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        self.header = deserialize_header(self._map[0:127])
        if self.header["tile_compression"] != Compression.NONE:
            raise ValueError(f"{path}: tiles must be stored uncompressed")
        meta = self._map[
            self.header["metadata_offset"] : self.header["metadata_offset"]
            + self.header["metadata_length"]
        ]
        if self.header["internal_compression"] == Compression.GZIP:
            import gzip

            meta = gzip.decompress(meta)
        self.metadata: dict[str, Any] = json.loads(meta)
        info = self.metadata.get("sharemap", {})
        self.token: str = info.get("tileset_version", "")
        self.versions: dict[str, str] = dict(info.get("layer_versions", {}))
        self.layer_ids = tuple(self.versions)  # the order of the MVT layers in every tile
        self.max_zoom: int = int(info.get("max_zoom", -1))  # -1: no sharemap archive
        self.size_bytes = len(self._map)
        ids, offsets, lengths = self._entries()
        z, x, y = tileid_to_zxy(ids)
        keys = (z << 56) | (x << _KEY_SHIFT) | y
        order = np.argsort(keys)
        self._keys = keys[order]
        self._offsets = (offsets[order] + self.header["tile_data_offset"]).tolist()
        self._lengths = lengths[order].tolist()
        self.tiles = len(self._keys)

    def _entries(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every addressed tile: its id, offset in the tile data and length (runs expanded)."""
        ids: list[int] = []
        offsets: list[int] = []
        lengths: list[int] = []
        h = self.header
        stack = [(h["root_offset"], h["root_length"])]
        while stack:
            offset, length = stack.pop()
            for e in deserialize_directory(self._map[offset : offset + length]):
                if e.run_length == 0:
                    stack.append((h["leaf_directory_offset"] + e.offset, e.length))
                    continue
                for i in range(e.run_length):
                    ids.append(e.tile_id + i)
                    offsets.append(e.offset)
                    lengths.append(e.length)
        return (
            np.asarray(ids, dtype=np.int64),
            np.asarray(offsets, dtype=np.int64),
            np.asarray(lengths, dtype=np.int64),
        )

    def addresses(self) -> list[Tile]:
        """Every tile the archive holds."""
        return [_unkey(key) for key in self._keys.tolist()]

    def tile(self, z: int, x: int, y: int) -> bytes:
        """The tile's bytes (b"" for a tile not in the archive: an empty one)."""
        key = (z << 56) | (x << _KEY_SHIFT) | y
        i = int(np.searchsorted(self._keys, key))
        if i == len(self._keys) or int(self._keys[i]) != key:
            return b""
        offset = self._offsets[i]
        return self._map[offset : offset + self._lengths[i]]

    def holds(self, pins: Pins) -> bool:
        """True when every (layer, version) of `pins` is the one in the archive."""
        return all(self.versions.get(layer_id) == version for layer_id, version in pins)

    def close(self) -> None:
        self._map.close()


def keep_layers(tile: bytes, layer_ids: Sequence[str]) -> bytes:
    """The tile with only the MVT layers named in `layer_ids`, in that order: the layer
    messages (field 3 of the Tile message) copied byte for byte, nothing decoded."""
    if not tile:
        return b""
    by_name: dict[bytes, bytes] = {}
    for number, start, value_start, value_end in _length_delimited(tile, 0, len(tile)):
        if number == 3:
            by_name[_layer_name(tile, value_start, value_end)] = tile[start:value_end]
    return b"".join(by_name.get(layer_id.encode(), b"") for layer_id in layer_ids)


def _layer_name(buf: bytes, pos: int, end: int) -> bytes:
    for number, _, value_start, value_end in _length_delimited(buf, pos, end):
        if number == 1:
            return bytes(buf[value_start:value_end])
    return b""


def _length_delimited(buf: bytes, pos: int, end: int) -> Iterator[tuple[int, int, int, int]]:
    """(field number, start of its tag, start and end of its value) of each length-delimited
    field of the protobuf message in buf[pos:end]; fields of other wire types are skipped."""
    while pos < end:
        start = pos
        tag, pos = _varint(buf, pos)
        wire = tag & 7
        if wire == 2:
            length, pos = _varint(buf, pos)
            value_start, pos = pos, pos + length
            yield tag >> 3, start, value_start, pos
        elif wire == 0:
            _, pos = _varint(buf, pos)
        elif wire == 1:
            pos += 8
        elif wire == 5:
            pos += 4
        else:
            raise ValueError(f"unexpected protobuf wire type {wire}")


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, pos
        shift += 7


def tileid_to_zxy(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """pmtiles.tile.tileid_to_zxy over an array of tile ids (the Hilbert curve per zoom)."""
    ids = np.asarray(ids, dtype=np.int64)
    z = np.zeros(len(ids), dtype=np.int64)
    for level in range(1, 27):  # z is the largest level whose first id is ≤ the tile id
        z[ids >= ((1 << (2 * level)) - 1) // 3] = level
    pos = ids - (((np.int64(1) << (2 * z)) - 1) // 3)
    x = np.zeros_like(ids)
    y = np.zeros_like(ids)
    n = np.int64(1) << z
    for level in range(int(z.max(initial=0))):
        s = np.int64(1) << level
        active = s < n
        rx = (pos // 2) & s
        ry = (pos ^ rx) & s
        flip = active & (ry == 0) & (rx != 0)
        x = np.where(flip, s - 1 - x, x)
        y = np.where(flip, s - 1 - y, y)
        swap = active & (ry == 0)
        x, y = np.where(swap, y, x), np.where(swap, x, y)
        x = np.where(active, x + rx, x)
        y = np.where(active, y + ry, y)
        pos = pos >> 1
    return z, x, y


__all__ = [
    "MAX_ZOOM",
    "BuildResult",
    "TileArchive",
    "archive_pins",
    "archive_token",
    "build",
    "build_into_store",
    "keep_layers",
]
