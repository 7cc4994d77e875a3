"""The Korean address parser: a road or lot address (with its 시/도 spelled any way the
sources spell it) read into an `AddressKey` whose keys the gazetteer matches exactly."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import get_close_matches
from functools import lru_cache
from typing import Literal

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
        return city_of(self.sigungu)

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


def sigungu_parts(tokens: Sequence[str], i: int, sido: str | None) -> tuple[list[str], int]:
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
    sgg, i = sigungu_parts(tokens, i, sido)
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
        hint_parts, _ = sigungu_parts(hint_sigungu.split(), 0, None)
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


def dong_stem(name: str) -> str | None:
    """삼성2동, 삼성동, 중화산동2가, 종로1.2.3.4가동 → 삼성/삼성/중화산/종로 (None for 리/읍/면)."""
    if not name.endswith(("동", "가")):
        return None
    stem = _DONG_STEM.sub("", name)
    return stem or None


def city_of(sigungu: str | None) -> str | None:
    """The 시/군/구 without an 일반구: "수원시" for "수원시 장안구"."""
    return sigungu.split(" ", 1)[0] if sigungu else None
