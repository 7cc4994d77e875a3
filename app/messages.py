"""What the app says to people, in Korean and English: the one catalogue of its own texts (error
messages, problem titles, labels, the pages' and their scripts' texts). Each layer's texts
(titles, descriptions, field labels) stay in its spec; the catalogue reads them from the
registry."""

from __future__ import annotations

from typing import Any

from layers import fields, registry
from layers.bilingual import Bilingual

# message key -> text; `str.format` fields are filled by `text`.
MESSAGES: dict[str, Bilingual] = {
    "unknown_parameter": Bilingual(
        "알 수 없는 매개변수 '{name}'입니다. 사용할 수 있는 매개변수: {allowed}",
        "unknown parameter '{name}'; this endpoint accepts: {allowed}",
    ),
    "repeated_parameter": Bilingual(
        "매개변수 '{name}'이(가) 두 번 이상 주어졌습니다",
        "parameter '{name}' is given more than once",
    ),
    "missing_parameter": Bilingual(
        "매개변수 '{name}'이(가) 필요합니다", "parameter '{name}' is required"
    ),
    "bad_text": Bilingual(
        "'{name}'에 쓸 수 없는 문자(NUL)가 들어 있습니다",
        "'{name}' contains a character that is not allowed (NUL)",
    ),
    "not_a_number": Bilingual(
        "'{name}'은(는) 숫자여야 합니다 (받은 값: '{value}')",
        "'{name}' must be a number (got '{value}')",
    ),
    "not_an_integer": Bilingual(
        "'{name}'은(는) 정수여야 합니다 (받은 값: '{value}')",
        "'{name}' must be an integer (got '{value}')",
    ),
    "not_a_boolean": Bilingual(
        "'{name}'은(는) true 또는 false여야 합니다 (받은 값: '{value}')",
        "'{name}' must be true or false (got '{value}')",
    ),
    "out_of_range": Bilingual(
        "'{name}'은(는) {min}에서 {max} 사이여야 합니다 (받은 값: {value})",
        "'{name}' must be between {min} and {max} (got {value})",
    ),
    "limit_too_large": Bilingual(
        "limit은 최대 {max}입니다 (받은 값: {value})",
        "limit must be at most {max} (got {value})",
    ),
    "bad_choice": Bilingual(
        "'{name}'은(는) {choices} 중 하나여야 합니다 (받은 값: '{value}')",
        "'{name}' must be one of {choices} (got '{value}')",
    ),
    "unknown_layer": Bilingual(
        "알 수 없는 레이어 '{value}'입니다. 레이어: {choices}",
        "unknown layer '{value}'; the layers are: {choices}",
    ),
    "unknown_sido": Bilingual(
        "알 수 없는 시도 '{value}'입니다 (예: 서울특별시, 서울)",
        "unknown 시도 (province) '{value}'; e.g. 서울특별시 or 서울",
    ),
    "empty_layers": Bilingual(
        "layers에 레이어를 하나 이상 쉼표로 구분해 주세요",
        "layers must name at least one layer (comma-separated)",
    ),
    "outside_korea": Bilingual(
        "위치 (lat={lat}, lon={lon})는 대한민국 밖입니다. 공유지도는 대한민국 안의 위치만 찾습니다",
        "the point (lat={lat}, lon={lon}) is outside South Korea; sharemap covers South Korea only",
    ),
    "swapped": Bilingual(
        "위치 (lat={lat}, lon={lon})는 대한민국 밖이지만 lat={lon}, lon={lat}는 안입니다. "
        "위도(lat)와 경도(lon)가 바뀌지 않았나요?",
        "the point (lat={lat}, lon={lon}) is outside South Korea, but lat={lon}, lon={lat} is "
        "inside: are lat and lon swapped?",
    ),
    "bad_datetime": Bilingual(
        "'{name}'은(는) ISO 8601 날짜·시각이어야 합니다 (예: 2025-07-01T14:30, 시간대가 없으면 "
        "한국 시간). 받은 값: '{value}'",
        "'{name}' must be an ISO 8601 date-time such as 2025-07-01T14:30 (Asia/Seoul when it has "
        "no offset); got '{value}'",
    ),
    "bad_interval": Bilingual(
        "datetime은 날짜·시각 하나 또는 구간(시작/끝, 열린 끝은 ..)이어야 합니다 (받은 값: '{value}')",
        "datetime must be one date-time or an interval start/end ('..' for an open end); got "
        "'{value}'",
    ),
    "bad_bbox": Bilingual(
        "bbox는 '최소경도,최소위도,최대경도,최대위도' 네 숫자여야 합니다 (받은 값: '{value}')",
        "bbox must be four numbers 'min_lon,min_lat,max_lon,max_lat' (got '{value}')",
    ),
    "bbox_order": Bilingual(
        "bbox의 최솟값이 최댓값보다 큽니다 (받은 값: '{value}')",
        "bbox minimum is greater than its maximum (got '{value}')",
    ),
    "sigungu_needs_sido": Bilingual(
        "sigungu를 쓰려면 sido도 주어야 합니다 (예: sido=서울특별시&sigungu=강남구)",
        "sigungu needs sido too (e.g. sido=서울특별시&sigungu=강남구)",
    ),
    "bad_filter_value": Bilingual(
        "'{name}'의 값 '{value}'이(가) 올바르지 않습니다 ({expected})",
        "'{value}' is not a valid value of '{name}' ({expected})",
    ),
    "unknown_collection": Bilingual(
        "'{value}'라는 컬렉션이 없습니다. 컬렉션: {choices}",
        "there is no collection '{value}'; the collections are: {choices}",
    ),
    "unknown_download": Bilingual(
        "'{value}'라는 내려받기 파일이 없습니다. 형식: {{레이어}}.geojson, {{레이어}}.csv",
        "there is no download '{value}'; downloads are {{layer}}.geojson and {{layer}}.csv",
    ),
    "tile_archive_not_built": Bilingual(
        "타일 묶음(PMTiles)이 아직 만들어지지 않았습니다. 잠시 뒤에 다시 시도하세요",
        "the tile archive (PMTiles) of the current data has not been built yet; try again later",
    ),
    "layer_not_loaded": Bilingual(
        "레이어 '{value}'는 아직 적재되지 않았습니다",
        "layer '{value}' has not been loaded yet",
    ),
    "feature_not_found": Bilingual(
        "레이어 '{layer}'에 '{value}'라는 항목이 없습니다",
        "layer '{layer}' has no feature '{value}'",
    ),
    "not_acceptable": Bilingual(
        "요청한 형식(Accept: {value})으로 줄 수 없습니다. 가능한 형식: {choices}",
        "cannot answer in the requested format (Accept: {value}); available: {choices}",
    ),
    "query_too_long": Bilingual(
        "q는 {max}자까지입니다 (받은 글자 수: {value})",
        "q must be at most {max} characters (got {value})",
    ),
    "route_not_found": Bilingual("'{value}'라는 주소가 없습니다", "there is nothing at '{value}'"),
    "method_not_allowed": Bilingual(
        "{method} 요청은 허용되지 않습니다. 허용: {choices}",
        "{method} is not allowed here; allowed: {choices}",
    ),
    "store_unavailable": Bilingual(
        "데이터 저장소에 연결할 수 없습니다. 잠시 뒤 다시 시도해 주세요",
        "the data store is not available; try again shortly",
    ),
    "internal_error": Bilingual("예기치 않은 오류가 났습니다", "an unexpected error occurred"),
    "bad_request": Bilingual("잘못된 요청입니다", "the request is malformed"),
    "rate_limited": Bilingual(
        "요청이 너무 많습니다({limit}). {retry_after}초 뒤 다시 시도해 주세요",
        "too many requests ({limit}); try again in {retry_after} s",
    ),
}

# HTTP status -> problem title.
TITLES: dict[int, Bilingual] = {
    400: Bilingual("잘못된 요청", "Bad request"),
    404: Bilingual("찾을 수 없음", "Not found"),
    405: Bilingual("허용되지 않는 메서드", "Method not allowed"),
    406: Bilingual("제공할 수 없는 형식", "Not acceptable"),
    429: Bilingual("요청이 너무 많음", "Too many requests"),
    500: Bilingual("서버 오류", "Internal server error"),
    503: Bilingual("일시적으로 사용할 수 없음", "Service unavailable"),
}

# Labels of the common fields (layers/fields.py declares them) and of the values the API computes.
LABELS: dict[str, Bilingual] = {
    **fields.LABELS,
    "distance_m": Bilingual("거리(m)", "Distance (m)"),
    "open_status": Bilingual("지금 운영", "Open now"),
    "details": Bilingual("세부 정보", "Details"),
}

VALUE_LABELS: dict[str, dict[str, Bilingual]] = {
    "open_status": {
        "open": Bilingual("운영 중", "Open"),
        "closed": Bilingual("운영 종료", "Closed"),
        "unknown": Bilingual("운영시간 모름", "Hours unknown"),
    },
    "fee": {
        "free": Bilingual("무료", "Free"),
        "paid": Bilingual("유료", "Paid"),
        "unknown": Bilingual("요금 모름", "Fee unknown"),
    },
}

TILE_ARCHIVE_TITLE = Bilingual(
    "벡터 타일 묶음 (PMTiles, z0-z14)",
    "Vector tiles, z0-z14, in one PMTiles archive",
)
LICENCE_TITLE = Bilingual("공공누리 제1유형 (출처표시)", "KOGL Type 1 (attribution)")
LICENCE_URL = "https://www.kogl.or.kr/info/licenseType1.do"
SERVICE_TITLE = Bilingual("공유지도", "sharemap — Korea's sharing map")


def layers_in_words() -> Bilingual:
    """Every layer named in a running sentence (LayerSpec.noun), in registry order: "a, b, c"
    in Korean, "a, b and c" in English."""
    nouns = [spec.noun for spec in registry.all_specs()]
    english = [noun.en for noun in nouns]
    if len(english) > 1:
        english = [", ".join(english[:-1]), english[-1]]
    return Bilingual(", ".join(noun.ko for noun in nouns), " and ".join(english))


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def object_particle(word: str) -> str:
    """을 after a final consonant, else 를 (Korean object marker)."""
    last = word[-1:] if word else ""
    has_final = "가" <= last <= "힣" and (ord(last) - ord("가")) % 28 != 0
    return "을" if has_final else "를"


_LAYERS = layers_in_words()
SERVICE_DESCRIPTION = Bilingual(
    f"{_LAYERS.ko}{object_particle(_LAYERS.ko)} 공공데이터로 찾는 공유지도 API "
    "(OGC API - Features).",
    f"{capitalised(_LAYERS.en)} in South Korea, from the public data portals (OGC API - Features).",
)


# The texts of the pages' templates (/near, /embed, /embed/builder).
PAGE_TEXT: dict[str, Bilingual] = {
    "site": Bilingual("공유지도", "sharemap"),
    "near_title": Bilingual("내 주변 공유자원 찾기", "Shared resources near me"),
    "near_intro": Bilingual(
        f"{_LAYERS.ko} 가운데 가까운 곳을 찾습니다.",
        f"Find the nearest {_LAYERS.en}.",
    ),
    "skip_to_list": Bilingual("결과 목록으로 건너뛰기", "Skip to the list of results"),
    "language": Bilingual("언어", "Language"),
    "where": Bilingual("어디에서 찾을까요?", "Where should we look?"),
    "locate": Bilingual("내 위치로 찾기", "Use my location"),
    "search_label": Bilingual("장소·주소·시군구로 찾기", "Search a place, address or district"),
    "search_placeholder": Bilingual("예: 강남역, 종로구", "e.g. 강남역, 종로구"),
    "search_button": Bilingual("검색", "Search"),
    "map_hint": Bilingual(
        "지도를 눌러서 위치를 정할 수도 있습니다.",
        "You can also tap the map to choose a point.",
    ),
    "geo_note": Bilingual(
        "위치 찾기는 HTTPS 주소(또는 이 컴퓨터의 localhost)에서만 됩니다. 위치는 가까운 곳을 "
        "계산하는 데만 쓰이고 저장되지 않습니다.",
        "Finding your location works on HTTPS addresses (or localhost) only. Your location is "
        "used to find what is near and is not stored.",
    ),
    "options": Bilingual("레이어와 조건", "Layers and filters"),
    "layers": Bilingual("레이어", "Layers"),
    "filters": Bilingual("조건", "Filters"),
    "open_now": Bilingual("지금 운영 중인 곳만", "Open now only"),
    "free_only": Bilingual("무료인 곳만", "Free only"),
    "wheelchair_only": Bilingual("휠체어 이용 가능한 곳만", "Wheelchair accessible only"),
    "map_label": Bilingual(
        "지도 (아래 목록과 같은 결과)", "Map (the same results as the list below)"
    ),
    "results": Bilingual("가까운 곳", "Nearest places"),
    "results_empty": Bilingual(
        "위치를 정하면 가까운 곳이 여기에 나옵니다.",
        "Choose a location and the nearest places appear here.",
    ),
    "sources": Bilingual("데이터 출처", "Data sources"),
    "reference_date": Bilingual("기준일", "reference date"),
    "basemap": Bilingual("기본 지도", "Base map"),
    "licence_note": Bilingual(
        "이 서비스는 위 기관이 공공누리 제1유형(출처표시)으로 개방한 공공저작물을 이용합니다.",
        "This service uses public works the agencies above released under KOGL Type 1 "
        "(attribution).",
    ),
    "licence": LICENCE_TITLE,
    "data_credit": Bilingual("데이터: 공공누리 제1유형", "Data: KOGL Type 1"),
    "api": Bilingual("API 문서", "API documentation"),
    "builder_link": Bilingual("내 누리집에 지도 넣기", "Put this map on your website"),
    "builder_title": Bilingual("지도 위젯 만들기", "Map widget builder"),
    "builder_intro": Bilingual(
        "기관 누리집에 넣을 지도를 고르고, 아래 코드를 복사해 붙여 넣으세요. 쿠키도 키도 필요 없습니다.",
        "Choose what the map shows, then copy the code below into your web page. No cookies, "
        "no key.",
    ),
    "centre_lat": Bilingual("중심 위도", "Centre latitude"),
    "centre_lon": Bilingual("중심 경도", "Centre longitude"),
    "zoom": Bilingual("확대 수준 (6–18)", "Zoom (6–18)"),
    "height": Bilingual("높이 (픽셀)", "Height (pixels)"),
    "widget_lang": Bilingual("위젯 언어", "Widget language"),
    "cluster": Bilingual("가까운 표시를 묶어서 보이기", "Group nearby markers"),
    "preview": Bilingual("미리보기", "Preview"),
    "preview_hint": Bilingual(
        "미리보기 지도를 움직이면 중심과 확대 수준이 위 칸에 들어갑니다.",
        "Moving the preview map copies its centre and zoom into the fields above.",
    ),
    "snippet": Bilingual("붙여 넣을 코드", "Code to paste"),
    "copy_code": Bilingual("코드 복사", "Copy the code"),
    "copied": Bilingual("복사했습니다", "Copied"),
    "widget_title": Bilingual("공유지도 지도", "sharemap map"),
    "widget_map_label": Bilingual("공유자원 지도", "Map of shared resources"),
    "embed_error": Bilingual("지도를 표시할 수 없습니다", "The map cannot be shown"),
    "open_full": Bilingual("공유지도에서 크게 보기", "Open in sharemap"),
}

# The texts near.js and embed.js show.
SCRIPT_TEXT: dict[str, Bilingual] = {
    "locating": Bilingual("위치를 찾는 중…", "Finding your location…"),
    "geo_unsupported": Bilingual(
        "이 브라우저는 위치 찾기를 지원하지 않습니다. 지도를 누르거나 장소를 검색하세요.",
        "This browser cannot share its location. Tap the map or search for a place.",
    ),
    "geo_denied": Bilingual(
        "위치 권한이 없습니다. 지도를 누르거나 장소를 검색하세요.",
        "Location permission was denied. Tap the map or search for a place.",
    ),
    "geo_failed": Bilingual(
        "위치를 찾지 못했습니다. 지도를 누르거나 장소를 검색하세요.",
        "Your location could not be found. Tap the map or search for a place.",
    ),
    "geo_insecure": Bilingual(
        "위치 찾기는 HTTPS에서만 됩니다. 지도를 누르거나 장소를 검색하세요.",
        "Finding your location needs HTTPS. Tap the map or search for a place.",
    ),
    "searching": Bilingual("가까운 곳을 찾는 중…", "Looking for the nearest places…"),
    "searching_places": Bilingual("장소를 찾는 중…", "Searching…"),
    "no_places": Bilingual("찾는 장소가 없습니다.", "No place found."),
    "places_found": Bilingual("장소 {n}곳 — 하나를 고르세요.", "{n} places — choose one."),
    "choose_layer": Bilingual("레이어를 하나 이상 고르세요.", "Choose at least one layer."),
    "near_here": Bilingual("{where} 주변 {n}곳", "{n} places near {where}"),
    "none_found": Bilingual(
        "{where}에서 {radius} 안에 조건에 맞는 곳이 없습니다.",
        "Nothing matches within {radius} of {where}.",
    ),
    "layer_none": Bilingual("{layer}: {radius} 안에 없음", "{layer}: none within {radius}"),
    "unknown_excluded": Bilingual(
        "운영시간을 알 수 없는 {n}곳은 빠졌습니다.",
        "{n} places with unknown hours were left out.",
    ),
    "my_location": Bilingual("내 위치", "my location"),
    "chosen_point": Bilingual("고른 지점", "the chosen point"),
    "you_are_here": Bilingual("여기", "You are here"),
    "error": Bilingual("문제가 생겼습니다: {detail}", "Something went wrong: {detail}"),
    "kakao": Bilingual("카카오맵 길찾기", "Directions in Kakao Map"),
    "naver": Bilingual("네이버 지도 길찾기", "Directions in Naver Map"),
    "call": Bilingual("전화 {phone}", "Call {phone}"),
    "show_on_map": Bilingual("지도에서 보기", "Show on the map"),
    "show_in_list": Bilingual("목록에서 보기", "Show in the list"),
    "details": Bilingual("자세히", "Details"),
    "site_parking": Bilingual(
        "이 진료소 주변 주차장 (무료 먼저)", "Parking near this site (free first)"
    ),
    "site_parking_counts": Bilingual(
        "{radius} 안 주차장 {lots}곳, 무료 {free}곳",
        "{lots} parking lots within {radius}, {free} free",
    ),
    "site_parking_none": Bilingual(
        "{radius} 안에 주차장이 없습니다.", "No parking lot within {radius}."
    ),
    "site_parking_more": Bilingual("가까운 {n}곳만 보입니다.", "Only the nearest {n} are shown."),
    "wheelchair_yes": Bilingual("휠체어 이용 가능", "Wheelchair accessible"),
    "wheelchair_no": Bilingual("휠체어 이용 어려움", "Not wheelchair accessible"),
    "hours": Bilingual("운영시간", "Hours"),
    "opens_new": Bilingual("(새 창)", "(new window)"),
    "list": Bilingual("목록", "List"),
    "list_title": Bilingual("지도에 보이는 곳", "Places on the map"),
    "close": Bilingual("닫기", "Close"),
    "zoom_in": Bilingual(
        "확대하면 하나하나 눌러 볼 수 있습니다.",
        "Zoom in to see the places one by one.",
    ),
    "shown": Bilingual("{n}곳 표시", "{n} places shown"),
    "load_failed": Bilingual("자료를 불러오지 못했습니다.", "Could not load the data."),
}


# The texts of the API's HTML pages (app/templates/api) and of the landing document's links.
API_TEXT: dict[str, Bilingual] = {
    "site": PAGE_TEXT["site"],
    "language": PAGE_TEXT["language"],
    "api_docs": PAGE_TEXT["api"],
    "licence": LICENCE_TITLE,
    "name": LABELS["name"],
    "address": LABELS["address"],
    "fee": LABELS["fee"],
    "layer": LABELS["layer"],
    "docs_title": Bilingual("공유지도 API 문서", "sharemap API documentation"),
    "data": Bilingual("데이터", "Data"),
    "licence_label": Bilingual("이용허락", "Licence"),
    "find_near": Bilingual("📍 내 주변 공유자원 찾기", "📍 Find shared resources near me"),
    "explore": Bilingual("둘러보기", "Explore"),
    "collections": Bilingual("컬렉션", "Collections"),
    "collections_layers": Bilingual("컬렉션 (레이어)", "Collections (layers)"),
    "conformance": Bilingual("적합성 클래스", "Conformance"),
    "conformance_classes": Bilingual("적합성 클래스", "Conformance classes"),
    "links": Bilingual("링크", "Links"),
    "this_document": Bilingual("이 문서", "This document"),
    "as_html": Bilingual("HTML로 보기", "As HTML"),
    "near_page": Bilingual("내 주변 찾기", "Near me (phone page)"),
    "previous": Bilingual("이전", "Previous"),
    "next": Bilingual("다음", "Next"),
    "feature_count": Bilingual("항목 수", "Features"),
    "reference_date": Bilingual("자료 기준일", "Reference date"),
    "download": Bilingual("내려받기", "Download"),
    "browse_features": Bilingual("항목 보기", "Browse the features"),
    "queryable_properties": Bilingual("필터로 쓸 수 있는 속성", "Queryable properties"),
    "extent": Bilingual("범위", "Extent"),
    "updated": Bilingual("갱신일", "Updated"),
    "data_version": Bilingual("데이터 버전", "Data version"),
    "sources_and_dates": Bilingual("출처와 자료 기준일", "Sources and reference dates"),
    "dataset": Bilingual("자료", "Dataset"),
    "publisher": Bilingual("제공", "Publisher"),
    "portal": Bilingual("포털", "Portal"),
    "source_date": Bilingual("기준일", "Reference date"),
    "queryables": Bilingual("필터", "Queryables"),
    "example": Bilingual("예", "Example"),
    "parameter": Bilingual("매개변수", "Parameter"),
    "meaning": Bilingual("뜻", "Meaning"),
    "type": Bilingual("형식", "Type"),
}


def text(key: str, lang: str, **values: Any) -> str:
    """The message `key` in `lang`, filled with `values`."""
    return MESSAGES[key](lang).format(**values)


def in_lang(texts: dict[str, Bilingual], lang: str) -> dict[str, str]:
    """A table of texts, each in `lang`."""
    return {key: value(lang) for key, value in texts.items()}


def api_text(lang: str) -> dict[str, str]:
    """What the API's HTML pages show (`t.key`)."""
    return in_lang(API_TEXT, lang)


def page_text(lang: str) -> dict[str, str]:
    """What the pages' templates show (`t.key`)."""
    return in_lang(PAGE_TEXT, lang)


def script_text(lang: str) -> dict[str, str]:
    """What the pages' scripts show, the value labels (`prop.value`) included."""
    labels = in_lang(SCRIPT_TEXT, lang)
    for prop, values in VALUE_LABELS.items():
        labels.update({f"{prop}.{value}": name(lang) for value, name in values.items()})
    return labels
