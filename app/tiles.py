"""Serving tiles: tile addresses, version tokens, strong ETags, the per-process LRU and the
response headers (immutable for the current `?v=`, else no-cache; 304; CORS)."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from flask import Response, current_app, request

from app.context import current_store, settings
from app.request_params.tiles import TileAddress
from app.versions import current_versions, refresh_versions
from layers import tilearchive, tileset
from layers.store.base import StaleVersion, StoreError, TileQuery
from layers.tilearchive import TileArchive

IMMUTABLE = "public, max-age=31536000, immutable"
MVT_TYPE = "application/vnd.mapbox-vector-tile"
PNG_TYPE = "image/png"
_CACHE_KEY = "sharemap.tile_cache"
_ARCHIVE_KEY = "sharemap.tile_archive"
_ARCHIVE_LOCK = threading.Lock()
ARCHIVE_RECHECK_S = 5.0  # how often a process without the current archive asks the store again
# where serve_tile leaves the versions a tile was built from (for app.tile_front)
VERSIONS_ENVIRON_KEY = "sharemap.tile_versions"
# where vector_tile_bytes leaves the archive a whole tile (every layer) came from: app.tile_front
# then answers other tiles of that archive with the same headers, before Flask
ARCHIVE_ENVIRON_KEY = "sharemap.archive_tile"

Pins = tuple[tuple[str, str], ...]
V = TypeVar("V")


def pins(layer_ids: Iterable[str], versions: Mapping[str, str]) -> Pins:
    """The loaded ones among `layer_ids`, each with its data_version."""
    return tuple((layer_id, versions[layer_id]) for layer_id in layer_ids if layer_id in versions)


def tile_etag(token: str, kind: str, z: int, x: int, y: int) -> str:
    """The strong ETag of a tile (unquoted): the token covers the data and TILES_REVISION; the
    rest names the tile."""
    return f"{token}-{kind}-{z}-{x}-{y}"


def current_token(layer_ids: Iterable[str]) -> str:
    return tileset.version_token(pins(layer_ids, current_versions()))


class TileCache(Generic[V]):
    """A thread-safe LRU (of tile bytes; keys hold the data versions, so entries never go
    stale)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[tuple[object, ...], V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[object, ...]) -> V | None:
        with self._lock:
            body = self._items.get(key)
            if body is not None:
                self._items.move_to_end(key)
            return body

    def put(self, key: tuple[object, ...], body: V) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._items[key] = body
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


def tile_cache() -> TileCache[bytes]:
    cache: TileCache[bytes] | None = current_app.extensions.get(_CACHE_KEY)
    if cache is None:
        cache = TileCache[bytes](settings().SHAREMAP_TILE_CACHE_SIZE)
        current_app.extensions[_CACHE_KEY] = cache
    return cache


@dataclass(frozen=True)
class _ArchiveSlot:
    versions: Mapping[str, str]  # the versions it was looked up for
    archive: TileArchive | None
    checked_at: float


def current_archive() -> TileArchive | None:
    """The memory-mapped tile archive of the current versions, or None while the store has none
    (looked up again at most every ARCHIVE_RECHECK_S, and whenever the versions change)."""
    versions = current_versions()
    slot: _ArchiveSlot | None = current_app.extensions.get(_ARCHIVE_KEY)
    if slot is not None and slot.versions is versions:
        return slot.archive
    token = tilearchive.archive_token(versions)
    if slot is not None and (slot.archive.token if slot.archive else None) == token:
        current_app.extensions[_ARCHIVE_KEY] = _ArchiveSlot(versions, slot.archive, slot.checked_at)
        return slot.archive
    recently = slot is not None and time.monotonic() - slot.checked_at < ARCHIVE_RECHECK_S
    if slot is not None and slot.archive is None and recently:
        return None
    with _ARCHIVE_LOCK:  # one thread fetches (PostGIS: copies) and maps it; the rest wait
        slot = current_app.extensions.get(_ARCHIVE_KEY)
        if slot is not None and slot.archive is not None and slot.archive.token == token:
            return slot.archive
        archive = _open_archive(token)
        current_app.extensions[_ARCHIVE_KEY] = _ArchiveSlot(versions, archive, time.monotonic())
    return archive


def _open_archive(token: str) -> TileArchive | None:
    try:
        path = current_store().tile_archive(token)
        return TileArchive(path) if path is not None else None
    except StoreError as exc:
        current_app.logger.warning("tile archive %s not available: %s", token, exc)
    except (OSError, ValueError):
        current_app.logger.exception("tile archive %s unreadable; tiles are built live", token)
    return None


def vector_tile_bytes(query: TileQuery) -> bytes:
    """The vector tile: cut from the tile archive when it holds the query's versions and zoom
    (only the asked-for MVT layers kept), else built by the store."""
    archive = current_archive()
    if archive is not None and query.z <= archive.max_zoom and archive.holds(query.layers):
        body = archive.tile(query.z, query.x, query.y)
        layer_ids = tuple(layer_id for layer_id, _ in query.layers)
        if layer_ids != archive.layer_ids:
            return tilearchive.keep_layers(body, layer_ids)
        request.environ[ARCHIVE_ENVIRON_KEY] = archive
        return body
    return current_store().vector_tile(query)


def serve_tile(
    kind: str,
    address: TileAddress,
    layer_ids: Sequence[str],
    build: Callable[[TileQuery], bytes],
    media_type: str,
    cluster_cells: int | None,
) -> Response:
    """The tile response: 304 when If-None-Match holds its ETag, else the bytes (from the LRU
    or `build`); an empty body is 204. A load that removes a version mid-request is retried
    once with fresh versions."""
    versions = current_versions()
    for attempt in (1, 2):
        pinned = pins(layer_ids, versions)
        key = (kind, address.z, address.x, address.y, pinned)
        token = tileset.version_token(pinned)
        # the token covers the data and tileset.TILES_REVISION; the rest names the tile
        etag = tile_etag(token, kind, address.z, address.x, address.y)
        cache_control = IMMUTABLE if request.args.get("v") == token else "no-cache"
        if _matches(etag):
            return _headers(Response(status=304), etag, cache_control)
        body = tile_cache().get(key)
        if body is None:
            query = TileQuery(address.z, address.x, address.y, pinned, cluster_cells)
            try:
                body = build(query)
            except StaleVersion:
                if attempt == 2:
                    raise
                versions = refresh_versions()
                continue
            tile_cache().put(key, body)
        request.environ[VERSIONS_ENVIRON_KEY] = versions
        response = Response(body, status=200 if body else 204, mimetype=media_type)
        return _headers(response, etag, cache_control)
    raise AssertionError("unreachable")


def serve_document(
    kind: str, layer_ids: Sequence[str], build: Callable[[Pins, str], dict[str, Any]]
) -> Response:
    """A JSON document about the tiles of `layer_ids` (TileJSON, style, tileset metadata):
    built from their pinned versions and token, kept in the LRU, revalidated by ETag."""
    pinned = pins(layer_ids, current_versions())
    key = (kind, request.url, pinned)
    etag = hashlib.sha256(f"{tileset.TILES_REVISION};{key!r}".encode()).hexdigest()[:24]
    if _matches(etag):
        return _headers(Response(status=304), etag, "no-cache")
    body = tile_cache().get(key)
    if body is None:
        document = build(pinned, tileset.version_token(pinned))
        body = json.dumps(document, ensure_ascii=False).encode()
        tile_cache().put(key, body)
    return _headers(Response(body, mimetype="application/json"), etag, "no-cache")


def _matches(etag: str) -> bool:
    if "If-None-Match" not in request.headers:
        return False
    return request.if_none_match.contains(etag) or request.if_none_match.star_tag


def _headers(response: Response, etag: str, cache_control: str) -> Response:
    response.set_etag(etag)
    response.headers["Cache-Control"] = cache_control
    return response
