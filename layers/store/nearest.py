"""The nearest-first search both stores run: widen a planar KNN until it is exact geodesically."""

from __future__ import annotations

import heapq
from collections.abc import Callable, Sequence
from itertools import islice
from typing import Generic, NamedTuple, TypeVar

from geo.distance import degree_radius, rank_key
from layers.record import FeatureRecord
from layers.store.base import Hit, NearQuery

# Distances are compared after rounding to 0.1 m (rank_key), so an unseen point up to half a
# decimetre beyond the k-th distance could still tie with it and win on its id.
_ROUNDING_SLACK_M = 0.05

T = TypeVar("T")


class Candidates(NamedTuple, Generic[T]):
    """One planar KNN round: of one layer (records), or of a NearIndex (positions). A tuple:
    every near-me search builds one or more."""

    # (geodesic metres rounded to 0.1 m, item) of the fetched points that pass the filters
    found: Sequence[tuple[float, T]]
    # planar lon/lat distance of the farthest fetched point: every unfetched point is as far
    # or farther
    last_planar_deg: float
    # every point within the degree radius was fetched
    exhausted: bool
    # `found` is already in rank order (distance, then id)
    ranked: bool = False


def first_candidates(limit: int) -> int:
    return max(limit * 2, 16)


def search(query: NearQuery, fetch: Callable[[int], Candidates[FeatureRecord]]) -> list[Hit]:
    """The query's hits in one layer; `fetch(n)` returns the n planar-nearest points within
    `degree_radius(query.lat, query.radius_m)` (more on ties), with their geodesic distances."""
    found = search_items(query, fetch, query.accept, lambda r: r.id)
    return [Hit(record, distance) for distance, record in found]


def search_items(
    query: NearQuery,
    fetch: Callable[[int], Candidates[T]],
    accept: Callable[[T], bool] | None,
    item_id: Callable[[T], str],
    *,
    lon_scale: float = 1.0,
    first: int | None = None,
) -> list[tuple[float, T]]:
    """search() over any item: the first `query.limit` accepted (distance, item) in rank order,
    exact once no unfetched point can come within the last one's distance. `fetch` measures
    planar distances with longitude times `lon_scale` (see degree_radius); `first` is the
    number of candidates of the first round."""
    if query.limit <= 0:
        return []
    n = first or first_candidates(query.limit)
    while True:
        batch = fetch(n)
        ranked = (
            batch.found
            if batch.ranked
            else sorted(batch.found, key=lambda t: rank_key(t[0], item_id(t[1])))
        )
        hits: list[tuple[float, T]] = []
        for distance, item in ranked:
            if distance > query.radius_m:
                break  # ranked: the rest are farther still
            if accept is None or accept(item):
                hits.append((distance, item))
                if len(hits) == query.limit:
                    break
        if batch.exhausted or (
            len(hits) == query.limit
            and degree_radius(query.lat, hits[-1][0] + _ROUNDING_SLACK_M, lon_scale)
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
