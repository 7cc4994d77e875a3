"""Offline geocoding of Korean addresses: an address parser and a gazetteer built from the
loaded files' own coordinates and the admin-area centroids, with an optional online step.

Every answer says how precise it is (address, building, dong, sigungu); a coarse match is
never labelled as a finer one.
"""

from __future__ import annotations

import gc
import json
import math
import re
import unicodedata
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from difflib import get_close_matches
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np

from etl.merge import name_key
from geo.crs import to_wgs84
from geo.distance import distances_m

# "facility": placed at the named facility's own record (etl.site_match), not by its address
Precision = Literal["facility", "address", "building", "dong", "sigungu"]
# finest first
PRECISIONS: tuple[Precision, ...] = ("facility", "address", "building", "dong", "sigungu")

SEJONG = "세종특별자치시"
SIDO_NAMES: tuple[str, ...] = (
    "서울특별시",
    "부산광역시",
    "대구광역시",
    "인천광역시",
    "광주광역시",
    "대전광역시",
    "울산광역시",
    SEJONG,
    "경기도",
    "강원도",
    "충청북도",
    "충청남도",
    "전라북도",
    "전라남도",
    "경상북도",
    "경상남도",
    "제주특별자치도",
)
# Every spelling of a 시/도 seen in the sources -> one canonical name. 강원특별자치도 (2023)
# and 전북특별자치도 (2024) are keyed as the older names that most files use.
_SIDO_ALIASES: dict[str, str] = {
    **{name: name for name in SIDO_NAMES},
    "서울": "서울특별시",
    "서울시": "서울특별시",
    "부산": "부산광역시",
    "부산시": "부산광역시",
    "대구": "대구광역시",
    "대구시": "대구광역시",
    "인천": "인천광역시",
    "인천시": "인천광역시",
    "광주": "광주광역시",  # 광주시 alone is 경기도 광주시 unless the row says otherwise
    "대전": "대전광역시",
    "대전시": "대전광역시",
    "울산": "울산광역시",
    "울산시": "울산광역시",
    "세종": SEJONG,
    "세종시": SEJONG,
    "경기": "경기도",
    "강원": "강원도",
    "강원특별자치도": "강원도",
    "충북": "충청북도",
    "충남": "충청남도",
    "전북": "전라북도",
    "전북특별자치도": "전라북도",
    "전남": "전라남도",
    "경북": "경상북도",
    "경남": "경상남도",
    "제주": "제주특별자치도",
    "제주도": "제주특별자치도",
}
_FUZZY_SIDO_SUFFIXES = ("특별시", "광역시", "특별자치시", "특별자치도", "북도", "남도")
_FUZZY_SIDO_TARGETS = (*SIDO_NAMES, "강원특별자치도", "전북특별자치도")

# spread allowed among the points that share a key before the key is called ambiguous
ADDRESS_SPREAD_M = 300.0
NAME_SPREAD_M = 300.0
DONG_SPREAD_M = 5000.0
_M_PER_DEG = 111_320.0

_HANGUL = re.compile(r"[가-힣]")
_PAREN = re.compile(r"\(([^()]*)\)|\[([^\[\]]*)\]")
_SGG = re.compile(r"^[가-힣]{1,8}[시군구]$")
_SGG_GLUED = re.compile(r"^([가-힣]{1,6}시)([가-힣]{1,6}구)$")  # KOSTAT's 수원시장안구
_EUPMYEON = re.compile(r"^[가-힣0-9]{1,10}[읍면]$")
_DONG = re.compile(r"^[가-힣][가-힣0-9.·]{0,12}(?:동|리|동?\d{1,2}가)$")
_ROAD = re.compile(r"^[가-힣0-9.·]{0,20}[가-힣0-9](?:로|길)$")
_ROAD_GLUED = re.compile(r"^([가-힣][가-힣0-9.]{0,20}(?:로|길))(지하)?(\d{1,5}(?:-\d{1,5})?)$")
_BUNGIL = re.compile(r"^\d{1,4}번?[가-힣]?길$")
_ZIP = re.compile(r"^\(?\d{5,6}\)?$|^\(?우\)?\d{3}-?\d{3}$")
_NUMBER = re.compile(
    r"^(?P<under>지하\s*)?(?P<mountain>산\s*)?(?P<main>\d{1,5})(?!\d)\s*(?:번지)?"
    r"(?:\s*-\s*(?P<sub>\d{1,5})(?!\d)|\s+(?P<ho>\d{1,5})\s*호)?"
)
_BUILDING_NOISE = re.compile(
    r"^(?:\s*(?:번지|호|번|-))+|(?:지하\s*)?\d+\s*층|\bB\d+\b|\d+\s*호|일원|[외등]\s*\d*\s*필지|\s+"
)
# dashes to "-", a list separator to a space
_PUNCT = str.maketrans({**dict.fromkeys("‐‑‒–—−", "-"), "·": " "})
_ODD_PUNCT = re.compile("[‐‑‒–—−·]")
_LIST_SEP = re.compile(r"[,\s]+")
_LEGAL_DONG = re.compile(r"(?:제)?\d[\d.,·]*동$")  # 행정동 상계6.7동 → 법정동 상계동
_DONG_STEM = re.compile(r"(?:제)?[\d.,·]*(?:가)?동(?:\d{1,2}가)?$|\d{1,2}가$")


def canonical_sido(token: str | None, *, metro_gwangju: bool = False) -> str | None:
    """The canonical 시/도 name of `token` (a short form, an old name, a near-typo), else None.

    `광주시` is 광주광역시 only when `metro_gwangju` says the row is in 광주 (else it is 경기도
    광주시, a sigungu).
    """
    if not token:
        return None
    t = token.strip()
    if t == "광주시":
        return "광주광역시" if metro_gwangju else None
    return _sido_token(t)


def sido_spellings(sido: str) -> tuple[str, ...]:
    """Every spelling of a canonical 시/도 name the sources use (`대구광역시`, `대구`, `대구시`)."""
    return tuple(alias for alias, canon in _SIDO_ALIASES.items() if canon == sido)


@lru_cache(maxsize=4096)
def _sido_token(t: str) -> str | None:
    found = _SIDO_ALIASES.get(t)
    if found is not None:
        return found
    if len(t) >= 4 and t.endswith(_FUZZY_SIDO_SUFFIXES):  # 서을특별시
        close = get_close_matches(t, _FUZZY_SIDO_TARGETS, n=1, cutoff=0.75)
        if close:
            return _SIDO_ALIASES[close[0]]
    return None


@dataclass(frozen=True)
class AddressKey:
    """A parsed Korean address: region, then a road address (road + building number) or a
    lot address (동/리 + 번지). Building names, floors and `(동명)` suffixes are not part of
    any key; a `(동명)` is kept as a hint for the dong-level fallback."""

    sido: str | None
    sigungu: str | None  # "강남구", "수원시 장안구", "고성군"; None in 세종 or when absent
    eupmyeon: str | None = None
    dong: str | None = None  # lot address: the 동/리 as written; road address: the (동명) hint
    road: str | None = None  # "선릉로", "시민로294번길"
    number: str | None = None  # "668", "966-1", "산12-3", "지하612"
    alt_dongs: tuple[str, ...] = ()  # other 동 names in brackets, e.g. 행정동 삼성2동
    building: str | None = None  # trailing building/facility name, not part of a key

    @property
    def city(self) -> str | None:
        """The 시/군/구 without an 일반구: "수원시" for "수원시 장안구"."""
        return self.sigungu.split(" ", 1)[0] if self.sigungu else None

    @property
    def kind(self) -> Literal["road", "lot"] | None:
        if self.number is None:
            return None
        return "road" if self.road else "lot" if self.dong else None

    def key(self) -> str | None:
        """The exact-match key (None without a region and a number)."""
        return self._key(self.sigungu)

    def city_key(self) -> str | None:
        """`key()` with the sigungu reduced to its 시 (road names are unique within a 시)."""
        return self._key(self.city)

    def exact_keys(self) -> tuple[str, ...]:
        """`key()` and, for a 시 with 일반구, `city_key()`."""
        full = self.key()
        if full is None:
            return ()
        if self.sigungu is None or " " not in self.sigungu:
            return (full,)
        city = self.city_key()
        return (full, city) if city else (full,)

    def dong_key(self) -> tuple[str | None, str | None, str | None]:
        return (self.sido, self.sigungu, self.dong or self.eupmyeon)

    def sigungu_key(self) -> tuple[str | None, str | None]:
        return (self.sido, self.sigungu)

    def text(self) -> str:
        """The address without building names or floors, as a search engine wants it."""
        parts = [self.sido, self.sigungu, self.eupmyeon]
        if self.road:
            parts += [self.road, self.number]
        else:
            parts += [self.dong, self.number]
        return " ".join(p for p in parts if p)

    def _key(self, sigungu: str | None) -> str | None:
        if self.number is None or self.sido is None or (sigungu is None and self.sido != SEJONG):
            return None
        place = self.road or (legal_place(self.dong, self.eupmyeon) if self.dong else None)
        if place is None:
            return None
        if sigungu is None:
            return f"{self.sido} {place} {self.number}"
        return f"{self.sido} {sigungu} {place} {self.number}"


def legal_place(dong: str, eupmyeon: str | None = None) -> str:
    """The 법정동/리 a 동 name stands for, as keys use it: 행정동 `신내2동` → `신내동`; a 리
    with its 읍/면 (리 names repeat across the 읍/면 of one 군)."""
    place = _LEGAL_DONG.sub("동", dong) if dong[-1] == "동" and dong[-2:-1].isdigit() else dong
    return f"{eupmyeon or '-'} {place}" if place[-1] == "리" else place


def normalise_address(
    text: str | None, *, sido: str | None = None, sigungu: str | None = None
) -> AddressKey | None:
    """Parse a Korean road or lot address into an `AddressKey`, or None when nothing in it
    reads like an address. `sido`/`sigungu` (e.g. a row's own 시도/시군구 columns) fill in
    what the text leaves out; the text wins where both say something."""
    if not text or not isinstance(text, str):
        return None
    return _parse(text[:300], sido, sigungu)


def _split_parens(s: str) -> tuple[str, list[str]]:
    """The text with bracketed parts removed, and the bracketed parts."""
    inner: list[str] = []

    def keep(m: re.Match[str]) -> str:
        inner.append(m.group(1) if m.group(1) is not None else m.group(2))
        return " "

    for _ in range(4):
        s, n = _PAREN.subn(keep, s)
        if not n:
            break
    for opener in "([":
        cut = s.find(opener)
        if cut >= 0:
            inner.append(s[cut + 1 :])
            s = s[:cut]
    return s.replace(")", " ").replace("]", " "), inner


def _sigungu_parts(tokens: Sequence[str], i: int, sido: str | None) -> tuple[list[str], int]:
    parts: list[str] = []
    n = len(tokens)
    while i < n:
        t = tokens[i]
        if parts and t == parts[-1]:  # "포항시 남구 남구"
            i += 1
            continue
        if sido is not None and _SIDO_ALIASES.get(t) == sido:  # "세종특별자치시 세종시"
            i += 1
            continue
        if len(parts) == 2 or t[-1] not in "시군구":
            break
        if t.endswith("특례시"):
            t = t[:-3] + "시"
        glued = _SGG_GLUED.match(t)
        if glued and not parts:
            parts = [glued[1], glued[2]]
            i += 1
            continue
        if (
            _SGG.match(t)
            and _sido_token(t) is None
            and (not parts or (parts[0].endswith("시") and t.endswith("구")))
        ):
            parts.append(t)
            i += 1
            continue
        break
    return parts, i


@lru_cache(maxsize=1 << 17)
def _parse(text: str, hint_sido: str | None, hint_sigungu: str | None) -> AddressKey | None:
    s = text if unicodedata.is_normalized("NFKC", text) else unicodedata.normalize("NFKC", text)
    if not s.isascii() and _ODD_PUNCT.search(s):
        s = s.translate(_PUNCT)
    if "," in s:
        s = s.replace(",", " ")
    inner: list[str] = []
    if "(" in s or ")" in s or "[" in s:
        s, inner = _split_parens(s)
    tokens = s.split()
    hint = canonical_sido(hint_sido) if hint_sido else None
    i, n = 0, len(tokens)
    while i < n and tokens[i][0] in "(우0123456789" and _ZIP.match(tokens[i]):
        i += 1
    sido = canonical_sido(tokens[i], metro_gwangju=hint == "광주광역시") if i < n else None
    if sido is not None:
        i += 1
    elif i < n and tokens[i][-1] in "시군구":  # "경남거제시", "부산광역시사하구" (not 부산진구)
        for k in (2, 3, 4, 5, 7):
            head, tail = tokens[i][:k], tokens[i][k:]
            if (
                len(tail) >= 2
                and (tail[-1] != "구" or head[-1] in "시도")
                and _sido_token(head)
                and _SGG.match(tail)
            ):
                sido = _sido_token(head)
                tokens[i] = tail
                break
    sgg, i = _sigungu_parts(tokens, i, sido)
    eupmyeon = None
    if i < n and tokens[i][-1] in "읍면" and _EUPMYEON.match(tokens[i]):
        eupmyeon = tokens[i]
        i += 1

    road = dong = number = None
    rest = ""
    skipped = 0
    while i < n:
        t = tokens[i]
        last = t[-1]
        if last in "로길" and _ROAD.match(t):
            road = t
            i += 1
            if i < n and _BUNGIL.match(tokens[i]):  # "수정로 46번길 86"
                road += tokens[i]
                i += 1
            rest = " ".join(tokens[i:])
            break
        glued = _ROAD_GLUED.match(t) if last.isdigit() else None  # "공항대로260"
        if glued:
            road = glued[1]
            rest = " ".join([(glued[2] or "") + glued[3], *tokens[i + 1 :]])
            break
        if last in "동리가" and _DONG.match(t):
            dong = t
            i += 1
            continue
        if eupmyeon is None and last in "읍면" and _EUPMYEON.match(t):
            eupmyeon = t
            i += 1
            continue
        if dong is not None and (t == "산" or _NUMBER.match(t)):
            rest = " ".join(tokens[i:])
            break
        skipped += 1
        if skipped > 2:
            break
        i += 1

    building = None
    if rest:
        m = _NUMBER.match(rest)
        if m and (road or dong):
            main = str(int(m["main"]))
            sub = m["sub"] or m["ho"]
            number = main if not sub or int(sub) == 0 else f"{main}-{int(sub)}"
            if m["mountain"] and not road:
                number = "산" + number
            if m["under"] and road:
                number = "지하" + number
            tail = rest[m.end() :]
            if tail and not tail.isspace():
                tail = _BUILDING_NOISE.sub(" ", tail).strip()
                building = tail if len(_HANGUL.findall(tail)) >= 2 else None

    hint_dongs: list[str] = []
    for part in inner:
        for tok in _LIST_SEP.split(part):
            if tok and (_DONG.match(tok) or _EUPMYEON.match(tok)) and tok not in hint_dongs:
                hint_dongs.append(tok)
    if road and dong is None and hint_dongs:
        dong = hint_dongs.pop(0)
    alt = tuple(d for d in hint_dongs if d != dong)

    # fill in from the row's own region columns
    if sido is None:
        sido = hint
    if hint_sigungu:
        hint_parts, _ = _sigungu_parts(hint_sigungu.split(), 0, None)
        if not sgg:
            sgg = hint_parts
        elif len(sgg) == 1 and hint_parts and sgg[0] != hint_parts[0]:
            if sgg[0].endswith("구") and hint_parts[0].endswith("시"):  # "진해구" in 창원시
                sgg = [hint_parts[0], sgg[0]]
        elif len(sgg) == 1 and len(hint_parts) == 2 and hint_parts[0] == sgg[0]:
            sgg = hint_parts
    if sido is None and not sgg and road is None and dong is None:
        return None
    return AddressKey(
        sido=sido,
        sigungu=" ".join(sgg) or None,
        eupmyeon=eupmyeon,
        dong=dong,
        road=road,
        number=number,
        alt_dongs=alt,
        building=building,
    )


def _dong_stem(name: str) -> str | None:
    """삼성2동, 삼성동, 중화산동2가, 종로1.2.3.4가동 → 삼성/삼성/중화산/종로 (None for 리/읍/면)."""
    if not name.endswith(("동", "가")):
        return None
    stem = _DONG_STEM.sub("", name)
    return stem or None


# -- results and the online step -----------------------------------------------------------


@dataclass(frozen=True)
class Geocode:
    lon: float
    lat: float
    precision: Precision
    matched: str  # what matched: the address key, the name, or the admin area


class OnlineGeocoder(Protocol):
    """An address search service; returns only answers it can stand behind, else None."""

    def geocode(self, address: str) -> Geocode | None: ...


Opener = Callable[..., Any]


class KakaoGeocoder:
    """Kakao Local address search (needs a REST API key; off unless one is configured)."""

    URL = "https://dapi.kakao.com/v2/local/search/address.json"

    def __init__(
        self, rest_key: str, *, timeout_s: float = 5.0, opener: Opener | None = None
    ) -> None:
        if not rest_key:
            raise ValueError("a Kakao REST API key is required")
        self._key = rest_key
        self._timeout_s = timeout_s
        self._open: Opener = opener or urllib.request.urlopen

    def request(self, address: str) -> urllib.request.Request:
        query = urllib.parse.urlencode({"query": address, "analyze_type": "exact"})
        return urllib.request.Request(
            f"{self.URL}?{query}", headers={"Authorization": f"KakaoAK {self._key}"}
        )

    def geocode(self, address: str) -> Geocode | None:
        with self._open(self.request(address), timeout=self._timeout_s) as resp:
            data = json.loads(resp.read().decode("utf-8"))
        docs = data.get("documents") or []
        if len(docs) != 1:  # none, or ambiguous
            return None
        doc = docs[0]
        # REGION / ROAD answers name an area or a whole road, not a building
        if doc.get("address_type") not in ("ROAD_ADDR", "REGION_ADDR"):
            return None
        lon, lat = float(doc["x"]), float(doc["y"])
        if not (math.isfinite(lon) and math.isfinite(lat)):
            return None
        return Geocode(lon, lat, "address", f"kakao: {doc.get('address_name') or address}")


# -- the gazetteer ---------------------------------------------------------------------------


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
    """What `Gazetteer.from_candidates` reads of a located source row (etl.load.Candidate)."""

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
                name_groups.setdefault((region_sido, _city(region_sgg), nk), []).append((lon, lat))
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
            parts, end = _sigungu_parts(tokens, 1, sido)
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
            for name in dict.fromkeys((sgg, _city(sgg))):
                self._regions_known.add((sido, name))
                if name:
                    self._sgg_sidos.setdefault(name, set()).add(sido)

        # a 시 with 일반구 and no row of its own: the mean of its 구 (unless its own row is newer)
        city_groups: dict[Region, list[tuple[str, Point]]] = {}
        for (sido, sgg), (code, pt) in newest_sgg.items():
            if sgg and " " in sgg:
                city_groups.setdefault((sido, _city(sgg)), []).append((code, pt))
        self._sigungu: dict[Region, Point | None] = {k: pt for k, (_, pt) in newest_sgg.items()}
        for city, members in city_groups.items():
            own = newest_sgg.get(city)
            if own is None or own[0] < max(code for code, _ in members):
                self._sigungu[city] = _settle({city: [p for _, p in members]}, 30_000.0, True)[city]

        dong_groups: dict[tuple[str, str | None, str], list[Point]] = {}
        for (sido, sgg, dong), (_, point) in newest_dong.items():
            dong_groups.setdefault((sido, sgg, dong), []).append(point)
            if sgg and " " in sgg:  # the same dong name in two 구 of a 시 is ambiguous there
                dong_groups.setdefault((sido, _city(sgg), dong), []).append(point)
        settled = _settle(dong_groups, DONG_SPREAD_M, average=True)
        self._dong: dict[tuple[str, str | None, str], Point | None] = settled
        stem_groups: dict[tuple[str, str | None, str], list[Point]] = {}
        self._stem_names: dict[tuple[str, str | None, str], list[str]] = {}
        for (sido, sgg, dong), centre in settled.items():
            stem = _dong_stem(dong)
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
            parts = _sigungu_parts(sigungu.split(), 0, canon)[0] if sigungu else []
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
            sidos = self._sgg_sidos.get(sgg) or self._sgg_sidos.get(_city(sgg) or "")
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
                for area in dict.fromkeys((sgg, _city(sgg))):
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
        areas = tuple(dict.fromkeys((sgg, _city(sgg))))
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
            stem = _dong_stem(dong)
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
        for area in dict.fromkeys((sgg, _city(sgg))):
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


def _city(sgg: str | None) -> str | None:
    return sgg.split(" ", 1)[0] if sgg else None


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
