"""`sharemap serve` runs the app under gunicorn with threaded workers."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from app.cli import gunicorn_options, parser
from tests.app.conftest import free_port

pytestmark = pytest.mark.postgis
ROOT = Path(__file__).resolve().parents[2]


def test_gunicorn_settings_stream_downloads() -> None:
    options = gunicorn_options(parser().parse_args(["--port", "9999", "--workers", "3"]))
    assert options["worker_class"] == "gthread" and options["threads"] >= 2
    assert options["workers"] == 3 and options["bind"] == "127.0.0.1:9999"
    assert options["timeout"] >= 60
    assert options["accesslog"] is None  # the app logs requests itself, coordinates rounded
    # what a client may send is bounded (README: Limits and security headers)
    assert options["limit_request_line"] == 4094
    assert options["limit_request_fields"] == 50
    assert options["limit_request_field_size"] == 8190


def test_serve_answers_and_logs(loaded_db: tuple[str, list], tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "DATABASE_URL": loaded_db[0], "SHAREMAP_DATA_DIR": str(tmp_path)}
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, str(ROOT / "cli.py"), "serve", "--port", str(port), "--workers", "2"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=1) as r:
                    assert json.load(r) == {"status": "ok"}
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail(log.read_text())
        with urllib.request.urlopen(f"{base}/api/near?lat=37.566535&lon=126.9779692&limit=2") as r:
            assert json.load(r)["numberReturned"] == 2
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    text = log.read_text()
    assert "gthread" in text
    assert "GET /api/near?lat=37.57&lon=126.98&limit=2 200" in text
    assert "37.566535" not in text


def test_bad_flags_exit_2() -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "cli.py"), "serve", "--workers", "0"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2 and "--workers" in proc.stderr


def test_each_worker_opens_the_store_before_its_first_request(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from app import create_app
    from app.context import STORE_KEY
    from layers.config import Config
    from layers.store.embedded import EmbeddedStore
    from tests.store.synthetic import synthetic

    store = EmbeddedStore(tmp_path / "store")
    for layer_id in ("bike_stations", "campsites"):
        store.replace_layer(layer_id, synthetic(layer_id, 20), data_version="a")
    store.close()
    app = create_app(Config.from_env({"SHAREMAP_DATA_DIR": str(tmp_path)}))
    assert app.extensions[STORE_KEY] is None
    options = gunicorn_options(parser().parse_args([]))
    options["post_worker_init"](SimpleNamespace(wsgi=app))
    opened = app.extensions[STORE_KEY]
    assert isinstance(opened, EmbeddedStore)
    assert opened._combined_index is not None  # the near-me index of both layers, built


def test_a_worker_boots_even_if_the_store_fails_to_warm_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app import create_app
    from app.context import warm_up
    from layers.config import Config
    from layers.store.embedded import EmbeddedStore

    def broken(self: EmbeddedStore) -> None:
        raise RuntimeError("relation does not exist")

    monkeypatch.setattr(EmbeddedStore, "warm_up", broken)
    app = create_app(Config.from_env({"SHAREMAP_DATA_DIR": str(tmp_path)}))
    warm_up(app)  # logged, not raised: requests report the problem
