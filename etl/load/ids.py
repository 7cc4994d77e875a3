"""Stage 4, the ids: each row's feature id from its source key (or a content hash); exact
repeats, and the same place listed by another source, are rejected as duplicates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from etl.load.rows import Candidate, Kept
from etl.merge import content_hash, cross_source_duplicates, make_id
from geo.distance import distance_m
from layers.record import Reject
from layers.spec import LayerSpec


def assign_ids(spec: LayerSpec, cands: Sequence[Candidate]) -> Kept:
    """Ids from the source key (or a content hash); exact duplicates and overlaps rejected."""
    kept: list[Candidate] = []
    rejects: list[Reject] = []
    seen: dict[str, Candidate] = {}
    for c in cands:
        schema = c.match.schema
        key = None
        if schema.key and schema.key_unique:
            parts = [c.mapped.get(k) for k in schema.key]
            if all(parts):
                key = "-".join(p for p in parts if p)
        fid = make_id(
            spec.id, c.file.dataset, key, c.norm.dedupe_key or f"{c.norm.name}|{c.norm.address}"
        )
        if fid in seen:
            other = seen[fid]
            # a content-hash id names a place by name and address: the same pair close by is
            # the same place listed again (often with another reference date)
            same_place = key is None and _near(other, c, max(spec.dedupe_radius_m, 100.0))
            if same_place or _same_content(other, c):
                rejects.append(c.reject(spec.id, "duplicate", f"duplicate of {fid}"))
                continue
            # a reused key (or a name and address shared by two places): disambiguate stably
            fid = f"{fid}~{_content_suffix(c)}"
            if fid in seen:
                rejects.append(c.reject(spec.id, "duplicate", f"duplicate of {fid}"))
                continue
        c = replace(c, id=fid)
        seen[fid] = c
        kept.append(c)
    files = {inp: i for i, inp in enumerate(dict.fromkeys(c.file for c in kept))}
    dup = cross_source_duplicates(
        np.array([c.lon for c in kept]),
        np.array([c.lat for c in kept]),
        [c.norm.name for c in kept],
        [files[c.file] for c in kept],
        spec.dedupe_radius_m,
    )
    out = []
    for i, c in enumerate(kept):
        if i in dup:
            detail = f"duplicate of {kept[dup[i]].id} (same place in another source)"
            rejects.append(c.reject(spec.id, "duplicate", detail))
        else:
            out.append(c)
    return Kept(tuple(out), tuple(rejects))


def _same_content(a: Candidate, b: Candidate) -> bool:
    return (a.norm.name, a.norm.address, a.norm.props, round(a.lon, 6), round(a.lat, 6)) == (
        b.norm.name,
        b.norm.address,
        b.norm.props,
        round(b.lon, 6),
        round(b.lat, 6),
    )


def _near(a: Candidate, b: Candidate, radius_m: float) -> bool:
    return distance_m(a.lon, a.lat, b.lon, b.lat) <= radius_m


def _content_suffix(c: Candidate) -> str:
    return content_hash(c.norm.name, c.norm.address, f"{c.lon:.6f}", f"{c.lat:.6f}", length=8)
