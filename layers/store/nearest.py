"""The nearest-first search both stores run: widen a planar KNN until it is exact geodesically."""

from __future__ import annotations

import heapq
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import islice

from geo.distance import degree_radius, rank_key
from layers.record import FeatureRecord
from layers.store.base import Hit, NearQuery

# Distances are compared after rounding to 0.1 m (rank_key), so an unseen point up to half a
# decimetre beyond the k-th distance could still tie with it and win on its id.
_ROUNDING_SLACK_M = 0.05


@dataclass(frozen=True)
class Candidates:
    """One planar KNN round of one layer."""

    # (geodesic metres rounded to 0.1 m, record) of the fetched points that pass the filters
    found: Sequence[tuple[float, FeatureRecord]]
    # planar lon/lat distance of the farthest fetched point: every unfetched point is as far
    # or farther
    last_planar_deg: float
    # every point within the degree radius was fetched
    exhausted: bool
    # `found` is already in rank order (distance, then id)
    ranked: bool = False


def first_candidates(limit: int) -> int:
    return max(limit * 2, 16)


def search(query: NearQuery, fetch: Callable[[int], Candidates]) -> list[Hit]:
    """The query's hits in one layer; `fetch(n)` returns the n planar-nearest points within
    `degree_radius(query.lat, query.radius_m)` (more on ties), with their geodesic distances."""
    if query.limit <= 0:
        return []
    n = first_candidates(query.limit)
    while True:
        batch = fetch(n)
        inside = (t for t in batch.found if t[0] <= query.radius_m)
        ranked = (
            list(inside) if batch.ranked else sorted(inside, key=lambda t: rank_key(t[0], t[1].id))
        )
        hits: list[Hit] = []
        for distance, record in ranked:
            if query.accept is None or query.accept(record):
                hits.append(Hit(record, distance))
                if len(hits) == query.limit:
                    break
        # Exact once no unfetched point can come within the k-th hit's distance.
        if batch.exhausted or (
            len(hits) == query.limit
            and degree_radius(query.lat, hits[-1].distance_m + _ROUNDING_SLACK_M)
            < batch.last_planar_deg
        ):
            return hits
        n *= 4


def merge(per_layer: Sequence[list[Hit]], limit: int) -> list[Hit]:
    """Each layer's hits (each list already in rank order) merged: nearest first, ties by id."""
    limit = max(limit, 0)
    if len(per_layer) == 1:
        return per_layer[0][:limit]
    merged = heapq.merge(*per_layer, key=lambda h: rank_key(h.distance_m, h.feature.id))
    return list(islice(merged, limit))
