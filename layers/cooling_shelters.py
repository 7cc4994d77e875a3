"""Cooling shelters (무더위쉼터): Seoul's heat-wave shelter lists, as a layer spec."""

from __future__ import annotations

import re

from layers.bilingual import Bilingual
from layers.clean import (
    dedupe_key,
    iso_date,
    parse_float,
    parse_int,
    restore_middle_dot,
    tidy_address,
    tidy_text,
)
from layers.spec import LON_LAT, Field, Icon, LayerSpec, Mapped, Normalised, Shape, SourceSchema

# Columns of the national 행정안전부 무더위쉼터 list (not in the real files yet) that carry
# the same fields; listed so a national file's header still maps.
_NATIONAL_AIRCON = (
    "냉방기보유에어컨",
    "에어컨보유대수",
    "냉방기보유대수",
    "냉방기수",
    "냉방기보유현황",
)

SCHEMAS: tuple[SourceSchema, ...] = (
    # 서울시 무더위쉼터, 2025 (UTF-8 BOM) and 2026 (CP949) exports: WGS84 plus EPSG:5186.
    SourceSchema(
        id="seoul_shelters",
        columns={
            "year": ("시설년도", "년도", "연도"),
            "admin_code": ("위치코드",),
            "facility_type": ("시설구분1", "시설유형 중분류"),
            "facility_subtype": ("시설구분2", "시설유형 소분류"),
            "name": ("쉼터명칭", "쉼터명"),
            "road_address": ("도로명주소", "도로명상세주소"),
            "lot_address": ("지번주소", "상세주소"),
            "area_m2": ("시설면적", "면적", "시설면적(㎡)"),
            "capacity": ("이용가능인원",),
            "note": ("비고",),
            "lon": ("경도",),
            "lat": ("위도",),
            "tm_x": ("X좌표(EPSG:5186)",),
            "tm_y": ("Y좌표(EPSG:5186)",),
            "cooling_equipment": _NATIONAL_AIRCON,
        },
        required=("name", "facility_type", "lon", "lat"),
        coords=LON_LAT,
        # 위치코드 is a 행정동 code shared by many shelters; there is no facility id.
        key=(),
        key_unique=False,
    ),
    # The older 2024 export: a facility number, an operating season, unlabelled EPSG:5186.
    SourceSchema(
        id="seoul_shelters_2024",
        columns={
            "facility_id": ("시설번호", "쉼터시설번호"),
            "year": ("년도", "시설년도", "연도"),
            "name": ("쉼터명칭", "쉼터명"),
            "road_address": ("도로명주소",),
            "lot_address": ("지번주소",),
            "capacity": ("이용가능인원",),
            "season_start": ("운영시작일", "운영시작일자"),
            "season_end": ("운영종료일", "운영종료일자"),
            "lon": ("경도",),
            "lat": ("위도",),
            "tm_x": ("X좌표",),
            "tm_y": ("Y좌표",),
            "sigungu_text": ("자치구",),
            "cooling_equipment": _NATIONAL_AIRCON,
        },
        required=("facility_id", "name", "season_start", "lon", "lat"),
        coords=LON_LAT,
        key=("facility_id",),
        # 시설번호 1129000255 is used by two different shelters in the 2024 export; the
        # content hash also keeps ids equal to those of the 2025/2026 files (no key there).
        key_unique=False,
    ),
)

FIELDS: tuple[Field, ...] = (
    Field("facility_type", "text", Bilingual("시설구분", "Facility type")),
    Field("facility_subtype", "text", Bilingual("시설세부구분", "Facility subtype")),
    Field("members_only", "bool", Bilingual("회원 전용(경로당 등)", "Members only")),
    Field("capacity", "int", Bilingual("이용가능인원", "Capacity (people)")),
    Field("area_m2", "float", Bilingual("시설면적(㎡)", "Floor area (m²)")),
    Field("cooling_equipment", "int", Bilingual("냉방기(에어컨) 수", "Air conditioners")),
    Field("season_start", "date", Bilingual("운영시작일", "Season start")),
    Field("season_end", "date", Bilingual("운영종료일", "Season end")),
    Field("year", "int", Bilingual("지정연도", "Designation year")),
    Field("admin_code", "text", Bilingual("행정동코드", "Admin-dong code"), queryable=False),
    Field("note", "text", Bilingual("비고", "Note"), queryable=False),
)

# `시설구분1` of the members-only 경로당 (senior citizens' centres).
MEMBERS_ONLY_TYPE = "특정계층이용시설"

# A clock time or an hour ("09:00", "09~18시", "9시", "24시간") or a closing day ("휴관",
# "주말 및 공휴일 미운영"): the note then says something about opening hours.
_HOURS_HINT = re.compile(r"\d{1,2}:\d{2}|\d\s*시(?!설)|휴관|휴무|미\s*운영|미\s*개방")
# The shelter designation was withdrawn or the facility closed (2025 pre-season checks).
_WITHDRAWN = re.compile(r"(?<!연장쉼터 )지정\s*해제|폐점")
# An address's trailing `(동명)`, left out of the dedupe key.
_DONG_SUFFIX = re.compile(r"\s*\([^)]*\)\s*$")


def _season(
    start_text: str | None, end_text: str | None
) -> tuple[str | None, str | None, str | None]:
    """(season_start, season_end, remark) from YYYYMMDD texts; year 9999 means open-ended."""
    start, end = iso_date(start_text), iso_date(end_text)  # `99990831` → None
    remark = None
    if start and end and end < start:
        remark = f"운영종료일 {end_text} precedes 운영시작일 {start_text}"
        end = None
    return start, end, remark


def normalise(schema_id: str, row: Mapped) -> Normalised:
    if schema_id not in ("seoul_shelters", "seoul_shelters_2024"):
        raise KeyError(f"cooling_shelters has no source schema {schema_id!r}")
    name = restore_middle_dot(tidy_text(row.get("name")))
    address = tidy_address(row.get("road_address"), row.get("lot_address"))
    note = restore_middle_dot(tidy_text(row.get("note")))
    facility_type = restore_middle_dot(tidy_text(row.get("facility_type")))

    season_start = season_end = None
    if schema_id == "seoul_shelters_2024":
        season_start, season_end, remark = _season(row.get("season_start"), row.get("season_end"))
        if remark:
            note = f"{note}; {remark}" if note else remark

    props = {
        "facility_type": facility_type,
        "facility_subtype": restore_middle_dot(tidy_text(row.get("facility_subtype"))),
        "members_only": None if facility_type is None else facility_type == MEMBERS_ONLY_TYPE,
        "capacity": parse_int(row.get("capacity")),
        "area_m2": parse_float(row.get("area_m2")),
        "cooling_equipment": parse_int(row.get("cooling_equipment")),
        "season_start": season_start,
        "season_end": season_end,
        "year": parse_int(row.get("year")),
        "admin_code": tidy_text(row.get("admin_code")),
        "note": note,
    }
    reject = None
    if not name:
        reject = "no name"
    elif note and _WITHDRAWN.search(note):
        reject = "shelter designation withdrawn (지정해제/폐점 in note)"
    return Normalised(
        name=name,
        address=address,
        opening_hours_raw=note if note and _HOURS_HINT.search(note) else None,
        fee="free",
        props=props,
        reject=reject,
        dedupe_key=dedupe_key(name, _DONG_SUFFIX.sub("", address or ""), keep_punctuation=True),
    )


SPEC = LayerSpec(
    id="cooling_shelters",
    title=Bilingual("무더위쉼터", "Cooling shelters"),
    description=Bilingual(
        "폭염 때 누구나(일부는 회원만) 더위를 피할 수 있는 무더위쉼터 (서울시 지정).",
        "Heat-wave cooling shelters designated by Seoul; some (경로당) admit members only.",
    ),
    colour="#0ea5e9",
    icon=Icon(
        "snowflake",
        tuple(
            Shape("line", (-dx, -dy, dx, dy), width=1.0)
            for dx, dy in ((0.0, 1.0), (0.8660254037844387, 0.5), (0.8660254037844387, -0.5))
        ),
    ),
    fields=FIELDS,
    schemas=SCHEMAS,
    normalise=normalise,
    order=30,
    generic_name_words=(r"무더위쉼터", r"쉼터"),
    tile_fields=("facility_type", "capacity"),
    # measured 2026 vs 2025: of 3,490 shelters with a same-named one within 500 m, 3,130 are
    # within 30 m, 3,228 within 50 m and 3,380 within 100 m (re-geocoded buildings)
    dedupe_radius_m=100.0,
)
