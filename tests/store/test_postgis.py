"""The PostGIS store on a real database: atomic versioned swaps, reads, exact nearest."""

from __future__ import annotations

import random
import subprocess
import sys
import textwrap
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError

from geo.distance import distance_m, rank_key
from layers.record import FeatureRecord
from layers.store import FeatureQuery, NearQuery
from layers.store.postgis import PostgisStore, engine_url


def synthetic(layer: str, n: int, seed: int = 1, name: str = "place") -> list[FeatureRecord]:
    rnd = random.Random(seed)
    return [
        FeatureRecord(
            layer=layer,
            id=f"{layer}:test:{i:05d}",
            name=f"{name} {i}",
            lon=round(126.9 + rnd.random() * 0.2, 7),
            lat=round(37.5 + rnd.random() * 0.1, 7),
            address=f"서울특별시 중구 세종대로 {i}",
            sido="서울특별시",
            sigungu="중구" if i % 2 else "종로구",
            fee="free" if i % 3 else "paid",
            source=f"synthetic.csv#{i + 2}",
            props={"capacity": i, "kind": "a" if i % 2 else "b"},
        )
        for i in range(n)
    ]


@pytest.fixture
def pg(empty_db: str) -> Iterator[PostgisStore]:
    s = PostgisStore(empty_db)
    yield s
    s.close()


def test_replace_layer_then_read_back(pg: PostgisStore) -> None:
    records = synthetic("public_toilets", 50)
    outcome = pg.replace_layer("public_toilets", records, data_version="v1")
    assert outcome.changed and outcome.rows == 50
    assert pg.version("public_toilets") == "v1"
    assert pg.count("public_toilets") == 50
    got = pg.get("public_toilets", records[7].id)
    assert got == records[7]
    assert [r.id for r in pg.features("public_toilets")] == sorted(r.id for r in records)
    assert pg.get("public_toilets", "nope") is None
    assert pg.count("bike_stations") == 0


def test_filters_bbox_and_paging(pg: PostgisStore) -> None:
    records = synthetic("campsites", 200)
    pg.replace_layer("campsites", records, data_version="v1")
    bbox = (126.95, 37.52, 127.05, 37.58)
    inside = sorted(r.id for r in records if bbox[0] <= r.lon <= bbox[2] and bbox[1] <= r.lat <= bbox[3])
    assert pg.count("campsites", FeatureQuery(bbox=bbox)) == len(inside)
    page = [r.id for r in pg.features("campsites", FeatureQuery(bbox=bbox, limit=5, offset=5))]
    assert page == inside[5:10]
    jung = sorted(r.id for r in records if r.sigungu == "중구" and r.props["kind"] == "a")
    query = FeatureQuery(filters=(("sigungu", "중구"), ("kind", "a")))
    assert [r.id for r in pg.features("campsites", query)] == jung


def test_identical_reload_keeps_version_and_rows(pg: PostgisStore) -> None:
    records = synthetic("campsites", 20)
    pg.replace_layer("campsites", records, data_version="same")
    again = pg.replace_layer("campsites", records, data_version="same")
    assert not again.changed
    with pg.engine.connect() as conn:
        versions = conn.execute(text("SELECT count(*) FROM layer_version WHERE layer_id='campsites'"))
        assert versions.scalar_one() == 1


def test_keeps_the_last_three_versions(pg: PostgisStore) -> None:
    for i in range(5):
        pg.replace_layer("campsites", synthetic("campsites", 10 + i, seed=i), data_version=f"v{i}")
    assert pg.version("campsites") == "v4"
    assert pg.count("campsites") == 14
    with pg.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT data_version, status FROM layer_version WHERE layer_id='campsites' ORDER BY version_id")
        ).all()
    assert [tuple(r) for r in rows] == [("v2", "previous"), ("v3", "previous"), ("v4", "current")]


def test_failed_load_leaves_previous_version(pg: PostgisStore) -> None:
    pg.replace_layer("bike_stations", synthetic("bike_stations", 30), data_version="good")

    def broken() -> Iterator[FeatureRecord]:
        yield from synthetic("bike_stations", 10, seed=9)
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        pg.replace_layer("bike_stations", broken(), data_version="bad")
    assert pg.version("bike_stations") == "good"
    assert pg.count("bike_stations") == 30
    with pg.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM layer_version WHERE status='staging'")).scalar_one() == 0


def test_killed_load_leaves_previous_version(pg: PostgisStore, empty_db: str) -> None:
    pg.replace_layer("bike_stations", synthetic("bike_stations", 30), data_version="good")
    script = textwrap.dedent(
        f"""
        import os, signal, sys
        sys.path.insert(0, {str(__import__("pathlib").Path(__file__).resolve().parents[2])!r})
        from tests.store.test_postgis import synthetic
        from layers.store.postgis import PostgisStore
        def rows():
            for i, r in enumerate(synthetic("bike_stations", 5000, seed=3)):
                if i == 2500:
                    os.kill(os.getpid(), signal.SIGKILL)  # die in the middle of the COPY
                yield r
        PostgisStore({empty_db!r}).replace_layer("bike_stations", rows(), data_version="half")
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)
    assert proc.returncode == -9, proc.stderr.decode()
    assert pg.version("bike_stations") == "good"
    assert pg.count("bike_stations") == 30
    # the next load cleans the abandoned staging rows up
    pg.replace_layer("bike_stations", synthetic("bike_stations", 12, seed=4), data_version="next")
    with pg.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM layer_version WHERE status='staging'")).scalar_one() == 0
        assert conn.execute(text("SELECT count(*) FROM feature")).scalar_one() == 30 + 12


@pytest.mark.parametrize("seed", range(6))
def test_nearest_equals_brute_force(pg: PostgisStore, seed: int) -> None:
    rnd = random.Random(seed)
    a = synthetic("public_toilets", 300, seed=seed)
    b = synthetic("bike_stations", 300, seed=seed + 100)
    pg.replace_layer("public_toilets", a, data_version="a")
    pg.replace_layer("bike_stations", b, data_version="b")
    for _ in range(10):
        lon, lat = 126.9 + rnd.random() * 0.2, 37.5 + rnd.random() * 0.1
        limit, radius = rnd.choice([1, 5, 10, 40]), rnd.choice([300.0, 2000.0, 20000.0])
        layers = rnd.choice([("public_toilets",), ("public_toilets", "bike_stations")])
        hits = pg.nearest(NearQuery(lon, lat, layers, limit=limit, radius_m=radius))
        expected = sorted(
            (
                (round(distance_m(lon, lat, r.lon, r.lat), 1), r.id)
                for r in (a + b)
                if r.layer in layers
            ),
            key=lambda t: rank_key(*t),
        )
        expected = [t for t in expected if t[0] <= radius][:limit]
        got = [(h.distance_m, h.feature.id) for h in hits]
        assert [i for _, i in got] == [i for _, i in expected]
        for (d1, _), (d2, _) in zip(got, expected, strict=True):
            assert abs(d1 - d2) <= 0.1


def test_reader_role_cannot_write(pg: PostgisStore, empty_db: str) -> None:
    pg.replace_layer("campsites", synthetic("campsites", 3), data_version="v1")
    reader_url = make_url(engine_url(empty_db)).set(username="sharemap_reader")
    reader = PostgisStore(reader_url.render_as_string(hide_password=False))
    assert reader.count("campsites") == 3  # it can read
    engine = create_engine(reader_url)
    with engine.connect() as conn, pytest.raises(ProgrammingError, match="permission denied"):
        conn.execute(text("DELETE FROM feature"))
    with engine.connect() as conn, pytest.raises(ProgrammingError, match="permission denied"):
        conn.execute(text("INSERT INTO layer_version (layer_id, data_version, status) VALUES ('x','y','staging')"))
    engine.dispose()
    reader.close()


def test_nearest_with_filters_and_predicate(pg: PostgisStore) -> None:
    records = synthetic("public_toilets", 400, seed=5)
    pg.replace_layer("public_toilets", records, data_version="v")
    lon, lat = 127.0, 37.55

    def odd(r: FeatureRecord) -> bool:
        return int(r.id[-5:]) % 2 == 1

    query = NearQuery(lon, lat, ("public_toilets",), limit=7, filters=(("fee", "free"),), accept=odd)
    got = [h.feature.id for h in pg.nearest(query)]
    expected = sorted(
        ((round(distance_m(lon, lat, r.lon, r.lat), 1), r.id) for r in records if r.fee == "free" and odd(r)),
        key=lambda t: rank_key(*t),
    )[:7]
    assert got == [i for _, i in expected]


def test_layer_info_and_datetime_filter(pg: PostgisStore) -> None:
    records = [
        FeatureRecord(**{**r.__dict__, "updated_at": f"2024-0{1 + i % 3}-15"})
        for i, r in enumerate(synthetic("campsites", 30))
    ]
    pg.replace_layer("campsites", records, data_version="v9", stats={"rows_read": 31})
    info = pg.layer_info("campsites")
    assert info is not None and info.count == 30 and info.data_version == "v9"
    assert info.bbox == (
        min(r.lon for r in records),
        min(r.lat for r in records),
        max(r.lon for r in records),
        max(r.lat for r in records),
    )
    assert (info.updated_min, info.updated_max) == ("2024-01-15", "2024-03-15")
    assert info.stats["rows_read"] == 31
    feb = FeatureQuery(datetime=("2024-02-01", "2024-02-28"))
    assert pg.count("campsites", feb) == sum(1 for r in records if r.updated_at == "2024-02-15")
    assert pg.layer_info("bike_stations") is None
