"""Opening hours published as one start/end pair or one text cell per day type, plus a 휴무일 cell."""

import re
from functools import lru_cache

from geo.hours.clock import _interval, _normalise_text, _Unparseable
from geo.hours.schedule import DAY, DAY_TYPES, WEEKDAY_NAMES, Intervals, Schedule, _by_day_type
from geo.hours.text import parse_hours

_HHMM = re.compile(r"(\d{1,2}):?(\d{2})(?::\d{2})?")

_CLOSED_WHOLE_UNKNOWN = re.compile(
    r"매월|매달|격주|마지막\s*주|번째|째\s*주|\d\s*주|운영|영업|에만|이후|이전|\([^)]*\d\s*월[^)]*\)"
)
_CLOSED_ITEMS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        r"(?:연중|년중)\s*무휴\s*\(\s*설\s*[,·]?\s*추석\s*당일\s*(?:\d\s*일)?\s*제외\s*\)",
        ("seollal_day", "chuseok_day"),
    ),
    (r"(?<![가-힣])(?:설날?|구정)\s*[,·및]?\s*추석\s*당일", ("seollal_day", "chuseok_day")),
    (r"(?<![가-힣])(?:설날?|구정)\s*당일", ("seollal_day",)),
    (r"추석\s*당일", ("chuseok_day",)),
    (r"명절\s*당일", ("seollal_day", "chuseok_day")),
    (r"(?<![가-힣])(?:설날?|구정)(?:\s*연휴)?", ("seollal",)),
    (r"추석(?:\s*연휴)?", ("chuseok",)),
    (r"명절(?:\s*연휴)?", ("seollal", "chuseok")),
    (r"신정|1\s*월\s*1\s*일", ("new_year",)),
    (r"성탄절|크리스마스", ("christmas",)),
    (r"\d{1,2}\s*월(?:\s*[~\-]\s*\d{1,2}\s*월)?|\d{1,2}\s*[~\-]\s*\d{1,2}\s*월", ("unknown",)),
    (r"(?:연중|년중)\s*무휴|무휴|휴무\s*없음|없음|연중", ()),
    (r"(?:법정|법적|국가|기타|대체)?\s*(?:국\s*)?공휴일|휴일", ("holiday",)),
    (r"국경일", ("national_days",)),
    (r"평일|주중", ("weekday",)),
    (r"주말", ("saturday", "sunday")),
    *(
        (rf"{char}요일|(?<![가-힣\d]){char}(?![가-힣])", (name,))
        for char, name in zip("월화수목금토일", WEEKDAY_NAMES, strict=True)
    ),
    (r"매주|정기|휴[무관]일?|및", ()),
)
_CLOSED_ITEM_RES = tuple((re.compile(p), effect) for p, effect in _CLOSED_ITEMS)
_CLOSED_LEFTOVER = re.compile(r"[\s+,/·()\[\]:.~\-]*")


def _closed_days(text: str | None) -> tuple[set[str], set[str]]:
    """Day types closed and `closed_dates` values from a 휴무일 cell."""
    if text is None:
        return set(), set()
    t = _normalise_text(text)
    if not t:
        return set(), set()
    if _CLOSED_WHOLE_UNKNOWN.search(t):
        return set(), {"unknown"}
    found: set[str] = set()
    for pattern, effect in _CLOSED_ITEM_RES:
        if pattern.search(t):
            found.update(effect)
            t = pattern.sub(" ", t)
    if not _CLOSED_LEFTOVER.fullmatch(t):
        found.add("unknown")
    if "national_days" in found:
        found.discard("national_days")
        if "holiday" not in found:
            found.add("unknown")
    for name, day_type in (("sat", "saturday"), ("sun", "sunday")):
        if name in found:
            found.remove(name)
            found.add(day_type)
    if {"mon", "tue", "wed", "thu", "fri"} <= found:
        found = (found - {"mon", "tue", "wed", "thu", "fri"}) | {"weekday"}
    types = found & set(DAY_TYPES)
    return types, found - types


def _column_pair(pair: tuple[str | None, str | None] | None) -> Intervals | None:
    if pair is None:
        return None
    start, end = pair
    if start is None or end is None:
        return None
    m_start, m_end = _HHMM.fullmatch(start.strip()), _HHMM.fullmatch(end.strip())
    if not m_start or not m_end:
        return None
    start_min = int(m_start[1]) * 60 + int(m_start[2])
    end_min = int(m_end[1]) * 60 + int(m_end[2])
    if int(m_start[2]) > 59 or int(m_end[2]) > 59 or end_min > 2 * DAY:
        return None
    if start_min == end_min and start_min % DAY != 0:
        # Beside "09:00"–"18:00" weekdays, "23:59"–"23:59" on Saturday reads as a placeholder.
        return None
    try:
        return (_interval(start_min, end_min),)
    except _Unparseable:
        return None


@lru_cache(maxsize=8192)
def from_day_columns(
    weekday: tuple[str | None, str | None] | None,
    saturday: tuple[str | None, str | None] | None,
    holiday: tuple[str | None, str | None] | None,
    closed_days: str | None = None,
) -> Schedule | None:
    """Schedule from ("HH:MM", "HH:MM") start/end columns per day type plus a 휴무일 cell.

    The `holiday` pair covers Sundays too, as 공휴일 does in the national parking standard
    data; a source with one pair for all days passes it three times. A missing or unreadable
    pair leaves its day type unknown, and so does a pair of equal times other than midnight
    ("08:00"–"08:00", "23:59"–"23:59"). "00:00"–"00:00", "00:00"–"23:59" and "00:00"–"24:00"
    are 24 hours, a start of "00:01" counts as midnight, an end before the start is the next
    day's.

    `closed_days` ("연중무휴", "연중무휴(설, 추석 당일 2일 제외)", "토+일+공휴일",
    "월+추석당일+1~2월") closes the day types and weekdays it names, and Seollal/Chuseok
    (the day, "당일", or the three-day holiday). A part it cannot place (months, seasons,
    rain, election days) adds "unknown" to `closed_dates`; words that make the other parts
    conditional ("매월 2,4주", "격주", "…에만 운영", months in brackets) make the whole cell
    "unknown". To close day types a parking 운영요일 omits, pass e.g. "일+공휴일".
    """
    holiday_hours = _column_pair(holiday)
    days = {
        "weekday": _column_pair(weekday),
        "saturday": _column_pair(saturday),
        "sunday": holiday_hours,
        "holiday": holiday_hours,
    }
    closed_types, closed_dates = _closed_days(closed_days)
    for name in closed_types:
        days[name] = ()
    if all(v is None for v in days.values()) and not closed_dates:
        return None
    return _by_day_type(days, closed_dates)


def _uniform(text: str | None) -> Intervals | None:
    schedule = parse_hours(text)
    if schedule is None or schedule.closed_dates or schedule.seasons:
        return None  # a cell for one day type that closes dates or seasons is not uniform
    values = {getattr(schedule, name) for name in DAY_TYPES}
    return values.pop() if len(values) == 1 else None


def from_day_texts(
    weekday: str | None, saturday: str | None, holiday: str | None
) -> Schedule | None:
    """Schedule from one free-text cell per day type ("09:00~18:00", "00:00~24:00", "미운영").

    Each cell is read by `parse_hours` and must not name days itself. "(소독)12:00~13:00"
    after the hours is a break. As in `from_day_columns`, `holiday` covers Sundays too.
    """
    holiday_hours = _uniform(holiday)
    days = {
        "weekday": _uniform(weekday),
        "saturday": _uniform(saturday),
        "sunday": holiday_hours,
        "holiday": holiday_hours,
    }
    if all(v is None for v in days.values()):
        return None
    return _by_day_type(days)
