"""Reads from a PostgreSQL streaming replica (DATABASE_READ_URL): a primary cluster and a replica
made by `pg_basebackup -R -X stream`, both of the test's own; `sharemap serve --workers 2` reads
from the replica while a new version is loaded on the primary, and every worker serves it once
the replica has replayed it (no NOTIFY reaches a standby: the workers poll the versions)."""

from __future__ import annotations

import http.client
import json
import os
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.app.cluster import PG_BIN, Cluster
from tests.app.test_faults import Server
from tests.layers.store.synthetic import synthetic

pytestmark = [pytest.mark.postgis, pytest.mark.slow]
LAYER = "public_toilets"
CATCH_UP_TIMEOUT_S = 60.0
NEAR = f"/api/near?lat=37.55&lon=126.98&layers={LAYER}&limit=1"
ITEMS = f"/collections/{LAYER}/items?limit=1"


@pytest.fixture(scope="module")
def clusters(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Cluster, Cluster]]:
    """A migrated primary holding version v1 of LAYER, and its streaming replica."""
    if not (PG_BIN / "pg_basebackup").exists():
        pytest.skip(f"no {PG_BIN}/pg_basebackup")
    from layers.store.postgis import PostgisStore
    from layers.store.postgis.migrate import upgrade

    made: list[Cluster] = []
    try:
        primary = Cluster()
        made.append(primary)
        primary.start()
        upgrade(primary.url("sharemap"))
        store = PostgisStore(
            primary.url("sharemap"), cache_dir=tmp_path_factory.mktemp("load-cache")
        )
        store.replace_layer(LAYER, synthetic(LAYER, 300, seed=1, name="old"), data_version="v1")
        store.close()
        replica = Cluster(replica_of=primary)  # the PostGIS extension comes with the backup
        made.append(replica)
        replica.start()
        yield primary, replica
    finally:
        for cluster in reversed(made):
            cluster.remove()


def worker_of(conn: http.client.HTTPConnection, workers: set[int]) -> int | None:
    """The gunicorn worker holding the server end of `conn` (kept alive after its answer)."""
    assert conn.sock is not None
    client_port = conn.sock.getsockname()[1]
    server_port = conn.sock.getpeername()[1]
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote = fields[1], fields[2]
        if int(local.split(":")[1], 16) == server_port and int(remote.split(":")[1], 16) == (
            client_port
        ):
            inode = fields[9]
    if inode is None:
        return None
    for pid in workers:
        with_fds = Path(f"/proc/{pid}/fd")
        for fd in with_fds.iterdir():
            try:
                if os.readlink(fd) == f"socket:[{inode}]":
                    return pid
            except OSError:
                continue
    return None


def get(port: int, url: str, workers: set[int]) -> tuple[int | None, int, Any]:
    """(the worker that answered, status, JSON body) on a new keep-alive connection."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        conn.request("GET", url)
        response = conn.getresponse()
        body = json.loads(response.read())
        return worker_of(conn, workers), response.status, body
    finally:
        conn.close()


def serving(port: int, workers: set[int]) -> dict[int, tuple[str, str, str]]:
    """For each worker: (readyz version, near-me name, items name) it answered with, from
    concurrent requests (so that both workers take some) until every worker answered each."""
    urls = ("/readyz", NEAR, ITEMS)
    seen: dict[int, dict[str, str]] = {}
    with ThreadPoolExecutor(4) as pool:
        for _round in range(30):
            for url, (pid, status, body) in zip(
                urls * 4, pool.map(lambda u: get(port, u, workers), urls * 4), strict=True
            ):
                assert status == 200, body
                if pid is None:
                    continue
                if url == "/readyz":
                    value = body["data_versions"][LAYER]
                else:
                    value = body["features"][0]["properties"]["name"]
                seen.setdefault(pid, {})[url] = value
            if set(seen) == workers and all(len(v) == len(urls) for v in seen.values()):
                break
    return {
        pid: (v.get("/readyz", ""), v.get(NEAR, ""), v.get(ITEMS, "")) for pid, v in seen.items()
    }


def test_every_worker_serves_a_new_version_once_replayed(
    clusters: tuple[Cluster, Cluster],
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from layers.store.postgis import PostgisStore

    primary, replica = clusters
    assert replica.psql("SELECT pg_is_in_recovery()") == "t\n"
    data_dir = tmp_path_factory.mktemp("serve-replica")
    monkeypatch.setenv("DATABASE_READ_URL", replica.url("sharemap"))  # Server passes os.environ
    server = Server(primary.url("sharemap"), data_dir)
    monkeypatch.delenv("DATABASE_READ_URL")
    try:
        workers = server.workers()
        assert len(workers) == 2
        before = serving(server.port, workers)
        assert set(before) == workers, before
        assert all(v[0] == "v1" and v[1][:3] == v[2][:3] == "old" for v in before.values())
        _pid, status, ready = get(server.port, "/readyz", workers)
        assert status == 200 and isinstance(ready["replication_lag_s"], float | int), ready
        assert 0 <= ready["replication_lag_s"] < CATCH_UP_TIMEOUT_S

        store = PostgisStore(primary.url("sharemap"), cache_dir=data_dir / "load-cache")
        store.replace_layer(LAYER, synthetic(LAYER, 300, seed=2, name="new"), data_version="v2")
        store.close()
        loaded = time.monotonic()
        replayed = None
        deadline = loaded + CATCH_UP_TIMEOUT_S
        now: dict[int, tuple[str, str, str]] = {}
        while time.monotonic() < deadline:
            if replayed is None and "v2" in replica.psql(
                "SELECT data_version FROM layer_version WHERE status = 'current'", "sharemap"
            ):
                replayed = time.monotonic() - loaded
            now = serving(server.port, workers)
            if set(now) == workers and all(
                v[0] == "v2" and v[1].startswith("new") and v[2].startswith("new")
                for v in now.values()
            ):
                break
            time.sleep(0.1)
        caught_up = time.monotonic() - loaded
        assert set(now) == workers and all(
            v == ("v2", v[1], v[2]) and v[1].startswith("new") and v[2].startswith("new")
            for v in now.values()
        ), (now, server.log.read_text()[-3000:])
        assert server.workers() == workers  # no worker restarted
        print(
            f"\nreplica: replayed {replayed if replayed is None else round(replayed, 3)} s "
            f"after the load, every worker serving it {caught_up:.3f} s after the load"
        )
        # the primary is where loads go; the app polls the standby, never tries to LISTEN there
        # (a standby refuses it: "cannot execute LISTEN during recovery")
        assert primary.psql("SELECT pg_is_in_recovery()", "sharemap") == "f\n"
        assert "LISTEN" not in (replica.dir / "log").read_text()
    finally:
        server.close()
