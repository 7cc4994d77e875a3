"""GeoPackage files of the embedded store (pyogrio/GDAL): one point table per layer version, one
multipolygon table of regions. Nested values (opening_hours, props) are JSON text columns."""

from __future__ import annotations

import itertools
import json
import math
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pyogrio.raw
import shapely
from pyogrio.errors import DataLayerError, DataSourceError

from layers import fields
from layers.record import FeatureRecord, Region
from layers.store.base import StoreError

# Rows handed to GDAL at a time: a load never holds more than this in column arrays.
BATCH = 5000
REGIONS_TABLE = "regions"
# The columns of a layer table: the common fields (layers.fields) by type, then the props.
TEXT_FIELDS = tuple(f.name for f in fields.COMMON if f.type == "text")
JSON_FIELDS = (*(f.name for f in fields.COMMON if f.type == "json"), "props")
BOOL_FIELDS = tuple(f.name for f in fields.COMMON if f.type == "bool")  # nullable
FIELDS = (*TEXT_FIELDS, *JSON_FIELDS, *BOOL_FIELDS)
_GDAL_ERRORS = (OSError, DataSourceError, DataLayerError, RuntimeError)


class FileMissing(Exception):
    """The file disappeared (a newer manifest dropped it after ours was read)."""


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def write_features(path: Path, table: str, records: Iterable[FeatureRecord]) -> int:
    """Write `records` as the point table `table` of a new GeoPackage; returns the row count.

    Records stream through in batches. An exception from `records` propagates unchanged.
    """
    seen: set[str] = set()
    rows = 0
    iterator = iter(records)
    while True:
        batch = list(itertools.islice(iterator, BATCH))
        if not batch and rows:
            return rows
        for r in batch:
            if r.id in seen:
                raise StoreError(f"duplicate feature id {r.id!r} in layer {table!r}")
            seen.add(r.id)
        _write_batch(path, table, batch, append=rows > 0)
        rows += len(batch)
        if len(batch) < BATCH:
            return rows


def _write_batch(path: Path, table: str, batch: list[FeatureRecord], *, append: bool) -> None:
    columns: list[np.ndarray] = [
        np.array([getattr(r, name) for r in batch], dtype=object) for name in TEXT_FIELDS
    ]
    columns += [
        np.array([_json(getattr(r, name)) for r in batch], dtype=object) for name in JSON_FIELDS
    ]
    columns += [
        np.array([bool(getattr(r, name)) for r in batch], dtype=bool) for name in BOOL_FIELDS
    ]
    masks: list[np.ndarray | None] = [None] * (len(FIELDS) - len(BOOL_FIELDS))
    masks += [
        np.array([getattr(r, name) is None for r in batch], dtype=bool) for name in BOOL_FIELDS
    ]
    lons = np.array([r.lon for r in batch], dtype=float)
    lats = np.array([r.lat for r in batch], dtype=float)
    geometry = shapely.to_wkb(shapely.points(lons, lats))
    try:
        pyogrio.raw.write(
            str(path),
            geometry,
            columns,
            list(FIELDS),
            field_mask=masks,
            layer=table,
            driver="GPKG",
            geometry_type="Point",
            crs="EPSG:4326",
            append=append,
        )
    except _GDAL_ERRORS as exc:
        raise StoreError(f"cannot write {path}: {_reason(exc)}") from exc


def read_features(path: Path, table: str) -> list[FeatureRecord]:
    """Every record of a layer file, sorted by id (code point order, like PostgreSQL's C
    collation)."""
    meta, _fids, geometry, columns = _read(path, table)
    data = dict(zip(meta["fields"], columns, strict=True))
    if len(geometry) == 0:
        return []
    xy = shapely.get_coordinates(shapely.from_wkb(geometry))
    values: dict[str, list[Any]] = {name: data[name].tolist() for name in TEXT_FIELDS}
    values.update((name, _json_column(data[name].tolist())) for name in JSON_FIELDS)
    for name in BOOL_FIELDS:  # float: 1.0, 0.0, NaN for NULL
        values[name] = [None if math.isnan(v) else bool(v) for v in data[name].tolist()]
    values["props"] = [p or {} for p in values["props"]]
    values["lon"], values["lat"] = xy[:, 0].tolist(), xy[:, 1].tolist()
    names = tuple(values)
    records = [
        FeatureRecord(**dict(zip(names, row, strict=True)))
        for row in zip(*values.values(), strict=True)
    ]
    records.sort(key=lambda r: r.id)
    return records


def _json_column(texts: list[str | None]) -> list[Any]:
    """Decode a column of JSON texts in one call (per-call overhead dominated otherwise)."""
    return json.loads("[" + ",".join("null" if t is None else t for t in texts) + "]")


def write_regions(path: Path, regions: Iterable[Region]) -> int:
    batch = list(regions)  # ~250 polygons
    geometries = shapely.from_wkb([r.wkb for r in batch])
    polygons = shapely.get_type_id(geometries) == shapely.GeometryType.POLYGON
    geometries[polygons] = [shapely.MultiPolygon([g]) for g in geometries[polygons]]
    columns = [
        np.array([getattr(r, name) for r in batch], dtype=object)
        for name in ("code", "sido", "sigungu")
    ]
    try:
        pyogrio.raw.write(
            str(path),
            shapely.to_wkb(geometries, byte_order=1),
            columns,
            ["code", "sido", "sigungu"],
            layer=REGIONS_TABLE,
            driver="GPKG",
            geometry_type="MultiPolygon",
            crs="EPSG:4326",
        )
    except _GDAL_ERRORS as exc:
        raise StoreError(f"cannot write {path}: {_reason(exc)}") from exc
    return len(batch)


def read_regions(path: Path) -> list[Region]:
    meta, _fids, geometry, columns = _read(path, REGIONS_TABLE)
    data = dict(zip(meta["fields"], columns, strict=True))
    regions = [
        Region(code=code, sido=sido, sigungu=sigungu, wkb=bytes(wkb))
        for code, sido, sigungu, wkb in zip(
            data["code"], data["sido"], data["sigungu"], geometry, strict=True
        )
    ]
    regions.sort(key=lambda r: r.code)
    return regions


def _read(path: Path, table: str) -> Any:
    if not path.is_file():
        raise FileMissing(str(path))
    try:
        return pyogrio.raw.read(str(path), layer=table)
    except _GDAL_ERRORS as exc:
        if not path.is_file():
            raise FileMissing(str(path)) from None
        raise StoreError(f"cannot read {path}: {exc}") from exc


def _reason(exc: BaseException) -> str:
    """GDAL's message without the SQL it ran (sqlite3_exec(<the whole schema>) failed: …)."""
    return _SQLITE_EXEC.sub("", str(exc)).strip()


_SQLITE_EXEC = re.compile(r"sqlite3_exec\(.*\) failed:", re.S)
