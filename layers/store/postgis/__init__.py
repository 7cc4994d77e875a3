"""The PostGIS store: SQLAlchemy 2 engine over psycopg 3; SQL lives in queries.py.

Near-me answers from a snapshot of the current versions (layers.store.nearme) kept under a
local cache directory; watch.py keeps each process on the current versions without a query
per request.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson
from psycopg.types.json import set_json_loads
from sqlalchemy import Engine, TextClause, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError

from layers import export, tilearchive
from layers.export import ExportFormat
from layers.record import FeatureRecord, Region, Reject
from layers.store import nearme, places_search
from layers.store.base import (
    FeatureQuery,
    LayerInfo,
    LayerWrite,
    LoadOutcome,
    Place,
    Store,
    StoreError,
    StoreUnavailable,
    TilePoint,
    TileQuery,
)
from layers.store.postgis import feature_rows, tiles
from layers.store.postgis import queries as q
from layers.store.postgis.reader import Reader
from layers.store.postgis.watch import VersionWatcher, point_versions

log = logging.getLogger(__name__)

KEEP_PREVIOUS = 2  # with the current one: the last three versions are kept
ARCHIVE_PIECE_BYTES = 8 << 20


def engine_url(database_url: str) -> str:
    """Accept postgres://, postgresql:// and postgresql+psycopg:// URLs; use psycopg 3."""
    url = make_url(database_url.replace("postgres://", "postgresql://", 1))
    if url.drivername in ("postgresql", "postgresql+psycopg2"):
        url = url.set(drivername="postgresql+psycopg")
    return url.render_as_string(hide_password=False)


def default_cache_dir() -> Path:
    return Path(tempfile.gettempdir()) / f"sharemap-{os.getuid()}" / "nearme"


class PostgisStore(Store):
    def __init__(
        self,
        database_url: str,
        *,
        read_url: str | None = None,
        statement_timeout_ms: int | None = None,
        cache_dir: Path | None = None,
        archive_dir: Path | None = None,
    ) -> None:
        """`read_url`: a streaming replica of `database_url` that every read goes to (versions,
        items, tiles, downloads, near-me snapshots); writes still go to `database_url`."""
        connect_args: dict[str, Any] = {"connect_timeout": 5}
        if statement_timeout_ms:
            connect_args["options"] = f"-c statement_timeout={int(statement_timeout_ms)}"
        reads = engine_url(read_url or database_url)
        self.engine: Engine = create_engine(reads, pool_pre_ping=True, connect_args=connect_args)
        event.listen(self.engine, "connect", _fast_json)
        self.write_engine: Engine = self.engine
        if read_url:
            self.write_engine = create_engine(
                engine_url(database_url), pool_pre_ping=True, connect_args=connect_args
            )
            event.listen(self.write_engine, "connect", _fast_json)
        self.reads_replica = bool(read_url)
        # tiles and near-me: autocommit, no pre-ping (see Reader)
        self.reader = Reader(reads, connect_args)
        event.listen(self.reader.engine, "connect", _fast_json)
        # near-me snapshots of this database, by the primary's address (the versions name each
        # one; a replica has the same), so that a load's prebuilt snapshot is found
        address = make_url(engine_url(database_url)).render_as_string(hide_password=True)
        digest = hashlib.sha256(address.encode()).hexdigest()[:16]
        self.cache_dir = (cache_dir or default_cache_dir()) / digest
        self._conninfo = make_url(reads).set(drivername="postgresql")
        self._near: nearme.Snapshot | None = None
        self._near_lock = threading.Lock()
        self._watcher: VersionWatcher | None = None
        self._watcher_pid = 0
        # local copies of tile archives (every app instance keeps its own, memory-mapped)
        self.archive_dir = archive_dir or Path(tempfile.gettempdir()) / "sharemap-tiles"

    # -- health ---------------------------------------------------------------------------

    def check(self) -> None:
        """Raise StoreUnavailable with a clear message unless the database is ready."""
        try:
            with self.engine.connect() as conn:
                if conn.execute(q.CHECK_POSTGIS).scalar() is None:
                    raise StoreUnavailable(
                        "the PostGIS extension is not installed in this database: "
                        "install postgresql-15-postgis-3 and run `sharemap db upgrade`"
                    )
                if not conn.execute(q.CHECK_SCHEMA).scalar():
                    raise StoreUnavailable(
                        "the database has no sharemap tables yet: run `sharemap db upgrade`"
                    )
                if not conn.execute(q.CHECK_REJECTS).scalar():
                    raise StoreUnavailable(
                        "the database schema is older than this sharemap: run `sharemap db upgrade`"
                    )
        except OperationalError as exc:
            raise StoreUnavailable(f"cannot connect to the database: {_first_line(exc)}") from None

    def close(self) -> None:
        if self._watcher is not None:
            self._watcher.stop()
            self._watcher = None
        self.engine.dispose()
        self.write_engine.dispose()
        self.reader.dispose()

    def replication_lag(self) -> float | None:
        """Seconds the read replica's replay is behind (0 when caught up); None on a primary."""
        with self._connect() as conn:
            lag = conn.execute(q.REPLICATION_LAG).scalar()
        return None if lag is None else max(0.0, float(lag))

    # -- versions -------------------------------------------------------------------------

    def _current(self) -> dict[str, tuple[int, str]]:
        with self._connect() as conn:
            rows = conn.execute(q.CURRENT_VERSIONS).all()
        return {layer: (vid, dv) for layer, vid, dv in rows}

    def _version_id(self, layer_id: str) -> int | None:
        rows = self.reader.rows(q.CURRENT_VERSION, {"layer_id": layer_id})
        return int(rows[0][0]) if rows else None

    def version(self, layer_id: str) -> str | None:
        current = self._current().get(layer_id)
        return current[1] if current else None

    def versions(self) -> dict[str, str]:
        return {layer: dv for layer, (_vid, dv) in self._current().items()}

    # -- writing --------------------------------------------------------------------------

    def replace_layers(self, writes: Sequence[LayerWrite]) -> list[LoadOutcome]:
        current = self._current()
        if all(w.layer in current and current[w.layer][1] == w.data_version for w in writes):
            return [
                LoadOutcome(w.layer, w.data_version, self.count(w.layer), changed=False)
                for w in writes
            ]
        # Stage each in its own committed transactions: a crash now leaves only 'staging'
        # rows, which the next load removes; the current versions keep being served.
        staged: dict[str, tuple[int, int]] = {}  # layer -> (version_id, rows)
        try:
            for w in writes:
                staged[w.layer] = self._stage(w)
        except BaseException:
            with self._begin() as conn:
                for w in writes:
                    conn.execute(q.CLEAN_STAGING, {"layer_id": w.layer})
            raise
        self._prebuild_near({layer: vid for layer, (vid, _rows) in staged.items()})
        with self._begin() as conn:  # one swap of the whole group
            for layer_id in sorted(staged):  # one lock order: no deadlock between loads
                conn.execute(q.LOCK_LAYER, {"layer_id": layer_id})
            for w in writes:
                version_id, rows = staged[w.layer]
                conn.execute(q.DEMOTE_CURRENT, {"layer_id": w.layer})
                conn.execute(
                    q.PROMOTE,
                    {
                        "version_id": version_id,
                        "row_count": rows,
                        "stats": feature_rows.json_text(w.stats),
                    },
                )
                conn.execute(q.PRUNE_OLD, {"layer_id": w.layer, "keep": KEEP_PREVIOUS})
            conn.execute(q.NOTIFY_VERSIONS, {"layer_id": ",".join(sorted(staged))})
        self._near = None  # this process's next near-me reads the new versions
        with self._begin() as conn:
            # fresh statistics, so that tile and KNN plans fit the new rows
            conn.execute(q.ANALYZE_FEATURES)
        return [LoadOutcome(w.layer, w.data_version, staged[w.layer][1], True) for w in writes]

    def _stage(self, w: LayerWrite) -> tuple[int, int]:
        """A 'staging' version of the write's records: its version_id and rows."""
        with self._begin() as conn:
            conn.execute(q.CLEAN_STAGING, {"layer_id": w.layer})
            version_id = conn.execute(
                q.NEW_STAGING, {"layer_id": w.layer, "data_version": w.data_version}
            ).scalar_one()
        with self._begin() as conn:
            rows = feature_rows.copy_features(conn, int(version_id), w.records)
        return int(version_id), rows

    def rollback_layers(self, layer_ids: Sequence[str]) -> dict[str, str] | None:
        with self._begin() as conn:
            for layer_id in sorted(layer_ids):
                conn.execute(q.LOCK_LAYER, {"layer_id": layer_id})
            previous = {
                layer_id: conn.execute(q.LATEST_PREVIOUS, {"layer_id": layer_id}).first()
                for layer_id in layer_ids
            }
            if any(p is None for p in previous.values()):
                return None
            for layer_id, (version_id, _dv) in previous.items():
                conn.execute(q.DROP_CURRENT, {"layer_id": layer_id})  # its rows go by cascade
                conn.execute(q.MAKE_CURRENT, {"version_id": version_id})
            conn.execute(q.NOTIFY_VERSIONS, {"layer_id": ",".join(sorted(layer_ids))})
        self._near = None
        return {layer_id: str(p[1]) for layer_id, p in previous.items()}

    def replace_regions(self, regions: Iterable[Region], *, data_version: str) -> LoadOutcome:
        if self.version("regions") == data_version:
            return LoadOutcome("regions", data_version, self._count_regions(), changed=False)
        with self._begin() as conn:
            conn.execute(q.LOCK_LAYER, {"layer_id": "regions"})
            conn.execute(q.REGIONS_DELETE)
            batch = [
                {"code": r.code, "sido": r.sido, "sigungu": r.sigungu, "wkb": r.wkb}
                for r in regions
            ]
            if batch:
                conn.execute(q.REGIONS_INSERT, batch)
            conn.execute(q.REGIONS_VERSION_DELETE)
            conn.execute(
                q.REGIONS_VERSION_INSERT, {"data_version": data_version, "row_count": len(batch)}
            )
        return LoadOutcome("regions", data_version, len(batch), changed=True)

    # -- reading --------------------------------------------------------------------------

    def regions(self) -> Iterator[Region]:
        with self._connect() as conn:
            for code, sido, sigungu, wkb in conn.execute(q.REGIONS_SELECT):
                yield Region(code=code, sido=sido, sigungu=sigungu, wkb=bytes(wkb))

    def _count_regions(self) -> int:
        with self._connect() as conn:
            return int(conn.execute(q.REGIONS_COUNT).scalar_one())

    def count(self, layer_id: str, query: FeatureQuery | None = None) -> int:
        version_id = self._version_id(layer_id)
        if version_id is None:
            return 0
        query = query or FeatureQuery()
        where, params = _where(query, version_id)
        return int(self.reader.rows(_sql(q.count_features(where)), params)[0][0])

    def get(self, layer_id: str, feature_id: str) -> FeatureRecord | None:
        params = {"layer_id": layer_id, "id": feature_id}
        rows = self.reader.rows(q.GET_CURRENT_FEATURE, params, as_dicts=True)
        return feature_rows.record(rows[0]) if rows else None

    def features(self, layer_id: str, query: FeatureQuery | None = None) -> Iterator[FeatureRecord]:
        version_id = self._version_id(layer_id)
        if version_id is None:
            return
        query = query or FeatureQuery()
        where, params = _where(query, version_id)
        if query.limit is not None:
            params["limit"] = query.limit
        if query.offset:
            params["offset"] = query.offset
        sql = _sql(q.select_features(where, query.limit is not None, bool(query.offset)))
        # a server-side cursor for whole layers; a page (API items) is one round trip
        if query.limit is not None and query.limit <= 2000:
            for row in self.reader.rows(sql, params, as_dicts=True):
                yield feature_rows.record(row)
            return
        with self._connect() as conn:
            conn = conn.execution_options(stream_results=True, yield_per=2000)
            for row in conn.execute(sql, params).mappings():
                yield feature_rows.record(row)

    def near_snapshot(self) -> nearme.Snapshot:
        if self._watcher_pid != os.getpid():  # once per process (a forked worker too)
            self._watch()
        snapshot = self._near
        return snapshot if snapshot is not None else self._refresh_near()

    def warm_up(self) -> None:
        """Map (or build) the near-me snapshot of the current versions, and start listening."""
        self.near_snapshot()

    def _watch(self) -> None:
        with self._near_lock:
            if self._watcher_pid != os.getpid():
                self._watcher_pid = os.getpid()
                self._near = None  # a snapshot of the parent process may be out of date
                conninfo = self._conninfo.render_as_string(hide_password=False)
                # a replica gets no NOTIFY: poll it, so a version is used once replayed there
                self._watcher = VersionWatcher(
                    conninfo, self._refresh_near, listen=not self.reads_replica
                )

    def _refresh_near(self) -> nearme.Snapshot:
        """Read the current versions (one small query) and switch to their snapshot."""
        with self._near_lock:
            with self._connect() as conn:
                versions = point_versions(conn.connection.driver_connection)
            key = tuple((layer_id, str(version_id)) for layer_id, version_id in versions.items())
            snapshot = self._near
            if snapshot is None or snapshot.key != key:
                snapshot = nearme.open_or_build(
                    self.cache_dir, key, lambda: self._snapshot_records(key)
                )
                self._near = snapshot
            return snapshot

    def _prebuild_near(self, staged: Mapping[str, int]) -> None:
        """Build the near-me snapshot of the versions a swap is about to make current, so that
        app processes sharing this cache directory map it as soon as they hear of the swap
        rather than each waiting for its build. Never fails the load."""
        try:
            with self._connect() as conn:
                versions = point_versions(conn.connection.driver_connection)
            versions.update(staged)
            key = tuple((layer, str(versions[layer])) for layer in sorted(versions))
            nearme.open_or_build(self.cache_dir, key, lambda: self._snapshot_records(key))
        except Exception:
            log.warning("near-me snapshot not built ahead of the swap", exc_info=True)

    def _snapshot_records(self, key: nearme.Key) -> Iterator[tuple[str, Iterator[FeatureRecord]]]:
        for layer_id, version_id in key:
            yield layer_id, self._version_records(int(version_id))

    def _version_records(self, version_id: int) -> Iterator[FeatureRecord]:
        with self._connect() as conn:
            streaming = conn.execution_options(stream_results=True, yield_per=2000)
            for row in streaming.execute(
                q.SNAPSHOT_FEATURES, {"version_id": version_id}
            ).mappings():
                yield feature_rows.record(row)

    def layer_info(self, layer_id: str) -> LayerInfo | None:
        with self._connect() as conn:
            row = conn.execute(q.LAYER_INFO, {"layer_id": layer_id}).mappings().first()
        if row is None:
            return None
        bbox = None
        if row["min_lon"] is not None:
            bbox = (row["min_lon"], row["min_lat"], row["max_lon"], row["max_lat"])
        return LayerInfo(
            layer=layer_id,
            data_version=row["data_version"],
            count=row["row_count"] or 0,
            bbox=bbox,
            updated_min=row["updated_min"],
            updated_max=row["updated_max"],
            loaded_at=row["loaded_at"].isoformat(),
            stats=row["stats"] or {},
        )

    def store_rejects(self, layer_id: str, data_version: str, rejects: Iterable[Reject]) -> None:
        with self._begin() as conn:
            conn.execute(q.LOCK_LAYER, {"layer_id": layer_id})
            params = {"layer_id": layer_id, "data_version": data_version}
            version_id = conn.execute(q.KEPT_VERSION, params).scalar()
            if version_id is None:
                raise StoreError(f"{layer_id} has no kept version {data_version}")
            conn.execute(q.DELETE_REJECTS, {"version_id": version_id})
            feature_rows.copy_rejects(conn, version_id, rejects)

    def rejects(self, layer_id: str) -> list[Reject]:
        with self._connect() as conn:
            if not conn.execute(q.CHECK_REJECTS).scalar():
                raise StoreUnavailable(
                    "the database schema is older than this sharemap: run `sharemap db upgrade`"
                )
            rows = conn.execute(q.CURRENT_REJECTS, {"layer_id": layer_id}).all()
        return [
            Reject(layer, file, row, reason, detail, name, lon, lat)
            for layer, file, row, reason, detail, name, lon, lat in rows
        ]

    def search(self, text: str, *, layers: tuple[str, ...], limit: int = 10) -> list[Place]:
        words = places_search.terms(text)
        if not words or limit <= 0:
            return []
        params: dict[str, Any] = {f"t{i}": w for i, w in enumerate(words)}
        params["limit"] = limit
        current = self._current()
        version_ids = [current[layer_id][0] for layer_id in layers if layer_id in current]
        with self._connect() as conn:
            regions = [
                Place("region", r.code, r.sigungu, r.sido, None, r.lon, r.lat)
                for r in conn.execute(q.search_regions(len(words)), params)
            ]
            features = []
            if version_ids:
                rows = conn.execute(
                    q.search_features(len(words)), {**params, "version_ids": version_ids}
                )
                features = [
                    Place("feature", r.id, r.name, r.address, r.layer_id, r.lon, r.lat)
                    for r in rows
                ]
        return places_search.merge(words, regions, features, limit)

    # -- tiles (SQL in queries.py; parameters in tiles.py) -----------------------------------

    def vector_tile(self, query: TileQuery) -> bytes:
        return tiles.vector_tile(self.reader, query)

    def tile_points(self, query: TileQuery, *, margin: float = 0.0) -> list[TilePoint]:
        return tiles.tile_points(self.reader, query, margin)

    # -- tile archives: a row per tileset version, a local copy per app instance -------------

    def has_tile_archive(self, token: str) -> bool:
        return bool(self.reader.rows(q.TILE_ARCHIVE_EXISTS, {"token": token}))

    def tile_archive(self, token: str) -> Path | None:
        path = self.archive_dir / tilearchive.file_name(token)
        if path.is_file():
            return path
        self.archive_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".pmtiles", dir=self.archive_dir)
        try:
            with os.fdopen(fd, "wb") as fh, self._connect() as conn:
                size = conn.execute(q.TILE_ARCHIVE_SIZE, {"token": token}).scalar()
                if size is None:
                    return None
                # in pieces: a worker never holds a whole archive (hundreds of MB at 1M rows)
                for start in range(0, size, ARCHIVE_PIECE_BYTES):
                    piece = conn.execute(
                        q.TILE_ARCHIVE_PIECE,
                        {"token": token, "start": start + 1, "length": ARCHIVE_PIECE_BYTES},
                    ).scalar()
                    if piece is None:  # pruned meanwhile
                        return None
                    fh.write(piece)
            os.replace(tmp, path)  # concurrent workers: each writes its own temp file
        finally:
            with suppress(FileNotFoundError):
                os.unlink(tmp)
        _kept, old = tilearchive.kept_files(self.archive_dir, KEEP_PREVIOUS + 1)
        for stale in old:
            if stale != path:
                stale.unlink(missing_ok=True)  # a worker still mapping it keeps its pages
        return path

    def save_tile_archive(self, token: str, path: Path) -> None:
        versions = tilearchive.TileArchive(path)
        layer_versions = json.dumps(versions.versions)
        versions.close()
        with self._begin() as conn:
            conn.execute(
                q.TILE_ARCHIVE_PUT,
                {
                    "token": token,
                    "layer_versions": layer_versions,
                    "size_bytes": path.stat().st_size,
                    "archive": path.read_bytes(),
                },
            )
            conn.execute(q.TILE_ARCHIVE_PRUNE, {"keep": KEEP_PREVIOUS + 1})
        path.unlink(missing_ok=True)

    # -- downloads ------------------------------------------------------------------------

    def export(
        self, layer_id: str, fmt: ExportFormat, query: FeatureQuery | None = None
    ) -> Iterator[str]:
        # A server-side cursor: each FETCH is its own statement, so statement_timeout bounds
        # every one while a slow client may take as long as it needs for the whole download.
        version_id = self._version_id(layer_id)
        if version_id is None:
            return
        query = query or FeatureQuery()
        fields = tuple(f.name for f in export.layer_fields(layer_id))
        where, params = _where(query, version_id)
        sql = q.export_geojson(where) if fmt == "geojson" else q.export_csv(fields, where)
        with self._connect() as conn:
            streaming = conn.execution_options(stream_results=True, max_row_buffer=EXPORT_BATCH)
            rows = streaming.execute(_sql(sql), params)
            while batch := rows.fetchmany(EXPORT_BATCH):
                if fmt == "geojson":
                    yield ",".join([r[0] for r in batch])
                else:
                    yield export.csv_text(batch)

    # -- plumbing -------------------------------------------------------------------------

    @contextmanager
    def _connect(self) -> Iterator[Any]:
        # Also inside the block: a server that goes away mid-query or a statement_timeout
        # is the database being unavailable too, not a bug.
        try:
            with self.engine.connect() as conn:
                yield conn
        except OperationalError as exc:
            raise StoreUnavailable(f"cannot connect to the database: {_first_line(exc)}") from None

    def _begin(self) -> Any:
        try:
            return self.write_engine.begin()
        except OperationalError as exc:
            raise StoreUnavailable(f"cannot connect to the database: {_first_line(exc)}") from None


def _where(query: FeatureQuery, version_id: int) -> tuple[str, dict[str, object]]:
    """The WHERE clause of a feature query on one version, and its parameters."""
    where, params = q.where_clause(query.bbox is not None, query.filters, query.datetime)
    params["version_id"] = version_id
    if query.bbox is not None:
        min_lon, min_lat, max_lon, max_lat = query.bbox
        params.update(min_lon=min_lon, min_lat=min_lat, max_lon=max_lon, max_lat=max_lat)
    return where, params


def _first_line(exc: BaseException) -> str:
    text_ = str(getattr(exc, "orig", None) or exc).strip()
    return text_.splitlines()[0] if text_ else type(exc).__name__


__all__ = ["DBAPIError", "PostgisStore", "StoreError", "engine_url"]


EXPORT_BATCH = 2000


@lru_cache(maxsize=512)
def _sql(statement: str) -> TextClause:
    """A statement as a TextClause, parsed once (SQLAlchemy scans text() for bind parameters
    each time one is built: a noticeable share of a near-me request)."""
    return text(statement)


def _fast_json(dbapi_connection: Any, _record: Any) -> None:
    """Decode jsonb (props, opening hours) with orjson: json.loads was a fifth of a near-me
    request's time."""
    set_json_loads(orjson.loads, dbapi_connection)
