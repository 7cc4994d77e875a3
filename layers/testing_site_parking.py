"""Parking near COVID-19 testing sites: public parking lots joined to screening sites.

Three kinds of input: parking lots (전국주차장정보표준데이터, kind "parking") are the
features; screening sites and safe hospitals (kind "sites") are placed by the loader and
joined to the lots near them; HIRA's hospital list (kind "facilities", a folder of
per-시군구 JSON files read by etl/hira.py) is where the sites are placed.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from geo.hours import Schedule, from_day_columns, from_day_texts
from layers.bilingual import Bilingual
from layers.clean import (
    NO_DATA,
    Fee,
    dedupe_key,
    fee_category,
    iso_date,
    parse_int,
    parse_yes_no,
    tidy_address,
    tidy_phone,
    tidy_text,
)
from layers.spec import (
    LON_LAT,
    Derivation,
    Field,
    Icon,
    LayerSpec,
    Mapped,
    Normalised,
    Shape,
    SourceSchema,
)
from layers.testing_sites import AS_PUBLISHED

PARKING = "parking"
SITES = "sites"
FACILITIES = "facilities"

# The parking lot's own columns, as in 전국주차장정보표준데이터 (PROVENANCE §6).
_PARKING_COLUMNS: dict[str, tuple[str, ...]] = {
    "lot_id": ("주차장관리번호",),
    "name": ("주차장명",),
    "ownership": ("주차장구분",),
    "lot_type": ("주차장유형",),
    "road_address": ("소재지도로명주소",),
    "lot_address": ("소재지지번주소",),
    "capacity": ("주차구획수",),
    "operating_days": ("운영요일",),
    "weekday_start": ("평일운영시작시각",),
    "weekday_end": ("평일운영종료시각",),
    "saturday_start": ("토요일운영시작시각",),
    "saturday_end": ("토요일운영종료시각",),
    "holiday_start": ("공휴일운영시작시각",),
    "holiday_end": ("공휴일운영종료시각",),
    "fee_info": ("요금정보",),
    "base_minutes": ("주차기본시간",),
    "base_fee": ("주차기본요금",),
    "extra_minutes": ("추가단위시간",),
    "extra_fee": ("추가단위요금",),
    "day_pass_fee": ("1일주차권요금",),
    "monthly_fee": ("월정기권요금",),
    "payment": ("결제방법",),
    "notes": ("특기사항",),
    "operator": ("관리기관명",),
    "phone": ("전화번호",),
    "lat": ("위도",),
    "lon": ("경도",),
    "updated_at": ("데이터기준일자",),
    "provider_code": ("제공기관코드",),
    "provider": ("제공기관명",),
}

SCHEMAS: tuple[SourceSchema, ...] = (
    SourceSchema(
        id="national_parking_std",
        columns=_PARKING_COLUMNS,
        required=("lot_id", "name", "fee_info", "weekday_start", "lat", "lon"),
        coords=LON_LAT,
        # 주차장관리번호 alone is reused across 지자체; with 제공기관코드 only ~240 rows per
        # snapshot repeat a key (52 of them exact duplicates), which the loader resolves.
        key=("lot_id", "provider_code"),
        kind=PARKING,
    ),
    # KDCA 선별진료소 목록 (2022): hours per day type, no coordinates.
    SourceSchema(
        id="kdca_screening",
        columns={
            "updated_at": ("기준일",),
            "sido_text": ("시도",),
            "sigungu_text": ("시군구",),
            "name": ("의료기관명",),
            "address": ("주소",),
            "weekday_hours": ("평일 운영시간", "평일운영시간"),
            "saturday_hours": ("토요일 운영시간", "토요일운영시간"),
            "holiday_hours": ("일요일/공휴일운영시간", "일요일/공휴일 운영시간", "공휴일 운영시간"),
            "phone": ("대표 전화번호", "대표전화번호"),
            "health_centre": ("관할보건소",),
            "health_centre_phone": ("관할보건소 전화번호",),
            "accessibility": ("장애인 편의사항",),
        },
        required=("name", "address", "weekday_hours"),
        coords=None,
        kind=SITES,
    ),
    # 보건복지부 선별진료소 목록 (2020): whether samples are taken, no hours.
    SourceSchema(
        id="mohw_screening",
        columns={
            "updated_at": ("기준일시", "기준일"),
            "sampling": ("검체채취가능여부",),
            "sido_text": ("시도",),
            "sigungu_text": ("시군구",),
            "name": ("의료기관명",),
            "address": ("주소",),
            "phone": ("대표 전화번호", "대표전화번호"),
        },
        required=("name", "address", "sampling"),
        coords=None,
        kind=SITES,
    ),
    # 보건복지부 국민안심병원 목록 (2020).
    SourceSchema(
        id="mohw_safe_hospitals",
        columns={
            "updated_at": ("기준일", "기준일시"),
            "sido_text": ("시도",),
            "sigungu_text": ("시군구",),
            "name": ("기관명",),
            "address": ("주소",),
            "care_type": ("신청유형(A: 외래진료,B: 외래진료 및 입원)", "신청유형"),
            "phone": ("전화번호",),
        },
        required=("name", "address", "care_type"),
        coords=None,
        kind=SITES,
    ),
    # HIRA 병원정보서비스 (PROVENANCE M): the `hospitals` records of the per-시군구 JSON files
    # of medical/hira_hospitals_2026-03/, read by etl/hira.py; where the sites are placed
    SourceSchema(
        id="hira_hospitals",
        columns={
            "name": ("name",),
            "facility_kind": ("cl_nm",),
            "address": ("addr",),
            "phone": ("tel",),
            "lon": ("x",),
            "lat": ("y",),
        },
        required=("name", "facility_kind", "address", "lon", "lat"),
        coords=LON_LAT,
        kind=FACILITIES,
    ),
)

_SITE_KINDS: dict[str, str] = {
    "kdca_screening": "kdca_screening",
    "mohw_screening": "mohw_screening",
    "mohw_safe_hospitals": "safe_hospital",
}


def site_kind(schema_id: str) -> str:
    """What kind of site a `sites` schema lists: kdca_screening, mohw_screening, safe_hospital."""
    try:
        return _SITE_KINDS[schema_id]
    except KeyError:
        raise KeyError(f"{schema_id!r} is not a testing-site schema") from None


FIELDS: tuple[Field, ...] = (
    # the parking lot
    Field("lot_type", "text", Bilingual("주차장유형", "Lot type (노외/노상/부설)")),
    Field("ownership", "text", Bilingual("주차장구분", "Ownership (공영/민영)")),
    Field("capacity", "int", Bilingual("주차구획수", "Spaces")),
    Field("weekday_hours", "text", Bilingual("평일 운영시간", "Weekday hours")),
    Field("saturday_hours", "text", Bilingual("토요일 운영시간", "Saturday hours")),
    Field("holiday_hours", "text", Bilingual("공휴일 운영시간", "Holiday hours")),
    Field("base_minutes", "int", Bilingual("기본시간(분)", "Base time (min)")),
    Field("base_fee", "int", Bilingual("기본요금(원)", "Base fee (KRW)")),
    Field("extra_minutes", "int", Bilingual("추가단위시간(분)", "Extra unit (min)")),
    Field("extra_fee", "int", Bilingual("추가단위요금(원)", "Extra unit fee (KRW)")),
    Field("day_pass_fee", "int", Bilingual("1일주차권요금(원)", "Day pass (KRW)")),
    Field("monthly_fee", "int", Bilingual("월정기권요금(원)", "Monthly pass (KRW)")),
    Field("payment", "text", Bilingual("결제방법", "Payment"), queryable=False),
    Field("notes", "text", Bilingual("특기사항", "Notes"), queryable=False),
    Field("operator", "text", Bilingual("관리기관", "Managed by")),
    Field("provider", "text", Bilingual("제공기관", "Data provider"), queryable=False),
    Field(
        "provider_code", "text", Bilingual("제공기관코드", "Data provider code"), queryable=False
    ),
    # the testing site a lot is joined to (filled by the loader, not by normalise)
    Field("site_id", "text", Bilingual("선별진료소 ID", "Testing site id"), queryable=False),
    Field("site_name", "text", Bilingual("선별진료소", "Testing site")),
    Field("site_kind", "text", Bilingual("진료소 종류", "Testing site kind")),
    Field(
        "site_address",
        "text",
        Bilingual("선별진료소 주소", "Testing site address"),
        queryable=False,
    ),
    Field("site_precision", "text", Bilingual("진료소 위치 정확도", "Site location precision")),
    Field(
        "site_facility",
        "text",
        Bilingual("심평원 기관명", "HIRA facility matched"),
        queryable=False,
    ),
    Field("distance_m", "float", Bilingual("진료소까지 거리(m)", "Distance to site (m)")),
    # the testing site's own attributes (props of `sites` rows)
    *AS_PUBLISHED,
    Field("accessibility", "text", Bilingual("장애인 편의사항", "Accessibility"), queryable=False),
    Field("sampling", "bool", Bilingual("검체채취 가능", "Takes samples"), queryable=False),
)

DayType = Literal["weekday", "saturday", "holiday"]
DAY_TYPES: tuple[DayType, ...] = ("weekday", "saturday", "holiday")
_DAY_WORDS: dict[DayType, str] = {"weekday": "평일", "saturday": "토요일", "holiday": "공휴일"}
_DAY_SHORT: dict[DayType, str] = {"weekday": "평일", "saturday": "토", "holiday": "공휴일"}
# A closed day type as geo.hours' closed-days text; the 공휴일 columns cover Sundays too.
_CLOSED_WORDS: dict[DayType, str] = {"weekday": "평일", "saturday": "토", "holiday": "일+공휴일"}


# -- parking hours ---------------------------------------------------------------------


def closed_day_types(operating_days: str | None) -> frozenset[DayType]:
    """The day types a 운영요일 value does not operate on.

    `평일+토요일` → {holiday}; `평일+토요일+공휴일미운영(00:00으로시간표시)` → {holiday};
    blank or no day type named → nothing known, nothing closed.
    """
    text = tidy_text(operating_days)
    if text is None:
        return frozenset()
    named: set[DayType] = set()
    open_types: set[DayType] = set()
    for token in re.split(r"\s*\+\s*", text):
        days = {d for d, word in _DAY_WORDS.items() if word in token}
        named |= days
        if "미운영" not in token:
            open_types |= days
    if not named:
        return frozenset()  # a value that names no day type (`연중무휴`?) closes nothing
    return frozenset(DAY_TYPES) - open_types


def _day_span(start: str | None, end: str | None) -> tuple[str, str] | None:
    start, end = tidy_text(start), tidy_text(end)
    return (start, end) if start and end else None


def parking_hours(row: Mapped) -> tuple[dict[DayType, str | None], str | None, Schedule | None]:
    """Per-day-type hours text ("HH:MM~HH:MM" / "closed"), the readable raw text, and the
    schedule from geo.hours.from_day_columns."""
    closed = closed_day_types(row.get("operating_days"))
    spans: dict[DayType, tuple[str, str] | None] = {
        d: None if d in closed else _day_span(row.get(f"{d}_start"), row.get(f"{d}_end"))
        for d in DAY_TYPES
    }
    texts: dict[DayType, str | None] = {
        d: "closed" if d in closed else (f"{s[0]}~{s[1]}" if (s := spans[d]) else None)
        for d in DAY_TYPES
    }
    parts = [
        f"{_DAY_SHORT[d]} {'휴무' if t == 'closed' else t}" for d in DAY_TYPES if (t := texts[d])
    ]
    raw = ", ".join(parts) or None
    if raw is None:
        return texts, None, None
    schedule = from_day_columns(
        weekday=spans["weekday"],
        saturday=spans["saturday"],
        holiday=spans["holiday"],
        closed_days="+".join(_CLOSED_WORDS[d] for d in DAY_TYPES if d in closed) or None,
    )
    return texts, raw, schedule


# -- parking fee -----------------------------------------------------------------------


def _won(amount: int) -> str:
    return f"{amount:,}원"


def _amount(props: dict[str, Any], row: Mapped, field: str) -> str | None:
    """An amount for fee_text: the parsed number, or a tiered text as published (`200+400`)."""
    if props[field]:
        return _won(props[field])
    raw = tidy_text(row.get(field))
    if raw is not None and props[field] is None and re.search(r"[1-9]", raw):
        return f"{raw}원"
    return None


def _minutes(props: dict[str, Any], field: str) -> str:
    return f" {props[field]}분" if props[field] else ""


def _fee_details(props: dict[str, Any], row: Mapped) -> str | None:
    """`기본 30분 1,000원, 추가 10분 200원, 1일 6,000원, 월 60,000원` (positive amounts only)."""
    parts = []
    if base := _amount(props, row, "base_fee"):
        parts.append(f"기본{_minutes(props, 'base_minutes')} {base}")
    if extra := _amount(props, row, "extra_fee"):
        parts.append(f"추가{_minutes(props, 'extra_minutes')} {extra}")
    if day := _amount(props, row, "day_pass_fee"):
        parts.append(f"1일 {day}")
    if month := _amount(props, row, "monthly_fee"):
        parts.append(f"월 {month}")
    return ", ".join(parts) or None


def parking_fee(row: Mapped, props: dict[str, Any]) -> tuple[Fee, str | None]:
    """요금정보 무료/유료/혼합 → free/paid/paid, with the amounts as fee_text."""
    info = tidy_text(row.get("fee_info"))
    fee = fee_category(info)
    if fee is None:
        return "unknown", info
    details = _fee_details(props, row)
    if fee == "free":
        # a few 무료 rows still carry a fee: keep "free" (the category) and say so
        return "free", f"무료 (요금 기재: {details})" if details else None
    if info == "혼합":
        return "paid", f"혼합 ({details})" if details else "혼합"
    return "paid", details


# -- normalise -------------------------------------------------------------------------


def _normalise_lot(row: Mapped) -> Normalised:
    name = tidy_text(row.get("name"))
    # as published (`-` included): tidying would change 92 lots' addresses and dedupe keys
    address = tidy_address(row.get("road_address"), row.get("lot_address"), as_published=True)
    props: dict[str, Any] = {
        "lot_type": tidy_text(row.get("lot_type")),
        "ownership": tidy_text(row.get("ownership")),
        "capacity": parse_int(row.get("capacity")),
        "base_minutes": parse_int(row.get("base_minutes")),
        "base_fee": parse_int(row.get("base_fee")),
        "extra_minutes": parse_int(row.get("extra_minutes")),
        "extra_fee": parse_int(row.get("extra_fee")),
        "day_pass_fee": parse_int(row.get("day_pass_fee")),
        "monthly_fee": parse_int(row.get("monthly_fee")),
        "payment": tidy_text(row.get("payment")),
        "notes": tidy_text(row.get("notes"), none_for=NO_DATA),
        "operator": tidy_text(row.get("operator")),
        "provider": tidy_text(row.get("provider")),
        "provider_code": tidy_text(row.get("provider_code")),
    }
    texts, raw, schedule = parking_hours(row)
    props.update({f"{d}_hours": texts[d] for d in DAY_TYPES})
    fee, fee_text = parking_fee(row, props)
    return Normalised(
        name=name,
        address=address,
        phone=tidy_phone(row.get("phone")),
        opening_hours_raw=raw,
        fee=fee,
        fee_text=fee_text,
        updated_at=iso_date(row.get("updated_at")),
        props=props,
        schedule=schedule,
        reject=None if name else "no name",
        dedupe_key=dedupe_key(name, address, row.get("lot_id"), keep_punctuation=True),
    )


def _site_hours(row: Mapped) -> tuple[str | None, Schedule | None]:
    """The KDCA day-type hours as one readable text and a schedule."""
    texts = {d: tidy_text(row.get(f"{d}_hours"), none_for=NO_DATA) for d in DAY_TYPES}
    labels = {"weekday": "평일", "saturday": "토", "holiday": "일·공휴일"}
    raw = ", ".join(f"{labels[d]} {t}" for d in DAY_TYPES if (t := texts[d])) or None
    if raw is None:
        return None, None
    return raw, from_day_texts(texts["weekday"], texts["saturday"], texts["holiday"])


def _normalise_site(schema_id: str, row: Mapped) -> Normalised:
    name = tidy_text(row.get("name"))
    address = tidy_address(row.get("address"))
    raw, schedule = _site_hours(row)
    props = {
        "sido_text": tidy_text(row.get("sido_text")),
        "sigungu_text": tidy_text(row.get("sigungu_text")),
        "site_kind": site_kind(schema_id),
        "accessibility": tidy_text(row.get("accessibility"), none_for=NO_DATA),
        "sampling": parse_yes_no(row.get("sampling")),
    }
    return Normalised(
        name=name,
        address=address,
        phone=tidy_phone(row.get("phone")),
        opening_hours_raw=raw,
        updated_at=iso_date(row.get("updated_at")),
        props=props,
        schedule=schedule,
        reject=None if name else "no name",
        dedupe_key=dedupe_key(name, address, keep_punctuation=True),
    )


def normalise(schema_id: str, row: Mapped) -> Normalised:
    if schema_id == "national_parking_std":
        return _normalise_lot(row)
    if schema_id in _SITE_KINDS:
        return _normalise_site(schema_id, row)
    raise KeyError(f"testing_site_parking has no source schema {schema_id!r}")


SPEC = LayerSpec(
    id="testing_site_parking",
    title=Bilingual("선별진료소 근처 주차장", "Parking near testing sites"),
    description=Bilingual(
        "코로나19 선별진료소·국민안심병원 근처의 공영·민영 주차장 (무료 여부, 운영시간).",
        "Parking lots near COVID-19 screening sites and safe hospitals, with fees and hours.",
    ),
    colour="#7c3aed",
    icon=Icon("parking", (Shape("text", text="P", size=2.0),)),
    fields=FIELDS,
    schemas=SCHEMAS,
    normalise=normalise,
    order=50,
    # lots (kind "parking") near the sites (kind "sites") the loader geocodes
    # the sites themselves are the companion layer testing_sites, written and rolled back
    # with it
    derivation=Derivation(
        derive="etl.jobs:derive_testing_site_parking",
        features_kind=PARKING,
        inputs=(SITES,),
        companions=("testing_sites",),
    ),
    generic_name_words=(r"주차장", r"공영"),
    tile_fields=("capacity", "site_name"),
    # one national dataset: only the very same lot in two snapshots is merged
    dedupe_radius_m=5.0,
)
