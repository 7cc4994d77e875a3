"""City parks (도시공원): the national standard list of urban parks, as a layer spec.

Parks are areas, but the file gives one point per park (its 위도/경도): they stay points.
"""

from __future__ import annotations

from layers.bilingual import Bilingual
from layers.clean import (
    NO_DATA,
    dedupe_key,
    iso_date,
    parse_float,
    tidy_address,
    tidy_phone,
    tidy_text,
)
from layers.spec import LON_LAT, Field, Icon, LayerSpec, Mapped, Normalised, Shape, SourceSchema

# The park's facility columns, as in 전국도시공원정보표준데이터 (PROVENANCE §P): field -> column.
FACILITIES: dict[str, str] = {
    "sports_facilities": "공원보유시설(운동시설)",
    "play_facilities": "공원보유시설(유희시설)",
    "convenience_facilities": "공원보유시설(편익시설)",
    "culture_facilities": "공원보유시설(교양시설)",
    "other_facilities": "공원보유시설(기타시설)",
}

SCHEMAS: tuple[SourceSchema, ...] = (
    # 전국도시공원정보표준데이터 (data.go.kr 15012890), CP949, WGS84 위도/경도.
    SourceSchema(
        id="national_city_parks_std",
        columns={
            "park_id": ("관리번호",),
            "name": ("공원명",),
            "park_type": ("공원구분",),
            "road_address": ("소재지도로명주소",),
            "lot_address": ("소재지지번주소",),
            "lat": ("위도",),
            "lon": ("경도",),
            "area_m2": ("공원면적", "공원면적(㎡)"),
            **{field: (column,) for field, column in FACILITIES.items()},
            "designated_on": ("지정고시일",),
            "operator": ("관리기관명",),
            "phone": ("전화번호",),
            "updated_at": ("데이터기준일자",),
            "provider_code": ("제공기관코드",),
            "provider": ("제공기관명",),
        },
        required=("park_id", "name", "park_type", "area_m2", "lat", "lon"),
        coords=LON_LAT,
        # 관리번호 repeats even within one provider (149 groups, 416 extra rows in 2022-04):
        # exact duplicates are rejected, other repeats get a content suffix (etl/load.py).
        key=("park_id", "provider_code"),
    ),
)

FIELDS: tuple[Field, ...] = (
    Field("park_type", "text", Bilingual("공원구분", "Park type")),
    Field("area_m2", "float", Bilingual("공원면적(㎡)", "Area (m²)")),
    Field("sports_facilities", "text", Bilingual("운동시설", "Sports facilities"), queryable=False),
    Field("play_facilities", "text", Bilingual("유희시설", "Play facilities"), queryable=False),
    Field("convenience_facilities", "text", Bilingual("편익시설", "Amenities"), queryable=False),
    Field(
        "culture_facilities", "text", Bilingual("교양시설", "Cultural facilities"), queryable=False
    ),
    Field("other_facilities", "text", Bilingual("기타시설", "Other facilities"), queryable=False),
    Field("designated_on", "date", Bilingual("지정고시일", "Designated on")),
    Field("operator", "text", Bilingual("관리기관", "Managed by")),
    Field("provider", "text", Bilingual("제공기관", "Provided by")),
    Field("park_id", "text", Bilingual("관리번호", "Park number"), queryable=False),
)


def normalise(schema_id: str, row: Mapped) -> Normalised:
    if schema_id != "national_city_parks_std":
        raise KeyError(f"parks has no source schema {schema_id!r}")
    name = tidy_text(row.get("name"))
    address = tidy_address(row.get("road_address"), row.get("lot_address"))
    props = {
        "park_type": tidy_text(row.get("park_type")),
        "area_m2": parse_float(row.get("area_m2")),
        **{field: tidy_text(row.get(field), none_for=NO_DATA) for field in FACILITIES},
        "designated_on": iso_date(row.get("designated_on")),
        "operator": tidy_text(row.get("operator")),
        "provider": tidy_text(row.get("provider")),
        "park_id": tidy_text(row.get("park_id")),
    }
    return Normalised(
        name=name,
        address=address,
        phone=tidy_phone(row.get("phone")),
        fee="free",  # city parks are open to all without charge (도시공원법)
        updated_at=iso_date(row.get("updated_at")),
        props=props,
        reject=None if name else "no name",
        dedupe_key=dedupe_key(name, address, keep_punctuation=True),
    )


SPEC = LayerSpec(
    id="parks",
    title=Bilingual("도시공원", "City parks"),
    description=Bilingual(
        "전국의 도시공원 (어린이공원, 근린공원, 소공원 등): 공원구분, 면적, 시설, 관리기관.",
        (
            "Urban parks across Korea (children's, neighbourhood, pocket parks and more): park "
            "type, area, facilities and managing body. One point per park."
        ),
    ),
    colour="#0d9488",
    icon=Icon(
        "tree",
        (
            Shape("ellipse", (-0.7, -0.95, 0.7, 0.4)),
            Shape("rectangle", (-0.15, 0.2, 0.15, 0.95)),
        ),
    ),
    fields=FIELDS,
    schemas=SCHEMAS,
    normalise=normalise,
    order=60,
    noun=Bilingual("도시공원", "city parks"),
    # none: a park kind (어린이공원, 근린공원) tells two parks of one name apart, and
    # stripping it from every layer's names (toilets are often named after their park)
    # merged 20 more toilets as duplicates (measured)
    generic_name_words=(),
    tile_fields=("park_type", "area_m2"),
    # measured: the parks' addresses would place 144 more toilets (and move 33) and change
    # 10 testing-site joins; off, so that adding parks leaves the other layers as they were
    gazetteer_source=False,
    # about 17,900 points, mostly small neighbourhood parks: chosen, not shown by default
    near_default=False,
    first_view=False,
    # one source file; the radius only matters if another parks file is added
    dedupe_radius_m=100.0,
)
