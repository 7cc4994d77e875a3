"""Finished tile responses, answered before Flask: a map asks for the same tiles again and again,
and a repeated tile then skips routing, parameter checks and the response hooks.

An entry is the whole response a tile URL got from the app (status, headers, bytes), kept with
the data versions it was built from; it is served only while those are still the current ones
as the app knows them (app.versions: at most VERSIONS_TTL_S old, the same rule every tile
follows). Anything else (another method, If-None-Match, a URL not seen yet, versions that
changed or are due a check) goes through the app, which refills the entry. Which URLs are tiles
is the app's to say: serve_tile marks its responses (VERSIONS_ENVIRON_KEY), and only those are
kept.

Tiles of the pre-built archive are answered here even the first time they are asked for: once
the app has answered one `/tiles/{z}/{x}/{y}.mvt` (every layer) from the archive, its headers
are the template of every other tile of that archive with the same query (none, or `v=` the
current token), the ETag (app.tiles.tile_etag) and length filled in; only the bytes differ.
An empty tile, another query or zoom, or versions that changed or are due a check go through
the app.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask

from app import versions
from app.http import log_request
from app.tiles import ARCHIVE_ENVIRON_KEY, VERSIONS_ENVIRON_KEY, TileCache, tile_etag
from layers.tilearchive import TileArchive

_STORED_STATUSES = ("200 OK", "204 NO CONTENT")
_TILE_PATH = re.compile(r"/tiles/([0-9]{1,2})/([0-9]{1,7})/([0-9]{1,7})\.mvt")
_PER_TILE_HEADERS = frozenset({"etag", "content-length"})

StartResponse = Callable[..., Any]


@dataclass(frozen=True)
class _Template:
    """The headers of an archive tile the app answered, but its ETag and length."""

    archive: TileArchive
    versions: Mapping[str, str]
    headers: list[tuple[str, str]]


@dataclass(frozen=True)
class _Entry:
    status: str
    headers: list[tuple[str, str]]
    body: bytes
    versions: Mapping[str, str]


class TileFront:
    def __init__(self, app: Flask, wsgi_app: Callable[..., Iterable[bytes]], size: int) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self.entries = TileCache[_Entry](size)
        self.templates: dict[str, _Template] = {}  # by query string: "" and "v=<token>"

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "GET" or "HTTP_IF_NONE_MATCH" in environ:
            return self.wsgi_app(environ, start_response)
        path = environ.get("PATH_INFO", "")
        started = time.perf_counter()
        key = (path, environ.get("QUERY_STRING", ""))
        entry = self.entries.get(key)
        if entry is not None and entry.versions == self._current_versions():
            start_response(entry.status, entry.headers)
            log_request(self.app, "GET", path, key[1], int(entry.status[:3]), started)
            return [entry.body]
        body = self._from_archive(path, key[1])
        if body is not None:
            start_response("200 OK", body[1])
            log_request(self.app, "GET", path, key[1], 200, started)
            return [body[0]]
        return self._through_app(environ, start_response, key)

    def _from_archive(self, path: str, query: str) -> tuple[bytes, list[tuple[str, str]]] | None:
        """An archive tile's bytes and headers, when a template of the current versions fits."""
        template = self.templates.get(query)
        match = _TILE_PATH.fullmatch(path) if template is not None else None
        if template is None or match is None or template.versions != self._current_versions():
            return None
        z, x, y = (int(part) for part in match.groups())
        archive = template.archive
        if z > archive.max_zoom or x >= 1 << z or y >= 1 << z:
            return None
        body = archive.tile(z, x, y)
        if not body:
            return None
        etag = f'"{tile_etag(archive.token, "mvt", z, x, y)}"'
        return body, [*template.headers, ("ETag", etag), ("Content-Length", str(len(body)))]

    def _keep_template(self, environ: dict[str, Any], status: str, headers: list[Any]) -> None:
        archive: TileArchive | None = environ.get(ARCHIVE_ENVIRON_KEY)
        query = environ.get("QUERY_STRING", "")
        if (
            archive is None
            or status != "200 OK"
            or query not in ("", f"v={archive.token}")
            or not _TILE_PATH.fullmatch(environ.get("PATH_INFO", ""))
        ):
            return
        kept = [(name, value) for name, value in headers if name.lower() not in _PER_TILE_HEADERS]
        templates = {q: t for q, t in self.templates.items() if t.archive is archive}
        templates[query] = _Template(archive, environ[VERSIONS_ENVIRON_KEY], kept)
        self.templates = templates  # replaced whole: readers in other threads see one or the other

    def _current_versions(self) -> Mapping[str, str] | None:
        """The versions the app read last, if still fresh (else the app reads them again)."""
        read = self.app.extensions.get(versions.EXTENSION_KEY)
        if read is None or time.monotonic() - read.at >= versions.VERSIONS_TTL_S:
            return None
        return read.versions

    def _through_app(
        self, environ: dict[str, Any], start_response: StartResponse, key: tuple[str, str]
    ) -> Iterable[bytes]:
        captured: list[Any] = []

        def capture(status: str, headers: list[tuple[str, str]], *exc_info: Any) -> Any:
            captured[:] = [status, list(headers)]
            return start_response(status, headers, *exc_info)

        app_iter = self.wsgi_app(environ, capture)
        built_from = environ.get(VERSIONS_ENVIRON_KEY)
        if built_from is None or not captured or captured[0] not in _STORED_STATUSES:
            return app_iter
        try:
            body = b"".join(app_iter)
        finally:
            close = getattr(app_iter, "close", None)
            if close is not None:
                close()  # the app's own log line
        self.entries.put(key, _Entry(captured[0], captured[1], body, built_from))
        self._keep_template(environ, captured[0], captured[1])
        return [body]


def install(app: Flask, size: int) -> None:
    if size > 0:
        app.wsgi_app = TileFront(app, app.wsgi_app, size)  # type: ignore[method-assign]
