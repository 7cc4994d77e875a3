"""A layer's load job: read its files, normalise, validate, merge and replace it in the store."""

from __future__ import annotations

import csv
import hashlib
import json
import math
import operator
import re
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import shapely
from tqdm import tqdm

from etl.detect_crs import CrsError, Place, address_place, choose_crs
from etl.merge import cross_source_duplicates, make_id
from etl.normalise import SchemaMatch
from etl.read import GEOMETRY_PROBLEM, TRUNCATED_ROW, Table, read_table
from etl.recognise import recognise
from etl.regions import RegionIndex
from etl.validate import BadNumber, locate, parse_number
from geo.distance import distance_m
from layers import registry
from layers.record import FeatureRecord, Region, Reject
from layers.registry import Source
from layers.spec import LayerSpec, Normalised
from layers.store import Store
from layers.store.types import LayerWrite

# A cell longer than this is not a name, an address or a note: its row is rejected.
MAX_FIELD_CHARS = 10_000
# An `EPSG:5186` / `epsg5174` in a coordinate column's name declares its CRS.
_EPSG_IN_NAME = re.compile(r"epsg\s*[:_]?\s*(\d{4,5})", re.IGNORECASE)


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
    dataset: str  # the id prefix for this file's features ("" = from the matched schema)


@dataclass(frozen=True)
class ReadOptions:
    """How to read a load's files: `--encoding` and `--crs` (None = sniff / detect)."""

    encoding: str | None = None
    crs: int | None = None
    columns: Mapping[str, str] | None = None  # role -> column (--columns)
    schema_dir: Path | None = None  # the user's saved schemas (etl.saved_schemas)
    infer_only: bool = False  # skip declared and saved schemas (to measure inference)


@dataclass
class FileReport:
    """What a load made of one input file."""

    path: Path
    kind: str
    schema: str
    dataset: str
    encoding: str | None
    delimiter: str | None
    header_rows: int
    rows: int = 0
    # where the file says its coordinates' CRS is declared, and that CRS
    declared_epsg: int | None = None
    declared_by: str = "schema"
    crs: str | None = None  # the CRS used, and why (etl.detect_crs.CrsChoice.describe)
    # a saved or inferred schema's column -> role lines, with the evidence
    mapping: tuple[str, ...] = ()

    def describe(self) -> str:
        read = []
        if self.encoding:
            read.append(self.encoding)
        if self.delimiter:
            read.append({",": "comma", "\t": "tab", ";": "semicolon"}.get(self.delimiter, "?"))
        if self.header_rows > 1:
            read.append(f"{self.header_rows}-record header")
        how = f" ({', '.join(read)})" if read else ""
        crs = f"; CRS {self.crs}" if self.crs else "; no coordinates"
        unit = "features" if self.kind == "boundaries" else "rows"
        return f"{self.path.name}{how}: schema {self.schema} ({self.kind}), {self.rows} {unit}{crs}"


@dataclass(frozen=True)
class VersionDiff:
    """How a new version of a layer differs from the current one, by feature id."""

    current_version: str | None
    current_rows: int
    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[str, ...]
    unchanged: int

    def summary(self) -> str:
        if self.current_version is None:
            return f"no current version: {len(self.added)} added"
        return (
            f"{len(self.added)} added, {len(self.removed)} removed, {len(self.changed)} changed,"
            f" {self.unchanged} unchanged (current version {self.current_version},"
            f" {self.current_rows} rows)"
        )


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
    files: list[FileReport] = field(default_factory=list)
    # the reference table's polygons (layer "regions" only)
    regions: list[Region] = field(default_factory=list)
    diff: VersionDiff | None = None
    # why this load must not happen (a dry run reports it instead of refusing)
    refusal: str | None = None
    appended: bool = False  # the current version's features were kept (--append)

    @property
    def loaded(self) -> int:
        return len(self.records) + len(self.regions)

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
    spec: LayerSpec,
    inputs: Sequence[InputFile],
    report: LayerReport,
    *,
    kind: str | None = None,
    options: ReadOptions | None = None,
) -> list[Candidate]:
    """Every row of the inputs, normalised; rows that cannot be used become rejects.

    A file without data rows, or whose header matches none of the layer's schemas, refuses
    the load (LoadRefused / UnknownSchema).
    """
    options = options or ReadOptions()
    out: list[Candidate] = []
    for inp in inputs:
        table, match = recognise(
            spec,
            read_table(inp.path, encoding=options.encoding),
            kind=kind,
            source=str(inp.path),
            given=options.columns,
            schema_dir=options.schema_dir,
            infer_only=options.infer_only,
        )
        if not inp.dataset:
            saved = match.origin == "saved"
            inp = replace(
                inp, dataset=match.name if saved else dataset_for(spec.id, match.schema.id)
            )
        file_report = _file_report(inp, table, match)
        report.files.append(file_report)
        decimal_comma = table.delimiter == ";"
        rows = tqdm(
            table.rows, desc=f"{spec.id}: {inp.path.name}", unit=" rows", disable=None, leave=False
        )
        for row_number, row in rows:
            report.rows_read += 1
            file_report.rows += 1
            problem = _row_problem(row)
            if problem is not None:
                report.rejects.append(_reject(spec.id, inp, row_number, *problem))
                continue
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
                    cand.x = parse_number(mapped.get(coords.x), decimal_comma=decimal_comma)
                    cand.y = parse_number(mapped.get(coords.y), decimal_comma=decimal_comma)
                except BadNumber as exc:
                    report.rejects.append(
                        _reject(spec.id, inp, row_number, "unparsable number", str(exc), norm.name)
                    )
                    continue
            out.append(cand)
        if file_report.rows == 0:
            raise LoadRefused(f"{inp.path}: the file has a header but no data rows")
    return out


def dataset_for(layer_id: str, schema_id: str) -> str:
    """The dataset of a file the manifest does not list: the one dataset the manifest reads
    with this schema (so a newer snapshot keeps the ids of the older one), else the schema."""
    datasets = {
        s.dataset
        for s in registry.sources_for(layer_id, default_only=False)
        if s.schema == schema_id
    }
    return datasets.pop() if len(datasets) == 1 else schema_id


def _file_report(inp: InputFile, table: Table, match: SchemaMatch) -> FileReport:
    schema = match.schema
    declared, declared_by = None, "schema"
    if schema.coords is not None:
        declared = schema.coords.epsg or None  # 0: an inferred schema's, to be detected
        named = _EPSG_IN_NAME.search(match.column_for.get(schema.coords.x, ""))
        if table.has_geometry:
            # GeoJSON without a `crs` member is WGS84 by its specification
            declared, declared_by = table.geometry_epsg or 4326, "file"
        elif named:
            declared, declared_by = int(named.group(1)), "column name"
    return FileReport(
        path=inp.path,
        kind=schema.kind,
        schema=match.label,
        dataset=inp.dataset,
        encoding=table.encoding,
        delimiter=table.delimiter,
        header_rows=table.header_rows,
        declared_epsg=declared,
        declared_by=declared_by,
        mapping=match.mapping,
    )


def _row_problem(row: Mapping[str, str | None]) -> tuple[str, str] | None:
    """(reason, detail) for a row that cannot be read as a place at all."""
    truncated = row.get(TRUNCATED_ROW)
    if truncated:
        return "truncated row", truncated
    geometry = row.get(GEOMETRY_PROBLEM)
    if geometry:
        return "not a point geometry", geometry
    for column, value in row.items():
        if value is not None and len(value) > MAX_FIELD_CHARS:
            return "oversized cell", f"{column}: {len(value):,} characters"
    return None


def locate_candidates(
    spec: LayerSpec,
    cands: list[Candidate],
    report: LayerReport,
    regions: RegionIndex,
    *,
    crs: int | None = None,
) -> tuple[list[Candidate], list[Candidate]]:
    """WGS84 positions from source coordinates (transformed, swap-repaired), and the rows
    that have no coordinates at all (to be geocoded).

    Each file's CRS is chosen by etl.detect_crs (`crs` overrides it); a file whose
    projected coordinates fit no CRS unambiguously refuses the load.
    """
    unplaced: list[Candidate] = []
    by_file: dict[InputFile, list[Candidate]] = {}
    for c in cands:
        coords = c.match.schema.coords
        if coords is not None and c.x is not None and c.y is not None:
            by_file.setdefault(c.file, []).append(c)
        elif coords is not None and (c.x is None) != (c.y is None):
            report.rejects.append(_reject_c(spec, c, "no coordinates", "only one coordinate given"))
        else:
            unplaced.append(c)
    files = {f.path: f for f in report.files}
    # located rows grouped by CRS, then by file: this order is the de-duplication priority
    # (assign_ids keeps the first of a place), and ids depend on it
    by_crs: dict[int, list[Candidate]] = {}
    for inp, group in by_file.items():
        file_report = files.get(inp.path)
        xs = np.array([c.x for c in group], dtype=float)
        ys = np.array([c.y for c in group], dtype=float)
        try:
            choice = choose_crs(
                xs,
                ys,
                _places(group),
                regions,
                declared=file_report.declared_epsg if file_report else None,
                declared_by=file_report.declared_by if file_report else "schema",
                override=crs,
            )
        except CrsError as exc:
            raise LoadRefused(f"{inp.path}: {exc}") from None
        if file_report is not None:
            file_report.crs = choice.describe()
        if choice.swapped:
            xs, ys = ys, xs
        lon, lat, ok, swapped = locate(xs, ys, choice.epsg)
        for c, lo, la, good, sw in zip(group, lon, lat, ok, swapped, strict=True):
            if not good:
                report.rejects.append(
                    _reject_c(spec, c, "outside Korea", f"x={c.x} y={c.y} (EPSG:{choice.epsg})")
                )
                continue
            c.lon, c.lat = float(lo), float(la)
            if sw:
                report.extra["swapped_repaired"] = report.extra.get("swapped_repaired", 0) + 1
            by_crs.setdefault(choice.epsg, []).append(c)
    return [c for group in by_crs.values() for c in group], unplaced


def _places(group: Sequence[Candidate]) -> Callable[[int], Place | None]:
    """The region each row's address names, by row index (parsed only when asked)."""

    def place_of(i: int) -> Place | None:
        c = group[i]
        region = c.file.source.region if c.file.source else None
        texts = (c.mapped.get("road_address"), c.mapped.get("lot_address"))
        return address_place(
            (*texts, c.mapped.get("address"), c.norm.address),
            sido=region if region and region != "전국" else None,
        )

    return place_of


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
            if geocoder is None:
                detail = "no address geocoding for this input"
            elif coarse is not None:
                detail = f"address geocoded only to {coarse.precision} precision"
            else:
                detail = "address not found in the offline gazetteer"
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
        # a 시/도-level boundary file has no sigungu
        c.sido, c.sigungu = region.sido, region.sigungu or None
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
        schedule = spec.read_hours(norm.opening_hours_raw)
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


def version_diff(
    current: Iterable[FeatureRecord], new: Sequence[FeatureRecord], current_version: str | None
) -> VersionDiff:
    """Added, removed and changed feature ids (`source`, the file and row, is not content)."""
    before = {r.id: _content(r) for r in current}
    return _diff(before, {r.id: _content(r) for r in new}, current_version, operator.eq)


def regions_diff(
    current: Iterable[Region], new: Sequence[Region], current_version: str | None
) -> VersionDiff:
    """Added, removed and changed region codes."""
    before = {r.code: r for r in current}
    return _diff(before, {r.code: r for r in new}, current_version, _same_region)


def _diff(
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    current_version: str | None,
    same: Callable[[Any, Any], bool],
) -> VersionDiff:
    added = tuple(i for i in after if i not in before)
    removed = tuple(i for i in before if i not in after)
    changed = tuple(i for i, v in after.items() if i in before and not same(before[i], v))
    return VersionDiff(
        current_version,
        len(before),
        added,
        removed,
        changed,
        len(after) - len(added) - len(changed),
    )


def _content(r: FeatureRecord) -> str:
    d = _record_dict(r)
    del d["source"]
    return json.dumps(d, ensure_ascii=False, sort_keys=True, default=str)


def _same_region(a: Region, b: Region) -> bool:
    if (a.sido, a.sigungu) != (b.sido, b.sigungu):
        return False
    return a.wkb == b.wkb or bool(
        shapely.equals_exact(shapely.from_wkb(a.wkb), shapely.from_wkb(b.wkb), 1e-9)
    )


def refusal(report: LayerReport, *, force: bool) -> str | None:
    """Why a load must not go ahead: it would leave the layer empty, or (unless forced)
    remove more than half of the current version's rows."""
    if report.loaded == 0:
        return (
            f"{report.layer}: no row could be loaded ({len(report.rejects)} rejected:"
            f" {_top_reasons(report)}); the current version stays"
        )
    diff = report.diff
    if diff is not None and not force and 2 * len(diff.removed) > diff.current_rows:
        append = "" if report.layer == "regions" else " (or --append to add to it)"
        return (
            f"{report.layer}: the load would remove {len(diff.removed)} of the current"
            f" {diff.current_rows} rows (more than half); check the files, or pass --force"
            f" to replace the layer anyway{append}"
        )
    return None


def _top_reasons(report: LayerReport) -> str:
    return "; ".join(f"{k} {v}" for k, v in report.reject_reasons().most_common(3)) or "-"


def write_reject_report(report: LayerReport, directory: Path, *, dry_run: bool = False) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    suffix = ".dry-run" if dry_run else ""
    path = directory / f"{report.layer}-rejects{suffix}.csv"
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["file", "row", "reason", "detail", "name"])
        for r in sorted(report.rejects, key=lambda r: (r.file, r.row)):
            writer.writerow([r.file, r.row, r.reason, r.detail, r.name or ""])
    tmp.replace(path)
    return path


def store_records(
    store: Store,
    report: LayerReport,
    *,
    companions: Sequence[LayerReport] = (),
    stored_apart: Collection[str] = (),
) -> None:
    """Make the records of the report and of the `companions` (companion layers written with
    it) their layers' current versions in one swap (Store.replace_layers), each with its
    rejects and those of its other companion reports, but of the layers `stored_apart` or
    written in the swap (which keep their own rejects)."""
    group = [report, *companions]
    apart = {*stored_apart, *(c.layer for c in companions)}
    for r in group:
        r.data_version = data_version(r.records)
    outcomes = store.replace_layers(
        [LayerWrite(r.layer, iter(r.records), r.data_version, r.summary()) for r in group]
    )
    for r, outcome in zip(group, outcomes, strict=True):
        r.changed = outcome.changed
        # kept with the version, so that any app instance can audit the last load
        rejects = [
            *r.rejects,
            *(x for c in r.companions if c.layer not in apart for x in c.rejects),
        ]
        store.store_rejects(r.layer, r.data_version, rejects)


# -- helpers ---------------------------------------------------------------------------------


def _reject(
    layer: str, inp: InputFile, row: int, reason: str, detail: str = "", name: str | None = None
) -> Reject:
    return Reject(layer=layer, file=inp.path.name, row=row, reason=reason, detail=detail, name=name)


def _reject_c(spec: LayerSpec, c: Candidate, reason: str, detail: str = "") -> Reject:
    reject = _reject(spec.id, c.file, c.row, reason, detail, c.norm.name)
    if (
        math.isfinite(c.lon)
        and math.isfinite(c.lat)
        and -180 <= c.lon <= 180
        and -90 <= c.lat <= 90
    ):
        return replace(reject, lon=round(c.lon, 7), lat=round(c.lat, 7))
    return reject


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
