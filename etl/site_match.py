"""Placing a screening site or safe hospital at the HIRA record it names: candidates in the
same 시/도 and 시/군/구, scored by normalised name (rapidfuzz) and confirmed by address."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from rapidfuzz import fuzz

from etl.geocode import legal_place, normalise_address, sido_spellings
from etl.hira import HiraRecord, RegionKey, address_region, read_hira
from geo.distance import distances_m
from layers import registry
from layers.testing_site_parking import FACILITIES, SPEC

# Thresholds, from the score distribution of the 1,589 rows of the three lists against the
# 2026.3 records (README, "Placing the screening sites"): without an agreeing address, best
# candidates below NAME_SURE start to be other places (83: 일동보건지소 → 이동보건지소); with
# the same road/lot address and building number, every best candidate scoring at least
# NAME_WITH_ADDRESS was the site's building (the lowest, 31: 21세기좋은병원, since renamed
# 울산엘리야병원). Addresses are compared only from NAME_WITH_ADDRESS up.
NAME_SURE = 90.0
NAME_WITH_ADDRESS = 30.0
# what an agreeing address adds to the name score when candidates are ranked
ADDRESS_BONUS = 20.0
# a key wholly inside the other's scores at least this
CONTAINED = 95.0
# a runner-up within this many points of the best, elsewhere, makes the best ambiguous
AMBIGUITY_MARGIN = 5.0
# two records this close are one place (a hospital and its annex, one 보건소 in two rows)
SAME_PLACE_M = 150.0

Outcome = Literal[
    "matched", "ambiguous", "weak", "far from the address", "no candidate", "no region"
]

_LEGAL_FORMS = re.compile(
    r"\((?:의|재|사|학|복|의료법인|재단법인|사단법인|학교법인|사회복지법인)\)"
    r"|(?:의료법인|재단법인|사단법인|학교법인|사회복지법인|특수법인)"
)
# a foundation's own name before the hospital's: `순천의료재단 정병원`, `성수의료재단인천백병원`
_FOUNDATION = re.compile(
    r"^[가-힣a-z0-9]{1,12}?(?:의료재단|의료법인|재단|학원)(?=[가-힣a-z0-9]{3})"
)
_PLACE_WORD = re.compile(
    r"(?:보건지소|보건진료소|지소|분소|보건소|요양병원|병원|의원|의료원|센터)$"
)
_OLD_NAME = re.compile(r"[(\[]\s*(?:구|舊|前|전)\s*[:.]?\s*([^()\[\]]+?)\s*[)\]]")
_BRACKETS = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
_NOISE = re.compile(r"[\s·ㆍ.,\-_/()\[\]'\"]+")
_SUFFIXES = (
    (re.compile(r"(?:코로나19?)?(?:임시)?선별(?:진료|검사)소$"), ""),
    (re.compile(r"보건의료원$"), "보건소"),
    (re.compile(r"종합병원$"), "병원"),
    (re.compile(r"대학교"), "대"),
    (re.compile(r"의과대(?:학)?(?:부속|附屬)?"), "의대"),
    (re.compile(r"부속"), ""),
)


@dataclass(frozen=True)
class Candidate:
    record: HiraRecord
    name_score: float
    address_agrees: bool

    @property
    def score(self) -> float:
        """The name score, plus ADDRESS_BONUS when the address agrees: a renamed hospital at
        its own address (`더본병원` → `낭만병원`) before a namesake elsewhere."""
        return self.name_score + (ADDRESS_BONUS if self.address_agrees else 0.0)


@dataclass(frozen=True)
class Match:
    """The answer for one row: the record it is placed at (`matched`), or why not, with the
    best candidate for the reject report."""

    outcome: Outcome
    best: Candidate | None
    runner_up: Candidate | None = None

    @property
    def record(self) -> HiraRecord | None:
        return self.best.record if self.outcome == "matched" and self.best else None

    def describe(self) -> str:
        if self.best is None:
            return self.outcome
        b = self.best
        text = (
            f"{self.outcome}: best HIRA record {b.record.name} ({b.record.address}), "
            f"name score {b.name_score:.0f}, address {'agrees' if b.address_agrees else 'differs'}"
        )
        if self.runner_up is not None:
            r = self.runner_up
            text += f"; runner-up {r.record.name} ({r.record.address}) {r.name_score:.0f}"
        return text


# -- names ---------------------------------------------------------------------------------


@lru_cache(maxsize=1 << 17)
def name_keys(
    name: str, region: RegionKey | None = None, sigungu: str | None = None
) -> tuple[str, ...]:
    """A facility name's comparison keys: the name without legal forms (`(의)`, `의료법인`,
    `재단법인`), spaces and punctuation, `보건의료원` as `보건소`, `대학교` as `대`; each
    without and with its brackets' text (`서귀포시(동부보건소)`), without and with a
    foundation's name before the hospital's (`성수의료재단인천백병원`), and without a leading
    시/도 or 시/군/구 (`대구광역시남구보건소` → `남구보건소`); plus an old name in brackets."""
    text = unicodedata.normalize("NFKC", name).casefold()
    text = _LEGAL_FORMS.sub(" ", text)
    olds = [m.group(1) for m in _OLD_NAME.finditer(text)]
    raws = [_BRACKETS.sub(" ", text), text, *olds]
    words = _region_words(region, sigungu)
    keys: list[str] = []
    for raw in raws:
        core = _core(raw)
        for key in (core, _FOUNDATION.sub("", core)):
            keys += [key, *_strip_region(key, words)]
    # a bare region name (`서귀포시` of `서귀포시(동부보건소)`) names no facility
    return tuple(k for k in dict.fromkeys(keys) if len(k) >= 2 and k not in words)


def _core(text: str) -> str:
    s = _NOISE.sub("", text)
    for pattern, repl in _SUFFIXES:
        s = pattern.sub(repl, s)
    return s


@lru_cache(maxsize=4096)
def _region_words(region: RegionKey | None, sigungu: str | None) -> tuple[str, ...]:
    words: list[str] = []
    if region is not None:
        sido, city = region
        words += sido_spellings(sido)
        if city:
            words.append(city)
            if len(city) > 2:
                words.append(city[:-1])  # 포항시 → 포항
    if sigungu:
        words += sigungu.split()
    return tuple(sorted(set(words), key=len, reverse=True))


def _strip_region(key: str, words: Sequence[str]) -> list[str]:
    """The key without one, then two … leading region words, while more than a place word
    (`보건소`) is left."""
    out: list[str] = []
    changed = True
    while changed:
        changed = False
        for w in words:
            rest = key[len(w) :]
            if key.startswith(w) and _own_part(rest) >= 2:
                key = rest
                out.append(key)
                changed = True
                break
    return out


def name_score(a: Sequence[str], b: Sequence[str]) -> float:
    """The best rapidfuzz ratio (0–100) between any key of one name and any of the other; a
    key wholly inside the other (`삼성창원병원` in `학교법인성균관대학삼성창원병원`)
    scores at least CONTAINED when both end in the same place word (`_same_kind`) and
    besides it each has 3 characters of its own (not `성모병원` inside `혁신성모병원`)."""
    best = 0.0
    for x in a:
        for y in b:
            score = fuzz.ratio(x, y)
            if (
                score < CONTAINED
                and min(len(x), len(y)) >= 4
                and (x in y or y in x)
                and _own_part(x) >= 3
                and _own_part(y) >= 3
                and _same_kind(x, y)
            ):
                score = CONTAINED
            best = max(best, score)
    return best


def _own_part(key: str) -> int:
    """How many characters a key has besides its place word (`성모병원` → 2)."""
    m = _PLACE_WORD.search(key)
    return len(key) - (len(m.group(0)) if m else 0)


def _same_kind(x: str, y: str) -> bool:
    """Whether two keys end in the same place word (보건소, 보건지소, 병원, …): not a 보건소
    inside its 보건지소's name, nor `세종시청` inside `세종시청점오라클피부과의원`."""
    a, b = _PLACE_WORD.search(x), _PLACE_WORD.search(y)
    return a is not None and b is not None and a.group(0) == b.group(0)


def compatible(site_name: str, kind: str) -> bool:
    """Whether a HIRA record of `kind` (종별) can be the site `site_name` names: a dental or
    oriental-medicine record only for a name that says so, a 보건지소 or 보건진료소 only for
    a name that says 지소/분소/진료소, a 보건소 for any other."""
    if kind in ("치과의원", "치과병원"):
        return "치과" in site_name
    if kind in ("한의원", "한방병원"):
        return "한의" in site_name or "한방" in site_name
    if kind in ("보건지소", "보건진료소"):
        return any(w in site_name for w in ("지소", "분소", "진료소"))
    return kind != "조산원"


# -- addresses -----------------------------------------------------------------------------


def address_keys(
    address: str | None, sido: str | None = None, sigungu: str | None = None
) -> frozenset[str]:
    """Road or lot address + building number keys of an address (etl.geocode's parser), also
    under the 시 alone (one list writes `수정구 수정로 76`, another `성남시 수정로 76`) with
    the main building number alone (HIRA writes `팔용로 158-158` for 158) and the road
    without dots (`3·15대로`, `3.15대로`)."""
    if address and "·" in address:
        address = address.replace("·", ".")  # the parser reads a middle dot as a space
    ak = normalise_address(address, sido=sido, sigungu=sigungu) if address else None
    if ak is None or ak.number is None:
        return frozenset()
    keys = set(ak.exact_keys())
    place = ak.road or (legal_place(ak.dong, ak.eupmyeon) if ak.dong else None)
    if place and ak.city:
        main = ak.number.split("-", 1)[0]
        keys.add(f"{ak.sido} {ak.city} {place.replace('.', '')} {main}")
    return frozenset(keys)


# -- the matcher ---------------------------------------------------------------------------


class SiteMatcher:
    """HIRA records by region, to match the screening lists' rows against."""

    def __init__(self, records: Iterable[HiraRecord]) -> None:
        self._by_region: dict[RegionKey, list[HiraRecord]] = defaultdict(list)
        for r in records:
            self._by_region[r.region].append(r)
        self.records = sum(len(v) for v in self._by_region.values())

    def match(
        self,
        name: str,
        address: str | None,
        sido: str | None = None,
        sigungu: str | None = None,
    ) -> Match:
        """The HIRA record the row names, or why there is none (see the module's thresholds).

        Candidates are the records of the row's region (its address's, else its own
        시도/시군구 columns') whose kind fits the name. The best is taken when its name
        score reaches NAME_SURE, or NAME_WITH_ADDRESS with the same road/lot address and
        building number; it is ambiguous when another candidate more than SAME_PLACE_M away
        scores within AMBIGUITY_MARGIN of it and the address does not tell them apart."""
        region = address_region(address, sido, sigungu)
        if region not in self._by_region:
            region = address_region(None, sido, sigungu) or region
        if region is None:
            return Match("no region", None)
        entries = [r for r in self._by_region.get(region, ()) if compatible(name, r.kind)]
        keys = name_keys(name, region, sigungu)
        if not entries or not keys:
            return Match("no candidate", None)
        addr = address_keys(address, sido, sigungu)
        scored = []
        for r in entries:
            score = name_score(keys, name_keys(r.name, r.region))
            agrees = score >= NAME_WITH_ADDRESS and bool(addr & address_keys(r.address))
            scored.append(Candidate(r, score, agrees))
        # taken with an agreeing address, then taken by name alone; the score within each
        scored.sort(
            key=lambda c: (
                -(_taken(c) and c.address_agrees),
                -_taken(c),
                -c.score,
                c.record.name,
                c.record.address,
            )
        )
        best = scored[0]
        if not _taken(best):
            return Match("weak", best)
        rivals = [
            c
            for c in scored[1:]
            if _taken(c)
            and c.score >= best.score - AMBIGUITY_MARGIN
            and not (best.address_agrees and not c.address_agrees)
            and _distance_m(best.record, c.record) > SAME_PLACE_M
        ]
        if rivals:
            return Match("ambiguous", best, rivals[0])
        return Match("matched", best)


def source_matcher(source_dir: Path) -> SiteMatcher | None:
    """The matcher over the HIRA folders the sources manifest lists for the testing sites
    (kind "facilities") that are in the source directory; None when there are none (the
    sites are then placed by the gazetteer alone)."""
    folders = [
        Path(source_dir) / s.path
        for s in registry.sources_for(SPEC.id)
        if SPEC.schema(s.schema).kind == FACILITIES
    ]
    present = [f for f in folders if f.is_dir()]
    if not present:
        return None
    return SiteMatcher(r for folder in present for r in read_hira(folder))


def _taken(c: Candidate) -> bool:
    return c.name_score >= NAME_SURE or (c.address_agrees and c.name_score >= NAME_WITH_ADDRESS)


def _distance_m(a: HiraRecord, b: HiraRecord) -> float:
    return float(distances_m(a.lon, a.lat, [b.lon], [b.lat])[0])
