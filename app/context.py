"""Per-app resources: the store (opened once per process) and the settings."""

from __future__ import annotations

import threading
from typing import cast

from flask import Flask, current_app

from layers.config import Config
from layers.store import Store, StoreError, open_store

STORE_KEY = "sharemap.store"
_OPEN_LOCK = threading.Lock()


def init_store(app: Flask, cfg: Config) -> None:
    # opened lazily, so that a forked worker gets its own connections and indexes
    app.extensions[STORE_KEY] = None


def current_store() -> Store:
    store = current_app.extensions.get(STORE_KEY)
    if store is None:
        # one store per process: threads arriving together must not each open one
        with _OPEN_LOCK:
            store = current_app.extensions.get(STORE_KEY)
            if store is None:
                cfg = settings()
                store = open_store(
                    cfg.DATABASE_URL,
                    read_url=cfg.DATABASE_READ_URL,
                    statement_timeout_ms=cfg.SHAREMAP_STATEMENT_TIMEOUT_MS,
                    data_dir=cfg.data_dir,
                )
                current_app.extensions[STORE_KEY] = store
    return cast(Store, store)


def warm_up(app: Flask) -> None:
    """Open the store and let it build what its first queries would (see Store.warm_up); a
    store that is unavailable now is opened again on the first request."""
    with app.app_context():
        try:
            current_store().warm_up()
        except StoreError as exc:
            app.logger.warning("store not ready at start: %s", exc)
        except Exception:  # e.g. a database not migrated yet: requests will say so, clearly
            app.logger.exception("store not ready at start")


def settings() -> Config:
    return cast(Config, current_app.config["SHAREMAP"])
