"""Request parameters: declared once (parsing and OpenAPI use the same declarations), parsed
into frozen dataclasses; anything a client gets wrong raises InvalidParameter."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from werkzeug.datastructures import MIMEAccept, MultiDict

from app.errors import InvalidParameter, NotAcceptable, NotFound
from app.messages import LANGS, Lang, choose_lang
from geo.hours import KST
from geo.korea import in_korea, looks_swapped
from layers import export, registry
from layers.bilingual import Bilingual
from layers.spec import Field

NEAR_LIMIT_DEFAULT, NEAR_LIMIT_MAX = 10, 100
NEAR_RADIUS_MAX_M = 20000.0
ITEMS_LIMIT_DEFAULT, ITEMS_LIMIT_MAX = 100, 10000
OFFSET_MAX = 10_000_000

_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d{1,3})?")
_INTEGER = re.compile(r"[+-]?\d{1,12}")
_TRUE, _FALSE = frozenset({"true", "1", "yes"}), frozenset({"false", "0", "no"})


@dataclass(frozen=True)
class Param:
    """One query parameter as the API documents it (an OpenAPI 3.0 parameter object)."""

    name: str
    schema: Mapping[str, Any]
    description: str
    required: bool = False
    style_form_array: bool = False  # comma-separated array (style: form, explode: false)

    def openapi(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "name": self.name,
            "in": "query",
            "required": self.required,
            "description": self.description,
            "schema": dict(self.schema),
        }
        if self.style_form_array:
            doc.update(style="form", explode=False)
        return doc


LANG = Param(
    "lang",
    {"type": "string", "enum": list(LANGS)},
    "Language of titles, labels and error texts (ko or en; default: Accept-Language, else ko). "
    "Data values stay as published.",
)
F_JSON_HTML = Param(
    "f",
    {"type": "string", "enum": ["json", "html"]},
    "Output format; without it the Accept header decides.",
)
BBOX = Param(
    "bbox",
    {"type": "array", "minItems": 4, "maxItems": 4, "items": {"type": "number"}},
    "min_lon,min_lat,max_lon,max_lat in WGS84 (CRS84).",
    style_form_array=True,
)

NEAR_PARAMS: tuple[Param, ...] = (
    Param("lat", {"type": "number", "minimum": -90, "maximum": 90}, "Latitude (WGS84).", True),
    Param("lon", {"type": "number", "minimum": -180, "maximum": 180}, "Longitude (WGS84).", True),
    Param(
        "layers",
        {"type": "array", "items": {"type": "string", "enum": list(registry.LAYER_IDS)}},
        "Comma-separated layer ids (default: " + ", ".join(registry.near_default_ids()) + ").",
        style_form_array=True,
    ),
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

COLLECTION_PARAMS: tuple[Param, ...] = (F_JSON_HTML, LANG)

ITEMS_PARAMS: tuple[Param, ...] = (
    BBOX,
    Param(
        "limit",
        # no "maximum": OGC API Features requires a larger limit to be served as the maximum
        {"type": "integer", "minimum": 1, "default": ITEMS_LIMIT_DEFAULT},
        f"Page size, at most {ITEMS_LIMIT_MAX} (larger values are served as {ITEMS_LIMIT_MAX}).",
    ),
    Param(
        "offset",
        {"type": "integer", "minimum": 0, "maximum": OFFSET_MAX, "default": 0},
        "How many features (in id order) to skip; the rel=next link carries it.",
    ),
    Param(
        "datetime",
        {"type": "string"},
        "The features' update date: an RFC 3339 date or date-time, or an interval "
        "start/end with '..' for an open end.",
    ),
    F_JSON_HTML,
    LANG,
)

DOWNLOAD_PARAMS: tuple[Param, ...] = (
    Param("sido", {"type": "string"}, "Province (시도) as published, e.g. 서울특별시."),
    Param("sigungu", {"type": "string"}, "District (시군구), e.g. 강남구; needs sido."),
    BBOX,
    LANG,
)

PLAIN_PARAMS: tuple[Param, ...] = (LANG,)


# -- queryables ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Queryable:
    name: str
    type: Literal["string", "integer", "number", "boolean"]
    title: Bilingual
    enum: tuple[str, ...] = ()


_JSON_TYPES: dict[str, Literal["string", "integer", "number", "boolean"]] = {
    "text": "string",
    "date": "string",
    "int": "integer",
    "float": "number",
    "bool": "boolean",
}

COMMON_QUERYABLES: tuple[Queryable, ...] = (
    Queryable("name", "string", Bilingual("이름", "Name")),
    Queryable("sido", "string", Bilingual("시도", "Province")),
    Queryable("sigungu", "string", Bilingual("시군구", "District")),
    Queryable("fee", "string", Bilingual("요금", "Fee"), ("free", "paid", "unknown")),
    Queryable("wheelchair", "boolean", Bilingual("휠체어 이용", "Wheelchair access")),
)


def queryables(layer_id: str) -> tuple[Queryable, ...]:
    """The property filters of a layer's items: common fields and its queryable fields."""
    common = {q.name for q in COMMON_QUERYABLES}
    own = tuple(
        _queryable(f)
        for f in export.layer_fields(layer_id)
        if _filterable(f) and f.name not in common
    )
    return COMMON_QUERYABLES + own


def _filterable(f: Field) -> bool:
    return f.queryable and f.type in _JSON_TYPES


def _queryable(f: Field) -> Queryable:
    return Queryable(f.name, _JSON_TYPES[f.type], f.label)


def items_params(layer_id: str) -> tuple[Param, ...]:
    """The items parameters of a layer, its queryables included."""
    filters = tuple(
        Param(
            q.name,
            {"type": q.type, **({"enum": list(q.enum)} if q.enum else {})},
            f"Only features whose {q.title.en.lower()} ({q.title.ko}) equals this value.",
        )
        for q in queryables(layer_id)
    )
    return ITEMS_PARAMS + filters


# -- parsing ---------------------------------------------------------------------------------


def checked(args: MultiDict[str, str], allowed: tuple[Param, ...]) -> dict[str, str]:
    """The query arguments as a dict; unknown, repeated or NUL-bearing ones raise."""
    names = {p.name for p in allowed}
    out: dict[str, str] = {}
    for name in args:
        if name not in names:
            raise InvalidParameter(
                "unknown_parameter", parameter=name, name=name, allowed=", ".join(sorted(names))
            )
        values = args.getlist(name)
        if len(values) > 1:
            raise InvalidParameter("repeated_parameter", parameter=name, name=name)
        if "\x00" in values[0]:
            raise InvalidParameter("bad_text", parameter=name, name=name)
        out[name] = values[0]
    return out


def lang_of(args: Mapping[str, str], accept_language: str | None) -> Lang:
    value = args.get("lang")
    if value is not None and value not in LANGS:
        raise InvalidParameter(
            "bad_choice", parameter="lang", name="lang", value=value, choices="ko, en"
        )
    return choose_lang(value, accept_language)


def number(args: Mapping[str, str], name: str, default: float | None = None) -> float:
    raw = args.get(name)
    if raw is None:
        if default is None:
            raise InvalidParameter("missing_parameter", parameter=name, name=name)
        return default
    if not _NUMBER.fullmatch(raw.strip()):
        raise InvalidParameter("not_a_number", parameter=name, name=name, value=raw)
    value = float(raw)
    if not math.isfinite(value):
        raise InvalidParameter("not_a_number", parameter=name, name=name, value=raw)
    return value


def integer(args: Mapping[str, str], name: str, default: int) -> int:
    raw = args.get(name)
    if raw is None:
        return default
    if not _INTEGER.fullmatch(raw.strip()):
        raise InvalidParameter("not_an_integer", parameter=name, name=name, value=raw)
    return int(raw)


def in_range(name: str, value: float, low: float, high: float) -> None:
    if not low <= value <= high:
        raise InvalidParameter(
            "out_of_range", parameter=name, name=name, value=value, min=low, max=high
        )


def boolean(args: Mapping[str, str], name: str) -> bool:
    raw = args.get(name)
    if raw is None:
        return False
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise InvalidParameter("not_a_boolean", parameter=name, name=name, value=raw)


def layer_list(
    args: Mapping[str, str], name: str = "layers", default: tuple[str, ...] | None = None
) -> tuple[str, ...]:
    """The layers named in `name`; without it `default` (None: every layer)."""
    raw = args.get(name)
    if raw is None:
        return registry.LAYER_IDS if default is None else default
    chosen: list[str] = []
    for part in raw.split(","):
        layer_id = part.strip()
        if not layer_id:
            continue
        if layer_id not in registry.LAYER_IDS:
            raise InvalidParameter(
                "unknown_layer",
                parameter=name,
                value=layer_id,
                choices=", ".join(registry.LAYER_IDS),
            )
        if layer_id not in chosen:
            chosen.append(layer_id)
    if not chosen:
        raise InvalidParameter("empty_layers", parameter=name)
    return tuple(chosen)


def local_datetime(args: Mapping[str, str], name: str) -> datetime | None:
    """An ISO 8601 date-time as an aware Asia/Seoul datetime (naive input is Seoul time)."""
    raw = args.get(name)
    if raw is None:
        return None
    try:
        value = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise InvalidParameter("bad_datetime", parameter=name, name=name, value=raw) from None
    # the holiday calendar is defined for these years
    if not 1901 <= value.year <= 2099:
        raise InvalidParameter("bad_datetime", parameter=name, name=name, value=raw)
    return value.replace(tzinfo=KST) if value.tzinfo is None else value.astimezone(KST)


def bbox(args: Mapping[str, str]) -> tuple[float, float, float, float] | None:
    raw = args.get("bbox")
    if raw is None:
        return None
    parts = raw.split(",")
    if len(parts) not in (4, 6) or not all(_NUMBER.fullmatch(p.strip()) for p in parts):
        raise InvalidParameter("bad_bbox", parameter="bbox", value=raw)
    values = [float(p) for p in parts]
    if len(values) == 6:  # min_lon, min_lat, min_z, max_lon, max_lat, max_z
        values = [values[0], values[1], values[3], values[4]]
    min_lon, min_lat, max_lon, max_lat = values
    for lon in (min_lon, max_lon):
        in_range("bbox", lon, -180.0, 180.0)
    for lat in (min_lat, max_lat):
        in_range("bbox", lat, -90.0, 90.0)
    if min_lon > max_lon or min_lat > max_lat:
        raise InvalidParameter("bbox_order", parameter="bbox", value=raw)
    return (min_lon, min_lat, max_lon, max_lat)


def date_interval(args: Mapping[str, str]) -> tuple[str | None, str | None] | None:
    """OGC `datetime` as an inclusive interval of ISO dates (the features' update dates)."""
    raw = args.get("datetime")
    if raw is None:
        return None
    pieces = raw.split("/")
    if len(pieces) > 2:
        raise InvalidParameter("bad_interval", parameter="datetime", value=raw)
    try:
        dates = [_date_or_open(p) for p in pieces]
    except ValueError:
        raise InvalidParameter("bad_interval", parameter="datetime", value=raw) from None
    if len(dates) == 1:
        if dates[0] is None:
            raise InvalidParameter("bad_interval", parameter="datetime", value=raw)
        return (dates[0], dates[0])
    start, end = dates
    if start is not None and end is not None and start > end:
        raise InvalidParameter("bad_interval", parameter="datetime", value=raw)
    return (start, end)


def _date_or_open(text: str) -> str | None:
    text = text.strip()
    if text in ("", ".."):
        return None
    if len(text) == 10:
        return date.fromisoformat(text).isoformat()
    value = datetime.fromisoformat(text)
    if value.tzinfo is not None:
        value = value.astimezone(KST)
    return value.date().isoformat()


def known_layer(layer_id: str) -> str:
    if layer_id not in registry.LAYER_IDS:
        raise NotFound("unknown_collection", value=layer_id, choices=", ".join(registry.LAYER_IDS))
    return layer_id


def filter_value(q: Queryable, raw: str) -> str:
    """A property filter's value as the store compares it (text, like PostgreSQL's ::text)."""
    value = raw.strip()
    if q.type == "boolean":
        if value.lower() in _TRUE:
            return "true"
        if value.lower() in _FALSE:
            return "false"
        expected = "true / false"
    elif q.type == "integer":
        if _INTEGER.fullmatch(value):
            return str(int(value))
        expected = "integer"
    elif q.type == "number":
        if _NUMBER.fullmatch(value):
            number = Decimal(value)
            if number.is_finite() and abs(number.adjusted()) < 30:
                # as PostgreSQL prints a jsonb number: plain notation, no trailing zeros
                return format(number.normalize(), "f")
        expected = "number"
    elif q.enum:
        if value in q.enum:
            return value
        expected = " / ".join(q.enum)
    else:
        return raw
    raise InvalidParameter(
        "bad_filter_value", parameter=q.name, name=q.name, value=raw, expected=expected
    )


# -- format negotiation ----------------------------------------------------------------------

MEDIA_TYPES: dict[str, tuple[str, ...]] = {
    "json": ("application/json",),
    "geojson": ("application/geo+json", "application/json"),
    "html": ("text/html", "application/xhtml+xml"),
}


def output_format(args: Mapping[str, str], accept: MIMEAccept, offers: tuple[str, ...]) -> str:
    """`f` when given (one of `offers`), else the best of `offers` for the Accept header (the
    first offer for */* or no header); 406 when Accept rules all of them out."""
    f = args.get("f")
    if f is not None:
        choices = tuple("json" if o == "geojson" else o for o in offers)
        if f not in choices:
            raise InvalidParameter(
                "bad_choice", parameter="f", name="f", value=f, choices=", ".join(choices)
            )
        return offers[choices.index(f)]
    if not accept:
        return offers[0]
    mimetypes = [m for o in offers for m in MEDIA_TYPES[o]]
    best = accept.best_match(mimetypes)
    if best is None:
        raise NotAcceptable(
            "not_acceptable", value=accept.to_header(), choices=", ".join(mimetypes)
        )
    return next(o for o in offers if best in MEDIA_TYPES[o])


# -- the parameters of each endpoint -----------------------------------------------------------


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
        lang = lang_of(args, accept_language)
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
            layers=layer_list(args, default=registry.near_default_ids()),
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


@dataclass(frozen=True)
class PageParams:
    """`f` and `lang` of the metadata resources (landing page, collections, ...)."""

    format: str
    lang: Lang

    @classmethod
    def from_args(
        cls,
        raw: MultiDict[str, str],
        accept: MIMEAccept,
        accept_language: str | None,
        offers: tuple[str, ...],
        allowed: tuple[Param, ...] = COLLECTION_PARAMS,
    ) -> PageParams:
        args = checked(raw, allowed)
        lang = lang_of(args, accept_language)
        return cls(format=output_format(args, accept, offers), lang=lang)


@dataclass(frozen=True)
class ItemsParams:
    layer: str
    bbox: tuple[float, float, float, float] | None
    limit: int
    offset: int
    datetime: tuple[str | None, str | None] | None
    filters: tuple[tuple[str, str], ...]
    format: str
    lang: Lang
    # the query arguments as given (for the paging links), minus limit/offset
    passthrough: tuple[tuple[str, str], ...] = field(default=())

    @classmethod
    def from_args(
        cls,
        layer_id: str,
        raw: MultiDict[str, str],
        accept: MIMEAccept,
        accept_language: str | None,
    ) -> ItemsParams:
        layer_id = known_layer(layer_id)
        args = checked(raw, items_params(layer_id))
        lang = lang_of(args, accept_language)
        limit = integer(args, "limit", ITEMS_LIMIT_DEFAULT)
        in_range("limit", limit, 1, max(limit, ITEMS_LIMIT_MAX))  # larger values are clamped
        offset = integer(args, "offset", 0)
        in_range("offset", offset, 0, OFFSET_MAX)
        by_name = {q.name: q for q in queryables(layer_id)}
        filters = tuple(
            (name, filter_value(by_name[name], value))
            for name, value in args.items()
            if name in by_name
        )
        return cls(
            layer=layer_id,
            bbox=bbox(args),
            limit=min(limit, ITEMS_LIMIT_MAX),
            offset=offset,
            datetime=date_interval(args),
            filters=filters,
            format=output_format(args, accept, ("geojson", "html")),
            lang=lang,
            passthrough=tuple((k, v) for k, v in args.items() if k not in ("limit", "offset")),
        )


@dataclass(frozen=True)
class DownloadParams:
    layer: str
    format: export.ExportFormat
    sido: str | None
    sigungu: str | None
    bbox: tuple[float, float, float, float] | None
    lang: Lang

    @classmethod
    def from_args(
        cls, file_name: str, raw: MultiDict[str, str], accept_language: str | None
    ) -> DownloadParams:
        layer_id, _, suffix = file_name.rpartition(".")
        if layer_id not in registry.LAYER_IDS or suffix not in export.EXPORT_FORMATS:
            raise NotFound("unknown_download", value=file_name)
        args = checked(raw, DOWNLOAD_PARAMS)
        lang = lang_of(args, accept_language)
        sido, sigungu = args.get("sido"), args.get("sigungu")
        if sigungu is not None and sido is None:
            raise InvalidParameter("sigungu_needs_sido", parameter="sigungu")
        return cls(
            layer=layer_id,
            format=suffix,
            sido=sido,
            sigungu=sigungu,
            bbox=bbox(args),
            lang=lang,
        )

    @property
    def filters(self) -> tuple[tuple[str, str], ...]:
        return tuple(
            (name, value)
            for name, value in (("sido", self.sido), ("sigungu", self.sigungu))
            if value is not None
        )
