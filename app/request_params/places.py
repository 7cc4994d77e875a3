"""GET /api/places: its parameters, declared and parsed."""

from __future__ import annotations

from dataclasses import dataclass

from werkzeug.datastructures import MultiDict

from app import messages
from app.errors import InvalidParameter
from app.params import LANG, Param, layers_param
from app.request_params.lang import choose_lang
from app.request_params.primitives import checked, in_range, integer, layer_list
from layers import registry
from layers.bilingual import Lang
from layers.store.places_search import MAX_QUERY_CHARS, MAX_TERMS, terms

PLACES_LIMIT_DEFAULT, PLACES_LIMIT_MAX = 10, 50

PLACES_PARAMS: tuple[Param, ...] = (
    Param(
        "q",
        {"type": "string", "minLength": 1, "maxLength": MAX_QUERY_CHARS},
        "Words to find (separated by spaces, each must occur; case-insensitive): a place or "
        f"road name, an address, a sigungu or sido. At most {MAX_TERMS} words are used.",
        required=True,
    ),
    layers_param(
        registry.LAYER_IDS,
        "Comma-separated layer ids whose features are searched (default: all layers); "
        "regions (시군구) are always searched.",
    ),
    Param(
        "limit",
        {
            "type": "integer",
            "minimum": 1,
            "maximum": PLACES_LIMIT_MAX,
            "default": PLACES_LIMIT_DEFAULT,
        },
        "How many places in total.",
    ),
    LANG,
)


@dataclass(frozen=True)
class PlacesParams:
    q: str
    layers: tuple[str, ...]
    limit: int
    lang: Lang

    @classmethod
    def from_args(cls, raw: MultiDict[str, str], accept_language: str | None) -> PlacesParams:
        args = checked(raw, PLACES_PARAMS)
        lang = choose_lang(args.get("lang"), accept_language, strict=True)
        q = args.get("q", "").strip()
        if not terms(q):
            raise InvalidParameter("missing_parameter", parameter="q", name="q")
        if len(q) > MAX_QUERY_CHARS:
            detail = messages.text("query_too_long", lang, max=MAX_QUERY_CHARS, value=len(q))
            raise InvalidParameter(detail, parameter="q")
        limit = integer(args, "limit", PLACES_LIMIT_DEFAULT)
        in_range("limit", limit, 1, PLACES_LIMIT_MAX)
        layers = layer_list(args.get("layers"), default=registry.LAYER_IDS)
        return cls(q=q, layers=layers, limit=limit, lang=lang)
