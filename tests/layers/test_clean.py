"""layers/clean.py: the text-cell cleaners the layer specs share."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from layers.clean import (
    NO_DATA,
    dedupe_key,
    fee_category,
    iso_date,
    iso_month,
    parse_fee,
    parse_float,
    parse_int,
    parse_yes_no,
    restore_middle_dot,
    tidy_address,
    tidy_phone,
    tidy_text,
)

# Arbitrary cells, plus text built from the characters number cells are made of.
cells = st.one_of(
    st.none(),
    st.text(),
    st.text(alphabet="0123456789,.-+eEinfatyINFATY _\t\n"),
    st.from_regex(r"\s*[-+]?[\d,]{1,400}(\.\d*)?\s*", fullmatch=True),
)


def test_text_collapses_white_space_and_blanks_become_none() -> None:
    assert tidy_text("  서울  특별시\n중구 ") == "서울 특별시 중구"
    assert tidy_text(" \t ") is None
    assert tidy_text(None) is None


def test_text_treats_the_given_placeholders_as_blank() -> None:
    assert tidy_text(" 자료 없음", none_for=NO_DATA) == "자료 없음"  # only whole cells
    assert tidy_text(" 자료없음 ", none_for=NO_DATA) is None
    assert tidy_text("-", none_for=NO_DATA) is None
    assert tidy_text("-") == "-"


# -- numbers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("31 ", 31),
        ("1,200", 1200),
        ("40,000", 40000),
        ("00", 0),
        ("12.0", 12),
        ("0.25", None),  # a fraction is not a count
        ("-1", None),
        ("1e3", None),
        ("200+400", None),
        ("", None),
        (None, None),
        ("9" * 5000, None),  # more digits than int() reads
    ],
)
def test_parse_int(raw: str | None, value: int | None) -> None:
    assert parse_int(raw) == value


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("1,234.5", 1234.5),
        (" 33 ", 33.0),
        ("-2.5", -2.5),
        ("nan", None),
        ("inf", None),
        ("1e400", None),
        ("약 30", None),
        (None, None),
    ],
)
def test_parse_float(raw: str | None, value: float | None) -> None:
    assert parse_float(raw) == value


@given(cells)
def test_number_parsers_never_raise_and_give_none_or_a_finite_number(raw: str | None) -> None:
    whole = parse_int(raw)
    assert whole is None or (type(whole) is int and whole >= 0)
    number = parse_float(raw)
    assert number is None or (type(number) is float and math.isfinite(number))


# -- yes / no, dates -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        *[("Y", True), (" y ", True), ("O", True), ("있음", True), ("설치", True)],
        *[("N", False), ("X", False), ("무", False), ("미설치", False)],
        *[("", None), (None, None), ("모름", None)],
    ],
)
def test_parse_yes_no(raw: str | None, value: bool | None) -> None:
    assert parse_yes_no(raw) is value


@pytest.mark.parametrize(
    ("raw", "iso"),
    [
        ("2024-08-16", "2024-08-16"),
        (" 2020.1.5", "2020-01-05"),
        ("20200128", "2020-01-28"),
        ("2022-09-24 00:22:26.0", "2022-09-24"),
        ("2022년 02월 16일 07시", "2022-02-16"),
        ("1998-01", "1998-01"),  # a month is kept as published
        ("2023-02-30", None),
        ("2023-13-01", None),
        ("99990831", None),  # "no end date"
        ("1905-06", None),  # a year typed as a number into an Excel date cell
        ("2014-.6", None),
        ("자료없음", None),
        (None, None),
    ],
)
def test_iso_date(raw: str | None, iso: str | None) -> None:
    assert iso_date(raw) == iso


def test_iso_month_drops_the_day() -> None:
    assert iso_month("1998-01") == "1998-01"
    assert iso_month("2020-10-15") == "2020-10"
    assert iso_month("0000-12") is None


@given(st.one_of(st.none(), st.text(), st.text(alphabet="0123456789-./년월일 ")))
def test_dates_never_raise_and_are_iso(raw: str | None) -> None:
    value = iso_date(raw)
    assert value is None or re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", value)
    month = iso_month(raw)
    assert month is None or re.fullmatch(r"\d{4}-\d{2}", month)


# -- phone numbers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "phone"),
    [
        ("02) 450-9316", "02-450-9316"),
        ("02%293425-5864", "02-3425-5864"),
        ("02%29+2290-6249", "02-2290-6249"),
        ("02-.860-2363", "02-860-2363"),
        ("02-02-2116-2966", "02-2116-2966"),  # a repeated area code
        ("022686-3200", "02-2686-3200"),
        ("02-2068-757", "02-206-8757"),
        ("22129717", "2212-9717"),
        ("15447788", "1544-7788"),
        ("1588-4100", "1588-4100"),
        ("0315842400", "031-584-2400"),
        ("031 834 8383", "031-834-8383"),
        ("02  69598455", "02-6959-8455"),
        ("070 40665975", "070-4066-5975"),
        ("005502460077", "055-246-0077"),  # LOCALDATA pads three groups to four digits
        ("0002 8603086", "02-860-3086"),
        # the first number only
        ("044-301-2841~5", "044-301-2841"),
        ("02-901-7704.7706", "02-901-7704"),
        ("02-901-7706\n02-901-7704", "02-901-7706"),
        ("031-510-0114, 031-510-0119", "031-510-0114"),
        ("(주간)033-570-7545\n(야간)033-570-7431", "033-570-7545"),
        ("합동 : 02-2267-2640,화창:02-2278-1883", "02-2267-2640"),
        ("042-120", "042-120"),
        # placeholders
        ("041-000-0000", None),
        ("000-000-0000", None),
        ("00000000", None),
        ("031-833-0000", None),
        ("033005603470", None),  # fits no numbering rule
        ("자료없음", None),
        (None, None),
    ],
)
def test_tidy_phone(raw: str | None, phone: str | None) -> None:
    assert tidy_phone(raw) == phone


def test_tidy_phone_as_published() -> None:
    def published(raw: str) -> str | None:
        return tidy_phone(raw, regroup=False, min_digits=7, drop_0000_lines=False)

    assert published("02-2068-757") == "02-2068-757"
    assert published("22129717") == "22129717"
    assert published("022686-3200") == "02-2686-3200"  # a glued area code is still split
    assert published("15447788") == "1544-7788"
    assert published("02-6370-0000") == "02-6370-0000"
    assert published("041-000-0000") is None
    assert published("100") is None
    assert tidy_phone("100") == "100"


@given(st.one_of(st.none(), st.text(), st.text(alphabet="0123456789-)(. %~,\n")))
def test_tidy_phone_never_raises_and_gives_digits_and_dashes(raw: str | None) -> None:
    for phone in (tidy_phone(raw), tidy_phone(raw, regroup=False, min_digits=7)):
        assert phone is None or re.fullmatch(r"\d+(-\d+)*", phone)


# -- addresses, names, keys ------------------------------------------------------------


def test_tidy_address() -> None:
    assert tidy_address("서울특별시  중구 세종대로 110", "서울특별시 중구 태평로1가 31") == (
        "서울특별시 중구 세종대로 110"
    )
    assert tidy_address(None, "대합실 B1") is None
    assert tidy_address("-", "신당동 251-7") == "신당동 251-7"
    assert tidy_address("없음", "서울특별시 성북구 성북동 168-274") == (
        "서울특별시 성북구 성북동 168-274"
    )
    assert tidy_address("서을특별시 중구 세종대로 110") == "서울특별시 중구 세종대로 110"
    # a road address without its 시/도 takes them from the row's lot address
    assert tidy_address("오류동 1545-4", "인천광역시 서구 오류동 1545-4") == (
        "인천광역시 서구 오류동 1545-4"
    )
    assert tidy_address("서구 원창로 10", "인천광역시 서구 가정동 510") == (
        "인천광역시 서구 원창로 10"
    )
    assert tidy_address("원창로 10", "정서진중앙시장 고객센터") == "원창로 10"


def test_tidy_address_as_published_picks_the_first_non_blank_cell() -> None:
    assert tidy_address("-", "신당동 251-7", as_published=True) == "-"
    assert tidy_address(" ", "산업은행  주변", as_published=True) == "산업은행 주변"


def test_restore_middle_dot() -> None:
    assert restore_middle_dot("복지?문화?체육시설") == "복지·문화·체육시설"
    assert restore_middle_dot("정자?파고라 등") == "정자·파고라 등"
    assert restore_middle_dot("?상시 개방") == "?상시 개방"  # a lost bullet, not a dot
    assert restore_middle_dot(None) is None


def test_dedupe_key() -> None:
    assert dedupe_key("보라매역 2번출구", "서울 동작구 19-3") == "보라매역2번출구|서울동작구193"
    assert dedupe_key("A_b", None, "C") == "ab||c"
    assert (
        dedupe_key("보라매역 2번출구", "서울 동작구 19-3", keep_punctuation=True)
        == "보라매역2번출구|서울동작구19-3"
    )


# -- fees ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "fee"),
    [("무료", "free"), (" 유 료", "paid"), ("혼합", "paid"), ("요금", None), (None, None)],
)
def test_fee_category(raw: str | None, fee: str | None) -> None:
    assert fee_category(raw) == fee


@pytest.mark.parametrize(
    ("raw", "fee", "text"),
    [
        ("30000", "paid", "30000"),
        ("40,000", "paid", "40,000"),
        ("1일 40,000원", "paid", "1일 40,000원"),
        ("3.5~5만원", "paid", "3.5~5만원"),
        ("Site:10,000원,(입장료별도),주차무료", "paid", "Site:10,000원,(입장료별도),주차무료"),
        ("이용료 무료", "free", "이용료 무료"),
        ("별도문의", "unknown", "별도문의"),
        ("홍길동", "unknown", None),  # a name typed into the column
        ("0", "unknown", None),
        ("미정", "unknown", None),
        (None, "unknown", None),
    ],
)
def test_parse_fee(raw: str | None, fee: str, text: str | None) -> None:
    assert parse_fee(raw) == (fee, text)
