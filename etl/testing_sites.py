"""The testing-site parking layer's join: geocode the screening sites, merge the lists that
name the same site, and keep the parking lots near a site that is placed precisely."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from scipy.spatial import cKDTree

from etl.geocode import (
    PRECISIONS,
    SEJONG,
    Gazetteer,
    Geocode,
    name_variants,
    normalise_address,
)
from etl.merge import content_hash
from etl.site_match import Match, SiteMatcher
from geo.distance import degree_radius, distances_m, rank_key
from layers.clean import NO_DATA, tidy_text
from layers.feature import coordinate
from layers.record import FeatureRecord, Reject

LAYER_ID = "testing_site_parking"
# the companion layer of the sites themselves; a site's id is a feature id of it
SITES_LAYER_ID = "testing_sites"
# only these place a site well enough to say which parking lots are near it
JOIN_PRECISIONS: frozenset[str] = frozenset({"facility", "address", "building"})
# the KDCA 2022 list is the primary source; the 2020 MOHW lists add sites it lacks
KIND_PRIORITY: dict[str, int] = {"kdca_screening": 0, "mohw_screening": 1, "safe_hospital": 2}
SITE_PROPS: tuple[str, ...] = (
    "site_id",
    "site_name",
    "site_kind",
    "site_address",
    "site_precision",
    "site_facility",
    "distance_m",
)
_CHUNK = 4096
# a HIRA record matched by name alone is not taken this far from where the gazetteer
# places the row's own address (at address/building precision)
FACILITY_FAR_M = 1000.0


@dataclass(frozen=True)
class Site:
    """A screening site or safe hospital, with where the gazetteer placed it (if anywhere)."""

    id: str
    name: str
    address: str | None
    kind: str  # kdca_screening, mohw_screening, safe_hospital
    lon: float | None
    lat: float | None
    precision: str | None  # address, building, dong, sigungu; None when not geocoded
    source: str  # dataset of the row the site was first read from
    also_in: tuple[str, ...] = ()  # datasets of the rows merged into it
    matched: str | None = None  # what the gazetteer matched
    facility: str | None = None  # the HIRA record's name, when placed at one (precision facility)
    row_datasets: tuple[str, ...] = ()  # the dataset of every row merged into it, the first's too
    hira_outcome: str | None = None  # the HIRA match's outcome (etl.site_match.Outcome)
    # the row the site was first read from (its phone, hours and date make the site's record)
    first: SiteRow | None = field(default=None, compare=False, repr=False)

    @property
    def joinable(self) -> bool:
        return self.precision in JOIN_PRECISIONS and self.lon is not None and self.lat is not None


class _Norm(Protocol):
    @property
    def name(self) -> str | None: ...
    @property
    def address(self) -> str | None: ...
    @property
    def props(self) -> Mapping[str, Any]: ...


class _File(Protocol):
    @property
    def path(self) -> Path: ...
    @property
    def dataset(self) -> str: ...


class SiteRow(Protocol):
    """A normalised `sites` row (etl.load.Candidate has this shape)."""

    @property
    def file(self) -> _File: ...
    @property
    def row(self) -> int: ...
    @property
    def norm(self) -> _Norm: ...


class SiteGeocoder(Protocol):
    def geocode(self, address: str | None, name: str | None = None) -> Geocode | None: ...


@dataclass
class _Draft:
    site: Site
    datasets: list[str]
    hit: Geocode | None
    first: SiteRow
    address_keys: frozenset[str]
    facility: Match | None


def _rank(hit: Geocode | None) -> int:
    return PRECISIONS.index(hit.precision) if hit is not None else len(PRECISIONS)


def geocode_sites(
    rows: Iterable[SiteRow], gazetteer: SiteGeocoder, matcher: SiteMatcher | None = None
) -> tuple[list[Site], Counter[str], list[Reject]]:
    """Sites from the screening lists, placed and merged; the count of sites per precision
    ("none" when not placed); and a reject for every row not used by the join.

    A row is placed at the HIRA record it names (`matcher`, precision "facility") and, when
    none matches clearly, by the gazetteer; a reject for a row placed too coarsely or not at
    all names the best HIRA candidate and why it was not taken.

    A row is the same site as an earlier one (KDCA 2022 first, then MOHW 2020, then the safe
    hospitals) of another list when its normalised name is the same in the same 시/군/구 or
    its address key is the same; the merged site takes the finer geocode of the two when
    both rows give the same address.
    """
    ordered = sorted(rows, key=lambda r: KIND_PRIORITY.get(_kind(r), len(KIND_PRIORITY)))
    drafts: list[_Draft] = []
    by_key: dict[str, int] = {}
    rejects: list[Reject] = []
    for row in ordered:
        props = row.norm.props
        sido, sigungu = props.get("sido_text"), props.get("sigungu_text")
        name, address = row.norm.name or "", row.norm.address
        facility = matcher.match(name, address, sido, sigungu) if matcher else None
        hit = _facility_hit(facility)
        if hit is None or not (facility and facility.best and facility.best.address_agrees):
            if isinstance(gazetteer, Gazetteer):
                by_address = gazetteer.geocode(address, name, sido=sido, sigungu=sigungu)
            else:
                by_address = gazetteer.geocode(address, name)
            if hit is None:
                hit = by_address
            elif facility is not None and _far(hit, by_address):
                # matched by name alone, and the row's own address is precisely elsewhere
                hit, facility = by_address, replace(facility, outcome="far from the address")
        keys = _site_keys(name, address, sido, sigungu, facility)
        dataset = row.file.dataset
        same = next(
            (by_key[k] for k in keys if k in by_key and dataset not in drafts[by_key[k]].datasets),
            None,
        )
        if same is not None:
            draft = drafts[same]
            draft.datasets.append(dataset)
            # another list's geocode is better only where it describes the same address:
            # a hospital may have moved between the 2020 and 2022 lists
            same_address = not draft.address_keys or bool(draft.address_keys & _address_keys(keys))
            if same_address and _rank(hit) < _rank(draft.hit):
                draft.hit, draft.facility = hit, facility
            rejects.append(
                _reject(
                    row,
                    "duplicate",
                    f"same site as {draft.site.id} ({draft.site.source} row {draft.first.row})",
                )
            )
            for k in keys:
                by_key.setdefault(k, same)
            continue
        site = Site(
            id=f"{SITES_LAYER_ID}:{dataset}:h{content_hash(*keys[:1], address, name)}",
            name=name,
            address=address,
            kind=_kind(row),
            lon=None,
            lat=None,
            precision=None,
            source=dataset,
        )
        drafts.append(_Draft(site, [dataset], hit, row, _address_keys(keys), facility))
        for k in keys:
            by_key.setdefault(k, len(drafts) - 1)

    sites: list[Site] = []
    counts: Counter[str] = Counter()
    for d in drafts:
        hit = d.hit
        site = replace(
            d.site,
            lon=hit.lon if hit else None,
            lat=hit.lat if hit else None,
            precision=hit.precision if hit else None,
            also_in=tuple(dict.fromkeys(ds for ds in d.datasets[1:] if ds != d.site.source)),
            matched=hit.matched if hit else None,
            facility=d.facility.record.name if d.facility and d.facility.record else None,
            row_datasets=tuple(d.datasets),
            hira_outcome=d.facility.outcome if d.facility else None,
            first=d.first,
        )
        sites.append(site)
        counts[site.precision or "none"] += 1
        if hit is None:
            rejects.append(
                _reject(
                    d.first,
                    "not geocoded",
                    "no address, name, dong or sigungu match in the offline gazetteer"
                    + _unmatched(d.facility),
                )
            )
        elif not site.joinable:
            rejects.append(
                _reject(
                    d.first,
                    "site geocoded too coarsely",
                    f"placed only at {hit.precision} precision ({hit.matched}); not used for the parking join"
                    + _unmatched(d.facility),
                )
            )
    return sites, counts, rejects


def rows_placed(sites: Iterable[Site]) -> dict[str, dict[str, int]]:
    """Per list (dataset), how many of its rows are at a site placed well enough for the
    join, by precision (a row merged into another list's site counts with that site)."""
    out: dict[str, Counter[str]] = {}
    for s in sites:
        if s.joinable and s.precision:
            for ds in s.row_datasets:
                out.setdefault(ds, Counter())[s.precision] += 1
    return {ds: dict(c.most_common()) for ds, c in sorted(out.items())}


def _kind(row: SiteRow) -> str:
    kind = row.norm.props.get("site_kind")
    return str(kind) if kind else "kdca_screening"


def _facility_hit(facility: Match | None) -> Geocode | None:
    record = facility.record if facility else None
    if record is None:
        return None
    return Geocode(record.lon, record.lat, "facility", f"HIRA {record.name} ({record.address})")


def _far(hit: Geocode, by_address: Geocode | None) -> bool:
    if by_address is None or by_address.precision not in JOIN_PRECISIONS:
        return False
    distance = distances_m(hit.lon, hit.lat, [by_address.lon], [by_address.lat])[0]
    return bool(distance > FACILITY_FAR_M)


def _unmatched(facility: Match | None) -> str:
    return f"; HIRA {facility.describe()}" if facility is not None else ""


def _site_keys(
    name: str,
    address: str | None,
    sido: str | None,
    sigungu: str | None,
    facility: Match | None = None,
) -> list[str]:
    """Keys under which two rows are the same site: the HIRA record they are placed at,
    name in the 시/군/구, exact address."""
    ak = normalise_address(address, sido=sido, sigungu=sigungu)
    keys = []
    if ak is not None and ak.sido and (ak.city or ak.sido == SEJONG):
        keys += [f"name|{ak.sido}|{ak.city}|{v}" for v in name_variants(name, ak.sigungu)]
        keys += [f"addr|{k}" for k in ak.exact_keys()]
    keys = keys or [f"row|{name}|{address}"]
    # last: the first key is part of the site's id, which must not depend on the HIRA file
    record = facility.record if facility else None
    return [*keys, f"hira|{record.source}|{record.name}|{record.address}"] if record else keys


def _address_keys(keys: Iterable[str]) -> frozenset[str]:
    return frozenset(k for k in keys if k.startswith("addr|"))


def _reject(row: SiteRow, reason: str, detail: str) -> Reject:
    return Reject(SITES_LAYER_ID, row.file.path.name, row.row, reason, detail, row.norm.name)


def join_parking(
    lots: Iterable[FeatureRecord], sites: Sequence[Site], radius_m: float = 1000.0
) -> Iterator[FeatureRecord]:
    """The lots within `radius_m` (WGS84 geodesic) of a site placed at address or building
    precision, each with its nearest such site (ties by site id) and `distance_m` (0.1 m)."""
    if not (radius_m >= 0 and math.isfinite(radius_m)):
        raise ValueError(f"radius_m must be a finite number >= 0, got {radius_m!r}")
    usable = sorted((s for s in sites if s.joinable), key=lambda s: s.id)
    if not usable:
        return
    site_lon = np.array([s.lon for s in usable], dtype=float)
    site_lat = np.array([s.lat for s in usable], dtype=float)
    tree = cKDTree(np.column_stack([site_lon, site_lat]))
    chunk: list[FeatureRecord] = []
    for lot in lots:
        chunk.append(lot)
        if len(chunk) >= _CHUNK:
            yield from _join_chunk(chunk, usable, site_lon, site_lat, tree, radius_m)
            chunk = []
    if chunk:
        yield from _join_chunk(chunk, usable, site_lon, site_lat, tree, radius_m)


def _join_chunk(
    lots: list[FeatureRecord],
    sites: list[Site],
    site_lon: np.ndarray,
    site_lat: np.ndarray,
    tree: cKDTree,
    radius_m: float,
) -> Iterator[FeatureRecord]:
    placed = [lot for lot in lots if math.isfinite(lot.lon) and math.isfinite(lot.lat)]
    if not placed:
        return
    points = np.array([(lot.lon, lot.lat) for lot in placed], dtype=float)
    # a lon/lat-plane radius that contains every point within radius_m (geo.distance)
    reach = np.array([degree_radius(lot.lat, radius_m) for lot in placed])
    candidates = tree.query_ball_point(points, r=reach)
    for lot, idx in zip(placed, candidates, strict=True):
        if not idx:
            continue
        idx_arr = np.asarray(idx, dtype=int)
        dist = distances_m(lot.lon, lot.lat, site_lon[idx_arr], site_lat[idx_arr])
        near = [
            (rank_key(float(d), sites[i].id), i)
            for d, i in zip(dist, idx_arr, strict=True)
            if d <= radius_m
        ]
        if not near:
            continue
        (distance, _), best = min(near)
        site = sites[int(best)]
        yield replace(
            lot,
            props={
                **lot.props,
                "site_id": site.id,
                "site_name": site.name,
                "site_kind": site.kind,
                "site_address": site.address,
                "site_precision": site.precision,
                "site_facility": site.facility,
                "distance_m": distance,
            },
        )


DAY_TYPES: tuple[str, ...] = ("weekday", "saturday", "holiday")


def site_records(
    sites: Sequence[Site], lots: Sequence[FeatureRecord], radius_m: float
) -> list[FeatureRecord]:
    """The `testing_sites` records: every site placed well enough for the join (the sites the
    lots' `site_id` names), with its first row's phone and hours by day type as published, and
    how many of `lots` (the joined lots), and of the free ones, are within `radius_m` of it."""
    usable = sorted((s for s in sites if s.joinable), key=lambda s: s.id)
    placed = [lot for lot in lots if math.isfinite(lot.lon) and math.isfinite(lot.lat)]
    lot_lon = np.array([lot.lon for lot in placed], dtype=float)
    lot_lat = np.array([lot.lat for lot in placed], dtype=float)
    free = np.array([lot.fee == "free" for lot in placed], dtype=bool)
    tree = cKDTree(np.column_stack([lot_lon, lot_lat])) if placed else None
    records = []
    for site in usable:
        assert site.lon is not None and site.lat is not None
        lots_near = free_near = 0
        if tree is not None:
            idx = np.asarray(
                tree.query_ball_point((site.lon, site.lat), r=degree_radius(site.lat, radius_m)),
                dtype=int,
            )
            if idx.size:
                within = distances_m(site.lon, site.lat, lot_lon[idx], lot_lat[idx]) <= radius_m
                lots_near = int(within.sum())
                free_near = int((within & free[idx]).sum())
        records.append(_site_record(site, lots_near, free_near))
    return records


def _site_record(site: Site, lots: int, free_lots: int) -> FeatureRecord:
    assert site.lon is not None and site.lat is not None
    first = site.first
    norm: Any = first.norm if first is not None else None
    mapped: Mapping[str, Any] = getattr(first, "mapped", None) or {}
    schedule = getattr(norm, "schedule", None)
    props: dict[str, Any] = {
        "kind": site.kind,
        **{f"{d}_hours": tidy_text(mapped.get(f"{d}_hours"), none_for=NO_DATA) for d in DAY_TYPES},
        "precision": site.precision,
        "facility": site.facility,
        "lots": lots,
        "free_lots": free_lots,
        "sido_text": norm.props.get("sido_text") if norm is not None else None,
        "sigungu_text": norm.props.get("sigungu_text") if norm is not None else None,
        "also_in": list(site.also_in) or None,
    }
    return FeatureRecord(
        layer=SITES_LAYER_ID,
        id=site.id,
        name=site.name,
        lon=coordinate(site.lon),
        lat=coordinate(site.lat),
        address=site.address,
        phone=getattr(norm, "phone", None),
        opening_hours_raw=getattr(norm, "opening_hours_raw", None),
        opening_hours=schedule.to_json() if schedule is not None else None,
        source=f"{first.file.path.name}#{first.row}" if first is not None else site.source,
        updated_at=getattr(norm, "updated_at", None),
        props=props,
    )
