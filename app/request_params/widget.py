"""GET /embed, the map widget: its parameters, declared and parsed. Unlike the API, its `lang`
defaults to Korean whatever Accept-Language says (the host page chose the language)."""

from __future__ import annotations

from dataclasses import dataclass

from werkzeug.datastructures import MultiDict

from app.errors import InvalidParameter
from app.params import Param, layers_param
from app.request_params.lang import choose_lang
from app.request_params.primitives import boolean, checked, in_range, integer, layer_list, number
from geo.korea import in_korea
from layers import registry
from layers.bilingual import DEFAULT_LANG, LANGS, Lang

SEOUL_CITY_HALL = (126.9780, 37.5665)  # lon, lat
ZOOM_MIN, ZOOM_MAX, ZOOM_DEFAULT = 6, 18, 14
HEIGHT_MIN, HEIGHT_MAX, HEIGHT_DEFAULT = 150, 2000, 400

EMBED_PARAMS: tuple[Param, ...] = (
    layers_param(registry.first_view_ids()),
    Param(
        "lat",
        {"type": "number", "minimum": -90, "maximum": 90, "default": SEOUL_CITY_HALL[1]},
        "Latitude of the map centre (WGS84).",
    ),
    Param(
        "lon",
        {"type": "number", "minimum": -180, "maximum": 180, "default": SEOUL_CITY_HALL[0]},
        "Longitude of the map centre (WGS84).",
    ),
    Param(
        "zoom",
        {"type": "integer", "minimum": ZOOM_MIN, "maximum": ZOOM_MAX, "default": ZOOM_DEFAULT},
        "Zoom level (Web Mercator).",
    ),
    Param(
        "height",
        {
            "type": "integer",
            "minimum": HEIGHT_MIN,
            "maximum": HEIGHT_MAX,
            "default": HEIGHT_DEFAULT,
        },
        "Height of the map in CSS pixels (give the iframe the same height).",
    ),
    Param(
        "lang",
        {"type": "string", "enum": list(LANGS), "default": DEFAULT_LANG},
        "Language of the widget (ko or en; default ko).",
    ),
    Param(
        "cluster",
        {"type": "boolean", "default": True},
        "Group nearby markers into counted clusters.",
    ),
)


@dataclass(frozen=True)
class EmbedParams:
    layers: tuple[str, ...]
    lat: float
    lon: float
    zoom: int
    height: int
    lang: Lang
    cluster: bool

    @classmethod
    def from_args(cls, raw: MultiDict[str, str]) -> EmbedParams:
        args = checked(raw, EMBED_PARAMS)
        lang = choose_lang(args.get("lang"), strict=True)
        lat = number(args, "lat", SEOUL_CITY_HALL[1])
        lon = number(args, "lon", SEOUL_CITY_HALL[0])
        in_range("lat", lat, -90.0, 90.0)
        in_range("lon", lon, -180.0, 180.0)
        if not in_korea(lon, lat):
            raise InvalidParameter("outside_korea", parameter="lat", lat=lat, lon=lon)
        zoom = integer(args, "zoom", ZOOM_DEFAULT)
        in_range("zoom", zoom, ZOOM_MIN, ZOOM_MAX)
        height = integer(args, "height", HEIGHT_DEFAULT)
        in_range("height", height, HEIGHT_MIN, HEIGHT_MAX)
        return cls(
            layers=layer_list(args.get("layers"), default=registry.first_view_ids()),
            lat=lat,
            lon=lon,
            zoom=zoom,
            height=height,
            lang=lang,
            cluster=boolean(args, "cluster", default=True),
        )
