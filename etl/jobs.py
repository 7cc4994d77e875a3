"""The load jobs: which files each layer reads, and the order the layers are loaded in."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from etl import load as L
from etl.load import InputFile, LayerReport, LoadRefused
from etl.regions import RegionIndex, read_regions
from layers import registry
from layers.store import Store

REGIONS_SCHEMA = "sgg_2022"
CENTROIDS_SCHEMA = "admin_centroids"


@dataclass(frozen=True)
class JobSettings:
    source_dir: Path
    report_dir: Path
    parking_radius_m: float = 1000.0
    kakao_rest_key: str | None = None


def missing_files_message(source_dir: Path, missing: Sequence[registry.Source]) -> str:
    lines = [
        f"missing input files: put them under the source directory {source_dir}"
        " (set SHAREMAP_SOURCE_DIR to use another directory):"
    ]
    for s in missing:
        lines.append(f"  {source_dir / s.path}")
        lines.append(f"      dataset {s.dataset} '{s.title}' ({s.publisher}), from {s.portal}")
    return "\n".join(lines)


def default_inputs(layer_id: str, source_dir: Path) -> list[InputFile]:
    """The manifest's default files of a layer, all of which must exist."""
    if not source_dir.is_dir():
        raise LoadRefused(
            missing_files_message(source_dir, registry.sources_for(layer_id)).replace(
                "missing input files", f"the source directory {source_dir} does not exist"
            )
        )
    wanted = registry.sources_for(layer_id)
    missing = [s for s in wanted if not (source_dir / s.path).is_file()]
    if missing:
        raise LoadRefused(missing_files_message(source_dir, missing))
    return [InputFile(source_dir / s.path, s, s.dataset) for s in wanted]


def load_regions(store: Store, source_dir: Path) -> RegionIndex:
    """Load the sigungu reference table (when changed) and return its point index."""
    boundaries = next(
        i
        for i in default_inputs("regions", source_dir)
        if i.source and i.source.schema == REGIONS_SCHEMA
    )
    regions = read_regions(boundaries.path)
    from etl.merge import content_hash

    version = content_hash(*(f"{r.code}|{r.sido}|{r.sigungu}|{r.wkb.hex()}" for r in regions))
    store.replace_regions(regions, data_version=version)
    return RegionIndex(regions)


@dataclass
class Located:
    """A layer's rows read and placed by their own coordinates; the rest await geocoding."""

    report: LayerReport
    located: list[L.Candidate]
    unplaced: list[L.Candidate]


def read_and_locate(
    layer_id: str, inputs: Sequence[InputFile], *, kind: str | None = None
) -> Located:
    spec = registry.get(layer_id)
    report = LayerReport(layer_id)
    cands = L.read_candidates(spec, inputs, report, kind=kind)
    located, unplaced = L.locate_candidates(spec, cands, report)
    return Located(report, located, unplaced)


def build_gazetteer(located: Sequence[L.Candidate], settings: JobSettings) -> L.Geocoder:
    """The offline gazetteer: addresses and names of every located row, plus admin centroids."""
    from etl.geocode import Gazetteer, KakaoGeocoder, read_centroids

    centroids = next(i for i in registry.sources_for("regions") if i.schema == CENTROIDS_SCHEMA)
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


def finish_testing_site_parking(
    lots: Located,
    site_inputs: Sequence[InputFile],
    regions: RegionIndex,
    gazetteer: L.Geocoder,
    radius_m: float,
) -> LayerReport:
    """Parking lots within radius_m of a screening site geocoded at address/building precision."""
    from etl.testing_sites import geocode_sites, join_parking

    spec = registry.get("testing_site_parking")
    report = finish_point_layer(lots, regions, None)
    sites_report = LayerReport("testing_sites")
    site_cands = L.read_candidates(spec, site_inputs, sites_report, kind="sites")
    sites, precision, site_rejects = geocode_sites(site_cands, gazetteer)
    sites_report.rejects.extend(site_rejects)
    sites_report.geocoded.update(precision)
    sites_report.extra["sites"] = len(sites)
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
    return report


def split_kinds(layer_id: str, inputs: Sequence[InputFile]) -> dict[str, list[InputFile]]:
    """Files of a two-kind layer by kind (manifest schema, else recognised by header)."""
    from etl.normalise import match_schema
    from etl.read import read_table

    spec = registry.get(layer_id)
    kinds: dict[str, list[InputFile]] = {}
    for inp in inputs:
        if inp.source is not None:
            kind = spec.schema(inp.source.schema).kind
        else:
            kind = match_schema(spec, read_table(inp.path).columns).schema.kind
        kinds.setdefault(kind, []).append(inp)
    return kinds


def available_inputs(layer_id: str, source_dir: Path) -> list[InputFile]:
    """The manifest's default files of a layer that exist (for the gazetteer only)."""
    return [
        InputFile(source_dir / s.path, s, s.dataset)
        for s in registry.sources_for(layer_id)
        if (source_dir / s.path).is_file()
    ]


def run(store: Store, layer_ids: Sequence[str], settings: JobSettings) -> list[LayerReport]:
    """Load the given layers from the source directory; each layer is replaced atomically.

    When geocoding is needed, every point file of the source directory is read (the
    gazetteer is built from all of them), so it gives the same answer whichever layers are
    loaded.
    """
    wanted = [lid for lid in registry.LAYER_IDS if lid in layer_ids]
    inputs = {lid: default_inputs(lid, settings.source_dir) for lid in wanted}
    regions = load_regions(store, settings.source_dir)
    located: dict[str, Located] = {}
    site_inputs: list[InputFile] = []

    def read(lid: str, files: Sequence[InputFile]) -> None:
        nonlocal site_inputs
        if lid == "testing_site_parking":
            kinds = split_kinds(lid, files)
            site_inputs = kinds.get("sites", [])
            located[lid] = read_and_locate(lid, kinds.get("parking", []), kind="parking")
        else:
            located[lid] = read_and_locate(lid, files)

    for lid in wanted:
        read(lid, inputs[lid])
    gazetteer = None
    if "testing_site_parking" in wanted or any(located[lid].unplaced for lid in wanted):
        # the gazetteer knows every located address of every point file available
        for lid in registry.LAYER_IDS:
            if lid not in located:
                read(lid, available_inputs(lid, settings.source_dir))
        gazetteer = build_gazetteer([c for loc in located.values() for c in loc.located], settings)
    reports = []
    for lid in wanted:
        if lid == "testing_site_parking":
            assert gazetteer is not None
            report = finish_testing_site_parking(
                located[lid], site_inputs, regions, gazetteer, settings.parking_radius_m
            )
        else:
            report = finish_point_layer(located[lid], regions, gazetteer)
        L.store_records(store, report)
        report.report_path = L.write_reject_report(report, settings.report_dir)
        for companion in report.companions:
            companion.report_path = L.write_reject_report(companion, settings.report_dir)
        reports.append(report)
    return reports
