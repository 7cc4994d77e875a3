"""Every error is application/problem+json from one table; the database going away is a 503
with Retry-After, and the app recovers by itself when it comes back."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import make_url

from app import create_app
from tests.app.conftest import assert_problem, close_store, free_port


def test_unknown_path_is_404(api: FlaskClient) -> None:
    body = assert_problem(api.get("/no/such/thing"), 404, "route_not_found")
    assert body["instance"] == "/no/such/thing"


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_other_methods_are_405_with_allow(api: FlaskClient, method: str) -> None:
    response = api.open("/api/near?lat=37.5&lon=127", method=method)
    assert_problem(response, 405, "method_not_allowed")
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}


def test_406_when_accept_rules_out_every_format(api: FlaskClient) -> None:
    assert_problem(
        api.get("/collections", headers={"Accept": "application/xml"}), 406, "not_acceptable"
    )


def test_nul_in_the_path_is_400(api: FlaskClient) -> None:
    assert_problem(api.get("/collections/campsites/items/a%00b"), 400, "bad_text")


def test_error_text_follows_lang(api: FlaskClient) -> None:
    ko = assert_problem(api.get("/collections/nope?lang=ko"), 404)
    en = assert_problem(api.get("/collections/nope?lang=en"), 404)
    assert "컬렉션" in ko["detail"] and "collection" in en["detail"]
    assert (ko["title"], en["title"]) == ("찾을 수 없음", "Not found")
    assert api.get("/collections/nope?lang=en").headers["Content-Language"] == "en"


def test_unexpected_errors_are_500_problems(
    api_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    import app.views.health as health

    def broken() -> object:
        raise RuntimeError("boom")

    monkeypatch.setattr(health, "current_store", broken)
    body = assert_problem(api_app.test_client().get("/readyz"), 500, "internal_error")
    assert "boom" not in body["detail"]


class TcpProxy:
    """A TCP forwarder to PostgreSQL that can be stopped (dropping every connection, as a
    database restart does) and started again on the same port."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self.listener: socket.socket | None = None
        self.sockets: list[socket.socket] = []

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        if self.listener is not None:
            with contextlib.suppress(OSError):  # shutdown wakes the thread blocked in accept
                self.listener.shutdown(socket.SHUT_RDWR)
            self.listener.close()
            self.listener = None
        for s in self.sockets:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()
        self.sockets.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)


@pytest.fixture
def proxied(loaded_db: tuple[str, list]) -> Iterator[tuple[TcpProxy, FlaskClient]]:
    url = make_url(loaded_db[0])
    proxy = TcpProxy((url.host or "127.0.0.1", url.port or 5432))
    app = create_app(
        {"DATABASE_URL": url.set(port=proxy.port).render_as_string(hide_password=False)}
    )
    yield proxy, app.test_client()
    close_store(app)
    proxy.stop()


def assert_unavailable(client: FlaskClient, url: str) -> None:
    response = client.get(url)
    assert_problem(response, 503, "store_unavailable")
    assert int(response.headers["Retry-After"]) > 0


@pytest.mark.postgis  # a database that goes away and comes back
def test_database_down_is_503_and_the_app_recovers(proxied: tuple[TcpProxy, FlaskClient]) -> None:
    proxy, client = proxied
    near = "/api/near?lat=37.5665&lon=126.978"
    # nothing listens on the port yet: as if PostgreSQL were stopped
    for url in (
        near,
        "/readyz",
        "/collections",
        "/collections/campsites/items",
        "/download/campsites.csv",
    ):
        assert_unavailable(client, url)
    assert client.get("/healthz").status_code == 200  # the process itself is alive
    proxy.start()
    assert client.get(near).status_code == 200
    assert client.get("/readyz").get_json()["status"] == "ready"
    proxy.stop()  # a restart: every pooled connection dies
    # near-me asks the database nothing once its snapshot is mapped: it keeps answering
    assert client.get(near).status_code == 200
    assert_unavailable(client, "/readyz")
    assert_unavailable(client, "/collections/campsites/items/x")
    proxy.start()
    assert client.get(near).status_code == 200
    assert client.get("/collections/campsites/items?limit=1").status_code == 200


def test_no_database_configured_is_503() -> None:
    app = create_app({"DATABASE_URL": "postgresql://postgres@127.0.0.1:1/none"})
    assert_unavailable(app.test_client(), "/api/near?lat=37.5665&lon=126.978")


@pytest.mark.postgis
def test_statement_timeout_bounds_queries(loaded_db: tuple[str, list]) -> None:
    from app.context import current_store
    from layers.store.postgis import PostgisStore

    app = create_app({"DATABASE_URL": loaded_db[0], "SHAREMAP_STATEMENT_TIMEOUT_MS": "1234"})
    try:
        with app.app_context():
            store = current_store()
            assert isinstance(store, PostgisStore)
            with store.engine.connect() as conn:
                assert conn.exec_driver_sql("SHOW statement_timeout").scalar() == "1234ms"
    finally:
        close_store(app)
    tight = create_app({"DATABASE_URL": loaded_db[0], "SHAREMAP_STATEMENT_TIMEOUT_MS": "1"})
    try:
        # a query cut off by the timeout is the database being unavailable: a 503, not a 500
        # and not a download cut short
        response = tight.test_client().get("/download/public_toilets.geojson")
        assert_problem(response, 503, "store_unavailable")
    finally:
        close_store(tight)
