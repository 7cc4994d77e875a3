"""The free-text phrasings of opening hours in Korean public data files, read into a `Schedule`."""

import re
import unicodedata
from functools import lru_cache
from typing import Any

from geo.hours.schedule import (
    DAY,
    DAY_TYPES,
    FULL_DAY,
    Intervals,
    Schedule,
    _by_day_type,
    _normalise_intervals,
)

_TIME = (
    r"(?:(?:AM|PM|오전|오후)\s*)?\d{1,2}"
    r"(?:\s*:\s*\d{1,2}(?:\s*시)?|\s*시(?:\s*\d{1,2}\s*분)?)?"
)
_NEXT_DAY = r"(?:익일|다음\s*날)"
# A range must not run into more digits ("09:00~1800") or a month or day ("1~2월").
_RANGE = rf"{_TIME}\s*[~\-]\s*(?:{_NEXT_DAY}\s*)?{_TIME}(?:\s*\(\s*{_NEXT_DAY}\s*\))?(?![\d:월일])"

_DAY_WORDS: tuple[tuple[str, frozenset[str]], ...] = (
    (r"월\s*[~\-]\s*금(?:요일)?", frozenset({"weekday"})),
    (r"월\s*[~\-]\s*토(?:요일)?", frozenset({"weekday", "saturday"})),
    (r"월\s*[~\-]\s*일(?:요일)?", frozenset({"weekday", "saturday", "sunday"})),
    (r"토\s*[~\-]\s*일(?:요일)?", frozenset({"saturday", "sunday"})),
    # Any other span of weekdays ("화~토") does not fit the day types.
    (r"[월화수목금토일](?:요일)?\s*[~\-]\s*[월화수목금토일](?:요일)?", frozenset({"reject"})),
    (r"평\s*일|주중", frozenset({"weekday"})),
    (r"주말", frozenset({"saturday", "sunday"})),
    (r"(?:법정|법적|국가|기타|대체)?\s*(?:국\s*)?공휴일|휴일", frozenset({"holiday"})),
    # 국경일 (five national days) are only some of the public holidays.
    (r"국경일", frozenset({"national_days"})),
    (r"토요일|토(?![가-힣])", frozenset({"saturday"})),
    (r"일요일|일(?![가-힣])", frozenset({"sunday"})),
    (r"월요일|월(?![가-힣])", frozenset({"mon"})),
    (r"화요일|화(?![가-힣])", frozenset({"tue"})),
    (r"수요일|수(?![가-힣])", frozenset({"wed"})),
    (r"목요일|목(?![가-힣])", frozenset({"thu"})),
    (r"금요일|금(?![가-힣])", frozenset({"fri"})),
)

_TOKEN = re.compile(
    "|".join(
        [
            rf"(?P<range>{_RANGE})",
            r"(?P<allday>상시|항시|24\s*시간|24\s*시(?![\d~\-])|24\s*h(?:ours?)?(?![a-z]))",
            r"(?P<everyday>(?:연중|년중)(?:\s*무휴)?|무휴|365\s*일|매일)",
            r"(?P<duration>\d{1,2}(?:\.\d)?\s*시간(?:\s*\d{1,2}\s*분)?)",
            r"(?P<closed>미\s*운영|미\s*개방|운영\s*(?:안\s*함|x)|폐쇄|휴장"
            r"|정기\s*휴[관무]일?|휴[관무]일?)",
            r"(?P<cut>점심\s*시간\s*(?:폐문|휴무|휴게|제외)?|휴게\s*시간|소독)",
            r"(?P<only>만(?![가-힣]))",
            r"(?P<noise>(?:운영|개방|이용)\s*시간|운영|개방|정시|평상시|평시|매주|및|까지)",
            *(f"(?P<day{i}>{pattern})" for i, (pattern, _) in enumerate(_DAY_WORDS)),
        ]
    ),
    re.IGNORECASE,
)
_SKIP = re.compile(r"[\s,./+()\[\]<>:;·~\-*※|&'\"_=!]+")
_CLOCK = re.compile(
    r"(?:(?P<ampm>AM|PM|오전|오후)\s*)?(?P<h>\d{1,2})(?:\s*[:시]\s*(?P<m>\d{1,2})?)?",
    re.IGNORECASE,
)
_DURATION = re.compile(r"(\d{1,2}(?:\.\d)?)\s*시간(?:\s*(\d{1,2})\s*분)?")


class _Unparseable(Exception):
    pass


def _normalise_text(text: str) -> str:
    t = unicodedata.normalize("NFKC", text)
    t = re.sub("[∼〜～–—]", "~", t)
    t = t.replace("?", "·")  # CP949 exports lost the middle dot: "주말?공휴일"
    t = re.sub(r"(?<=\d);(?=\d)", ":", t)
    t = re.sub(r"`+", "~", t)
    return re.sub(r"\s+", " ", t).strip()


def _clock_minutes(text: str) -> int:
    m = _CLOCK.fullmatch(text.strip().removesuffix("분").rstrip("시").strip())
    if not m:
        raise _Unparseable(text)
    hour, minute = int(m["h"]), int(m["m"] or 0)
    ampm = (m["ampm"] or "").upper()
    if ampm in ("PM", "오후") and hour < 12:
        hour += 12
    elif ampm in ("AM", "오전") and hour == 12:
        hour = 0
    if minute > 59 or hour > 48:
        raise _Unparseable(text)
    return hour * 60 + minute


def _interval(start: int, end: int, next_day: bool = False) -> tuple[int, int]:
    """Read a start–end pair the way the sources mean it; see `parse_hours`."""
    if start >= DAY:
        raise _Unparseable(f"start {start}")
    if start == 1:
        start = 0
    if (next_day and end < DAY) or end <= start:
        end += DAY
    span = end - start
    if span % DAY in (0, DAY - 1):
        return (0, DAY)
    if span > DAY:
        raise _Unparseable(f"{start}-{end}")
    return (start, end)


def _range(text: str) -> tuple[tuple[int, int], bool]:
    """The interval of "HH:MM~HH:MM", and whether start and end were the same clock time."""
    next_day = re.search(_NEXT_DAY, text) is not None
    text = re.sub(rf"\(?\s*{_NEXT_DAY}\s*\)?", "", text)
    start_text, end_text = re.split(r"\s*[~\-]\s*", text.strip(), maxsplit=1)
    start, end = _clock_minutes(start_text), _clock_minutes(end_text)
    return _interval(start, end, next_day), start % DAY == end % DAY


def _subtract(intervals: Intervals, cuts: list[tuple[int, int]]) -> Intervals:
    pieces = list(intervals)
    for cut_start, cut_end in cuts:
        kept: list[tuple[int, int]] = []
        for start, end in pieces:
            if cut_end <= start or cut_start >= end:
                kept.append((start, end))
                continue
            if start < cut_start:
                kept.append((start, cut_start))
            if cut_end < end:
                kept.append((cut_end, end))
        pieces = kept
    return tuple(pieces)


def _tokens(text: str) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    pos = 0
    while pos < len(text):
        skip = _SKIP.match(text, pos)
        if skip:
            pos = skip.end()
            continue
        m = _TOKEN.match(text, pos)
        if not m or m.lastgroup is None:
            raise _Unparseable(text[pos:])
        kind = m.lastgroup
        if kind == "range":
            out.append(("range", _range(m.group())))
        elif kind == "duration":
            d = _DURATION.fullmatch(m.group().strip())
            assert d is not None
            out.append(("duration", round(float(d[1]) * 60) + int(d[2] or 0)))
        elif kind.startswith("day"):
            days = _DAY_WORDS[int(kind[3:])][1]
            if "reject" in days:
                raise _Unparseable(m.group())
            out.append(("days", days))
        elif kind != "noise":
            out.append((kind, None))
        pos = m.end()
    return out


def _ranges(raw: list[tuple[tuple[int, int], bool]]) -> Intervals:
    # In a list of sessions "00:00~00:00" fills an empty slot ("09:00~13:00,00:00~00:00");
    # only on its own does it mean 24 hours.
    kept = [interval for interval, same in raw if not same] or [raw[0][0]]
    return _normalise_intervals(kept)


def _items(tokens: list[tuple[str, Any]]) -> list[tuple[Any, ...]]:
    """Merge runs: ranges into one body (minus breaks), day words into one set of days."""
    items: list[tuple[Any, ...]] = []
    for kind, value in tokens:
        last = items[-1] if items else None
        if kind == "range":
            if last is not None and last[0] in ("cut", "ranges"):
                last[1].append(value)
            else:
                items.append(("ranges", [value]))
        elif kind == "days" and last is not None and last[0] == "days":
            items[-1] = ("days", last[1] | value)
        elif kind == "cut":
            if last is None or last[0] != "ranges":
                raise _Unparseable("break without hours")
            items.append(("cut", []))
        else:
            items.append((kind, value))
    merged: list[tuple[Any, ...]] = []
    for kind, value in items:
        if kind == "cut":
            if not value:
                raise _Unparseable("break without times")
            cuts = [interval for interval, same in value if not same]
            merged[-1] = ("body", _subtract(merged[-1][1], cuts))
        elif kind == "ranges":
            merged.append(("body", _ranges(value)))
        elif kind == "allday":
            merged.append(("body", FULL_DAY))
        else:
            merged.append((kind, value))
    return merged


def _minutes_open(intervals: Intervals) -> int:
    return sum(end - start for start, end in intervals)


def _parse(text: str) -> Schedule:
    every_day = False
    items: list[tuple[Any, ...]] = []
    for item in _items(_tokens(text)):
        if item[0] == "everyday":
            every_day = True
        else:
            items.append(item)

    clauses: list[tuple[frozenset[str] | None, Intervals | None]] = []  # None body = closed
    only = False
    duration: int | None = None
    i = 0
    while i < len(items):
        kind, value = items[i][0], items[i][1]
        nxt = items[i + 1] if i + 1 < len(items) else None
        if kind == "duration":
            if duration is not None:
                raise _Unparseable("two durations")
            duration = value
            i += 1
            continue
        if kind == "body":
            if duration is not None and _minutes_open(value) != duration:
                raise _Unparseable("duration disagrees with hours")
            duration = None
            clauses.append((None, value))
            i += 1
        elif kind == "days":
            if nxt is not None and nxt[0] == "duration":
                # "평일 8시간(08:40~16:40)": the duration sits between days and hours.
                items[i + 1], items[i] = items[i], items[i + 1]
                continue
            if nxt is not None and nxt[0] in ("body", "closed"):
                if nxt[0] == "body":
                    if duration is not None and _minutes_open(nxt[1]) != duration:
                        raise _Unparseable("duration disagrees with hours")
                    duration = None
                clauses.append((value, nxt[1] if nxt[0] == "body" else None))
                i += 2
            elif clauses and clauses[-1][0] is None and clauses[-1][1] is not None:
                clauses[-1] = (value, clauses[-1][1])  # "09:00~18:00(평일)"
                i += 1
            else:
                raise _Unparseable("days without hours")
            if i < len(items) and items[i][0] == "only":
                only = True
                i += 1
        elif kind == "closed":
            if nxt is not None and nxt[0] == "days":
                clauses.append((nxt[1], None))  # "휴관: 주말, 공휴일"
                i += 2
            elif len(items) == 1:
                clauses.append((frozenset(DAY_TYPES), None))  # "미개방"
                i += 1
            else:
                raise _Unparseable("closed without days")
        else:
            raise _Unparseable(kind)
    if duration is not None:
        raise _Unparseable("duration without hours")
    if every_day and not any(body for _, body in clauses):
        clauses.append((None, FULL_DAY))
    return _schedule(clauses, only)


def _schedule(
    clauses: list[tuple[frozenset[str] | None, Intervals | None]], only: bool
) -> Schedule:
    default: Intervals | None = None
    explicit: dict[str, Intervals] = {}
    closed: set[str] = set()
    for days, body in clauses:
        if days is None:
            if default is not None and default != body:
                raise _Unparseable("two sets of hours for every day")
            default = body
            continue
        for day in days:
            if day == "national_days":
                if "holiday" in days:
                    continue
                raise _Unparseable("national days without public holidays")
            if day in DAY_TYPES:
                value: Intervals = () if body is None else body
                if explicit.get(day, value) != value:
                    raise _Unparseable(f"two sets of hours for {day}")
                explicit[day] = value
            elif body is None:
                closed.add(day)
            else:
                raise _Unparseable(f"hours for a single weekday ({day})")
    if default == FULL_DAY and any(v not in ((), FULL_DAY) for v in explicit.values()):
        # "상시 개방 : 평일 09~18시": 상시 means "regularly" here, not 24 hours on weekends.
        raise _Unparseable("24 hours and shorter hours at once")
    values = {name: explicit.get(name, default) for name in DAY_TYPES}
    if only:
        values = {name: () if v is None else v for name, v in values.items()}
    if all(v is None for v in values.values()) and not closed:
        raise _Unparseable("nothing said")
    return _by_day_type(values, closed)


# Schedules are immutable and the same texts repeat thousands of times in one file.
@lru_cache(maxsize=8192)
def parse_hours(text: str | None) -> Schedule | None:
    """Parse Korean opening-hours text; None when it cannot be read without guessing.

    - "상시", "24시간", "연중무휴", "00:00~24:00", "00:00~00:00": always open.
    - "09:00~18:00", "09~18시", "9시~18시", "9시간(09:00~18:00)": those hours every day.
    - "평일 09~18시": weekdays only; the other day types stay unknown (None), unless the
      text says "…만" ("평일만"), which closes every day type it does not mention.
    - "(평일) 06:00~23:00 (주말) 06:00~23:00", "월~금 …, 토 …, 공휴일 휴관", "월요일 휴관".
    - "미개방", "미운영", "폐쇄": never open.
    - An end at or before the start runs into the next day ("22:00~06:00"), as does "익일";
      an end of 23:59 (or of start − 1 minute) and a start of 00:01 mean the whole day, and
      equal start and end mean 24 hours.
    - "정시", "업무시간", "영업시간 내", "9시간", "1일", single weekdays with their own hours,
      seasons, months and anything else the grammar does not know: None.
    """
    if text is None:
        return None
    normalised = _normalise_text(text)
    if not normalised:
        return None
    try:
        return _parse(normalised)
    except _Unparseable:
        return None
