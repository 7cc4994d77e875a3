"""Parse primitives: one query argument (or path segment) in, a checked value out; anything a
client gets wrong raises InvalidParameter (or NotFound for a path naming nothing)."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal

from werkzeug.datastructures import MultiDict

from app.errors import ApiError, InvalidParameter, NotFound
from app.params import Param
from geo.hours import KST
from layers import registry
from layers.queryables import Queryable

NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d{1,3})?")
INTEGER = re.compile(r"[+-]?\d{1,12}")
_TRUE, _FALSE = frozenset({"true", "1", "yes"}), frozenset({"false", "0", "no"})


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


def number(args: Mapping[str, str], name: str, default: float | None = None) -> float:
    raw = args.get(name)
    if raw is None:
        if default is None:
            raise InvalidParameter("missing_parameter", parameter=name, name=name)
        return default
    if not NUMBER.fullmatch(raw.strip()):
        raise InvalidParameter("not_a_number", parameter=name, name=name, value=raw)
    value = float(raw)
    if not math.isfinite(value):
        raise InvalidParameter("not_a_number", parameter=name, name=name, value=raw)
    return value


def integer(args: Mapping[str, str], name: str, default: int) -> int:
    raw = args.get(name)
    if raw is None:
        return default
    if not INTEGER.fullmatch(raw.strip()):
        raise InvalidParameter("not_an_integer", parameter=name, name=name, value=raw)
    return int(raw)


def in_range(name: str, value: float, low: float, high: float) -> None:
    if not low <= value <= high:
        raise InvalidParameter(
            "out_of_range", parameter=name, name=name, value=value, min=low, max=high
        )


def boolean(args: Mapping[str, str], name: str, default: bool = False) -> bool:
    raw = args.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise InvalidParameter("not_a_boolean", parameter=name, name=name, value=raw)


def known_layer(
    layer_id: str,
    *,
    known: tuple[str, ...] | None = None,
    error: type[ApiError] = NotFound,
    code: str = "unknown_collection",
    parameter: str | None = None,
) -> str:
    """`layer_id` when it is one of `known` (None: the registry's layers); else `error` with
    `code`, naming the choices. A path naming no layer is a 404 (unknown_collection); a query
    argument a 400 (InvalidParameter, unknown_layer)."""
    choices = registry.LAYER_IDS if known is None else known
    if layer_id not in choices:
        raise error(code, parameter=parameter, value=layer_id, choices=", ".join(choices))
    return layer_id


def layer_list(
    raw: str | None,
    *,
    default: tuple[str, ...],
    known: tuple[str, ...] | None = None,
    parameter: str = "layers",
    unknown: type[ApiError] | None = InvalidParameter,
    skip_blank_parts: bool = True,
    if_none_chosen: tuple[str, ...] | None = None,
) -> tuple[str, ...]:
    """The layers a comma-separated list names, in the order given, each once.

    Without the list: `default`. An id not in `known` (None: the registry's layers) raises
    `unknown` (unknown_layer), or is dropped when `unknown` is None; blank parts are skipped
    unless `skip_blank_parts` is false (then they are unknown ids). When nothing is chosen
    (a blank list included): `if_none_chosen`, or 400 empty_layers when it is None."""
    if raw is None:
        return default
    choices = registry.LAYER_IDS if known is None else known
    chosen: list[str] = []
    for part in raw.split(",") if raw.strip() else ():
        layer_id = part.strip()
        if skip_blank_parts and not layer_id:
            continue
        if layer_id not in choices:
            if unknown is None:
                continue
            known_layer(
                layer_id, known=choices, error=unknown, code="unknown_layer", parameter=parameter
            )
        if layer_id not in chosen:
            chosen.append(layer_id)
    if chosen:
        return tuple(chosen)
    if if_none_chosen is None:
        raise InvalidParameter("empty_layers", parameter=parameter)
    return if_none_chosen


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
    if len(parts) not in (4, 6) or not all(NUMBER.fullmatch(p.strip()) for p in parts):
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
        if INTEGER.fullmatch(value):
            return str(int(value))
        expected = "integer"
    elif q.type == "number":
        if NUMBER.fullmatch(value):
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
