"""What only the PostGIS store has: its tables after loads, a load killed mid-COPY, the reader
role. The behaviour both stores share is in test_contract.py."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError

from layers.record import FeatureRecord, Reject
from layers.store.postgis import PostgisStore, engine_url
from tests.layers.store.synthetic import synthetic

pytestmark = pytest.mark.postgis

ROOT = Path(__file__).resolve().parents[3]


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
        from tests.layers.store.synthetic import synthetic
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


# -- near-me from the snapshot, kept current by LISTEN/NOTIFY ---------------------------------


def _hit_list(hits: list) -> list[tuple[str, float]]:
    return [(h.feature.id, h.distance_m) for h in hits]


def _wait_for(check: Callable[[], bool], timeout_s: float = 20.0) -> float:
    """Seconds until `check()` holds (fails after `timeout_s`)."""
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < timeout_s, "not seen in time"
        time.sleep(0.02)
    return time.monotonic() - started


def test_near_me_asks_the_database_nothing_once_the_snapshot_is_mapped(
    pg: PostgisStore, tmp_path: Path
) -> None:
    from layers.store import NearQuery

    pg.replace_layer("campsites", synthetic("campsites", 40), data_version="a")
    q = NearQuery(126.95, 37.55, ("campsites",), limit=5)
    before = pg.nearest(q)
    assert len(before) == 5

    def no_database(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a database round trip on the near-me path")

    pg._connect = no_database  # type: ignore[method-assign]
    pg.reader.rows = no_database  # type: ignore[method-assign]
    assert _hit_list(pg.nearest(q)) == _hit_list(before)


def test_near_me_follows_another_process_load_and_rollback(pg: PostgisStore, empty_db: str) -> None:
    from layers.store import NearQuery

    pg.replace_layer("campsites", synthetic("campsites", 30, name="old"), data_version="a")
    q = NearQuery(126.95, 37.55, ("campsites",), limit=5)
    assert all(h.feature.name.startswith("old") for h in pg.nearest(q))
    other = PostgisStore(empty_db)  # another process's load: this one hears its NOTIFY
    other.replace_layer(
        "campsites", synthetic("campsites", 30, seed=9, name="new"), data_version="b"
    )
    _wait_for(lambda: all(h.feature.name.startswith("new") for h in pg.nearest(q)))
    assert _hit_list(pg.nearest(q)) == _hit_list(other.nearest(q))
    assert other.rollback("campsites") == "a"
    _wait_for(lambda: all(h.feature.name.startswith("old") for h in pg.nearest(q)))
    other.close()


def test_without_notices_the_version_check_still_catches_up(
    pg: PostgisStore, empty_db: str
) -> None:
    from layers.store import NearQuery
    from layers.store.postgis import watch

    pg.replace_layer("campsites", synthetic("campsites", 30, name="old"), data_version="a")
    q = NearQuery(126.95, 37.55, ("campsites",), limit=5)
    pg.nearest(q)
    assert pg._watcher is not None
    pg._watcher.stop()  # nobody listens now: a poller like a read replica's reader
    calls = []
    poller = watch.VersionWatcher("postgresql://nobody@127.0.0.1:1/none", lambda: calls.append(1))
    other = PostgisStore(empty_db)
    other.replace_layer("campsites", synthetic("campsites", 30, name="new"), data_version="b")
    _wait_for(lambda: len(calls) >= 2)  # polls every POLL_S while it cannot listen
    poller.stop()
    assert not poller.listening.is_set()
    with pg.engine.connect() as conn:
        versions = watch.point_versions(conn.connection.driver_connection)
    current = (
        "SELECT version_id FROM layer_version WHERE layer_id = 'campsites' AND status = 'current'"
    )
    assert versions == {"campsites": scalar(pg, current)}
    pg._refresh_near()  # what each poll does
    assert all(h.feature.name.startswith("new") for h in pg.nearest(q))
    other.close()


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
