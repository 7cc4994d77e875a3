"""GET /api/near: its parameters, declared and parsed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from werkzeug.datastructures import MultiDict

from app.errors import InvalidParameter
from app.params import LANG, Param, layers_param
from app.request_params.lang import choose_lang
from app.request_params.primitives import (
    boolean,
    checked,
    in_range,
    integer,
    layer_list,
    local_datetime,
    number,
)
from geo.hours import KST
from geo.korea import in_korea, looks_swapped
from layers import registry
from layers.bilingual import Lang

NEAR_LIMIT_DEFAULT, NEAR_LIMIT_MAX = 10, 100
NEAR_RADIUS_MAX_M = 20000.0

NEAR_PARAMS: tuple[Param, ...] = (
    Param("lat", {"type": "number", "minimum": -90, "maximum": 90}, "Latitude (WGS84).", True),
    Param("lon", {"type": "number", "minimum": -180, "maximum": 180}, "Longitude (WGS84).", True),
    layers_param(registry.near_default_ids()),
    Param(
        "limit",
        {"type": "integer", "minimum": 1, "maximum": NEAR_LIMIT_MAX, "default": NEAR_LIMIT_DEFAULT},
        "How many features in total, across the layers.",
    ),
    Param(
        "radius_m",
        {
            "type": "number",
            "exclusiveMinimum": True,
            "minimum": 0,
            "maximum": NEAR_RADIUS_MAX_M,
            "default": NEAR_RADIUS_MAX_M,
        },
        "Search radius in metres (geodesic).",
    ),
    Param(
        "open_now",
        {"type": "boolean", "default": False},
        "Keep only features open at `at` (default now); the response says how many features "
        "with unknown hours were left out.",
    ),
    Param(
        "at",
        {"type": "string", "format": "date-time"},
        "ISO 8601 date-time for open_now and open_status (Asia/Seoul when it has no offset).",
    ),
    Param("free", {"type": "boolean", "default": False}, "true: only features that are free."),
    Param(
        "wheelchair",
        {"type": "boolean", "default": False},
        "true: only features known to be wheelchair accessible.",
    ),
    Param(
        "labels",
        {"type": "boolean", "default": False},
        "true: the answer also holds the layers' titles and field labels (`layers`, `labels`), "
        "as GET /api/layers serves them.",
    ),
    LANG,
)


@dataclass(frozen=True)
class NearParams:
    lon: float
    lat: float
    layers: tuple[str, ...]
    limit: int
    radius_m: float
    open_now: bool
    at: datetime
    free: bool
    wheelchair: bool
    lang: Lang
    labels: bool = False

    @classmethod
    def from_args(
        cls, raw: MultiDict[str, str], accept_language: str | None, now: datetime
    ) -> NearParams:
        args = checked(raw, NEAR_PARAMS)
        lang = choose_lang(args.get("lang"), accept_language, strict=True)
        lat, lon = number(args, "lat"), number(args, "lon")
        if looks_swapped(lon, lat):
            raise InvalidParameter("swapped", parameter="lat", lat=lat, lon=lon)
        in_range("lat", lat, -90.0, 90.0)
        in_range("lon", lon, -180.0, 180.0)
        if not in_korea(lon, lat):
            raise InvalidParameter("outside_korea", parameter="lat", lat=lat, lon=lon)
        limit = integer(args, "limit", NEAR_LIMIT_DEFAULT)
        if limit > NEAR_LIMIT_MAX:
            raise InvalidParameter(
                "limit_too_large", parameter="limit", max=NEAR_LIMIT_MAX, value=limit
            )
        in_range("limit", limit, 1, NEAR_LIMIT_MAX)
        radius_m = number(args, "radius_m", NEAR_RADIUS_MAX_M)
        if not 0 < radius_m <= NEAR_RADIUS_MAX_M:
            raise InvalidParameter(
                "out_of_range",
                parameter="radius_m",
                name="radius_m",
                value=radius_m,
                min=0,
                max=NEAR_RADIUS_MAX_M,
            )
        return cls(
            lon=lon,
            lat=lat,
            layers=layer_list(args.get("layers"), default=registry.near_default_ids()),
            limit=limit,
            radius_m=radius_m,
            open_now=boolean(args, "open_now"),
            at=local_datetime(args, "at") or now.astimezone(KST),
            free=boolean(args, "free"),
            wheelchair=boolean(args, "wheelchair"),
            lang=lang,
            labels=boolean(args, "labels"),
        )

    @property
    def filters(self) -> tuple[tuple[str, str], ...]:
        out = []
        if self.free:
            out.append(("fee", "free"))
        if self.wheelchair:
            out.append(("wheelchair", "true"))
        return tuple(out)
