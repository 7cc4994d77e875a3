"""GET /download/{layer}.geojson and .csv: whole (or filtered) layers, streamed from the store."""

from __future__ import annotations

import hashlib
from collections.abc import Generator, Iterator
from contextlib import closing

from flask import Blueprint, Response, current_app, request, send_file

from app import links
from app.context import current_store, settings
from app.download_files import download_file
from app.errors import NotFound
from app.request_params.downloads import DownloadParams
from app.tiles import current_archive
from layers import export
from layers.store import FeatureQuery

bp = Blueprint("downloads", __name__)

CONTENT_TYPES = {"geojson": "application/geo+json", "csv": "text/csv; charset=utf-8"}
# what a CSV download ends with when the database goes away in the middle of it (the status line
# is sent by then): a last line that opens a quoted field and never closes it, so that no CSV
# reader takes the cut file for a complete one. A cut GeoJSON download lacks its closing `]}`.
CSV_CUT_MARK = b'\r\n"'


@bp.get(links.TILE_ARCHIVE_PATH)
def tile_archive() -> Response:
    """The tile archive of the current versions, for static hosting and MapLibre's pmtiles
    protocol: byte ranges (206, If-Range) and conditional requests on the tileset version."""
    archive = current_archive()
    if archive is None:
        raise NotFound("tile_archive_not_built")
    response = send_file(
        archive.path,
        links.PMTILES,
        as_attachment=True,
        download_name=f"sharemap-tiles-{archive.token}.pmtiles",
        conditional=True,
        etag=archive.token,
        max_age=0,
    )
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/download/<file_name>")
def download(file_name: str) -> Response:
    q = DownloadParams.from_args(file_name, request.args, request.headers.get("Accept-Language"))
    store = current_store()
    version = store.version(q.layer)
    if version is None:
        raise NotFound("layer_not_loaded", value=q.layer)
    selection = hashlib.sha256(f"{q.filters!r}|{q.bbox!r}".encode()).hexdigest()[:8]
    etag = hashlib.sha256(f"{version}|{q.format}|{selection}".encode()).hexdigest()[:32]
    name = f"sharemap-{q.layer}-{version}" + (f"-{selection}" if q.filters or q.bbox else "")
    if request.if_none_match.contains(etag):
        return _headers(Response(status=304), f"{name}.{q.format}", etag)

    def body() -> Iterator[bytes]:
        chunks = store.export(q.layer, q.format, FeatureQuery(bbox=q.bbox, filters=q.filters))
        # the first chunk is read now, so that a database error is a 503, not a cut-off body
        return (geojson_body if q.format == "geojson" else csv_body)(q.layer, primed(chunks))

    if request.method == "HEAD" or request.range is not None:
        # random access (GDAL's /vsicurl/) needs the length: served from a file
        directory = settings().data_dir / "downloads"
        path = download_file(directory, q.layer, version, selection, q.format, body)
        response = send_file(path, CONTENT_TYPES[q.format], conditional=True, etag=False, max_age=0)
    else:
        response = current_app.response_class(body(), content_type=CONTENT_TYPES[q.format])
        response.headers["Accept-Ranges"] = "bytes"
    return _headers(response, f"{name}.{q.format}", etag)


def _headers(response: Response, file_name: str, etag: str) -> Response:
    response.headers["Content-Disposition"] = f'attachment; filename="{file_name}"'
    response.headers["Cache-Control"] = "no-cache"
    response.set_etag(etag)
    return response


def primed(chunks: Iterator[str]) -> Generator[str]:
    """`chunks` with its first item already read; closing the result closes `chunks` (and so
    releases the database connection when a client goes away mid-download)."""
    first = next(chunks, None)

    def rest() -> Generator[str]:
        try:
            if first is not None:
                yield first
                yield from chunks
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()

    return rest()


def geojson_body(layer_id: str, chunks: Generator[str]) -> Generator[bytes]:
    """An RFC 7946 FeatureCollection around the store's comma-separated Feature chunks."""
    with closing(chunks):
        yield b'{"type":"FeatureCollection","name":"' + layer_id.encode() + b'","features":['
        for i, chunk in enumerate(chunks):
            yield (chunk if i == 0 else "," + chunk).encode()
        yield b"]}\n"


def csv_body(layer_id: str, chunks: Generator[str]) -> Generator[bytes]:
    """UTF-8 with a byte order mark (so that Excel reads Korean), a header, then the rows."""
    with closing(chunks):
        yield "\ufeff".encode() + export.csv_text([export.csv_columns(layer_id)]).encode()
        try:
            for chunk in chunks:
                yield chunk.encode()
        except Exception:
            yield CSV_CUT_MARK
            raise
