"""JSON and GDAL vector files: a JSON API dump's largest array of records (`{"response": {"body":
{"items": {"item": [...]}}}}`, `{"DATA": [...]}`, a bare array) as a table, and GeoJSON,
TopoJSON and GeoPackage features (read with pyogrio) with their points."""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from etl.read.header import table_rows, unique_names
from etl.read.table import (
    GEOMETRY_PROBLEM,
    GEOMETRY_X,
    GEOMETRY_Y,
    Table,
    clean_cell,
    normalise_header,
    one_line,
    read_error,
)

GEO_SUFFIXES = (".geojson", ".json", ".gpkg")
GEO_BATCH = 20_000
# The `type` of a document GDAL reads as features (GeoJSON, TopoJSON).
GEO_TYPES = frozenset({"FeatureCollection", "Feature", "Topology"})
MAX_JSON_BYTES = 256 * 1024 * 1024
# Wrapper keys under which portals put one record instead of an array of one.
_ONE_RECORD_KEYS = frozenset({"item", "items", "row", "record", "data"})


def decode_json(raw: bytes) -> Any:
    """The parsed document; UTF-8 (with or without BOM), UTF-16/32, else CP949 text.
    Raises ValueError (json.JSONDecodeError or UnicodeDecodeError) when it is not JSON."""
    try:
        return json.loads(raw)  # detects UTF-8/16/32 and skips a UTF-8 BOM
    except UnicodeDecodeError:
        return json.loads(raw.decode("cp949"))


def is_geo(doc: Any) -> bool:
    return isinstance(doc, dict) and doc.get("type") in GEO_TYPES


def find_records(doc: Any) -> list[dict[str, Any]] | None:
    """The largest array of objects in the document, breadth first (the shallower of equal
    ones); a single object under an `item`-like key when there is no array at all."""
    best: list[dict[str, Any]] | None = None
    single: dict[str, Any] | None = None
    queue: list[Any] = [doc]
    while queue:
        node = queue.pop(0)
        if isinstance(node, list):
            objects = [v for v in node if isinstance(v, dict)]
            if objects and len(objects) == len(node) and (best is None or len(node) > len(best)):
                best = objects
            queue.extend(v for v in node if isinstance(v, (dict, list)))
        elif isinstance(node, dict):
            for key, value in node.items():
                flat = isinstance(value, dict) and not any(
                    isinstance(v, (dict, list)) for v in value.values()
                )
                if flat and value and single is None and key.lower() in _ONE_RECORD_KEYS:
                    single = value
                if isinstance(value, (dict, list)):
                    queue.append(value)
    if best is None and single is not None:
        return [single]
    return best


def columns_of(records: list[dict[str, Any]]) -> list[str]:
    """Every key of the records, in order of first appearance."""
    return list(dict.fromkeys(str(k) for r in records for k in r))


def rows_of(records: list[dict[str, Any]], keys: list[str]) -> Iterator[tuple[int, list[Any]]]:
    """Each record's values in key order; nested values as compact JSON text."""
    for number, record in enumerate(records, start=1):
        values = []
        for key in keys:
            value = record.get(key)
            if isinstance(value, (dict, list)):
                value = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
            elif isinstance(value, int) and not isinstance(value, bool):
                value = str(value)
            values.append(value)
        yield number, values


def read_json_records(path: Path) -> Table | None:
    """A JSON file's array of records as a table; None for GeoJSON (read with GDAL)."""
    try:
        if path.stat().st_size > MAX_JSON_BYTES:
            limit = MAX_JSON_BYTES // 2**20
            raise read_error(path, f"refusing a JSON file over {limit} MiB")
        raw = path.read_bytes()
    except OSError as exc:
        raise read_error(path, f"cannot read: {exc.strerror or exc}") from exc
    try:
        doc = decode_json(raw)
    except (ValueError, RecursionError) as exc:
        raise read_error(path, f"not a readable JSON file ({one_line(exc)})") from exc
    if is_geo(doc):
        return None
    found = find_records(doc)
    if not found:
        raise read_error(path, "no array of records in the JSON document (and it is not GeoJSON)")
    keys = columns_of(found)
    return _named_table(
        path, keys, lambda columns: table_rows(columns, rows_of(found, keys), clean_cell)
    )


# --- GeoJSON and GeoPackage -----------------------------------------------------------


def read_geo(path: Path) -> Table:
    import pyogrio

    kind = "GeoPackage" if path.suffix.lower() == ".gpkg" else "GeoJSON"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # GDAL's notes on odd files
            info = pyogrio.read_info(path, layer=0)
    except Exception as exc:  # pyogrio raises several DataSourceError types
        raise read_error(path, f"not a readable {kind} file ({one_line(exc)})") from exc
    names = [str(n) for n in info["fields"]]
    if not names:
        raise read_error(path, f"no attribute fields (the {kind} layer has no columns)")
    has_geometry = info.get("geometry_type") not in (None, "None")
    return _named_table(
        path,
        names,
        lambda columns: _geo_rows(path, kind, names, columns, has_geometry),
        has_geometry=has_geometry,
        geometry_epsg=_epsg(info.get("crs")) if has_geometry else None,
    )


def _named_table(
    path: Path,
    names: Sequence[str],
    rows: Callable[[tuple[str, ...]], Iterator[tuple[int, dict[str, str | None]]]],
    *,
    has_geometry: bool = False,
    geometry_epsg: int | None = None,
) -> Table:
    """A table whose header is its fields' names: one header record, no text encoding."""
    columns = unique_names([normalise_header(n) for n in names])
    return Table(
        path=path,
        encoding=None,
        delimiter=None,
        header_rows=1,
        columns=columns,
        rows=rows(columns),
        has_geometry=has_geometry,
        geometry_epsg=geometry_epsg,
    )


def _epsg(crs: str | None) -> int | None:
    if not crs:
        return None
    if "CRS84" in crs.upper():
        return 4326
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    try:
        return CRS.from_user_input(crs).to_epsg()
    except CRSError:
        return None


def _geo_rows(
    path: Path, kind: str, names: Sequence[str], columns: Sequence[str], has_geometry: bool
) -> Iterator[tuple[int, dict[str, str | None]]]:
    import pyogrio
    import shapely

    start = 0
    while True:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                _meta, _fids, geometry, fields = pyogrio.raw.read(
                    path,
                    layer=0,
                    columns=list(names),
                    read_geometry=has_geometry,
                    skip_features=start,
                    max_features=GEO_BATCH,
                )
        except Exception as exc:  # pyogrio raises several DataSourceError types
            raise read_error(
                path, f"not a readable {kind} file ({one_line(exc)})", start + 1
            ) from exc
        values = [f.tolist() for f in fields]
        count = len(values[0]) if values else 0
        shapes = shapely.from_wkb(geometry, on_invalid="ignore") if has_geometry else None
        for i in range(count):
            row = {col: clean_cell(values[j][i]) for j, col in enumerate(columns)}
            if shapes is not None:
                row.update(_point_cells(shapes[i]))
            yield start + i + 1, row
        if count < GEO_BATCH:
            return
        start += count


def _point_cells(shape: Any) -> dict[str, str | None]:
    """A feature's point as GEOMETRY_X/GEOMETRY_Y text, or why it has none."""
    if shape is None or shape.is_empty:
        return {GEOMETRY_X: None, GEOMETRY_Y: None}
    if shape.geom_type == "MultiPoint" and len(shape.geoms) == 1:
        shape = shape.geoms[0]
    if shape.geom_type != "Point":
        return {
            GEOMETRY_X: None,
            GEOMETRY_Y: None,
            GEOMETRY_PROBLEM: f"a {shape.geom_type}, not a point",
        }
    return {GEOMETRY_X: clean_cell(float(shape.x)), GEOMETRY_Y: clean_cell(float(shape.y))}
