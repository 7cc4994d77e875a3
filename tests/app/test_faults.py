"""Faults during traffic, with real processes: `sharemap serve --workers 2` on a PostgreSQL
cluster of the test's own, which is stopped and started under a client loop; downloads cut by
the database going away; a worker killed with SIGKILL."""

from __future__ import annotations

import csv
import http.client
import io
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.app.cluster import PG_BIN, Cluster
from tests.app.conftest import free_port

pytestmark = [pytest.mark.postgis, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]
STATEMENT_TIMEOUT_S = 3.0
REQUEST_TIMEOUT_S = 20.0
# the mixed traffic: near-me, items, tiles (a few, so that some are built and some cached),
# a small download
URLS = (
    "/api/near?lat=37.5665&lon=126.978",
    "/api/near?lat=35.1796&lon=129.0756&layers=public_toilets&limit=5",
    "/collections/public_toilets/items?bbox=126.97,37.56,126.99,37.58&limit=20",
    "/tiles/14/13970/6344.mvt",
    "/tiles/13/6985/3172.mvt",
    "/tiles/public_toilets/12/3492/1586.png",
    "/download/campsites.csv?sido=서울특별시",
    "/download/campsites.geojson?sido=서울특별시",
)


@dataclass(frozen=True)
class Answer:
    at: float
    url: str
    status: int  # 0: no HTTP answer (connection refused, reset, timed out)
    retry_after: str | None
    elapsed: float
    complete: bool  # a 200 whose body is the whole, well-formed answer


def complete(url: str, status: int, body: bytes) -> bool:
    if status == 204:
        return url.endswith(".mvt") and body == b""
    if status != 200:
        return False
    if url.endswith(".mvt") or ".png" in url:
        return len(body) > 0
    if ".csv" in url:
        rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), strict=True))
        return body.endswith(b"\r\n") and len({len(r) for r in rows}) == 1
    data = json.loads(body)
    return data["type"] == "FeatureCollection" and isinstance(data["features"], list)


def ask(base: str, url: str) -> Answer:
    started = time.monotonic()
    quoted = urllib.parse.quote(url, safe="/?=&,.")
    try:
        with urllib.request.urlopen(base + quoted, timeout=REQUEST_TIMEOUT_S) as r:
            body, status, retry = r.read(), r.status, r.headers.get("Retry-After")
    except urllib.error.HTTPError as exc:
        body, status, retry = exc.read(), exc.code, exc.headers.get("Retry-After")
    except (OSError, http.client.HTTPException):
        return Answer(started, url, 0, None, time.monotonic() - started, False)
    try:
        whole = complete(url, status, body)
    except (ValueError, csv.Error, KeyError):
        whole = False
    return Answer(started, url, status, retry, time.monotonic() - started, whole)


class Traffic:
    """Client threads sending URLS round and round, bounded in count and time."""

    def __init__(self, base: str, threads: int = 4, max_s: float = 90, max_requests: int = 50_000):
        self.base, self.answers = base, []  # type: list[Answer]
        self.stop_event = threading.Event()
        self.deadline = time.monotonic() + max_s
        self.max_requests = max_requests
        self.lock = threading.Lock()
        self.threads = [
            threading.Thread(target=self._loop, args=(i,), daemon=True) for i in range(threads)
        ]

    def _loop(self, offset: int) -> None:
        i = offset
        while not self.stop_event.is_set() and time.monotonic() < self.deadline:
            answer = ask(self.base, URLS[i % len(URLS)])
            with self.lock:
                self.answers.append(answer)
                if len(self.answers) >= self.max_requests:
                    return
            i += 1

    def __enter__(self) -> Traffic:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop_event.set()
        for t in self.threads:
            t.join(REQUEST_TIMEOUT_S + 5)

    def between(self, start: float, end: float) -> list[Answer]:
        with self.lock:
            return [a for a in self.answers if start <= a.at and a.at + a.elapsed <= end]


class Server:
    def __init__(self, database_url: str, data_dir: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SHAREMAP_DATA_DIR": str(data_dir),
            "SHAREMAP_STATEMENT_TIMEOUT_MS": str(int(STATEMENT_TIMEOUT_S * 1000)),
        }
        env.pop("SHAREMAP_RATE_LIMITS", None)
        self.log = data_dir / "serve.log"
        with self.log.open("w") as out:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    str(ROOT / "cli.py"),
                    "serve",
                    "--port",
                    str(self.port),
                    "--workers",
                    "2",
                ],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if ask(self.base, "/readyz").status == 200 and len(self.workers()) == 2:
                return
            time.sleep(0.2)
        self.close()
        raise RuntimeError(self.log.read_text()[-3000:])

    def workers(self) -> set[int]:
        path = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        return {int(p) for p in path.read_text().split()} if path.exists() else set()

    def close(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(40)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)


@pytest.fixture(scope="module")
def cluster(loaded_db: tuple[str, list]) -> Iterator[Cluster]:
    if not (PG_BIN / "initdb").exists():
        pytest.skip(f"no {PG_BIN}/initdb")
    own = Cluster()
    try:
        own.start()
        own.copy_database(loaded_db[0], "sharemap")
        yield own
    finally:
        own.remove()


@pytest.fixture(scope="module")
def server(cluster: Cluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    s = Server(cluster.url("sharemap"), tmp_path_factory.mktemp("serve"))
    yield s
    s.close()


def assert_warm(server: Server) -> None:
    """Every URL answers completely (tiles built and cached once) before a fault is made."""
    for url in URLS:
        answer = ask(server.base, url)
        assert answer.complete, (answer, server.log.read_text()[-2000:])


def test_database_stopped_and_started_under_traffic(cluster: Cluster, server: Server) -> None:
    assert_warm(server)
    workers = server.workers()
    with Traffic(server.base) as traffic:
        time.sleep(2)
        stopping = time.monotonic()
        cluster.stop("fast")
        stopped = time.monotonic()
        time.sleep(4)
        cluster.start()
        started = time.monotonic()
        time.sleep(8)
        end = time.monotonic()
    before = traffic.between(0, stopping)
    during = traffic.between(stopping, started)
    after = traffic.between(started + 5, end)
    everything = traffic.answers
    assert before and all(a.complete for a in before), [a for a in before if not a.complete][:5]
    # while the database is away: a complete answer (from memory) or a 503 with Retry-After
    for a in traffic.between(stopped, started):
        assert a.complete or (a.status == 503 and a.retry_after), a
    assert any(a.status == 503 for a in during), "the outage was never seen"
    # nothing is a 500 or unanswered, nothing waits longer than the statement timeout
    assert not [a for a in everything if a.status >= 500 and a.status != 503]
    # unanswered: only a download that was streaming at the moment the database stopped (it
    # ends cut, see the next test)
    lost = [a for a in everything if a.status == 0]
    assert all(
        "/download/" in a.url and a.at <= stopped and a.at + a.elapsed >= stopping for a in lost
    ), lost
    assert max(a.elapsed for a in everything) < STATEMENT_TIMEOUT_S + 2
    # within 5 s of the restart every answer is complete again, from the same workers
    assert after and all(a.complete for a in after), [a for a in after if not a.complete][:5]
    assert server.workers() == workers
    statuses = {s: sum(1 for a in everything if a.status == s) for s in {200, 204, 503}}
    print(f"answers: {len(everything)} {statuses}; during the outage: {len(during)}")


def start_download(server: Server, path: str) -> tuple[http.client.HTTPConnection, bytes, object]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=REQUEST_TIMEOUT_S)
    conn.request("GET", path)
    response = conn.getresponse()
    assert response.status == 200
    return conn, response.read(64 * 1024), response


def read_rest(response: object) -> bytes:
    try:
        return response.read()  # type: ignore[attr-defined, no-any-return]
    except http.client.IncompleteRead as exc:
        return bytes(exc.partial)


def test_a_download_cut_by_the_database_going_away_is_not_a_valid_file(
    cluster: Cluster, server: Server
) -> None:
    """The status line is sent before the rows: a download that loses its database on the way
    ends without the closing `]}` (GeoJSON) or with a quoted field left open (CSV), and the
    chunked transfer is not terminated, so that no client takes it for a whole file."""
    assert_warm(server)
    full_csv = ask(server.base, "/download/public_toilets.csv")
    assert full_csv.complete
    # a client reading slowly: the server blocks on the socket with its cursor open
    geo_conn, geo_start, geo_response = start_download(server, "/download/public_toilets.geojson")
    csv_conn, csv_start, csv_response = start_download(server, "/download/public_toilets.csv")
    cluster.stop("fast")
    try:
        time.sleep(1)
        geojson_body = geo_start + read_rest(geo_response)
        csv_body = csv_start + read_rest(csv_response)
    finally:
        geo_conn.close()
        csv_conn.close()
        cluster.start()
    with pytest.raises(json.JSONDecodeError):
        json.loads(geojson_body)
    assert not geojson_body.rstrip().endswith(b"]}")
    with pytest.raises(csv.Error, match="unexpected end of data"):
        list(csv.reader(io.StringIO(csv_body.decode("utf-8-sig")), strict=True))
    assert csv_body.endswith(b'\r\n"')
    # and the service is whole again
    deadline = time.monotonic() + 10
    while not ask(server.base, URLS[0]).complete and time.monotonic() < deadline:
        time.sleep(0.2)
    assert ask(server.base, "/download/public_toilets.csv").complete


def test_a_worker_killed_under_load(server: Server) -> None:
    assert_warm(server)
    workers = server.workers()
    victim = min(workers)
    with Traffic(server.base) as traffic:
        time.sleep(2)
        killed = time.monotonic()
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(server.workers() - {victim}) < 2:
            time.sleep(0.1)
        replaced = time.monotonic()
        time.sleep(3)
    now = server.workers()
    assert victim not in now and len(now) == 2 and len(now - workers) == 1
    answers = traffic.answers
    # no 500s; requests that were inside the killed worker lose their connection (they never
    # get an answer), every other one is complete, and the other worker answered meanwhile
    assert not [a for a in answers if a.status >= 500]
    assert all(a.complete for a in answers if a.status != 0)
    lost = [a for a in answers if a.status == 0]
    assert len(lost) <= 4 + 2, lost  # at most the threads' requests in flight in that worker
    assert all(a.at <= killed + 0.5 for a in lost)
    # the new worker is forked at once but opens its store before it takes a request: the
    # other worker answers meanwhile
    answered_meanwhile = traffic.between(killed + 0.05, killed + 1.5)
    assert answered_meanwhile
    print(
        f"worker {victim} killed; replaced after {replaced - killed:.1f} s; "
        f"{len(answers)} answers, {len(lost)} connections lost, "
        f"{len(answered_meanwhile)} answered in the 1.5 s after the kill"
    )


def test_gunicorn_refuses_oversized_requests(server: Server) -> None:
    """A request line or headers beyond app.cli's limits are refused by gunicorn itself."""
    from app.cli import LIMIT_REQUEST_FIELDS, LIMIT_REQUEST_LINE

    def status_of(raw: bytes) -> int:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
            s.sendall(raw)
            return int(s.recv(1024).split(b" ", 2)[1])

    ok = b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    assert status_of(ok) == 200
    long_line = b"GET /healthz?" + b"a" * LIMIT_REQUEST_LINE + b" HTTP/1.1\r\nHost: x\r\n\r\n"
    assert status_of(long_line) == 414
    many = b"".join(b"X-%d: y\r\n" % i for i in range(LIMIT_REQUEST_FIELDS + 1))
    assert status_of(b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + many + b"\r\n") == 431
    big_header = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 9000 + b"\r\n\r\n"
    assert status_of(big_header) == 431
