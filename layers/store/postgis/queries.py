"""Every SQL statement of the PostGIS store, in one module."""

from __future__ import annotations

import re
from functools import lru_cache

from sqlalchemy import TextClause, text

from layers import fields
from layers.store.base import FILTER_FIELDS

CHECK_POSTGIS = text("SELECT extversion FROM pg_extension WHERE extname = 'postgis'")
CHECK_SCHEMA = text("SELECT to_regclass('public.feature') IS NOT NULL")
CHECK_REJECTS = text("SELECT to_regclass('public.reject') IS NOT NULL")

# how far a streaming replica's replay is behind, in seconds: 0 once it has replayed all the
# WAL it received; NULL on a primary
REPLICATION_LAG = text(
    "SELECT CASE WHEN NOT pg_is_in_recovery() THEN NULL "
    "WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0.0 "
    "ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())::float8 END"
)

# -- tile archives ---------------------------------------------------------------------------

TILE_ARCHIVE_EXISTS = text("SELECT 1 FROM tile_archive WHERE tileset_version = :token")
TILE_ARCHIVE_SIZE = text("SELECT size_bytes FROM tile_archive WHERE tileset_version = :token")
# a piece of the archive (stored uncompressed out of line, so only its TOAST chunks are read)
TILE_ARCHIVE_PIECE = text(
    "SELECT substring(archive FROM :start FOR :length) FROM tile_archive "
    "WHERE tileset_version = :token"
)
TILE_ARCHIVE_PUT = text(
    "INSERT INTO tile_archive (tileset_version, layer_versions, size_bytes, archive) "
    "VALUES (:token, CAST(:layer_versions AS jsonb), :size_bytes, :archive) "
    "ON CONFLICT (tileset_version) DO UPDATE SET layer_versions = EXCLUDED.layer_versions, "
    "size_bytes = EXCLUDED.size_bytes, archive = EXCLUDED.archive, built_at = now()"
)
TILE_ARCHIVE_PRUNE = text(
    "DELETE FROM tile_archive WHERE tileset_version NOT IN "
    "(SELECT tileset_version FROM tile_archive ORDER BY built_at DESC LIMIT :keep)"
)

CURRENT_VERSIONS = text(
    "SELECT layer_id, version_id, data_version FROM layer_version WHERE status = 'current'"
)

CLEAN_STAGING = text("DELETE FROM layer_version WHERE layer_id = :layer_id AND status = 'staging'")

NEW_STAGING = text(
    "INSERT INTO layer_version (layer_id, data_version, status) "
    "VALUES (:layer_id, :data_version, 'staging') RETURNING version_id"
)

# The common columns of the feature table, in the order of layers.fields.
COMMON_COLUMNS = tuple(f.sql_column for f in fields.COMMON)

# psycopg COPY (postgis/feature_rows.py writes the lines); geometry accepts EWKT text.
COPY_FEATURES = f"COPY feature (version_id, {', '.join(COMMON_COLUMNS)}, props, geom) FROM STDIN"

LOCK_LAYER = text("SELECT pg_advisory_xact_lock(hashtext(:layer_id))")

DEMOTE_CURRENT = text(
    "UPDATE layer_version SET status = 'previous' WHERE layer_id = :layer_id AND status = 'current'"
)

PROMOTE = text(
    "UPDATE layer_version SET status = 'current', row_count = :row_count, stats = CAST(:stats AS jsonb) "
    "WHERE version_id = :version_id"
)

# keep the current version and the two before it
PRUNE_OLD = text(
    "DELETE FROM layer_version WHERE layer_id = :layer_id AND status = 'previous' "
    "AND version_id NOT IN (SELECT version_id FROM layer_version WHERE layer_id = :layer_id "
    "AND status = 'previous' ORDER BY version_id DESC LIMIT :keep)"
)

# rollback: the newest previous version replaces the current one, which is dropped
LATEST_PREVIOUS = text(
    "SELECT version_id, data_version FROM layer_version WHERE layer_id = :layer_id "
    "AND status = 'previous' ORDER BY version_id DESC LIMIT 1"
)
DROP_CURRENT = text("DELETE FROM layer_version WHERE layer_id = :layer_id AND status = 'current'")
MAKE_CURRENT = text("UPDATE layer_version SET status = 'current' WHERE version_id = :version_id")

ANALYZE_FEATURES = text("ANALYZE feature")

REGIONS_DELETE = text("DELETE FROM region")
REGIONS_COUNT = text("SELECT count(*) FROM region")
REGIONS_INSERT = text(
    "INSERT INTO region (code, sido, sigungu, geom) "
    "VALUES (:code, :sido, :sigungu, ST_Multi(ST_GeomFromWKB(:wkb, 4326)))"
)
REGIONS_VERSION_INSERT = text(
    "INSERT INTO layer_version (layer_id, data_version, status, row_count) "
    "VALUES ('regions', :data_version, 'current', :row_count)"
)
REGIONS_VERSION_DELETE = text("DELETE FROM layer_version WHERE layer_id = 'regions'")
REGIONS_SELECT = text("SELECT code, sido, sigungu, ST_AsBinary(geom) FROM region ORDER BY code")

# what postgis/feature_rows.record reads back
FEATURE_COLUMNS = f"{', '.join(COMMON_COLUMNS)}, props, ST_X(geom) AS lon, ST_Y(geom) AS lat"

CURRENT_VERSION = text(
    "SELECT version_id FROM layer_version WHERE layer_id = :layer_id AND status = 'current'"
)

# a feature of the current version of its layer, in one round trip
GET_CURRENT_FEATURE = text(
    f"SELECT {FEATURE_COLUMNS} FROM feature WHERE version_id = ("
    "SELECT version_id FROM layer_version WHERE layer_id = :layer_id AND status = 'current') "
    "AND id = :id"
)


BBOX_CLAUSE = "geom && ST_MakeEnvelope(:min_lon, :min_lat, :max_lon, :max_lat, 4326)"


def where_clause(
    bbox: bool,
    filters: tuple[tuple[str, str], ...],
    datetime: tuple[str | None, str | None] | None = None,
) -> tuple[str, dict[str, object]]:
    """A WHERE clause (version_id first) and its parameters for a feature query."""
    # bigint like the column: btree_gist has no cross-type operators, and psycopg sends a
    # small int as int2, which would leave the GiST (version_id, geom) index half used
    parts = ["version_id = CAST(:version_id AS bigint)"]
    params: dict[str, object] = {}
    if bbox:
        parts.append(BBOX_CLAUSE)
    if datetime is not None:
        start, end = datetime
        if start is not None:
            parts.append("updated_at >= :dt_start")
            params["dt_start"] = start
        if end is not None:
            # a date-only value compares as a prefix: '2024-05-01' <= '2024-05-01T..'
            parts.append("updated_at <= :dt_end")
            params["dt_end"] = end
        if start is None and end is None:
            parts.append("updated_at IS NOT NULL")
    for i, (name, value) in enumerate(filters):
        key = f"f{i}"
        if name in FILTER_FIELDS:
            # the column name comes from a fixed allow-list, never from the client
            parts.append(f"{fields.BY_NAME[name].sql_column}::text = :{key}")
        else:
            parts.append(f"props ->> :{key}_name = :{key}")
            params[f"{key}_name"] = name
        params[key] = value
    return " AND ".join(parts), params


def select_features(where: str, limit: bool, offset: bool) -> str:
    sql = f"SELECT {FEATURE_COLUMNS} FROM feature WHERE {where} ORDER BY id"
    if not (limit or offset):
        return sql
    # A page: its ids first, so that a sort moves ids rather than whole rows.
    page = f"SELECT id FROM feature WHERE {where} ORDER BY id"
    if limit:
        page += " LIMIT :limit"
    if offset:
        page += " OFFSET :offset"
    return (
        f"SELECT {FEATURE_COLUMNS} FROM feature "
        f"WHERE version_id = :version_id AND id IN ({page}) ORDER BY id"
    )


def count_features(where: str) -> str:
    return f"SELECT count(*) FROM feature WHERE {where}"


# -- near-me snapshots (layers/store/nearme.py) ------------------------------------------------

# the channel a load's swap and a rollback notify, in their own transaction: listeners hear it
# when it commits (NOTIFY is not replicated: a replica's readers poll POINT_VERSIONS instead)
VERSIONS_CHANNEL = "sharemap_versions"
LISTEN_VERSIONS = f"LISTEN {VERSIONS_CHANNEL}"
NOTIFY_VERSIONS = text(f"SELECT pg_notify('{VERSIONS_CHANNEL}', :layer_id)")

# the current version of every point layer: what a near-me snapshot is keyed by
POINT_VERSIONS = (
    "SELECT layer_id, version_id FROM layer_version "
    "WHERE status = 'current' AND layer_id <> 'regions' ORDER BY layer_id"
)

SNAPSHOT_FEATURES = text(
    f"SELECT {FEATURE_COLUMNS} FROM feature WHERE version_id = CAST(:version_id AS bigint) "
    "ORDER BY id"
)


LAYER_INFO = text(
    "SELECT v.data_version, v.row_count, v.stats, v.loaded_at, "
    "ST_XMin(e) AS min_lon, ST_YMin(e) AS min_lat, ST_XMax(e) AS max_lon, ST_YMax(e) AS max_lat, "
    "d.updated_min, d.updated_max "
    "FROM layer_version v, "
    "LATERAL (SELECT ST_Extent(geom) AS e FROM feature f WHERE f.version_id = v.version_id) x, "
    "LATERAL (SELECT min(updated_at) AS updated_min, max(updated_at) AS updated_max "
    "         FROM feature f WHERE f.version_id = v.version_id) d "
    "WHERE v.layer_id = :layer_id AND v.status = 'current'"
)


# -- rejected rows (migration 0003) ----------------------------------------------------------

KEPT_VERSION = text(
    "SELECT version_id FROM layer_version WHERE layer_id = :layer_id "
    "AND data_version = :data_version AND status IN ('current', 'previous') "
    "ORDER BY status = 'current' DESC, version_id DESC LIMIT 1"
)

DELETE_REJECTS = text("DELETE FROM reject WHERE version_id = :version_id")

COPY_REJECTS = (
    "COPY reject (version_id, layer_id, file, row_number, reason, detail, name, lon, lat) "
    "FROM STDIN"
)

CURRENT_REJECTS = text(
    "SELECT r.layer_id, r.file, r.row_number, r.reason, r.detail, r.name, r.lon, r.lat "
    "FROM reject r JOIN layer_version v USING (version_id) "
    "WHERE v.layer_id = :layer_id AND v.status = 'current' ORDER BY r.file, r.row_number"
)


# -- tiles ------------------------------------------------------------------------------------
# A tile is one statement. Each requested layer is pinned to the data_version it was asked for
# (`:l{i}`, `:d{i}`; `pinned` says how many were found). Tile pixels are closed-form Web
# Mercator on ST_X/ST_Y, geo.tiles.world_pixel's formula, instead of ST_Transform and
# ST_AsMVTGeom per row; all point layers share one scan, and the text stays under psycopg's
# 4 KB statement cache limit (longer texts are re-parsed on every execution). Parameters:
# :world (extent * 2^z), :x0, :y0 (the tile's top-left world pixel), :lo, :hi (the half-open
# pixel window kept), :cell (cluster cell size), :west, :south, :east, :north (the index box)
# and, for regions, :z, :x, :y, :tolerance.

TileAttr = tuple[str, str]  # (attribute name, "int" | "float" | "bool" | "text")

_IDENT = re.compile(r"[a-z][a-z0-9_]*")
# the common attributes of an unclustered point (layers.fields, layers.tileset)
_TILE_COMMON = ",".join(f.sql_column for f in fields.TILE_FIELDS)
_TILE_COMMON_F = ",".join(f"f.{f.sql_column}" for f in fields.TILE_FIELDS)
_TILE_BOX = "ST_MakeEnvelope(:west,:south,:east,:north,4326)"
_TILE_CASTS = {
    "int": "CASE jsonb_typeof(props->'{0}') WHEN 'number' THEN round((props->>'{0}')::numeric)::int END",
    "float": "CASE jsonb_typeof(props->'{0}') WHEN 'number' THEN (props->>'{0}')::float8 END",
    "bool": "CASE jsonb_typeof(props->'{0}') WHEN 'boolean' THEN (props->>'{0}')::boolean END",
    "text": "props->>'{0}'",
}


def _prop(name: str, type_: str) -> str:
    """A typed attribute read from props; a value of another JSON type becomes null."""
    if not _IDENT.fullmatch(name):  # names come from layers/tileset.py, never from a client
        raise ValueError(f"not a tile attribute name: {name!r}")
    return f'{_TILE_CASTS[type_].format(name)} AS "{name}"'


def _tile_ctes(n: int, columns: str) -> str:
    """v: the pins found (i, layer_id, version_id); p: the points of every pinned point layer
    in the pixel window, materialized so that each pixel is computed once."""
    pairs = ",".join(f"({i},CAST(:l{i} AS text),CAST(:d{i} AS text))" for i in range(n))
    return (
        "WITH v AS MATERIALIZED (SELECT DISTINCT ON (w.i) w.i,w.layer_id,lv.version_id "
        f"FROM (VALUES {pairs}) AS w(i,layer_id,data_version) "
        "JOIN layer_version lv ON lv.layer_id=w.layer_id AND lv.data_version=w.data_version "
        "AND lv.status<>'staging' ORDER BY w.i,lv.status='current' DESC,lv.version_id DESC),"
        f"m AS MATERIALIZED (SELECT v.i,{columns}"
        "(ST_X(f.geom)+180.0)/360.0*:world-:x0 AS px,"
        "(0.5-ln(tan(pi()/4+radians(ST_Y(f.geom))/2))/(2*pi()))*:world-:y0 AS py "
        f"FROM v JOIN feature f ON f.version_id=v.version_id WHERE f.geom&&{_TILE_BOX}),"
        "p AS (SELECT * FROM m WHERE px>=:lo AND px<:hi AND py>=:lo AND py<:hi)"
    )


# one row per non-empty grid cell; floor keeps a cluster in its cell, so in its tile
_TILE_CLUSTERS = (
    ",c AS (SELECT i,count(*)::int AS n,"
    'CASE WHEN count(*)=1 THEN min(id COLLATE "C") END AS id,'
    'CASE WHEN count(*)=1 THEN min(name COLLATE "C") END AS name,'
    "avg(px) AS px,avg(py) AS py FROM p GROUP BY i,floor(px/:cell),floor(py/:cell))"
)


def _mvt_points(i: int, attrs: tuple[TileAttr, ...], clustered: bool) -> str:
    if clustered:
        rows = (
            'SELECT n AS "count",id,name,ST_MakePoint(floor(px),floor(py)) AS geom '
            f"FROM c WHERE i={i}"
        )
    else:
        columns = "".join(f"{_prop(name, type_)}," for name, type_ in attrs)
        rows = (
            f"SELECT {_TILE_COMMON},{columns}ST_MakePoint(round(px),round(py)) AS geom "
            f"FROM p WHERE i={i}"
        )
    return f"(SELECT ST_AsMVT(t,:l{i},4096,'geom') FROM ({rows}) t)"


def _mvt_regions(i: int) -> str:
    # clipped in lon/lat first, so that only the vertices near the tile are transformed;
    # ST_AsMVT skips the null geometries of polygons that vanish
    return (
        f"(SELECT ST_AsMVT(t,:l{i},4096,'geom') FROM (SELECT code,sigungu AS name,sido,"
        f"ST_AsMVTGeom(ST_Transform(ST_Simplify(ST_ClipByBox2D(r.geom,{_TILE_BOX}),"
        ":tolerance,true),3857),ST_TileEnvelope(:z,:x,:y),4096,64,true) AS geom "
        f"FROM region r WHERE r.geom&&{_TILE_BOX}) t)"
    )


@lru_cache(maxsize=256)
def vector_tile(layers: tuple[tuple[TileAttr, ...] | None, ...], clustered: bool) -> TextClause:
    """The MVT of a tile and how many of its layer pins were found. `layers` holds, in output
    order, each point layer's attributes, or None for the regions layer."""
    columns = "f.id,f.name," if clustered else f"{_TILE_COMMON_F},f.props,"
    sql = _tile_ctes(len(layers), columns) + (_TILE_CLUSTERS if clustered else "")
    parts = [
        _mvt_regions(i) if attrs is None else _mvt_points(i, attrs, clustered)
        for i, attrs in enumerate(layers)
    ]
    mvt = "||".join(f"coalesce({part},'')" for part in parts)
    return text(f"{sql} SELECT {mvt} AS mvt,(SELECT count(*) FROM v) AS pinned")


@lru_cache(maxsize=64)
def tile_points(n: int, clustered: bool) -> TextClause:
    """Rows (i, px, py, count) of `n` point layers (i: the index of the layer's pin), and a
    last row (NULL, NULL, NULL, pinned) saying how many of the pins were found."""
    sql = _tile_ctes(n, "f.id,f.name,")
    if clustered:
        sql += f"{_TILE_CLUSTERS} SELECT i,px,py,n FROM c"
    else:
        sql += " SELECT i,px,py,1 FROM p"
    return text(f"{sql} UNION ALL SELECT NULL,NULL,NULL,count(*)::int FROM v")


# -- downloads --------------------------------------------------------------------------------
# One text column per row, built in the database: layers.feature's flat Feature and
# layers.export's CSV row (a test checks that both agree). Layer field names come from the
# layer specs, never from a client.


def _field_name(name: str) -> str:
    if not _IDENT.fullmatch(name):
        raise ValueError(f"not a field name: {name!r}")
    return name


# the common properties of a Feature (the id is the Feature's), named as published
_EXPORT_PROPERTIES = ", ".join(
    f"f.{f.sql_column}" + (f" AS {f.name}" if f.sql_column != f.name else "")
    for f in fields.COMMON
    if f.name != "id"
)
# the common CSV columns, as text
_EXPORT_CSV_COMMON = ", ".join(
    f"f.{f.sql_column}" if f.type == "text" else f"CAST(f.{f.sql_column} AS text)"
    for f in fields.COMMON
)

# Rows sorted before the text is built, so that the sort moves ids rather than whole texts.
_EXPORT_ROWS = "(SELECT * FROM feature WHERE {where} ORDER BY id) f"


@lru_cache(maxsize=64)
def export_geojson(where: str) -> str:
    """Rows of one GeoJSON Feature text each (RFC 7946, 7 decimals), ordered by id: the
    common properties, then the feature's props as stored."""
    return (
        """SELECT '{"type":"Feature","id":' || CAST(to_json(f.id) AS text) """
        """|| ',"geometry":' || ST_AsGeoJSON(f.geom, 7) """
        """|| ',"properties":' || left(CAST(to_json(p) AS text), -1) """
        """|| CASE WHEN f.props = CAST('{}' AS jsonb) THEN '}' """
        """ELSE ',' || substr(CAST(f.props AS text), 2) END || '}' """
        f"FROM {_EXPORT_ROWS.format(where=where)}, LATERAL (SELECT {_EXPORT_PROPERTIES}) p "
        "ORDER BY f.id"
    )


@lru_cache(maxsize=64)
def export_csv(fields: tuple[str, ...], where: str) -> str:
    """Rows of text values in the order of layers.export.csv_columns, ordered by id."""
    props = "".join(f"f.props ->> '{_field_name(f)}', " for f in fields)
    return (
        f"SELECT {_EXPORT_CSV_COMMON}, {props}"
        "split_part(substr(w.wkt, 7), ' ', 1), rtrim(split_part(w.wkt, ' ', 2), ')'), w.wkt "
        f"FROM {_EXPORT_ROWS.format(where=where)}, LATERAL (SELECT ST_AsText(f.geom, 7) AS wkt) w "
        "ORDER BY f.id"
    )


# -- place search (layers/store/places_search.py defines the match and the order) -------------------
# :t0 … :t{n-1} are the lower-cased words; strpos rather than LIKE, so that % and _ are literal.


def _all_words(haystack: str, n_words: int) -> str:
    return " AND ".join(f"strpos({haystack}, :t{i}) > 0" for i in range(n_words))


def _no_prefix(names: tuple[str, ...], n_words: int) -> str:
    """True unless one of the names starts with one of the words (sorts the prefixed first)."""
    starts = " OR ".join(f"strpos(lower({n}), :t{i}) = 1" for n in names for i in range(n_words))
    return f"NOT ({starts})"


@lru_cache(maxsize=8)
def search_regions(n_words: int) -> TextClause:
    haystack = "lower(sigungu || chr(10) || sido)"
    return text(
        "SELECT code, sido, sigungu, ST_X(p) AS lon, ST_Y(p) AS lat FROM "
        "(SELECT code, sido, sigungu, ST_PointOnSurface(geom) AS p FROM region "
        f"WHERE {_all_words(haystack, n_words)}) r "
        f"ORDER BY {_no_prefix(('sigungu', 'sido'), n_words)}, char_length(sigungu), "
        'code COLLATE "C" LIMIT :limit'
    )


@lru_cache(maxsize=8)
def search_features(n_words: int) -> TextClause:
    haystack = "lower(name || chr(10) || coalesce(address, ''))"
    return text(
        "SELECT id, layer_id, name, address, ST_X(geom) AS lon, ST_Y(geom) AS lat FROM feature "
        "WHERE version_id = ANY(CAST(:version_ids AS bigint[])) "
        f"AND {_all_words(haystack, n_words)} "
        f'ORDER BY {_no_prefix(("name",), n_words)}, char_length(name), id COLLATE "C" '
        "LIMIT :limit"
    )
