"""Column-role inference for a header that matches no declared or saved schema: each column
gets a role (name, addresses, coordinates, phone, hours, fee, key, or one of the layer's own
fields) from its header (Korean, English, national open-data API field names) and its values
(degrees, Korean TM metres, phone numbers, addresses starting with a 시도), with the evidence
and a confidence; the roles become a schema for one of the layer's normalise rules."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from etl.normalise import SchemaMatch, header_key
from layers.spec import Coords, LayerSpec, SourceSchema

COMMON_ROLES: tuple[str, ...] = (
    "name",
    "road_address",
    "lot_address",
    "lat",
    "lon",
    "x",
    "y",
    "phone",
    "hours",
    "fee",
    "key",
)
# A role is settled at this confidence; below it the column is only a candidate.
ACCEPT = 0.5
# A runner-up this close to the winner (for name or coordinates) makes the mapping unsure.
MARGIN = 0.1
# The canonical field of a declared schema that takes each role, first present wins.
ROLE_FIELDS: Mapping[str, tuple[str, ...]] = {
    "name": ("name",),
    "road_address": ("road_address", "address"),
    "lot_address": ("lot_address", "address"),
    "phone": ("phone",),
    "hours": ("hours", "weekday_hours", "hours_detail", "usage_time"),
    "fee": ("fee", "fee_info", "fee_type", "fee_text"),
}
HINT = "--columns name=쉼터명칭,lat=위도,lon=경도"

_SIDO = re.compile(
    r"^(서울|부산|대구|인천|광주|대전|울산|세종|경기|강원|충청?[북남]|전라?[북남]|전북|"
    r"경상?[북남]|제주)"
)
_ROAD = re.compile(r"[가-힣0-9](로|길)\s*\d")
_LOT = re.compile(r"[가-힣0-9](동|리|가|읍|면)\s*(산\s*)?\d+(-\d+)?(\s|$|,|\()")
_PHONE = re.compile(r"^\(?0\d{1,2}\)?[-.\s)]?\d{3,4}[-.\s]?\d{4}$|^1[5-9]\d{2}-?\d{4}$")
_HOURS = re.compile(r"\d{1,2}:\d{2}\s*[~\-]|24\s*시간|연중무휴|\d{1,2}\s*시\s*[~\-]")
_FEE = re.compile(r"^(무료|유료|혼합)$|\d[\d,]*\s*원")
_PAIR = re.compile(r"^\(?\s*(-?\d{1,3}\.\d+)\s*[,/\s]\s*(-?\d{1,3}\.\d+)\s*\)?$")
_X = re.compile(r"(?<![a-z])x(?![a-z])|xcord|xcrd|xcnts|mapx|xpos")
_Y = re.compile(r"(?<![a-z])y(?![a-z])|ycord|ycrd|ycnts|mapy|ypos")


class UnsureMapping(ValueError):
    """Inference could not settle the name or the coordinates: the user must say."""


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# -- header evidence ------------------------------------------------------------------------

_EXACT: Mapping[str, tuple[str, ...]] = {
    "name": _words(
        "명칭 이름 name title nm 시설명 시설명칭 상호 상호명 사업장명 업소명 기관명 장소명 "
        "facilityname fcltynm placename stationname rentnm sttnnm "
        "fclty_nm facility_nm"
    ),
    "road_address": _words(
        "도로명주소 도로명전체주소 소재지도로명주소 rdnmadr roadaddress roadaddr road_address "
        "addr1 newaddr rn_adres rn_dtl_adres 도로명상세주소"
    ),
    "lot_address": _words(
        "지번주소 소재지지번주소 소재지전체주소 lnmadr lotaddress jibunaddress oldaddr "
        "lnm_adres dtl_adres 지번상세주소"
    ),
    "lat": _words("위도 lat latitude la wgs84위도 y좌표(wgs84) lttd ypos_wgs84"),
    "lon": _words("경도 lon lng long longitude lo wgs84경도 x좌표(wgs84) lngtd"),
    "x": _words("x x좌표 좌표x xcord 좌표정보(x) mapx tmx x_coord xcnts"),
    "y": _words("y y좌표 좌표y ycord 좌표정보(y) mapy tmy y_coord ycnts"),
    "phone": _words("전화번호 전화 연락처 tel phone telno phonenumber 대표전화번호"),
    "hours": _words("운영시간 개방시간 이용시간 영업시간 hours openinghours"),
    "fee": _words("요금 이용요금 요금정보 fee charge 유무료구분 이용료"),
    "key": _words("id 관리번호 시설번호 고유번호 관리코드"),
}
_EXACT_KEYS = {role: {header_key(a) for a in aliases} for role, aliases in _EXACT.items()}
# Parts of a header that say the column names something else than the place.
_NOT_NAME = _words(
    "관리기관 제공기관 운영기관 담당기관 보험기관 관할 업종 구분 상태 서비스 시도 시군구 자치구 용도 보험 지역 영문 "
    "대표자 제공 운영 법정동 행정동 읍면동 유형 종류 보건소 instt inst org agency mng "
    "provider ctprvn signgu sgg kind type sido emd ctpv"
)
_NOT_PHONE = ("관리기관", "관할", "보건소", "fax", "팩스", "instt")
_NOT_ADDRESS = ("우편", "zip", "post", "영문", "eng")
_NOT_KEY = _words(
    "연번 순번 우편 전화 기관코드 위치코드 자치단체코드 지역코드 행정 법정 instt serial zip tel 상태 "
    "업종"
)


def _header_scores(key: str, layer_words: Sequence[str]) -> dict[str, tuple[float, str]]:
    """role -> (score, why) from the header alone."""
    out: dict[str, tuple[float, str]] = {}

    def put(role: str, score: float, why: str) -> None:
        if score > out.get(role, (0.0, ""))[0]:
            out[role] = (score, why)

    for role, keys in _EXACT_KEYS.items():
        if key in keys:
            put(role, 0.9, f"header {key!r} is a known {role} header")
    # name: `…명`, `…명칭`, `…_nm`, `…name`
    stem = re.sub(r"(명칭|명|이름|_?nm|_?name)$", "", key)
    if stem != key:
        score, why = 0.6, "header ends like a name"
        if any(w in stem for w in layer_words):
            score, why = 0.85, "header names the layer's kind of place"
        if any(w in key for w in _NOT_NAME):
            score, why = 0.2, "header names an organisation, a kind or a region"
        put("name", score, why)
    address = any(w in key for w in ("주소", "addr", "adres", "소재지", "address")) or bool(
        re.search(r"(^|_)add\d?$", key)
    )
    if address and not any(w in key for w in _NOT_ADDRESS):
        if "도로명" in key or "road" in key or key.startswith("rn") or "rdnm" in key:
            put("road_address", 0.8, "header says road address")
        elif "지번" in key or "lnm" in key or "jibun" in key or "전체주소" in key:
            put("lot_address", 0.8, "header says lot address")
        else:
            put("road_address", 0.55, "header says address")
            put("lot_address", 0.5, "header says address")
    if "위도" in key or "lat" in key or "lttd" in key:
        put("lat", 0.85, "header says latitude")
    if "경도" in key or "lon" in key or "lng" in key or "lngtd" in key:
        put("lon", 0.85, "header says longitude")
    if _X.search(key):
        put("x", 0.75, "header says x")
    if _Y.search(key):
        put("y", 0.75, "header says y")
    if any(w in key for w in ("전화", "연락처", "tel", "phone")):
        score = 0.45 if any(w in key for w in _NOT_PHONE) else 0.75
        put("phone", score, "header says phone")
    if any(w in key for w in ("시간", "hours", "time")) and not any(
        w in key for w in ("설치", "기본시간", "단위시간", "적용시간", "기준")
    ):
        put("hours", 0.6, "header says hours")
    if any(w in key for w in ("요금", "fee", "charge", "이용료")):
        put("fee", 0.65, "header says fee")
    if re.search(r"(번호|id|코드|code|no)$", key) and not any(w in key for w in _NOT_KEY):
        put("key", 0.6, "header says number or id")
    return out


# -- value evidence -------------------------------------------------------------------------


@dataclass
class _Values:
    count: int = 0
    numeric: float = 0.0
    lat: float = 0.0
    lon: float = 0.0
    tm: float = 0.0
    decimals: float = 0.0
    phone: float = 0.0
    sido: float = 0.0
    road: float = 0.0
    lot: float = 0.0
    hours: float = 0.0
    fee: float = 0.0
    unique: float = 0.0
    serial: bool = False
    text: float = 0.0  # share of values with Hangul or Latin letters
    pair: float = 0.0  # share of "lat,lon" pairs in degrees
    pair_lat_first: bool = True


def _float(text: str) -> float | None:
    try:
        value = float(text.replace(",", "")) if text.count(",") <= 1 else None
    except ValueError:
        return None
    return value if value is not None and value == value and abs(value) != float("inf") else None


def _value_stats(values: Sequence[str]) -> _Values:
    v = _Values(count=len(values))
    if not values:
        return v
    n = len(values)
    nums = [x for x in (_float(s) for s in values) if x is not None]
    v.numeric = len(nums) / n
    if nums:
        v.lat = sum(33.0 <= x <= 39.7 for x in nums) / n
        v.lon = sum(124.0 <= x <= 132.5 for x in nums) / n
        v.tm = sum(1e4 <= abs(x) <= 2.5e6 for x in nums) / n
        v.decimals = sum("." in s for s in values) / n
        ints = sorted(int(x) for x in nums if x.is_integer())
        v.serial = (
            len(ints) == n > 1 and ints[0] in (0, 1) and ints == list(range(ints[0], n + ints[0]))
        )
    v.phone = sum(bool(_PHONE.match(s)) for s in values) / n
    v.sido = sum(bool(_SIDO.match(s)) for s in values) / n
    v.road = sum(bool(_ROAD.search(s)) for s in values) / n
    v.lot = sum(bool(_LOT.search(s)) and not _ROAD.search(s) for s in values) / n
    v.hours = sum(bool(_HOURS.search(s)) for s in values) / n
    v.fee = sum(bool(_FEE.search(s)) for s in values) / n
    v.unique = len(set(values)) / n
    v.text = sum(bool(re.search(r"[가-힣A-Za-z]", s)) for s in values) / n
    pairs = [m for m in (_PAIR.match(s) for s in values) if m]
    if pairs:
        first = [float(m.group(1)) for m in pairs]
        second = [float(m.group(2)) for m in pairs]
        lat_first = sum(
            33 <= a <= 39.7 and 124 <= b <= 132.5 for a, b in zip(first, second, strict=True)
        )
        lon_first = sum(
            124 <= a <= 132.5 and 33 <= b <= 39.7 for a, b in zip(first, second, strict=True)
        )
        v.pair = max(lat_first, lon_first) / n
        v.pair_lat_first = lat_first >= lon_first
    return v


def _value_scores(
    v: _Values, header: Mapping[str, tuple[float, str]]
) -> dict[str, tuple[float, str]]:
    """role -> (score, why) combining the header's evidence with the values'."""
    out = dict(header)

    def put(role: str, score: float, why: str) -> None:
        if score > out.get(role, (0.0, ""))[0]:
            out[role] = (score, why)

    def scale(role: str, factor: float, note: str) -> None:
        if role in out:
            score, why = out[role]
            out[role] = (min(score * factor, 0.99), f"{why}; {note}")

    if v.count == 0:
        for role in list(out):
            scale(role, 0.8, "no values")
        return out
    degrees = v.decimals >= 0.5
    lat_like = v.lat >= 0.8 and degrees
    lon_like = v.lon >= 0.8 and degrees
    for role in ("lat", "lon", "x", "y"):
        if role in out and v.numeric < 0.8:
            scale(role, 0.3, "values are not numbers")
    if lat_like:
        if "lat" in out or "y" in out:
            put("lat", 0.97, "header says latitude/y; values are latitudes in Korea")
        elif "lon" in out or "x" in out:
            put("lat", 0.8, "values are latitudes in Korea (header says longitude/x)")
        else:
            put("lat", 0.75, "values are latitudes in Korea")
        out.pop("x", None)
        out.pop("y", None)
    elif lon_like:
        if "lon" in out or "x" in out:
            put("lon", 0.97, "header says longitude/x; values are longitudes in Korea")
        elif "lat" in out or "y" in out:
            put("lon", 0.8, "values are longitudes in Korea (header says latitude/y)")
        else:
            put("lon", 0.75, "values are longitudes in Korea")
        out.pop("x", None)
        out.pop("y", None)
    elif v.tm >= 0.8 and v.numeric >= 0.8:
        for role in ("x", "y"):
            if role in out:
                put(role, 0.95, f"header says {role}; values look like Korean TM metres")
        out.pop("lat", None)
        out.pop("lon", None)
    elif v.numeric >= 0.8:
        for role in ("lat", "lon", "x", "y"):
            scale(role, 0.4, "values are not coordinates in Korea")
    if v.pair >= 0.8:
        out["latlon"] = (0.95, "values are 'lat,lon' pairs in Korea")
    if v.phone >= 0.5:
        if "phone" in out:
            scale("phone", 1.3, "values are phone numbers")
        else:
            put("phone", 0.6, "values are phone numbers")
    elif "phone" in out and v.phone < 0.1:
        scale("phone", 0.5, "values are not phone numbers")
    if v.sido >= 0.5:
        for role in ("road_address", "lot_address"):
            if role in out:
                scale(role, 1.2, "values start with a 시도")
        if v.road > v.lot and v.road >= 0.3:
            put("road_address", 0.6, "values are road addresses (…로/길 N)")
            if "lot_address" in out and "road_address" not in header:
                scale("lot_address", 0.8, "values are road addresses")
        elif v.lot >= 0.3:
            put("lot_address", 0.6, "values are lot addresses (…동/리 N)")
            if "road_address" in out and "lot_address" not in header:
                scale("road_address", 0.8, "values are lot addresses")
    else:
        for role in ("road_address", "lot_address"):
            if role in out and v.sido < 0.1 and v.road < 0.3 and v.lot < 0.3:
                scale(role, 0.7, "values do not look like addresses")
    if "name" in out:
        if v.text < 0.5 or v.sido >= 0.5 or v.phone >= 0.5:
            scale("name", 0.3, "values are not names")
        elif v.unique >= 0.5:
            scale("name", 1.1, f"{v.unique:.0%} of the values differ")
        else:
            scale("name", 0.6, f"only {v.unique:.0%} of the values differ")
    if "hours" in out and v.hours >= 0.3:
        scale("hours", 1.4, "values are opening times")
    elif "hours" in out and v.hours < 0.1 and v.numeric >= 0.5:
        scale("hours", 0.5, "values are numbers, not opening times")
    if "fee" in out and v.fee >= 0.3:
        scale("fee", 1.3, "values are fees")
    if "key" in out:
        if v.serial:
            scale("key", 0.3, "values are a row count (1, 2, 3 …)")
        elif v.unique >= 0.98:
            scale("key", 1.4, "values are unique")
        else:
            scale("key", 0.5, f"only {v.unique:.0%} of the values differ")
    return out


# -- the mapping ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Evidence:
    column: str
    role: str
    confidence: float
    why: str


@dataclass
class Inference:
    """Columns given roles, with the evidence, the candidates and what is unsure."""

    layer: str
    roles: dict[str, str] = field(default_factory=dict)  # role -> column
    evidence: dict[str, Evidence] = field(default_factory=dict)  # role -> how
    candidates: dict[str, list[Evidence]] = field(default_factory=dict)  # role -> ranked
    combined: str | None = None  # a column of "lat,lon" pairs
    lat_first: bool = True
    unsure: list[str] = field(default_factory=list)
    key_unique: bool = False
    # the provider code a key is a number within (LOCALDATA 개방자치단체코드, 제공기관코드)
    key_partner: str | None = None

    def describe(self) -> list[str]:
        """One line per mapped column: column → role (confidence): evidence."""
        lines = []
        for role, ev in sorted(self.evidence.items(), key=lambda kv: _role_order(kv[0])):
            column = ev.column
            if role == "key" and self.key_partner:
                column = f"{column} + {self.key_partner}"
            lines.append(f"{column} → {role} ({ev.confidence:.2f}): {ev.why}")
        return lines

    def refusal(self, unknown: str) -> str:
        """Why the mapping is refused (after `unknown`, why no known schema reads the file),
        the candidates for the name and the coordinates, and how to settle it."""
        lines = [f"{unknown}; the inferred mapping is unsure: " + "; ".join(self.unsure)]
        for role in ("name", "lat", "lon", "x", "y", "road_address"):
            cands = self.candidates.get(role, [])
            if cands:
                listed = ", ".join(f"{c.column} ({c.confidence:.2f})" for c in cands[:4])
                lines.append(f"  {role} candidates: {listed}")
        lines.append(f"say which columns to use, e.g. {HINT} (any role; repeatable)")
        return "\n".join(lines)


def _role_order(role: str) -> int:
    return COMMON_ROLES.index(role) if role in COMMON_ROLES else len(COMMON_ROLES)


def layer_roles(spec: LayerSpec) -> tuple[str, ...]:
    """Every role a column can take in this layer: the common ones, then the spec's fields."""
    return (*COMMON_ROLES, *(f.name for f in spec.fields if f.name not in COMMON_ROLES))


def _layer_words(spec: LayerSpec) -> list[str]:
    """Parts of the layer's title that, before `명`, say a header names the place: each
    word's first two and last two or three characters (무더위쉼터 → 쉼터, 야영장 → 야영)."""
    words = {"시설", "장소"}
    for part in re.split(r"[\s·()/,]+", spec.title.ko):
        words.update((part[:2] if len(part) > 2 else "", part[-2:], part[-3:]))
    return sorted(w for w in words if len(w) >= 2)


def infer(
    spec: LayerSpec,
    columns: Sequence[str],
    sample: Iterable[Mapping[str, str | None]],
    *,
    given: Mapping[str, str] | None = None,
) -> Inference:
    """Roles for the columns from their headers and the sample rows' values; `given`
    (role -> column, from --columns) settles those roles first."""
    rows = list(sample)
    words = _layer_words(spec)
    labels = {
        f.name: {
            header_key(f.name),
            header_key(f.label.ko),
            header_key(re.sub(r"\(.*?\)", "", f.label.ko)),
            header_key(f.label.en),
        }
        for f in spec.fields
        if f.name not in COMMON_ROLES
    }
    scores: list[Evidence] = []
    for column in columns:
        if column.startswith("_"):
            continue
        key = header_key(column)
        values = [v for r in rows if (v := r.get(column))]
        header = _header_scores(key, words)
        for name, keys in labels.items():
            if key in keys:
                header[name] = (0.8, f"header is the layer field {name!r}")
        for role, (score, why) in _value_scores(_value_stats(values), header).items():
            scores.append(Evidence(column, role, round(min(score, 0.99), 2), why))
    scores.sort(key=lambda e: (-e.confidence, _role_order(e.role), columns.index(e.column)))

    inf = Inference(spec.id)
    for e in scores:
        inf.candidates.setdefault(e.role, []).append(e)
    used: set[str] = set()
    for role, column in (given or {}).items():
        inf.roles[role] = column
        inf.evidence[role] = Evidence(column, role, 1.0, "given with --columns")
        used.add(column)
    if {"lat", "lon"} & set(given or {}) and given and given.get("lat") == given.get("lon"):
        inf.combined = given["lat"]
    pair = next((e for e in scores if e.role == "latlon" and e.column not in used), None)
    if pair and not ({"lat", "lon"} & inf.roles.keys()) and pair.confidence >= ACCEPT:
        inf.combined = pair.column
        for role in ("lat", "lon"):
            inf.roles[role] = pair.column
            inf.evidence[role] = Evidence(pair.column, role, pair.confidence, pair.why)
        used.add(pair.column)
    if inf.combined:
        values = [v for r in rows if (v := r.get(inf.combined))]
        inf.lat_first = _value_stats(values).pair_lat_first
    for e in scores:
        if e.role == "latlon" or e.role in inf.roles or e.column in used or e.confidence < ACCEPT:
            continue
        inf.roles[e.role] = e.column
        inf.evidence[e.role] = e
        used.add(e.column)
    if "key" in inf.roles:
        values = [v for r in rows if (v := r.get(inf.roles["key"]))]
        inf.key_unique = _mostly_unique(values)
    if "key" not in (given or {}):
        _pair_key(inf, columns, rows)
    _check(inf, given or {}, rows)
    return inf


def _mostly_unique(values: Sequence[object]) -> bool:
    """Unique but for a few repeats (the loader tells exact repeats from reused keys)."""
    return bool(values) and len(set(values)) >= 0.95 * len(values)


_PROVIDER_CODE = re.compile(r"기관코드|자치단체코드|provider.?code|instt.?code|insttcode")


def _pair_key(
    inf: Inference, columns: Sequence[str], rows: Sequence[Mapping[str, str | None]]
) -> None:
    """A key that numbers places within a provider takes the provider's code as a second
    part: the inferred key with it, else the first key-like column unique with it."""
    partners = [c for c in columns if _PROVIDER_CODE.search(header_key(c))]
    if not partners:
        return
    # a layer field (provider_code) may be the partner too; a common role's column not
    taken = {c for r, c in inf.roles.items() if r != "key" and r in COMMON_ROLES}
    if "key" in inf.roles:
        primaries = [inf.roles["key"]]
    else:
        primaries = [e.column for e in inf.candidates.get("key", []) if e.column not in taken]
    for primary in primaries:
        for partner in partners:
            if partner in (primary, *taken):
                continue
            pairs = [(r.get(primary), r.get(partner)) for r in rows if r.get(primary)]
            if not pairs or not all(code for _, code in pairs):
                continue
            unique = _mostly_unique(pairs)
            if "key" not in inf.roles and not unique:
                continue
            if "key" not in inf.roles:
                why = f"header says number or id; unique together with {partner}"
                inf.roles["key"] = primary
                inf.evidence["key"] = Evidence(primary, "key", 0.8, why)
            inf.key_partner = partner
            inf.key_unique = unique
            return


def _check(
    inf: Inference, given: Mapping[str, str], rows: Sequence[Mapping[str, str | None]]
) -> None:
    roles = inf.roles
    for role in ("name", "lat", "lon"):
        if role in given or role not in roles:
            continue
        winner = inf.evidence[role]
        rivals = [
            c
            for c in inf.candidates.get(role, [])
            if c.column != winner.column
            and c.confidence >= ACCEPT
            and c.confidence >= winner.confidence - MARGIN
            and c.column not in roles.values()
            and not _same_values(rows, winner.column, c.column)
        ]
        if rivals:
            inf.unsure.append(
                f"{role}: {winner.column!r} ({winner.confidence:.2f}) or"
                f" {rivals[0].column!r} ({rivals[0].confidence:.2f})"
            )
    if "name" not in roles:
        inf.unsure.append("no column looks like the name")
    if ("lat" in roles) != ("lon" in roles):
        inf.unsure.append("only one of latitude and longitude found")
    if ("x" in roles) != ("y" in roles) and "lat" not in roles:
        inf.unsure.append("only one of x and y found")
    has_coords = ("lat" in roles and "lon" in roles) or ("x" in roles and "y" in roles)
    if not has_coords and not ({"road_address", "lot_address"} & roles.keys()):
        inf.unsure.append("no coordinates and no address")


def _same_values(rows: Sequence[Mapping[str, str | None]], a: str, b: str) -> bool:
    """Two columns that say the same thing (a copy of the coordinates, of the name) in at
    least 90 % of the rows where either has a value: no real choice between them."""
    both = [(r.get(a), r.get(b)) for r in rows if r.get(a) or r.get(b)]
    if not both:
        return True
    same = 0
    for x, y in both:
        if x == y:
            same += 1
        elif x and y:
            fx, fy = _float(x), _float(y)
            same += fx is not None and fy is not None and abs(fx - fy) < 1e-6
    return same >= 0.9 * len(both)


# -- a schema from the roles ----------------------------------------------------------------

LAT_PART = " (lat)"
LON_PART = " (lon)"


def _canonical(schema: SourceSchema, role: str, taken: set[str]) -> str | None:
    if role in ROLE_FIELDS:
        for name in ROLE_FIELDS[role]:
            if name in schema.columns and name not in taken:
                return name
        return None
    if role == "key":
        # of a two-part key (a number within a provider), the number
        own = [k for k in schema.key if not re.search(r"provider|gov|code", k)]
        return (own or list(schema.key) or ["source_key"])[0]
    return role if role in schema.columns else None


def choose_rule(spec: LayerSpec, inf: Inference, kind: str | None = None) -> SourceSchema:
    """The declared schema whose normalise rule fits the roles best (its canonical fields,
    never its header aliases): most roles it takes, coordinates of the same kind."""
    projected = "lat" not in inf.roles and "x" in inf.roles

    def fit(schema: SourceSchema) -> tuple[int, int]:
        taken: set[str] = set()
        hits = 0
        for role in inf.roles:
            name = _canonical(schema, role, taken)
            if name and name != "source_key" and role not in ("lat", "lon", "x", "y"):
                taken.add(name)
                hits += 1
        has_coords = "lat" in inf.roles or "x" in inf.roles
        coords = 0
        if schema.coords is not None and has_coords:
            coords = 2 + (projected == (schema.coords.epsg != 4326))
        elif schema.coords is None and not has_coords:
            coords = 2
        return coords + hits, -len(schema.required)

    pool = [s for s in spec.schemas if kind is None or s.kind == kind] or list(spec.schemas)
    return max(pool, key=fit)


def build_match(
    spec: LayerSpec, inf: Inference, rule: SourceSchema, *, name: str, origin: str
) -> SchemaMatch:
    """A SchemaMatch reading the inferred columns into `rule`'s canonical fields."""
    column_for: dict[str, str] = {}
    split: dict[str, tuple[str, int]] = {}
    taken: set[str] = set()
    for role, column in inf.roles.items():
        if role in ("lat", "lon", "x", "y"):
            continue
        canon = _canonical(rule, role, taken)
        if canon:
            column_for[canon] = column
            taken.add(canon)
    coords = None
    cx, cy = (rule.coords.x, rule.coords.y) if rule.coords else ("lon", "lat")
    if "lat" in inf.roles and "lon" in inf.roles:
        if inf.combined:
            lat_col, lon_col = inf.combined + LAT_PART, inf.combined + LON_PART
            split[lat_col] = (inf.combined, 0 if inf.lat_first else 1)
            split[lon_col] = (inf.combined, 1 if inf.lat_first else 0)
        else:
            lat_col, lon_col = inf.roles["lat"], inf.roles["lon"]
        column_for[cx], column_for[cy] = lon_col, lat_col
        coords = Coords(x=cx, y=cy, epsg=4326)
    elif "x" in inf.roles and "y" in inf.roles:
        column_for[cx], column_for[cy] = inf.roles["x"], inf.roles["y"]
        coords = Coords(x=cx, y=cy, epsg=0)  # 0: detected (etl.detect_crs)
    key_column = inf.roles.get("key")
    key_fields = [f for f, c in column_for.items() if c == key_column][:1]
    if key_fields and inf.key_partner:
        part = next((k for k in rule.key if k not in column_for), "source_key_part")
        column_for[part] = inf.key_partner
        key_fields.append(part)
    schema = SourceSchema(
        id=rule.id,
        columns={f: (c,) for f, c in column_for.items()},
        required=tuple(column_for),
        coords=coords if rule.coords is not None or coords is not None else None,
        key=tuple(key_fields),
        key_unique=inf.key_unique,
        kind=rule.kind,
    )
    return SchemaMatch(
        schema,
        column_for,
        name=name,
        origin=origin,
        split=split,
        mapping=tuple(inf.describe()),
        inference=inf,
    )


def parse_columns(texts: Sequence[str], roles: Sequence[str]) -> dict[str, str]:
    """`--columns name=쉼터명칭,lat=위도` (repeatable) as role -> column; ValueError for a
    role the layer does not know or a malformed item."""
    out: dict[str, str] = {}
    for text in texts:
        for item in text.split(","):
            if not item.strip():
                continue
            role, sep, column = item.partition("=")
            role, column = role.strip(), column.strip()
            if not sep or not role or not column:
                raise ValueError(f"--columns takes ROLE=COLUMN items, got {item!r}")
            if role not in roles:
                raise ValueError(f"unknown role {role!r}; roles: {', '.join(roles)}")
            out[role] = column
    return out
