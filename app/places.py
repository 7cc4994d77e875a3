"""GET /api/places: its parameters and its GeoJSON output (the search itself is the store's,
layers.store.places_search)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from werkzeug.datastructures import MultiDict

from app import messages
from app.errors import InvalidParameter
from app.messages import Lang
from app.params import LANG, Param, checked, in_range, integer, lang_of, layer_list
from layers import registry
from layers.feature import place_feature
from layers.store.places_search import MAX_QUERY_CHARS, MAX_TERMS, Place, terms

PLACES_LIMIT_DEFAULT, PLACES_LIMIT_MAX = 10, 50
_QUERY_TOO_LONG = (
    "q는 {max}자까지입니다 (받은 글자 수: {value})",
    "q must be at most {max} characters (got {value})",
)

PLACES_PARAMS: tuple[Param, ...] = (
    Param(
        "q",
        {"type": "string", "minLength": 1, "maxLength": MAX_QUERY_CHARS},
        "Words to find (separated by spaces, each must occur; case-insensitive): a place or "
        f"road name, an address, a sigungu or sido. At most {MAX_TERMS} words are used.",
        required=True,
    ),
    Param(
        "layers",
        {"type": "array", "items": {"type": "string", "enum": list(registry.LAYER_IDS)}},
        "Comma-separated layer ids whose features are searched (default: all layers); "
        "regions (시군구) are always searched.",
        style_form_array=True,
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
        lang = lang_of(args, accept_language)
        q = args.get("q", "").strip()
        if not terms(q):
            raise InvalidParameter("missing_parameter", parameter="q", name="q")
        if len(q) > MAX_QUERY_CHARS:
            detail = messages.pick(_QUERY_TOO_LONG, lang).format(max=MAX_QUERY_CHARS, value=len(q))
            raise InvalidParameter(detail, parameter="q")
        limit = integer(args, "limit", PLACES_LIMIT_DEFAULT)
        in_range("limit", limit, 1, PLACES_LIMIT_MAX)
        return cls(q=q, layers=layer_list(args), limit=limit, lang=lang)


def places_collection(places: list[Place], q: PlacesParams) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "features": [place_feature(p, q.lang) for p in places],
        "numberReturned": len(places),
        "query": {"q": q.q, "layers": list(q.layers), "limit": q.limit, "lang": q.lang},
    }


def openapi_path() -> dict[str, Any]:
    return {
        "get": {
            "operationId": "searchPlaces",
            "summary": "Places to search near: regions (시군구) and features whose names (or "
            "addresses) hold every word of q",
            "tags": ["near"],
            "parameters": [p.openapi() for p in PLACES_PARAMS],
            "responses": {
                "200": {
                    "description": "A GeoJSON FeatureCollection of points, best first: names "
                    "starting with a word of q, then regions (properties.kind = region, a point "
                    "inside the sigungu) before features, then shorter names.",
                    "content": {"application/geo+json": {"schema": {"type": "object"}}},
                },
                **{
                    code: {"$ref": f"#/components/responses/{code}"}
                    for code in ("400", "404", "405", "500", "503")
                },
            },
        }
    }
