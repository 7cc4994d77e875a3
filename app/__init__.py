"""The Flask app: near-me queries, OGC API Features, downloads, tiles and pages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from layers.config import Config


def create_app(config: Config | Mapping[str, Any] | None = None) -> Flask:
    """The app factory; `config` overrides the environment (a Config or a mapping of settings)."""
    from app import errors, http, ratelimit, tile_front
    from app.context import init_store
    from app.views import register_blueprints

    if config is None:
        cfg = Config.from_env()
    elif isinstance(config, Config):
        cfg = config
    else:
        cfg = Config.from_env({k: str(v) for k, v in config.items() if v is not None})
    app = Flask(__name__)
    app.config["SHAREMAP"] = cfg
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.url_map.strict_slashes = False
    errors.register(app)
    http.install(app)
    init_store(app, cfg)
    register_blueprints(app)
    limits = ratelimit.parse_limits(cfg.SHAREMAP_RATE_LIMITS)
    ratelimit.install(app, limits, cfg.SHAREMAP_RATE_LIMIT_STORAGE_URI)
    # the front answers a cached tile before Flask, where the limits are counted: a tiles limit
    # turns it off (tiles are still cached inside the app, see app.tiles)
    if "tiles" not in limits:
        tile_front.install(app, cfg.SHAREMAP_TILE_CACHE_SIZE)
    return app
