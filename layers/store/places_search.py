"""Place search (GET /api/places): regions and features whose names hold every word of a query.

One definition for every store. A place matches when each word of the query (split on white
space, lower-cased) occurs in `name + "\\n" + address` (features) or `sigungu + "\\n" + sido`
(regions). Places whose name starts with one of the words come first (a region's sido counts as
a name too); then regions before features, shorter
names first, and codes/ids in code-point order (PostgreSQL: COLLATE "C"). A store finds the best
`limit` of each kind in that order and `merge` keeps the best `limit` of both; `scan` (the
default `Store.search`) streams `regions()` and `features()`.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

from layers.store.types import Place

if TYPE_CHECKING:
    from layers.store.base import Store

MAX_TERMS = 5
MAX_QUERY_CHARS = 100

RankKey = tuple[bool, bool, int, str]


def terms(text: str) -> tuple[str, ...]:
    """The distinct lower-cased words of a query, at most MAX_TERMS of them."""
    out: list[str] = []
    for word in text.lower().split():
        if word not in out:
            out.append(word)
    return tuple(out[:MAX_TERMS])


def haystack(name: str, address: str | None) -> str:
    return f"{name}\n{address or ''}".lower()


def matches(words: Sequence[str], name: str, address: str | None) -> bool:
    text = haystack(name, address)
    return all(w in text for w in words)


def rank_key(words: Sequence[str], place: Place) -> RankKey:
    names = [place.name] if place.kind == "feature" else [place.name, place.address or ""]
    prefix = any(n.lower().startswith(w) for n in names for w in words)
    return (not prefix, place.kind != "region", len(place.name), place.id)


def merge(
    words: Sequence[str], regions: Iterable[Place], features: Iterable[Place], limit: int
) -> list[Place]:
    """The best `limit` of both kinds, each already the best `limit` of its own."""
    return sorted([*regions, *features], key=lambda p: rank_key(words, p))[:limit]


def scan(store: Store, text: str, layers: Iterable[str], limit: int) -> list[Place]:
    """The default search: every region and every feature of `layers`, streamed, keeping the
    best `limit` of each kind."""
    words = terms(text)
    if not words or limit <= 0:
        return []

    def best(places: Iterable[Place]) -> list[Place]:
        return heapq.nsmallest(limit, places, key=lambda p: rank_key(words, p))

    return merge(words, best(_regions(store, words)), best(_features(store, words, layers)), limit)


def _regions(store: Store, words: Sequence[str]) -> Iterator[Place]:
    import shapely

    for r in store.regions():
        if matches(words, r.sigungu, r.sido):
            point = shapely.from_wkb(r.wkb).point_on_surface()
            yield Place("region", r.code, r.sigungu, r.sido, None, point.x, point.y)


def _features(store: Store, words: Sequence[str], layers: Iterable[str]) -> Iterator[Place]:
    for layer_id in layers:
        for f in store.features(layer_id):
            if matches(words, f.name, f.address):
                yield Place("feature", f.id, f.name, f.address, f.layer, f.lon, f.lat)
