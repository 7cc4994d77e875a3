"""The registry of layers and the sources manifest (layers/sources.toml).

The layers are discovered, not listed: every module directly in the `layers` package whose
source assigns a top-level `SPEC` (a LayerSpec) is a layer spec. They are ordered by
`LayerSpec.order`, then id — the order of every list of layers (the API's collections, the
pages' toggles, the default load) — so adding a layer is one spec module plus its entries in
sources.toml; see README "Adding a layer".
"""

from __future__ import annotations

import ast
import pkgutil
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import import_module
from pathlib import Path

import layers
from layers.spec import LayerSpec


def _declares_spec(path: str) -> bool:
    """Whether the module's source assigns SPEC at top level (read, not imported, so the
    registry imports only spec modules); a module shipped without its source is imported."""
    if not path.endswith(".py"):
        return True
    try:
        tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return False
    for node in tree.body:
        targets = (
            node.targets
            if isinstance(node, ast.Assign)
            else [node.target]
            if isinstance(node, ast.AnnAssign)
            else []
        )
        if any(isinstance(t, ast.Name) and t.id == "SPEC" for t in targets):
            return True
    return False


def _discover() -> tuple[LayerSpec, ...]:
    specs: dict[str, LayerSpec] = {}
    for module in pkgutil.iter_modules(layers.__path__):
        if module.ispkg or module.name.startswith("_"):
            continue
        found = module.module_finder.find_spec(module.name, None)
        if found is None or not found.origin or not _declares_spec(found.origin):
            continue
        spec = getattr(import_module(f"layers.{module.name}"), "SPEC", None)
        if spec is None and not found.origin.endswith(".py"):
            continue
        if not isinstance(spec, LayerSpec):
            raise TypeError(f"layers.{module.name}.SPEC is not a LayerSpec")
        if spec.id != module.name:
            raise ValueError(f"layers.{module.name}.SPEC has id {spec.id!r}, not {module.name!r}")
        specs[spec.id] = spec
    return tuple(sorted(specs.values(), key=lambda s: (s.order, s.id)))


# Every layer id, in order: read as registry.LAYER_IDS, discovered on first use (module
# __getattr__ below), so that importing the registry does not import every spec.
LAYER_IDS: tuple[str, ...]
# reference tables that are loaded like layers but are not served as point layers
REFERENCE_IDS: tuple[str, ...] = ("regions",)

MANIFEST_PATH = Path(__file__).with_name("sources.toml")


class UnknownLayer(KeyError):
    def __init__(self, layer_id: str) -> None:
        super().__init__(layer_id)
        self.layer_id = layer_id

    def __str__(self) -> str:
        known = ", ".join((*layer_ids(), *REFERENCE_IDS))
        return f"unknown layer {self.layer_id!r}; known layers: {known}"


@dataclass(frozen=True)
class Source:
    """One input file of the manifest."""

    path: str  # relative to the source directory
    layer: str
    schema: str
    dataset: str
    portal: str
    title: str
    publisher: str
    region: str
    reference_date: str
    default: bool

    @property
    def file_name(self) -> str:
        return Path(self.path).name


@cache
def sources() -> tuple[Source, ...]:
    with MANIFEST_PATH.open("rb") as fh:
        data = tomllib.load(fh)
    return tuple(Source(**entry) for entry in data["source"])


def sources_for(layer_id: str, *, default_only: bool = True) -> tuple[Source, ...]:
    return tuple(s for s in sources() if s.layer == layer_id and (s.default or not default_only))


def provenance(layer_id: str) -> tuple[Source, ...]:
    """The default sources a layer's features come from: its own, or, for a companion layer
    (derived in another layer's load, LayerSpec.derivation.companions), its owner's."""
    for spec in all_specs():
        if spec.derivation and layer_id in spec.derivation.companions:
            return sources_for(spec.id)
    return sources_for(layer_id)


def source_by_name(name: str) -> Source | None:
    """The manifest entry whose path or file name is `name`."""
    for s in sources():
        if name in (s.path, s.file_name):
            return s
    return None


@cache
def all_specs() -> tuple[LayerSpec, ...]:
    return _discover()


@cache
def layer_ids() -> tuple[str, ...]:
    return tuple(s.id for s in all_specs())


def __getattr__(name: str) -> tuple[str, ...]:
    if name == "LAYER_IDS":
        return layer_ids()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@cache
def _by_id() -> dict[str, LayerSpec]:
    return {s.id: s for s in all_specs()}


def get(layer_id: str) -> LayerSpec:
    try:
        return _by_id()[layer_id]
    except KeyError:
        raise UnknownLayer(layer_id) from None


def near_default_ids() -> tuple[str, ...]:
    """The layers /api/near searches when no `layers=` is given."""
    return tuple(s.id for s in all_specs() if s.near_default)


def first_view_ids() -> tuple[str, ...]:
    """The layers the pages (/near, /embed, the widget builder) show before any choice."""
    return tuple(s.id for s in all_specs() if s.first_view)


def companion_owners() -> dict[str, str]:
    """companion layer -> the derived layer whose load writes (and rollback restores) it."""
    return {
        companion: spec.id
        for spec in all_specs()
        if spec.derivation
        for companion in spec.derivation.companions
    }
