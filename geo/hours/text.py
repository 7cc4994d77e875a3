"""The free-text phrasings of opening hours in Korean public data files, read into a `Schedule`."""

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import replace
from functools import lru_cache
from typing import Any

from geo.hours.schedule import (
    DAY,
    DAY_TYPES,
    FULL_DAY,
    WEEKDAY_NAMES,
    Condition,
    Intervals,
    MonthDay,
    Schedule,
    Season,
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

_WEEKDAY_CHARS = "월화수목금토일"
# The weekday names of a span "화~일" (Saturday and Sunday as their day types).
_SPAN = r"[월화수목금토일](?:요일)?\s*[~\-]\s*[월화수목금토일](?:요일)?(?![가-힣])"

_DAY_WORDS: tuple[tuple[str, frozenset[str]], ...] = (
    (r"월\s*[~\-]\s*금(?:요일)?", frozenset({"weekday"})),
    (r"월\s*[~\-]\s*토(?:요일)?", frozenset({"weekday", "saturday"})),
    (r"월\s*[~\-]\s*일(?:요일)?", frozenset({"weekday", "saturday", "sunday"})),
    (r"토\s*[~\-]\s*일(?:요일)?", frozenset({"saturday", "sunday"})),
    (r"평\s*일|주중", frozenset({"weekday"})),
    (r"주\s*말", frozenset({"saturday", "sunday"})),
    (r"(?:법정|법적|국가|기타|대체)?\s*(?:임시\s*)?(?:국\s*)?공휴일|휴일", frozenset({"holiday"})),
    # 국경일 (five national days) are only some of the public holidays.
    (r"국경일", frozenset({"national_days"})),
    (r"신정", frozenset({"new_year"})),
    (
        r"(?:설\s*[,·]?\s*추석|설\s*[,·]?\s*추석\s*명절|명절)(?:\s*연휴)?",
        frozenset({"seollal", "chuseok"}),
    ),
    (r"(?:설날?|구정)\s*당일", frozenset({"seollal_day"})),
    (r"추석\s*당일", frozenset({"chuseok_day"})),
    (r"(?:설날?|구정)(?:\s*연휴)?", frozenset({"seollal"})),
    (r"추석(?:\s*연휴)?", frozenset({"chuseok"})),
    (r"토\s*[,·]?\s*일요일", frozenset({"saturday", "sunday"})),
    (r"노동절|근로자의\s*날", frozenset({"05-01"})),
    (r"토요일|토(?![가-힣])", frozenset({"saturday"})),
    (r"일요일|일(?![가-힣])", frozenset({"sunday"})),
    (r"월요일|월(?![가-힣])", frozenset({"mon"})),
    (r"화요일|화(?![가-힣])", frozenset({"tue"})),
    (r"수요일|수(?![가-힣])", frozenset({"wed"})),
    (r"목요일|목(?![가-힣])", frozenset({"thu"})),
    (r"금요일|금(?![가-힣])", frozenset({"fri"})),
)
_NTH_WORDS = {"첫": 1, "둘": 2, "셋": 3, "넷": 4, "다섯": 5}

# Named seasons have no agreed dates: (the months every reading shares, the widest reading).
_SUMMER = (((6, 1), (8, 31)), ((3, 1), (11, 30)))
_WINTER = (((12, 1), (2, 29)), ((9, 1), (5, 31)))
_NAMED_SEASONS = {"하절기": _SUMMER, "여름철": _SUMMER, "동절기": _WINTER, "겨울철": _WINTER}
_DATE = re.compile(r"\d\d-\d\d")
_MONTH_END = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)

_TOKEN = re.compile(
    "|".join(
        [
            r"(?P<dspan>\d{1,2}\s*[./]\s*\d{1,2}\s*\.?\s*~\s*\d{1,2}\s*[./]\s*\d{1,2}\.?)",
            r"(?P<date>(?:\d{1,2}\s*월\s*\d{1,2}\s*일|\d{1,2}\s*/\s*\d{1,2})"
            r"(?:\s*\(\s*[월화수목금토일]\s*\))?)",
            r"(?P<months>(?:\d{1,2}\s*월\s*[~\-]\s*\d{1,2}|\d{1,2}\s*[~\-]\s*\d{1,2}"
            r"|\d{1,2}(?:\s*[,·]\s*\d{1,2})*)\s*월(?:\s*(?:까지|부터|에는|은|중))?)",
            r"(?P<named>하절기|여름철|동절기|겨울철)",
            r"(?P<nth>격주|(?:매월\s*)?(?:(?:첫|둘|셋|넷|다섯)\s*(?:번\s*)?째|마지막)(?:\s*주)?"
            r"|(?:매월\s*)?\d(?:\s*[,.·]\s*\d)*\s*(?:(?:번\s*)?째\s*(?:주(?:차)?)?|주(?:차)?))",
            rf"(?P<range>{_RANGE})",
            r"(?P<allday>상시|항시|24\s*시간|24\s*시(?![\d~\-])|24\s*h(?:ours?)?(?![a-z])"
            r"|종일\s*개방)",
            r"(?P<everyday>(?:연중|년중)(?:\s*무휴)?|무휴|365\s*일|매일"
            r"|(?:평일\s*[,.·]?\s*주말\s*)?구분\s*없이)",
            r"(?P<duration>\d{1,2}(?:\.\d)?\s*시간(?:\s*\d{1,2}\s*분)?)",
            # "휴관일: 8/15" labels the closed days that follow
            r"(?P<label>(?:정기\s*)?휴[관무]일\s*:)",
            r"(?P<closed>미\s*운영|미\s*개방|비\s*개방|운영\s*(?:안\s*함|x)|개방\s*(?:안\s*함|하지\s*않음)"
            r"|사용\s*불가|폐쇄|휴장|제외|정기\s*휴[관무]일?|휴[관무]일?)",
            r"(?P<cut>점심\s*시간\s*(?:폐문|휴무|휴게|제외)?|휴게\s*시간|소독)",
            r"(?P<only>만(?![가-힣]))",
            r"(?P<etc>등(?![가-힣]))",
            r"(?P<noise>(?:운영|개방|이용)\s*시간|운영|개방|정시|매주|매월|정기|및|까지"
            r"|연장\s*(?:및\s*)?추가\s*운영(?:\s*시간)?|(?:연장|추가|확대)\s*(?:쉼터\s*)?운영|한시적으로|동일|도서관|기본"
            r"|폭염\s*(?:대책\s*)?기간|(?:지하\s*)?[Bb]?\d\s*층\s*만|개방\s*구분|장서\s*점검|임시"
            r"|(?<=[일말])(?:은|는|에는)(?![가-힣]))",
            rf"(?P<span>{_SPAN})",
            *(f"(?P<day{i}>{pattern})" for i, (pattern, _) in enumerate(_DAY_WORDS)),
        ]
    ),
    re.IGNORECASE,
)
# ㅇ (NFKC: ᄋ) bullets the items of a list ("ㅇ 4월 ~ 10월 09:00~18:30 ㅇ …")
_SKIP = re.compile(r"[\s,./+()\[\]<>:;·~\-*※|&'\"_=!ㅇᄋ]+")
_CLOCK = re.compile(
    r"(?:(?P<ampm>AM|PM|오전|오후)\s*)?(?P<h>\d{1,2})(?:\s*[:시]\s*(?P<m>\d{1,2})?)?",
    re.IGNORECASE,
)
_DURATION = re.compile(r"(\d{1,2}(?:\.\d)?)\s*시간(?:\s*(\d{1,2})\s*분)?")

# Hours that apply only under a heat-wave warning ("폭염특보 시", "<폭염주의보, 폭염경보 발효
# 시>", "(폭염경보)"), and the words that return to the usual hours ("평시", "<평시>").
_WARNING = r"(?:(?:폭염|열대야|무더위)\s*)?(?:중대\s*)?(?:특보|경보|주의보)"
_CONDITION = re.compile(
    rf"[<(\[]?\s*{_WARNING}(?:\s*[,·]\s*{_WARNING})*\s*(?:발효|발령|기간)?\s*"
    r"(?:시(?:에는|에만)?|때|중)?\s*[>)\]]?\s*:?"
)
_USUAL = re.compile(r"[<(]\s*(?:평\s*시|평상시)\s*[>)]\s*:?|(?:평\s*시|평상시)(?![가-힣])\s*:?")


class _Unparseable(Exception):
    pass


def _normalise_text(text: str) -> str:
    t = unicodedata.normalize("NFKC", text)
    t = re.sub("[∼〜～–—]", "~", t)
    t = t.replace("?", "·")  # CP949 exports lost the middle dot: "주말?공휴일"
    t = re.sub(r"(?<=\d);(?=\d)", ":", t)
    t = re.sub(r"`+", "~", t)
    t = re.sub(r"(?<=\d):[:.](?=\d)", ":", t)  # "18::00", "09:.00"
    t = re.sub(r"(?<=\d):(?=\s*~)", "", t)  # "09:~18:00"
    t = re.sub(r"javascript:void\(0\);?", "", t)
    t = re.sub(r"\(?\s*(?:참고|사유)\s*:[^)]*\)?", " ", t)  # "24시간 (참고:경광등 설치)"
    # "상시 개방 : 평일 09~18시" is "regularly open: …", not 24 hours.
    t = re.sub(r"상시\s*개방\s*:\s*(?=[^/]*\d)", "", t)
    # "1층 로비 / …", "관리사무소 / …": a place, not hours
    t = re.sub(
        r"^(?:[^/:~\d]*\d*\s*[층동][^/:~]*|[^/:~\d]*(?:관리\s*사무소|관리실)[^/:~\d]*)/", "", t
    )
    t = re.sub(r"시설\s*운영\s*시간\s*내\s*(?:쉼터\s*)?(?:탄력적\s*)?운영", "", t)
    t = re.sub(r"^[가-힣]+\s*관람\s*시간\s*,?", "", t)  # "창경궁 관람시간, 월요일 휴관 …"
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


def _span(text: str) -> frozenset[str]:
    """The days of "화~일": weekday names, with Saturday and Sunday as their day types."""
    first, last = (_WEEKDAY_CHARS.index(c) for c in re.findall(f"[{_WEEKDAY_CHARS}]", text)[:2])
    names = {WEEKDAY_NAMES[(first + k) % 7] for k in range((last - first) % 7 + 1)}
    return _day_types(names)


def _day_types(names: set[str]) -> frozenset[str]:
    out = {"saturday" if n == "sat" else "sunday" if n == "sun" else n for n in names}
    if set(WEEKDAY_NAMES[:5]) <= out:
        out = (out - set(WEEKDAY_NAMES[:5])) | {"weekday"}
    return frozenset(out)


def _nth(text: str) -> frozenset[str]:
    """Which weeks of the month: "2,4주", "둘째", "1, 3번째" → {"2", "4"}; 격주 → unknown."""
    if "격주" in text:
        return frozenset({"unknown"})
    if "마지막" in text:
        return frozenset({"last"})
    words = [str(n) for w, n in _NTH_WORDS.items() if re.search(rf"{w}\s*(?:번\s*)?째", text)]
    return frozenset(re.findall(r"\d", text) + words)


def _date(text: str) -> str:
    month, day = (int(n) for n in re.findall(r"\d+", text)[:2])
    if not (1 <= month <= 12 and 1 <= day <= _MONTH_END[month - 1]):
        raise _Unparseable(text)
    return {(1, 1): "new_year", (12, 25): "christmas"}.get((month, day), f"{month:02d}-{day:02d}")


_SeasonSpec = tuple[
    tuple[tuple[MonthDay, MonthDay], ...], str | None, tuple[MonthDay, MonthDay] | None
]


def _season(kind: str, text: str) -> _SeasonSpec:
    """(spans of (month, day) start and end, name, widest reading) of a season token."""
    if kind == "named":
        core, around = _NAMED_SEASONS[text]
        return (core,), text, around
    numbers = [int(n) for n in re.findall(r"\d+", text)]
    if kind == "dspan":
        start, end = (numbers[0], numbers[1]), (numbers[2], numbers[3])
        for month, day in (start, end):
            if not (1 <= month <= 12 and 1 <= day <= _MONTH_END[month - 1]):
                raise _Unparseable(text)
        return ((start, end),), None, None
    if any(not 1 <= n <= 12 for n in numbers):
        raise _Unparseable(text)
    if re.search(r"\d\s*월?\s*[~\-]", text):
        months = [numbers[0], numbers[1]]
        return (((months[0], 1), (months[1], _MONTH_END[months[1] - 1])),), None, None
    return tuple(((n, 1), (n, _MONTH_END[n - 1])) for n in numbers), None, None


def _on_weeks(days: frozenset[str], weeks: frozenset[str]) -> frozenset[str]:
    """ "2,4주" with "일요일" → {"sun#2", "sun#4"}; 격주 → {"unknown"}."""
    if weeks == {"unknown"}:
        return weeks
    names = {"saturday": "sat", "sunday": "sun"}
    out: set[str] = set()
    for day in days:
        name = names.get(day, day)
        if name not in WEEKDAY_NAMES or not weeks:
            raise _Unparseable(f"weeks of {day}")
        out.update(f"{name}#{week}" for week in weeks)
    return frozenset(out)


def _tokens(text: str) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    pos = 0
    while pos < len(text):
        skip = _SKIP.match(text, pos)
        if skip:
            if re.search(r"[()]", skip.group()):
                out.append(("bracket", None))
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
            out.append(("days", _DAY_WORDS[int(kind[3:])][1]))
        elif kind == "span":
            out.append(("days", _span(m.group())))
            out.append(("bracket", None))  # "09-18시(화-일, 월 휴무)": a span stands alone
        elif kind == "nth":
            out.append(("nth", _nth(m.group())))
        elif kind == "date":
            out.append(("days", frozenset({_date(m.group())})))
        elif kind in ("months", "named", "dspan"):
            out.append(("season", _season(kind, m.group())))
        elif kind == "label":
            out.append(("closed", "label"))
        elif kind != "noise":
            out.append((kind, None))
        pos = m.end()
    return out


def _ranges(raw: list[tuple[tuple[int, int], bool]]) -> Intervals:
    # In a list of sessions "00:00~00:00" fills an empty slot ("09:00~13:00,00:00~00:00");
    # only on its own does it mean 24 hours.
    kept = [interval for interval, same in raw if not same] or [raw[0][0]]
    return _normalise_intervals(kept)


def _items(tokens: list[tuple[str, Any]], group_days: bool) -> list[tuple[Any, ...]]:
    """Merge runs: ranges into one body (minus breaks), day words into one set of days
    (across brackets only with `group_days`), weeks of the month into their days, seasons
    into one season."""
    items: list[tuple[Any, ...]] = []
    bracket = False
    for kind, value in tokens:
        if kind == "bracket":
            bracket = not group_days
            continue
        last = items[-1] if items else None
        if bracket and kind == "days" and last is not None and last[0] == "days":
            last = None
        bracket = False
        if kind == "range":
            if last is not None and last[0] in ("cut", "ranges"):
                last[1].append(value)
            else:
                items.append(("ranges", [value]))
        elif kind == "days" and last is not None and last[0] == "nth":
            items[-1] = ("days", _on_weeks(value, last[1]))
            if len(items) > 1 and items[-2][0] == "days":
                items[-2:] = [("days", items[-2][1] | items[-1][1])]
        elif kind == "nth" and last is not None and last[0] == "nth":
            items[-1] = ("nth", last[1] | value)
        elif kind == "nth" and last is not None and last[0] == "days" and value == {"unknown"}:
            items[-1] = ("days", _on_weeks(last[1], value))  # "일요일 격주휴무"
        elif kind == "etc":
            if last is None or last[0] != "days":
                raise _Unparseable("등 without days")
            items[-1] = ("days", last[1] | {"unknown"})  # "공휴일 등": other days too
        elif kind == "days" and last is not None and last[0] == "days":
            items[-1] = ("days", last[1] | value)
        elif kind == "season" and last is not None and last[0] == "season":
            if last[1][1] or value[1]:
                raise _Unparseable("a named season next to another season")
            items[-1] = ("season", (last[1][0] + value[0], None, None))  # "11월, 3월"
        elif kind == "cut":
            if last is None or last[0] != "ranges":
                raise _Unparseable("break without hours")
            items.append(("cut", []))
        else:
            items.append((kind, value))
    merged: list[tuple[Any, ...]] = []
    for kind, value in items:
        if kind == "nth":
            raise _Unparseable("weeks of the month without a day")
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


Clause = tuple[frozenset[str] | None, Intervals | None]  # (days or every day, hours or closed)
_EVERY_DAY_TYPE = frozenset(DAY_TYPES)


def _read(text: str) -> Schedule:
    """One stretch of text without conditions: the usual hours, perhaps with seasons.

    Brackets and the place of day words are ambiguous: "09:00~18:00(평일),토일요일미개방"
    keeps the bracketed days apart, "휴일(주말,공휴일)" joins them; "09-22시(평일),
    09-18시(주말)" names days after their hours. The readings are tried in that order.
    """
    tokens = _tokens(text)
    for days_after in (False, True):
        for group_days in (False, True):
            try:
                return _read_items(_items(tokens, group_days), days_after)
            except _Unparseable:
                pass
    raise _Unparseable(text)


def _read_items(all_items: list[tuple[Any, ...]], days_after: bool) -> Schedule:
    every_day = False
    items: list[tuple[Any, ...]] = []
    for item in all_items:
        if item[0] == "everyday":
            every_day = True
        else:
            items.append(item)
    kinds = [kind for kind, *_ in items]
    # "7~8월 : 09시~20시" names the season first; "07:00~22:00(3-10월)" after its hours.
    season_first = "season" in kinds and (
        "body" not in kinds or kinds.index("season") < kinds.index("body")
    )
    base: list[Clause] = []
    seasons: list[tuple[_SeasonSpec, list[Clause]]] = []
    clauses = base
    mark = 0  # with seasons named after their hours, base[mark:] awaits its season
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
        if kind == "season":
            after = items[i + 2] if i + 2 < len(items) else None
            if (
                nxt is not None
                and nxt[0] == "closed"
                # "…(11-2월) 휴관일: 매주 월요일" and "…(11-2월) 휴관일: 8/15" close those
                # days across the year, not the season, but "7/6~7/8 휴관, 7/17" goes on
                # listing dates
                and (
                    after is None
                    or after[0] != "days"
                    or (nxt[1] != "label" and all(_DATE.fullmatch(d) for d in after[1]))
                )
            ):
                seasons.append((value, [(_EVERY_DAY_TYPE, None)]))  # "동절기 제외", "겨울철미개방"
                i += 2
            elif season_first:
                clauses = []
                seasons.append((value, clauses))
                i += 1
            else:
                if len(base) == mark:
                    raise _Unparseable("season without hours")
                seasons.append((value, base[mark:]))
                del base[mark:]
                mark = len(base)
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
            if (
                days_after
                and (nxt is None or nxt[0] != "closed")
                and clauses
                and clauses[-1][0] is None
                and clauses[-1][1]
            ):
                clauses[-1] = (value, clauses[-1][1])  # "09-22시(평일), 09-18시(주말)"
                i += 1
            elif nxt is not None and nxt[0] in ("body", "closed"):
                if nxt[0] == "body":
                    if duration is not None and _minutes_open(nxt[1]) != duration:
                        raise _Unparseable("duration disagrees with hours")
                    duration = None
                clauses.append((value, nxt[1] if nxt[0] == "body" else None))
                i += 2
            elif clauses and clauses[-1][0] is None and clauses[-1][1] is not None:
                clauses[-1] = (value, clauses[-1][1])  # "09:00~18:00(평일)"
                i += 1
            elif clauses and clauses[-1][1] is None:
                clauses.append((value, None))  # "휴관일: 매주 화요일, 7/6~7/8 휴관, 7/17"
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
            elif len(items) == 1 or (clauses is not base and not clauses):
                clauses.append((_EVERY_DAY_TYPE, None))  # "미개방", "7~8월 휴관"
                i += 1
            else:
                raise _Unparseable("closed without days")
        else:
            raise _Unparseable(kind)
    if duration is not None:
        raise _Unparseable("duration without hours")
    if every_day and not any(body for _, body in base):
        base.append((None, FULL_DAY))
    values, closed = _day_values(base, only)
    out: list[Season] = []
    for (spans, name, around), season_clauses in seasons:
        if not season_clauses:
            raise _Unparseable("season without hours")
        # Day types closed outside the season stay closed within it unless the season
        # gives them hours of their own ("…(11-2월), 공휴일 휴관").
        season_values, season_closed = _day_values(season_clauses, only, values)
        season_hours = _by_day_type(season_values, season_closed | closed)
        out.extend(Season(start, end, season_hours, name, around) for start, end in spans)
    if all(v is None for v in values.values()) and not closed and not out:
        raise _Unparseable("nothing said")
    return _by_day_type(values, closed, out)


def _day_values(
    clauses: list[Clause],
    only: bool,
    outside: Mapping[str, Intervals | None] | None = None,
) -> tuple[dict[str, Intervals | None], set[str]]:
    """Hours per day type and the closed dates the clauses say.

    With `outside` (the hours stated outside a season, for the season's clauses), a day type
    closed there is closed here too unless these clauses name that day type themselves.
    """
    default: Intervals | None = None
    explicit: dict[str, Intervals] = {}
    closed: set[str] = set()
    weekdays: dict[str, Intervals] = {}  # hours of single weekdays ("화~금 09:00~18:00")
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
            elif day in WEEKDAY_NAMES:
                if weekdays.get(day, body) != body:
                    raise _Unparseable(f"two sets of hours for {day}")
                weekdays[day] = body
            else:
                raise _Unparseable(f"hours for {day}")
    if default == FULL_DAY and any(v not in ((), FULL_DAY) for v in explicit.values()):
        # "상시 개방 : 평일 09~18시": 상시 means "regularly" here, not 24 hours on weekends.
        raise _Unparseable("24 hours and shorter hours at once")
    values = {name: explicit.get(name, default) for name in DAY_TYPES}
    for name, hours in (outside or {}).items():
        if hours == () and name not in explicit:
            values[name] = ()
    if weekdays:
        # One set of hours for the weekday type only when every open weekday shares it;
        # a weekday the text does not mention keeps it unknown.
        rest = [d for d in WEEKDAY_NAMES[:5] if d not in weekdays and d not in closed]
        shared = set(weekdays.values())
        if rest:
            shared.add(values["weekday"])  # type: ignore[arg-type]
        values["weekday"] = shared.pop() if len(shared) == 1 else None
    if only:
        values = {name: () if v is None else v for name, v in values.items()}
    for day_type, name in (("saturday", "sat"), ("sunday", "sun")):
        if values[day_type] == () and values["holiday"]:
            closed.add(name)  # "24시간, 일요일 휴관": a Sunday that is a holiday stays closed
    return values, closed


_HOURS_WORDS = re.compile(
    r"\d\s*[:시~]|요일|평\s*일|주\s*말|휴일|휴[관무]|운영|개방|[월화수목금토일](?![가-힣])"
)
_MARKERS = re.compile(f"(?P<condition>{_CONDITION.pattern})|(?P<usual>{_USUAL.pattern})")


def _parse(text: str) -> Schedule:
    """The usual hours (with seasons) and the hours under each condition the text names."""
    usual: list[str] = []
    conditions: list[list[str]] = []
    current = usual
    pos = 0
    for m in _MARKERS.finditer(text):
        current.append(text[pos : m.start()])
        pos = m.end()
        if m.lastgroup == "condition":
            when = re.sub(r"\s+", " ", re.sub(r"[<>()\[\]:]", " ", m.group())).strip()
            current = [when]
            conditions.append(current)
        else:
            current = usual
    current.append(text[pos:])
    usual_text = " , ".join(usual)
    schedule = _by_day_type(dict.fromkeys(DAY_TYPES))
    if _SKIP.sub("", usual_text) or not conditions:
        schedule = _read(usual_text)
    recorded = []
    for when, *parts in conditions:
        try:
            hours: Schedule | None = _read(" , ".join(parts))
        except _Unparseable:
            hours = None
        recorded.append(Condition(when, hours))
    if schedule.is_empty and all(c.hours is None for c in recorded):
        raise _Unparseable("conditions without hours")  # "폭염특보 시 연장운영"
    if not recorded:
        return schedule
    # Closed days written after a condition's hours ("… 폭염특보 시 24시간 운영, 매주 월요일
    # 휴관") close the place under the usual hours too.
    closed = {d for c in recorded if c.hours is not None for d in c.hours.closed_dates}
    if closed - set(schedule.closed_dates):
        schedule = replace(
            schedule,
            closed_dates=tuple(set(schedule.closed_dates) | closed),
            always_open=False,
        )
    return replace(schedule, conditions=tuple(recorded))


# Schedules are immutable and the same texts repeat thousands of times in one file.
@lru_cache(maxsize=8192)
def parse_hours(text: str | None) -> Schedule | None:
    """Parse Korean opening-hours text; None when it cannot be read without guessing.

    - "상시", "24시간", "종일개방", "연중무휴", "00:00~24:00", "00:00~00:00": always open.
    - "09:00~18:00", "09~18시", "9시~18시", "9시간(09:00~18:00)": those hours every day.
    - "평일 09~18시": weekdays only; the other day types stay unknown (None), unless the
      text says "…만" ("평일만"), which closes every day type it does not mention.
    - "(평일) 06:00~23:00 (주말) 06:00~23:00", "월~금 …, 토 …, 공휴일 휴관", "월요일 휴관".
    - Closed days without hours ("매주 월요일 및 공휴일 휴관", "토,일,공휴일 제외"): those
      days closed, the others unknown. "매월 2,4주 일요일" closes the 2nd and 4th Sundays,
      "8/15" that date every year, "격주" an unknown day (`closed_dates` "unknown").
    - Weekday spans ("화~일 09:00~18:00"): the weekday type gets the hours only when every
      weekday is open with them or closed ("월 휴관"); otherwise it stays unknown.
    - Seasons: months ("3월~10월 …", "07:00~22:00(3-10월)"), dates ("6.30 ~ 10.15") and
      named seasons ("하절기", "동절기 제외", "겨울철미개방"), as `Schedule.seasons`.
      Closures stated outside the seasons ("…(11-2월), 공휴일 휴관", "…(11-2월) 휴관일:
      8/15") apply in every season that gives that day type no hours of its own.
    - Hours under a heat-wave warning ("폭염특보 시 …", "<폭염경보 발효 시>"): recorded as
      `Schedule.conditions`; the usual hours (before them, or after "평시") apply.
    - "미개방", "미운영", "폐쇄": never open.
    - An end at or before the start runs into the next day ("22:00~06:00"), as does "익일";
      an end of 23:59 (or of start − 1 minute) and a start of 00:01 mean the whole day, and
      equal start and end mean 24 hours.
    - "정시", "업무시간", "영업시간 내", "9시간", "1일", weekdays with differing hours of
      their own, and anything else the grammar does not know: None.
    """
    if text is None:
        return None
    normalised = _normalise_text(text)
    if not normalised:
        return None
    try:
        return _parse(normalised)
    except _Unparseable:
        pass
    # "노원어린이집 옆 건물 / 주말 및 공휴일 미운영": a place before the hours
    place, slash, rest = normalised.partition("/")
    if slash and not _HOURS_WORDS.search(place):
        try:
            return _parse(rest.strip())
        except _Unparseable:
            pass
    return None


_STAY = re.compile(
    rf"(?:지정일|당일|전일|1\s*일|입\s*:?)?\s*(?P<check_in>{_TIME})"
    r"\s*(?:\([^)]*\))?\s*(?:[~\-]|퇴\s*:?|(?=익일))\s*"
    rf"(?P<next>익일|다음\s*날|2\s*일|퇴\s*:?)?\s*(?P<check_out>{_TIME})\s*(?:기준)?"
)
_OPEN_SEASON = re.compile(r"(?:개장)?\s*\(?\s*(?P<season>[^()]+?)\s*\)?")


@lru_cache(maxsize=1024)
def parse_stay_times(text: str | None) -> Schedule | None:
    """A campsite's 이용시간, mostly check-in and check-out ("14:00~익일12:00").

    Read as opening hours those would show a campsite closed between check-out and
    check-in, so a time range is kept as `Schedule.stay` (check-in, check-out) with the
    status unknown. Always-open statements ("24시간", "연중무휴") are opening hours, and a
    season alone ("개장(4월~11월)", "하절기") says the campsite is closed outside it.
    """
    if text is None:
        return None
    t = _normalise_text(text)
    schedule = parse_hours(t)
    if schedule is not None and schedule.always_open and not re.search(_NEXT_DAY, t):
        return schedule
    m = _STAY.fullmatch(t)
    if m is not None:
        try:
            check_in = _clock_minutes(m["check_in"])
            check_out = _clock_minutes(m["check_out"])
        except _Unparseable:
            return None
        if check_in < DAY and check_out <= DAY:
            return Schedule(stay=(check_in, check_out))
        return None
    season = _OPEN_SEASON.fullmatch(t)
    if season is not None:
        try:
            tokens = _tokens(season["season"])
        except _Unparseable:
            return None
        if len(tokens) == 1 and tokens[0][0] == "season":
            spans, name, around = tokens[0][1]
            closed = _by_day_type(dict.fromkeys(DAY_TYPES, ()))
            seasons = [Season(start, end, Schedule(), name, around) for start, end in spans]
            return replace(closed, seasons=tuple(seasons))
    return None
