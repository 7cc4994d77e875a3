"""geo.distance: the project's one distance, WGS84 geodesic metres."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.distance import GEOD, degree_radius, distance_m, distances_m, rank_key

lon_st = st.floats(124.5, 132.0)
lat_st = st.floats(33.0, 38.7)


@given(lon_st, lat_st, lon_st, lat_st)
def test_symmetric_and_non_negative(lon1: float, lat1: float, lon2: float, lat2: float):
    d = distance_m(lon1, lat1, lon2, lat2)
    assert d >= 0
    assert d == pytest.approx(distance_m(lon2, lat2, lon1, lat1), abs=1e-6)


@given(lon_st, lat_st)
def test_zero_for_the_same_point(lon: float, lat: float):
    assert distance_m(lon, lat, lon, lat) == 0


@given(lon_st, lat_st, lon_st, lat_st, lon_st, lat_st)
def test_triangle_inequality(a: float, b: float, c: float, d: float, e: float, f: float):
    assert distance_m(a, b, e, f) <= distance_m(a, b, c, d) + distance_m(c, d, e, f) + 1e-6


def test_known_lengths_near_seoul_city_hall():
    # FIELD_NOTES: 0.01° of longitude is 883.5 m geodesic and 881.4 m on a sphere; 0.01° of
    # latitude 1,109.9 m geodesic and 1,112.0 m on a sphere. The contract is geodesic.
    lon, lat = 126.978, 37.5665
    assert distance_m(lon, lat, lon + 0.01, lat) == pytest.approx(883.5, abs=0.1)
    assert distance_m(lon, lat, lon, lat + 0.01) == pytest.approx(1109.9, abs=0.1)
    haversine = (
        2 * 6371008.8 * math.asin(math.cos(math.radians(lat)) * math.sin(math.radians(0.005)))
    )
    assert haversine == pytest.approx(881.4, abs=0.1)


@settings(max_examples=50)
@given(lon_st, lat_st, st.lists(st.tuples(lon_st, lat_st), max_size=20))
def test_vectorised_agrees_with_scalar(lon: float, lat: float, points: list[tuple[float, float]]):
    lons = [p[0] for p in points]
    lats = [p[1] for p in points]
    got = distances_m(lon, lat, lons, lats)
    assert got.shape == (len(points),)
    for value, (x, y) in zip(got, points, strict=True):
        assert value == pytest.approx(distance_m(lon, lat, x, y), abs=1e-6)


def test_vectorised_handles_scalars_and_nan():
    assert distances_m(127.0, 37.5, 127.0, 37.5).shape == ()
    assert np.isnan(distances_m(127.0, 37.5, [np.nan], [37.5])[0])


def test_rank_key_breaks_ties_by_id_after_rounding_to_a_decimetre():
    rows = [(100.049, "b"), (100.04, "c"), (100.02, "a"), (99.9, "z")]
    ranked = sorted(rows, key=lambda r: rank_key(*r))
    assert [r[1] for r in ranked] == ["z", "a", "b", "c"]
    assert rank_key(12.34, "x") == (12.3, "x")


@settings(max_examples=60, deadline=None)
@given(
    lon=lon_st,
    lat=lat_st,
    radius_m=st.floats(0.0, 100_000.0),
    seed=st.integers(0, 2**32 - 1),
)
def test_degree_radius_contains_every_point_within_radius(
    lon: float, lat: float, radius_m: float, seed: int
):
    rng = np.random.default_rng(seed)
    n = 400
    azimuths = np.concatenate([np.arange(0, 360, 5.0), rng.uniform(-180, 180, n)])
    dists = np.concatenate([np.full(72, radius_m), rng.uniform(0, radius_m, n)])
    lons, lats, _ = GEOD.fwd(
        np.full(azimuths.size, lon), np.full(azimuths.size, lat), azimuths, dists
    )
    planar = np.hypot(np.asarray(lons) - lon, np.asarray(lats) - lat)
    bound = degree_radius(lat, radius_m)
    assert planar.max() <= bound
    # and it is not needlessly loose: the east-west extent is the largest
    assert bound <= 1.05 * planar.max() + 1e-8


def test_degree_radius_edge_cases():
    assert 0.0 < degree_radius(37.5, 0.0) < 1e-8
    assert degree_radius(89.99, 10_000) > 400
    assert degree_radius(-37.5, 1000) == degree_radius(37.5, 1000)
    with pytest.raises(ValueError):
        degree_radius(37.5, -1)
    with pytest.raises(ValueError):
        degree_radius(37.5, math.inf)
