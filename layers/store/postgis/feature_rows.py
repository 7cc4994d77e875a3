"""Feature rows into and out of PostGIS: records written with COPY, selected rows read back as
records, both in the column order of layers.fields."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from layers import fields
from layers.record import FeatureRecord, Reject
from layers.store.postgis import queries as q

# (record attribute, column, stored as jsonb) of each common field
_COMMON = tuple((f.name, f.sql_column, f.type == "json") for f in fields.COMMON)


def json_text(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def copy_value(value: Any) -> str:
    """One COPY text-format field."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    s = value if isinstance(value, str) else str(value)
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def copy_line(version_id: int, r: FeatureRecord) -> str:
    """The COPY line of a record (q.COPY_FEATURES' columns); geometry as EWKT."""
    values: list[Any] = [version_id]
    for name, _column, is_json in _COMMON:
        value = getattr(r, name)
        values.append(json_text(value) if is_json else value)
    values.append(json_text(r.props) or "{}")
    values.append(f"SRID=4326;POINT({r.lon!r} {r.lat!r})")
    return "\t".join(map(copy_value, values)) + "\n"


def copy_features(conn: Any, version_id: int, records: Iterable[FeatureRecord]) -> int:
    """COPY `records` into the feature table as rows of `version_id`; returns how many."""
    rows = 0
    cursor = conn.connection.driver_connection.cursor()
    with cursor.copy(q.COPY_FEATURES) as copy:
        for r in records:
            copy.write(copy_line(version_id, r))
            rows += 1
    return rows


def copy_rejects(conn: Any, version_id: int, rejects: Iterable[Reject]) -> None:
    cursor = conn.connection.driver_connection.cursor()
    with cursor.copy(q.COPY_REJECTS) as copy:
        for r in rejects:
            values = (version_id, r.layer, r.file, r.row, r.reason, r.detail, r.name, r.lon, r.lat)
            copy.write("\t".join(map(copy_value, values)) + "\n")


def record(row: Mapping[str, Any]) -> FeatureRecord:
    """The record of a row selected with q.FEATURE_COLUMNS."""
    common = {name: row[column] for name, column, _is_json in _COMMON}
    return FeatureRecord(**common, lon=row["lon"], lat=row["lat"], props=row["props"] or {})
