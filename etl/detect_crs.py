"""Which CRS a file's coordinates are in: degrees, or one of the Korean TM systems, told from
the values and confirmed by the rows' own addresses.

Rules (`choose_crs`):

1. `--crs EPSG:NNNN` wins; nothing is detected.
2. When most coordinate pairs are within ±180/±90 they are degrees: EPSG:4326, whatever the
   schema says (a pair with the latitude in the x column is repaired row by row, see
   etl.validate.locate). Korean TM metres are never that small, so nothing is loaded as
   degrees that isn't.
3. Otherwise they are projected metres. Each of EPSG:5174, 5179, 5181, 5186 and 2097 (and
   each with x and y swapped) is tried on a sample of rows: it *fits* when at least
   MIN_IN_KOREA of the points land in Korea and, of the rows whose address names a 시도
   (and 시군구), at least MIN_AGREEMENT lie in that region by point-in-polygon against the
   sigungu boundaries.
4. The declared CRS (the file's own CRS, an `EPSG:NNNN` in the x column's name, else the
   schema's) is used when it fits; with fewer than MIN_CHECKED addressed rows it only has to
   land in Korea.
5. Otherwise one undeclared candidate must fit *clearly better* than every other that lands
   in Korea: with at most half the address disagreements of the runner-up and at least
   MIN_MARGIN fewer (a candidate that alone lands in Korea, as 5179 does, needs only fit). This
   is what separates the Bessel-based EPSG:5174 and 2097 (about 250 m apart) and the GRS80
   EPSG:5181 (about 300 m from both): on the real LOCALDATA campgrounds (3,222 rows) 5174
   disagrees with 1 address, 5181 with 28 and 2097 with 35. A small file, or one without
   addresses, cannot show that and is refused with a message suggesting `--crs`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from etl.geocode import normalise_address
from etl.regions import RegionIndex
from geo.crs import to_wgs84
from geo.korea import in_korea_array, looks_swapped_array

WGS84 = 4326
TM_CANDIDATES: tuple[int, ...] = (5174, 5179, 5181, 5186, 2097)
SAMPLE_ROWS = 3000
MIN_IN_KOREA = 0.9
MIN_AGREEMENT = 0.9
MIN_CHECKED = 20
MIN_MARGIN = 10

# (canonical 시/도, 시/군 without 일반구 or None): where a row's address says it is
Place = tuple[str, str | None]


class CrsError(ValueError):
    """The coordinates' CRS cannot be told; the message suggests `--crs EPSG:NNNN`."""


@dataclass(frozen=True)
class CrsEvidence:
    """How well one reading of the coordinates fits the rows."""

    epsg: int
    swapped: bool  # x and y read the other way round
    in_korea: float  # share of the sampled points inside Korea
    checked: int  # sampled rows whose address names a region
    agree: int  # of them, those whose point lies in that region

    @property
    def disagree(self) -> int:
        return self.checked - self.agree

    @property
    def agreement(self) -> float | None:
        return self.agree / self.checked if self.checked else None

    def lands(self) -> bool:
        return self.in_korea >= MIN_IN_KOREA

    def fits(self, *, declared: bool = False) -> bool:
        if not self.lands():
            return False
        if self.checked < MIN_CHECKED:
            return declared
        return self.agree >= MIN_AGREEMENT * self.checked

    def describe(self) -> str:
        name = f"EPSG:{self.epsg}" + (" with x/y swapped" if self.swapped else "")
        if not self.lands():
            return f"{name}: only {self.in_korea:.0%} in Korea"
        agreement = self.agreement
        addresses = (
            f", {agreement:.1%} of {self.checked} addressed rows in their address's region"
            if agreement is not None
            else ", no addresses to check"
        )
        return f"{name}: {self.in_korea:.0%} in Korea{addresses}"


@dataclass(frozen=True)
class CrsChoice:
    epsg: int
    swapped: bool  # projected x/y columns hold northing/easting
    how: str  # why this CRS, for the load report
    evidence: CrsEvidence | None = None

    def describe(self) -> str:
        name = f"EPSG:{self.epsg}" + (" (x/y swapped)" if self.swapped else "")
        return f"{name}, {self.how}"


def address_place(texts: Sequence[str | None], *, sido: str | None = None) -> Place | None:
    """The region the first parsable address of a row names (its 시/도 at least)."""
    for text in texts:
        ak = normalise_address(text, sido=sido) if text else None
        if ak is not None and ak.sido is not None:
            return ak.sido, ak.city
    return None


def choose_crs(
    xs: Sequence[float] | np.ndarray,
    ys: Sequence[float] | np.ndarray,
    place_of: Callable[[int], Place | None],
    regions: RegionIndex,
    *,
    declared: int | None = None,
    declared_by: str = "schema",
    override: int | None = None,
) -> CrsChoice:
    """The CRS of a file's coordinate pairs, by the module's rules; CrsError when projected
    values do not say unambiguously which CRS they are in.

    `place_of(i)` is the region row i's address names (None without one); it is asked only
    for the sampled rows, and only when the answer matters.
    """
    x = np.asarray(xs, dtype=float)
    y = np.asarray(ys, dtype=float)
    rows = np.flatnonzero(np.isfinite(x) & np.isfinite(y))
    if len(rows) > SAMPLE_ROWS:
        rows = rows[np.linspace(0, len(rows) - 1, SAMPLE_ROWS).astype(int)]
    x, y = x[rows], y[rows]
    sample = _Sample(x, y, [int(i) for i in rows], place_of, regions)

    if override is not None:
        return CrsChoice(override, False, "given with --crs", sample.evidence(override, False))
    if len(x) == 0:
        return CrsChoice(declared or WGS84, False, f"declared by the {declared_by} (no values)")
    # a pair of degrees, either way round (Korean TM values are hundreds of kilometres)
    degrees = (np.abs(x) <= 180) & (np.abs(y) <= 180) & (np.minimum(np.abs(x), np.abs(y)) <= 90)
    if degrees.mean() >= 0.5:
        swapped = looks_swapped_array(x[degrees], y[degrees]).mean() >= 0.5
        how = "degrees" + (" (latitude in the x column: swapped back)" if swapped else "")
        if declared == WGS84 and declared_by != "schema":
            how += f", as declared by the {declared_by}"
        elif declared not in (None, WGS84):
            how += f"; the {declared_by} says EPSG:{declared} but the values are degrees"
        return CrsChoice(WGS84, False, how, sample.evidence(WGS84, bool(swapped)))

    evidence = [sample.evidence(e, s) for e in TM_CANDIDATES for s in (False, True)]
    note = ""
    if declared is not None and declared != WGS84:
        own = next((ev for ev in evidence if ev.epsg == declared and not ev.swapped), None)
        own = own or sample.evidence(declared, False)
        if own.fits(declared=True):
            return CrsChoice(declared, False, f"declared by the {declared_by}", own)
        note = f"; the {declared_by} says EPSG:{declared}, which does not fit ({own.describe()})"
    elif declared == WGS84:
        note = f"; the {declared_by} says degrees but the values are metres"
    landing = sorted((ev for ev in evidence if ev.lands()), key=lambda ev: ev.disagree)
    fitting = [ev for ev in landing if ev.fits()]
    if fitting and fitting[0] is landing[0]:
        best = landing[0]
        runner_up = landing[1] if len(landing) > 1 else None
        if runner_up is None or (
            2 * best.disagree <= runner_up.disagree
            and runner_up.disagree - best.disagree >= MIN_MARGIN
        ):
            how = "detected from the values and addresses" + note
            return CrsChoice(best.epsg, best.swapped, how, best)
    raise CrsError(_refusal(evidence, landing, note))


def _refusal(evidence: Sequence[CrsEvidence], landing: Sequence[CrsEvidence], note: str) -> str:
    if not landing:
        best = sorted(evidence, key=lambda ev: -ev.in_korea)[:2]
        listed = "; ".join(ev.describe() for ev in best)
        tried = ", ".join(map(str, TM_CANDIDATES))
        why = f"the projected coordinates fit none of EPSG:{tried} (best: {listed})"
    else:
        listed = "; ".join(ev.describe() for ev in landing[:3])
        if all(ev.checked < MIN_CHECKED for ev in landing):
            why = f"too few rows have addresses to confirm which CRS the projected coordinates are in ({listed})"
        elif not any(ev.fits() for ev in landing):
            why = f"the projected coordinates disagree with the rows' addresses in every CRS ({listed})"
        else:
            why = f"the rows' addresses do not tell these CRSs clearly apart ({listed})"
    return f"{why}{note}; if you know the CRS, pass --crs EPSG:NNNN"


class _Sample:
    def __init__(
        self,
        x: np.ndarray,
        y: np.ndarray,
        rows: Sequence[int],
        place_of: Callable[[int], Place | None],
        regions: RegionIndex,
    ) -> None:
        self.x, self.y, self.regions = x, y, regions
        self._rows, self._place_of = rows, place_of
        self._places: list[Place | None] | None = None

    @property
    def places(self) -> list[Place | None]:
        if self._places is None:
            self._places = [self._place_of(i) for i in self._rows]
        return self._places

    @property
    def addressed(self) -> list[int]:
        return [i for i, p in enumerate(self.places) if p is not None]

    def evidence(self, epsg: int, swapped: bool) -> CrsEvidence:
        xs, ys = (self.y, self.x) if swapped else (self.x, self.y)
        if len(xs) == 0:
            return CrsEvidence(epsg, swapped, 0.0, 0, 0)
        with np.errstate(all="ignore"):
            lon, lat = to_wgs84(xs, ys, epsg)
        finite = np.isfinite(lon) & np.isfinite(lat)
        lon, lat = np.where(finite, lon, 0.0), np.where(finite, lat, 0.0)
        inside = finite & in_korea_array(lon, lat)
        share = float(inside.mean())
        if share < MIN_IN_KOREA:
            return CrsEvidence(epsg, swapped, share, 0, 0)
        addressed = self.addressed
        if not addressed:
            return CrsEvidence(epsg, swapped, share, 0, 0)
        idx = np.array(addressed)
        found = self.regions.assign(lon[idx], lat[idx])
        agree = 0
        for i, region in zip(addressed, found, strict=True):
            place = self.places[i]
            if place is not None and region is not None and inside[i]:
                agree += _same_place(place, _region_place(region.sido, region.sigungu))
        return CrsEvidence(epsg, swapped, share, len(self.addressed), agree)


def _same_place(address: Place, region: Place | None) -> bool:
    if region is None or address[0] != region[0]:
        return False
    return address[1] is None or region[1] is None or address[1] == region[1]


@lru_cache(maxsize=4096)
def _region_place(sido: str, sigungu: str) -> Place | None:
    ak = normalise_address(f"{sido} {sigungu}".strip())
    if ak is None or ak.sido is None:
        return None
    return ak.sido, ak.city
