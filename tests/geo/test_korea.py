"""geo.korea: which lon/lat points are in South Korea."""

import time

import numpy as np
import pytest
import shapely

from geo.korea import (
    KOREA,
    KOREA_BBOX,
    in_korea,
    in_korea_array,
    looks_swapped,
    looks_swapped_array,
)

INHABITED = {
    "Seoul City Hall": (126.9780, 37.5665),
    "Busan Haeundae": (129.1604, 35.1587),
    "Incheon Airport": (126.4407, 37.4602),
    "Ganghwa": (126.4878, 37.7467),
    "Gyodong": (126.2878, 37.7878),
    "Paju Munsan": (126.7850, 37.8560),
    "Cheorwon": (127.3133, 38.1466),
    "Goseong Hyeonnae": (128.3650, 38.5450),
    "Gangneung": (128.8761, 37.7519),
    "Pohang Homigot": (129.5667, 36.0769),
    "Mokpo": (126.3922, 34.8118),
    "Jeju city": (126.5312, 33.4996),
    "Seogwipo": (126.5600, 33.2541),
    "Udo": (126.9519, 33.5050),
    "Marado": (126.2667, 33.1167),
    "Gapado": (126.2700, 33.1700),
    "Ulleungdo": (130.9000, 37.5000),
    "Dokdo": (131.8700, 37.2400),
    "Baengnyeongdo": (124.6300, 37.9700),
    "Daecheongdo": (124.7100, 37.8300),
    "Yeonpyeongdo": (125.7000, 37.6600),
    "Heuksando": (125.4300, 34.6800),
    "Hongdo": (125.2000, 34.6900),
    "Gageodo": (125.1000, 34.0700),
    "Geomundo": (127.3100, 34.0300),
    "Chujado": (126.3000, 33.9500),
    "Eocheongdo": (125.9800, 36.1200),
    "Wido": (126.2800, 35.6100),
}

# Coordinates from the real source files that are wrong and must be rejected.
REJECTED_FROM_FILES = [
    (126.918434, 32.625075),  # ~50 km south of Jeju
    (123.924885, 37.619497),
    (217.005028, 37.49426),
    (37.603689, 37.603689),
    (128.7192, 39.4577),  # North Korea / East Sea
    (142.4259, 37.4928),
    (127.138311, 32.429671),
    (124.8702778, 32.5739268),
    (127.720708, 65.519370),
    (124.4506, 37.4614),  # "대청면" toilets placed 40 km off Daecheongdo
    (129.001, 34.145),  # Busan toilet in the Korea Strait
]

ABROAD = {
    "Kaesong": (126.5500, 37.9700),
    "Haeju": (125.7200, 38.0400),
    "Ongjin (NK)": (125.3600, 37.9300),
    "Pyongyang": (125.7625, 39.0392),
    "Kosong (NK)": (128.3300, 38.7300),
    "Tsushima": (129.3000, 34.4000),
    "Fukuoka": (130.4000, 33.6000),
    "Oki islands": (133.2500, 36.2000),
    "Qingdao": (120.3826, 36.0671),
    "Dalian": (121.6147, 38.9140),
    "Yellow Sea": (125.0000, 36.0000),
    "Korea Strait": (128.5000, 34.0000),
    "East Sea": (130.0000, 37.0000),
    "null island": (0.0, 0.0),
}


@pytest.mark.parametrize("name", INHABITED)
def test_inhabited_places_and_islands_are_in_korea(name: str):
    assert in_korea(*INHABITED[name])


@pytest.mark.parametrize("lon_lat", REJECTED_FROM_FILES)
def test_bad_coordinates_from_the_files_are_rejected(lon_lat: tuple[float, float]):
    assert not in_korea(*lon_lat)


@pytest.mark.parametrize("name", ABROAD)
def test_places_abroad_and_at_sea_are_rejected(name: str):
    assert not in_korea(*ABROAD[name])


def test_swapped_pairs():
    assert looks_swapped(37.5, 127.0)
    assert not looks_swapped(127.0, 37.5)
    assert not looks_swapped(37.603689, 37.603689)
    assert looks_swapped_array([37.5, 127.0, np.nan], [127.0, 37.5, 1.0]).tolist() == [
        True,
        False,
        False,
    ]


def test_array_version_matches_scalar_and_treats_nan_as_outside():
    lon = np.array([126.978, 37.5, np.nan, 217.0])
    lat = np.array([37.5665, 127.0, 37.5, 37.5])
    got = in_korea_array(lon, lat)
    assert got.dtype == bool
    assert got.tolist() == [True, False, False, False]
    assert got.tolist() == [in_korea(x, y) for x, y in zip(lon, lat, strict=True)]


def test_bbox_is_the_polygon_bounds_and_holds_every_island():
    assert pytest.approx(KOREA.bounds) == KOREA_BBOX
    min_lon, min_lat, max_lon, max_lat = KOREA_BBOX
    for lon, lat in INHABITED.values():
        assert min_lon <= lon <= max_lon and min_lat <= lat <= max_lat


def test_polygon_stays_small_and_valid():
    assert KOREA.is_valid
    assert shapely.get_num_coordinates(KOREA) < 150


def test_sixty_thousand_rows_are_fast():
    rng = np.random.default_rng(0)
    lon = rng.uniform(124, 132, 60_000)
    lat = rng.uniform(33, 39, 60_000)
    started = time.perf_counter()
    in_korea_array(lon, lat)
    assert time.perf_counter() - started < 0.5
