"""The registry of layers and the sources manifest (layers/sources.toml)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import import_module
from pathlib import Path

from layers.spec import LayerSpec

LAYER_IDS: tuple[str, ...] = (
    "bike_stations",
    "public_toilets",
    "cooling_shelters",
    "campsites",
    "testing_site_parking",
)
# reference tables that are loaded like layers but are not served as point layers
REFERENCE_IDS: tuple[str, ...] = ("regions",)

MANIFEST_PATH = Path(__file__).with_name("sources.toml")


class UnknownLayer(KeyError):
    def __init__(self, layer_id: str) -> None:
        super().__init__(layer_id)
        self.layer_id = layer_id

    def __str__(self) -> str:
        known = ", ".join((*LAYER_IDS, *REFERENCE_IDS))
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


def source_by_name(name: str) -> Source | None:
    """The manifest entry whose path or file name is `name`."""
    for s in sources():
        if name in (s.path, s.file_name):
            return s
    return None


@cache
def get(layer_id: str) -> LayerSpec:
    if layer_id not in LAYER_IDS:
        raise UnknownLayer(layer_id)
    spec: LayerSpec = import_module(f"layers.{layer_id}").SPEC
    return spec


def all_specs() -> tuple[LayerSpec, ...]:
    return tuple(get(layer_id) for layer_id in LAYER_IDS)
