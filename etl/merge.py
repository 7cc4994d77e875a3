"""Merging a layer's sources: stable ids, exact duplicates, and the same place in two files."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from difflib import SequenceMatcher

import numpy as np
import shapely
from shapely import STRtree

from geo.crs import transformer
from geo.distance import distances_m

_NOISE = re.compile(r"\([^)]*\)|\[[^\]]*\]|[\s·ㆍ.,\-_/()]+")
# generic words that say what kind of place it is, not which one
_GENERIC = re.compile(
    r"(공중|개방|간이|이동|민간|공공|남녀|장애인)?화장실$|(오토)?캠핑장$|야영장$|글램핑$|"
    r"무더위쉼터$|쉼터$|대여소$|주차장$|공영$"
)


def name_key(name: str | None) -> str:
    """A name reduced for comparison: NFC, no brackets, spaces, punctuation or generic suffix."""
    if not name:
        return ""
    s = unicodedata.normalize("NFKC", name).casefold()
    s = _NOISE.sub("", s)
    stripped = _GENERIC.sub("", s)
    return stripped or s


def similar_names(a: str | None, b: str | None) -> bool:
    ka, kb = name_key(a), name_key(b)
    if not ka or not kb:
        return False
    if ka == kb or (min(len(ka), len(kb)) >= 2 and (ka in kb or kb in ka)):
        return True
    return SequenceMatcher(None, ka, kb).ratio() >= 0.8


def content_hash(*parts: str | None, length: int = 16) -> str:
    text = "\x1f".join(unicodedata.normalize("NFC", p or "").strip() for p in parts)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


def make_id(layer_id: str, dataset: str, key: str | None, dedupe_key: str | None) -> str:
    """layer + dataset + the source's own key where it is unique, else a content hash."""
    if key:
        return f"{layer_id}:{dataset}:{key}"
    return f"{layer_id}:{dataset}:h{content_hash(dedupe_key)}"


def cross_source_duplicates(
    lon: np.ndarray,
    lat: np.ndarray,
    names: Sequence[str | None],
    group: Sequence[int],
    radius_m: float,
) -> dict[int, int]:
    """index -> the earlier kept index it duplicates.

    Rows are in priority order; only rows of different groups (source files) are compared,
    since one file may list several places at the same spot (toilets in one building).
    """
    if len(lon) == 0 or radius_m <= 0:
        return {}
    fwd = transformer(4326, 5179)
    x, y = fwd.transform(lon, lat)
    points = shapely.points(x, y)
    tree = STRtree(points)
    left, right = tree.query(points, predicate="dwithin", distance=radius_m)
    candidates: dict[int, list[int]] = {}
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        if j < i and group[i] != group[j]:
            candidates.setdefault(i, []).append(j)
    duplicate_of: dict[int, int] = {}
    for i in sorted(candidates):
        # the metric index only preselects; the one distance definition decides
        near = candidates[i]
        d = distances_m(lon[i], lat[i], lon[near], lat[near])
        for dist, j in sorted(zip(d.tolist(), near, strict=True)):
            if dist > radius_m:
                break
            if j not in duplicate_of and similar_names(names[i], names[j]):
                duplicate_of[i] = j
                break
    return duplicate_of
