"""HTTP plumbing around every response: proxies and slashes, CORS, security headers, gzip for
JSON, and one access log line per request with its duration (coordinates in it rounded to
0.01°: a person's location is personal data)."""

from __future__ import annotations

import gzip
import logging
import re
import time
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl, urlencode

from flask import Flask, Response, g, request
from werkzeug.middleware.proxy_fix import ProxyFix

from app.errors import InvalidParameter

ACCESS_LOGGER = "sharemap.access"
GZIP_MIN_BYTES = 1024
GZIP_TYPES = frozenset(
    {
        "application/json",
        "application/geo+json",
        "application/problem+json",
        "application/schema+json",
        "application/vnd.oai.openapi+json",
    }
)
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    # Content-Range and Content-Length: the pmtiles protocol reads the archive by byte ranges
    "Access-Control-Expose-Headers": (
        "ETag, Content-Disposition, Content-Language, Retry-After, Content-Range, Content-Length"
    ),
}
# on every response, tiles answered by app.tile_front too (it replays what the app sent)
SECURITY_HEADERS = {
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Content-Type-Options": "nosniff",
}
PREFLIGHT_HEADERS = {
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": (
        "Accept, Accept-Language, If-None-Match, If-Range, If-Match, Range, Content-Type"
    ),
    "Access-Control-Max-Age": "86400",
}
# query parameters that hold coordinates, and how many decimals of a degree the log keeps
COORDINATE_PARAMS = frozenset({"lat", "lon", "bbox"})
LOG_DECIMALS = 2
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_SLASHES = re.compile(r"//+")
# characters that parse_qsl leaves as they are and urlencode escapes only as ',' -> '%2C'
_PLAIN_QUERY = re.compile(r"[A-Za-z0-9._\-=&,]*")
# werkzeug's development server: '127.0.0.1 - - [25/Nov/2026 13:27:03] "GET /api/near?… HTTP/1.1" 200 -'
_REQUEST_LINE = re.compile(r'\S+ - - \[[^\]]*\] "')


def install(app: Flask) -> None:
    app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
        _MergeSlashes(app.wsgi_app), x_for=1, x_proto=1, x_host=1, x_port=1, x_prefix=1
    )
    access_log = app.logger.getChild("access")
    access_log.setLevel(logging.INFO)
    _quiet_dev_server_request_lines()

    @app.before_request
    def _start() -> None:
        g.started = time.perf_counter()
        if "\x00" in request.path:
            raise InvalidParameter("bad_text", parameter="path", name="path")

    @app.after_request
    def _finish(response: Response) -> Response:
        for name, value in CORS_HEADERS.items():
            response.headers.setdefault(name, value)
        for name, value in SECURITY_HEADERS.items():
            response.headers[name] = value
        if request.method == "OPTIONS":
            for name, value in PREFLIGHT_HEADERS.items():
                response.headers.setdefault(name, value)
        _gzip(response)
        started = g.get("started", time.perf_counter())
        method, path, query = request.method, request.path, request.query_string
        # logged when the body has been sent, so that a download's time is all of it
        response.call_on_close(
            lambda: log_request(
                app, method, path, query.decode("utf-8", "replace"), response.status_code, started
            )
        )
        return response


def log_request(
    app: Flask, method: str, path: str, query: str, status: int, started: float
) -> None:
    """The access log line of a request: coordinates rounded, and its duration."""
    where = f"{path}?{round_coordinates(query)}" if query else path
    elapsed_ms = (time.perf_counter() - started) * 1e3
    app.logger.getChild("access").info("%s %s %s %.1fms", method, where, status, elapsed_ms)


def _gzip(response: Response) -> None:
    if (
        response.direct_passthrough
        or response.is_streamed
        or response.status_code < 200
        or response.status_code in (204, 304)
        or response.mimetype not in GZIP_TYPES
        or "Content-Encoding" in response.headers
        or "gzip" not in request.accept_encodings
    ):
        return
    data = response.get_data()
    if len(data) < GZIP_MIN_BYTES:
        return
    response.set_data(gzip.compress(data, compresslevel=5, mtime=0))
    response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")


def round_coordinates(query: str) -> str:
    if _PLAIN_QUERY.fullmatch(query):
        return _round_plain(query)
    pairs = parse_qsl(query, keep_blank_values=True)
    return urlencode([(k, _rounded(v) if k in COORDINATE_PARAMS else v) for k, v in pairs])


def _round_plain(query: str) -> str:
    """round_coordinates() of a query string with nothing escaped (a phone's usual near-me
    query), without parse_qsl and urlencode: a tenth of the cost, the same text."""
    out = []
    for pair in query.split("&"):
        if not pair:
            continue
        key, _, value = pair.partition("=")
        if key in COORDINATE_PARAMS:
            value = _rounded(value)
        out.append(f"{_escaped(key)}={_escaped(value)}")
    return "&".join(out)


def _escaped(text: str) -> str:
    """quote_plus() of text made of _PLAIN_QUERY's characters (and a rounded value's '?')."""
    return text.replace(",", "%2C").replace("=", "%3D").replace("?", "%3F")


def _rounded(value: str) -> str:
    parts = value.split(",")
    out = []
    for part in parts:
        text = part.strip()
        out.append(f"{float(text):.{LOG_DECIMALS}f}" if _NUMBER.fullmatch(text) else "?")
    return ",".join(out)


class _MergeSlashes:
    """`//collections` is `/collections` (GDAL joins a root URL ending in / and a path)."""

    def __init__(self, wsgi_app: Any) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if "//" in path:
            environ["PATH_INFO"] = _SLASHES.sub("/", path)
        return self.wsgi_app(environ, start_response)


class _NoRequestLines(logging.Filter):
    """Drops the werkzeug dev server's own request lines (raw coordinates); ours replace them."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not _REQUEST_LINE.match(str(record.msg))


def _quiet_dev_server_request_lines() -> None:
    werkzeug_log = logging.getLogger("werkzeug")
    if not any(isinstance(f, _NoRequestLines) for f in werkzeug_log.filters):
        werkzeug_log.addFilter(_NoRequestLines())
