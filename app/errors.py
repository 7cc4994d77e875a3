"""One error vocabulary: domain exceptions → status codes, every body application/problem+json."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app, json, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from app import messages
from layers.store import StoreUnavailable

PROBLEM_JSON = "application/problem+json"
# seconds a client should wait before retrying when the database is away
RETRY_AFTER_S = 5


class ApiError(Exception):
    """An error a client can cause or be told about.

    `key` names a message of app.messages (rendered in the request's language with `values`);
    any other text is used as the detail as it is. `parameter` names the offending parameter.
    """

    def __init__(self, key: str, *, parameter: str | None = None, **values: Any) -> None:
        super().__init__(key)
        self.key = key
        self.parameter = parameter
        self.values = values

    def detail(self, lang: str) -> str:
        if self.key in messages.MESSAGES:
            return messages.text(self.key, lang, **self.values)
        return self.key


class InvalidParameter(ApiError):
    pass


class NotFound(ApiError):
    pass


class NotAcceptable(ApiError):
    pass


# The one table: exception class -> HTTP status (StoreUnavailable, not an ApiError, has its own
# handler: 503 with Retry-After).
STATUS: dict[type[ApiError], int] = {
    InvalidParameter: 400,
    NotFound: 404,
    NotAcceptable: 406,
}


def problem(
    status: int,
    detail: str,
    *,
    lang: str,
    code: str,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    """An application/problem+json response (RFC 9457) with a title in `lang`."""
    title = messages.TITLES.get(status, messages.TITLES[500])(lang)
    body = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        "instance": request.path,
        **{k: v for k, v in extra.items() if v is not None},
    }
    response = current_app.response_class(
        json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_JSON
    )
    response.headers["Content-Language"] = lang
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def register(app: Flask) -> None:
    # app.request_params.lang raises this module's InvalidParameter: imported here, not on top
    from app.request_params.lang import request_lang

    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError) -> Response:
        lang = request_lang()
        status = STATUS.get(type(exc), 400)
        return problem(
            status,
            exc.detail(lang),
            lang=lang,
            code=exc.key if exc.key in messages.MESSAGES else "error",
            parameter=exc.parameter,
        )

    @app.errorhandler(StoreUnavailable)
    def _unavailable(exc: StoreUnavailable) -> Response:
        app.logger.error("store unavailable: %s", exc)
        lang = request_lang()
        return problem(
            503,
            messages.text("store_unavailable", lang),
            lang=lang,
            code="store_unavailable",
            headers={"Retry-After": str(RETRY_AFTER_S)},
        )

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        lang = request_lang()
        status = exc.code or 500
        headers: dict[str, str] = {}
        if isinstance(exc, MethodNotAllowed):
            allowed = sorted(exc.valid_methods or ())
            headers["Allow"] = ", ".join(allowed)
            detail = messages.text(
                "method_not_allowed", lang, method=request.method, choices=", ".join(allowed)
            )
            code = "method_not_allowed"
        elif status == 404:
            detail, code = (
                messages.text("route_not_found", lang, value=request.path),
                "route_not_found",
            )
        elif status == 400:
            detail, code = messages.text("bad_request", lang), "bad_request"
        else:
            detail, code = exc.description or exc.name, "http_error"
        return problem(status, detail, lang=lang, code=code, headers=headers)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        app.logger.exception("unhandled error")
        lang = request_lang()
        return problem(500, messages.text("internal_error", lang), lang=lang, code="internal_error")
