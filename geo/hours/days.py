"""Day words, weekday spans, weeks of the month, dates and seasons in opening-hours texts."""

import re

from geo.hours.clock import _Unparseable
from geo.hours.schedule import WEEKDAY_NAMES, MonthDay

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
    # 국경일 (five national days) are only some of the public holidays; see NATIONAL_DAYS.
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
# The five 국경일 by law (국경일에 관한 법률, art. 2): 삼일절, 제헌절, 광복절, 개천절, 한글날,
# all on fixed solar dates. 제헌절 has not been a public holiday since 2008.
NATIONAL_DAYS: frozenset[str] = frozenset({"03-01", "07-17", "08-15", "10-03", "10-09"})
_NTH_WORDS = {"첫": 1, "둘": 2, "셋": 3, "넷": 4, "다섯": 5}

# Named seasons have no agreed dates: (the months every reading shares, the widest reading).
_SUMMER = (((6, 1), (8, 31)), ((3, 1), (11, 30)))
_WINTER = (((12, 1), (2, 29)), ((9, 1), (5, 31)))
_NAMED_SEASONS = {"하절기": _SUMMER, "여름철": _SUMMER, "동절기": _WINTER, "겨울철": _WINTER}
_DATE = re.compile(r"\d\d-\d\d")
_MONTH_END = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


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
