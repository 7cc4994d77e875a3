"""GET /downloads/{layer}.{format}: its parameters, declared and parsed."""

from __future__ import annotations

from dataclasses import dataclass

from werkzeug.datastructures import MultiDict

from app.errors import InvalidParameter, NotFound
from app.params import BBOX, LANG, Param
from app.request_params.lang import choose_lang
from app.request_params.primitives import bbox, checked
from layers import export, registry
from layers.bilingual import Lang

DOWNLOAD_PARAMS: tuple[Param, ...] = (
    Param("sido", {"type": "string"}, "Province (시도) as published, e.g. 서울특별시."),
    Param("sigungu", {"type": "string"}, "District (시군구), e.g. 강남구; needs sido."),
    BBOX,
    LANG,
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
        # the file name as a whole is what is unknown: 404 unknown_download, not a layer check
        layer_id, _, suffix = file_name.rpartition(".")
        if layer_id not in registry.LAYER_IDS or suffix not in export.EXPORT_FORMATS:
            raise NotFound("unknown_download", value=file_name)
        args = checked(raw, DOWNLOAD_PARAMS)
        lang = choose_lang(args.get("lang"), accept_language, strict=True)
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
