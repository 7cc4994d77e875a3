"""JSON API dumps read as a table: the largest array of records anywhere inside the
document (`{"response": {"body": {"items": {"item": [...]}}}}`, `{"DATA": [...]}`,
`{"records": [...]}`, `{"data": [...]}`, a bare array). GeoJSON is not read here."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

# The `type` of a document GDAL reads as features (GeoJSON, TopoJSON).
GEO_TYPES = frozenset({"FeatureCollection", "Feature", "Topology"})
MAX_JSON_BYTES = 256 * 1024 * 1024
# Wrapper keys under which portals put one record instead of an array of one.
_ONE_RECORD_KEYS = frozenset({"item", "items", "row", "record", "data"})


def decode(raw: bytes) -> Any:
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
