"""Request parameters as the API documents them: Param (an OpenAPI parameter) and the
declarations several endpoints share (lang, f, bbox, layers, the OGC collections' and items').
Each endpoint family declares and parses the rest in app.request_params."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from layers import registry
from layers.bilingual import LANGS
from layers.queryables import queryables

ITEMS_LIMIT_DEFAULT, ITEMS_LIMIT_MAX = 100, 10000
OFFSET_MAX = 10_000_000


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


def layers_param(default: tuple[str, ...], description: str | None = None) -> Param:
    """`layers`: a comma-separated list of layer ids, `default` when it is not given."""
    return Param(
        "layers",
        {"type": "array", "items": {"type": "string", "enum": list(registry.LAYER_IDS)}},
        description or "Comma-separated layer ids (default: " + ", ".join(default) + ").",
        style_form_array=True,
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

PLAIN_PARAMS: tuple[Param, ...] = (LANG,)


# -- queryables (layers.queryables) ---------------------------------------------------------


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
