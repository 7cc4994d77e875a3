"""Every SQL statement of the PostGIS store, in one module."""

from __future__ import annotations

from sqlalchemy import text

CHECK_POSTGIS = text("SELECT extversion FROM pg_extension WHERE extname = 'postgis'")
CHECK_SCHEMA = text("SELECT to_regclass('public.feature') IS NOT NULL")

CURRENT_VERSIONS = text(
    "SELECT layer_id, version_id, data_version FROM layer_version WHERE status = 'current'"
)

CLEAN_STAGING = text("DELETE FROM layer_version WHERE layer_id = :layer_id AND status = 'staging'")

NEW_STAGING = text(
    "INSERT INTO layer_version (layer_id, data_version, status) "
    "VALUES (:layer_id, :data_version, 'staging') RETURNING version_id"
)

# psycopg COPY; geometry accepts EWKT text.
COPY_FEATURES = (
    "COPY feature (version_id, id, layer_id, name, address, sido, sigungu, phone, "
    "opening_hours_raw, opening_hours, fee, fee_text, wheelchair, source, updated_at, props, geom) "
    "FROM STDIN"
)

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

REGIONS_DELETE = text("DELETE FROM region")
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

FEATURE_COLUMNS = (
    "id, layer_id, name, address, sido, sigungu, phone, opening_hours_raw, opening_hours, fee, "
    "fee_text, wheelchair, source, updated_at, props, ST_X(geom) AS lon, ST_Y(geom) AS lat"
)

GET_FEATURE = text(f"SELECT {FEATURE_COLUMNS} FROM feature WHERE version_id = :version_id AND id = :id")

BBOX_CLAUSE = "geom && ST_MakeEnvelope(:min_lon, :min_lat, :max_lon, :max_lat, 4326)"

COMMON_FILTER_COLUMNS = frozenset(
    {"id", "name", "address", "sido", "sigungu", "phone", "fee", "wheelchair", "updated_at"}
)


def where_clause(
    bbox: bool,
    filters: tuple[tuple[str, str], ...],
    datetime: tuple[str | None, str | None] | None = None,
) -> tuple[str, dict[str, object]]:
    """A WHERE clause (version_id first) and its parameters for a feature query."""
    parts = ["version_id = :version_id"]
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
        if name in COMMON_FILTER_COLUMNS:
            # the column name comes from a fixed allow-list, never from the client
            parts.append(f"{name}::text = :{key}")
        else:
            parts.append(f"props ->> :{key}_name = :{key}")
            params[f"{key}_name"] = name
        params[key] = value
    return " AND ".join(parts), params


def select_features(where: str, limit: bool, offset: bool) -> str:
    sql = f"SELECT {FEATURE_COLUMNS} FROM feature WHERE {where} ORDER BY id"
    if limit:
        sql += " LIMIT :limit"
    if offset:
        sql += " OFFSET :offset"
    return sql


def count_features(where: str) -> str:
    return f"SELECT count(*) FROM feature WHERE {where}"


# Candidates by planar KNN inside a degree radius that is sure to hold every point within the
# geodesic radius; ranked by geodesic distance (geography, spheroid) and id.
def nearest(where: str) -> str:
    """Candidates by planar KNN inside a degree radius that is sure to hold every point within
    the geodesic radius, with their geodesic distance (geography, spheroid)."""
    return (
        f"SELECT {FEATURE_COLUMNS}, "
        "round(ST_Distance(geom::geography, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography)::numeric, 1)::float8 "
        "AS distance_m, "
        "ST_Distance(geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)) AS planar_deg "
        f"FROM feature WHERE {where} "
        "AND ST_DWithin(geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), :radius_deg) "
        "ORDER BY geom <-> ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) LIMIT :candidates"
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
