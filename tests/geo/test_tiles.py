"""geo.tiles: XYZ Web Mercator tile math and the cluster grid."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from geo.crs import transformer
from geo.tiles import (
    EXTENT,
    HALF_WORLD_M,
    MAX_LAT,
    MAX_ZOOM,
    Tile,
    bounds,
    buffered_bounds,
    cell_size,
    grid_cell,
    grid_clusters,
    is_valid,
    lonlat,
    mercator,
    pixel_lonlat,
    tile_for,
    tile_pixel,
    tiles_in,
    xy_bounds,
)

lon_st = st.floats(-180.0, 179.999999)
lat_st = st.floats(-85.0, 85.0)
zoom_st = st.integers(0, MAX_ZOOM)
korea_lon = st.floats(124.5, 132.0)
korea_lat = st.floats(33.0, 38.7)


@st.composite
def tiles(draw: st.DrawFn, max_zoom: int = MAX_ZOOM) -> Tile:
    z = draw(st.integers(0, max_zoom))
    return Tile(draw(st.integers(0, 2**z - 1)), draw(st.integers(0, 2**z - 1)), z)


def test_known_tiles_match_mercantile_and_postgis() -> None:
    # the z8 tile over central Seoul; ST_TileEnvelope(8, 218, 99) has these corners
    assert tile_for(126.978, 37.5665, 8) == Tile(218, 99, 8)
    min_x, _min_y, max_x, max_y = xy_bounds(Tile(218, 99, 8))
    assert min_x == pytest.approx(14088873.054, abs=1e-3)
    assert max_y == pytest.approx(4539747.984, abs=1e-3)
    assert max_x - min_x == pytest.approx(156543.034, abs=1e-3)
    assert bounds(Tile(0, 0, 0)) == pytest.approx((-180.0, -MAX_LAT, 180.0, MAX_LAT))


@given(lon_st, lat_st)
def test_mercator_agrees_with_pyproj_epsg3857(lon: float, lat: float) -> None:
    x, y = transformer(4326, 3857).transform(lon, lat)
    ours = mercator(lon, lat)
    assert ours[0] == pytest.approx(x, abs=1e-3)
    assert ours[1] == pytest.approx(y, abs=1e-3)


@given(lon_st, lat_st)
def test_lonlat_inverts_mercator(lon: float, lat: float) -> None:
    back = lonlat(*mercator(lon, lat))
    assert back == pytest.approx((lon, lat), abs=1e-9)


@given(lon_st, lat_st, zoom_st)
def test_the_tile_of_a_point_holds_it(lon: float, lat: float, z: int) -> None:
    tile = tile_for(lon, lat, z)
    assert is_valid(*tile)
    west, south, east, north = bounds(tile)
    assert west - 1e-9 <= lon <= east + 1e-9
    assert south - 1e-9 <= lat <= north + 1e-9
    px, py = tile_pixel(lon, lat, tile)
    assert -1e-6 <= px <= EXTENT and -1e-6 <= py <= EXTENT


@given(korea_lon, korea_lat, st.integers(0, 20))
def test_tile_pixel_round_trips_through_lonlat(lon: float, lat: float, z: int) -> None:
    tile = tile_for(lon, lat, z)
    px, py = tile_pixel(lon, lat, tile)
    assert pixel_lonlat(px, py, tile) == pytest.approx((lon, lat), abs=1e-9)


@given(tiles())
def test_tile_bounds_round_trip_through_tile_for(tile: Tile) -> None:
    west, south, east, north = bounds(tile)
    assert tile_for((west + east) / 2, (south + north) / 2, tile.z) == tile
    assert pixel_lonlat(0, 0, tile) == pytest.approx((west, north), abs=1e-9)
    assert pixel_lonlat(EXTENT, EXTENT, tile) == pytest.approx((east, south), abs=1e-9)


@given(tiles(max_zoom=MAX_ZOOM - 1))
def test_four_children_tile_their_parent_exactly(tile: Tile) -> None:
    x0, y0 = 2 * tile.x, 2 * tile.y
    kids = [Tile(x0 + dx, y0 + dy, tile.z + 1) for dy in (0, 1) for dx in (0, 1)]
    min_x, min_y, max_x, max_y = xy_bounds(tile)
    metre = pytest.approx
    assert xy_bounds(kids[0])[0] == metre(min_x, abs=1e-6)
    assert xy_bounds(kids[0])[3] == metre(max_y, abs=1e-6)
    assert xy_bounds(kids[3])[2] == metre(max_x, abs=1e-6)
    assert xy_bounds(kids[3])[1] == metre(min_y, abs=1e-6)
    assert xy_bounds(kids[0])[2] == metre(xy_bounds(kids[1])[0], abs=1e-6)


@given(tiles(), st.floats(0, 512))
def test_a_buffer_grows_the_bounds(tile: Tile, buffer: float) -> None:
    inner, outer = bounds(tile), buffered_bounds(tile, buffer)
    assert outer[0] <= inner[0] and outer[1] <= inner[1]
    assert outer[2] >= inner[2] and outer[3] >= inner[3]


def test_validity() -> None:
    assert is_valid(0, 0, 0) and is_valid(3, 3, 2) and is_valid(0, 0, MAX_ZOOM)
    assert not is_valid(4, 0, 2) and not is_valid(0, -1, 2) and not is_valid(0, 0, MAX_ZOOM + 1)
    assert pytest.approx(20037508.342789244) == HALF_WORLD_M


@given(korea_lon, korea_lat, korea_lon, korea_lat, st.integers(0, 14))
def test_tiles_in_covers_a_bbox(a: float, b: float, c: float, d: float, z: int) -> None:
    bbox = (min(a, c), min(b, d), max(a, c), max(b, d))
    found = set(tiles_in(bbox, z))
    assert len(found) <= 400 or z > 10
    for lon, lat in ((bbox[0], bbox[1]), (bbox[2], bbox[3]), (a, d), (c, b)):
        assert tile_for(lon, lat, z) in found


@pytest.mark.parametrize("cells", [0, 3, 5, 100, 8192])
def test_a_grid_must_divide_the_tile(cells: int) -> None:
    with pytest.raises(ValueError):
        cell_size(cells)


@pytest.mark.parametrize("cells", [1, 2, 8, 16, 64, 4096])
def test_grid_cells_divide_the_tile(cells: int) -> None:
    assert cell_size(cells) * cells == EXTENT
    assert grid_cell(EXTENT - 1e-9, 0, cells) == (cells - 1, 0)


pixel_st = st.tuples(st.floats(-600, EXTENT + 600), st.floats(-600, EXTENT + 600))


@given(st.lists(pixel_st, max_size=200), st.sampled_from([1, 4, 16, 32, 64]))
def test_cluster_counts_add_up_to_the_pixels_inside_the_tile(
    pixels: list[tuple[float, float]], cells: int
) -> None:
    clusters = grid_clusters(pixels, cells)
    inside = [p for p in pixels if 0 <= p[0] < EXTENT and 0 <= p[1] < EXTENT]
    assert sum(c.count for c in clusters) == len(inside)
    assert len({grid_cell(c.px, c.py, cells) for c in clusters}) == len(clusters)
    size = cell_size(cells)
    for c in clusters:
        col, row = grid_cell(c.px, c.py, cells)
        members = [p for p in inside if grid_cell(*p, cells) == (col, row)]
        assert len(members) == c.count
        # the mean of a cell's pixels stays in the cell
        assert col * size - 1e-6 <= c.px <= (col + 1) * size + 1e-6
        assert row * size - 1e-6 <= c.py <= (row + 1) * size + 1e-6


@given(korea_lon, korea_lat, st.integers(1, 16), st.sampled_from([8, 16, 32]))
def test_a_point_lands_in_one_cell_of_one_tile(lon: float, lat: float, z: int, cells: int) -> None:
    tile = tile_for(lon, lat, z)
    (cluster,) = grid_clusters([tile_pixel(lon, lat, tile)], cells)
    assert cluster.count == 1
    assert math.isclose(pixel_lonlat(cluster.px, cluster.py, tile)[0], lon, abs_tol=1e-9)
