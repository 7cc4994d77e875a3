"""Content negotiation: the output format from `f`, else from the Accept header."""

from __future__ import annotations

from collections.abc import Mapping

from werkzeug.datastructures import MIMEAccept

from app.errors import InvalidParameter, NotAcceptable

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
