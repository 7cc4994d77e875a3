"""The one language chooser: every endpoint, error body and page picks ko or en here; the
differences between them (strict or lenient `lang`, Accept-Language or not) are its arguments."""

from __future__ import annotations

from flask import request
from werkzeug.datastructures import LanguageAccept, MultiDict
from werkzeug.http import parse_accept_header

from app.errors import InvalidParameter
from app.params import PLAIN_PARAMS
from app.request_params.primitives import checked
from layers.bilingual import DEFAULT_LANG, LANGS, Lang


def choose_lang(
    value: str | None, accept_language: str | None = None, *, strict: bool = False
) -> Lang:
    """`value` (the `lang` parameter) when it is ko or en. Any other value is a 400 (bad_choice)
    when `strict`, else ignored. Without a usable value: the better of ko/en in
    `accept_language` (None: not consulted), else Korean."""
    if value in LANGS:
        return value
    if value is not None and strict:
        raise InvalidParameter(
            "bad_choice", parameter="lang", name="lang", value=value, choices=", ".join(LANGS)
        )
    if accept_language:
        best = parse_accept_header(accept_language, LanguageAccept).best_match(LANGS)
        if best in LANGS:
            return best
    return DEFAULT_LANG


def request_lang(*, accept_language: bool = True) -> Lang:
    """The language of the request being answered, never refusing: `?lang=` when ko or en, else
    (when `accept_language`) the Accept-Language header, else Korean. Error bodies use it; the
    HTML pages and the widget's error page ignore Accept-Language (a shared link looks the same
    to everyone)."""
    header = request.headers.get("Accept-Language") if accept_language else None
    return choose_lang(request.args.get("lang"), header)


def plain_lang(raw: MultiDict[str, str], accept_language: str | None = None) -> Lang:
    """The language of a resource whose only parameter is `lang` (any other is a 400);
    without `accept_language` it only validates them."""
    return choose_lang(checked(raw, PLAIN_PARAMS).get("lang"), accept_language, strict=True)
