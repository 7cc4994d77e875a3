"""geo.crs: transforms between the Korean projected CRSs and WGS84."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from geo.crs import SUPPORTED_EPSG, from_wgs84, to_wgs84, transformer
from geo.distance import distance_m
from geo.korea import KOREA_BBOX

MIN_LON, MIN_LAT, MAX_LON, MAX_LAT = KOREA_BBOX

lons = arrays(float, 50, elements=st.floats(MIN_LON, MAX_LON))
lats = arrays(float, 50, elements=st.floats(MIN_LAT, MAX_LAT))


@pytest.mark.parametrize("epsg", SUPPORTED_EPSG)
@settings(max_examples=25, deadline=None)
@given(lon=lons, lat=lats)
def test_round_trip_through_every_supported_crs(epsg: int, lon: np.ndarray, lat: np.ndarray):
    x, y = from_wgs84(lon, lat, epsg)
    lon2, lat2 = to_wgs84(x, y, epsg)
    assert np.abs(lon2 - lon).max() < 1e-7
    assert np.abs(lat2 - lat).max() < 1e-7


def test_utmk_centroid_of_sajik_dong():
    # admdongkor centroid of 서울 종로구 사직동 (EPSG:5179)
    lon, lat = to_wgs84(953277, 1952800, 5179)
    assert float(lon) == pytest.approx(126.9709, abs=1e-3)
    assert float(lat) == pytest.approx(37.5734, abs=1e-3)


def test_central_belt_2010_point_within_a_metre():
    lon, lat = to_wgs84([197408.1388], [553838.072], 5186)
    assert distance_m(float(lon[0]), float(lat[0]), 126.970656, 37.584095) < 1.0


def test_wgs84_is_the_identity_and_returns_new_arrays():
    lon = np.array([127.0, 128.5])
    lat = np.array([37.5, 35.1])
    out_lon, out_lat = to_wgs84(lon, lat, 4326)
    np.testing.assert_array_equal(out_lon, lon)
    np.testing.assert_array_equal(out_lat, lat)
    assert out_lon is not lon
    assert from_wgs84(lon, lat, 4326)[0].tolist() == lon.tolist()


def test_transformers_are_cached_and_lon_lat_ordered():
    assert transformer(5174) is transformer(5174)
    assert transformer(4326, 5186) is transformer(4326, 5186)
    lon, lat = transformer(5179).transform(953277, 1952800)
    assert 124 < lon < 132 and 33 < lat < 39


def test_arrays_keep_their_shape_and_nan():
    lon, lat = to_wgs84(np.array([[953277.0, np.nan]]), np.array([[1952800.0, np.nan]]), 5179)
    assert lon.shape == lat.shape == (1, 2)
    assert not np.isfinite(lon[0, 1])
