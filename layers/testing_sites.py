"""COVID-19 screening sites and safe hospitals themselves, with the parking near each.

A companion of testing_site_parking (layers/testing_site_parking.py): it has no source files
of its own. Its records are derived in the same load, from the screening lists that layer
reads — every site placed at its HIRA record or geocoded at address/building precision,
the sites a parking lot's `site_id` names — so it is loaded and rolled back only with that
layer.
"""

from __future__ import annotations

from layers.bilingual import Bilingual
from layers.spec import Field, Icon, LayerSpec, Mapped, Normalised, Shape

# A site's 시도/시군구 as its list publishes them (the parking layer carries them too).
AS_PUBLISHED: tuple[Field, ...] = (
    Field("sido_text", "text", Bilingual("시도(원문)", "Province (as published)"), queryable=False),
    Field(
        "sigungu_text",
        "text",
        Bilingual("시군구(원문)", "District (as published)"),
        queryable=False,
    ),
)

FIELDS: tuple[Field, ...] = (
    Field("kind", "text", Bilingual("종류", "Kind (kdca_screening/mohw_screening/safe_hospital)")),
    Field("weekday_hours", "text", Bilingual("평일 운영시간", "Weekday hours")),
    Field("saturday_hours", "text", Bilingual("토요일 운영시간", "Saturday hours")),
    Field("holiday_hours", "text", Bilingual("일요일·공휴일 운영시간", "Sunday/holiday hours")),
    Field("precision", "text", Bilingual("위치 정확도", "Location precision")),
    Field("facility", "text", Bilingual("심평원 기관명", "HIRA facility matched"), queryable=False),
    Field("lots", "int", Bilingual("반경 내 주차장 수", "Parking lots within the radius")),
    Field(
        "free_lots",
        "int",
        Bilingual("반경 내 무료 주차장 수", "Free parking lots within the radius"),
    ),
    *AS_PUBLISHED,
    Field("also_in", "json", Bilingual("다른 목록", "Also listed in"), queryable=False),
)


def normalise(schema_id: str, row: Mapped) -> Normalised:
    raise KeyError(f"testing_sites has no source schema {schema_id!r} (load testing_site_parking)")


SPEC = LayerSpec(
    id="testing_sites",
    title=Bilingual("선별진료소·국민안심병원", "Testing sites"),
    description=Bilingual(
        "코로나19 선별진료소와 국민안심병원: 운영시간, 전화번호, 위치 정확도, "
        "반경 내 주차장과 무료 주차장 수.",
        "COVID-19 screening sites and safe hospitals: hours, phone, location precision, and "
        "the number of parking lots (and free ones) within the parking radius.",
    ),
    colour="#be123c",
    icon=Icon(
        "hospital",
        (
            Shape("rectangle", (-0.2, -0.75, 0.2, 0.75)),
            Shape("rectangle", (-0.75, -0.2, 0.75, 0.2)),
        ),
    ),
    fields=FIELDS,
    schemas=(),
    normalise=normalise,
    order=55,
    noun=Bilingual("선별진료소", "testing sites"),
    tile_fields=("kind", "lots"),
    # no rows of its own to teach the gazetteer
    gazetteer_source=False,
    # chosen, not shown by default: the parking layer is the default way in
    near_default=False,
    first_view=False,
)
