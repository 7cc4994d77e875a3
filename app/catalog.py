"""What the collections say about their data (extent, count, version), read once per version."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable

from flask import current_app

from app.context import current_store
from app.versions import current_versions
from layers.store import FeatureQuery, LayerInfo

_KEY = "sharemap.layer_info"


def layer_infos(layer_ids: Iterable[str]) -> dict[str, LayerInfo | None]:
    """LayerInfo of each layer (None when it is not loaded), cached by data version: the
    extent and date range take a scan of the layer."""
    versions = current_versions()
    cache: dict[tuple[str, str], LayerInfo] = current_app.extensions.setdefault(_KEY, {})
    out: dict[str, LayerInfo | None] = {}
    for layer_id in layer_ids:
        version = versions.get(layer_id)
        info = cache.get((layer_id, version)) if version else None
        if version and info is None:
            info = current_store().layer_info(layer_id)
            if info is not None:
                cache[(layer_id, info.data_version)] = info
        out[layer_id] = info
    return out


_MATCHED_KEY = "sharemap.number_matched"
_MATCHED_SIZE = 512


def number_matched(layer_id: str, query: FeatureQuery) -> int:
    """How many features a query matches, counted once per data version: a client paging
    through a layer (GDAL asks 10 at a time) needs it on every page."""
    version = current_versions().get(layer_id)
    key = (layer_id, version, query.bbox, query.filters, query.datetime)
    cache: OrderedDict[tuple[object, ...], int] = current_app.extensions.setdefault(
        _MATCHED_KEY, OrderedDict()
    )
    count = cache.get(key)
    if count is None:
        count = current_store().count(layer_id, query)
        if version is not None:
            cache[key] = count
            while len(cache) > _MATCHED_SIZE:
                cache.popitem(last=False)
    return count
