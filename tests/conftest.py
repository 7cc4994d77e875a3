"""Shared fixtures: the real source files, and a PostGIS database and an embedded store built
from them once per session; every file the session writes goes under one temporary directory."""

from __future__ import annotations

import os
import shutil
import tempfile
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

_SESSION_ROOT = pytest.StashKey[Path]()


def pytest_configure(config: pytest.Config) -> None:
    """One temporary directory for the session, removed at its end: the temporary files of
    the tests and of what they start (near-me snapshots, tile archives, pytest's tmp_path), the
    SHAREMAP_DATA_DIR of anything that reads the environment, and the default data directory
    (under XDG_DATA_HOME) of an app made with no SHAREMAP_DATA_DIR."""
    root = Path(tempfile.mkdtemp(prefix="sharemap-tests-"))
    root.chmod(0o755)  # programs run as another user (tests/app/cluster.py) may pass through
    config.stash[_SESSION_ROOT] = root
    tempfile.tempdir = str(root)
    os.environ["TMPDIR"] = str(root)
    os.environ["SHAREMAP_DATA_DIR"] = str(root / "data")
    os.environ["XDG_DATA_HOME"] = str(root / "xdg-data")


def pytest_unconfigure(config: pytest.Config) -> None:
    root = config.stash.get(_SESSION_ROOT, None)
    if root is not None:
        tempfile.tempdir = None
        shutil.rmtree(root, ignore_errors=True)


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


def load_real_files(store: Any, source_dir: Path, report_dir: Path) -> list:
    """Every layer loaded from the real files into `store` (as `sharemap load` does); the
    load reports."""
    from etl.load.inputs import JobSettings
    from etl.load.job import run
    from layers import registry

    settings = JobSettings(source_dir=source_dir, report_dir=report_dir)
    try:
        return run(store, registry.LAYER_IDS, settings)
    finally:
        store.close()


@pytest.fixture(scope="session")
def loaded_db(
    real_source_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, list]]:
    """A database with every layer loaded from the real files, and the load reports. Shared
    by every test of the session: tests that write make their own (empty_db, cluster)."""
    from layers.store.postgis import PostgisStore

    url = create_database()
    reports = load_real_files(
        PostgisStore(url), real_source_dir, tmp_path_factory.mktemp("reports")
    )
    yield url, reports
    drop_database(url)


@pytest.fixture(scope="session")
def loaded_dir(
    real_source_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, list]:
    """A SHAREMAP_DATA_DIR whose embedded store has every layer loaded from the real files,
    and the load reports; shared by every test of the session that only reads it."""
    from layers.store import embedded_dir
    from layers.store.embedded import EmbeddedStore

    data_dir = tmp_path_factory.mktemp("embedded-data")
    reports = load_real_files(
        EmbeddedStore(embedded_dir(data_dir)), real_source_dir, data_dir / "reports"
    )
    return data_dir, reports


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
