"""Sigungu boundaries: read them, and assign sido/sigungu to points by point-in-polygon."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import shapely
from shapely import STRtree

from geo.crs import transformer
from layers.record import Region

# a coastal point just outside the simplified polygons takes the nearest one within this
COASTAL_SNAP_M = 2000.0
_METRIC_EPSG = 5179


class BoundaryError(ValueError):
    pass


def read_regions(path: Path) -> list[Region]:
    """Sigungu polygons from the 2022 boundary file (properties sgg, SIDONM, SGGNM)."""
    import pyogrio

    try:
        frame = pyogrio.read_dataframe(path)
    except Exception as exc:  # pyogrio raises several DataSourceError types
        raise BoundaryError(f"{path.name}: cannot read boundaries: {exc}") from None
    needed = {"sgg", "SIDONM", "SGGNM"}
    if not needed <= set(frame.columns):
        raise BoundaryError(
            f"{path.name}: expected properties {', '.join(sorted(needed))}, found {', '.join(frame.columns)}"
        )
    regions = []
    for code, sido, sigungu, geom in zip(
        frame["sgg"], frame["SIDONM"], frame["SGGNM"], frame.geometry, strict=True
    ):
        if geom is None or geom.is_empty:
            continue
        geom = shapely.make_valid(geom)
        if geom.geom_type == "Polygon":
            geom = shapely.MultiPolygon([geom])
        elif geom.geom_type == "GeometryCollection":
            polys = [g for g in geom.geoms if g.geom_type in ("Polygon", "MultiPolygon")]
            geom = shapely.MultiPolygon(
                [p for g in polys for p in (g.geoms if g.geom_type == "MultiPolygon" else [g])]
            )
        regions.append(Region(code=str(code), sido=str(sido), sigungu=str(sigungu), wkb=geom.wkb))
    return regions


class RegionIndex:
    """Point → (sido, sigungu) over the sigungu polygons."""

    def __init__(self, regions: Sequence[Region]) -> None:
        self.regions = list(regions)
        geoms = shapely.from_wkb([r.wkb for r in self.regions])
        self._tree = STRtree(geoms)
        fwd = transformer(4326, _METRIC_EPSG)
        self._metric_tree = STRtree(
            shapely.transform(geoms, lambda xy: np.column_stack(fwd.transform(xy[:, 0], xy[:, 1])))
        )

    def assign(self, lon: np.ndarray, lat: np.ndarray) -> list[Region | None]:
        """The region holding each point, else the nearest within COASTAL_SNAP_M, else None."""
        points = shapely.points(lon, lat)
        found: list[Region | None] = [None] * len(points)
        pt_idx, reg_idx = self._tree.query(points, predicate="within")
        for p, r in zip(pt_idx.tolist(), reg_idx.tolist(), strict=True):
            # on a shared border the first (lowest code order) polygon wins, deterministically
            current = found[p]
            if current is None or self.regions[r].code < current.code:
                found[p] = self.regions[r]
        missing = [i for i, f in enumerate(found) if f is None]
        if missing:
            fwd = transformer(4326, _METRIC_EPSG)
            mx, my = fwd.transform(lon[missing], lat[missing])
            near_pt, near_reg = self._metric_tree.query_nearest(
                shapely.points(mx, my), max_distance=COASTAL_SNAP_M, all_matches=False
            )
            for p, r in zip(near_pt.tolist(), near_reg.tolist(), strict=True):
                found[missing[p]] = self.regions[r]
        return found
