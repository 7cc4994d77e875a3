"""Stage 3, the regions: each placed row's 시도/시군구 by point-in-polygon; and the load of
the regions reference layer itself (boundary files → Region polygons)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from etl.load.diff import regions_diff
from etl.load.inputs import default_inputs
from etl.load.report import LayerReport
from etl.load.rows import Candidate, FileReport, Kept
from etl.merge import content_hash
from etl.regions import RegionIndex, read_boundaries, read_regions
from layers.record import FeatureRecord, Region, Reject
from layers.store import Store

REGIONS = "regions"
REGIONS_SCHEMA = "sgg_2022"


def assign_regions(layer: str, cands: Sequence[Candidate], regions: RegionIndex) -> Kept:
    """sido/sigungu by point-in-polygon (coastal points snap to a polygon within 2 km)."""
    if not cands:
        return Kept((), ())
    found = regions.assign(np.array([c.lon for c in cands]), np.array([c.lat for c in cands]))
    out: list[Candidate] = []
    rejects: list[Reject] = []
    for c, region in zip(cands, found, strict=True):
        if region is None:
            detail = f"lon={c.lon:.6f} lat={c.lat:.6f}: in no sigungu"
            rejects.append(c.reject(layer, "outside Korea", detail))
            continue
        # a 시/도-level boundary file has no sigungu
        out.append(replace(c, sido=region.sido, sigungu=region.sigungu or None))
    return Kept(tuple(out), tuple(rejects))


def in_regions(records: Sequence[FeatureRecord], regions: RegionIndex) -> tuple[FeatureRecord, ...]:
    """The records with the 시도/시군구 of the region they are in."""
    if not records:
        return tuple(records)
    found = regions.assign(
        np.array([r.lon for r in records], dtype=float),
        np.array([r.lat for r in records], dtype=float),
    )
    return tuple(
        replace(r, sido=g.sido, sigungu=g.sigungu) if g is not None else r
        for r, g in zip(records, found, strict=True)
    )


def regions_version(regions: Sequence[Region]) -> str:
    return content_hash(*(f"{r.code}|{r.sido}|{r.sigungu}|{r.wkb.hex()}" for r in regions))


def default_regions(source_dir: Path) -> list[Region]:
    boundaries = next(
        i
        for i in default_inputs(REGIONS, source_dir)
        if i.source and i.source.schema == REGIONS_SCHEMA
    )
    return read_regions(boundaries.path)


def regions_report(
    store: Store, source_dir: Path, files: Sequence[Path], crs: int | None
) -> LayerReport:
    """The regions table from the given boundary `files`, else from the source directory."""
    reports: list[FileReport] = []
    if files:
        by_code: dict[str, Region] = {}
        for path in files:
            read = read_boundaries(Path(path), crs=crs)
            for region in read.regions:
                by_code.setdefault(region.code, region)
            # no dataset, encoding or delimiter; one header record
            file = FileReport(Path(path), "boundaries", read.schema, "", None, None, 1)
            reports.append(replace(file, rows=read.features, crs=read.crs))
        regions = tuple(by_code.values())
    else:
        regions = tuple(default_regions(source_dir))
    current = store.version(REGIONS)
    return LayerReport(
        REGIONS,
        rows_read=len(regions),
        regions=regions,
        files=tuple(reports),
        data_version=regions_version(regions),
        diff=regions_diff(store.regions() if current else (), regions, current),
    )


def point_regions(store: Store, source_dir: Path) -> tuple[RegionIndex, list[Region] | None]:
    """The regions point layers are placed in: the store's, else the source directory's
    (returned second, to be stored with the load)."""
    if store.version(REGIONS) is not None:
        stored = list(store.regions())
        if stored:
            return RegionIndex(stored), None
    regions = default_regions(source_dir)
    return RegionIndex(regions), regions
