"""Jobs on a layer's versions besides the load (etl.load.job): the rollback, which moves a
derived layer and the companion layers its load writes (registry.companion_owners) together."""

from __future__ import annotations

from etl.load.regions import REGIONS
from layers import registry
from layers.store import Store


def rollback_group(layer_id: str) -> list[str]:
    """The layers a rollback of `layer_id` moves together: its owner (a companion's rollback
    is its owner's), then the companion layers the owner's derivation writes with it."""
    layer_id = registry.companion_owners().get(layer_id, layer_id)
    spec = registry.get(layer_id) if layer_id != REGIONS else None
    return [layer_id, *(spec.derivation.companions if spec and spec.derivation else ())]


def rollback(store: Store, layer_id: str) -> str | None:
    """Make the previous version of `layer_id` and of the rest of its rollback_group current
    again, in one swap; the owner's version now current, or None (nothing is changed then)
    unless every layer of the group keeps an earlier version."""
    group = rollback_group(layer_id)
    now = store.rollback_layers(group)
    return now[group[0]] if now else None
