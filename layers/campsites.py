"""Campsites (야영장·캠핑장): the national standard data, LOCALDATA licences and KCISA's list."""

from __future__ import annotations

import re
from typing import Any, Literal

from layers.spec import Coords, Field, LayerSpec, Mapped, Normalised, SourceSchema

# The KCISA table's facility counts: canonical field -> (column, label_ko, label_en).
_KCISA_COUNTS: dict[str, tuple[str, str, str]] = {
    "sites_general": ("CMPSI_GNRL_CMPGR_CNT", "일반야영장 사이트 수", "General pitches"),
    "sites_car": ("CMPSI_CAR_CMPGR_CNT", "자동차야영장 사이트 수", "Car pitches"),
    "sites_glamping": ("CMPSI_GLPG_CNT", "글램핑 수", "Glamping units"),
    "sites_caravan": ("CMPSI_CARBN_CNT", "카라반 수", "Caravans"),
    "toilets": ("CMPSI_TLROM_CNT", "화장실 수", "Toilets"),
    "showers": ("CMPSI_SWRM_CNT", "샤워실 수", "Showers"),
    "sinks": ("CMPSI_WSBS_CNT", "개수대 수", "Sinks"),
    "fire_extinguishers": ("CMPSI_EXTNG_CNT", "소화기 수", "Fire extinguishers"),
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
        coords=Coords(x="lon", y="lat", epsg=4326),
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
            **{field: (column,) for field, (column, _, _) in _KCISA_COUNTS.items()},
            "amenities": ("CMPSI_ETC_SBFCL_NM1",),
            "other_facilities": ("CMPSI_ETC_SBFCL_NM2",),
            "updated_at": ("CMPSI_INFO_DATA_STNDD_DTM",),
        },
        required=("campsite_id", "name", "lat", "lon"),
        coords=Coords(x="lon", y="lat", epsg=4326),
        key=("campsite_id",),
    ),
)

FIELDS: tuple[Field, ...] = (
    Field("campsite_type", "json", "야영장 구분", "Campsite types"),
    Field("facilities", "json", "편의·부대시설", "Facilities"),
    Field("sites", "int", "야영사이트 수", "Pitches"),
    *(Field(f, "int", ko, en) for f, (_, ko, en) in _KCISA_COUNTS.items()),
    Field("business_status", "text", "영업상태", "Business status"),
    Field("status_text", "text", "영업상태명", "Business status (as published)", queryable=False),
    Field("operator", "text", "관리기관", "Managed by"),
)

# LOCALDATA 영업상태구분코드 -> (business_status, reject reason or None)
STATUS: dict[str, tuple[str, str | None]] = {
    "01": ("open", None),
    "02": ("suspended", "business suspended (휴업)"),
    "03": ("closed", "closed business (폐업)"),
    "04": ("closed", "licence cancelled (취소/말소/만료/정지/중지)"),
}

FeeKind = Literal["free", "paid", "unknown"]

_SPACES = re.compile(r"\s+")
_NO_DATA = frozenset({"자료없음", "없음", "해당없음", "X", "x", "-", "미정", "NULL", "0"})


def _text(value: str | None) -> str | None:
    if value is None:
        return None
    value = _SPACES.sub(" ", value).strip()
    return value or None


def _int(value: str | None) -> int | None:
    value = _text(value)
    if value is None:
        return None
    try:
        return int(float(value.replace(",", "")))
    except ValueError:
        return None


# -- phone -----------------------------------------------------------------------------

# A phone number: digit groups joined by spaces, dashes or ")" (`02)3425-5864`); a second
# number after `,` `/` `~` `.` or a line break is dropped.
_PHONE = re.compile(r"\d[\d \-)]*\d")


def _format_phone_digits(digits: str) -> str | None:
    """Korean grouping of a bare digit string, or None when it fits no numbering rule."""
    if len(digits) == 12 and digits.startswith("00"):
        # LOCALDATA pads each of three groups to four digits: 0055 0246 0077
        area, exchange, line = digits[:4], digits[4:8], digits[8:]
        area, exchange = "0" + area.lstrip("0"), exchange.lstrip("0")
        return f"{area}-{exchange}-{line}" if len(area) >= 2 and exchange else None
    if digits.startswith("02") and len(digits) in (9, 10):
        rest = digits[2:]
        return f"02-{rest[:-4]}-{rest[-4:]}"
    if digits.startswith("050") and len(digits) == 12:
        return f"{digits[:4]}-{digits[4:8]}-{digits[8:]}"
    if digits.startswith("0") and len(digits) in (10, 11):
        rest = digits[3:]
        return f"{digits[:3]}-{rest[:-4]}-{rest[-4:]}"
    if digits[:2] in ("15", "16", "18") and len(digits) == 8:
        return f"{digits[:4]}-{digits[4:]}"
    if len(digits) in (7, 8) and not digits.startswith("0"):
        return f"{digits[:-4]}-{digits[-4:]}"
    return None


def clean_phone(value: str | None) -> str | None:
    """The first phone number of a cell as digits and dashes; placeholders become None."""
    if value is None:
        return None
    value = value.replace("%29", ")").replace("%28", "(")
    match = _PHONE.search(value)
    if match is None:
        return None
    groups = re.findall(r"\d+", match.group())
    if len(groups) > 1 and len(groups[0]) == 4 and groups[0].startswith("00"):
        groups[0] = "0" + groups[0].lstrip("0")  # LOCALDATA's zero-padded area code `0002`
    digits = "".join(groups)
    # 000-0000-0000, 041-000-0000, 031-833-0000: no subscriber number
    if set(digits) == {"0"} or digits.endswith("0000") or len(digits) < 3:
        return None
    formatted = _format_phone_digits(digits)
    if formatted is None and len(groups) == 1 and len(digits) > 8:
        return None  # a run of digits that fits no numbering rule (`033005603470`)
    return formatted or "-".join(groups)


# -- fee, lists, dates -------------------------------------------------------------------

# An amount of money: `30000`, `40,000`, `1일 40,000원`, `3.5~5만원`, `12만원`.
_AMOUNT = re.compile(r"(\d[\d,]*(?:\.\d+)?)\s*(만\s*원|만|천\s*원|원)?")


def _has_positive_amount(text: str) -> bool:
    for number, unit in _AMOUNT.findall(text):
        value = float(number.replace(",", "") or 0)
        if value > 0 and (unit or value >= 1000):
            return True
    return False


# Words of a fee text that says something about the fee even without an amount; other
# texts without digits (an office's or a person's name) are not kept as fee_text.
_FEE_WORDS = re.compile(r"\d|무료|유료|요금|문의|확인|유동|차등|별도")


def parse_fee(text: str | None) -> tuple[FeeKind, str | None]:
    """(fee, fee_text) from a free-text 이용요금: paid when it names a positive amount."""
    text = _text(text)
    if text is None or text in _NO_DATA:
        return "unknown", None
    if _has_positive_amount(text):
        return "paid", text
    if "무료" in text:
        return "free", text
    return "unknown", text if _FEE_WORDS.search(text) else None


def split_list(*values: str | None) -> list[str]:
    """`전기시설+하수도시설`, `화장실, 샤워실` → items, in order, without duplicates."""
    items: list[str] = []
    for value in values:
        for item in re.split(r"[+,]", value or ""):
            item = _text(item)
            if item and item not in _NO_DATA and item not in items:
                items.append(item)
    return items


def _iso_date(value: str | None) -> str | None:
    """`2022-07-14 02:40:00.0`, `2020-01-28`, `20200128` → `YYYY-MM-DD`."""
    value = _text(value)
    if value is None:
        return None
    match = re.match(r"(\d{4})-?(\d{2})-?(\d{2})", value)
    return f"{match[1]}-{match[2]}-{match[3]}" if match else None


def dedupe_key(name: str | None, address: str | None) -> str:
    def squash(text: str | None) -> str:
        return re.sub(r"\s+", "", text or "").lower()

    return f"{squash(name)}|{squash(address)}"


# -- normalise ---------------------------------------------------------------------------


def _status(row: Mapped) -> tuple[str, str | None, str | None]:
    """(business_status, status_text, reject reason)."""
    code = _text(row.get("status_code"))
    text = _text(row.get("detail_status_text")) or _text(row.get("status_text"))
    if code is None:
        return "unknown", text, None
    status, reject = STATUS.get(code, ("unknown", None))
    return status, text, reject


def normalise(schema_id: str, row: Mapped) -> Normalised:
    if schema_id not in ("national_campsites_std", "localdata_campgrounds", "kcisa_campsites"):
        raise KeyError(f"campsites has no source schema {schema_id!r}")
    name = _text(row.get("name"))
    address = (
        _text(row.get("road_address")) or _text(row.get("lot_address")) or _text(row.get("address"))
    )
    business_status, status_text, reject = _status(row)

    props: dict[str, Any] = {f.name: None for f in FIELDS}
    if schema_id == "localdata_campgrounds":
        kind = _text(row.get("business_kind"))  # 일반야영장업
        props["campsite_type"] = [kind.removesuffix("업")] if kind else []
    else:
        props["campsite_type"] = split_list(row.get("campsite_type"))
    props["facilities"] = split_list(row.get("amenities"), row.get("other_facilities"))
    props["sites"] = _int(row.get("sites"))
    if schema_id == "kcisa_campsites":
        for field in _KCISA_COUNTS:
            props[field] = _int(row.get(field))
        pitches = sum(props[f] or 0 for f in _SITE_COUNTS)
        props["sites"] = pitches or None
    props["business_status"] = business_status
    props["status_text"] = status_text
    props["operator"] = _text(row.get("operator"))

    hours = _text(row.get("hours"))
    fee, fee_text = parse_fee(row.get("fee"))
    if reject is None and not name:
        reject = "no name"
    return Normalised(
        name=name,
        address=address,
        phone=clean_phone(row.get("phone")),
        opening_hours_raw=None if hours is None or hours in _NO_DATA else hours,
        fee=fee,
        fee_text=fee_text,
        updated_at=_iso_date(row.get("updated_at")),
        props=props,
        reject=reject,
        dedupe_key=dedupe_key(name, address),
    )


SPEC = LayerSpec(
    id="campsites",
    title_ko="야영장·캠핑장",
    title_en="Campsites",
    description_ko="전국의 일반·자동차야영장, 글램핑, 카라반 (영업 중인 곳만).",
    description_en="Campsites, car camping, glamping and caravan sites across Korea (open businesses only).",
    colour="#15803d",
    icon="campsite",
    fields=FIELDS,
    schemas=SCHEMAS,
    normalise=normalise,
    # measured across the three files: same-named rows lie a median 35 m apart, 88% of them
    # within 200 m (campgrounds are large and each source geocodes a different spot)
    dedupe_radius_m=200.0,
)
