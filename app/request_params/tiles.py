"""The tile routes' parameters: z/x/y (with @2x), the layer of a path, `?layers=`."""

from __future__ import annotations

from dataclasses import dataclass

from app.errors import InvalidParameter, NotFound
from app.request_params.primitives import known_layer, layer_list
from geo.tiles import MAX_ZOOM, is_valid
from layers import registry, tileset


@dataclass(frozen=True)
class TileAddress:
    z: int
    x: int
    y: int

    @classmethod
    def parse(cls, z: str, x: str, y: str) -> TileAddress:
        """z/x/y from a URL; InvalidParameter unless they name a tile (z ≤ 22)."""
        values = {name: _integer(name, raw) for name, raw in (("z", z), ("x", x), ("y", y))}
        if not 0 <= values["z"] <= MAX_ZOOM:
            raise _out_of_range("z", MAX_ZOOM, values["z"])
        if not is_valid(values["x"], values["y"], values["z"]):
            bad = "x" if not 0 <= values["x"] < 2 ** values["z"] else "y"
            raise _out_of_range(bad, 2 ** values["z"] - 1, values[bad])
        return cls(values["z"], values["x"], values["y"])


def split_scale(y: str) -> tuple[str, int]:
    """ "12@2x" → ("12", 2); "12" → ("12", 1)."""
    return (y[:-3], 2) if y.endswith("@2x") else (y, 1)


def point_layer(layer_id: str) -> str:
    """A point layer id from a URL; NotFound for anything else."""
    return known_layer(layer_id)


def tile_layers(raw: str | None) -> tuple[str, ...]:
    """`?layers=a,b` in the order given (default, and for a blank list: regions, then every
    point layer); a part naming no tile layer, a blank one included, is a 404."""
    every = (tileset.REGIONS, *registry.LAYER_IDS)
    return layer_list(
        raw,
        default=every,
        known=every,
        unknown=NotFound,
        skip_blank_parts=False,
        if_none_chosen=every,
    )


def _integer(name: str, raw: str) -> int:
    digits = raw[1:] if raw.startswith("-") else raw
    if not digits.isascii() or not digits.isdigit():
        raise InvalidParameter("not_an_integer", parameter=name, name=name, value=raw)
    return int(raw)


def _out_of_range(name: str, last: int, value: int) -> InvalidParameter:
    return InvalidParameter("out_of_range", parameter=name, name=name, min=0, max=last, value=value)
