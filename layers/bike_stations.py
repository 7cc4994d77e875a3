"""Public bike rental stations (공공자전거 대여소): Seoul's 따릉이 list and the national standard data.

따릉이 is a paid scheme, but its station file carries no prices: its stations get fee "paid"
and no fee_text. The national file says 무료/유료/혼합 per station; 혼합 (free for some
riders or for the first hour, paid otherwise) counts as "paid" with the published fee text.
"""

from __future__ import annotations

import re
from itertools import product

from geo.hours import from_day_columns
from layers.bilingual import Bilingual
from layers.clean import (
    dedupe_key,
    fee_category,
    iso_date,
    parse_fee,
    parse_int,
    parse_yes_no,
    tidy_address,
    tidy_phone,
    tidy_text,
)
from layers.spec import LON_LAT, Field, Icon, LayerSpec, Mapped, Normalised, Shape, SourceSchema

SEOUL_DDAREUNGI = "seoul_ddareungi"
NATIONAL_BIKE_STD = "national_bike_std"

# How a header reader may join the cells of a merged multi-row header into one name.
_JOINERS = ("", "_", "/", "-", "|", ".", ":")


def _merged(*levels: tuple[str, ...]) -> tuple[str, ...]:
    """Every spelling of a column whose header cells, top to bottom, are one of each level
    ("" = a blank cell), joined by any of _JOINERS."""
    names: list[str] = []
    for cells in product(*levels):
        parts = [c for c in cells if c]
        for joiner in _JOINERS:
            name = joiner.join(parts)
            if name and name not in names:
                names.append(name)
    return tuple(names)


# The 따릉이 file's header spans four CSV records (a flattened Excel merged-cell header):
#   대여소번호 | 보관소(대여소)명 | 소재지(위치) ………………… | 설치시기 | 설치형태 ……… | 운영방식
#              |                  |                          |          | LCD  | QR     |
#              |                  | 자치구 | 상세주소 | 위도 | 경도 |   |      |        |
#              |                  |                          |          | 거치대수 | 거치대수 |
# A reader may or may not repeat a merged parent (소재지(위치), 설치형태) over its children.
_LOCATION = ("", "소재지(위치)", "소재지")
_INSTALL_FORM = ("", "설치형태")

SCHEMAS: tuple[SourceSchema, ...] = (
    SourceSchema(
        id=SEOUL_DDAREUNGI,
        columns={
            "station_no": ("대여소번호", "대여소 번호", "대여소ID"),
            "name": ("보관소(대여소)명", "대여소명", "보관소명"),
            "district": _merged(_LOCATION, ("자치구",)),
            "address": _merged(_LOCATION, ("상세주소",)),
            "lat": _merged(_LOCATION, ("위도",)),
            "lon": _merged(_LOCATION, ("경도",)),
            "installed": ("설치시기", "설치일자"),
            "racks_lcd": (
                *_merged(_INSTALL_FORM, ("LCD",), ("거치대수", "")),
                *_merged(("거치대수",), ("LCD",)),
                "거치대수(LCD)",
            ),
            "racks_qr": (
                *_merged(_INSTALL_FORM, ("QR",), ("거치대수", "")),
                *_merged(("거치대수",), ("QR",)),
                "거치대수(QR)",
            ),
            "operation_type": ("운영방식",),
        },
        required=("station_no", "name", "lat", "lon"),
        coords=LON_LAT,
        key=("station_no",),
        header_rows=4,
    ),
    SourceSchema(
        # data.go.kr 15017319 전국자전거대여소표준데이터
        id=NATIONAL_BIKE_STD,
        columns={
            "name": ("자전거대여소명",),
            "station_type": ("자전거대여소구분",),
            "road_address": ("소재지도로명주소",),
            "lot_address": ("소재지지번주소",),
            "lat": ("위도",),
            "lon": ("경도",),
            "open_time": ("운영시작시각",),
            "close_time": ("운영종료시각",),
            "closed_days": ("휴무일",),
            "fee_type": ("요금구분",),
            "fee_text": ("자전거이용요금",),
            "bikes": ("자전거보유대수",),
            "racks": ("거치대수",),
            "air_pump": ("공기주입기비치여부",),
            "air_pump_type": ("공기주입기유형",),
            "repair_stand": ("수리대설치여부",),
            "phone": ("관리기관전화번호",),
            "operator": ("관리기관명",),
            "updated_at": ("데이터기준일자",),
            "provider_code": ("제공기관코드",),
            "provider": ("제공기관명",),
        },
        required=("name", "station_type", "fee_type", "lat", "lon"),
        coords=LON_LAT,
        key=(),  # no station id column: ids come from name + address + provider
    ),
)

FIELDS: tuple[Field, ...] = (
    Field("station_no", "text", Bilingual("대여소 번호", "Station number"), queryable=False),
    Field("station_type", "text", Bilingual("대여소 구분", "Station type")),
    Field("operation_type", "text", Bilingual("운영 방식", "Dock type")),
    Field("bikes", "int", Bilingual("자전거 보유대수", "Bikes")),
    Field("racks", "int", Bilingual("거치대 수", "Docks")),
    Field("racks_lcd", "int", Bilingual("LCD 거치대 수", "LCD docks")),
    Field("racks_qr", "int", Bilingual("QR 거치대 수", "QR docks")),
    Field("air_pump", "bool", Bilingual("공기주입기", "Air pump")),
    Field("air_pump_type", "text", Bilingual("공기주입기 유형", "Air pump type"), queryable=False),
    Field("repair_stand", "bool", Bilingual("수리대", "Repair stand")),
    Field("operator", "text", Bilingual("관리기관", "Operator"), queryable=False),
    Field("provider", "text", Bilingual("제공기관", "Data provider"), queryable=False),
    Field("installed", "date", Bilingual("설치시기", "Installed"), queryable=False),
)

_OUT_OF_SERVICE = re.compile(r"운영\s*중단|폐쇄|철거|이용\s*불가")


def _hhmm(raw: str | None) -> str | None:
    m = re.fullmatch(r"\s*(\d{1,2}):?(\d{2})\s*", raw or "")
    if m is None:
        return None
    hour, minute = int(m.group(1)), int(m.group(2))
    if hour > 24 or minute > 59:
        return None
    return f"{hour:02d}:{minute:02d}"


def _seoul_address(address: str | None, district: str | None) -> str | None:
    """A 따릉이 `상세주소`, completed with Seoul and the row's own 자치구 when it lacks them
    (`여의대로 66` → `서울특별시 영등포구 여의대로 66`)."""
    if address is None or address.startswith("서울"):
        return address
    if district is None:
        return address
    if address.startswith(district):
        return f"서울특별시 {address}"
    return f"서울특별시 {district} {address}"


def _normalise_ddareungi(row: Mapped) -> Normalised:
    name = tidy_text(row.get("name"))
    address = _seoul_address(tidy_address(row.get("address")), tidy_text(row.get("district")))
    lcd, qr = parse_int(row.get("racks_lcd")), parse_int(row.get("racks_qr"))
    racks = None if lcd is None and qr is None else (lcd or 0) + (qr or 0)
    station_no = tidy_text(row.get("station_no"))
    props = {
        "station_no": station_no,
        "station_type": None,
        "operation_type": tidy_text(row.get("operation_type")),
        "bikes": None,
        "racks": racks,
        "racks_lcd": lcd,
        "racks_qr": qr,
        "air_pump": None,
        "air_pump_type": None,
        "repair_stand": None,
        "operator": None,
        "provider": None,
        "installed": iso_date(row.get("installed")),
    }
    return Normalised(
        name=name,
        address=address,
        fee="paid",
        props=props,
        dedupe_key=dedupe_key(name, address),
    )


def _normalise_national(row: Mapped) -> Normalised:
    name = tidy_text(row.get("name"))
    address = tidy_address(row.get("road_address"), row.get("lot_address"))
    provider = tidy_text(row.get("provider"))
    start, end = _hhmm(row.get("open_time")), _hhmm(row.get("close_time"))
    closed = tidy_text(row.get("closed_days"))
    hours: str | None = None
    schedule = None
    if start and end:
        hours = f"{start}~{end}"
        day = (start, end)
        schedule = from_day_columns(weekday=day, saturday=day, holiday=day, closed_days=closed)
    elif start or end:
        hours = f"운영시작 {start}" if start else f"운영종료 {end}"
    if hours and closed:
        hours = f"{hours} (휴무일: {closed})"
    fee_text = tidy_text(row.get("fee_text"))
    fee = fee_category(row.get("fee_type")) or parse_fee(fee_text)[0]
    if fee_text in {"0", "무료"}:
        fee_text = None
    out_of_service = _OUT_OF_SERVICE.search(f"{name or ''} {fee_text or ''}")
    props = {
        "station_no": None,
        "station_type": tidy_text(row.get("station_type")),
        "operation_type": None,
        "bikes": parse_int(row.get("bikes")),
        "racks": parse_int(row.get("racks")),
        "racks_lcd": None,
        "racks_qr": None,
        "air_pump": parse_yes_no(row.get("air_pump")),
        "air_pump_type": tidy_text(row.get("air_pump_type")),
        "repair_stand": parse_yes_no(row.get("repair_stand")),
        "operator": tidy_text(row.get("operator")),
        "provider": provider,
        "installed": None,
    }
    return Normalised(
        name=name,
        address=address,
        phone=tidy_phone(row.get("phone")),
        opening_hours_raw=hours,
        fee=fee,
        fee_text=fee_text,
        updated_at=iso_date(row.get("updated_at")),
        props=props,
        schedule=schedule,
        reject=(
            f"out of service ({out_of_service.group(0)})" if out_of_service is not None else None
        ),
        dedupe_key=dedupe_key(name, address, provider),
    )


def normalise(schema_id: str, row: Mapped) -> Normalised:
    if schema_id == SEOUL_DDAREUNGI:
        return _normalise_ddareungi(row)
    if schema_id == NATIONAL_BIKE_STD:
        return _normalise_national(row)
    raise KeyError(f"bike_stations has no source schema {schema_id!r}")


SPEC = LayerSpec(
    id="bike_stations",
    title=Bilingual("공공자전거 대여소", "Public bike stations"),
    description=Bilingual(
        "따릉이, 타슈, 어울링 등 공공자전거 대여소의 위치, 거치대 수, 운영시간과 요금.",
        (
            "Public bike rental stations (Seoul's Ddareungi, Daejeon's Tashu, Sejong's Eoulling "
            "and others): where they are, how many docks, opening hours and fees."
        ),
    ),
    colour="#33a02c",
    icon=Icon(
        "bicycle",
        (
            Shape("ellipse", (-0.94, -0.22, -0.1, 0.62), width=0.9),
            Shape("ellipse", (0.1, -0.22, 0.94, 0.62), width=0.9),
            Shape(
                "line",
                (-0.52, 0.2, -0.1, -0.45, 0.3, -0.45, 0.52, 0.2, 0, 0.2, -0.1, -0.45),
                width=0.9,
            ),
        ),
    ),
    fields=FIELDS,
    schemas=SCHEMAS,
    normalise=normalise,
    order=10,
    generic_name_words=(r"대여소",),
    tile_fields=("racks", "bikes"),
    # the national file has ~100 Seoul rows from 구-run schemes, rarely a 따릉이 station
    dedupe_radius_m=20.0,
)
