"""Near-me: the one search both stores answer `/api/near` with.

A `Snapshot` holds the point layers of one set of current layer versions: numpy arrays
(lon/lat, planar x/y, layer, fee, wheelchair, opening-hours schedule, rank of the id) and each
feature's published near-me JSON, in files under a directory named by the versions, memory
mapped so that every worker of a server shares one copy (the first process that needs a
snapshot builds it, under a file lock; the others wait and map it). Each process adds a
scipy cKDTree over the planar points and the schedules, parsed once.

`search` is the whole query: a planar k-nearest search on the tree, widened until exact, WGS84
geodesic distances rounded to 0.1 m (geo.distance), ties by id, the filters as one mask, the
radius, and opening hours evaluated here with one `geo.hours.DayContext` per request, counting
the features whose hours are unknown that `open_now` leaves out.
"""

from __future__ import annotations

import fcntl
import json
import logging
import math
import mmap
import os
import pickle
import shutil
import threading
import time
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import orjson

from geo.distance import degree_radius, distances_m
from geo.hours import DayContext, Schedule, day_context
from layers import fields
from layers.feature import near_feature_json, near_template, record_of_near_template
from layers.record import FeatureRecord
from layers.store.types import FILTER_FIELDS, Filters, Hit, NearQuery

if TYPE_CHECKING:
    from scipy.spatial import cKDTree

log = logging.getLogger(__name__)

# bump when the files of a snapshot change shape: older directories are then ignored
FORMAT = 2
# snapshot directories kept in a cache directory (the newest by modification time)
KEEP_SNAPSHOTS = 4
# candidates beyond `limit` in a search's first round: with metre-like planar distances a few
# more than asked are enough for most searches
FIRST_EXTRA = 4
# Distances are compared after rounding to 0.1 m, so an unseen point up to half a decimetre
# beyond the k-th distance could still tie with it and win on its id.
_ROUNDING_SLACK_M = 0.05
_SUBSET_TREES = 8
_MASKS = 64

FEES = fields.FEE_VALUES  # the snapshot stores a fee as its position here
_ARRAYS = ("lon", "lat", "xy", "layer", "fee", "wheelchair", "hours", "id_rank", "offsets", "split")

# the layers of a snapshot, each with the key of its version: (layer_id, version key)
Key = tuple[tuple[str, str], ...]


class NearHit(NamedTuple):
    """A hit: where it is in the snapshot, its distance (0.1 m) and its opening status."""

    position: int
    distance_m: float
    status: str  # "open", "closed", "unknown"; "unknown" when the query has no `at`


@dataclass(frozen=True)
class NearAnswer:
    snapshot: Snapshot
    hits: list[NearHit]
    # with open_now: the features with unknown hours that rank before the last hit (all of
    # those within the radius when fewer than `limit` were found)
    unknown_hours_excluded: int | None

    def records(self) -> list[Hit]:
        return [Hit(self.snapshot.record(h.position), h.distance_m) for h in self.hits]


def key_name(key: Key) -> str:
    """The directory name of a snapshot: its format and layer versions."""
    return f"v{FORMAT}-" + "-".join(f"{layer}.{version}" for layer, version in key)


# -- building --------------------------------------------------------------------------------


def build(directory: Path, layers: Iterable[tuple[str, Iterable[FeatureRecord]]]) -> None:
    """Write a snapshot of `layers` (each layer's records) into `directory` (a new one)."""
    directory.mkdir(parents=True)
    layer_ids: list[str] = []
    lon, lat = array("d"), array("d")
    layer, fee, wheelchair = array("b"), array("b"), array("b")
    hours, offsets, split = array("i"), array("q", [0]), array("i")
    ids: list[str] = []
    schedules: dict[str, int] = {}
    with open(directory / "docs.bin", "wb") as docs:
        for code, (layer_id, records) in enumerate(layers):
            layer_ids.append(layer_id)
            for r in records:
                text, at = near_template(r)
                docs.write(text)
                offsets.append(offsets[-1] + len(text))
                split.append(at)
                ids.append(r.id)
                lon.append(r.lon)
                lat.append(r.lat)
                layer.append(code)
                fee.append(FEES.index(r.fee) if r.fee in FEES else -1)
                wheelchair.append(-1 if r.wheelchair is None else int(r.wheelchair))
                if r.opening_hours:
                    text_hours = orjson.dumps(r.opening_hours, option=orjson.OPT_SORT_KEYS)
                    hours.append(schedules.setdefault(text_hours.decode(), len(schedules)))
                else:
                    hours.append(-1)
    n = len(ids)
    lons, lats = np.frombuffer(lon, dtype=np.float64), np.frombuffer(lat, dtype=np.float64)
    # x is longitude times the cosine of the mid-latitude: planar distances then come close
    # to metres, so that the planar-nearest points are nearly the geodesic-nearest
    mid_lat = (float(lats.min()) + float(lats.max())) / 2 if n else 0.0
    lon_scale = math.cos(math.radians(mid_lat))
    id_rank = np.empty(n, dtype=np.int32)
    id_rank[sorted(range(n), key=ids.__getitem__)] = np.arange(n, dtype=np.int32)
    arrays: dict[str, np.ndarray] = {
        "lon": lons,
        "lat": lats,
        "xy": np.column_stack([lons * lon_scale, lats]) if n else np.zeros((0, 2)),
        "layer": np.frombuffer(layer, dtype=np.int8),
        "fee": np.frombuffer(fee, dtype=np.int8),
        "wheelchair": np.frombuffer(wheelchair, dtype=np.int8),
        "hours": np.frombuffer(hours, dtype=np.int32),
        "id_rank": id_rank,
        "offsets": np.frombuffer(offsets, dtype=np.int64),
        "split": np.frombuffer(split, dtype=np.int32),
    }
    for name, values in arrays.items():
        np.save(directory / f"{name}.npy", np.ascontiguousarray(values))
    if n:
        from scipy.spatial import cKDTree

        # a process that maps the snapshot unpickles the tree (0.2 s for a million points)
        # rather than building it (2 s): a new load reaches every worker sooner
        with open(directory / "tree.pickle", "wb") as f:
            pickle.dump(cKDTree(arrays["xy"]), f, protocol=pickle.HIGHEST_PROTOCOL)
    meta = {"layers": layer_ids, "lon_scale": lon_scale, "schedules": list(schedules)}
    for path in directory.iterdir():
        with open(path, "rb") as f:
            os.fsync(f.fileno())
    # written last: a directory with meta.json is complete
    (directory / "meta.json").write_text(json.dumps(meta, ensure_ascii=False))


def open_or_build(
    cache_dir: Path,
    key: Key,
    records: Callable[[], Iterable[tuple[str, Iterable[FeatureRecord]]]],
) -> Snapshot:
    """The snapshot of `key` under `cache_dir`: mapped if some process built it already, else
    built now (by one process at a time: the others wait for it under the lock)."""
    directory = cache_dir / key_name(key)
    if (directory / "meta.json").exists():
        return Snapshot(directory, key)
    cache_dir.mkdir(parents=True, exist_ok=True)
    with open(cache_dir / ".lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not (directory / "meta.json").exists():
                started = time.perf_counter()
                tmp = cache_dir / f".building-{os.getpid()}-{key_name(key)}"
                shutil.rmtree(tmp, ignore_errors=True)
                build(tmp, records())
                shutil.rmtree(directory, ignore_errors=True)
                os.rename(tmp, directory)
                log.info(
                    "near-me snapshot %s built in %.1f s",
                    directory.name,
                    time.perf_counter() - started,
                )
                _prune(cache_dir, keep=directory)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return Snapshot(directory, key)


def _prune(cache_dir: Path, keep: Path) -> None:
    """Remove all but the newest KEEP_SNAPSHOTS snapshots (and dead builders' leftovers); a
    process still mapping a removed one keeps its pages until it lets them go."""
    found = sorted(
        (p for p in cache_dir.iterdir() if p.is_dir()),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    kept = 0
    for path in found:
        if path == keep or (not path.name.startswith(".") and kept < KEEP_SNAPSHOTS - 1):
            kept += path != keep
            continue
        shutil.rmtree(path, ignore_errors=True)


# -- a snapshot in a process -----------------------------------------------------------------


class Snapshot:
    """A built snapshot, memory-mapped, with this process's tree and parsed schedules."""

    def __init__(self, directory: Path, key: Key) -> None:
        self.directory = directory
        self.key = key
        meta = json.loads((directory / "meta.json").read_text())
        self.layers: tuple[str, ...] = tuple(meta["layers"])
        self.lon_scale: float = meta["lon_scale"]
        self.schedules: tuple[Schedule, ...] = tuple(
            Schedule.from_json(json.loads(text)) for text in meta["schedules"]
        )
        # plain ndarray views of the maps: np.memmap's own indexing costs microseconds a call
        arrays = {
            name: np.load(directory / f"{name}.npy", mmap_mode="r").view(np.ndarray)
            for name in _ARRAYS
        }
        self.lon, self.lat, self.xy = arrays["lon"], arrays["lat"], arrays["xy"]
        self.layer, self.fee, self.wheelchair = arrays["layer"], arrays["fee"], arrays["wheelchair"]
        self.hours, self.id_rank = arrays["hours"], arrays["id_rank"]
        self.offsets, self.split = arrays["offsets"], arrays["split"]
        self.size = len(self.lon)
        # written by build() into our own cache directory, so as trusted as the code
        self.tree: cKDTree | None = None
        if self.size:
            with open(directory / "tree.pickle", "rb") as f:
                self.tree = pickle.load(f)
        self._trees: dict[tuple[str, ...], tuple[cKDTree | None, np.ndarray | None]] = {}
        self._statuses: tuple[tuple[date, int], dict[int, str]] = ((date.min, -1), {})
        self._masks: dict[Filters, np.ndarray] = {}
        self._kept: dict[Filters, int] = {}
        self._lock = threading.Lock()
        # mapped last: a process that maps docs.bin has its tree and answers from it next
        # (bench/http/near_memory.py watches /proc/<pid>/maps for it)
        with open(directory / "docs.bin", "rb") as f:
            size = os.fstat(f.fileno()).st_size
            self.docs: mmap.mmap | bytes = (
                mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
            )

    def __len__(self) -> int:
        return self.size

    # -- the answer's rows

    def document(self, position: int) -> tuple[bytes, int]:
        """The feature's near-me JSON and where its distance and status go."""
        start, end = self.offsets[position : position + 2].tolist()
        return self.docs[start:end], int(self.split[position])

    def feature_json(self, hit: NearHit) -> bytes:
        """The hit's near-me Feature as JSON (layers.feature.near_feature, serialised)."""
        text, split = self.document(hit.position)
        return near_feature_json(text, split, hit.distance_m, hit.status)

    def record(self, position: int) -> FeatureRecord:
        text, _split = self.document(position)
        return record_of_near_template(text, float(self.lon[position]), float(self.lat[position]))

    def status(self, position: int, ctx: DayContext) -> str:
        """open / closed / unknown of a feature at the moment of `ctx`."""
        return self.statuses(ctx)(int(self.hours[position]))

    def statuses(self, ctx: DayContext) -> Callable[[int], str]:
        """The status of each schedule (by index; -1: none) at `ctx`, remembered for the
        minute: schedules are whole minutes, so every request of one minute shares them."""
        minute = (ctx.local_date, int(ctx.minute))
        held = self._statuses
        if held[0] != minute:
            held = self._statuses = (minute, {-1: "unknown"})
        known = held[1]
        schedules = self.schedules

        def status(k: int) -> str:
            found = known.get(k)
            if found is None:
                is_open = schedules[k].status(ctx)
                found = known[k] = (
                    "unknown" if is_open is None else ("open" if is_open else "closed")
                )
            return found

        return status

    # -- the index and the filters

    def tree_for(self, layers: Sequence[str]) -> tuple[cKDTree | None, np.ndarray | None]:
        """A tree over the points of `layers`, and the snapshot position of each of its
        points (None: the whole snapshot's tree, positions as they are)."""
        held = self._trees.get(tuple(layers))
        if held is not None:
            return held
        codes = [i for i, layer in enumerate(self.layers) if layer in layers]
        if len(codes) == len(self.layers):
            held = (self.tree, None)
        else:
            from scipy.spatial import cKDTree

            positions = np.flatnonzero(np.isin(self.layer, codes))
            tree = cKDTree(np.ascontiguousarray(self.xy[positions])) if len(positions) else None
            held = (tree, positions)
        with self._lock:
            while len(self._trees) >= _SUBSET_TREES:
                del self._trees[next(iter(self._trees))]
            self._trees[tuple(layers)] = held
        return held

    def mask(self, filters: Filters) -> np.ndarray | None:
        """The points whose fields equal the filters' values (None: no filters), remembered."""
        if not filters:
            return None
        mask = self._masks.get(filters)
        if mask is None:
            mask = np.ones(self.size, dtype=bool)
            for name, text in filters:
                mask &= self._equal(name, text)
            with self._lock:
                if len(self._masks) >= _MASKS:
                    self._masks.clear()
                    self._kept.clear()
                self._masks[filters] = mask
        return mask

    def kept(self, filters: Filters) -> int:
        """How many points pass the filters, remembered with their mask."""
        count = self._kept.get(filters)
        if count is None:
            mask = self.mask(filters)
            count = self._kept[filters] = self.size if mask is None else int(mask.sum())
        return count

    def _equal(self, name: str, text: str) -> np.ndarray:
        if name == "fee":
            return np.asarray(self.fee == (FEES.index(text) if text in FEES else -2))
        if name == "wheelchair":
            flag = {"true": 1, "false": 0}.get(text, -2)
            return np.asarray(self.wheelchair == flag)
        # any other field: from the records (rare in near-me; once per snapshot and filter)
        parsed = filter_value(text)
        out = np.zeros(self.size, dtype=bool)
        for position in range(self.size):
            record = self.record(position)
            value = getattr(record, name) if name in FILTER_FIELDS else record.props.get(name)
            out[position] = typed_equal(value, text, parsed)
        return out


_NO_VALUE = object()


def filter_value(text: str) -> Any:
    """A filter's text as a JSON value ("3" → 3, "true" → True, '["a"]' → a list), for the
    fields that are not text."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return _NO_VALUE


def typed_equal(value: Any, text: str, parsed: Any) -> bool:
    """A field's value equals a filter's: a text field equals the text itself, any other
    value the text read as a value of the same JSON type (true is not 1, 100.0 is 100); a
    missing or null value equals nothing."""
    if value is None:
        return False
    if isinstance(value, str):
        return value == text
    if isinstance(value, bool) or isinstance(parsed, bool):
        return type(value) is type(parsed) and value == parsed
    if isinstance(value, int | float):
        return isinstance(parsed, int | float) and value == parsed
    return type(value) is type(parsed) and bool(value == parsed)


# -- the search ------------------------------------------------------------------------------


def search(snapshot: Snapshot, query: NearQuery) -> NearAnswer:
    """The query's hits in rank order (nearest first, ties by id), exact: the planar search is
    widened until no point it has not fetched can come within the last hit's distance."""
    open_now = query.open_now and query.at is not None
    if query.limit <= 0:
        return NearAnswer(snapshot, [], 0 if open_now else None)
    tree, positions_of = snapshot.tree_for(query.layers)
    if tree is None:
        return NearAnswer(snapshot, [], 0 if open_now else None)
    status_of = snapshot.statuses(day_context(query.at)) if query.at is not None else None
    mask = snapshot.mask(query.filters)
    lon, lat, limit = query.lon, query.lat, query.limit
    radius_deg = degree_radius(lat, query.radius_m, snapshot.lon_scale)
    x = lon * snapshot.lon_scale
    n = limit + FIRST_EXTRA
    if mask is not None:  # a filter keeping a tenth of the points: ten times more candidates
        kept = snapshot.kept(query.filters)
        if kept == 0:
            return NearAnswer(snapshot, [], 0 if open_now else None)
        n = int(n * min(len(mask) / kept, 64.0))
    while True:
        k = min(n, tree.n)
        planar, found = tree.query((x, lat), k=k, distance_upper_bound=radius_deg)
        if k == 1:
            planar, found = np.atleast_1d(planar), np.atleast_1d(found)
        inside = found < tree.n
        found, planar = found[inside], planar[inside]
        # every point within the radius was fetched (the search then drops those beyond it)
        exhausted = len(found) < k or k == tree.n
        last_planar = float(planar[-1]) if len(planar) else 0.0
        positions = found if positions_of is None else positions_of[found]
        if mask is not None:
            positions = positions[mask[positions]]
        rounded = [
            round(d, 1)
            for d in distances_m(
                lon, lat, snapshot.lon[positions], snapshot.lat[positions]
            ).tolist()
        ]
        order = np.lexsort((snapshot.id_rank[positions], rounded)).tolist()
        listed = positions.tolist()
        schedules = snapshot.hours[positions].tolist() if status_of is not None else None
        hits: list[NearHit] = []
        unknown = 0
        for i in order:
            distance = rounded[i]
            if distance > query.radius_m:
                break  # ranked: the rest are farther still
            position = listed[i]
            status = "unknown" if schedules is None else status_of(schedules[i])  # type: ignore[misc]
            if open_now and status != "open":
                unknown += status == "unknown"
                continue
            if query.accept is not None and not query.accept(snapshot.record(position)):
                continue
            hits.append(NearHit(position, distance, status))
            if len(hits) == limit:
                break
        if exhausted or (
            len(hits) == limit
            and degree_radius(lat, hits[-1].distance_m + _ROUNDING_SLACK_M, snapshot.lon_scale)
            < last_planar
        ):
            return NearAnswer(snapshot, hits, unknown if open_now else None)
        n *= 4
