"""One place that reads settings from the environment (never at import time)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path

# The directory holding setup.cfg: the source checkout (editable install).
PROJECT_ROOT = Path(__file__).resolve().parents[1]


def default_source_dir() -> Path:
    return (PROJECT_ROOT.parent / "shared" / "data" / "real").resolve()


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "sharemap"


@dataclass(frozen=True)
class Config:
    """Every setting of sharemap; the README's configuration table lists the same names."""

    DATABASE_URL: str | None = None
    DATABASE_READ_URL: str | None = None
    SHAREMAP_SOURCE_DIR: str | None = None
    SHAREMAP_DATA_DIR: str | None = None
    SHAREMAP_REPORT_DIR: str | None = None
    SHAREMAP_PARKING_RADIUS_M: float = 1000.0
    SHAREMAP_KAKAO_REST_KEY: str | None = None
    SHAREMAP_STATEMENT_TIMEOUT_MS: int = 15000
    SHAREMAP_TILE_CACHE_SIZE: int = 2048
    SHAREMAP_BUILD_TILES: int = 1  # 0: `sharemap load` builds no tile archive after its swap
    SHAREMAP_PUBLIC_URL: str | None = None
    SHAREMAP_BASEMAP_URL: str | None = None
    SHAREMAP_BASEMAP_ATTRIBUTION: str | None = None
    SHAREMAP_EMBED_ALLOWED_ORIGINS: str | None = None
    SHAREMAP_RATE_LIMITS: str | None = None
    SHAREMAP_RATE_LIMIT_STORAGE_URI: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Config:
        env = os.environ if env is None else env
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = env.get(f.name)
            if raw is None or raw == "":
                continue
            if f.type == "float":
                values[f.name] = float(raw)
            elif f.type == "int":
                values[f.name] = int(raw)
            else:
                values[f.name] = raw
        return cls(**values)  # type: ignore[arg-type]

    @property
    def source_dir(self) -> Path:
        if self.SHAREMAP_SOURCE_DIR:
            return Path(self.SHAREMAP_SOURCE_DIR).expanduser().resolve()
        return default_source_dir()

    @property
    def data_dir(self) -> Path:
        if self.SHAREMAP_DATA_DIR:
            return Path(self.SHAREMAP_DATA_DIR).expanduser()
        return default_data_dir()

    @property
    def report_dir(self) -> Path:
        if self.SHAREMAP_REPORT_DIR:
            return Path(self.SHAREMAP_REPORT_DIR).expanduser()
        return self.data_dir / "reports"
