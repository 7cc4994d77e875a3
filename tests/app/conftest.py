"""Fixtures of the HTTP API tests: the app on the real loaded data, a live server for real
clients (GDAL, geopandas), and every row of every layer for brute-force checks.

Every test that asks for the app (`api_app`, `api`, `live_url`) or for the rows of the store
under test (`app_store`, `all_rows`) runs twice: on the embedded store (the default, without
DATABASE_URL) and on PostGIS, each loaded once per session. A test marked `postgis` (a
replica, faults of the database, LISTEN/NOTIFY, SQL) runs on PostGIS only; `pg_store` is
always the PostGIS store."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from app import create_app
from app.context import STORE_KEY
from layers import registry
from layers.record import FeatureRecord
from layers.store import Store, embedded_dir
from layers.store.embedded import EmbeddedStore
from layers.store.postgis import PostgisStore

STORE_KINDS = ("embedded", "postgis")

PROBLEM_KEYS = {"type", "title", "status", "detail", "code", "instance"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def assert_problem(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """The response is an application/problem+json error of `status` (and message `code`)."""
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert set(body) >= PROBLEM_KEYS, body
    assert body["status"] == status
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]
    if code is not None:
        assert body["code"] == code, body
    return dict(body)


ROOT = Path(__file__).resolve().parents[2]
CLI = [sys.executable, str(ROOT / "cli.py")]


def store_env(settings: Mapping[str, str]) -> dict[str, str]:
    """The environment of a `sharemap` process on the store of `settings` (and no other)."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DATABASE_READ_URL")}
    return {**env, **settings}


@contextlib.contextmanager
def sharemap_serve(
    env: Mapping[str, str], log: Path, workers: int = 2
) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """`sharemap serve` on a free port, once /healthz answers ok; stopped with SIGTERM (its
    output goes to `log`). Yields the process and its base URL."""
    port = free_port()
    with log.open("w") as out:
        proc = subprocess.Popen(
            [*CLI, "serve", "--port", str(port), "--workers", str(workers)],
            env=dict(env),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=1) as r:
                    assert json.load(r) == {"status": "ok"}
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail(log.read_text())
        yield proc, base
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)


class LiveServer:
    """The app under werkzeug's threaded server on a free port, in a thread of the test."""

    def __init__(self, app: Flask) -> None:
        self.port = free_port()
        self.server = make_server("127.0.0.1", self.port, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.thread.join(10)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """The store under test: both, or PostGIS alone for a test (or module) marked postgis."""
    if "store_kind" not in metafunc.fixturenames:
        return
    only_postgis = metafunc.definition.get_closest_marker("postgis") is not None
    kinds = ("postgis",) if only_postgis else STORE_KINDS
    params = [
        pytest.param(kind, marks=[pytest.mark.postgis] if kind == "postgis" else [])
        for kind in kinds
    ]
    metafunc.parametrize("store_kind", params, scope="session")


@pytest.fixture(scope="session")
def store_settings(store_kind: str, request: pytest.FixtureRequest) -> dict[str, str]:
    """The settings that open the store under test: DATABASE_URL, or the SHAREMAP_DATA_DIR
    of the loaded embedded store."""
    if store_kind == "postgis":
        return {"DATABASE_URL": request.getfixturevalue("loaded_db")[0]}
    return {"SHAREMAP_DATA_DIR": str(request.getfixturevalue("loaded_dir")[0])}


@pytest.fixture(scope="session")
def app_reports(store_kind: str, request: pytest.FixtureRequest) -> list:
    """The load reports of the store under test."""
    loaded = request.getfixturevalue("loaded_db" if store_kind == "postgis" else "loaded_dir")
    return list(loaded[1])


@pytest.fixture(scope="session")
def api_app(
    store_settings: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Flask]:
    data_dir = tmp_path_factory.mktemp("data")
    app = create_app({"SHAREMAP_DATA_DIR": str(data_dir), **store_settings})
    yield app
    close_store(app)


def close_store(app: Flask) -> None:
    """Release the app's pooled connections (before its test database is dropped)."""
    store = app.extensions.get(STORE_KEY)
    if store is not None:
        store.close()


@pytest.fixture
def api(api_app: Flask) -> FlaskClient:
    return api_app.test_client()


@pytest.fixture(scope="session")
def live_url(api_app: Flask) -> Iterator[str]:
    with LiveServer(api_app) as server:
        yield server.url


@pytest.fixture(scope="session")
def pg_store(loaded_db: tuple[str, list]) -> Iterator[PostgisStore]:
    store = PostgisStore(loaded_db[0])
    yield store
    store.close()


@pytest.fixture(scope="session")
def app_store(store_settings: dict[str, str]) -> Iterator[Store]:
    """The store the app under test reads, opened on its own (the test's view of the data)."""
    url = store_settings.get("DATABASE_URL")
    store: Store
    if url:
        store = PostgisStore(url)
    else:
        store = EmbeddedStore(embedded_dir(store_settings["SHAREMAP_DATA_DIR"]))
    yield store
    store.close()


@pytest.fixture(scope="session")
def all_rows(app_store: Store) -> dict[str, list[FeatureRecord]]:
    """Every feature of every layer, as the store under test has them."""
    return {layer_id: list(app_store.features(layer_id)) for layer_id in registry.LAYER_IDS}
