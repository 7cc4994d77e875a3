"""Points of one or more layer versions in one in-memory rtree, for near-me.

Both stores answer near-me from these: the embedded store over the records it holds, the
PostGIS store over a per-process copy of the points (ids, lon/lat, the filter fields) of the
current versions. Searching every requested layer in one index is one KNN instead of one per
layer: the default near-me asks for all five.
"""

from __future__ import annotations

import heapq
import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import islice

import numpy as np
from rtree import index

from geo.distance import degree_radius, distances_m
from layers.record import FeatureRecord
from layers.store import nearest
from layers.store.base import Filters, Hit, NearQuery
from layers.store.nearest import Candidates

# candidates beyond `limit` in a search's first round: with metre-like planar distances, four
# more than asked are enough for most searches (measured with bench/embedded/near.py)
FIRST_EXTRA = 4


@dataclass(frozen=True)
class IndexPart:
    """One layer version's points, in the order of its `ids`."""

    layer_id: str
    version_id: int
    ids: Sequence[str]
    lons: np.ndarray
    lats: np.ndarray
    # the points matching equality filters (None: no filters); see LayerIndex.filter_mask
    filter_mask: Callable[[Filters], np.ndarray | None]
    # the record at a position, where the part holds records (the embedded store)
    record: Callable[[int], FeatureRecord] | None = None


class NearIndex:
    def __init__(self, parts: Sequence[IndexPart]) -> None:
        self.parts = tuple(parts)
        self.key = tuple((p.layer_id, p.version_id) for p in self.parts)
        sizes = [len(p.ids) for p in self.parts]
        self.offsets = np.cumsum([0, *sizes])
        n = int(self.offsets[-1])
        self.ids: list[str] = [i for p in self.parts for i in p.ids]
        self.lons = np.concatenate([p.lons for p in self.parts]) if n else np.zeros(0)
        self.lats = np.concatenate([p.lats for p in self.parts]) if n else np.zeros(0)
        self.part_of = np.repeat(np.arange(len(self.parts)), sizes)
        # ties are broken by id: each point's place in id order
        self.id_rank = np.empty(n, dtype=np.int64)
        self.id_rank[sorted(range(n), key=self.ids.__getitem__)] = np.arange(n)
        # x is longitude times the cosine of the mid-latitude: planar distances then come
        # close to metres, so that the planar-nearest points are nearly the geodesic-nearest
        # and a first round of few candidates is usually conclusive
        mid_lat = (float(self.lats.min()) + float(self.lats.max())) / 2 if n else 0.0
        self.lon_scale = math.cos(math.radians(mid_lat))
        self._xs = self.lons * self.lon_scale
        xy = np.column_stack([self._xs, self.lats])
        self._tree = (
            index.Index(
                (np.arange(n, dtype=np.int64), xy, xy),
                # smaller nodes than libspatialindex's default (100) answer a 20-nearest
                # search about a quarter faster on these point layers
                properties=index.Property(leaf_capacity=32, index_capacity=32),
            )
            if n
            else None
        )
        self._lock = threading.Lock()  # libspatialindex queries are not thread-safe
        self._masks: dict[Filters, np.ndarray | None] = {}

    def __len__(self) -> int:
        return len(self.ids)

    def close(self) -> None:
        if self._tree is not None:
            self._tree.close()

    def locate(self, position: int) -> tuple[IndexPart, int]:
        """The part a position falls in, and the position within that part."""
        k = int(self.part_of[position])
        return self.parts[k], position - int(self.offsets[k])

    def record(self, position: int) -> FeatureRecord:
        part, local = self.locate(position)
        if part.record is None:
            raise TypeError(f"the index of {part.layer_id} holds no records")
        return part.record(local)

    def mask(self, filters: Filters) -> np.ndarray | None:
        """The points matching `filters` (None: all of them), remembered per filter set."""
        if not filters:
            return None
        if filters not in self._masks:
            masks = [p.filter_mask(filters) for p in self.parts]
            self._masks[filters] = (
                np.concatenate(
                    [
                        np.ones(len(p.ids), dtype=bool) if m is None else m
                        for p, m in zip(self.parts, masks, strict=True)
                    ]
                )
                if self.parts
                else np.zeros(0, dtype=bool)
            )
        return self._masks[filters]

    def search(self, query: NearQuery) -> list[tuple[float, int]]:
        """The query's (distance, position) in rank order across every part; `query.layers`
        is not consulted: the caller picks an index holding just the requested layers."""
        radius_deg = degree_radius(query.lat, query.radius_m, self.lon_scale)
        mask = self.mask(query.filters)
        query_accept = query.accept
        accept = None if query_accept is None else (lambda p: query_accept(self.record(p)))

        def fetch(n: int) -> Candidates[int]:
            return self.candidates(query.lon, query.lat, radius_deg, n, mask)

        return nearest.search_items(
            query,
            fetch,
            accept,
            self.ids.__getitem__,
            lon_scale=self.lon_scale,
            first=query.limit + FIRST_EXTRA,
        )

    def hits(self, query: NearQuery) -> list[Hit]:
        found = self.search(query)
        only = self.parts[0].record if len(self.parts) == 1 else None
        if only is not None:  # one layer: positions are the part's own
            return [Hit(only(p), d) for d, p in found]
        return [Hit(self.record(p), d) for d, p in found]

    def candidates(
        self, lon: float, lat: float, radius_deg: float, n: int, mask: np.ndarray | None
    ) -> Candidates[int]:
        """The n planar-nearest points (x scaled) within `radius_deg` that pass `mask`,
        with their geodesic distances rounded to 0.1 m, in rank order."""
        if self._tree is None:
            return Candidates(found=(), last_planar_deg=0.0, exhausted=True, ranked=True)
        x = lon * self.lon_scale
        with self._lock:
            # nearest() rather than nearest_v(): less wrapping around the same C call; no
            # radius cap: libspatialindex's costs more than the check below
            positions = np.fromiter(self._tree.nearest((x, lat), n), dtype=np.int64)
        lons, lats = self.lons[positions], self.lats[positions]
        # the planar distance of the farthest fetched point: every unfetched one is as far
        last_planar_deg = (
            float(np.hypot(self._xs[positions] - x, lats - lat).max()) if len(positions) else 0.0
        )
        # every point within the radius was fetched (the search then drops those beyond it)
        exhausted = len(positions) < n or last_planar_deg > radius_deg
        if mask is not None:
            keep = mask[positions]
            positions, lons, lats = positions[keep], lons[keep], lats[keep]
        rounded = [round(d, 1) for d in distances_m(lon, lat, lons, lats).tolist()]
        order = np.lexsort((self.id_rank[positions], rounded)).tolist()
        listed = positions.tolist()
        return Candidates(
            found=[(rounded[k], listed[k]) for k in order],
            last_planar_deg=last_planar_deg,
            exhausted=exhausted,
            ranked=True,
        )


def merged_search(
    indexes: Sequence[NearIndex], query: NearQuery
) -> list[tuple[float, str, NearIndex, int]]:
    """(distance, id, index, position) of the query's hits in several indexes, nearest first,
    ties by id."""
    per_index = [[(d, i.ids[p], i, p) for d, p in i.search(query)] for i in indexes]
    if len(per_index) == 1:
        return per_index[0]
    merged = heapq.merge(*per_index, key=lambda t: (t[0], t[1]))
    return list(islice(merged, max(query.limit, 0)))


def merged_hits(indexes: Sequence[NearIndex], query: NearQuery) -> list[Hit]:
    """Hits of several indexes (each holding records), merged nearest first."""
    return [Hit(i.record(p), d) for d, _id, i, p in merged_search(indexes, query)]
