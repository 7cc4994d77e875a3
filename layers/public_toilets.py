"""Public toilets (공중화장실): Seoul's OA-22586 location list and LOCALDATA 12_04_01_E downloads.

Toilet types are folded into one small vocabulary (`TOILET_TYPES`); the Seoul list spells
its `유형` some 38 ways (공공개방, 민간개방1, 공중, 의무개방, …) and `toilet_type` maps them:

- 공중화장실: 공중…, 공중화장실, 무인공중, 공원/공원화장실, 역사 (toilets a public body builds
  for everyone: parks, stations, streets);
- 개방화장실: anything with 개방 (공공개방, 민간개방1, 의무개방, 민간 개방, 개방화장실,
  민간개방(집회로 임시개방) …) and the building kinds 공공기관, 민간, 병원, 주유소 (toilets of a
  building opened to the public);
- 간이화장실: 간이…; 이동화장실: 이동… and 임시화장실(…) (portable toilets put up for events);
- 유료화장실: anything with 유료;
- anything else (기타, 화장실, blank, hours or places typed into the column) → None.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal

from geo.hours import FULL_DAY, parse_hours
from layers.bilingual import Bilingual
from layers.clean import (
    dedupe_key,
    iso_date,
    iso_month,
    parse_int,
    parse_yes_no,
    tidy_address,
    tidy_phone,
    tidy_text,
)
from layers.spec import LON_LAT, Field, Icon, LayerSpec, Mapped, Normalised, Shape, SourceSchema

SEOUL_OA22586 = "seoul_oa22586"
LOCALDATA_2025 = "localdata_toilets_2025"
LOCALDATA_2023 = "localdata_toilets_2023"
LOCALDATA_NATIONAL = "localdata_toilets_national"

TOILET_TYPES: tuple[str, ...] = (
    "공중화장실",
    "개방화장실",
    "간이화장실",
    "이동화장실",
    "유료화장실",
)

# LOCALDATA stall counts, by canonical field; the first three are the accessible ones
_DISABLED_STALL_FIELDS = (
    "male_disabled_toilets",
    "male_disabled_urinals",
    "female_disabled_toilets",
)
_STALL_COLUMNS: dict[str, tuple[str, ...]] = {
    "male_toilets": ("남성용-대변기수",),
    "male_urinals": ("남성용-소변기수",),
    "male_disabled_toilets": ("남성용-장애인용대변기수",),
    "male_disabled_urinals": ("남성용-장애인용소변기수",),
    "male_child_toilets": ("남성용-어린이용대변기수",),
    "male_child_urinals": ("남성용-어린이용소변기수",),
    "female_toilets": ("여성용-대변기수",),
    "female_disabled_toilets": ("여성용-장애인용대변기수",),
    "female_child_toilets": ("여성용-어린이용대변기수",),
}

# Columns every LOCALDATA 12_04_01_E layout shares (regional and national, old and new).
_LOCALDATA_COMMON: dict[str, tuple[str, ...]] = {
    "toilet_type": ("구분", "구분명"),
    "name": ("화장실명",),
    "road_address": ("소재지도로명주소",),
    "lot_address": ("소재지지번주소",),
    **_STALL_COLUMNS,
    "managing_agency": ("관리기관명",),
    "phone": ("전화번호",),
    "hours": ("개방시간",),
    "installed": ("설치연월",),
    "lat": ("WGS84위도",),
    "lon": ("WGS84경도",),
    "owner": ("화장실소유구분", "화장실소유구분명"),
    "sewage": ("오물처리방식",),
    "emergency_bell": ("비상벨설치여부",),
    "emergency_bell_place": ("비상벨설치장소",),
    "cctv": ("화장실입구CCTV설치유무",),
    "diaper_table": ("기저귀교환대유무",),
    "diaper_table_place": ("기저귀교환대장소",),
    "remodelled": ("리모델링연월",),
    "updated_at": ("데이터기준일자",),
}
# Columns the current layout (2024 onwards) added.
_LOCALDATA_CURRENT: dict[str, tuple[str, ...]] = {
    "legal_basis": ("근거", "근거법령명"),
    "hours_detail": ("개방시간상세",),
    "safety_facility_required": ("안전관리시설설치대상여부",),
}

SCHEMAS: tuple[SourceSchema, ...] = (
    SourceSchema(
        id=SEOUL_OA22586,
        columns={
            "serial": ("연번",),
            "road_address": ("도로명주소",),
            "lot_address": ("지번주소",),
            "lon": ("x 좌표",),
            "lat": ("y 좌표",),
            "name": ("건물명",),
            "district": ("구 명칭",),
            "phone": ("전화번호",),
            "toilet_type": ("유형",),
            "hours": ("개방시간",),
            "place_type": ("소재지 용도",),
            "toilet_status": ("화장실 현황",),
            "disabled_status": ("장애인화장실 현황",),
            "amenities": ("편의시설 (기타설비)",),
            "signage": ("안내표지",),
            "location": ("소재지",),
            "remarks": ("비고",),
        },
        required=("name", "toilet_type", "lon", "lat"),
        coords=LON_LAT,
        # `연번` is a row serial that changes between snapshots: ids come from dedupe_key
        key=(),
    ),
    SourceSchema(
        id=LOCALDATA_2025,
        columns={"serial": ("번호",), **_LOCALDATA_COMMON, **_LOCALDATA_CURRENT},
        required=("name", "toilet_type", "road_address", "hours_detail"),
        coords=LON_LAT,
        key=(),  # `번호` is a row serial
    ),
    SourceSchema(
        id=LOCALDATA_2023,
        columns={
            "serial": ("번호",),
            **_LOCALDATA_COMMON,
            "unisex": ("남녀공용화장실여부",),
            "place_type": ("화장실설치장소유형",),
        },
        required=("name", "toilet_type", "road_address", "unisex"),
        coords=LON_LAT,
        key=(),
    ),
    SourceSchema(
        # the all-Korea LOCALDATA download (about 60,000 rows; see PROVENANCE "Not found")
        id=LOCALDATA_NATIONAL,
        columns={
            "authority_code": ("개방자치단체코드",),
            "mgmt_no": ("관리번호",),
            **_LOCALDATA_COMMON,
            **_LOCALDATA_CURRENT,
            "update_kind": ("데이터갱신구분",),
            "updated_time": ("데이터갱신시점",),
            "last_modified": ("최종수정시점",),
        },
        required=("name", "toilet_type", "road_address", "authority_code", "mgmt_no"),
        coords=LON_LAT,
        key=("authority_code", "mgmt_no"),
    ),
)

FIELDS: tuple[Field, ...] = (
    Field("toilet_type", "text", Bilingual("유형", "Type")),
    Field("open_24h", "bool", Bilingual("24시간 개방", "Open 24 hours")),
    Field("disabled_stalls", "int", Bilingual("장애인용 변기 수", "Accessible stalls")),
    Field("unisex", "bool", Bilingual("남녀공용", "Unisex")),
    Field("emergency_bell", "bool", Bilingual("비상벨", "Emergency bell")),
    Field("cctv", "bool", Bilingual("입구 CCTV", "CCTV at the entrance")),
    Field("diaper_table", "bool", Bilingual("기저귀교환대", "Baby changing table")),
    Field("place_type", "text", Bilingual("설치 장소", "Location type")),
    Field("owner", "text", Bilingual("소유 구분", "Owner")),
    Field("managing_agency", "text", Bilingual("관리기관", "Managing agency"), queryable=False),
    Field("installed", "date", Bilingual("설치연월", "Installed"), queryable=False),
)


def toilet_type(raw: str | None) -> str | None:
    """One of TOILET_TYPES for a source's type text, or None when it names no type."""
    if raw is None:
        return None
    t = re.sub(r"\s+", "", raw)
    if "유료" in t:
        return "유료화장실"
    if "이동" in t or t.startswith("임시화장실"):
        return "이동화장실"
    if "간이" in t:
        return "간이화장실"
    if t.startswith(("공중", "무인공중", "공원")) or t == "역사":
        return "공중화장실"
    if "개방" in t or t in {"공공기관", "민간", "병원", "주유소"}:
        return "개방화장실"
    return None


def means_open_24h(hours: str | None) -> bool | None:
    """Whether an opening-hours text says "open 24 hours"; None when there is no text.

    geo.hours.parse_hours decides: every day type 00:00–24:00 with no closed dates, seasons
    aside ("24시간 개방(동절기 제외)" is a 24-hour toilet closed in winter). Texts it cannot
    read (정시, 업무시간, 9시간 …) are not 24 hours.
    """
    if hours is None:
        return None
    schedule = parse_hours(hours)
    if schedule is None:
        return False
    days = (schedule.weekday, schedule.saturday, schedule.sunday, schedule.holiday)
    return not schedule.closed_dates and all(d == FULL_DAY for d in days)


def toilet_phone(raw: str | None) -> str | None:
    """A toilet's phone number as published: its own grouping, numbers ending in 0000 kept,
    at least 7 digits (clean.tidy_phone's defaults would change 69 phones of the real files,
    `22129717` → `2212-9717`, `02-6370-0000` → None)."""
    return tidy_phone(raw, regroup=False, min_digits=7, drop_0000_lines=False)


def _hours_text(raw: str | None) -> str | None:
    text = tidy_text(raw)
    if text is None or not re.search(r"[가-힣A-Za-z0-9]", text):
        return None  # ":~:", "-"
    # `?` stands for a `~` lost in a CP949 export ("09:00?18:00")
    return re.sub(r"(\d)\?(\d)", r"\1~\2", text)


def _reject(name: str | None, hours: Iterable[str | None]) -> str | None:
    squashed = re.sub(r"\s+", "", name or "")
    if squashed.startswith("삭제"):
        return "removed facility (삭제 in name)"
    if "폐쇄" in squashed:
        return "closed facility (폐쇄 in name)"
    if "철거" in squashed:
        return "demolished facility (철거 in name)"
    if any(re.sub(r"\s+", "", h or "").startswith("미개방") for h in hours):
        return "never open to the public (미개방)"
    return None


def _fee(raw_type: str | None) -> Literal["free", "paid"]:
    # 공중화장실 and 개방화장실 are free by law; only a 유료 type costs money
    return "paid" if raw_type is not None and "유료" in raw_type else "free"


# Seoul OA-22586 free-text columns: `장애인화장실 현황` is often used for other amenities
_NO_ACCESSIBLE = re.compile(r"휠체어진입불가|^없음|^(무|0|N|X)$")
_ACCESSIBLE = re.compile(
    r"휠체어진입가능|장애인|별도설치|전용칸|^(유|Y|O|있음)$"
    r"|^((남|여|남성|여성|남자|여자|공용|남녀공용|남여공용)(용)?(대변기|화장실)?:?\d*[,/]?)+$"
)
_DIAPER = re.compile(r"(기저귀|귀저기|귀저귀|기전귀)교환대(없음|0(?!\d))?")
_BELL = re.compile(r"비상(벨|밸)(없음|0(?!\d))?")


def _oa_wheelchair(raw: str | None) -> bool | None:
    if raw is None:
        return None
    text = re.sub(r"\s+", "", raw)
    if _NO_ACCESSIBLE.search(text):
        return False
    if text.isdigit():
        return int(text) > 0
    if _ACCESSIBLE.search(text):
        return True
    return None  # 손건조기, 기저귀교환대 … typed into the column


def _mentioned(pattern: re.Pattern[str], texts: Iterable[str | None]) -> bool | None:
    """True when an amenity is listed, False when listed as none (`없음`, `0`), else None."""
    found: bool | None = None
    for raw in texts:
        m = pattern.search(re.sub(r"\s+", "", raw or ""))
        if m is not None:
            if m.group(2) is None:
                return True
            found = False
    return found


def _place_type(raw: str | None) -> str | None:
    text = tidy_text(raw)
    # stall counts and hours were typed into the column in a few rows
    if text is None or re.search(r"\d|:", text):
        return None
    return text


def _normalise_oa22586(row: Mapped) -> Normalised:
    name = tidy_text(row.get("name"))
    address = tidy_address(row.get("road_address"), row.get("lot_address"))
    hours = _hours_text(row.get("hours"))
    raw_type = tidy_text(row.get("toilet_type"))
    amenities = [row.get("disabled_status"), row.get("amenities"), row.get("toilet_status")]
    cctv = any("CCTV" in (text or "").upper() for text in amenities) or None
    props = {
        "toilet_type": toilet_type(raw_type),
        "open_24h": means_open_24h(hours),
        "disabled_stalls": None,
        "unisex": None,
        "emergency_bell": _mentioned(_BELL, amenities),
        "cctv": cctv,
        "diaper_table": _mentioned(_DIAPER, amenities),
        "place_type": _place_type(row.get("place_type")),
        "owner": None,
        "managing_agency": None,
        "installed": None,
    }
    return Normalised(
        name=name,
        address=address,
        phone=toilet_phone(row.get("phone")),
        opening_hours_raw=hours,
        fee=_fee(raw_type),
        wheelchair=_oa_wheelchair(row.get("disabled_status")),
        props=props,
        reject=_reject(name, [hours]),
        dedupe_key=dedupe_key(name, address),
    )


def _normalise_localdata(row: Mapped) -> Normalised:
    name = tidy_text(row.get("name"))
    address = tidy_address(row.get("road_address"), row.get("lot_address"))
    category = _hours_text(row.get("hours"))  # 상시 / 정시 / 불규칙 / 미개방 in current files
    detail = _hours_text(row.get("hours_detail"))
    hours = detail or category
    raw_type = tidy_text(row.get("toilet_type"))
    counts = [parse_int(row.get(f)) for f in _DISABLED_STALL_FIELDS]
    known = [c for c in counts if c is not None]
    disabled_stalls = sum(known) if known else None
    props = {
        "toilet_type": toilet_type(raw_type),
        "open_24h": means_open_24h(hours),
        "disabled_stalls": disabled_stalls,
        "unisex": parse_yes_no(row.get("unisex")),
        "emergency_bell": parse_yes_no(row.get("emergency_bell")),
        "cctv": parse_yes_no(row.get("cctv")),
        "diaper_table": parse_yes_no(row.get("diaper_table")),
        "place_type": _place_type(row.get("place_type")),
        "owner": tidy_text(row.get("owner")),
        "managing_agency": tidy_text(row.get("managing_agency")),
        "installed": iso_month(row.get("installed")),
    }
    return Normalised(
        name=name,
        address=address,
        phone=toilet_phone(row.get("phone")),
        opening_hours_raw=hours,
        fee=_fee(raw_type),
        wheelchair=None if disabled_stalls is None else disabled_stalls > 0,
        updated_at=iso_date(row.get("updated_at")),
        props=props,
        reject=_reject(name, [category, detail]),
        dedupe_key=dedupe_key(name, address),
    )


def normalise(schema_id: str, row: Mapped) -> Normalised:
    if schema_id == SEOUL_OA22586:
        return _normalise_oa22586(row)
    if schema_id in (LOCALDATA_2025, LOCALDATA_2023, LOCALDATA_NATIONAL):
        return _normalise_localdata(row)
    raise KeyError(f"public_toilets has no source schema {schema_id!r}")


SPEC = LayerSpec(
    id="public_toilets",
    title=Bilingual("공중화장실", "Public toilets"),
    description=Bilingual(
        "누구나 무료로 쓸 수 있는 공중화장실과 개방화장실의 위치, 개방시간, 장애인 편의시설.",
        "Public and opened toilets anyone may use free of charge: where they are, when they "
        "open, and their accessible stalls, emergency bells and baby changing tables.",
    ),
    colour="#1f78b4",
    icon=Icon(
        "toilet",
        (
            Shape("ellipse", (-0.24, -0.95, 0.24, -0.47)),
            Shape("polygon", (-0.45, 0.35, 0, -0.4, 0.45, 0.35)),
            Shape("rectangle", (-0.28, 0.3, 0.28, 0.95)),
        ),
    ),
    fields=FIELDS,
    schemas=SCHEMAS,
    normalise=normalise,
    order=20,
    noun=Bilingual("공중화장실", "toilets"),
    generic_name_words=(r"(공중|개방|간이|이동|민간|공공|남녀|장애인)?화장실",),
    tile_fields=("open_24h", "toilet_type"),
    # the same toilet in OA-22586 and LOCALDATA Seoul: ~950 pairs within 30 m, ~1,080 within 50 m
    dedupe_radius_m=50.0,
)
