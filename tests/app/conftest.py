"""Fixtures of the HTTP API tests: the app on the real loaded database, a live server for
real clients (GDAL, geopandas), and every row of every layer for brute-force checks."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from app import create_app
from app.context import STORE_KEY
from layers import registry
from layers.record import FeatureRecord
from layers.store.postgis import PostgisStore

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


@pytest.fixture(scope="session")
def api_app(
    loaded_db: tuple[str, list], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Flask]:
    data_dir = tmp_path_factory.mktemp("data")
    app = create_app({"DATABASE_URL": loaded_db[0], "SHAREMAP_DATA_DIR": str(data_dir)})
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
def all_rows(pg_store: PostgisStore) -> dict[str, list[FeatureRecord]]:
    """Every feature of every layer, as the store has them."""
    return {layer_id: list(pg_store.features(layer_id)) for layer_id in registry.LAYER_IDS}
