"""Degrees or which Korean TM CRS: told from the values, confirmed by the rows' addresses."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

import numpy as np
import pytest

from etl.detect_crs import CrsChoice, CrsError, Place, address_place, choose_crs
from etl.read import read_table
from etl.regions import RegionIndex, read_regions
from etl.validate import BadNumber, parse_number
from geo.crs import from_wgs84
from tests.conftest import source_dir

pytestmark = pytest.mark.skipif(
    not source_dir().is_dir(), reason="the real source files are not available"
)

Rows = tuple[np.ndarray, np.ndarray, list[Place | None]]


@cache
def regions() -> RegionIndex:
    return RegionIndex(
        read_regions(source_dir() / "boundaries/admdongkor_sgg_2022_vote_simple.geojson")
    )


@cache
def rows(name: str, x: str, y: str, addresses: tuple[str, ...]) -> Rows:
    xs, ys, places = [], [], []
    for _, row in read_table(source_dir() / name).rows:
        try:
            xv, yv = float(row[x] or ""), float(row[y] or "")
        except ValueError:
            continue
        xs.append(xv)
        ys.append(yv)
        places.append(address_place([row.get(a) for a in addresses]))
    return np.array(xs), np.array(ys), places


def campgrounds() -> Rows:
    return rows(
        "campsites/localdata_general_campgrounds_tm5174.csv",
        "좌표정보(x)",
        "좌표정보(y)",
        ("도로명전체주소", "소재지전체주소"),
    )


def shelters() -> Rows:
    return rows(
        "cooling_shelters/seoul_cooling_shelters_2026.csv",
        "경도",
        "위도",
        ("도로명주소", "지번주소"),
    )


def choose(xs: np.ndarray, ys: np.ndarray, places: Sequence[Place | None], **kw: Any) -> CrsChoice:
    return choose_crs(xs, ys, places.__getitem__, regions(), **kw)


def test_the_declared_crs_wins_when_it_fits() -> None:
    x, y, places = campgrounds()
    choice = choose(x, y, places, declared=5174)
    assert (choice.epsg, choice.swapped) == (5174, False)
    assert "declared by the schema" in choice.how
    assert choice.evidence is not None and choice.evidence.agreement == pytest.approx(
        1.0, abs=0.002
    )


def test_undeclared_bessel_metres_are_told_apart_by_their_addresses() -> None:
    """5174, 2097 and 5181 lie 250-300 m apart; on 3,222 campgrounds 5174 disagrees with
    one address, the others with dozens: clearly better."""
    x, y, places = campgrounds()
    for declared in (None, 4326, 5186):
        choice = choose(x, y, places, declared=declared)
        assert (choice.epsg, choice.swapped) == (5174, False), declared
        assert "detected" in choice.how


def test_swapped_projected_columns_are_detected() -> None:
    x, y, places = campgrounds()
    choice = choose(y, x, places)
    assert (choice.epsg, choice.swapped) == (5174, True)


def test_a_small_file_of_bessel_metres_is_ambiguous() -> None:
    x, y, places = campgrounds()
    with pytest.raises(
        CrsError, match=r"do not tell these CRSs clearly apart.*--crs EPSG:NNNN"
    ) as raised:
        choose(x[:100], y[:100], places[:100])
    assert "EPSG:5174" in str(raised.value) and "EPSG:2097" in str(raised.value)


def test_metres_without_addresses_are_refused_unless_declared() -> None:
    x, y, _ = campgrounds()
    nowhere: list[Place | None] = [None] * len(x)
    with pytest.raises(CrsError, match="--crs EPSG:NNNN"):
        choose(x, y, nowhere)
    assert choose(x, y, nowhere, declared=5174).epsg == 5174


def test_the_override_is_used_as_given() -> None:
    x, y, places = campgrounds()
    choice = choose(x[:100], y[:100], places[:100], override=2097)
    assert choice.epsg == 2097 and "--crs" in choice.how


@pytest.mark.parametrize("epsg", [5174, 5179, 5181, 5186, 2097])
def test_every_korean_tm_crs_is_detected_on_seoul_shelters(epsg: int) -> None:
    lon, lat, places = shelters()
    x, y = from_wgs84(lon, lat, epsg)
    choice = choose(x, y, places, declared=4326)
    assert (choice.epsg, choice.swapped) == (epsg, False)


def test_metres_fitting_nowhere_are_refused() -> None:
    lon, lat, places = shelters()
    x, y = from_wgs84(lon, lat, 5186)
    with pytest.raises(CrsError, match="fit none"):
        choose(x + 400_000, y, places)


def test_degrees_are_degrees_even_when_declared_otherwise() -> None:
    lon, lat, places = shelters()
    choice = choose(lon, lat, places, declared=5174)
    assert choice.epsg == 4326 and "says EPSG:5174 but the values are degrees" in choice.how
    swapped = choose(lat, lon, places)
    assert swapped.epsg == 4326 and "swapped" in swapped.how


def test_utmk_centroids_are_detected_from_their_names() -> None:
    x, y, places = rows("boundaries/admdongkor_hjd_centroids_utmk5179.tsv", "X", "Y", ("ADMNM",))
    assert choose(x, y, places).epsg == 5179


@pytest.mark.parametrize(
    ("text", "decimal_comma", "value"),
    [
        ("127.0276", False, 127.0276),
        ("1,234.5", False, 1234.5),
        ("37,5665", True, 37.5665),
        ("1.234,5", True, 1234.5),
        (" ", False, None),
        (None, False, None),
    ],
)
def test_parse_number(text: str | None, decimal_comma: bool, value: float | None) -> None:
    assert parse_number(text, decimal_comma=decimal_comma) == value


@pytest.mark.parametrize("text", ["NaN", "nan", "inf", "-Infinity", "1e999", "37.5°", "x"])
def test_parse_number_refuses_what_is_not_a_finite_number(text: str) -> None:
    with pytest.raises(BadNumber):
        parse_number(text)
