"""Coordinate transforms between the Korean projected CRSs found in public data and WGS84."""

from functools import lru_cache

import numpy as np
from numpy.typing import ArrayLike
from pyproj import Transformer

SUPPORTED_EPSG: tuple[int, ...] = (4326, 5174, 5179, 5181, 5186, 2097)


@lru_cache(maxsize=32)
def transformer(src_epsg: int, dst_epsg: int = 4326) -> Transformer:
    # Building a Transformer costs milliseconds; callers transform per row or per request.
    return Transformer.from_crs(src_epsg, dst_epsg, always_xy=True)


def to_wgs84(x: ArrayLike, y: ArrayLike, epsg: int) -> tuple[np.ndarray, np.ndarray]:
    """Project `x, y` in EPSG:`epsg` to WGS84 `(lon, lat)` arrays."""
    xs = np.asarray(x, dtype=float)
    ys = np.asarray(y, dtype=float)
    if epsg == 4326:
        return xs.copy(), ys.copy()
    lon, lat = transformer(epsg, 4326).transform(xs, ys)
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


def from_wgs84(lon: ArrayLike, lat: ArrayLike, epsg: int) -> tuple[np.ndarray, np.ndarray]:
    """Project WGS84 `lon, lat` to `(x, y)` arrays in EPSG:`epsg`."""
    lons = np.asarray(lon, dtype=float)
    lats = np.asarray(lat, dtype=float)
    if epsg == 4326:
        return lons.copy(), lats.copy()
    x, y = transformer(4326, epsg).transform(lons, lats)
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)
