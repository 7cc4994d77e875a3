"""What the API says to people, in Korean and English: error texts, titles and value labels."""

from __future__ import annotations

from typing import Any, Literal

from layers import fields, registry

Lang = Literal["ko", "en"]
LANGS: tuple[Lang, ...] = ("ko", "en")
DEFAULT_LANG: Lang = "ko"

# message key -> (Korean, English); `str.format` fields are filled by `text`.
MESSAGES: dict[str, tuple[str, str]] = {
    "unknown_parameter": (
        "알 수 없는 매개변수 '{name}'입니다. 사용할 수 있는 매개변수: {allowed}",
        "unknown parameter '{name}'; this endpoint accepts: {allowed}",
    ),
    "repeated_parameter": (
        "매개변수 '{name}'이(가) 두 번 이상 주어졌습니다",
        "parameter '{name}' is given more than once",
    ),
    "missing_parameter": ("매개변수 '{name}'이(가) 필요합니다", "parameter '{name}' is required"),
    "bad_text": (
        "'{name}'에 쓸 수 없는 문자(NUL)가 들어 있습니다",
        "'{name}' contains a character that is not allowed (NUL)",
    ),
    "not_a_number": (
        "'{name}'은(는) 숫자여야 합니다 (받은 값: '{value}')",
        "'{name}' must be a number (got '{value}')",
    ),
    "not_an_integer": (
        "'{name}'은(는) 정수여야 합니다 (받은 값: '{value}')",
        "'{name}' must be an integer (got '{value}')",
    ),
    "not_a_boolean": (
        "'{name}'은(는) true 또는 false여야 합니다 (받은 값: '{value}')",
        "'{name}' must be true or false (got '{value}')",
    ),
    "out_of_range": (
        "'{name}'은(는) {min}에서 {max} 사이여야 합니다 (받은 값: {value})",
        "'{name}' must be between {min} and {max} (got {value})",
    ),
    "limit_too_large": (
        "limit은 최대 {max}입니다 (받은 값: {value})",
        "limit must be at most {max} (got {value})",
    ),
    "bad_choice": (
        "'{name}'은(는) {choices} 중 하나여야 합니다 (받은 값: '{value}')",
        "'{name}' must be one of {choices} (got '{value}')",
    ),
    "unknown_layer": (
        "알 수 없는 레이어 '{value}'입니다. 레이어: {choices}",
        "unknown layer '{value}'; the layers are: {choices}",
    ),
    "unknown_sido": (
        "알 수 없는 시도 '{value}'입니다 (예: 서울특별시, 서울)",
        "unknown 시도 (province) '{value}'; e.g. 서울특별시 or 서울",
    ),
    "empty_layers": (
        "layers에 레이어를 하나 이상 쉼표로 구분해 주세요",
        "layers must name at least one layer (comma-separated)",
    ),
    "outside_korea": (
        "위치 (lat={lat}, lon={lon})는 대한민국 밖입니다. 공유지도는 대한민국 안의 위치만 찾습니다",
        "the point (lat={lat}, lon={lon}) is outside South Korea; sharemap covers South Korea only",
    ),
    "swapped": (
        "위치 (lat={lat}, lon={lon})는 대한민국 밖이지만 lat={lon}, lon={lat}는 안입니다. "
        "위도(lat)와 경도(lon)가 바뀌지 않았나요?",
        "the point (lat={lat}, lon={lon}) is outside South Korea, but lat={lon}, lon={lat} is "
        "inside: are lat and lon swapped?",
    ),
    "bad_datetime": (
        "'{name}'은(는) ISO 8601 날짜·시각이어야 합니다 (예: 2025-07-01T14:30, 시간대가 없으면 "
        "한국 시간). 받은 값: '{value}'",
        "'{name}' must be an ISO 8601 date-time such as 2025-07-01T14:30 (Asia/Seoul when it has "
        "no offset); got '{value}'",
    ),
    "bad_interval": (
        "datetime은 날짜·시각 하나 또는 구간(시작/끝, 열린 끝은 ..)이어야 합니다 (받은 값: '{value}')",
        "datetime must be one date-time or an interval start/end ('..' for an open end); got "
        "'{value}'",
    ),
    "bad_bbox": (
        "bbox는 '최소경도,최소위도,최대경도,최대위도' 네 숫자여야 합니다 (받은 값: '{value}')",
        "bbox must be four numbers 'min_lon,min_lat,max_lon,max_lat' (got '{value}')",
    ),
    "bbox_order": (
        "bbox의 최솟값이 최댓값보다 큽니다 (받은 값: '{value}')",
        "bbox minimum is greater than its maximum (got '{value}')",
    ),
    "sigungu_needs_sido": (
        "sigungu를 쓰려면 sido도 주어야 합니다 (예: sido=서울특별시&sigungu=강남구)",
        "sigungu needs sido too (e.g. sido=서울특별시&sigungu=강남구)",
    ),
    "bad_filter_value": (
        "'{name}'의 값 '{value}'이(가) 올바르지 않습니다 ({expected})",
        "'{value}' is not a valid value of '{name}' ({expected})",
    ),
    "unknown_collection": (
        "'{value}'라는 컬렉션이 없습니다. 컬렉션: {choices}",
        "there is no collection '{value}'; the collections are: {choices}",
    ),
    "unknown_download": (
        "'{value}'라는 내려받기 파일이 없습니다. 형식: {{레이어}}.geojson, {{레이어}}.csv",
        "there is no download '{value}'; downloads are {{layer}}.geojson and {{layer}}.csv",
    ),
    "tile_archive_not_built": (
        "타일 묶음(PMTiles)이 아직 만들어지지 않았습니다. 잠시 뒤에 다시 시도하세요",
        "the tile archive (PMTiles) of the current data has not been built yet; try again later",
    ),
    "layer_not_loaded": (
        "레이어 '{value}'는 아직 적재되지 않았습니다",
        "layer '{value}' has not been loaded yet",
    ),
    "feature_not_found": (
        "레이어 '{layer}'에 '{value}'라는 항목이 없습니다",
        "layer '{layer}' has no feature '{value}'",
    ),
    "not_acceptable": (
        "요청한 형식(Accept: {value})으로 줄 수 없습니다. 가능한 형식: {choices}",
        "cannot answer in the requested format (Accept: {value}); available: {choices}",
    ),
    "route_not_found": ("'{value}'라는 주소가 없습니다", "there is nothing at '{value}'"),
    "method_not_allowed": (
        "{method} 요청은 허용되지 않습니다. 허용: {choices}",
        "{method} is not allowed here; allowed: {choices}",
    ),
    "store_unavailable": (
        "데이터 저장소에 연결할 수 없습니다. 잠시 뒤 다시 시도해 주세요",
        "the data store is not available; try again shortly",
    ),
    "internal_error": ("예기치 않은 오류가 났습니다", "an unexpected error occurred"),
    "bad_request": ("잘못된 요청입니다", "the request is malformed"),
    "rate_limited": (
        "요청이 너무 많습니다({limit}). {retry_after}초 뒤 다시 시도해 주세요",
        "too many requests ({limit}); try again in {retry_after} s",
    ),
}

# HTTP status -> (Korean, English) problem titles.
TITLES: dict[int, tuple[str, str]] = {
    400: ("잘못된 요청", "Bad request"),
    404: ("찾을 수 없음", "Not found"),
    405: ("허용되지 않는 메서드", "Method not allowed"),
    406: ("제공할 수 없는 형식", "Not acceptable"),
    429: ("요청이 너무 많음", "Too many requests"),
    500: ("서버 오류", "Internal server error"),
    503: ("일시적으로 사용할 수 없음", "Service unavailable"),
}

# Labels of the common fields (layers.fields) and of the values the API computes.
LABELS: dict[str, tuple[str, str]] = {
    **{name: (label.ko, label.en) for name, label in fields.LABELS.items()},
    "distance_m": ("거리(m)", "Distance (m)"),
    "open_status": ("지금 운영", "Open now"),
    "details": ("세부 정보", "Details"),
}

VALUE_LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "open_status": {
        "open": ("운영 중", "Open"),
        "closed": ("운영 종료", "Closed"),
        "unknown": ("운영시간 모름", "Hours unknown"),
    },
    "fee": {
        "free": ("무료", "Free"),
        "paid": ("유료", "Paid"),
        "unknown": ("요금 모름", "Fee unknown"),
    },
}

TILE_ARCHIVE_TITLE: tuple[str, str] = (
    "벡터 타일 묶음 (PMTiles, z0-z14)",
    "Vector tiles, z0-z14, in one PMTiles archive",
)
LICENCE_TITLE: tuple[str, str] = ("공공누리 제1유형 (출처표시)", "KOGL Type 1 (attribution)")
LICENCE_URL = "https://www.kogl.or.kr/info/licenseType1.do"
SERVICE_TITLE: tuple[str, str] = ("공유지도", "sharemap — Korea's sharing map")


def layers_in_words(lang: str) -> str:
    """Every layer named in a running sentence (LayerSpec.noun), in registry order."""
    nouns = [spec.noun(lang) for spec in registry.all_specs()]
    if lang != "en" or len(nouns) < 2:
        return ", ".join(nouns)
    return f"{', '.join(nouns[:-1])} and {nouns[-1]}"


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def object_particle(word: str) -> str:
    """을 after a final consonant, else 를 (Korean object marker)."""
    last = word[-1:] if word else ""
    has_final = "가" <= last <= "힣" and (ord(last) - ord("가")) % 28 != 0
    return "을" if has_final else "를"


_KO_LAYERS = layers_in_words("ko")
_EN_LAYERS = layers_in_words("en")
SERVICE_DESCRIPTION: tuple[str, str] = (
    f"{_KO_LAYERS}{object_particle(_KO_LAYERS)} 공공데이터로 찾는 공유지도 API "
    "(OGC API - Features).",
    f"{capitalised(_EN_LAYERS)} in South Korea, from the public data portals (OGC API - Features).",
)


def pick(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]


def text(key: str, lang: str, **values: Any) -> str:
    """The message `key` in `lang`, filled with `values`."""
    return pick(MESSAGES[key], lang).format(**values)


def label(name: str, lang: str) -> str:
    pair = LABELS.get(name)
    return pick(pair, lang) if pair else name
