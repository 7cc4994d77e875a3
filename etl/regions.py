"""Administrative boundaries: read them (each known boundary schema, as data), and assign
sido/sigungu to points by point-in-polygon."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely import STRtree

from geo.crs import transformer
from layers.record import Region

# a coastal point just outside the simplified polygons takes the nearest one within this
COASTAL_SNAP_M = 2000.0
_METRIC_EPSG = 5179

# 시/도 by the first two digits of a code. SGIS census codes (KOSTAT boundary files) number
# them differently from 행정표준코드 (PROVENANCE 7a); both as of the files' years.
SGIS_SIDO: dict[str, str] = {
    "11": "서울특별시",
    "21": "부산광역시",
    "22": "대구광역시",
    "23": "인천광역시",
    "24": "광주광역시",
    "25": "대전광역시",
    "26": "울산광역시",
    "29": "세종특별자치시",
    "31": "경기도",
    "32": "강원도",
    "33": "충청북도",
    "34": "충청남도",
    "35": "전라북도",
    "36": "전라남도",
    "37": "경상북도",
    "38": "경상남도",
    "39": "제주특별자치도",
}
ADMIN_SIDO: dict[str, str] = {
    "11": "서울특별시",
    "26": "부산광역시",
    "27": "대구광역시",
    "28": "인천광역시",
    "29": "광주광역시",
    "30": "대전광역시",
    "31": "울산광역시",
    "36": "세종특별자치시",
    "41": "경기도",
    "42": "강원도",
    "43": "충청북도",
    "44": "충청남도",
    "45": "전라북도",
    "46": "전라남도",
    "47": "경상북도",
    "48": "경상남도",
    "50": "제주특별자치도",
    "51": "강원특별자치도",
    "52": "전북특별자치도",
}


@dataclass(frozen=True)
class BoundarySchema:
    """The properties of one boundary file layout.

    `sido`/`sigungu` name the properties holding the names; when `sido` is None the 시/도
    comes from the code's first two digits (`sido_codes`), and a two-digit code marks a
    시/도-level polygon (its `sigungu` property is the 시/도 name, the region's sigungu "").
    """

    id: str
    code: str
    sigungu: str
    sido: str | None = None
    sido_codes: dict[str, str] | None = None


BOUNDARY_SCHEMAS: tuple[BoundarySchema, ...] = (
    # vuski/admdongkor 시군구 (행정표준코드), e.g. ver20220309_sgg
    BoundarySchema("sgg_2022", code="sgg", sido="SIDONM", sigungu="SGGNM"),
    # KOSTAT/SGIS via southkorea/southkorea-maps: 시도 (2 digits) or 시군구 (5 digits)
    BoundarySchema("kostat", code="code", sigungu="name", sido_codes=SGIS_SIDO),
    # 국가공간정보포털 행정구역 시군구 (TL_SCCO_SIG) and 시도 (TL_SCCO_CTPRVN)
    BoundarySchema("scco_sig", code="SIG_CD", sigungu="SIG_KOR_NM", sido_codes=ADMIN_SIDO),
    BoundarySchema("scco_ctprvn", code="CTPRVN_CD", sigungu="CTP_KOR_NM", sido_codes=ADMIN_SIDO),
)

# The admin-area centroid table (points) the geocoder reads from the source directory.
_CENTROID_COLUMNS = frozenset({"ADMCD", "ADMNM", "X", "Y"})


class BoundaryError(ValueError):
    pass


def read_regions(path: Path, *, crs: int | None = None) -> list[Region]:
    """Region polygons (WGS84) from a boundary file pyogrio reads (GeoJSON, TopoJSON,
    GeoPackage, shapefile, ...), by the first of BOUNDARY_SCHEMAS its properties match.

    `crs` overrides the file's own CRS; coordinates that are not degrees and come without
    either are refused. Features of one code are merged.
    """
    return read_boundaries(path, crs=crs).regions


@dataclass(frozen=True)
class Boundaries:
    schema: str
    crs: str  # the CRS read, and why
    features: int
    regions: list[Region]


def read_boundaries(path: Path, *, crs: int | None = None) -> Boundaries:
    """`read_regions`, saying which schema and CRS it read the file with."""
    import pyogrio

    path = Path(path)
    if path.suffix.lower() in (".csv", ".tsv", ".txt", ".xlsx", ".xls"):
        raise BoundaryError(_not_boundaries(path))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # GDAL's notes on odd files
            frame = pyogrio.read_dataframe(path)
    except Exception as exc:  # pyogrio raises several DataSourceError types
        message = " ".join(str(exc).split())[:200]
        raise BoundaryError(f"{path}: cannot read boundaries: {message}") from None
    schema = next((s for s in BOUNDARY_SCHEMAS if _has(frame.columns, s)), None)
    if schema is None:
        known = "; ".join(
            f"{s.id}: {', '.join(p for p in (s.code, s.sido, s.sigungu) if p)}"
            for s in BOUNDARY_SCHEMAS
        )
        found = ", ".join(str(c) for c in frame.columns if c != "geometry") or "none"
        raise BoundaryError(
            f"{path}: the properties match no known boundary schema ({known}); found: {found}"
        )
    if len(frame) == 0:
        raise BoundaryError(f"{path}: the file has no features")
    frame, crs_text = _to_wgs84(path, frame, crs)
    polygons: dict[str, tuple[str, str, list[shapely.Geometry]]] = {}
    for i, (code, geom) in enumerate(zip(frame[schema.code], frame.geometry, strict=True)):
        if geom is None or geom.is_empty:
            continue
        if geom.geom_type not in ("Polygon", "MultiPolygon", "GeometryCollection"):
            raise BoundaryError(f"{path}: feature {i + 1} is a {geom.geom_type}, not a polygon")
        code_text, sido, sigungu = _names(path, schema, frame, i, code)
        entry = polygons.setdefault(code_text, (sido, sigungu, []))
        entry[2].append(geom)
    if not polygons:
        raise BoundaryError(f"{path}: no feature has a polygon")
    regions = [
        Region(code=code, sido=sido, sigungu=sigungu, wkb=_multipolygon(geoms).wkb)
        for code, (sido, sigungu, geoms) in polygons.items()
    ]
    return Boundaries(schema.id, crs_text, len(frame), regions)


def _has(columns: Sequence[str], schema: BoundarySchema) -> bool:
    return all(p in columns for p in (schema.code, schema.sido, schema.sigungu) if p)


def _names(
    path: Path, schema: BoundarySchema, frame: Any, i: int, code: object
) -> tuple[str, str, str]:
    code_text = str(code).strip() if code is not None else ""
    name = frame[schema.sigungu].iloc[i]
    name = str(name).strip() if name is not None else ""
    if not code_text or not name:
        raise BoundaryError(f"{path}: feature {i + 1} has no {schema.code} or {schema.sigungu}")
    if schema.sido is not None:
        sido = frame[schema.sido].iloc[i]
        return code_text, str(sido).strip(), name
    sido_codes = schema.sido_codes or {}
    if code_text[:2] not in sido_codes:
        raise BoundaryError(f"{path}: feature {i + 1}: unknown 시/도 code in {code_text!r}")
    if len(code_text) == 2:
        return code_text, name, ""  # a 시/도-level file
    return code_text, sido_codes[code_text[:2]], name


def _to_wgs84(path: Path, frame: Any, crs: int | None) -> tuple[Any, str]:
    how = "declared by the file"
    if crs is not None:
        frame = frame.set_crs(crs, allow_override=True)
        how = "given with --crs"
    if frame.crs is None:
        minx, miny, maxx, maxy = frame.total_bounds
        if max(abs(minx), abs(maxx)) > 180 or max(abs(miny), abs(maxy)) > 90:
            raise BoundaryError(
                f"{path}: the coordinates are not degrees and the file declares no CRS; "
                "pass --crs EPSG:NNNN"
            )
        return frame, "EPSG:4326, degrees (no CRS declared)"
    epsg = frame.crs.to_epsg()
    text = f"EPSG:{epsg}" if epsg else frame.crs.name
    if epsg != 4326:
        frame = frame.to_crs(4326)
    return frame, f"{text}, {how}"


def _multipolygon(geoms: Sequence[shapely.Geometry]) -> shapely.MultiPolygon:
    polys: list[shapely.Polygon] = []
    for geom in geoms:
        geom = shapely.make_valid(geom)
        parts = geom.geoms if hasattr(geom, "geoms") else [geom]
        for part in parts:
            if part.geom_type == "Polygon":
                polys.append(part)
            elif part.geom_type == "MultiPolygon":
                polys.extend(part.geoms)
    return shapely.MultiPolygon(polys)


def _not_boundaries(path: Path) -> str:
    from etl.read import ReadError, read_table

    message = (
        f"{path}: not a boundary file: `--layer regions` takes polygons "
        "(GeoJSON, TopoJSON, GeoPackage or shapefile)"
    )
    try:
        columns = set(read_table(path).columns)
    except ReadError:
        return message
    if columns >= _CENTROID_COLUMNS:
        return (
            f"{path}: this is the admin-area centroid table (points, not boundaries); the "
            "geocoder reads it from the source directory as "
            "boundaries/admdongkor_hjd_centroids_utmk5179.tsv: put it there instead of loading it"
        )
    return message


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
