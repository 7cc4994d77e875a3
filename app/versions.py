"""The data versions responses are keyed by, read from the store at most once per TTL in each
process: every worker notices a new load within VERSIONS_TTL_S, for one cheap query."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from flask import current_app

from app.context import current_store

VERSIONS_TTL_S = 1.0
EXTENSION_KEY = "sharemap.versions"


@dataclass(frozen=True)
class _Read:
    versions: Mapping[str, str]
    at: float  # time.monotonic() just before the read


def current_versions() -> Mapping[str, str]:
    """data_version of every loaded layer (regions included), at most VERSIONS_TTL_S old."""
    read: _Read | None = current_app.extensions.get(EXTENSION_KEY)
    if read is None or time.monotonic() - read.at >= VERSIONS_TTL_S:
        return refresh_versions()
    return read.versions


def refresh_versions() -> Mapping[str, str]:
    """Read the versions now (after a store reported one as gone)."""
    at = time.monotonic()
    versions = MappingProxyType(dict(current_store().versions()))
    current_app.extensions[EXTENSION_KEY] = _Read(versions, at)
    return versions
