"""The OGC API - Features resources: `f` and `lang` of the metadata pages (landing page,
conformance, collections, one item) and the items' query (bbox, paging, datetime, filters)."""

from __future__ import annotations

from dataclasses import dataclass, field

from werkzeug.datastructures import MIMEAccept, MultiDict

from app.params import (
    COLLECTION_PARAMS,
    ITEMS_LIMIT_DEFAULT,
    ITEMS_LIMIT_MAX,
    OFFSET_MAX,
    Param,
    items_params,
)
from app.request_params.lang import choose_lang
from app.request_params.negotiation import output_format
from app.request_params.primitives import (
    bbox,
    checked,
    date_interval,
    filter_value,
    in_range,
    integer,
    known_layer,
)
from layers.bilingual import Lang
from layers.queryables import queryables


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
        lang = choose_lang(args.get("lang"), accept_language, strict=True)
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
        lang = choose_lang(args.get("lang"), accept_language, strict=True)
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
