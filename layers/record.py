"""Records that cross module lines: a loaded feature, a rejected row, a load's outcome."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class FeatureRecord:
    """One normalised, validated point feature of a layer (WGS84): the common fields of
    layers.fields (a test checks that both agree), its place and the layer's own props."""

    layer: str
    id: str
    name: str
    lon: float
    lat: float
    address: str | None = None
    sido: str | None = None
    sigungu: str | None = None
    phone: str | None = None
    opening_hours_raw: str | None = None
    opening_hours: dict[str, Any] | None = None
    fee: str = "unknown"
    fee_text: str | None = None
    wheelchair: bool | None = None
    source: str = ""
    updated_at: str | None = None  # ISO date
    props: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Reject:
    """A source row that was not loaded, and why."""

    layer: str
    file: str
    row: int
    reason: str
    detail: str = ""
    name: str | None = None
    # where the row says it is (WGS84), when it had usable coordinates: the audit maps them
    lon: float | None = None
    lat: float | None = None


@dataclass(frozen=True)
class Region:
    """A sigungu polygon (WGS84), the reference table used for point-in-polygon and search."""

    code: str  # 5-digit 행정표준코드 sigungu code
    sido: str
    sigungu: str
    wkb: bytes  # (Multi)Polygon, EPSG:4326
