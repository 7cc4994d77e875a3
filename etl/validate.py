"""Coordinate parsing and validation: numbers, CRS, Korea extent, swapped lat/lon."""

from __future__ import annotations

import math
import re

import numpy as np

from geo.crs import to_wgs84
from geo.korea import in_korea_array, looks_swapped_array

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


class BadNumber(ValueError):
    pass


def parse_number(text: str | None, *, decimal_comma: bool = False) -> float | None:
    """A finite float from a cell, None for a blank cell; BadNumber for anything else
    (`NaN`, `inf`, `1e999`, `37.5°`, ...).

    Commas are thousands separators, or with `decimal_comma` (a semicolon-separated file,
    as European locales write them) the decimal separator: `37,5665` → 37.5665.
    """
    if text is None:
        return None
    s = text.strip()
    s = s.replace(".", "").replace(",", ".") if decimal_comma and "," in s else s.replace(",", "")
    if not s:
        return None
    if len(s) > 40 or not _NUMBER.match(s):
        raise BadNumber(f"not a number: {text[:40]!r}")
    value = float(s)
    if not math.isfinite(value):
        raise BadNumber(f"not a finite number: {text[:40]!r}")
    return value


def locate(
    xs: np.ndarray, ys: np.ndarray, epsg: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """WGS84 lon/lat for source coordinates, with `ok` and `swapped` masks.

    A WGS84 pair whose columns are swapped (lat in the lon column) is repaired and flagged.
    """
    lon, lat = to_wgs84(xs, ys, epsg)
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    finite = np.isfinite(lon) & np.isfinite(lat)
    ok = finite & in_korea_array(np.where(finite, lon, 0.0), np.where(finite, lat, 0.0))
    swapped = np.zeros_like(ok)
    if epsg == 4326:
        swapped = (
            finite
            & ~ok
            & looks_swapped_array(np.where(finite, lon, 0.0), np.where(finite, lat, 0.0))
        )
        lon, lat = np.where(swapped, lat, lon), np.where(swapped, lon, lat)
        ok = ok | swapped
    return lon, lat, ok, swapped
