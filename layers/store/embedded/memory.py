"""A layer version held in memory: records in id order and lon/lat arrays, queried with the
comparison rules the PostGIS store gets from SQL (text filters, float4 `&&` boxes)."""

from __future__ import annotations

import json
import threading
from decimal import Decimal
from typing import Any

import numpy as np

from layers.record import FeatureRecord
from layers.store.types import FILTER_FIELDS, FeatureQuery, Filters


class LayerIndex:
    def __init__(self, layer_id: str, version_id: int, records: list[FeatureRecord]) -> None:
        self.layer_id = layer_id
        self.version_id = version_id
        self.records = records  # sorted by id
        n = len(records)
        self.positions = {r.id: i for i, r in enumerate(records)}
        self.lons = np.fromiter((r.lon for r in records), dtype=float, count=n)
        self.lats = np.fromiter((r.lat for r in records), dtype=float, count=n)
        # PostGIS `&&` compares float4 boxes rounded outwards, so do the same.
        self._x_low, self._x_high = float4_down(self.lons), float4_up(self.lons)
        self._y_low, self._y_high = float4_down(self.lats), float4_up(self.lats)
        updated = [r.updated_at for r in records]
        self._updated = np.array([u or "" for u in updated], dtype=str)
        self._updated_known = np.array([u is not None for u in updated], dtype=bool)
        known = [u for u in updated if u is not None]
        self.updated_min = min(known) if known else None
        self.updated_max = max(known) if known else None
        self.extent = (
            (
                float(self.lons.min()),
                float(self.lats.min()),
                float(self.lons.max()),
                float(self.lats.max()),
            )
            if n
            else None
        )
        self._columns: dict[str, tuple[np.ndarray, dict[str, int]]] = {}
        self._columns_lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.records)

    def close(self) -> None:
        """Nothing to release: kept for the store's close()."""

    # -- features -------------------------------------------------------------------------

    def select(self, query: FeatureQuery) -> np.ndarray:
        """Positions (so id order) of the records matching a query, before offset/limit."""
        mask = np.ones(len(self.records), dtype=bool)
        if query.bbox is not None:
            mask &= self.in_bbox(query.bbox)
        if query.datetime is not None:
            start, end = query.datetime
            mask &= self._updated_known
            if start is not None:
                mask &= self._updated >= start
            if end is not None:
                # a date-only end compares as a prefix, as in SQL: '2024-05-01' < '2024-05-01T..'
                mask &= self._updated <= end
        matching = self.filter_mask(query.filters)
        if matching is not None:
            mask &= matching
        return np.flatnonzero(mask)

    def in_bbox(self, bbox: tuple[float, float, float, float]) -> np.ndarray:
        """`geom && ST_MakeEnvelope(bbox)` for every record."""
        # ST_MakeEnvelope's box is normalised like any geometry's: min and max per axis.
        x0, x1 = sorted((bbox[0], bbox[2]))
        y0, y1 = sorted((bbox[1], bbox[3]))
        qx0, qx1 = float4_down(np.float64(x0)), float4_up(np.float64(x1))
        qy0, qy1 = float4_down(np.float64(y0)), float4_up(np.float64(y1))
        return (
            (self._x_low <= qx1)
            & (qx0 <= self._x_high)
            & (self._y_low <= qy1)
            & (qy0 <= self._y_high)
        )

    def filter_mask(self, filters: Filters) -> np.ndarray | None:
        """Equality of each filter's field (as PostgreSQL text) with its value; None: no filters."""
        if not filters:
            return None
        mask = np.ones(len(self.records), dtype=bool)
        for name, value in filters:
            codes, lookup = self._column(name)
            code = lookup.get(value)
            if code is None:
                return np.zeros(len(self.records), dtype=bool)
            mask &= codes == code
        return mask

    def _column(self, name: str) -> tuple[np.ndarray, dict[str, int]]:
        """A field as codes of its distinct text values (-1 for NULL), built on first use."""
        column = self._columns.get(name)
        if column is None:
            with self._columns_lock:
                if name in FILTER_FIELDS:
                    texts = [sql_text(getattr(r, name)) for r in self.records]
                else:
                    texts = [jsonb_text(r.props.get(name)) for r in self.records]
                lookup: dict[str, int] = {}
                codes = np.fromiter(
                    (-1 if t is None else lookup.setdefault(t, len(lookup)) for t in texts),
                    dtype=np.int32,
                    count=len(texts),
                )
                column = self._columns[name] = (codes, lookup)
        return column


def float4_down(values: Any) -> Any:
    """The largest float32 <= each value (PostGIS next_float_down)."""
    values = np.asarray(values, dtype=np.float64)
    f = values.astype(np.float32)
    return np.where(f > values, np.nextafter(f, np.float32(-np.inf)), f)


def float4_up(values: Any) -> Any:
    """The smallest float32 >= each value (PostGIS next_float_up)."""
    values = np.asarray(values, dtype=np.float64)
    f = values.astype(np.float32)
    return np.where(f < values, np.nextafter(f, np.float32(np.inf)), f)


# -- values as PostgreSQL text -----------------------------------------------------------------


def sql_text(value: Any) -> str | None:
    """A common field as `column::text`: booleans are 'true'/'false', NULL stays NULL."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def jsonb_text(value: Any) -> str | None:
    """A props value as `props ->> name`: strings unquoted, JSON null as NULL, the rest as
    PostgreSQL prints jsonb."""
    if value is None or isinstance(value, str):
        return value
    return _jsonb(value)


def _jsonb(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # jsonb keeps numbers as numeric, printed without exponent
        return format(Decimal(repr(value if value != 0 else 0.0)), "f")
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        # jsonb orders keys by length, then bytewise
        keys = sorted(value, key=lambda k: (len(k.encode()), k.encode()))
        items = (f"{json.dumps(k, ensure_ascii=False)}: {_jsonb(value[k])}" for k in keys)
        return "{" + ", ".join(items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_jsonb(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)
