"""What only the PostGIS store has: its tables after loads, a load killed mid-COPY, the reader
role. The behaviour both stores share is in test_contract.py."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError

from layers.record import FeatureRecord, Reject
from layers.store.postgis import PostgisStore, engine_url
from tests.store.synthetic import synthetic

pytestmark = pytest.mark.postgis

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def pg(empty_db: str) -> Iterator[PostgisStore]:
    s = PostgisStore(empty_db)
    yield s
    s.close()


def scalar(pg: PostgisStore, sql: str) -> int:
    with pg.engine.connect() as conn:
        return int(conn.execute(text(sql)).scalar_one())


def test_identical_reload_adds_no_version_row(pg: PostgisStore) -> None:
    records = synthetic("campsites", 20)
    pg.replace_layer("campsites", records, data_version="same")
    pg.replace_layer("campsites", records, data_version="same")
    assert scalar(pg, "SELECT count(*) FROM layer_version WHERE layer_id='campsites'") == 1


def test_keeps_three_version_rows_and_rollback_drops_the_current_rows(pg: PostgisStore) -> None:
    for i in range(5):
        pg.replace_layer("campsites", synthetic("campsites", 10 + i, seed=i), data_version=f"v{i}")
    with pg.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT data_version, status FROM layer_version WHERE layer_id='campsites' ORDER BY version_id"
            )
        ).all()
    assert [tuple(r) for r in rows] == [("v2", "previous"), ("v3", "previous"), ("v4", "current")]
    assert scalar(pg, "SELECT count(*) FROM feature") == 12 + 13 + 14
    assert pg.rollback("campsites") == "v3"
    assert scalar(pg, "SELECT count(*) FROM feature") == 12 + 13
    assert scalar(pg, "SELECT count(*) FROM layer_version WHERE status='current'") == 1


def test_failed_load_leaves_no_staging_rows(pg: PostgisStore) -> None:
    pg.replace_layer("bike_stations", synthetic("bike_stations", 30), data_version="good")

    def broken() -> Iterator[FeatureRecord]:
        yield from synthetic("bike_stations", 10, seed=9)
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        pg.replace_layer("bike_stations", broken(), data_version="bad")
    assert scalar(pg, "SELECT count(*) FROM layer_version WHERE status='staging'") == 0
    assert scalar(pg, "SELECT count(*) FROM feature") == 30


def test_killed_load_leaves_previous_version(pg: PostgisStore, empty_db: str) -> None:
    pg.replace_layer("bike_stations", synthetic("bike_stations", 30), data_version="good")
    script = textwrap.dedent(
        f"""
        import os, signal, sys
        sys.path.insert(0, {str(ROOT)!r})
        from tests.store.synthetic import synthetic
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
    assert scalar(pg, "SELECT count(*) FROM layer_version WHERE status='staging'") == 0
    assert scalar(pg, "SELECT count(*) FROM feature") == 30 + 12


def test_reader_role_cannot_write(pg: PostgisStore, empty_db: str) -> None:
    pg.replace_layer("campsites", synthetic("campsites", 2), data_version="v0")
    pg.replace_layer("campsites", synthetic("campsites", 3), data_version="v1")
    reader_url = make_url(engine_url(empty_db)).set(username="sharemap_reader")
    reader = PostgisStore(reader_url.render_as_string(hide_password=False))
    assert reader.count("campsites") == 3  # it can read
    pg.store_rejects("campsites", "v1", [Reject("campsites", "a.csv", 2, "duplicate")])
    assert [r.reason for r in reader.rejects("campsites")] == ["duplicate"]
    engine = create_engine(reader_url)
    with engine.connect() as conn, pytest.raises(ProgrammingError, match="permission denied"):
        conn.execute(text("DELETE FROM feature"))
    with engine.connect() as conn, pytest.raises(ProgrammingError, match="permission denied"):
        conn.execute(
            text(
                "INSERT INTO layer_version (layer_id, data_version, status) VALUES ('x','y','staging')"
            )
        )
    with pytest.raises(ProgrammingError, match="permission denied"):
        reader.rollback("campsites")
    assert pg.version("campsites") == "v1"
    engine.dispose()
    reader.close()


# -- near-me from the in-memory copy of the points (mirror.py) ---------------------------------

NEAR_LAYERS = ("bike_stations", "public_toilets", "campsites")


def _hit_list(hits: list) -> list[tuple[str, float]]:
    return [(h.feature.id, h.distance_m) for h in hits]


def test_near_me_from_the_copy_equals_the_sql_search(pg: PostgisStore) -> None:
    import random

    from layers.store import NearQuery

    for k, layer_id in enumerate(NEAR_LAYERS):
        records = synthetic(layer_id, 150, seed=k)
        records = [
            FeatureRecord(**{**r.__dict__, "wheelchair": (True, False, None)[i % 3]})
            for i, r in enumerate(records)
        ]
        pg.replace_layer(layer_id, records, data_version="a")
    pg.nearest(NearQuery(126.95, 37.55, NEAR_LAYERS))  # the first one reads the copy
    rnd = random.Random(3)
    for _ in range(150):
        layers = rnd.choice([NEAR_LAYERS, ("campsites",), ("public_toilets", "bike_stations")])
        q = NearQuery(
            round(rnd.uniform(126.85, 127.15), 5),
            round(rnd.uniform(37.45, 37.65), 5),
            layers,
            limit=rnd.choice([1, 10, 50]),
            radius_m=rnd.choice([300.0, 3000.0, 20000.0]),
            filters=rnd.choice([(), (("fee", "free"),), (("wheelchair", "true"),)]),
        )
        assert pg._mirror.plan(q.layers, q.filters) is not None
        mirrored = pg.nearest(q)
        assert _hit_list(mirrored) == _hit_list(pg._nearest_sql(q))
        # whole records, as the SQL search reads them
        assert [h.feature for h in mirrored] == [h.feature for h in pg._nearest_sql(q)]


def test_near_me_never_answers_from_an_old_copy(pg: PostgisStore, empty_db: str) -> None:
    from layers.store import NearQuery

    pg.replace_layer("campsites", synthetic("campsites", 30, name="old"), data_version="a")
    q = NearQuery(126.95, 37.55, ("campsites",), limit=5)
    pg.nearest(q)
    assert not pg._mirror.stale
    other = PostgisStore(empty_db)  # another process's load
    other.replace_layer(
        "campsites", synthetic("campsites", 30, seed=9, name="new"), data_version="b"
    )
    hits = pg.nearest(q)
    assert hits and all(h.feature.name.startswith("new") for h in hits)
    assert _hit_list(hits) == _hit_list(pg._nearest_sql(q))
    assert not pg._mirror.stale  # read again for the next request
    assert other.rollback("campsites") == "a"
    hits = pg.nearest(q)
    assert all(h.feature.name.startswith("old") for h in hits)
    other.close()


def test_near_me_record_cache_is_bounded_and_keyed_by_version(pg: PostgisStore) -> None:
    from layers.store import NearQuery
    from layers.store.postgis.mirror import RecordCache

    cache = RecordCache(3)
    records = synthetic("campsites", 5)
    for r in records:
        cache.put((1, r.id), r)
    assert [cache.get((1, r.id)) for r in records] == [None, None, *records[2:]]

    pg.replace_layer("campsites", synthetic("campsites", 30, name="first"), data_version="a")
    q = NearQuery(126.95, 37.55, ("campsites",), limit=5)
    pg.nearest(q)
    first = pg.nearest(q)  # from the cache now
    assert pg._mirror.records.get((1, first[0].feature.id)) is first[0].feature
    pg.replace_layer("campsites", synthetic("campsites", 30, name="second"), data_version="b")
    assert all(h.feature.name.startswith("second") for h in pg.nearest(q))


def test_csv_built_in_sql_quotes_like_python(pg: PostgisStore) -> None:
    from dataclasses import replace

    from layers import export
    from layers.store.base import Store

    tricky = ["a,b", 'say "hi"', "line\nbreak", "cr\rhere", "", " spaced ", "plain", "쉼표,한글"]
    records = [
        replace(r, name=f"n{i} {tricky[i % len(tricky)]}", address=tricky[(i + 3) % len(tricky)])
        for i, r in enumerate(synthetic("campsites", 24))
    ]
    pg.replace_layer("campsites", records, data_version="q")
    fast = "".join(pg.export("campsites", "csv"))
    slow = "".join(Store.export(pg, "campsites", "csv"))
    assert fast == slow
    assert '"a,b"' in fast and '"say ""hi"""' in fast and '"line\nbreak"' in fast
    assert fast.endswith("\r\n") and export.csv_columns("campsites")


def test_a_failed_near_me_copy_is_not_read_again_by_every_request() -> None:
    from layers.store.postgis.mirror import NearMirror

    mirror = NearMirror()
    calls = []

    def failing() -> dict[str, int]:
        calls.append(1)
        raise RuntimeError("statement timeout")

    with pytest.raises(RuntimeError):
        mirror.refresh(failing, lambda layer, version: None)  # type: ignore[arg-type, return-value]
    mirror.refresh(failing, lambda layer, version: None)  # type: ignore[arg-type, return-value]
    assert len(calls) == 1 and mirror.stale
    assert mirror.plan(("campsites",), ()) is None  # SQL answers meanwhile


def test_a_schema_without_the_reject_table_asks_for_db_upgrade(empty_db: str) -> None:
    from alembic import command

    from layers.store.base import StoreUnavailable
    from layers.store.postgis.migrate import alembic_config, upgrade

    command.downgrade(alembic_config(empty_db), "-1")  # before 0003
    old = PostgisStore(empty_db)
    try:
        with pytest.raises(StoreUnavailable, match="sharemap db upgrade"):
            old.check()
        with pytest.raises(StoreUnavailable, match="sharemap db upgrade"):
            old.rejects("campsites")
        upgrade(empty_db)
        old.check()
        assert old.rejects("campsites") == []
    finally:
        old.close()
