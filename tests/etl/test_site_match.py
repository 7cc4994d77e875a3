"""Placing screening sites at HIRA records: the name and region normalisation, the matcher's
decisions (sure name, name + address, ambiguous, weak), and real rows checked by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from etl.hira import HiraError, HiraRecord, address_region, read_hira, region_key
from etl.read import read_table
from etl.site_match import (
    AMBIGUITY_MARGIN,
    NAME_SURE,
    NAME_WITH_ADDRESS,
    SiteMatcher,
    compatible,
    name_keys,
    name_score,
)
from tests.etl.test_geocode import KDCA, MOHW, SAFE, SOURCE_DIR

HIRA = SOURCE_DIR / "medical/hira_hospitals_2026-03"

# -- regions -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "sido", "sigungu", "key"),
    [
        # HIRA's own spellings, read off the record's address
        ("대구광역시 남구 영선길 34, (대명동)", None, None, ("대구광역시", "남구")),
        ("경기도 성남시 분당구 정자일로 159", None, None, ("경기도", "성남시")),
        ("경상북도 포항시 남구 동해안로 6119", None, None, ("경상북도", "포항시")),
        ("세종특별자치시 조치원읍 대첩로 32", None, None, ("세종특별자치시", None)),
        ("대구광역시 군위군 군위읍 군청로 70", None, None, ("대구광역시", "군위군")),
        # the lists' spellings: 경북 군위군 is keyed as 대구's since 2023
        ("경북 군위군 군위읍 군청로 70 군위군보건소", "경북", "군위군", ("대구광역시", "군위군")),
        ("수정구 수정로 76", "경기", "성남시", ("경기도", "성남시")),
        ("남부순환로2637", "서울", "강남구", ("서울특별시", "강남구")),
        ("부산광역시 진구 가야대로 721", "부산", "진구", ("부산광역시", "부산진구")),
        ("서울 강남구 일원로81 삼성서울병원", None, None, ("서울특별시", "강남구")),
    ],
)
def test_both_sides_share_one_region_key(
    address: str, sido: str | None, sigungu: str | None, key: tuple[str, str | None]
) -> None:
    assert address_region(address, sido, sigungu) == key


def test_a_region_needs_a_sido_and_outside_sejong_a_sigungu() -> None:
    assert region_key(None, "강남구") is None
    assert region_key("서울특별시", None) is None
    assert region_key("세종특별자치시", None) == ("세종특별자치시", None)


# -- names -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("(의)경빈의료재단 김해센텀병원", "김해센텀병원"),
        ("의료법인 동해동인병원", "동해동인병원"),
        ("재단법인 베스티안재단 베스티안우송병원", "베스티안우송병원"),
        ("강남구 보건소", "강남구보건소"),
        ("청송군보건의료원", "청송군보건소"),
        ("서귀포시(동부보건소)", "서귀포시동부보건소"),
        ("강동경희대학교병원", "강동경희대병원"),
        ("강남구보건소 선별진료소", "강남구보건소"),
        ("온종합병원", "온병원"),
    ],
)
def test_spellings_of_one_name_score_100(a: str, b: str) -> None:
    region = ("서울특별시", "강남구")
    assert name_score(name_keys(a, region), name_keys(b, region)) == 100


def test_region_prefixes_come_off_only_for_the_rows_region() -> None:
    assert "남구보건소" in name_keys("대구광역시남구보건소", ("대구광역시", "남구"))
    assert "남구보건소" in name_keys("대구남구보건소", ("대구광역시", "남구"))
    assert "남구보건소" not in name_keys("대구광역시남구보건소", ("부산광역시", "남구"))
    # never down to the place word alone
    assert "보건소" not in name_keys("대구광역시남구보건소", ("대구광역시", "남구"))


def test_a_bare_region_name_is_no_key() -> None:
    region = ("제주특별자치도", "서귀포시")
    assert name_keys("서귀포시(동부보건소)", region) == ("서귀포시동부보건소", "동부보건소")


def test_an_old_name_in_brackets_is_a_key() -> None:
    assert "한서병원" in name_keys("BHS병원(구 한서병원)")


def test_a_health_centre_is_not_inside_its_branch() -> None:
    region = ("부산광역시", "기장군")
    centre = name_keys("기장군보건소", region)
    assert name_score(centre, name_keys("기장군보건소일광지소", region)) < NAME_SURE
    # a generic stem is not "inside" another hospital's name either
    jincheon = ("충청북도", "진천군")
    assert name_score(name_keys("진천성모병원", jincheon), name_keys("혁신성모병원", jincheon)) < 90
    # nor a name of no kind of place inside a clinic's
    sejong = ("세종특별자치시", None)
    assert (
        name_score(
            name_keys("세종시청 선별진료소", sejong),
            name_keys("세종시청점오라클피부과의원", sejong),
        )
        < NAME_SURE
    )
    # a name wholly inside the other, with enough of its own, is
    assert (
        name_score(name_keys("삼성창원병원"), name_keys("학교법인성균관대학삼성창원병원"))
        >= NAME_SURE
    )


@pytest.mark.parametrize(
    ("name", "kind", "ok"),
    [
        ("굿모닝병원", "치과의원", False),
        ("자생한방병원", "한방병원", True),
        ("기장군보건소", "보건지소", False),
        ("일동보건지소", "보건지소", True),
        ("강남구보건소", "보건소", True),
        ("드림병원", "종합병원", True),
    ],
)
def test_the_record_kind_must_fit_the_name(name: str, kind: str, ok: bool) -> None:
    assert compatible(name, kind) is ok


# -- decisions ---------------------------------------------------------------------------------


def record(name: str, address: str, lon: float, lat: float, kind: str = "병원") -> HiraRecord:
    region = address_region(address)
    assert region is not None
    return HiraRecord(name, kind, address, region, lon, lat, None, "test.json")


CHANGWON = [
    record("서울아동병원", "경상남도 창원시 마산회원구 내서읍 삼계로 2", 128.49, 35.24),
    record("서울아동병원", "경상남도 창원시 진해구 진해대로776번길 27", 128.70, 35.15),
    record("서울패밀리병원", "경상남도 창원시 성산구 마디미서로 54", 128.68, 35.22),
    record("창원병원", "경상남도 창원시 성산구 창원대로 721", 128.67, 35.23),
    record("창원병원 별관", "경상남도 창원시 성산구 창원대로 723", 128.6701, 35.2301),
]


def test_two_namesakes_far_apart_are_ambiguous() -> None:
    m = SiteMatcher(CHANGWON).match("서울아동병원", "경상남도 창원시 어딘가로 1")
    assert m.outcome == "ambiguous" and m.record is None
    assert m.best and m.runner_up and m.best.record.address != m.runner_up.record.address
    assert "runner-up 서울아동병원" in m.describe()


def test_the_address_tells_namesakes_apart() -> None:
    m = SiteMatcher(CHANGWON).match("서울아동병원", "경남 창원시 진해구 진해대로776번길 27")
    assert m.outcome == "matched" and m.record == CHANGWON[1]


def test_a_renamed_hospital_is_found_at_its_address() -> None:
    m = SiteMatcher(CHANGWON).match("CNA서울아동병원", "경상남도 창원시 성산구 마디미서로 54")
    assert m.outcome == "matched" and m.record == CHANGWON[2]
    assert m.best and m.best.address_agrees and NAME_WITH_ADDRESS <= m.best.name_score < NAME_SURE


def test_close_records_of_one_name_are_one_place() -> None:
    m = SiteMatcher(CHANGWON).match("창원병원", "경남 창원시 의창구 어딘가로 9")
    assert m.outcome == "matched" and m.record == CHANGWON[3]


def test_a_weak_best_is_not_taken_and_is_reported() -> None:
    m = SiteMatcher(CHANGWON).match("창원한마음병원", "경남 창원시 어딘가로 9")
    assert m.outcome == "weak" and m.record is None
    assert m.best is not None and m.best.name_score < NAME_SURE
    assert m.describe().startswith("weak: best HIRA record ")


def test_no_region_no_candidate() -> None:
    matcher = SiteMatcher(CHANGWON)
    assert matcher.match("어느병원", "어딘가 먼 곳").outcome == "no region"
    assert matcher.match("어느병원", "서울 강남구 일원로 81").outcome == "no candidate"


def test_the_margin_is_smaller_than_an_address() -> None:
    # an agreeing address must outweigh a namesake: otherwise the address could not decide
    from etl.site_match import ADDRESS_BONUS

    assert AMBIGUITY_MARGIN < ADDRESS_BONUS


# -- the HIRA folder -----------------------------------------------------------------------------


def test_only_hospitals_with_a_point_are_read(tmp_path: Path) -> None:
    folder = tmp_path / "대구"
    folder.mkdir()
    body = {
        "sido": "대구",
        "sggu": "대구군위군",
        "hospitals": [
            {
                "name": "군위군보건소",
                "cl_nm": "보건소",
                "addr": "대구광역시 군위군 군위읍 군청로 70",
                "x": 128.57,
                "y": 36.24,
            },
            {
                "name": "좌표없는의원",
                "cl_nm": "의원",
                "addr": "대구광역시 군위군 군위읍 어딘가로 1",
                "x": None,
                "y": None,
            },
            {"name": "주소없는의원", "cl_nm": "의원", "addr": "", "x": 128.5, "y": 36.2},
        ],
        "pharmacies": [
            {"name": "군위약국", "addr": "대구광역시 군위군 군위읍 군청로 1", "x": 128.5, "y": 36.2}
        ],
    }
    (folder / "대구군위군.json").write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    records = list(read_hira(tmp_path))
    assert [(r.name, r.region, r.source) for r in records] == [
        ("군위군보건소", ("대구광역시", "군위군"), "대구/대구군위군.json"),
        # no address: the file's 시/도 and 시군구 (`대구군위군` is 대구광역시 군위군)
        ("주소없는의원", ("대구광역시", "군위군"), "대구/대구군위군.json"),
    ]


def test_a_broken_file_names_itself(tmp_path: Path) -> None:
    (tmp_path / "서울").mkdir()
    (tmp_path / "서울" / "강남구.json").write_text("{", encoding="utf-8")
    with pytest.raises(HiraError, match=r"서울/강남구\.json"):
        list(read_hira(tmp_path))
    with pytest.raises(HiraError, match=r"no <시도>/<시군구>\.json"):
        list(read_hira(tmp_path / "nothing"))


# -- real rows, checked by hand ------------------------------------------------------------------


@pytest.fixture(scope="module")
def matcher() -> SiteMatcher:
    if not HIRA.is_dir():
        pytest.skip(f"the HIRA folder is not at {HIRA}")
    return SiteMatcher(read_hira(HIRA))


def real_row(path: str, name_col: str, name: str, address_start: str) -> dict[str, str | None]:
    for _, row in read_table(SOURCE_DIR / path).rows:
        if row.get(name_col) == name and (row.get("주소") or "").startswith(address_start):
            return row
    raise AssertionError(f"{name} ({address_start}…) is not in {path}")


# (file, name column, name, address start) → (HIRA name, HIRA address start), or None when the
# row must not be placed at a HIRA record
HAND_CHECKED = [
    # KDCA 2022: a lot address where HIRA has the road address
    (
        (KDCA, "의료기관명", "강남구보건소", "서울 강남구 삼성동"),
        ("강남구보건소", "서울특별시 강남구 선릉로 668"),
    ),
    (
        (KDCA, "의료기관명", "세브란스병원", "연세로 50-1"),
        ("연세대학교의과대학세브란스병원", "서울특별시 서대문구 연세로 50-1"),
    ),
    (
        (KDCA, "의료기관명", "기장군보건소", "부산 기장군"),
        ("부산광역시기장군보건소", "부산광역시 기장군 기장읍 기장대로 560"),
    ),
    # 경북 군위군 in 2022, 대구 군위군 in HIRA's files
    (
        (KDCA, "의료기관명", "군위군보건소", "경북 군위군"),
        ("군위군보건소", "대구광역시 군위군 군위읍 군청로 70"),
    ),
    # the 보건소, not its 판교보건지소
    (
        (KDCA, "의료기관명", "성남시분당구보건소", "경기 성남시"),
        ("성남시분당구보건소", "경기도 성남시 분당구 정자일로 159"),
    ),
    (
        (KDCA, "의료기관명", "청송군보건의료원", "경북 청송군"),
        ("청송군보건의료원", "경상북도 청송군 청송읍 의료원길 19-19"),
    ),
    # renamed, found at its address
    (
        (KDCA, "의료기관명", "김원묵기념봉생병원", "부산광역시 동구"),
        ("의료법인정화의료재단 봉생기념병원", "부산광역시 동구 중앙대로 401"),
    ),
    (
        (KDCA, "의료기관명", "세종 충남대학교병원", "세종특별자치시"),
        ("세종충남대학교병원", "세종특별자치시 보듬7로 20"),
    ),
    # a temporary site names no HIRA record
    ((KDCA, "의료기관명", "KTX역 선별진료소", "울산"), None),
    # MOHW 2020
    (
        (MOHW, "의료기관명", "강동경희대학교의대병원", "서울특별시 강동구"),
        ("강동경희대학교병원", "서울특별시 강동구 동남로 892"),
    ),
    (
        (MOHW, "의료기관명", "기장군보건소", "기장군"),
        ("부산광역시기장군보건소", "부산광역시 기장군 기장읍 기장대로 560"),
    ),
    ((MOHW, "의료기관명", "일동보건지소", "경기도 포천시"), None),  # not 이동보건지소
    # 국민안심병원 2020
    (
        (SAFE, "기관명", "연세대학교강남세브란스병원", "서울특별시 강남구"),
        ("연세대학교의과대학 강남세브란스병원", "서울특별시 강남구 언주로 211"),
    ),
    (
        (SAFE, "기관명", "엔케이세종병원", "세종특별자치시"),
        ("의료법인 영제 의료재단 엔케이세종병원", "세종특별자치시 한누리대로 161"),
    ),
    (
        (SAFE, "기관명", "더본병원", "서울특별시 동작구"),
        ("낭만병원", "서울특별시 동작구 동작대로 67"),
    ),
    ((SAFE, "기관명", "진천성모병원", "충청북도 진천군"), None),  # not 혁신성모병원 in 덕산읍
]


@pytest.mark.parametrize(
    ("row", "expected"), HAND_CHECKED, ids=[f"{r[0][2]}-{r[0][0][16:20]}" for r in HAND_CHECKED]
)
def test_real_rows_match_the_record_checked_by_hand(
    matcher: SiteMatcher,
    row: tuple[str, str, str, str],
    expected: tuple[str, str] | None,
) -> None:
    path, name_col, name, address_start = row
    r = real_row(path, name_col, name, address_start)
    m = matcher.match(name, r.get("주소"), r.get("시도"), r.get("시군구"))
    if expected is None:
        assert m.record is None, m.describe()
        return
    assert m.record is not None, m.describe()
    assert (m.record.name, m.record.address[: len(expected[1])]) == expected


def test_most_real_rows_match(matcher: SiteMatcher) -> None:
    """The threshold's yield on the three lists (measured: 620 of 636 KDCA rows)."""
    outcomes: dict[str, dict[str, int]] = {}
    for path, name_col in ((KDCA, "의료기관명"), (MOHW, "의료기관명"), (SAFE, "기관명")):
        counts = outcomes.setdefault(path, {})
        for _, r in read_table(SOURCE_DIR / path).rows:
            m = matcher.match(r.get(name_col) or "", r.get("주소"), r.get("시도"), r.get("시군구"))
            counts[m.outcome] = counts.get(m.outcome, 0) + 1
    print(outcomes)
    assert outcomes[KDCA].get("matched", 0) >= 600
    assert outcomes[MOHW].get("matched", 0) >= 570
    assert outcomes[SAFE].get("matched", 0) >= 320
