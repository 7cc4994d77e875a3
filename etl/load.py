"""A layer's load job: read its files, normalise, validate, merge and replace it in the store."""

from __future__ import annotations

import csv
import hashlib
import json
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from tqdm import tqdm

from etl.merge import cross_source_duplicates, make_id
from etl.normalise import SchemaMatch, match_schema
from etl.read import read_table
from etl.regions import RegionIndex
from etl.validate import BadNumber, locate, parse_number
from geo.distance import distance_m
from geo.hours import parse_hours
from layers import registry
from layers.record import FeatureRecord, Reject
from layers.registry import Source
from layers.spec import LayerSpec, Normalised
from layers.store import Store


class LoadRefused(Exception):
    """A load that must not happen (missing files, unknown header, ...); nothing changed."""


class Geocoder(Protocol):
    def geocode(
        self, address: str | None, name: str | None = None, *, sido: str | None = None
    ) -> Any: ...

    def geocode_address(self, *addresses: str | None, sido: str | None = None) -> Any: ...


@dataclass(frozen=True)
class InputFile:
    path: Path
    source: Source | None  # the manifest entry, when the file is one of the known ones
    dataset: str  # the id prefix for this file's features


@dataclass
class Candidate:
    """A source row on its way to becoming a FeatureRecord."""

    file: InputFile
    row: int
    match: SchemaMatch
    mapped: dict[str, str | None]
    norm: Normalised
    x: float | None = None
    y: float | None = None
    lon: float = float("nan")
    lat: float = float("nan")
    geocoded: str | None = None  # geocode precision when the position came from the address
    sido: str | None = None
    sigungu: str | None = None
    id: str = ""

    @property
    def source_ref(self) -> str:
        return f"{self.file.path.name}#{self.row}"


@dataclass
class LayerReport:
    layer: str
    rows_read: int = 0
    rejects: list[Reject] = field(default_factory=list)
    records: list[FeatureRecord] = field(default_factory=list)
    hours_texts: int = 0
    hours_parsed: int = 0
    geocoded: Counter[str] = field(default_factory=Counter)
    extra: dict[str, Any] = field(default_factory=dict)
    data_version: str = ""
    changed: bool = False
    report_path: Path | None = None
    # inputs that shape the layer without becoming its rows (the testing sites)
    companions: list[LayerReport] = field(default_factory=list)

    @property
    def loaded(self) -> int:
        return len(self.records)

    def reject_reasons(self) -> Counter[str]:
        return Counter(r.reason for r in self.rejects)

    def summary(self) -> dict[str, Any]:
        return {
            "layer": self.layer,
            "rows_read": self.rows_read,
            "loaded": self.loaded,
            "rejected": len(self.rejects),
            "reject_reasons": dict(self.reject_reasons().most_common()),
            "hours_texts": self.hours_texts,
            "hours_parsed": self.hours_parsed,
            "geocoded": dict(self.geocoded),
            "data_version": self.data_version,
            **self.extra,
            **{c.layer: c.summary() for c in self.companions},
        }


# -- reading and normalising -----------------------------------------------------------------


def read_candidates(
    spec: LayerSpec, inputs: Sequence[InputFile], report: LayerReport, *, kind: str | None = None
) -> list[Candidate]:
    """Every row of the inputs, normalised; rows that cannot be used become rejects."""
    out: list[Candidate] = []
    for inp in inputs:
        table = read_table(inp.path)
        match = match_schema(spec, table.columns, kind=kind)
        rows = tqdm(
            table.rows, desc=f"{spec.id}: {inp.path.name}", unit=" rows", disable=None, leave=False
        )
        for row_number, row in rows:
            report.rows_read += 1
            mapped = match.map_row(row)
            try:
                norm = spec.normalise(match.schema.id, mapped)
            except Exception as exc:  # a rule that trips on odd data rejects the row, not the load
                report.rejects.append(
                    _reject(spec.id, inp, row_number, "unparsable row", repr(exc)[:200])
                )
                continue
            if norm.reject:
                report.rejects.append(
                    _reject(spec.id, inp, row_number, norm.reject, name=norm.name)
                )
                continue
            if not norm.name:
                report.rejects.append(_reject(spec.id, inp, row_number, "no name"))
                continue
            cand = Candidate(inp, row_number, match, mapped, norm)
            coords = match.schema.coords
            if coords is not None:
                try:
                    cand.x = parse_number(mapped.get(coords.x))
                    cand.y = parse_number(mapped.get(coords.y))
                except BadNumber as exc:
                    report.rejects.append(
                        _reject(spec.id, inp, row_number, "unparsable number", str(exc), norm.name)
                    )
                    continue
            out.append(cand)
    return out


def locate_candidates(
    spec: LayerSpec, cands: list[Candidate], report: LayerReport
) -> tuple[list[Candidate], list[Candidate]]:
    """WGS84 positions from source coordinates (transformed, swap-repaired), and the rows
    that have no coordinates at all (to be geocoded)."""
    unplaced: list[Candidate] = []
    by_epsg: dict[int, list[Candidate]] = {}
    for c in cands:
        coords = c.match.schema.coords
        if coords is not None and c.x is not None and c.y is not None:
            by_epsg.setdefault(coords.epsg, []).append(c)
        elif coords is not None and (c.x is None) != (c.y is None):
            report.rejects.append(_reject_c(spec, c, "no coordinates", "only one coordinate given"))
        else:
            unplaced.append(c)
    located: list[Candidate] = []
    for epsg, group in by_epsg.items():
        xs = np.array([c.x for c in group], dtype=float)
        ys = np.array([c.y for c in group], dtype=float)
        lon, lat, ok, swapped = locate(xs, ys, epsg)
        for c, lo, la, good, sw in zip(group, lon, lat, ok, swapped, strict=True):
            if not good:
                report.rejects.append(
                    _reject_c(spec, c, "outside Korea", f"x={c.x} y={c.y} (EPSG:{epsg})")
                )
                continue
            c.lon, c.lat = float(lo), float(la)
            if sw:
                report.extra["swapped_repaired"] = report.extra.get("swapped_repaired", 0) + 1
            located.append(c)
    return located, unplaced


def geocode_candidates(
    spec: LayerSpec, unplaced: list[Candidate], report: LayerReport, geocoder: Geocoder | None
) -> list[Candidate]:
    """Rows without coordinates, placed by address; only an address-precision match counts."""
    placed = []
    for c in unplaced:
        region = c.file.source.region if c.file.source else None
        sido = region if region and region != "전국" else None
        texts = (c.mapped.get("road_address"), c.mapped.get("lot_address"), c.norm.address)
        hit = geocoder.geocode_address(*texts, sido=sido) if geocoder else None
        if hit is None:
            coarse = geocoder.geocode(c.norm.address, c.norm.name, sido=sido) if geocoder else None
            detail = (
                f"address geocoded only to {coarse.precision} precision"
                if coarse is not None
                else "address not found in the offline gazetteer"
            )
            report.rejects.append(_reject_c(spec, c, "no coordinates", detail))
            continue
        c.lon, c.lat, c.geocoded = hit.lon, hit.lat, hit.precision
        report.geocoded[hit.precision] += 1
        placed.append(c)
    return placed


def assign_regions(
    spec: LayerSpec, cands: list[Candidate], report: LayerReport, regions: RegionIndex
) -> list[Candidate]:
    """sido/sigungu by point-in-polygon (coastal points snap to a polygon within 2 km)."""
    if not cands:
        return []
    lon = np.array([c.lon for c in cands])
    lat = np.array([c.lat for c in cands])
    out = []
    for c, region in zip(cands, regions.assign(lon, lat), strict=True):
        if region is None:
            report.rejects.append(
                _reject_c(
                    spec, c, "outside Korea", f"lon={c.lon:.6f} lat={c.lat:.6f}: in no sigungu"
                )
            )
            continue
        c.sido, c.sigungu = region.sido, region.sigungu
        out.append(c)
    return out


def assign_ids(spec: LayerSpec, cands: list[Candidate], report: LayerReport) -> list[Candidate]:
    """Ids from the source key (or a content hash); exact duplicates and overlaps rejected."""
    kept: list[Candidate] = []
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
                report.rejects.append(_reject_c(spec, c, "duplicate", f"duplicate of {fid}"))
                continue
            # a reused key (or a name and address shared by two places): disambiguate stably
            fid = f"{fid}~{_content_suffix(c)}"
            if fid in seen:
                report.rejects.append(_reject_c(spec, c, "duplicate", f"duplicate of {fid}"))
                continue
        c.id = fid
        seen[fid] = c
        kept.append(c)
    files = {inp: i for i, inp in enumerate(dict.fromkeys(c.file for c in kept))}
    groups = [files[c.file] for c in kept]
    dup = cross_source_duplicates(
        np.array([c.lon for c in kept]),
        np.array([c.lat for c in kept]),
        [c.norm.name for c in kept],
        groups,
        spec.dedupe_radius_m,
    )
    out = []
    for i, c in enumerate(kept):
        if i in dup:
            report.rejects.append(
                _reject_c(
                    spec,
                    c,
                    "duplicate",
                    f"duplicate of {kept[dup[i]].id} (same place in another source)",
                )
            )
        else:
            out.append(c)
    return out


def to_record(
    spec: LayerSpec, c: Candidate, report: LayerReport, extra_props: dict[str, Any] | None = None
) -> FeatureRecord:
    norm = c.norm
    hours_json = None
    if norm.schedule is not None:
        hours_json = norm.schedule.to_json()
    elif norm.opening_hours_raw:
        schedule = parse_hours(norm.opening_hours_raw)
        hours_json = schedule.to_json() if schedule is not None else None
    if norm.opening_hours_raw or norm.schedule is not None:
        report.hours_texts += 1
        report.hours_parsed += hours_json is not None
    props = dict(norm.props)
    if c.geocoded:
        props["geocode_precision"] = c.geocoded
    if extra_props:
        props.update(extra_props)
    return FeatureRecord(
        layer=spec.id,
        id=c.id,
        name=norm.name or "",
        lon=round(c.lon, 7),
        lat=round(c.lat, 7),
        address=norm.address,
        sido=c.sido,
        sigungu=c.sigungu,
        phone=norm.phone,
        opening_hours_raw=norm.opening_hours_raw,
        opening_hours=hours_json,
        fee=norm.fee,
        fee_text=norm.fee_text,
        wheelchair=norm.wheelchair,
        source=c.source_ref,
        updated_at=norm.updated_at,
        props=props,
    )


def data_version(records: Sequence[FeatureRecord]) -> str:
    """A content hash of a layer: identical data keeps it, any change changes it."""
    h = hashlib.sha256()
    for r in sorted(records, key=lambda r: r.id):
        h.update(
            json.dumps(_record_dict(r), ensure_ascii=False, sort_keys=True, default=str).encode()
        )
        h.update(b"\n")
    return h.hexdigest()[:16]


def write_reject_report(report: LayerReport, directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{report.layer}-rejects.csv"
    tmp = path.with_suffix(".csv.tmp")
    with tmp.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["file", "row", "reason", "detail", "name"])
        for r in sorted(report.rejects, key=lambda r: (r.file, r.row)):
            writer.writerow([r.file, r.row, r.reason, r.detail, r.name or ""])
    tmp.replace(path)
    return path


def store_records(store: Store, report: LayerReport) -> None:
    report.data_version = data_version(report.records)
    outcome = store.replace_layer(
        report.layer, iter(report.records), data_version=report.data_version, stats=report.summary()
    )
    report.changed = outcome.changed


# -- helpers ---------------------------------------------------------------------------------


def _reject(
    layer: str, inp: InputFile, row: int, reason: str, detail: str = "", name: str | None = None
) -> Reject:
    return Reject(layer=layer, file=inp.path.name, row=row, reason=reason, detail=detail, name=name)


def _reject_c(spec: LayerSpec, c: Candidate, reason: str, detail: str = "") -> Reject:
    return _reject(spec.id, c.file, c.row, reason, detail, c.norm.name)


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
    from etl.merge import content_hash

    return content_hash(c.norm.name, c.norm.address, f"{c.lon:.6f}", f"{c.lat:.6f}", length=8)


def _record_dict(r: FeatureRecord) -> dict[str, Any]:
    return {
        "id": r.id,
        "name": r.name,
        "lon": r.lon,
        "lat": r.lat,
        "address": r.address,
        "sido": r.sido,
        "sigungu": r.sigungu,
        "phone": r.phone,
        "opening_hours_raw": r.opening_hours_raw,
        "opening_hours": r.opening_hours,
        "fee": r.fee,
        "fee_text": r.fee_text,
        "wheelchair": r.wheelchair,
        "source": r.source,
        "updated_at": r.updated_at,
        "props": r.props,
    }


def iter_layer_ids(layer_ids: Sequence[str] | None) -> Iterator[str]:
    for layer_id in layer_ids or registry.LAYER_IDS:
        registry.get(layer_id)  # raises UnknownLayer
        yield layer_id
