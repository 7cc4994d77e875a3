"""Shared fixtures: the real source files and a PostGIS database built from them per session."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from layers.config import default_source_dir

# `sharemap load` builds the tile archive after its swap (about a minute for the real files);
# the many loads of the ETL tests skip it, and tests/etl/test_load_tiles.py asks for it.
os.environ.setdefault("SHAREMAP_BUILD_TILES", "0")

ADMIN_URL = os.environ.get(
    "SHAREMAP_TEST_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def source_dir() -> Path:
    configured = os.environ.get("SHAREMAP_SOURCE_DIR")
    return Path(configured) if configured else default_source_dir()


@pytest.fixture(scope="session")
def real_source_dir() -> Path:
    path = source_dir()
    if not path.is_dir():
        pytest.skip(f"the real source files are not at {path} (set SHAREMAP_SOURCE_DIR)")
    return path


def _admin_engine():  # type: ignore[no-untyped-def]
    from layers.store.postgis import engine_url

    return create_engine(engine_url(ADMIN_URL), isolation_level="AUTOCOMMIT")


def create_database(prefix: str = "sharemap_test") -> str:
    """A new empty database with the sharemap schema migrated in; returns its URL."""
    from sqlalchemy.engine import make_url

    from layers.store.postgis.migrate import upgrade

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    engine = _admin_engine()
    try:
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # no server: fail loudly, never mock PostGIS away
        pytest.fail(f"PostgreSQL is not reachable at {ADMIN_URL}: {exc}")
    finally:
        engine.dispose()
    url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    return url


def drop_database(url: str) -> None:
    from sqlalchemy.engine import make_url

    name = make_url(url).database
    engine = _admin_engine()
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture
def empty_db() -> Iterator[str]:
    url = create_database()
    yield url
    drop_database(url)


@pytest.fixture(scope="session")
def loaded_db(
    real_source_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, list]]:
    """A database with every layer loaded from the real files, and the load reports."""
    from etl.load.inputs import JobSettings
    from etl.load.job import run
    from layers import registry
    from layers.store.postgis import PostgisStore

    url = create_database()
    store = PostgisStore(url)
    settings = JobSettings(
        source_dir=real_source_dir, report_dir=tmp_path_factory.mktemp("reports")
    )
    reports = run(store, registry.LAYER_IDS, settings)
    store.close()
    yield url, reports
    drop_database(url)


@pytest.fixture
def store(loaded_db):  # type: ignore[no-untyped-def]
    from layers.store.postgis import PostgisStore

    s = PostgisStore(loaded_db[0])
    yield s
    s.close()


CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="session")
def playwright() -> Iterator[Any]:
    """One Playwright for every browser test: a second sync_playwright() started while the
    first one's event loop runs fails."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists() and shutil.which("chromium") is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    with sync_api.sync_playwright() as pw:
        yield pw
