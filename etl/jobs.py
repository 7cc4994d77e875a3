"""The load jobs: which files each layer reads, the order layers are built in, and the checks
a new version passes before one atomic swap per layer (with its companion layers)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
from importlib import import_module
from pathlib import Path

import numpy as np

from etl import load as L
from etl.load import InputFile, LayerReport, LoadRefused, ReadOptions
from etl.merge import content_hash
from etl.regions import RegionIndex, read_boundaries, read_regions
from layers import registry
from layers.record import FeatureRecord, Region
from layers.spec import LayerSpec
from layers.store import Store

REGIONS = "regions"
REGIONS_SCHEMA = "sgg_2022"
CENTROIDS_SCHEMA = "admin_centroids"
SITES = "sites"


@dataclass(frozen=True)
class JobSettings:
    source_dir: Path
    report_dir: Path
    parking_radius_m: float = 1000.0
    kakao_rest_key: str | None = None


@dataclass(frozen=True)
class LoadOptions:
    """What one `sharemap load` asks for beyond the layers (see etl/cli.py)."""

    files: tuple[Path, ...] = ()  # load exactly these files (one layer); () = the source dir
    append: bool = False  # add to the current version instead of replacing it
    dry_run: bool = False  # build and report, change nothing
    force: bool = False  # allow removing more than half of a layer's rows
    crs: int | None = None  # EPSG of the files' coordinates (None = detect)
    encoding: str | None = None  # of the files' text (None = sniff)
    columns: tuple[tuple[str, str], ...] = ()  # role -> column (--columns)
    schema_dir: Path | None = None  # the user's saved schemas

    @property
    def read(self) -> ReadOptions:
        return ReadOptions(
            encoding=self.encoding,
            crs=self.crs,
            columns=dict(self.columns) or None,
            schema_dir=self.schema_dir,
        )


def missing_files_message(source_dir: Path, missing: Sequence[registry.Source]) -> str:
    lines = [
        f"missing input files: put them under the source directory {source_dir}"
        " (set SHAREMAP_SOURCE_DIR to use another directory):"
    ]
    for s in missing:
        lines.append(f"  {source_dir / s.path}")
        lines.append(f"      dataset {s.dataset} '{s.title}' ({s.publisher}), from {s.portal}")
    return "\n".join(lines)


def default_inputs(layer_id: str, source_dir: Path, *, kind: str | None = None) -> list[InputFile]:
    """The manifest's default files of a layer (of one kind), all of which must exist."""
    wanted = [s for s in registry.sources_for(layer_id) if kind is None or _kind(s) == kind]
    if not source_dir.is_dir():
        raise LoadRefused(
            missing_files_message(source_dir, wanted).replace(
                "missing input files", f"the source directory {source_dir} does not exist"
            )
        )
    missing = [s for s in wanted if not (source_dir / s.path).exists()]  # a file or a folder
    if missing:
        raise LoadRefused(missing_files_message(source_dir, missing))
    return [InputFile(source_dir / s.path, s, s.dataset) for s in wanted]


def available_inputs(
    layer_id: str, source_dir: Path, *, kind: str | None = None
) -> list[InputFile]:
    """The manifest's default files of a layer that exist (for the gazetteer only)."""
    return [
        InputFile(source_dir / s.path, s, s.dataset)
        for s in registry.sources_for(layer_id)
        if (kind is None or _kind(s) == kind) and (source_dir / s.path).is_file()
    ]


def given_inputs(layer_id: str, files: Sequence[Path]) -> list[InputFile]:
    """Files named on the command line; a manifest file (by name) keeps its dataset."""
    out = []
    for path in files:
        source = registry.source_by_name(Path(path).name)
        if source is not None and source.layer != layer_id:
            source = None
        out.append(InputFile(Path(path), source, source.dataset if source else ""))
    return out


def _kind(source: registry.Source) -> str:
    return registry.get(source.layer).schema(source.schema).kind


# -- regions ---------------------------------------------------------------------------------


def regions_version(regions: Sequence[Region]) -> str:
    return content_hash(*(f"{r.code}|{r.sido}|{r.sigungu}|{r.wkb.hex()}" for r in regions))


def default_regions(source_dir: Path) -> list[Region]:
    boundaries = next(
        i
        for i in default_inputs(REGIONS, source_dir)
        if i.source and i.source.schema == REGIONS_SCHEMA
    )
    return read_regions(boundaries.path)


def regions_report(store: Store, settings: JobSettings, options: LoadOptions) -> LayerReport:
    """The regions table from the given boundary files, else from the source directory."""
    report = LayerReport(REGIONS)
    if options.files:
        by_code: dict[str, Region] = {}
        for path in options.files:
            read = read_boundaries(Path(path), crs=options.crs)
            for region in read.regions:
                by_code.setdefault(region.code, region)
            report.files.append(
                L.FileReport(
                    path=Path(path),
                    kind="boundaries",
                    schema=read.schema,
                    dataset="",
                    encoding=None,
                    delimiter=None,
                    header_rows=1,
                    rows=read.features,
                    crs=read.crs,
                )
            )
        report.regions = list(by_code.values())
    else:
        report.regions = default_regions(settings.source_dir)
    report.rows_read = len(report.regions)
    report.data_version = regions_version(report.regions)
    current = store.version(REGIONS)
    report.diff = L.regions_diff(store.regions() if current else (), report.regions, current)
    return report


def point_regions(store: Store, settings: JobSettings) -> tuple[RegionIndex, list[Region] | None]:
    """The regions point layers are placed in: the store's, else the source directory's
    (returned second, to be stored with the load)."""
    if store.version(REGIONS) is not None:
        stored = list(store.regions())
        if stored:
            return RegionIndex(stored), None
    regions = default_regions(settings.source_dir)
    return RegionIndex(regions), regions


# -- point layers ----------------------------------------------------------------------------


@dataclass
class Located:
    """A layer's rows read and placed by their own coordinates; the rest await geocoding."""

    report: LayerReport
    located: list[L.Candidate]
    unplaced: list[L.Candidate]

    def copy(self) -> Located:
        """A copy whose rows can be finished without changing these (cached) ones."""
        r = self.report
        report = replace(
            r,
            rejects=list(r.rejects),
            files=list(r.files),
            geocoded=r.geocoded.copy(),
            extra=dict(r.extra),
            companions=list(r.companions),
        )
        return Located(
            report,
            [replace(c) for c in self.located],
            [replace(c) for c in self.unplaced],
        )


def read_and_locate(
    layer_id: str,
    inputs: Sequence[InputFile],
    regions: RegionIndex,
    *,
    kind: str | None = None,
    options: ReadOptions | None = None,
) -> Located:
    spec = registry.get(layer_id)
    report = LayerReport(layer_id)
    options = options or ReadOptions()
    cands = L.read_candidates(spec, inputs, report, kind=kind, options=options)
    located, unplaced = L.locate_candidates(spec, cands, report, regions, crs=options.crs)
    return Located(report, located, unplaced)


class SourceDirectory:
    """Every default point file of the source directory, read once per process: each load
    builds its gazetteer from all of them (so geocoding gives the same answer whichever
    layers or files are loaded). Keyed by the files' sizes and times; never mutated."""

    _cached: tuple[tuple[object, ...], SourceDirectory] | None = None

    def __init__(self, settings: JobSettings, regions: RegionIndex) -> None:
        self.settings = settings
        self.located: dict[str, Located] = {}
        for lid in registry.LAYER_IDS:
            kind = features_kind(registry.get(lid))
            files = available_inputs(lid, settings.source_dir, kind=kind)
            self.located[lid] = read_and_locate(lid, files, regions, kind=kind)
        self.paths = {
            i.path.resolve()
            for lid in registry.LAYER_IDS
            for i in available_inputs(lid, settings.source_dir)
        }
        self._gazetteer: L.Geocoder | None = None

    @classmethod
    def get(cls, settings: JobSettings, regions: RegionIndex) -> SourceDirectory:
        key = _identity(settings)
        if cls._cached is None or cls._cached[0] != key:
            cls._cached = (key, cls(settings, regions))
        return cls._cached[1]

    def gazetteer(self, extra: Sequence[L.Candidate] = ()) -> L.Geocoder:
        """The gazetteer of every default file's located rows, plus `extra` rows that are
        not already among them (a place listed twice would weigh twice in its medians)."""
        known = {_observation(c) for c in self._all_located()} if extra else set()
        extra = [c for c in extra if _observation(c) not in known]
        if extra:
            return build_gazetteer([*self._all_located(), *extra], self.settings)
        if self._gazetteer is None:
            self._gazetteer = build_gazetteer(self._all_located(), self.settings)
        return self._gazetteer

    def _all_located(self) -> list[L.Candidate]:
        return [
            c
            for lid, loc in self.located.items()
            if registry.get(lid).gazetteer_source
            for c in loc.located
        ]


def _observation(c: L.Candidate) -> tuple[object, ...]:
    """What the gazetteer learns from a located row."""
    m = c.mapped
    return (m.get("road_address"), m.get("lot_address"), c.norm.address, c.norm.name, c.lon, c.lat)


def _identity(settings: JobSettings) -> tuple[object, ...]:
    files = []
    for s in registry.sources():
        path = settings.source_dir / s.path
        if s.default and path.is_file():
            stat = path.stat()
            files.append((str(path.resolve()), stat.st_size, stat.st_mtime_ns))
    return (str(settings.source_dir), settings.kakao_rest_key, tuple(files))


def build_gazetteer(located: Sequence[L.Candidate], settings: JobSettings) -> L.Geocoder:
    """The offline gazetteer: addresses and names of every located row, plus admin centroids."""
    from etl.geocode import Gazetteer, KakaoGeocoder, read_centroids

    centroids = next(i for i in registry.sources_for(REGIONS) if i.schema == CENTROIDS_SCHEMA)
    path = settings.source_dir / centroids.path
    online = KakaoGeocoder(settings.kakao_rest_key) if settings.kakao_rest_key else None
    return Gazetteer.from_candidates(
        located, read_centroids(path) if path.is_file() else [], online=online
    )


def finish_point_layer(
    located: Located, regions: RegionIndex, gazetteer: L.Geocoder | None
) -> LayerReport:
    spec = registry.get(located.report.layer)
    report = located.report
    cands = located.located + L.geocode_candidates(spec, located.unplaced, report, gazetteer)
    cands = L.assign_regions(spec, cands, report, regions)
    cands = L.assign_ids(spec, cands, report)
    report.records = [L.to_record(spec, c, report) for c in cands]
    return report


def features_kind(spec: LayerSpec) -> str | None:
    """The schema kind whose rows become a derived layer's features (None: every row)."""
    return spec.derivation.features_kind if spec.derivation else None


def companion_owners() -> dict[str, str]:
    """companion layer -> the derived layer whose load writes (and rollback restores) it."""
    return {
        companion: spec.id
        for spec in registry.all_specs()
        if spec.derivation
        for companion in spec.derivation.companions
    }


@dataclass(frozen=True)
class DeriveInputs:
    """What a derivation (LayerSpec.derivation.derive, "module:function") is called with; it
    returns the layer's LayerReport, with records, and with a LayerReport holding the records
    of each declared companion layer in `companions` (other companion reports, without
    records, only add their rejects to the reports)."""

    located: Located  # the layer's own rows (derivation.features_kind), read and placed
    inputs: Mapping[str, Sequence[InputFile]]  # derivation.inputs kind -> its files
    regions: RegionIndex
    gazetteer: Callable[[], L.Geocoder]  # the offline gazetteer, built on the first call
    settings: JobSettings
    options: ReadOptions


def derive_function(spec: LayerSpec) -> Callable[[DeriveInputs], LayerReport]:
    assert spec.derivation is not None
    module, _, name = spec.derivation.derive.partition(":")
    function: Callable[[DeriveInputs], LayerReport] = getattr(import_module(module), name)
    return function


def derive_testing_site_parking(d: DeriveInputs) -> LayerReport:
    """Parking lots within SHAREMAP_PARKING_RADIUS_M of a screening site placed at its HIRA
    record or geocoded at address/building precision (the testing_site_parking derivation)."""
    from etl.site_match import source_matcher
    from etl.testing_sites import geocode_sites, join_parking, rows_placed, site_records

    spec = registry.get(d.located.report.layer)
    radius_m = d.settings.parking_radius_m
    gazetteer = d.gazetteer()
    # lots without coordinates are placed by their address, like any point layer's rows
    report = finish_point_layer(d.located, d.regions, gazetteer)
    sites_report = LayerReport("testing_sites")
    site_cands = L.read_candidates(
        spec, d.inputs[SITES], sites_report, kind=SITES, options=d.options
    )
    sites, precision, site_rejects = geocode_sites(
        site_cands, gazetteer, source_matcher(d.settings.source_dir)
    )
    sites_report.rejects.extend(site_rejects)
    sites_report.geocoded.update(precision)
    sites_report.extra["sites"] = len(sites)
    sites_report.extra["rows_placed"] = rows_placed(sites)
    sites_report.extra["hira_outcomes"] = dict(Counter(s.hira_outcome or "-" for s in sites))
    sites_report.extra["site_rows_used"] = sites_report.rows_read - len(sites_report.rejects)
    report.companions.append(sites_report)
    lots_in = report.records
    joined = list(join_parking(lots_in, sites, radius_m))
    kept = {r.id for r in joined}
    for lot in lots_in:
        if lot.id not in kept:
            file, _, row = lot.source.rpartition("#")
            report.rejects.append(
                L.Reject(
                    spec.id,
                    file,
                    int(row),
                    "not near a testing site",
                    f"no screening site geocoded at address/building precision within {radius_m:g} m",
                    lot.name,
                )
            )
    report.records = joined
    report.extra["free_lots"] = sum(1 for r in joined if r.fee == "free")
    # the companion layer testing_sites: the sites the lots' site_id names
    sites_report.records = _in_regions(site_records(sites, joined, radius_m), d.regions)
    sites_report.extra["with_lots"] = sum(1 for r in sites_report.records if r.props["lots"])
    sites_report.extra["with_free_lots"] = sum(
        1 for r in sites_report.records if r.props["free_lots"]
    )
    return report


def _in_regions(records: list[FeatureRecord], regions: RegionIndex) -> list[FeatureRecord]:
    """The records with the 시도/시군구 of the region they are in."""
    if not records:
        return records
    found = regions.assign(
        np.array([r.lon for r in records], dtype=float),
        np.array([r.lat for r in records], dtype=float),
    )
    return [
        replace(r, sido=g.sido, sigungu=g.sigungu) if g is not None else r
        for r, g in zip(records, found, strict=True)
    ]


def split_kinds(
    layer_id: str, inputs: Sequence[InputFile], options: ReadOptions | None = None
) -> dict[str, list[InputFile]]:
    """Files of a derived layer by schema kind (manifest schema, else recognised by header)."""
    from etl.normalise import match_schema
    from etl.read import read_table

    spec = registry.get(layer_id)
    encoding = options.encoding if options else None
    kinds: dict[str, list[InputFile]] = {}
    for inp in inputs:
        if inp.source is not None:
            kind = spec.schema(inp.source.schema).kind
        else:
            table = read_table(inp.path, encoding=encoding)
            match = match_schema(
                spec, table.columns, geometry=table.has_geometry, source=str(inp.path)
            )
            kind = match.schema.kind
        kinds.setdefault(kind, []).append(inp)
    return kinds


class _Gazetteers:
    """The gazetteers of one load, each built when first needed: the shared one (the placed
    rows of every default file, plus the given files'), and for a layer that teaches no
    other (LayerSpec.gazetteer_source False) the shared one plus its own placed rows."""

    def __init__(self, settings: JobSettings, regions: RegionIndex, fresh: dict[str, Located]):
        self.settings, self.regions, self.fresh = settings, regions, fresh
        self._directory: SourceDirectory | None = None
        self._shared: L.Geocoder | None = None

    def directory(self) -> SourceDirectory:
        if self._directory is None:
            self._directory = SourceDirectory.get(self.settings, self.regions)
        return self._directory

    def _extra(self) -> list[L.Candidate]:
        """The given files' placed rows (those of the source directory's own files are in
        the gazetteer already)."""
        paths = self.directory().paths
        return [
            c
            for lid, loc in self.fresh.items()
            if registry.get(lid).gazetteer_source
            for c in loc.located
            if c.file.path.resolve() not in paths
        ]

    def for_layer(self, spec: LayerSpec, located: Located) -> L.Geocoder:
        if not spec.gazetteer_source:
            return self.directory().gazetteer([*self._extra(), *located.located])
        if self._shared is None:
            self._shared = self.directory().gazetteer(self._extra())
        return self._shared


def _point_reports(
    store: Store,
    layer_ids: Sequence[str],
    settings: JobSettings,
    options: LoadOptions,
    regions: RegionIndex,
) -> list[LayerReport]:
    fresh, derive_inputs = _read_given(layer_ids, settings, options, regions)
    gazetteers = _Gazetteers(settings, regions, fresh)
    reports = []
    for lid in layer_ids:
        spec = registry.get(lid)
        located = fresh.get(lid)
        if located is None:
            located = gazetteers.directory().located[lid].copy()
        if spec.derivation is not None:
            derive = DeriveInputs(
                located,
                derive_inputs[lid],
                regions,
                partial(gazetteers.for_layer, spec, located),
                settings,
                options.read,
            )
            report = derive_function(spec)(derive)
            for companion in _companion_reports(report, spec):
                _compare_with_current(store, companion, append=False)
        else:
            gazetteer = gazetteers.for_layer(spec, located) if located.unplaced else None
            report = finish_point_layer(located, regions, gazetteer)
        _compare_with_current(store, report, append=options.append)
        reports.append(report)
    return reports


def _read_given(
    layer_ids: Sequence[str], settings: JobSettings, options: LoadOptions, regions: RegionIndex
) -> tuple[dict[str, Located], dict[str, dict[str, list[InputFile]]]]:
    """The given files read and located (by layer), and each derived layer's input files by
    kind (the given ones, else the source directory's)."""
    given = given_inputs(layer_ids[0], options.files) if options.files else []
    fresh: dict[str, Located] = {}
    derive_inputs: dict[str, dict[str, list[InputFile]]] = {}
    for lid in layer_ids:
        derivation = registry.get(lid).derivation
        if derivation is not None:
            kinds = split_kinds(lid, given, options.read)
            derive_inputs[lid] = {
                kind: kinds.get(kind) or default_inputs(lid, settings.source_dir, kind=kind)
                for kind in derivation.inputs
            }
            if derivation.features_kind in kinds:
                fresh[lid] = read_and_locate(
                    lid,
                    kinds[derivation.features_kind],
                    regions,
                    kind=derivation.features_kind,
                    options=options.read,
                )
        elif given:
            fresh[lid] = read_and_locate(lid, given, regions, options=options.read)
    return fresh, derive_inputs


def _companion_reports(report: LayerReport, spec: LayerSpec) -> list[LayerReport]:
    """The reports of the companion layers `spec`'s derivation declares (written with it)."""
    declared = spec.derivation.companions if spec.derivation else ()
    return [c for c in report.companions if c.layer in declared]


def _compare_with_current(store: Store, report: LayerReport, *, append: bool) -> None:
    """The report's diff against the current version; with `append`, its records become the
    current ones plus the new (the new one winning on a shared id)."""
    current = store.version(report.layer)
    before: list[FeatureRecord] = list(store.features(report.layer)) if current else []
    if append and before:
        merged = {r.id: r for r in before}
        merged.update((r.id, r) for r in report.records)
        report.records = list(merged.values())
        report.appended = True
    report.diff = L.version_diff(before, report.records, current)
    report.data_version = L.data_version(report.records)


def run(
    store: Store,
    layer_ids: Sequence[str],
    settings: JobSettings,
    options: LoadOptions | None = None,
) -> list[LayerReport]:
    """Load the given layers; each is replaced atomically, and only after every layer asked
    for has been built and checked (L.refusal), so a refused load changes nothing.

    Point layers are placed in the store's regions (the source directory's when it has
    none); "regions" itself loads the given boundary files or the source directory's.
    With `options.files` exactly one layer is loaded, from those files; for
    testing_site_parking the kind (parking lots, testing sites) not given comes from the
    source directory. A dry run builds and checks the same, writes `*.dry-run.csv` reject
    reports and returns the reports with their `refusal` instead of raising.
    """
    options = options or LoadOptions()
    owners = companion_owners()  # a companion layer is loaded by loading its owner
    asked = {owners.get(lid, lid) for lid in layer_ids}
    wanted = [
        lid
        for lid in (*registry.REFERENCE_IDS, *registry.LAYER_IDS)
        if lid in asked and lid not in owners
    ]
    if options.files and len(wanted) != 1:
        raise LoadRefused("files can be loaded into exactly one layer at a time")
    points = [lid for lid in wanted if lid != REGIONS]
    if not options.files:
        for lid in points:
            default_inputs(lid, settings.source_dir)  # refuses, naming the missing files
    reports: list[LayerReport] = []
    implicit_regions: list[Region] | None = None
    if REGIONS in wanted:
        region_report = regions_report(store, settings, options)
        regions = RegionIndex(region_report.regions)
        reports.append(region_report)
    else:
        regions, implicit_regions = point_regions(store, settings)
    if points:
        reports += _point_reports(store, points, settings, options, regions)

    stored = [*reports, *(c for r in reports for c in _declared_companions(r))]
    for report in stored:
        report.refusal = L.refusal(report, force=options.force)
    refusals = [r.refusal for r in stored if r.refusal]
    if options.dry_run:
        _write_reject_reports(reports, settings.report_dir, dry_run=True)
        return reports
    if refusals:
        raise LoadRefused("\n".join(refusals))

    if implicit_regions is not None:
        store.replace_regions(implicit_regions, data_version=regions_version(implicit_regions))
    for report in reports:  # a layer and its companions in one swap
        if report.layer == REGIONS:
            outcome = store.replace_regions(report.regions, data_version=report.data_version)
            report.changed = outcome.changed
        else:
            companions = _declared_companions(report)
            L.store_records(store, report, companions=companions, stored_apart=owners.keys())
    _write_reject_reports(reports, settings.report_dir, dry_run=False)
    return reports


def _declared_companions(report: LayerReport) -> list[LayerReport]:
    if report.layer == REGIONS:
        return []
    return _companion_reports(report, registry.get(report.layer))


def rollback_group(layer_id: str) -> list[str]:
    """The layers a rollback of `layer_id` moves together: its owner (a companion's rollback
    is its owner's), then the companion layers the owner's derivation writes with it."""
    layer_id = companion_owners().get(layer_id, layer_id)
    spec = registry.get(layer_id) if layer_id != REGIONS else None
    return [layer_id, *(spec.derivation.companions if spec and spec.derivation else ())]


def rollback(store: Store, layer_id: str) -> str | None:
    """Make the previous version of `layer_id` and of the rest of its rollback_group current
    again, in one swap; the owner's version now current, or None (nothing is changed then)
    unless every layer of the group keeps an earlier version."""
    group = rollback_group(layer_id)
    now = store.rollback_layers(group)
    return now[group[0]] if now else None


def _write_reject_reports(
    reports: Sequence[LayerReport], directory: Path, *, dry_run: bool
) -> None:
    for report in reports:
        report.report_path = L.write_reject_report(report, directory, dry_run=dry_run)
        for companion in report.companions:
            companion.report_path = L.write_reject_report(companion, directory, dry_run=dry_run)
