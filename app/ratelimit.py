"""Per-client rate limits by endpoint group (Flask-Limiter), off unless SHAREMAP_RATE_LIMITS
names some: `near=20/second;downloads=10/minute`. The client is the address the one trusted
proxy reports (app.http's ProxyFix), so behind a proxy every visitor has a count of their own."""

from __future__ import annotations

import math
import time

from flask import Flask, Response, request
from flask_limiter import Limiter, RateLimitExceeded
from limits import parse_many
from limits.errors import ConfigurationError

from app import messages
from app.errors import problem
from app.request_params.lang import request_lang

# endpoint group -> the Flask endpoints it holds. The tile archive (/download/tiles.pmtiles) is
# read by maps in many small byte ranges, one per tile or directory: it counts as tiles.
GROUPS: dict[str, tuple[str, ...]] = {
    "near": ("near.near",),
    "places": ("pages.places",),
    "items": ("features.items", "features.item"),
    "downloads": ("downloads.download",),
    "tiles": (
        "tiles.vector_tile",
        "tiles.ogc_tile",
        "tiles.raster_tile",
        "pages.basemap_tile",
        "downloads.tile_archive",
    ),
}
DEFAULT_STORAGE_URI = "memory://"
EXTENSION_KEY = "sharemap.limiter"


def parse_limits(text: str | None) -> dict[str, str]:
    """`near=20/second;downloads=10/minute` -> {group: limit}; ValueError names what is wrong."""
    limits: dict[str, str] = {}
    for part in (text or "").split(";"):
        if not part.strip():
            continue
        group, sep, value = (s.strip() for s in part.partition("="))
        if not sep or group not in GROUPS:
            raise ValueError(
                f"SHAREMAP_RATE_LIMITS: {part.strip()!r} is not GROUP=LIMIT with GROUP one of "
                + ", ".join(GROUPS)
            )
        try:
            parse_many(value)
        except ValueError:
            raise ValueError(
                f"SHAREMAP_RATE_LIMITS: {value!r} is not a limit such as 20/second or "
                "100 per minute"
            ) from None
        limits[group] = value
    return limits


def client_address() -> str:
    return request.remote_addr or "unknown"


def install(app: Flask, limits: dict[str, str], storage_uri: str | None) -> None:
    """Limit the groups of `limits` (see parse_limits); nothing at all when it is empty."""
    if not limits:
        return
    try:
        limiter = Limiter(
            client_address,
            app=app,
            storage_uri=storage_uri or DEFAULT_STORAGE_URI,
            headers_enabled=False,
            key_prefix="sharemap",
            # a storage that is down lets requests through (logged), never a 500
            swallow_errors=True,
        )
    except ConfigurationError as exc:
        raise ValueError(f"SHAREMAP_RATE_LIMIT_STORAGE_URI: {exc}") from None
    app.extensions[EXTENSION_KEY] = limiter
    for group, value in limits.items():
        shared = limiter.shared_limit(value, scope=group)
        for endpoint in GROUPS[group]:
            view = app.view_functions.get(endpoint)
            if view is not None:
                app.view_functions[endpoint] = shared(view)  # type: ignore[assignment]

    @app.errorhandler(RateLimitExceeded)
    def _too_many(exc: RateLimitExceeded) -> Response:
        current = limiter.current_limit
        reset_at = current.reset_at if current is not None else time.time() + 1
        retry_after = max(1, math.ceil(reset_at - time.time()))
        lang = request_lang()
        return problem(
            429,
            messages.text("rate_limited", lang, limit=exc.description, retry_after=retry_after),
            lang=lang,
            code="rate_limited",
            headers={"Retry-After": str(retry_after)},
        )
