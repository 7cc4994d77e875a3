"""The data-quality audit (layers/audit.py) on a small embedded store whose every problem is
known, and its renderings."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
import shapely

from layers.audit import AuditError, audit, outside_stated_sigungu, phone_malformed, stale
from layers.audit_report import markdown, render
from layers.basemap import BaseMap
from layers.record import FeatureRecord, Region, Reject
from layers.store.embedded import EmbeddedStore

TODAY = date(2026, 12, 5)


def _region(code: str, sido: str, sigungu: str, box: tuple[float, float, float, float]) -> Region:
    return Region(code, sido, sigungu, shapely.MultiPolygon([shapely.box(*box)]).wkb)


REGIONS = [
    _region("11140", "서울특별시", "중구", (126.95, 37.54, 127.02, 37.57)),
    _region("11110", "서울특별시", "종로구", (126.95, 37.57, 127.02, 37.62)),
    _region("26110", "부산광역시", "중구", (129.0, 35.08, 129.05, 35.12)),
]


def _f(i: int, sigungu: str = "중구", sido: str = "서울특별시", **kw: object) -> FeatureRecord:
    fields: dict = {
        "layer": "public_toilets",
        "id": f"public_toilets:t:{i}",
        "name": f"toilet {i}",
        "lon": 126.98 if sido == "서울특별시" else 129.02,
        "lat": (37.55 if sigungu == "중구" else 37.6) if sido == "서울특별시" else 35.1,
        "address": f"{sido} {sigungu} 세종대로 {i}",
        "sido": sido,
        "sigungu": sigungu,
        "phone": "02-120-1234",
        "opening_hours_raw": "09:00~18:00",
        "fee": "free",
        "updated_at": "2026-01-01",
    }
    fields.update(kw)
    return FeatureRecord(**fields)  # type: ignore[arg-type]


@pytest.fixture
def store(tmp_path: Path) -> EmbeddedStore:
    s = EmbeddedStore(tmp_path)
    s.replace_regions(REGIONS, data_version="r1")
    features = [
        _f(0),  # clean
        _f(1, opening_hours_raw=None),  # hours blank
        _f(2, opening_hours_raw="업무시간"),  # hours unparsed
        _f(
            3, opening_hours_raw="업무시간", phone=None
        ),  # unparsed + phone missing: one problem feature
        _f(4, phone="2212-9717"),  # malformed
        _f(5, updated_at="2023-05"),  # stale
        _f(6, fee="unknown", props={"geocode_precision": "dong"}),  # fee unknown + coarse
        _f(7, address="서울특별시 종로구 율곡로 1"),  # placed in 중구, address says 종로구
        _f(8, sigungu="종로구"),  # clean, in 종로구
        _f(9, sido="부산광역시", opening_hours_raw="정시"),  # Busan 중구: unparsed
    ]
    s.replace_layer("public_toilets", features, data_version="t1")
    s.store_rejects(
        "public_toilets",
        "t1",
        [
            Reject("public_toilets", "a.csv", 3, "duplicate", lon=126.99, lat=37.55),
            Reject("public_toilets", "a.csv", 4, "duplicate", lon=129.01, lat=35.1),
            Reject("public_toilets", "a.csv", 5, "no coordinates"),
        ],
    )
    return s


def test_counts_every_check_and_scores_by_the_share_of_features_with_a_problem(
    store: EmbeddedStore,
) -> None:
    doc = audit(store, today=TODAY).doc
    assert doc["stale_before"] == "2024-12-05"
    (layer,) = doc["layers"]
    assert layer["features"] == 10
    assert layer["checks"] == {
        "hours_blank": 1,
        "hours_unparsed": 3,
        "hours_parsed": 6,
        "fee_unknown": 1,
        "phone_missing": 1,
        "phone_malformed": 1,
        "stale_reference_date": 1,
        "coarse_location": 1,
        "outside_stated_sigungu": 1,
    }
    # 1, 2, 3, 4, 5, 6 and 9 have a problem; 7 is only suspect (not a scored problem)
    assert layer["problems"] == 7 and layer["score"] == 0.7
    assert layer["unparsed_hours"] == [
        {"text": "업무시간", "count": 2, "states_clock_time": False},
        {"text": "정시", "count": 1, "states_clock_time": False},
    ]
    assert layer["rejected"] == 3 and layer["rejected_by_reason"] == {
        "duplicate": 2,
        "no coordinates": 1,
    }
    assert layer["duplicates_merged"] == 2 and layer["missing_coordinates"] == 1
    assert layer["geocode_precision"] == {"source": 9, "dong": 1}
    # worst first: Busan 중구 (1 of 1), Seoul 중구 (6 of 8), 종로구 (0 of 1)
    ranked = [(a["sido"], a["sigungu"], a["problems"], a["features"]) for a in doc["sigungu"]]
    assert ranked == [
        ("부산광역시", "중구", 1, 1),
        ("서울특별시", "중구", 6, 8),
        ("서울특별시", "종로구", 0, 1),
    ]
    # rejected rows with coordinates are placed in their 시군구
    assert [a["rejected"] for a in doc["sigungu"]] == [1, 1, 0]


def test_unparsed_hours_naming_no_time_are_told_apart(tmp_path: Path) -> None:
    s = EmbeddedStore(tmp_path)
    s.replace_regions(REGIONS, data_version="r1")
    features = [
        _f(0, opening_hours_raw="정시"),  # no time of day: ask the source
        _f(1, opening_hours_raw="정시"),
        _f(2, opening_hours_raw="9시간"),
        _f(3, opening_hours_raw="0~25시"),  # names times the parser cannot read
        _f(4, sigungu="종로구", opening_hours_raw="업무시간"),
        _f(5, sigungu="종로구", opening_hours_raw="05:00~대관마감시간까지"),
        _f(6, sigungu="종로구"),  # parsed
        _f(7, sigungu="종로구", opening_hours_raw=None),  # blank
    ]
    s.replace_layer("public_toilets", features, data_version="t1")
    report = audit(s, today=TODAY)
    (layer,) = report.doc["layers"]
    assert layer["checks"]["hours_unparsed"] == 6 and layer["hours_no_clock_time"] == 4
    assert layer["unparsed_hours"] == [
        {"text": "정시", "count": 2, "states_clock_time": False},
        {"text": "9시간", "count": 1, "states_clock_time": False},
        {"text": "0~25시", "count": 1, "states_clock_time": True},
        {"text": "업무시간", "count": 1, "states_clock_time": False},
        {"text": "05:00~대관마감시간까지", "count": 1, "states_clock_time": True},
    ]
    areas = {a["sigungu"]: a["hours_no_clock_time"] for a in layer["sigungu"]}
    assert areas == {"중구": 3, "종로구": 1}
    assert {a["sigungu"]: a["hours_no_clock_time"] for a in report.doc["sigungu"]} == areas
    # the score counts every unparsed text, whatever it names
    assert layer["problems"] == 7
    # the worklists: one for the source, one for the parser
    md = markdown(report.doc)
    source, parser = md.index("ask the source for times"), md.index("parser cannot read yet")
    assert source < md.index("| 정시 | 2 |") < md.index("| 업무시간 | 1 |") < parser
    assert parser < md.index("| 0~25시 | 1 |") and parser < md.index("| 05:00~대관마감시간까지 |")
    assert "| … of which name no time of day (시간 미기재: 출처에서 보완) | 4 |" in md
    assert "| 1 | 서울특별시 | 중구 | 4 | 4 | 100.0 % | 0 | 3 |" in md
    page = render(report, "html", None)
    assert page.index("ask the source for times") < page.index("parser cannot read yet")


def test_ties_in_share_are_broken_by_the_count(tmp_path: Path) -> None:
    s = EmbeddedStore(tmp_path)
    s.replace_regions(REGIONS, data_version="r1")
    few = [_f(i, sigungu="종로구", fee="unknown") for i in range(2)]
    many = [_f(i, fee="unknown") for i in range(10, 15)]
    s.replace_layer("public_toilets", few + many, data_version="t1")
    doc = audit(s, today=TODAY).doc
    assert [(a["sigungu"], a["score"], a["problems"]) for a in doc["sigungu"]] == [
        ("중구", 1.0, 5),
        ("종로구", 1.0, 2),
    ]


def test_filters_by_layer_and_sido(store: EmbeddedStore) -> None:
    doc = audit(store, sido="부산", today=TODAY).doc
    (layer,) = doc["layers"]
    assert layer["features"] == 1 and layer["rejected"] == 1  # only rejects placed in Busan
    assert doc["filters"] == {"layer": "", "sido": "부산"}
    assert audit(store, layer="campsites", today=TODAY).doc["layers"] == []  # not loaded
    with pytest.raises(AuditError):
        audit(store, sido="평양")


def test_phone_stale_and_stated_region_rules() -> None:
    assert not phone_malformed("02-120-1234") and not phone_malformed("1588-1234")
    assert not phone_malformed("031-123-4567") and not phone_malformed("010-1234-5678")
    assert phone_malformed("2212-9717") and phone_malformed("02-123-456")
    cutoff = date(2024, 12, 5)  # a year or a month alone counts by its end
    assert stale("2024-11", cutoff) and not stale("2024-12", cutoff)
    assert stale("2023", cutoff) and not stale("2024", cutoff) and not stale(None, cutoff)
    assert stale("2024-12-04", cutoff) and not stale("2024-12-05", cutoff)
    inside = _f(1, sido="경기도", sigungu="수원시장안구", address="경기도 수원시 장안구 정자동 1")
    assert not outside_stated_sigungu(inside)
    assert not outside_stated_sigungu(
        _f(1, sido="경기도", sigungu="수원시장안구", address="경기 수원시 정자동")
    )
    assert outside_stated_sigungu(
        _f(1, sido="경기도", sigungu="화성시", address="충남 천안시 동남구 1")
    )
    assert not outside_stated_sigungu(_f(1, address="세종대로 1"))  # no region named
    renamed = _f(1, sido="경기도", sigungu="여주시", address="경기도 여주군 대신면 여양로 1")
    assert not outside_stated_sigungu(renamed)
    assert outside_stated_sigungu(_f(1, sigungu="중구", address="서울특별시 종로구 1"))


def test_renderings(store: EmbeddedStore) -> None:
    report = audit(store, today=TODAY)
    md = markdown(report.doc)
    assert "| 1 | 부산광역시 | 중구 | 1 | 1 | 100.0 % | 1 |" in md
    assert "| 업무시간 | 2 |" in md
    assert json.loads(render(report, "json")) == report.doc
    page = render(report, "html", BaseMap(store.regions()))
    # self-contained: no URL but the inline map
    assert not re.search(r"""(src|href)=['"](?!data:)""", page)
    assert "http" not in page.replace("data:image/png;base64,", "")
    assert page.count("data:image/png;base64,") == 1
    with pytest.raises(ValueError):
        render(report, "pdf")
