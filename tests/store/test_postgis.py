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

from layers.record import FeatureRecord
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
