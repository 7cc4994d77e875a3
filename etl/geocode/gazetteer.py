"""The offline gazetteer: places and addresses indexed from the loaded files' own placed rows
and the admin-area centroids, answering with the finest location it can stand behind."""

from __future__ import annotations

import gc
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from etl.geocode.address import (
    SEJONG,
    AddressKey,
    canonical_sido,
    city_of,
    dong_stem,
    legal_place,
    normalise_address,
    sigungu_parts,
)
from etl.geocode.result import Geocode, OnlineGeocoder
from etl.merge import name_key
from geo.crs import to_wgs84
from geo.distance import distances_m

# spread allowed among the points that share a key before the key is called ambiguous
ADDRESS_SPREAD_M = 300.0
NAME_SPREAD_M = 300.0
DONG_SPREAD_M = 5000.0
_M_PER_DEG = 111_320.0


@dataclass(frozen=True)
class AdminCentroid:
    """A 시도/시군구/읍면동 centroid (WGS84) with its 10-digit 행정기관코드 and full name."""

    code: str
    name: str
    lon: float
    lat: float


def read_centroids(path: Path) -> list[AdminCentroid]:
    """The admin-area centroids file (TAB; SERIAL, ADMCD, ADMNM, X, Y in EPSG:5179)."""
    from etl.read import read_table

    table = read_table(Path(path))
    codes: list[str] = []
    names: list[str] = []
    xs: list[float] = []
    ys: list[float] = []
    for _, row in table.rows:
        code, name, x, y = row.get("ADMCD"), row.get("ADMNM"), row.get("X"), row.get("Y")
        if not (code and name and x and y) or not code.isdigit():  # a repeated header line
            continue
        try:
            xs.append(float(x))
            ys.append(float(y))
        except ValueError:
            continue
        codes.append(code)
        names.append(name)
    lon, lat = to_wgs84(np.array(xs), np.array(ys), 5179)
    return [
        AdminCentroid(c, nm, float(lo), float(la))
        for c, nm, lo, la in zip(codes, names, lon, lat, strict=True)
    ]


class _Located(Protocol):
    """What `Gazetteer.from_candidates` reads of a located source row (etl.load.rows.Candidate)."""

    @property
    def lon(self) -> float: ...
    @property
    def lat(self) -> float: ...
    @property
    def mapped(self) -> Mapping[str, str | None]: ...
    @property
    def norm(self) -> Any: ...


Point = tuple[float, float]
Region = tuple[str | None, str | None]


def _settle(
    groups: Mapping[Any, list[Point]], spread_m: float, average: bool = False
) -> dict[Any, Point | None]:
    """One point per key: the median (or mean) of its points; None when they spread too far."""
    out: dict[Any, Point | None] = {}
    box = spread_m * 0.5 / _M_PER_DEG  # a point this close in both axes is within spread_m
    for key, pts in groups.items():
        first = pts[0]
        if len(pts) == 1 or pts.count(first) == len(pts):  # often one place in two snapshots
            out[key] = first
            continue
        lons = sorted(p[0] for p in pts)
        lats = sorted(p[1] for p in pts)
        if average:
            lon, lat = math.fsum(lons) / len(lons), math.fsum(lats) / len(lats)
        else:
            lon, lat = _median(lons), _median(lats)
        if max(lon - lons[0], lons[-1] - lon) <= box and max(lat - lats[0], lats[-1] - lat) <= box:
            out[key] = (lon, lat)
            continue
        arr = np.asarray(pts, dtype=float)
        far = float(distances_m(lon, lat, arr[:, 0], arr[:, 1]).max())
        out[key] = (lon, lat) if far <= spread_m else None
    return out


def _median(values: Sequence[float]) -> float:
    n = len(values)
    mid = n // 2
    return values[mid] if n % 2 else (values[mid - 1] + values[mid]) / 2


class Gazetteer:
    """Offline geocoder over the loaded files' addresses and names and the admin centroids.

    Lookup order: exact address key → the online geocoder (when given) → facility name in
    the same sigungu → dong/읍/면 centroid → sigungu centroid. Keys whose points disagree by
    more than a few hundred metres are dropped as ambiguous instead of averaged.
    """

    def __init__(
        self,
        address_points: Iterable[tuple[str | None, float, float]] = (),
        names: Iterable[tuple[str | None, str | None, str | None, float, float]] = (),
        centroids: Iterable[AdminCentroid] = (),
        *,
        online: OnlineGeocoder | None = None,
    ) -> None:
        # Building allocates a few hundred thousand small objects and no reference cycles;
        # the cyclic collector's repeated full passes over them cost ~40 % of the time.
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            self._build(address_points, names, centroids)
        finally:
            if was_enabled:
                gc.enable()
        self.online = online
        self.online_errors = 0

    def _build(
        self,
        address_points: Iterable[tuple[str | None, float, float]],
        names: Iterable[tuple[str | None, str | None, str | None, float, float]],
        centroids: Iterable[AdminCentroid],
    ) -> None:
        self._regions_known: set[Region] = set()
        self._sgg_sidos: dict[str, set[str]] = {}
        self._resolved: dict[Region, Region] = {}
        self._regions_of: dict[Region, Region] = {}
        self._index_centroids(centroids)

        addr_groups: dict[str, list[Point]] = {}
        place_groups: dict[tuple[str, str | None, str], list[Point]] = {}
        keys_of: dict[str, tuple[tuple[str, ...], tuple[tuple[str, str | None, str], ...]]] = {}
        for text, lon, lat in address_points:
            if not text or not (math.isfinite(lon) and math.isfinite(lat)):
                continue
            found = keys_of.get(text)
            if found is None:
                found = keys_of[text] = self._point_keys(text)
            for k in found[0]:
                addr_groups.setdefault(k, []).append((lon, lat))
            for p in found[1]:
                place_groups.setdefault(p, []).append((lon, lat))
        self._addresses = _settle(addr_groups, ADDRESS_SPREAD_M)
        # where the known addresses of each 법정동/리 are: a dong-level answer when the
        # admin centroids (행정동) have no dong of that name
        self._places = _settle(place_groups, DONG_SPREAD_M)
        # 동 name -> the regions that have a 동 (행정동 or 법정동) of that name
        self._dong_regions: dict[str, set[Region]] = {}
        for sido, sgg, dong in (*self._dong, *self._places):
            if sgg is None or " " not in sgg:
                self._dong_regions.setdefault(dong, set()).add((sido, sgg))

        name_groups: dict[tuple[str | None, str | None, str], list[Point]] = {}
        name_keys: dict[str | None, str] = {}
        for name, sido, sigungu, lon, lat in names:
            nk = name_keys.get(name)
            if nk is None:
                nk = name_keys[name] = name_key(name)
            if len(nk) < 3 or not (math.isfinite(lon) and math.isfinite(lat)):
                continue
            region_sido, region_sgg = self._region(sido, sigungu)
            if region_sido is None or (region_sgg is None and region_sido != SEJONG):
                continue
            name_groups.setdefault((region_sido, region_sgg, nk), []).append((lon, lat))
            if region_sgg is not None and " " in region_sgg:
                name_groups.setdefault((region_sido, city_of(region_sgg), nk), []).append(
                    (lon, lat)
                )
        self._names = _settle(name_groups, NAME_SPREAD_M)

    # -- building ----------------------------------------------------------------------------

    @classmethod
    def from_candidates(
        cls,
        located: Iterable[_Located],
        centroids: Iterable[AdminCentroid] = (),
        *,
        online: OnlineGeocoder | None = None,
    ) -> Gazetteer:
        """A gazetteer from located source rows: both addresses of each row and its name."""
        addresses: list[tuple[str | None, float, float]] = []
        names: list[tuple[str | None, str | None, str | None, float, float]] = []
        for c in located:
            texts = dict.fromkeys(
                t
                for t in (c.mapped.get("road_address"), c.mapped.get("lot_address"), c.norm.address)
                if t
            )
            region: AddressKey | None = None
            for t in texts:
                addresses.append((t, c.lon, c.lat))
                if region is None:
                    ak = normalise_address(t)
                    region = ak if ak is not None and ak.sido and ak.sigungu else None
            sido = getattr(c, "sido", None) or (region.sido if region else None)
            sigungu = getattr(c, "sigungu", None) or (region.sigungu if region else None)
            names.append((c.norm.name, sido, sigungu, c.lon, c.lat))
        return cls(addresses, names, centroids, online=online)

    def _index_centroids(self, centroids: Iterable[AdminCentroid]) -> None:
        # The file lists every vintage of the codes (제주도 4913… and 제주특별자치도 5013…
        # 서귀포시, old and new 창원시): for one full name the newest (largest) code wins.
        newest_sgg: dict[Region, tuple[str, Point]] = {}
        newest_dong: dict[tuple[str, str | None, str], tuple[str, Point]] = {}
        for c in centroids:
            tokens = c.name.split()
            sido = canonical_sido(tokens[0]) if tokens else None
            if sido is None or len(c.code) != 10 or c.code[2:] == "00000000":
                continue
            parts, end = sigungu_parts(tokens, 1, sido)
            sgg = " ".join(parts) or None
            if c.code[5:] == "00000":  # a 시군구 row
                if end != len(tokens):
                    continue
                found = newest_sgg.get((sido, sgg))
                if found is None or c.code > found[0]:
                    newest_sgg[(sido, sgg)] = (c.code, (c.lon, c.lat))
            else:
                if end != len(tokens) - 1:
                    continue
                key = (sido, sgg, tokens[-1])
                found_dong = newest_dong.get(key)
                if found_dong is None or c.code > found_dong[0]:
                    newest_dong[key] = (c.code, (c.lon, c.lat))
            for name in dict.fromkeys((sgg, city_of(sgg))):
                self._regions_known.add((sido, name))
                if name:
                    self._sgg_sidos.setdefault(name, set()).add(sido)

        # a 시 with 일반구 and no row of its own: the mean of its 구 (unless its own row is newer)
        city_groups: dict[Region, list[tuple[str, Point]]] = {}
        for (sido, sgg), (code, pt) in newest_sgg.items():
            if sgg and " " in sgg:
                city_groups.setdefault((sido, city_of(sgg)), []).append((code, pt))
        self._sigungu: dict[Region, Point | None] = {k: pt for k, (_, pt) in newest_sgg.items()}
        for city, members in city_groups.items():
            own = newest_sgg.get(city)
            if own is None or own[0] < max(code for code, _ in members):
                self._sigungu[city] = _settle({city: [p for _, p in members]}, 30_000.0, True)[city]

        dong_groups: dict[tuple[str, str | None, str], list[Point]] = {}
        for (sido, sgg, dong), (_, point) in newest_dong.items():
            dong_groups.setdefault((sido, sgg, dong), []).append(point)
            if sgg and " " in sgg:  # the same dong name in two 구 of a 시 is ambiguous there
                dong_groups.setdefault((sido, city_of(sgg), dong), []).append(point)
        settled = _settle(dong_groups, DONG_SPREAD_M, average=True)
        self._dong: dict[tuple[str, str | None, str], Point | None] = settled
        stem_groups: dict[tuple[str, str | None, str], list[Point]] = {}
        self._stem_names: dict[tuple[str, str | None, str], list[str]] = {}
        for (sido, sgg, dong), centre in settled.items():
            stem = dong_stem(dong)
            if stem and centre is not None:
                stem_groups.setdefault((sido, sgg, stem), []).append(centre)
                self._stem_names.setdefault((sido, sgg, stem), []).append(dong)
        self._dong_stems = _settle(stem_groups, DONG_SPREAD_M, average=True)

    def _point_keys(
        self, text: str
    ) -> tuple[tuple[str, ...], tuple[tuple[str, str | None, str], ...]]:
        """An address point's exact keys and its (sido, sigungu, 법정동/리) places."""
        ak = self.parse(text)
        if ak is None or ak.sido is None:
            return (), ()
        keys = ak.exact_keys() if ak.number else ()
        places: tuple[tuple[str, str | None, str], ...] = ()
        if ak.dong and (ak.sigungu or ak.sido == SEJONG):
            place = legal_place(ak.dong, ak.eupmyeon)
            places = tuple((ak.sido, area, place) for area in dict.fromkeys((ak.sigungu, ak.city)))
        return keys, places

    # -- lookups ----------------------------------------------------------------------------

    def parse(
        self, text: str | None, *, sido: str | None = None, sigungu: str | None = None
    ) -> AddressKey | None:
        """`normalise_address`, with the region completed and renamed as the centroids have it
        (a sigungu unique in Korea gives its 시/도; 경상북도 군위군 is now 대구광역시's)."""
        ak = normalise_address(text, sido=sido, sigungu=sigungu)
        if ak is None:
            return None
        region = self._resolve(ak.sido, ak.sigungu)
        if region != (ak.sido, ak.sigungu):
            ak = replace(ak, sido=region[0], sigungu=region[1])
        return ak

    def _region(self, sido: str | None, sigungu: str | None) -> Region:
        """A row's own 시도/시군구 texts as a canonical region."""
        found = self._regions_of.get((sido, sigungu))
        if found is None:
            canon = canonical_sido(sido) if sido else None
            parts = sigungu_parts(sigungu.split(), 0, canon)[0] if sigungu else []
            found = self._regions_of[(sido, sigungu)] = self._resolve(
                canon, " ".join(parts) or None
            )
        return found

    def _resolve(self, sido: str | None, sgg: str | None) -> Region:
        key = (sido, sgg)
        found = self._resolved.get(key)
        if found is not None:
            return found
        result = key
        if sgg is not None and self._sgg_sidos and (sido, sgg) not in self._regions_known:
            sidos = self._sgg_sidos.get(sgg) or self._sgg_sidos.get(city_of(sgg) or "")
            if sidos and len(sidos) == 1:
                result = (next(iter(sidos)), sgg)
        self._resolved[key] = result
        return result

    def geocode(
        self,
        address: str | None,
        name: str | None = None,
        *,
        sido: str | None = None,
        sigungu: str | None = None,
    ) -> Geocode | None:
        """The finest location the gazetteer can stand behind, or None.

        `sido`/`sigungu` are the row's own region columns, used where the address text
        leaves them out (`양정로 62` in a 부산 부산진구 row)."""
        ak = self.parse(address, sido=sido, sigungu=sigungu) if address else None
        region = (ak.sido, ak.sigungu) if ak else self._region(sido, sigungu)
        if ak is not None:
            hit = self._exact(ak)
            if hit is None and ak.sigungu is None and ak.sido != SEJONG:
                # a sigungu read off a 동 name that is unique in the gazetteer is good enough
                # to try an exact key, not to place the row in that 동 or sigungu
                inferred = self._infer_region(ak)
                hit = self._exact(inferred) if inferred is not ak else None
            if hit is not None:
                return hit
            if self.online is not None and ak.number is not None and ak.sido is not None:
                try:
                    found = self.online.geocode(ak.text())
                except (OSError, ValueError, KeyError, TypeError):
                    self.online_errors += 1
                    found = None
                if found is not None:
                    return found
        hit = self._by_name(region, (name, ak.building if ak else None))
        if hit is not None:
            return hit
        if ak is not None:
            hit = self._by_dong(region, ak)
            if hit is not None:
                return hit
        return self._by_sigungu(region)

    def geocode_address(
        self, *addresses: str | None, sido: str | None = None, sigungu: str | None = None
    ) -> Geocode | None:
        """An address-precision match of the first address that has one (else None)."""
        for address in addresses:
            hit = self.geocode(address, sido=sido, sigungu=sigungu) if address else None
            if hit is not None and hit.precision == "address":
                return hit
        return None

    def _infer_region(self, ak: AddressKey) -> AddressKey:
        """An address without its sigungu (`감천로73번길 36 (감천동)`) takes the one region of
        Korea (or of its 시/도) that has a 동 of that name in the gazetteer; unchanged when
        the name repeats or is unknown."""
        names = [legal_place(d, ak.eupmyeon) for d in (ak.dong, *ak.alt_dongs) if d]
        names += [d for d in (ak.dong, *ak.alt_dongs, ak.eupmyeon) if d]
        for name in dict.fromkeys(names):
            regions = {
                r for r in self._dong_regions.get(name, ()) if ak.sido is None or r[0] == ak.sido
            }
            if len(regions) == 1:
                sido, sgg = next(iter(regions))
                return replace(ak, sido=sido, sigungu=sgg)
        return ak

    def _exact(self, ak: AddressKey) -> Geocode | None:
        for k in ak.exact_keys():
            pt = self._addresses.get(k)
            if pt is not None:
                return Geocode(pt[0], pt[1], "address", k)
        return None

    def _by_name(self, region: Region, names: Iterable[str | None]) -> Geocode | None:
        sido, sgg = region
        if sido is None or (sgg is None and sido != SEJONG):
            return None
        for name in names:
            for variant in name_variants(name, sgg):
                for area in dict.fromkeys((sgg, city_of(sgg))):
                    pt = self._names.get((sido, area, variant))
                    if pt is not None:
                        where = " ".join(p for p in (sido, area) if p)
                        return Geocode(pt[0], pt[1], "building", f"{name} ({where})")
        return None

    def _by_dong(self, region: Region, ak: AddressKey) -> Geocode | None:
        """The 행정동 centroid of that name, else the known addresses of that 법정동/리, else
        the 행정동 that share its stem (삼성동 → 삼성1동+삼성2동), else the 읍/면 centroid."""
        sido, sgg = region
        if sido is None or (sgg is None and sido != SEJONG):
            return None
        areas = tuple(dict.fromkeys((sgg, city_of(sgg))))
        dongs = tuple(dict.fromkeys(d for d in (*ak.alt_dongs, ak.dong) if d))

        def where(area: str | None, name: str) -> str:
            return " ".join(p for p in (sido, area, name) if p)

        for dong in dongs:
            for area in areas:
                pt = self._dong.get((sido, area, dong))
                if pt is not None:
                    return Geocode(pt[0], pt[1], "dong", where(area, dong))
        for dong in dongs:
            place = legal_place(dong, ak.eupmyeon)
            for area in areas:
                pt = self._places.get((sido, area, place))
                if pt is not None:
                    return Geocode(pt[0], pt[1], "dong", where(area, place) + " (known addresses)")
        for dong in dongs:
            stem = dong_stem(dong)
            for area in areas if stem else ():
                pt = self._dong_stems.get((sido, area, stem or ""))
                if pt is not None:
                    names = "+".join(sorted(self._stem_names.get((sido, area, stem or ""), [])))
                    return Geocode(pt[0], pt[1], "dong", where(area, names))
        if ak.eupmyeon:
            for area in areas:
                pt = self._dong.get((sido, area, ak.eupmyeon))
                if pt is not None:
                    return Geocode(pt[0], pt[1], "dong", where(area, ak.eupmyeon))
        return None

    def _by_sigungu(self, region: Region) -> Geocode | None:
        sido, sgg = region
        if sido is None or (sgg is None and sido != SEJONG):
            return None
        for area in dict.fromkeys((sgg, city_of(sgg))):
            pt = self._sigungu.get((sido, area))
            if pt is not None:
                return Geocode(pt[0], pt[1], "sigungu", " ".join(p for p in (sido, area) if p))
        return None

    def stats(self) -> dict[str, int]:
        return {
            "address_keys": sum(v is not None for v in self._addresses.values()),
            "address_keys_ambiguous": sum(v is None for v in self._addresses.values()),
            "names": sum(v is not None for v in self._names.values()),
            "names_ambiguous": sum(v is None for v in self._names.values()),
            "dongs": sum(v is not None for v in self._dong.values()),
            "sigungu": sum(v is not None for v in self._sigungu.values()),
        }


def name_variants(name: str | None, sigungu: str | None = None) -> list[str]:
    """A name's comparison keys (etl.merge.name_key): as given, and without a leading 시/도 or
    sigungu (`대구광역시 북구보건소` → `북구보건소`); keys shorter than 3 characters are dropped."""
    if not name:
        return []
    out = [name_key(name)]
    tokens = name.split()
    region_words = set(sigungu.split()) if sigungu else set()
    while len(tokens) > 1 and (canonical_sido(tokens[0]) or tokens[0] in region_words):
        tokens = tokens[1:]
        out.append(name_key(" ".join(tokens)))
    return [v for v in dict.fromkeys(out) if len(v) >= 3]
