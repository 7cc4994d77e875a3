"""What a column's header and values say about its role: scores with the reason for each.
The evidence is known header names (Korean, English, national open-data API fields) and the
values (degrees, Korean TM metres, phone numbers, addresses starting with a 시도, opening times)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from etl.normalise import header_key
from layers.spec import LayerSpec

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


def header_scores(key: str, layer_words: Sequence[str]) -> dict[str, tuple[float, str]]:
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

# (role, projected axis, word) of a column in degrees; latitude first
_DEGREE_AXES = (("lat", "y", "latitude"), ("lon", "x", "longitude"))


@dataclass
class ValueStats:
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


def as_float(text: str) -> float | None:
    try:
        value = float(text.replace(",", "")) if text.count(",") <= 1 else None
    except ValueError:
        return None
    return value if value is not None and value == value and abs(value) != float("inf") else None


def value_stats(values: Sequence[str]) -> ValueStats:
    v = ValueStats(count=len(values))
    if not values:
        return v
    n = len(values)
    nums = [x for x in (as_float(s) for s in values) if x is not None]
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


def value_scores(
    v: ValueStats, header: Mapping[str, tuple[float, str]]
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
    if lat_like or lon_like:
        (role, axis, word), (other, other_axis, other_word) = (
            _DEGREE_AXES if lat_like else _DEGREE_AXES[::-1]
        )
        if role in out or axis in out:
            put(role, 0.97, f"header says {word}/{axis}; values are {word}s in Korea")
        elif other in out or other_axis in out:
            put(role, 0.8, f"values are {word}s in Korea (header says {other_word}/{other_axis})")
        else:
            put(role, 0.75, f"values are {word}s in Korea")
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


def layer_words(spec: LayerSpec) -> list[str]:
    """Parts of the layer's title that, before `명`, say a header names the place: each
    word's first two and last two or three characters (무더위쉼터 → 쉼터, 야영장 → 야영)."""
    words = {"시설", "장소"}
    for part in re.split(r"[\s·()/,]+", spec.title.ko):
        words.update((part[:2] if len(part) > 2 else "", part[-2:], part[-3:]))
    return sorted(w for w in words if len(w) >= 2)
