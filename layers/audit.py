"""The data-quality audit of the current layer versions: per layer and per 시군구, what a data
steward should fix at the source, and a score that ranks where to look first.

One computation for `sharemap audit` and the app's /audit and /audit.json; the documented shape
of its JSON is AUDIT_SCHEMAS (components of /openapi.json).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import shapely

from geo.hours import parse_hours, states_clock_time
from layers import registry
from layers.record import FeatureRecord, Region, Reject
from layers.store.base import Store

STALE_AFTER_YEARS = 2
# a geocoded position this coarse is the centre of a 동 or 시군구, not the place
COARSE_PRECISIONS = frozenset({"dong", "sigungu"})
MISSING_COORDINATES = frozenset({"no coordinates", "not geocoded"})
DUPLICATE = "duplicate"
TOP_PHRASINGS = 50

# A dialable Korean number as layers.clean.tidy_phone writes it: an area or mobile code (02,
# 0NN, 01N, 050N) and two groups, or a national 15NN/16NN/18NN number.
_PHONE = re.compile(r"(02|0[3-9]\d|01[016-9]|050\d)-\d{3,4}-\d{4}|1[5-8]\d\d-\d{4}")

# what each check counts (the keys of every "checks" object), in report order
CHECKS: tuple[str, ...] = (
    "hours_blank",
    "hours_unparsed",
    "hours_parsed",
    "fee_unknown",
    "phone_missing",
    "phone_malformed",
    "stale_reference_date",
    "coarse_location",
    "outside_stated_sigungu",
)
# a feature with any of these has a problem (the score is the share of such features)
PROBLEM_CHECKS: tuple[str, ...] = (
    "hours_blank",
    "hours_unparsed",
    "fee_unknown",
    "phone_missing",
    "phone_malformed",
    "stale_reference_date",
    "coarse_location",
)


class AuditError(ValueError):
    """An audit cannot be made as asked (an unknown 시도); the message is for the user."""


# -- one feature ---------------------------------------------------------------------------


def hours_status(f: FeatureRecord) -> str:
    """ "parsed", "unparsed" or "blank", by the one hours parser (geo.hours)."""
    raw = (f.opening_hours_raw or "").strip()
    if raw:
        return "parsed" if parse_hours(raw) is not None or f.opening_hours else "unparsed"
    return "parsed" if f.opening_hours else "blank"


def phone_malformed(phone: str | None) -> bool:
    return bool(phone) and _PHONE.fullmatch(phone or "") is None


def stale(updated_at: str | None, cutoff: date) -> bool:
    """The reference date lies before `cutoff` (a year or month alone counts by its end)."""
    if not updated_at:
        return False
    text = updated_at.strip()
    end = {4: "-12-31", 7: "-28"}.get(len(text), "")
    return (text + end)[:10] < cutoff.isoformat()


_SIDO_KEYS = (
    ("충청북", "충북"),
    ("충청남", "충남"),
    ("전라북", "전북"),
    ("전북", "전북"),
    ("전라남", "전남"),
    ("경상북", "경북"),
    ("경상남", "경남"),
)
_SIDO_SHORT = frozenset(
    [
        "서울",
        "부산",
        "대구",
        "인천",
        "광주",
        "대전",
        "울산",
        "세종",
        "경기",
        "강원",
        "충북",
        "충남",
        "전북",
        "전남",
        "경북",
        "경남",
        "제주",
    ]
)


# one word naming a 시도 (not `세종대로`, `서울숲길`)
_SIDO_WORD = re.compile(
    r"(충청|전라|경상)[남북]도|[가-힣]{2}(특별자치시|특별자치도|특별시|광역시|도|시)?"
)


def sido_key(text: str | None) -> str | None:
    """`서울특별시`, `서울시`, `서울` → 서울; `충청북도`, `충북` → 충북; else None."""
    if not text or not _SIDO_WORD.fullmatch(text):
        return None
    for prefix, key in _SIDO_KEYS:
        if text.startswith(prefix):
            return key
    return text[:2] if text[:2] in _SIDO_SHORT else None


def stated_region(address: str | None) -> tuple[str | None, str | None]:
    """The 시도 key and the 시군구 (일반구 joined, no spaces) an address names, where it does."""
    if not address:
        return None, None
    words = address.split()
    sido = sido_key(words[0]) if words else None
    rest = words[1:] if sido else words
    if sido == "세종":
        return sido, None
    sigungu = None
    if rest and re.fullmatch(r"[가-힣]+[시군구]", rest[0]):
        sigungu = rest[0]
        if rest[0].endswith("시") and len(rest) > 1 and re.fullmatch(r"[가-힣]+구", rest[1]):
            sigungu += rest[1]
    return sido, sigungu


def outside_stated_sigungu(f: FeatureRecord) -> bool:
    """The point lies in another 시도 or 시군구 than its address names."""
    sido, sigungu = stated_region(f.address)
    if sido and f.sido and sido_key(f.sido) not in (None, sido):
        return True
    placed = (f.sigungu or "").replace(" ", "")
    if not sigungu or not placed:
        return False
    # a 군 that became a 시 (여주군 → 여주시) keeps its stem
    stem = sigungu[:-1] if len(sigungu) >= 3 else sigungu
    return not (placed.startswith(stem) or sigungu.startswith(placed))


def feature_checks(f: FeatureRecord, cutoff: date) -> tuple[str, ...]:
    """The CHECKS a feature trips (hours_parsed included when it is one)."""
    out = [f"hours_{hours_status(f)}"]
    if f.fee == "unknown":
        out.append("fee_unknown")
    if not f.phone:
        out.append("phone_missing")
    elif phone_malformed(f.phone):
        out.append("phone_malformed")
    if stale(f.updated_at, cutoff):
        out.append("stale_reference_date")
    if f.props.get("geocode_precision") in COARSE_PRECISIONS:
        out.append("coarse_location")
    if outside_stated_sigungu(f):
        out.append("outside_stated_sigungu")
    return tuple(out)


# -- tallies -------------------------------------------------------------------------------


@dataclass
class Tally:
    features: int = 0
    problems: int = 0
    checks: Counter[str] = field(default_factory=Counter)
    rejected: int = 0
    hours_no_clock_time: int = 0

    def add(self, trips: Sequence[str], no_clock_time: bool = False) -> None:
        self.features += 1
        self.checks.update(trips)
        self.problems += any(t in PROBLEM_CHECKS for t in trips)
        self.hours_no_clock_time += no_clock_time

    def doc(self) -> dict[str, Any]:
        return {
            "features": self.features,
            "problems": self.problems,
            "score": score(self.problems, self.features),
            "checks": {c: self.checks[c] for c in CHECKS},
            "rejected": self.rejected,
            "hours_no_clock_time": self.hours_no_clock_time,
        }


def score(problems: int, features: int) -> float:
    """The share of features with at least one problem (0 without features)."""
    return round(problems / features, 4) if features else 0.0


def _ranked(areas: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Worst first: the higher share, then the more problems, then by name."""
    return sorted(areas, key=lambda a: (-a["score"], -a["problems"], a["sido"], a["sigungu"]))


@dataclass
class Audit:
    """The audit's JSON document and the points its map draws."""

    doc: dict[str, Any]
    suspects: list[tuple[float, float]] = field(default_factory=list)
    rejected: list[tuple[float, float]] = field(default_factory=list)
    worst: list[tuple[float, float]] = field(default_factory=list)  # the worst 시군구's features
    # min_lon, min_lat, max_lon, max_lat of the audited features (None: none)
    extent: tuple[float, float, float, float] | None = None


class _RegionFinder:
    """The 시도/시군구 of rejected rows that had coordinates (point in polygon)."""

    def __init__(self, regions: Sequence[Region]) -> None:
        self.regions = list(regions)
        self.tree = shapely.STRtree([shapely.from_wkb(r.wkb) for r in self.regions])

    def assign(self, lon: Sequence[float], lat: Sequence[float]) -> list[Region | None]:
        out: list[Region | None] = [None] * len(lon)
        if not len(lon) or not self.regions:
            return out
        points = shapely.points(np.array(lon), np.array(lat))
        hits = self.tree.query(points, predicate="within")
        for i, j in zip(hits[0].tolist(), hits[1].tolist(), strict=True):
            if out[i] is None:
                out[i] = self.regions[j]
        return out


def audit(
    store: Store,
    *,
    layer: str | None = None,
    sido: str | None = None,
    today: date | None = None,
) -> Audit:
    """The audit of the current versions (one layer or all; one 시도 or all)."""
    layer_ids = (registry.get(layer).id,) if layer else registry.LAYER_IDS
    today = today or datetime.now(UTC).date()
    cutoff = today.replace(year=today.year - STALE_AFTER_YEARS, day=min(today.day, 28))
    regions = list(store.regions())
    want = sido_key(sido) if sido else None
    if sido and (want is None or all(sido_key(r.sido) != want for r in regions)):
        raise AuditError(f"unknown 시도 {sido!r}: name one of the loaded regions' 시도")
    finder = _RegionFinder(regions)
    versions = store.versions()
    out = Audit(doc={})
    layers_doc = []
    overall: dict[tuple[str, str], Tally] = defaultdict(Tally)
    overall_layers: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    positions: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
    for layer_id in layer_ids:
        if layer_id not in versions:
            continue
        spec = registry.get(layer_id)
        total = Tally()
        areas: dict[tuple[str, str], Tally] = defaultdict(Tally)
        unparsed: Counter[str] = Counter()
        precision: Counter[str] = Counter()
        site_precision: Counter[str] = Counter()
        for f in store.features(layer_id):
            if want and sido_key(f.sido) != want:
                continue
            trips = feature_checks(f, cutoff)
            raw = (f.opening_hours_raw or "").strip()
            # only the source can give hours to a text that names no time of day
            no_clock_time = "hours_unparsed" in trips and not states_clock_time(raw)
            key = (f.sido or "", f.sigungu or "")
            for tally in (total, areas[key], overall[key]):
                tally.add(trips, no_clock_time)
            overall_layers[key][layer_id] += any(t in PROBLEM_CHECKS for t in trips)
            positions[key].append((f.lon, f.lat))
            if "hours_unparsed" in trips:
                unparsed[raw] += 1
            precision[str(f.props.get("geocode_precision") or "source")] += 1
            if f.props.get("site_precision"):
                site_precision[str(f.props["site_precision"])] += 1
            if "coarse_location" in trips or "outside_stated_sigungu" in trips:
                out.suspects.append((f.lon, f.lat))
        rejects = _placed_rejects(store.rejects(layer_id), finder, want)
        reasons: Counter[str] = Counter()
        for r, region in rejects:
            reasons[r.reason] += 1
            if region is not None:
                key = (region.sido, region.sigungu)
                for tally in (areas[key], overall[key]):
                    tally.rejected += 1
            if r.lon is not None and r.lat is not None:
                out.rejected.append((r.lon, r.lat))
        total.rejected = len(rejects)
        layers_doc.append(
            {
                "layer": layer_id,
                "title": spec.title.by_lang(),
                "data_version": versions[layer_id],
                **total.doc(),
                "rejected_by_reason": dict(reasons.most_common()),
                "missing_coordinates": sum(reasons[r] for r in MISSING_COORDINATES),
                "duplicates_merged": reasons[DUPLICATE],
                "unparsed_hours": [
                    {"text": text, "count": n, "states_clock_time": states_clock_time(text)}
                    for text, n in unparsed.most_common(TOP_PHRASINGS)
                ],
                "unparsed_hours_distinct": len(unparsed),
                "geocode_precision": dict(precision.most_common()),
                "site_precision": dict(site_precision.most_common()),
                "sigungu": _ranked(
                    {"sido": k[0], "sigungu": k[1], **t.doc()} for k, t in areas.items()
                ),
            }
        )
    ranked = _ranked(
        {"sido": k[0], "sigungu": k[1], **t.doc(), "problems_by_layer": dict(overall_layers[k])}
        for k, t in overall.items()
        if t.features
    )
    if ranked:
        out.worst = positions[(ranked[0]["sido"], ranked[0]["sigungu"])]
    every = [p for points in positions.values() for p in points]
    if every:
        lons, lats = [p[0] for p in every], [p[1] for p in every]
        out.extent = (min(lons), min(lats), max(lons), max(lats))
    out.doc = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "as_of": today.isoformat(),
        "stale_before": cutoff.isoformat(),
        "filters": {"layer": layer or "", "sido": sido or ""},
        "data_versions": {k: v for k, v in sorted(versions.items()) if k in (*layer_ids,)},
        "problem_checks": list(PROBLEM_CHECKS),
        "layers": layers_doc,
        "sigungu": ranked,
    }
    return out


def _placed_rejects(
    rejects: list[Reject], finder: _RegionFinder, want: str | None
) -> list[tuple[Reject, Region | None]]:
    """Each rejected row with the region its coordinates fall in (None without); with a 시도
    filter, only the rows placed in it."""
    located = [i for i, r in enumerate(rejects) if r.lon is not None and r.lat is not None]
    found = finder.assign(
        [rejects[i].lon or 0.0 for i in located], [rejects[i].lat or 0.0 for i in located]
    )
    regions: list[Region | None] = [None] * len(rejects)
    for i, region in zip(located, found, strict=True):
        regions[i] = region
    pairs = list(zip(rejects, regions, strict=True))
    if want:
        pairs = [(r, g) for r, g in pairs if g is not None and sido_key(g.sido) == want]
    return pairs


def cache_key(store: Store, layer: str | None, sido: str | None) -> tuple[Any, ...]:
    """What an audit depends on: the data versions, the filters and the day."""
    return (
        tuple(sorted(store.versions().items())),
        layer,
        sido,
        datetime.now(UTC).date().isoformat(),
    )


# -- the documented shape of the JSON (components of /openapi.json) ------------------------


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


_COUNT = {"type": "integer", "minimum": 0}
_COUNTS = {"type": "object", "additionalProperties": _COUNT}
_HOURS_NO_CLOCK_TIME = {
    **_COUNT,
    "description": "Of checks.hours_unparsed, the features whose text names no time of day "
    "(정시, 업무시간, 8시간, 1박): only the source can give them hours; the rest are texts the "
    "parser cannot read yet.",
}
_AREA_PROPERTIES: dict[str, Any] = {
    "sido": {"type": "string", "description": "시도 (empty: none assigned)"},
    "sigungu": {"type": "string", "description": "시군구 (empty: none assigned)"},
    "features": _COUNT,
    "problems": {**_COUNT, "description": "Features with at least one of problem_checks."},
    "score": {"type": "number", "minimum": 0, "maximum": 1, "description": "problems / features"},
    "checks": _ref("AuditChecks"),
    "rejected": {**_COUNT, "description": "Rejected rows of the last load placed here."},
    "hours_no_clock_time": _HOURS_NO_CLOCK_TIME,
}
_AREA_REQUIRED = list(_AREA_PROPERTIES)

AUDIT_SCHEMAS: dict[str, Any] = {
    "Audit": {
        "type": "object",
        "description": (
            "The data-quality audit of the current layer versions (GET /audit.json): per layer "
            "and per 시군구, worst first by score (the share of features with a problem), ties "
            "by the number of such features."
        ),
        "required": [
            "generated_at",
            "as_of",
            "stale_before",
            "filters",
            "data_versions",
            "problem_checks",
            "layers",
            "sigungu",
        ],
        "properties": {
            "generated_at": {"type": "string", "format": "date-time"},
            "as_of": {"type": "string", "format": "date"},
            "stale_before": {
                "type": "string",
                "format": "date",
                "description": "A reference date (updated_at) before this is stale.",
            },
            "filters": {
                "type": "object",
                "required": ["layer", "sido"],
                "properties": {"layer": {"type": "string"}, "sido": {"type": "string"}},
            },
            "data_versions": {"type": "object", "additionalProperties": {"type": "string"}},
            "problem_checks": {"type": "array", "items": {"type": "string", "enum": list(CHECKS)}},
            "layers": {"type": "array", "items": _ref("AuditLayer")},
            "sigungu": {
                "type": "array",
                "description": "Every 시군구 over the audited layers, worst first.",
                "items": {
                    "type": "object",
                    "required": [*_AREA_REQUIRED, "problems_by_layer"],
                    "properties": {**_AREA_PROPERTIES, "problems_by_layer": _COUNTS},
                },
            },
        },
    },
    "AuditLayer": {
        "type": "object",
        "required": [
            "layer",
            "title",
            "data_version",
            "features",
            "problems",
            "score",
            "checks",
            "rejected",
            "hours_no_clock_time",
            "rejected_by_reason",
            "missing_coordinates",
            "duplicates_merged",
            "unparsed_hours",
            "unparsed_hours_distinct",
            "geocode_precision",
            "site_precision",
            "sigungu",
        ],
        "properties": {
            "layer": {"type": "string"},
            "title": {
                "type": "object",
                "required": ["ko", "en"],
                "properties": {"ko": {"type": "string"}, "en": {"type": "string"}},
            },
            "data_version": {"type": "string"},
            "features": _COUNT,
            "problems": _COUNT,
            "score": {"type": "number", "minimum": 0, "maximum": 1},
            "checks": _ref("AuditChecks"),
            "rejected": {**_COUNT, "description": "Rows the last load rejected."},
            "hours_no_clock_time": _HOURS_NO_CLOCK_TIME,
            "rejected_by_reason": {**_COUNTS, "description": "Most frequent reason first."},
            "missing_coordinates": _COUNT,
            "duplicates_merged": _COUNT,
            "unparsed_hours": {
                "type": "array",
                "description": f"The {TOP_PHRASINGS} most frequent unparsed opening-hours texts.",
                "items": {
                    "type": "object",
                    "required": ["text", "count", "states_clock_time"],
                    "properties": {
                        "text": {"type": "string"},
                        "count": _COUNT,
                        "states_clock_time": {
                            "type": "boolean",
                            "description": "The text names a time of day (or the whole day): "
                            "teach the parser; false: ask the source for times.",
                        },
                    },
                },
            },
            "unparsed_hours_distinct": _COUNT,
            "geocode_precision": {
                **_COUNTS,
                "description": "Features by location precision: source (the file's own "
                "coordinates), address, building, dong, sigungu (geocoded).",
            },
            "site_precision": {
                **_COUNTS,
                "description": "Derived layers: features by the precision of the place they "
                "were derived from (the testing site).",
            },
            "sigungu": {
                "type": "array",
                "description": "The layer's 시군구, worst first.",
                "items": {
                    "type": "object",
                    "required": _AREA_REQUIRED,
                    "properties": _AREA_PROPERTIES,
                },
            },
        },
    },
    "AuditChecks": {
        "type": "object",
        "description": "Features per check (hours_* add up to the features).",
        "required": list(CHECKS),
        "properties": {c: _COUNT for c in CHECKS},
        "additionalProperties": False,
    },
}
