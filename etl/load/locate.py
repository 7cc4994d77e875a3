"""Stage 2, the positions: WGS84 lon/lat from each file's coordinates in the CRS chosen for
it (etl.detect_crs), swapped pairs repaired; rows without coordinates placed by address."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

import numpy as np

from etl.detect_crs import CrsError, Place, address_place, choose_crs
from etl.load.inputs import InputFile, LoadRefused, ReadOptions
from etl.load.rows import Candidate, FileReport, Rows, read_rows
from etl.regions import RegionIndex
from etl.validate import locate
from layers.record import Reject
from layers.spec import LayerSpec


class Geocoder(Protocol):
    def geocode(
        self, address: str | None, name: str | None = None, *, sido: str | None = None
    ) -> Any: ...

    def geocode_address(self, *addresses: str | None, sido: str | None = None) -> Any: ...


@dataclass(frozen=True)
class Located:
    """A layer's rows read and placed by their own coordinates; the rest await geocoding."""

    read: Rows
    located: tuple[Candidate, ...]
    unplaced: tuple[Candidate, ...]
    files: tuple[FileReport, ...]  # the read files, with the CRS each was read in
    rejects: tuple[Reject, ...]  # this stage's (the read's are in `read`)
    swapped_repaired: int = 0

    @property
    def layer(self) -> str:
        return self.read.layer


@dataclass(frozen=True)
class Geocoded:
    """Rows placed by their address, the rows that could not be, and the precisions used."""

    placed: tuple[Candidate, ...]
    rejects: tuple[Reject, ...]
    precision: Counter[str]


def read_and_locate(
    spec: LayerSpec,
    inputs: Sequence[InputFile],
    regions: RegionIndex,
    options: ReadOptions | None = None,
    kind: str | None = None,
) -> Located:
    """The rows and positions stages of one layer's files."""
    options = options or ReadOptions()
    rows = read_rows(spec, inputs, kind=kind, options=options)
    return locate_rows(rows, regions, crs=options.crs)


def locate_rows(rows: Rows, regions: RegionIndex, *, crs: int | None = None) -> Located:
    """WGS84 positions from source coordinates (transformed, swap-repaired), and the rows
    that have no coordinates at all (to be geocoded).

    Each file's CRS is chosen by etl.detect_crs (`crs` overrides it); a file whose
    projected coordinates fit no CRS unambiguously refuses the load.
    """
    unplaced: list[Candidate] = []
    rejects: list[Reject] = []
    by_file: dict[InputFile, list[Candidate]] = {}
    for c in rows.rows:
        coords = c.match.schema.coords
        if coords is not None and c.x is not None and c.y is not None:
            by_file.setdefault(c.file, []).append(c)
        elif coords is not None and (c.x is None) != (c.y is None):
            rejects.append(c.reject(rows.layer, "no coordinates", "only one coordinate given"))
        else:
            unplaced.append(c)
    files = {f.path: f for f in rows.files}
    swapped_repaired = 0
    # located rows grouped by CRS, then by file: this order is the de-duplication priority
    # (etl.load.ids keeps the first of a place), and ids depend on it
    by_crs: dict[int, list[Candidate]] = {}
    for inp, group in by_file.items():
        file_report = files.get(inp.path)
        xs = np.array([c.x for c in group], dtype=float)
        ys = np.array([c.y for c in group], dtype=float)
        try:
            choice = choose_crs(
                xs,
                ys,
                _places(group),
                regions,
                declared=file_report.declared_epsg if file_report else None,
                declared_by=file_report.declared_by if file_report else "schema",
                override=crs,
            )
        except CrsError as exc:
            raise LoadRefused(f"{inp.path}: {exc}") from None
        if file_report is not None:
            files[inp.path] = replace(file_report, crs=choice.describe())
        if choice.swapped:
            xs, ys = ys, xs
        lon, lat, ok, swapped = locate(xs, ys, choice.epsg)
        for c, lo, la, good, sw in zip(group, lon, lat, ok, swapped, strict=True):
            if not good:
                detail = f"x={c.x} y={c.y} (EPSG:{choice.epsg})"
                rejects.append(c.reject(rows.layer, "outside Korea", detail))
                continue
            swapped_repaired += bool(sw)
            by_crs.setdefault(choice.epsg, []).append(replace(c, lon=float(lo), lat=float(la)))
    return Located(
        rows,
        tuple(c for group in by_crs.values() for c in group),
        tuple(unplaced),
        tuple(files.values()),
        tuple(rejects),
        swapped_repaired,
    )


def _places(group: Sequence[Candidate]) -> Callable[[int], Place | None]:
    """The region each row's address names, by row index (parsed only when asked)."""

    def place_of(i: int) -> Place | None:
        c = group[i]
        texts = (c.mapped.get("road_address"), c.mapped.get("lot_address"))
        return address_place((*texts, c.mapped.get("address"), c.norm.address), sido=_sido(c))

    return place_of


def _sido(c: Candidate) -> str | None:
    """The 시도 the row's manifest entry covers (None: the whole country, or no entry)."""
    region = c.file.source.region if c.file.source else None
    return region if region and region != "전국" else None


def geocode_rows(layer: str, unplaced: Sequence[Candidate], geocoder: Geocoder | None) -> Geocoded:
    """Rows without coordinates, placed by address; only an address-precision match counts."""
    placed: list[Candidate] = []
    rejects: list[Reject] = []
    precision: Counter[str] = Counter()
    for c in unplaced:
        sido = _sido(c)
        texts = (c.mapped.get("road_address"), c.mapped.get("lot_address"), c.norm.address)
        hit = geocoder.geocode_address(*texts, sido=sido) if geocoder else None
        if hit is None:
            coarse = geocoder.geocode(c.norm.address, c.norm.name, sido=sido) if geocoder else None
            if geocoder is None:
                detail = "no address geocoding for this input"
            elif coarse is not None:
                detail = f"address geocoded only to {coarse.precision} precision"
            else:
                detail = "address not found in the offline gazetteer"
            rejects.append(c.reject(layer, "no coordinates", detail))
            continue
        precision[hit.precision] += 1
        placed.append(replace(c, lon=hit.lon, lat=hit.lat, geocoded=hit.precision))
    return Geocoded(tuple(placed), tuple(rejects), precision)
