"""The one distance definition of sharemap: WGS84 geodesic metres (as PostGIS `geography`)."""

import math

import numpy as np
from numpy.typing import ArrayLike
from pyproj import Geod

GEOD = Geod(ellps="WGS84")

_A = GEOD.a
_E2 = GEOD.es
# 1 % on top of a bound that is already exact, plus ~0.1 mm for float noise near zero.
_SAFETY = 1.01
_EPSILON_DEG = 1e-9
# The diagonal of the whole lon/lat plane: a radius that reaches a pole may go anywhere.
_EVERYWHERE_DEG = math.hypot(360.0, 180.0)


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    _, _, dist = GEOD.inv(lon1, lat1, lon2, lat2)
    return float(dist)


def distances_m(lon: float, lat: float, lons: ArrayLike, lats: ArrayLike) -> np.ndarray:
    """Geodesic metres from `(lon, lat)` to each of `lons, lats` (NaN where a point is NaN)."""
    if (
        type(lons) is np.ndarray
        and type(lats) is np.ndarray
        and lons.ndim == 1
        and lons.shape == lats.shape
        and lons.dtype == lats.dtype == np.float64
    ):  # the near-me hot path: skip the broadcasting below
        start = np.empty((2, lons.size))
        start[0], start[1] = lon, lat
        return np.asarray(GEOD.inv(start[0], start[1], lons, lats)[2], dtype=float)
    lons2, lats2 = np.broadcast_arrays(np.asarray(lons, dtype=float), np.asarray(lats, dtype=float))
    if lons2.size == 0:
        return np.zeros(lons2.shape)
    lons1 = np.full(lons2.shape, float(lon))
    lats1 = np.full(lons2.shape, float(lat))
    _, _, dist = GEOD.inv(lons1, lats1, np.ascontiguousarray(lons2), np.ascontiguousarray(lats2))
    return np.asarray(dist, dtype=float).reshape(lons2.shape)


def rank_key(distance_m: float, feature_id: str) -> tuple[float, str]:
    """Sort key for nearest-first results; rounding to 0.1 m lets two stores agree on ties."""
    return (round(distance_m, 1), feature_id)


def _metres_per_degree_lat(lat: float) -> float:
    s = math.sin(math.radians(lat))
    return math.radians(_A * (1 - _E2) / (1 - _E2 * s * s) ** 1.5)


def _metres_per_degree_lon(lat: float) -> float:
    s = math.sin(math.radians(lat))
    return math.radians(_A * math.cos(math.radians(lat)) / math.sqrt(1 - _E2 * s * s))


_M_PER_DEG_LAT_EQUATOR = _metres_per_degree_lat(0.0)


def degree_radius(lat: float, radius_m: float, lon_scale: float = 1.0) -> float:
    """Planar lon/lat radius (degrees) containing every point within `radius_m` of latitude `lat`.

    Within the band of latitudes a path of `radius_m` can reach, a degree of latitude or of
    longitude is at least `k` metres long, so the path is at most `radius_m / k` degrees long
    on the lon/lat plane. (No wrapping at the antimeridian: irrelevant for Korea.)

    With `lon_scale`, the plane's x is longitude times `lon_scale` (an index that scales
    longitude by the cosine of its mid-latitude, so that its planar distances are close to
    metres): a unit of x is then `1 / lon_scale` degrees of longitude long.
    """
    if radius_m < 0 or not math.isfinite(radius_m):
        raise ValueError(f"radius_m must be a finite number >= 0, got {radius_m!r}")
    reach = radius_m / _M_PER_DEG_LAT_EQUATOR
    lat_high = abs(lat) + reach
    if lat_high >= 89.0:
        return _EVERYWHERE_DEG
    lat_low = max(0.0, abs(lat) - reach)
    k = min(_metres_per_degree_lat(lat_low), _metres_per_degree_lon(lat_high) / lon_scale)
    return radius_m / k * _SAFETY + _EPSILON_DEG
