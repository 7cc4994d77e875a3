"""Hostile clients: the app's database role cannot write, injection strings in every documented
parameter change nothing and leak nothing, rate limits (when configured) answer 429, and every
response carries the security headers."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from app import create_app
from app.context import current_store
from app.http import SECURITY_HEADERS
from app.page_context import inline_script_hashes
from app.ratelimit import GROUPS, parse_limits
from layers import registry
from layers.store import embedded_dir
from layers.store.embedded import NEAR_DIR
from layers.store.postgis import PostgisStore, engine_url
from tests.app.conftest import assert_problem, close_store

# Strings that break naive SQL, JSON, HTML, path and number handling. Each one goes into every
# query parameter (and path parameter) of every operation of /openapi.json.
PAYLOADS = (
    "' OR '1'='1",
    "1; DROP TABLE feature; --",
    "'); DELETE FROM layer_version; --",
    "1' UNION SELECT version(), current_user --",
    '" OR ""="',
    "1)) OR pg_sleep(5) IS NULL --",
    "$$; TRUNCATE feature; $$",
    "\\x00\\'; COMMIT; DROP ROLE sharemap_reader; --",
    "<script>alert(1)</script>",
    "../../../../etc/passwd",
    "%00",
    "{{7*7}}${7*7}",
    '{"$where": "1"}',
    "1e309",
    "-0x1p1023",
    "９９",
    "A" * 5000,
)
# what no response may show: a stack trace, SQL, a file path of this machine
LEAKS = re.compile(
    r"Traceback|File \"|/work/|/usr/lib|site-packages|psycopg|sqlalchemy|SELECT |INSERT |"
    r"DELETE FROM|UPDATE |FROM feature|layer_version|ProgrammingError|OperationalError",
    re.I,
)
# values for path parameters and required query parameters when another one is being tried
SEOUL_Z14 = {"z": "14", "x": "13970", "y": "6344"}


def assert_no_leak(response: Any, payload: str = "") -> None:
    """Nothing of the server's insides in the body (the client's own text echoed back aside)."""
    if not (response.mimetype.startswith("text/") or response.mimetype.endswith("json")):
        return  # tiles and images
    body = response.get_data().decode("utf-8", "replace")
    for echo in sorted(_echoes(payload), key=len, reverse=True):
        body = body.replace(echo, "")
    if response.mimetype in ("application/json", "application/problem+json"):
        match = LEAKS.search(body)
        assert match is None, (response.request.url, body[:300])
    assert "Traceback" not in body


def _echoes(payload: str) -> set[str]:
    if not payload:
        return set()
    echoes = set()
    for part in {payload, *payload.split(",")}:  # a list parameter names the bad item alone
        quoted = repr(part)[1:-1]
        echoes |= {part, quoted, json.dumps(part)[1:-1], json.dumps(quoted)[1:-1]}
    return {e for e in echoes if e.strip()}


def data_fingerprint(store_settings: dict[str, str]) -> dict[str, Any]:
    """What a write would change: in PostGIS, rows and checksums of every table, the tables,
    the roles; in the embedded store, every file and its checksum (but the near-me snapshots,
    a cache the first near-me request builds from the data)."""
    url = store_settings.get("DATABASE_URL")
    if url is None:
        directory = embedded_dir(store_settings["SHAREMAP_DATA_DIR"])
        return {
            str(path.relative_to(directory)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(directory.rglob("*"))
            if path.is_file() and path.relative_to(directory).parts[0] != NEAR_DIR
        }
    engine = create_engine(engine_url(url))
    with engine.connect() as conn:
        out = {
            "feature": conn.execute(
                text(
                    "SELECT count(*), md5(string_agg(id || ':' || version_id || ':' || "
                    "props::text || ST_AsText(geom), ',' ORDER BY version_id, id)) FROM feature"
                )
            ).one(),
            "versions": conn.execute(
                text("SELECT md5(string_agg(t::text, ',' ORDER BY t::text)) FROM layer_version t")
            ).scalar(),
            "regions": conn.execute(
                text("SELECT count(*), md5(string_agg(code, ',' ORDER BY code)) FROM region")
            ).one(),
            "tables": conn.execute(
                text(
                    "SELECT string_agg(relname, ',' ORDER BY relname) FROM pg_class "
                    "WHERE relnamespace = 'public'::regnamespace"
                )
            ).scalar(),
            "roles": conn.execute(
                text("SELECT string_agg(rolname, ',' ORDER BY rolname) FROM pg_roles")
            ).scalar(),
        }
    engine.dispose()
    return out


def operations(api: FlaskClient) -> Iterator[tuple[str, dict[str, Any]]]:
    document = api.get("/openapi.json").get_json()
    for path, item in document["paths"].items():
        for method, op in item.items():
            if method == "get":
                yield path, op


def path_values(api: FlaskClient, feature_id: str) -> dict[str, str]:
    return {
        "collectionId": "public_toilets",
        "layer": "public_toilets",
        "featureId": feature_id,
        **SEOUL_Z14,
    }


def fill(path: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)


@pytest.mark.slow
def test_injection_in_every_parameter_changes_nothing(
    api: FlaskClient, store_settings: dict[str, str]
) -> None:
    before = data_fingerprint(store_settings)
    first = api.get("/collections/public_toilets/items?limit=1").get_json()["features"][0]
    values = path_values(api, first["id"])
    required = {"lat": "37.5665", "lon": "126.978", "q": "강남"}
    # small answers keep the run short: one feature a page when `limit` is not the one tried
    small = {"limit": "1"}
    tried = 0
    for path, op in operations(api):
        params = [p for p in op.get("parameters", []) if "name" in p]
        for param in params:
            for payload in PAYLOADS:
                if param["in"] == "query":
                    query = {
                        p["name"]: required[p["name"]]
                        for p in params
                        if p["in"] == "query" and p.get("required") and p["name"] != param["name"]
                    }
                    if any(p["name"] == "limit" for p in params):
                        query.update(small)
                    query[param["name"]] = payload
                    response = api.get(fill(path, values), query_string=query)
                elif param["in"] == "path":
                    response = api.get(fill(path, {**values, param["name"]: payload}))
                else:
                    continue
                tried += 1
                assert response.status_code < 500, (path, param["name"], payload)
                assert_no_leak(response, payload)
                response.close()
    # 31 operations, about 300 parameters today: a document that lost its parameters fails here
    assert tried >= 200 * len(PAYLOADS)
    assert data_fingerprint(store_settings) == before
    print(f"injection payloads tried: {tried}")


def test_an_internal_error_shows_no_trace_sql_or_path(
    api_app: Flask, api: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    with api_app.app_context():
        store = current_store()

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise DBAPIError(
            "SELECT id FROM feature WHERE layer = 'x'", {}, OSError("/work/secret/file.py")
        )

    monkeypatch.setattr(store, "near", broken)  # what GET /api/near calls
    response = api.get("/api/near?lat=37.5665&lon=126.978&lang=en")
    body = assert_problem(response, 500, "internal_error")
    assert body["detail"] == "an unexpected error occurred"
    assert_no_leak(response)
    assert "secret" not in response.get_data(as_text=True)


# -- the database role -------------------------------------------------------------------------

WRITES = (
    "INSERT INTO layer_version (layer_id, data_version, status) VALUES ('x', 'y', 'staging')",
    "UPDATE feature SET props = '{}'",
    "DELETE FROM feature",
    "TRUNCATE region",
    "CREATE TABLE evil (id int)",
    "DROP TABLE feature",
    "ALTER TABLE feature ADD COLUMN evil int",
    "CREATE ROLE evil",
)


@pytest.fixture(scope="module")
def reader_app(loaded_db: tuple[str, list], tmp_path_factory: pytest.TempPathFactory) -> Any:
    url = make_url(engine_url(loaded_db[0])).set(username="sharemap_reader")
    app = create_app(
        {
            "DATABASE_URL": url.render_as_string(hide_password=False),
            "SHAREMAP_DATA_DIR": str(tmp_path_factory.mktemp("reader")),
        }
    )
    yield app
    close_store(app)


@pytest.mark.postgis  # the database role the app connects as
@pytest.mark.parametrize("statement", WRITES)
def test_the_app_role_cannot_write(reader_app: Flask, statement: str) -> None:
    client = reader_app.test_client()
    assert client.get("/api/near?lat=37.5665&lon=126.978").status_code == 200  # it reads
    with reader_app.app_context():
        store = current_store()
    assert isinstance(store, PostgisStore)
    for engine in (store.engine, store.reader.engine):  # both of the app's pools
        with engine.connect() as conn, pytest.raises(DBAPIError) as failure:
            conn.execute(text(statement))
        assert re.search(r"permission denied|must be owner|InsufficientPrivilege", str(failure))


# -- rate limits -------------------------------------------------------------------------------


def limited_app(
    store_settings: dict[str, str], tmp: Any, limits: str, storage: str | None = None
) -> Flask:
    return create_app(
        {
            "SHAREMAP_DATA_DIR": str(tmp),
            **store_settings,
            "SHAREMAP_RATE_LIMITS": limits,
            "SHAREMAP_RATE_LIMIT_STORAGE_URI": storage,
        }
    )


def test_limits_are_parsed_by_group() -> None:
    assert parse_limits(None) == {}
    assert parse_limits(" near=20/second ; downloads=10/minute;") == {
        "near": "20/second",
        "downloads": "10/minute",
    }
    assert set(GROUPS) == {"near", "places", "items", "downloads", "tiles"}
    for bad in ("nearby=1/second", "near", "near=lots", "near=20/fortnight"):
        with pytest.raises(ValueError, match="SHAREMAP_RATE_LIMITS"):
            parse_limits(bad)


def test_every_grouped_endpoint_exists_and_every_data_route_has_a_group(api_app: Flask) -> None:
    grouped = {endpoint for endpoints in GROUPS.values() for endpoint in endpoints}
    assert grouped <= set(api_app.view_functions)
    data_routes = {
        rule.endpoint
        for rule in api_app.url_map.iter_rules()
        if rule.rule.startswith(("/api/near", "/api/places", "/download/", "/tiles/"))
        or rule.rule.endswith(("/items", "/items/<path:feature_id>", "/{z}/{y}/{x}", "<x>"))
    }
    assert data_routes - {"tiles.preview"} <= grouped


def test_no_limits_unless_configured(api: FlaskClient) -> None:
    statuses = {api.get("/api/near?lat=37.5665&lon=126.978").status_code for _ in range(60)}
    assert statuses == {200}


def test_over_the_limit_is_429_with_retry_after(
    store_settings: dict[str, str], tmp_path: Any
) -> None:
    app = limited_app(store_settings, tmp_path, "near=3/minute;tiles=2/minute;items=50/second")
    client = app.test_client()
    one = {"X-Forwarded-For": "203.0.113.7"}
    near = "/api/near?lat=37.5665&lon=126.978"
    assert [client.get(near, headers=one).status_code for _ in range(3)] == [200] * 3
    for lang, word in (("ko", "요청이 너무 많습니다"), ("en", "too many requests")):
        response = client.get(f"{near}&lang={lang}", headers=one)
        body = assert_problem(response, 429, "rate_limited")
        assert word in body["detail"] and "3 per 1 minute" in body["detail"]
        assert 1 <= int(response.headers["Retry-After"]) <= 61  # the window, rounded up
        assert "Retry-After" in response.headers["Access-Control-Expose-Headers"]
    # another client (as the proxy reports it) has a count of its own; other groups too
    other = {"X-Forwarded-For": "203.0.113.8"}
    assert client.get(near, headers=other).status_code == 200
    assert client.get("/collections/campsites/items?limit=1", headers=one).status_code == 200
    assert client.get("/healthz", headers=one).status_code == 200
    # tiles are counted even when the same tile is asked for again (no front cache then)
    tile = "/tiles/14/13970/6344.mvt"
    statuses = [client.get(tile, headers=one).status_code for _ in range(3)]
    assert statuses[:2] != [429, 429] and statuses[2] == 429
    close_store(app)


def test_limits_shared_between_instances_through_redis(
    store_settings: dict[str, str], tmp_path: Any
) -> None:
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url("redis://127.0.0.1:6379", socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    storage = "redis://127.0.0.1:6379"
    apps = [limited_app(store_settings, tmp_path, "places=4/minute", storage) for _ in range(2)]
    # ProxyFix trusts one proxy: the last address of X-Forwarded-For is the client
    client = {
        "X-Forwarded-For": f"10.9.9.9, 198.51.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    }
    statuses = [
        apps[i % 2].test_client().get("/api/places?q=강남", headers=client).status_code
        for i in range(6)
    ]
    assert statuses == [200, 200, 200, 200, 429, 429]
    for app in apps:
        close_store(app)


def test_a_storage_that_is_down_lets_requests_through(
    store_settings: dict[str, str], tmp_path: Any
) -> None:
    app = limited_app(store_settings, tmp_path, "near=1/minute", "redis://127.0.0.1:9")
    client = app.test_client()
    statuses = [client.get("/api/near?lat=37.5665&lon=126.978").status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    close_store(app)


def test_an_unknown_storage_is_a_setting_error(tmp_path: Any) -> None:
    with pytest.raises(ValueError, match="SHAREMAP_RATE_LIMIT_STORAGE_URI"):
        limited_app({}, tmp_path, "near=1/minute", "carrier-pigeon://loft")


def test_a_bad_limit_setting_stops_serve_with_exit_2(tmp_path: Any) -> None:
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "cli", "serve", "--port", "1"],
        capture_output=True,
        text=True,
        timeout=60,
        env={
            "PATH": "/usr/bin:/bin",
            "SHAREMAP_DATA_DIR": str(tmp_path),
            "SHAREMAP_RATE_LIMITS": "nearby=1/second",
        },
        cwd=str(registry.__file__).rsplit("/layers/", 1)[0],
    )
    assert proc.returncode == 2, proc.stderr
    assert "SHAREMAP_RATE_LIMITS" in proc.stderr and "Traceback" not in proc.stderr


# -- headers -----------------------------------------------------------------------------------


def test_security_headers_on_every_response(api: FlaskClient) -> None:
    first = api.get("/collections/public_toilets/items?limit=1").get_json()["features"][0]
    values = path_values(api, first["id"])
    urls = [fill(path, values) for path, _op in operations(api)]
    urls += ["/near", "/embed", "/embed/builder", "/tiles/preview", "/no/such/page"]
    urls += ["/api/near?lat=oops", "/tiles/14/13970/6344.mvt"]  # twice: the front cache answers
    for url in urls:
        response = api.get(url)
        for name, value in SECURITY_HEADERS.items():
            assert response.headers.get(name) == value, (url, name)
        response.close()
    assert SECURITY_HEADERS == {
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "X-Content-Type-Options": "nosniff",
    }


@pytest.mark.parametrize("url", ["/near", "/embed", "/embed?zoom=99", "/embed/builder", "/docs"])
def test_pages_run_no_inline_script_but_their_own(api: FlaskClient, url: str) -> None:
    response = api.get(url)
    csp = dict(
        d.strip().split(" ", 1) for d in response.headers["Content-Security-Policy"].split(";")
    )
    assert "unsafe-inline" not in csp["script-src"] and "unsafe-eval" not in csp["script-src"]
    hashes = re.findall(r"'(sha256-[^']+)'", csp["script-src"])
    assert sorted(hashes) == inline_script_hashes(response.get_data(as_text=True))
    if url == "/embed":
        assert hashes  # folium's page has inline scripts, each allowed by its hash
