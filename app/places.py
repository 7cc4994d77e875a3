"""GET /api/places: its GeoJSON output and OpenAPI path (its parameters are
app.request_params.places, the search itself is the store's, layers.store.places_search)."""

from __future__ import annotations

from typing import Any

from app.request_params.places import PLACES_PARAMS, PlacesParams
from layers.feature import place_feature
from layers.store.places_search import Place


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
