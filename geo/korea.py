"""Is a lon/lat point in South Korea? A coarse hand-made outline for rejecting bad coordinates."""

import numpy as np
import shapely
from numpy.typing import ArrayLike
from shapely.geometry import Polygon, box

# Outline of the mainland with its near-shore islands (Ganghwa, Yeongjong, Anmyeon, Sinan,
# Wando, Geoje …), drawn about 6 km outside the KOSTAT 2013 and 2022 boundaries (never less
# than 2 km) and kept closer near the DMZ so that Kaesong stays out.
# fmt: off
_MAINLAND: tuple[tuple[float, float], ...] = (
    (126.07, 37.74), (126.21, 37.86), (126.42, 37.86), (126.58, 37.84), (126.66, 38.00),
    (126.69, 38.17), (126.84, 38.29), (127.14, 38.40), (128.10, 38.41), (128.26, 38.66),
    (128.40, 38.68), (128.80, 38.06), (129.32, 37.42), (129.50, 37.08), (129.56, 36.76),
    (129.51, 36.40), (129.66, 36.03), (129.43, 35.31), (129.14, 34.99), (129.00, 34.96),
    (128.46, 34.47), (128.15, 34.49), (127.48, 34.15), (126.62, 34.02), (126.18, 34.15),
    (125.94, 34.06), (125.80, 34.14), (125.73, 34.63), (125.82, 34.79), (125.92, 35.37),
    (126.03, 35.45), (126.16, 35.44), (126.38, 35.61), (126.24, 35.86), (126.03, 36.05),
    (125.90, 36.08), (125.89, 36.27), (126.08, 36.49), (125.87, 36.59), (125.53, 36.53),
    (125.46, 36.61), (125.51, 36.68), (125.89, 36.78), (125.88, 37.04), (125.79, 37.19),
    (126.03, 37.35),
)

# Hongdo, Daeheuksando, Taedo, Manjaedo and Gageodo (Sinan-gun), far off the west coast.
_HEUKSAN_ISLANDS: tuple[tuple[float, float], ...] = (
    (125.02, 33.98), (125.02, 34.18), (125.11, 34.79), (125.30, 34.82), (125.54, 34.82),
    (125.54, 34.56), (125.53, 34.14), (125.21, 33.98),
)
# fmt: on

# (min_lon, min_lat, max_lon, max_lat) of each outlying island group, about 6 km wide of its coast.
_ISLAND_BOXES: dict[str, tuple[float, float, float, float]] = {
    "jeju_marado_udo": (126.08, 33.05, 127.03, 33.63),
    "chujado": (126.19, 33.84, 126.45, 34.07),
    "yeoseodo": (126.85, 33.91, 127.00, 34.05),
    "geomundo": (127.22, 33.95, 127.43, 34.12),
    "wido_wangdeungdo": (126.04, 35.51, 126.38, 35.73),
    "baengnyeong_daecheong": (124.55, 37.70, 124.83, 38.04),
    "yeonpyeong": (125.59, 37.54, 125.78, 37.80),
    "ulleungdo": (130.73, 37.40, 131.00, 37.61),
    "dokdo": (131.80, 37.18, 131.93, 37.30),
}

KOREA = shapely.union_all(
    [Polygon(_MAINLAND), Polygon(_HEUKSAN_ISLANDS)]
    + [box(*bounds) for bounds in _ISLAND_BOXES.values()]
)
shapely.prepare(KOREA)

KOREA_BBOX: tuple[float, float, float, float] = (124.55, 33.05, 131.93, 38.68)


def in_korea_array(lon: ArrayLike, lat: ArrayLike) -> np.ndarray:
    """Boolean array: which `(lon, lat)` pairs fall inside South Korea (NaN is outside)."""
    return np.asarray(
        shapely.contains_xy(KOREA, np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)),
        dtype=bool,
    )


def in_korea(lon: float, lat: float) -> bool:
    return bool(in_korea_array(lon, lat))


def looks_swapped_array(lon: ArrayLike, lat: ArrayLike) -> np.ndarray:
    """True where the pair is outside Korea as given but inside it read as `(lat, lon)`."""
    return ~in_korea_array(lon, lat) & in_korea_array(lat, lon)


def looks_swapped(lon: float, lat: float) -> bool:
    return bool(looks_swapped_array(lon, lat))
