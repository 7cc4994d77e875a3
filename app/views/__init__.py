"""Blueprints, one per concern."""

from __future__ import annotations

from flask import Flask

BLUEPRINTS = ("near", "features", "downloads", "docs", "health", "tiles", "pages", "audit")
# hooks a blueprint module may define (used by /conformance and /openapi.json)
CONFORMANCE_HOOKS = ("conformance_classes", "tiles_conformance")
OPENAPI_HOOK = "openapi_paths"


def register_blueprints(app: Flask) -> None:
    """Register the blueprints, and collect their /conformance and /openapi.json hooks."""
    from importlib import import_module

    from app.serializers import CONFORMANCE_KEY
    from app.views.docs import OPENAPI_KEY

    conformance: list[str] = app.extensions.setdefault(CONFORMANCE_KEY, [])
    openapi_paths: list[object] = app.extensions.setdefault(OPENAPI_KEY, [])
    for name in BLUEPRINTS:
        module = import_module(f"app.views.{name}")
        app.register_blueprint(module.bp)
        for hook in CONFORMANCE_HOOKS:
            if callable(getattr(module, hook, None)):
                conformance.extend(getattr(module, hook)())
        if callable(getattr(module, OPENAPI_HOOK, None)):
            openapi_paths.append(getattr(module, OPENAPI_HOOK))
