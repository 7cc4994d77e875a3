"""`sharemap serve` runs the app under gunicorn with threaded workers."""

from __future__ import annotations

import contextlib
import json
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from app.cli import gunicorn_options, parser
from tests.app.conftest import CLI, sharemap_serve, store_env


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


def test_serve_answers_and_logs(store_settings: dict[str, str], tmp_path: Path) -> None:
    env = store_env({"SHAREMAP_DATA_DIR": str(tmp_path), **store_settings})
    log = tmp_path / "serve.log"
    with sharemap_serve(env, log) as (_, base):
        near = f"{base}/api/near?lat=37.566535&lon=126.9779692&limit=2"
        with urllib.request.urlopen(near) as r:
            assert json.load(r)["numberReturned"] == 2
    text = log.read_text()
    assert "gthread" in text
    assert "GET /api/near?lat=37.57&lon=126.98&limit=2 200" in text
    assert "37.566535" not in text


def test_bad_flags_exit_2() -> None:
    proc = subprocess.run(
        [*CLI, "serve", "--workers", "0"],
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
    from tests.layers.store.synthetic import synthetic

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
    assert opened._near is not None  # the near-me snapshot of both layers, mapped


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


def worker_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def maps_snapshot(pid: int, directory: str) -> bool:
    """Whether a process has mapped the files of a near-me snapshot directory."""
    return directory in Path(f"/proc/{pid}/maps").read_text()


@pytest.mark.slow
@pytest.mark.postgis  # LISTEN/NOTIFY
def test_every_worker_answers_from_a_new_load(empty_db: str, tmp_path: Path) -> None:
    """A load by another process reaches every worker of a running server (NOTIFY): each maps
    the new version's snapshot, and near-me answers come from it."""
    from layers.store import near_cache_dir
    from layers.store.nearme import key_name
    from layers.store.postgis import PostgisStore
    from tests.layers.store.synthetic import synthetic

    loader = PostgisStore(empty_db, cache_dir=near_cache_dir(tmp_path))
    loader.replace_layer("campsites", synthetic("campsites", 50, name="old"), data_version="a")
    env = store_env({"DATABASE_URL": empty_db, "SHAREMAP_DATA_DIR": str(tmp_path)})
    log = tmp_path / "serve.log"
    with contextlib.ExitStack() as stack:
        stack.callback(loader.close)
        proc, base = stack.enter_context(sharemap_serve(env, log))
        near = f"{base}/api/near?lat=37.55&lon=126.95&limit=3"

        def names() -> set[str]:
            with urllib.request.urlopen(near, timeout=5) as r:
                return {f["properties"]["name"].split()[0] for f in json.load(r)["features"]}

        deadline = time.monotonic() + 60
        while True:
            try:
                if names() == {"old"} and len(worker_pids(proc.pid)) == 2:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        workers = worker_pids(proc.pid)
        loader.replace_layer("campsites", synthetic("campsites", 50, name="new"), data_version="b")
        with loader.engine.connect() as conn:
            version = conn.exec_driver_sql(
                "SELECT version_id FROM layer_version "
                "WHERE layer_id = 'campsites' AND status = 'current'"
            ).scalar_one()
        # under SHAREMAP_DATA_DIR, this database's cache, the new versions' snapshot
        new = f"{near_cache_dir(tmp_path)}/{loader.cache_dir.name}/"
        new += key_name((("campsites", str(version)),)) + "/"
        deadline = time.monotonic() + 30  # generous: a correctness test, not a speed test
        while not all(maps_snapshot(pid, new) for pid in workers):
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        for _ in range(20):  # new connections, spread over the workers by the kernel
            assert names() == {"new"}
