"""/audit and /audit.json: their parameters, declared and parsed."""

from __future__ import annotations

from dataclasses import dataclass

from werkzeug.datastructures import MultiDict

from app.errors import InvalidParameter
from app.params import LANG, Param
from app.request_params.lang import choose_lang
from app.request_params.primitives import checked, known_layer
from layers import registry

AUDIT_PARAMS: tuple[Param, ...] = (
    Param(
        "layer", {"type": "string", "enum": list(registry.LAYER_IDS)}, "One layer (default: all)."
    ),
    Param("sido", {"type": "string"}, "One 시도, e.g. 서울특별시 or 서울 (default: all)."),
    LANG,
)


@dataclass(frozen=True)
class AuditParams:
    layer: str | None
    sido: str | None

    @classmethod
    def from_args(cls, raw: MultiDict[str, str]) -> AuditParams:
        args = checked(raw, AUDIT_PARAMS)
        choose_lang(args.get("lang"), strict=True)  # validates; the audit speaks both languages
        layer = args.get("layer")
        if layer is not None:
            known_layer(layer, error=InvalidParameter, code="unknown_layer", parameter="layer")
        return cls(layer=layer, sido=args.get("sido"))
