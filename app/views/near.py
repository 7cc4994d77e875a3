"""GET /api/near: the nearest features of the chosen layers, by geodesic distance."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Response, request

from app.context import current_store
from app.params import NearParams
from app.serializers import json_response, near_collection, open_status
from geo.distance import distance_m, rank_key
from layers.record import FeatureRecord
from layers.store import Hit, NearQuery

bp = Blueprint("near", __name__)


@bp.get("/api/near")
def near() -> Response:
    q = NearParams.from_args(
        request.args, request.headers.get("Accept-Language"), datetime.now(UTC)
    )
    open_now = OpenNow(q) if q.open_now else None
    query = NearQuery(
        q.lon,
        q.lat,
        q.layers,
        limit=q.limit,
        radius_m=q.radius_m,
        filters=q.filters,
        accept=open_now.accept if open_now else None,
    )
    hits = current_store().nearest(query)
    excluded = open_now.unknown_before(hits) if open_now else None
    return json_response(near_collection(hits, q, excluded), "application/geo+json")


class OpenNow:
    """The open_now predicate, remembering the candidates whose hours are unknown.

    The store calls `accept` on every candidate within the radius that ranks before its last
    hit (nearest.search walks them in rank order), so those are all seen here.
    """

    def __init__(self, q: NearParams) -> None:
        self.q = q
        self.unknown: dict[str, FeatureRecord] = {}
        self.status: dict[str, str] = {}

    def accept(self, record: FeatureRecord) -> bool:
        status = self.status.get(record.id)
        if status is None:  # the store may ask again when it widens its search
            status = self.status[record.id] = open_status(record, self.q.at)
            if status == "unknown":
                self.unknown[record.id] = record
        return status == "open"

    def unknown_before(self, hits: list[Hit]) -> int:
        """How many features with unknown hours rank before the last hit (all of them in the
        radius when fewer than `limit` features were found)."""
        if len(hits) < self.q.limit:
            return len(self.unknown)
        last = rank_key(hits[-1].distance_m, hits[-1].feature.id)
        lon, lat = self.q.lon, self.q.lat
        return sum(
            1
            for r in self.unknown.values()
            if rank_key(distance_m(lon, lat, r.lon, r.lat), r.id) < last
        )
