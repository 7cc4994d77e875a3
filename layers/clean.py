"""Pure text-cell cleaning shared by the layer specs: numbers, dates, yes/no, phones, addresses
and fees as the source files spell them."""

from __future__ import annotations

import math
import re
from collections.abc import Collection
from datetime import date
from typing import Literal
from urllib.parse import unquote

Fee = Literal["free", "paid", "unknown"]

# Cell texts that mean "no data" in free-text columns (fees, hours, notes, facility lists).
NO_DATA: frozenset[str] = frozenset(
    {"자료없음", "없음", "해당없음", "미정", "NULL", "X", "x", "-", "0", "무"}
)


def tidy_text(raw: str | None, *, none_for: Collection[str] = ()) -> str | None:
    """White space collapsed to single spaces; None for a blank cell or one of `none_for`."""
    if raw is None:
        return None
    text = " ".join(raw.split())
    return text if text and text not in none_for else None


# -- numbers ---------------------------------------------------------------------------

_WHOLE = re.compile(r"(\d+)(\.0+)?")


def parse_int(raw: str | None) -> int | None:
    """A whole number: `40,000` → 40000, `12.0` → 12, `00` → 0; None for blanks, fractions
    (`0.25`), negatives and anything else."""
    text = tidy_text(raw)
    if text is None:
        return None
    m = _WHOLE.fullmatch(text.replace(",", ""))
    if m is None:
        return None
    try:
        return int(m.group(1))
    except ValueError:  # more digits than int() reads from text
        return None


def parse_float(raw: str | None) -> float | None:
    """A finite number: `1,234.5` → 1234.5; None for blanks, `nan`, `inf` and anything else."""
    text = tidy_text(raw)
    if text is None:
        return None
    try:
        value = float(text.replace(",", ""))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


# -- yes / no --------------------------------------------------------------------------

_YES = frozenset({"Y", "YES", "O", "유", "있음", "설치"})
_NO = frozenset({"N", "NO", "X", "무", "없음", "미설치"})


def parse_yes_no(raw: str | None) -> bool | None:
    """`Y`/`O`/`유`/`있음`/`설치` → True, `N`/`X`/`무`/`없음`/`미설치` → False, else None."""
    text = (raw or "").strip().upper()
    if text in _YES:
        return True
    if text in _NO:
        return False
    return None


# -- dates -----------------------------------------------------------------------------

# `2024-08-16`, `2020.01.28`, `20200128`, `2022년 02월 16일 07시`, `2022-09-24 00:22:26.0`,
# `1998-01`: a year, a month and maybe a day at the start of the cell.
_DATE = re.compile(
    r"\s*(\d{4})(?:\s*(?:[-./]|년)\s*)?(\d{1,2})(?:(?:\s*(?:[-./]|월)\s*)?(\d{1,2}))?"
)
# Outside these years a date is junk: `1905-06` is a year typed as a number into an Excel
# date cell, `99991231` stands for "no end date".
_MIN_YEAR, _MAX_YEAR = 1910, 2100


def _year_month_day(raw: str | None) -> tuple[int, int, int | None] | None:
    m = _DATE.match(raw or "")
    if m is None:
        return None
    year, month = int(m.group(1)), int(m.group(2))
    if not (_MIN_YEAR <= year <= _MAX_YEAR and 1 <= month <= 12):
        return None
    return year, month, None if m.group(3) is None else int(m.group(3))


def iso_date(raw: str | None) -> str | None:
    """`YYYY-MM-DD` for a calendar date at the start of a cell, `YYYY-MM` when the cell names
    only a year and month; None for anything else (including `2023-02-30`)."""
    ymd = _year_month_day(raw)
    if ymd is None:
        return None
    year, month, day = ymd
    if day is None:
        return f"{year:04d}-{month:02d}"
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def iso_month(raw: str | None) -> str | None:
    """`YYYY-MM` of a year and month at the start of a cell (a day after them is ignored)."""
    ymd = _year_month_day(raw)
    return None if ymd is None else f"{ymd[0]:04d}-{ymd[1]:02d}"


# -- phone numbers ---------------------------------------------------------------------

# Digit groups joined by spaces, dashes, dots or ")" (`02)3425-5864`, `02-.860-2363`); a
# second number after `,` `/` `~` or a line break starts a new run.
_PHONE_RUN = re.compile(r"\d[\d \-).]*\d")


def _numbering_plan(digits: str) -> list[str] | None:
    """Korean grouping of a bare digit string, or None when it fits no numbering rule."""
    if len(digits) == 12 and digits.startswith("00"):
        # LOCALDATA pads each of three groups to four digits: 0055 0246 0077
        area, exchange, line = "0" + digits[:4].lstrip("0"), digits[4:8].lstrip("0"), digits[8:]
        return [area, exchange, line] if len(area) >= 2 and exchange else None
    if digits.startswith("02") and len(digits) in (9, 10):
        return [digits[:2], digits[2:-4], digits[-4:]]
    if digits.startswith("050") and len(digits) == 12:
        return [digits[:4], digits[4:8], digits[8:]]
    if digits.startswith("0") and len(digits) in (10, 11):
        return [digits[:3], digits[3:-4], digits[-4:]]
    if digits[:2] in ("15", "16", "18") and len(digits) == 8:
        return [digits[:4], digits[4:]]
    if len(digits) in (7, 8) and not digits.startswith("0"):
        return [digits[:-4], digits[-4:]]
    return None


def _regrouped(groups: list[str]) -> list[str] | None:
    """The groups of the longest leading run that fits the numbering plan (`02-901-7704.7706`
    → 02-901-7704), else the groups as published; None for a long unreadable digit run."""
    for end in range(len(groups), 0, -1):
        parts = _numbering_plan("".join(groups[:end]))
        if parts is not None:
            return parts
    if len(groups) == 1 and len(groups[0]) > 8:
        return None  # `033005603470`
    return groups


def _split_glued_area_code(groups: list[str]) -> list[str]:
    """The published groups, with an area code split off when it is glued to the next group
    (`022686-3200`, `0226863200`) and a bare `15447788` split in two."""
    if len(groups) == 1:
        digits = groups[0]
        if (digits.startswith("0") and len(digits) <= 11) or (
            len(digits) == 8 and digits.startswith("1")
        ):
            return _numbering_plan(digits) or groups
    elif len(groups) == 2 and groups[0].startswith("0"):
        area = 2 if groups[0].startswith("02") else 3
        if len(groups[0]) > area:
            return [groups[0][:area], groups[0][area:], groups[1]]
    return groups


def tidy_phone(
    raw: str | None,
    *,
    regroup: bool = True,
    min_digits: int = 3,
    drop_0000_lines: bool = True,
) -> str | None:
    """The first phone number of a cell, as digits and dashes; None for placeholders.

    Repairs URL-encoding debris (`02%293425-5864`), `02) 450-9316`, LOCALDATA's zero-padded
    groups (`0002 8603086`), a repeated area code (`02-02-2116-2966`) and drops extensions
    (`044-301-2841~5`) and second numbers. `000-000-0000` and `041-000-0000` are None.

    - `regroup`: group the digits by the numbering plan (`02-2068-757` → `02-206-8757`,
      `22129717` → `2212-9717`); False keeps the published groups and only splits a glued
      area code.
    - `min_digits`: shorter digit runs are not a phone number (`042-120` has 6).
    - `drop_0000_lines`: a number ending in 0000 is a placeholder (`031-833-0000`).
    """
    if raw is None:
        return None
    text = unquote(raw) if "%" in raw else raw
    text = re.sub(r"(^|\))\s*\+", r"\1", text)
    for run in _PHONE_RUN.findall(text):
        groups = re.findall(r"\d+", run)
        if len(groups) > 1 and len(groups[0]) == 4 and groups[0].startswith("00"):
            groups[0] = "0" + groups[0].lstrip("0")  # LOCALDATA's zero-padded area code `0002`
        if len(groups) == 4 and groups[0] == groups[1]:
            groups = groups[1:]
        if len("".join(groups)) < min_digits:
            continue
        parts = _regrouped(groups) if regroup else _split_glued_area_code(groups)
        if parts is None:
            return None
        digits = "".join(parts)
        after_area_code = digits[len(parts[0]) :] if parts[0].startswith("0") else digits
        if set(after_area_code) <= {"0"}:  # 041-000-0000, or a bare `0…` run that fits no rule
            return None
        if drop_0000_lines and digits.endswith("0000"):
            return None
        return "-".join(parts)
    return None


# -- addresses -------------------------------------------------------------------------

_SIDO = r"(서울|부산|대구|인천|광주|대전|울산|세종|경기|강원|충청|충북|충남|전라|전북|전남|경상|경북|경남|제주)"
# a lot address: starts with a 시/도 or has "…동/리/로/길 <number>" (not "대합실 B1", "주유소 내부")
_LOOKS_LIKE_ADDRESS = re.compile(rf"^{_SIDO}|[가-힣\d](동|리|로|길)\s*(산\s*)?\d")
_NO_ADDRESS = NO_DATA | {"생성필요", "미상"}


def _address_text(raw: str | None) -> str | None:
    text = tidy_text(raw)
    if text is None:
        return None
    text = text.replace("서을특별시", "서울특별시")
    if text in _NO_ADDRESS or not re.search(r"[가-힣A-Za-z0-9]", text):
        return None
    return text


def _region_prefix(address: str | None) -> list[str]:
    """The leading 시/도 and 시/군/구 words of an address (`인천광역시 서구 오류동 1` → 2 words)."""
    words = (address or "").split()
    if not words or not re.match(_SIDO, words[0]):
        return []
    prefix = [words[0]]
    for word in words[1:3]:
        if not re.fullmatch(r"[가-힣]+(시|군|구)", word):
            break
        prefix.append(word)
    return prefix


def tidy_address(
    road: str | None, lot: str | None = None, *, as_published: bool = False
) -> str | None:
    """The road address, else the lot address when it reads like one (not `대합실 B1`).

    Placeholders (`-`, `없음`, `생성필요`) are None, and a road address without its 시/도
    (`오류동 1545-4`, `영등포구 당산로 123`) is completed from the same row's lot address.
    `as_published`: the first non-blank cell as it stands, without these repairs.
    """
    if as_published:
        return tidy_text(road) or tidy_text(lot)
    road_text = _address_text(road)
    lot_text = _address_text(lot)
    if lot_text is not None and not _LOOKS_LIKE_ADDRESS.search(lot_text):
        lot_text = None
    if road_text is None:
        return lot_text
    if not re.match(_SIDO, road_text):
        prefix = _region_prefix(lot_text)
        first = road_text.split()[0]
        if first in prefix:
            prefix = prefix[: prefix.index(first)]
        if prefix:
            return " ".join([*prefix, road_text])
    return road_text


# -- names and keys --------------------------------------------------------------------

# The publisher's CP949 export turned the middle dot into "?" (`복지?문화?체육시설`).
_LOST_DOT = re.compile(r"(?<=[0-9A-Za-z가-힣])\?(?=[0-9A-Za-z가-힣])")


def restore_middle_dot(text: str | None) -> str | None:
    """`복지?문화?체육시설` → `복지·문화·체육시설` (only a "?" between two letters)."""
    return None if text is None else _LOST_DOT.sub("·", text)


def dedupe_key(*parts: str | None, keep_punctuation: bool = False) -> str:
    """The parts lower-cased without white space or punctuation, joined by `|`.

    `keep_punctuation` removes only white space: ids of rows without a source key are hashed
    from this key, so a layer keeps the form its ids were first made with.
    """
    junk = r"\s+" if keep_punctuation else r"[\W_]+"
    return "|".join(re.sub(junk, "", part or "").lower() for part in parts)


# -- fees ------------------------------------------------------------------------------


def fee_category(raw: str | None) -> Fee | None:
    """A 요금구분 word: 무료 → free; 유료 and 혼합 (free for some, paid for others) → paid."""
    word = re.sub(r"\s+", "", raw or "")
    if word == "무료":
        return "free"
    if word in ("유료", "혼합"):
        return "paid"
    return None


# An amount of money: `30000`, `40,000`, `1일 40,000원`, `3.5~5만원`, `12만원`.
_AMOUNT = re.compile(r"(\d[\d,]*(?:\.\d+)?)\s*(만\s*원|만|천\s*원|원)?")
# Words of a fee text that says something about the fee even without an amount; other
# texts without digits (an office's or a person's name) are not kept as fee_text.
_FEE_WORDS = re.compile(r"\d|무료|유료|요금|문의|확인|유동|차등|별도")


def _has_positive_amount(text: str) -> bool:
    for number, unit in _AMOUNT.findall(text):
        value = float(number.replace(",", "") or 0)
        if value > 0 and (unit or value >= 1000):
            return True
    return False


def parse_fee(raw: str | None) -> tuple[Fee, str | None]:
    """(fee, fee_text) from a free-text 이용요금: paid when it names a positive amount."""
    text = tidy_text(raw, none_for=NO_DATA)
    if text is None:
        return "unknown", None
    if _has_positive_amount(text):
        return "paid", text
    if "무료" in text:
        return "free", text
    return "unknown", text if _FEE_WORDS.search(text) else None
