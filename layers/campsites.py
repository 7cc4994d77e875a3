"""Campsites (야영장·캠핑장): the national standard data, LOCALDATA licences and KCISA's list."""

from __future__ import annotations

import re
from typing import Any

from geo.hours import parse_stay_times
from layers.bilingual import Bilingual
from layers.clean import (
    NO_DATA,
    dedupe_key,
    iso_date,
    parse_fee,
    parse_int,
    tidy_address,
    tidy_phone,
    tidy_text,
)
from layers.spec import (
    LON_LAT,
    Coords,
    Field,
    Icon,
    LayerSpec,
    Mapped,
    Normalised,
    Shape,
    SourceSchema,
)

# The KCISA table's facility counts: canonical field -> (column, label).
_KCISA_COUNTS: dict[str, tuple[str, Bilingual]] = {
    "sites_general": ("CMPSI_GNRL_CMPGR_CNT", Bilingual("일반야영장 사이트 수", "General pitches")),
    "sites_car": ("CMPSI_CAR_CMPGR_CNT", Bilingual("자동차야영장 사이트 수", "Car pitches")),
    "sites_glamping": ("CMPSI_GLPG_CNT", Bilingual("글램핑 수", "Glamping units")),
    "sites_caravan": ("CMPSI_CARBN_CNT", Bilingual("카라반 수", "Caravans")),
    "toilets": ("CMPSI_TLROM_CNT", Bilingual("화장실 수", "Toilets")),
    "showers": ("CMPSI_SWRM_CNT", Bilingual("샤워실 수", "Showers")),
    "sinks": ("CMPSI_WSBS_CNT", Bilingual("개수대 수", "Sinks")),
    "fire_extinguishers": ("CMPSI_EXTNG_CNT", Bilingual("소화기 수", "Fire extinguishers")),
}
_SITE_COUNTS = ("sites_general", "sites_car", "sites_glamping", "sites_caravan")

SCHEMAS: tuple[SourceSchema, ...] = (
    # 전국야영(캠핑)장표준데이터 (data.go.kr): 관리번호 is blank in every row.
    SourceSchema(
        id="national_campsites_std",
        columns={
            "management_no": ("관리번호",),
            "status_code": ("영업상태구분코드",),
            "name": ("야영(캠핑)장명", "야영장명"),
            "campsite_type": ("야영(캠핑)장구분", "야영장구분"),
            "lat": ("위도",),
            "lon": ("경도",),
            "road_address": ("소재지도로명주소",),
            "lot_address": ("소재지지번주소",),
            "phone": ("야영장전화번호",),
            "sites": ("야영사이트수",),
            "amenities": ("편의시설",),
            "other_facilities": ("기타부대시설", "부대시설"),
            "hours": ("이용시간",),
            "fee": ("이용요금",),
            "operator": ("관리기관명",),
            "updated_at": ("데이터기준일자",),
        },
        required=("name", "campsite_type", "lat", "lon", "sites"),
        coords=LON_LAT,
        key=(),
        key_unique=False,
    ),
    # LOCALDATA 일반야영장업 (03_11_07_P): licences incl. closed ones, EPSG:5174 coordinates.
    SourceSchema(
        id="localdata_campgrounds",
        columns={
            "local_gov_code": ("개방자치단체코드",),
            "management_no": ("관리번호",),
            "status_code": ("영업상태구분코드",),
            "status_text": ("영업상태명",),
            "detail_status_text": ("상세영업상태명",),
            "name": ("사업장명",),
            "road_address": ("도로명전체주소",),
            "lot_address": ("소재지전체주소",),
            "phone": ("소재지전화", "소재지전화번호"),
            "x": ("좌표정보(x)", "좌표정보(X)", "좌표정보x(epsg5174)"),
            "y": ("좌표정보(y)", "좌표정보(Y)", "좌표정보y(epsg5174)"),
            "business_kind": ("문화체육업종명",),
            "other_facilities": ("부대시설내역",),
            "updated_at": ("데이터갱신일자",),
        },
        required=("local_gov_code", "management_no", "status_code", "name", "x", "y"),
        coords=Coords(x="x", y="y", epsg=5174),
        key=("local_gov_code", "management_no"),
    ),
    # KCISA 문화 빅데이터 TB_TRRSR_CMPGR_INFO: English column codes.
    SourceSchema(
        id="kcisa_campsites",
        columns={
            "campsite_id": ("CMPSI_ID",),
            "name": ("CMPSI_NM",),
            "campsite_type": ("CMPSI_SCTIN_NM",),
            "lat": ("CMPSI_LTTD_VAL",),
            "lon": ("CMPSI_LNGTD_VAL",),
            "address": ("CMPSI_ADDR",),
            **{field: (column,) for field, (column, _) in _KCISA_COUNTS.items()},
            "amenities": ("CMPSI_ETC_SBFCL_NM1",),
            "other_facilities": ("CMPSI_ETC_SBFCL_NM2",),
            "updated_at": ("CMPSI_INFO_DATA_STNDD_DTM",),
        },
        required=("campsite_id", "name", "lat", "lon"),
        coords=LON_LAT,
        key=("campsite_id",),
    ),
)

FIELDS: tuple[Field, ...] = (
    Field("campsite_type", "json", Bilingual("야영장 구분", "Campsite types")),
    Field("facilities", "json", Bilingual("편의·부대시설", "Facilities")),
    Field("sites", "int", Bilingual("야영사이트 수", "Pitches")),
    *(Field(f, "int", label) for f, (_, label) in _KCISA_COUNTS.items()),
    Field("business_status", "text", Bilingual("영업상태", "Business status")),
    Field(
        "status_text",
        "text",
        Bilingual("영업상태명", "Business status (as published)"),
        queryable=False,
    ),
    Field("operator", "text", Bilingual("관리기관", "Managed by")),
    Field(
        "usage_time", "text", Bilingual("이용시간", "Check-in / check-out time"), queryable=False
    ),
)

# LOCALDATA 영업상태구분코드 -> (business_status, reject reason or None)
STATUS: dict[str, tuple[str, str | None]] = {
    "01": ("open", None),
    "02": ("suspended", "business suspended (휴업)"),
    "03": ("closed", "closed business (폐업)"),
    "04": ("closed", "licence cancelled (취소/말소/만료/정지/중지)"),
}


def split_list(*values: str | None) -> list[str]:
    """`전기시설+하수도시설`, `화장실, 샤워실` → items, in order, without duplicates."""
    items: list[str] = []
    for value in values:
        for item in re.split(r"[+,]", value or ""):
            item = tidy_text(item, none_for=NO_DATA)
            if item and item not in items:
                items.append(item)
    return items


# -- normalise ---------------------------------------------------------------------------


def _status(row: Mapped) -> tuple[str, str | None, str | None]:
    """(business_status, status_text, reject reason)."""
    code = tidy_text(row.get("status_code"))
    text = tidy_text(row.get("detail_status_text")) or tidy_text(row.get("status_text"))
    if code is None:
        return "unknown", text, None
    status, reject = STATUS.get(code, ("unknown", None))
    return status, text, reject


def normalise(schema_id: str, row: Mapped) -> Normalised:
    if schema_id not in ("national_campsites_std", "localdata_campgrounds", "kcisa_campsites"):
        raise KeyError(f"campsites has no source schema {schema_id!r}")
    name = tidy_text(row.get("name"))
    address = tidy_address(row.get("road_address"), row.get("lot_address")) or tidy_address(
        row.get("address")
    )
    business_status, status_text, reject = _status(row)

    props: dict[str, Any] = {f.name: None for f in FIELDS}
    if schema_id == "localdata_campgrounds":
        kind = tidy_text(row.get("business_kind"))  # 일반야영장업
        props["campsite_type"] = [kind.removesuffix("업")] if kind else []
    else:
        props["campsite_type"] = split_list(row.get("campsite_type"))
    props["facilities"] = split_list(row.get("amenities"), row.get("other_facilities"))
    props["sites"] = parse_int(row.get("sites"))
    if schema_id == "kcisa_campsites":
        for field in _KCISA_COUNTS:
            props[field] = parse_int(row.get(field))
        pitches = sum(props[f] or 0 for f in _SITE_COUNTS)
        props["sites"] = pitches or None
    props["business_status"] = business_status
    props["status_text"] = status_text
    props["operator"] = tidy_text(row.get("operator"))

    # 이용시간 is mostly check-in/check-out ("14:00~익일12:00"): the layer reads it with
    # geo.hours.parse_stay_times (SPEC.read_hours), never as opening hours.
    usage_time = tidy_text(row.get("hours"), none_for=NO_DATA)
    props["usage_time"] = usage_time

    fee, fee_text = parse_fee(row.get("fee"))
    if reject is None and not name:
        reject = "no name"
    return Normalised(
        name=name,
        address=address,
        phone=tidy_phone(row.get("phone")),
        opening_hours_raw=usage_time,
        fee=fee,
        fee_text=fee_text,
        updated_at=iso_date(row.get("updated_at")),
        props=props,
        reject=reject,
        dedupe_key=dedupe_key(name, address, keep_punctuation=True),
    )


SPEC = LayerSpec(
    id="campsites",
    title=Bilingual("야영장·캠핑장", "Campsites"),
    description=Bilingual(
        "전국의 일반·자동차야영장, 글램핑, 카라반 (영업 중인 곳만).",
        "Campsites, car camping, glamping and caravan sites across Korea (open businesses only).",
    ),
    colour="#15803d",
    icon=Icon("campsite", (Shape("polygon", (-1, 0.75, 0, -0.85, 1, 0.75)),)),
    fields=FIELDS,
    schemas=SCHEMAS,
    normalise=normalise,
    order=40,
    noun=Bilingual("야영장", "campsites"),
    generic_name_words=(r"(오토)?캠핑장", r"야영장", r"글램핑"),
    tile_fields=("sites", "business_status"),
    # measured across the three files: same-named rows lie a median 35 m apart, 88% of them
    # within 200 m (campgrounds are large and each source geocodes a different spot)
    dedupe_radius_m=200.0,
    read_hours=parse_stay_times,
)
