"""Merging a layer's sources: stable ids, exact duplicates, and the same place in two files."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from difflib import SequenceMatcher
from functools import cache

import numpy as np
import shapely
from shapely import STRtree

from geo.crs import transformer
from geo.distance import distances_m
from layers import registry

_NOISE = re.compile(r"\([^)]*\)|\[[^\]]*\]|[\s·ㆍ.,\-_/()]+")


@cache
def _generic() -> re.Pattern[str]:
    """The generic words ending a name, of every layer (LayerSpec.generic_name_words): they
    say what kind of place it is, not which one. All layers' words apply to every name, since
    a file of one layer names places of another kind too (the gazetteer compares them all)."""
    words = [w for spec in registry.all_specs() for w in spec.generic_name_words]
    return re.compile("|".join(f"(?:{w})$" for w in words) or r"(?!)")


def name_key(name: str | None) -> str:
    """A name reduced for comparison: NFC, no brackets, spaces, punctuation or generic suffix."""
    if not name:
        return ""
    s = unicodedata.normalize("NFKC", name).casefold()
    s = _NOISE.sub("", s)
    stripped = _generic().sub("", s)
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
