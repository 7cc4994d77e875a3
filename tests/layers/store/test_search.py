"""Place search (layers.store.places_search): the same answers from the PostGIS store's SQL and from the
default scan over regions() and features(), on hand-made rows and on the real files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import shapely

from layers import registry
from layers.record import FeatureRecord, Region
from layers.store import Store
from layers.store.places_search import Place, rank_key, terms

QUERIES = (
    "강남",
    "서울 강남구",
    "시청",
    "중구",
    "화장실 종로",
    "해운대",
    "역",
    "%",
    "_",
    "zzzz",
    "A b",
)


@pytest.fixture(params=[pytest.param("postgis", marks=pytest.mark.postgis), "embedded"])
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    store: Store
    if request.param == "postgis":
        from layers.store.postgis import PostgisStore

        store = PostgisStore(request.getfixturevalue("empty_db"))
    else:
        from layers.store.embedded import EmbeddedStore

        store = EmbeddedStore(tmp_path / "store")
    yield store
    store.close()


def feature(layer: str, key: str, name: str, address: str | None) -> FeatureRecord:
    return FeatureRecord(
        layer=layer, id=f"{layer}:t:{key}", name=name, lon=127.0, lat=37.5, address=address
    )


def square(x: float, y: float) -> bytes:
    return shapely.to_wkb(shapely.MultiPolygon([shapely.box(x, y, x + 0.1, y + 0.1)]))


def load(store: Store) -> None:
    store.replace_regions(
        [
            Region("11680", "서울특별시", "강남구", square(127.0, 37.45)),
            Region("26350", "부산광역시", "해운대구", square(129.1, 35.15)),
            Region("11140", "서울특별시", "중구", square(126.95, 37.55)),
        ],
        data_version="r1",
    )
    toilets = [
        feature("public_toilets", "1", "강남역 화장실", "서울특별시 강남구 강남대로 396"),
        feature("public_toilets", "2", "역삼공원 화장실", "서울특별시 강남구 테헤란로7길 21"),
        feature("public_toilets", "3", "해운대해수욕장 2호", "부산광역시 해운대구 우동"),
        feature("public_toilets", "4", "50% 할인_주차", None),
    ]
    bikes = [feature("bike_stations", "1", "강남구청", "서울특별시 강남구 학동로 346")]
    store.replace_layer("public_toilets", toilets, data_version="t1")
    store.replace_layer("bike_stations", bikes, data_version="b1")


def ids(places: list[Place]) -> list[str]:
    return [p.id for p in places]


def test_words_are_lower_cased_distinct_and_capped() -> None:
    assert terms("  Seoul  seoul 강남 ") == ("seoul", "강남")
    assert len(terms("a b c d e f g")) == 5


def test_every_word_must_match_and_regions_rank_first_among_equals(any_store: Store) -> None:
    load(any_store)
    found = any_store.search("강남", layers=registry.LAYER_IDS, limit=10)
    # names starting with a word first, regions before features, shorter names first
    assert ids(found) == ["11680", "bike_stations:t:1", "public_toilets:t:1", "public_toilets:t:2"]
    region = found[0]
    assert (region.kind, region.name, region.address, region.layer) == (
        "region",
        "강남구",
        "서울특별시",
        None,
    )
    assert shapely.box(127.0, 37.45, 127.1, 37.55).contains(shapely.Point(region.lon, region.lat))
    both = any_store.search("강남 화장실", layers=registry.LAYER_IDS, limit=10)
    assert ids(both) == ["public_toilets:t:1", "public_toilets:t:2"]


def test_layers_and_limit(any_store: Store) -> None:
    load(any_store)
    assert ids(any_store.search("강남", layers=("bike_stations",), limit=10)) == [
        "11680",
        "bike_stations:t:1",
    ]
    assert ids(any_store.search("강남", layers=registry.LAYER_IDS, limit=2)) == [
        "11680",
        "bike_stations:t:1",
    ]
    assert any_store.search("  ", layers=registry.LAYER_IDS, limit=5) == []


def test_like_wildcards_are_literal(any_store: Store) -> None:
    load(any_store)
    assert ids(any_store.search("%", layers=registry.LAYER_IDS, limit=5)) == ["public_toilets:t:4"]
    assert ids(any_store.search("_", layers=registry.LAYER_IDS, limit=5)) == ["public_toilets:t:4"]


@pytest.mark.postgis
@pytest.mark.parametrize("query", QUERIES)
def test_postgis_sql_agrees_with_the_default_scan_on_the_real_files(
    store: Store, query: str
) -> None:
    fast = store.search(query, layers=registry.LAYER_IDS, limit=12)
    scanned = Store.search(store, query, layers=registry.LAYER_IDS, limit=12)
    assert ids(fast) == ids(scanned)
    for a, b in zip(fast, scanned, strict=True):
        assert a == Place(a.kind, b.id, b.name, b.address, b.layer, a.lon, a.lat)
        assert abs(a.lon - b.lon) < 1e-9 and abs(a.lat - b.lat) < 1e-9
    words = terms(query)
    if fast:
        assert [rank_key(words, p) for p in fast] == sorted(rank_key(words, p) for p in fast)
