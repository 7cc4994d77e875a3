"""Opening hours: one parser for the Korean free text of public data files, and a weekly schedule.

A `Schedule` says only what its source said. A day type it does not know is `None`, and
`Schedule.is_open` then answers `None` (unknown) rather than guessing.
"""

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import cached_property, lru_cache
from typing import Any, Self

import holidays

# Korea has kept UTC+9 without daylight saving since 1988; a fixed offset needs no tz database.
KST = timezone(timedelta(hours=9), "Asia/Seoul")

DAY = 1440
FULL_DAY: tuple[tuple[int, int], ...] = ((0, DAY),)
DAY_TYPES: tuple[str, ...] = ("weekday", "saturday", "sunday", "holiday")
WEEKDAY_NAMES: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Values of `Schedule.closed_dates`, in their canonical order. "unknown" records a closure
# rule the parser could not place (months, seasons, "2nd and 4th Sunday" …): with it,
# `is_open` answers None wherever it would otherwise answer True.
CLOSED_DATE_VALUES: tuple[str, ...] = (
    *WEEKDAY_NAMES,
    "seollal",
    "seollal_day",
    "chuseok",
    "chuseok_day",
    "new_year",
    "christmas",
    "unknown",
)

Intervals = tuple[tuple[int, int], ...]

# Holiday names as `holidays.KR(language="en_US")` spells them.
_SEOLLAL_DAY = "Korean New Year"
_SEOLLAL = frozenset(
    {"The day preceding Korean New Year", _SEOLLAL_DAY, "The second day of Korean New Year"}
)
_CHUSEOK_DAY = "Chuseok"
_CHUSEOK = frozenset({"The day preceding Chuseok", _CHUSEOK_DAY, "The second day of Chuseok"})


@lru_cache(maxsize=64)
def _holiday_names(year: int) -> dict[date, frozenset[str]]:
    calendar = holidays.country_holidays("KR", years=year, language="en_US")
    return {day: frozenset(calendar.get_list(day)) for day in calendar}


def is_public_holiday(d: date) -> bool:
    """Korean public holiday (lunar New Year, Chuseok and substitute holidays included)."""
    day = d.date() if isinstance(d, datetime) else d
    return day in _holiday_names(day.year)


def holiday_names(d: date) -> frozenset[str]:
    """English names of the public holidays on `d` (empty if none)."""
    day = d.date() if isinstance(d, datetime) else d
    return _holiday_names(day.year).get(day, frozenset())


def _normalise_intervals(intervals: Iterable[Iterable[int]]) -> Intervals:
    pairs = sorted((int(start), int(end)) for start, end in intervals)
    merged: list[tuple[int, int]] = []
    for start, end in pairs:
        if not (0 <= start < DAY and start < end <= 2 * DAY):
            raise ValueError(f"bad interval ({start}, {end}) minutes")
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


def _covers(intervals: Intervals | None, minute: float) -> bool | None:
    if intervals is None:
        return None
    return any(start <= minute < end for start, end in intervals)


@dataclass(frozen=True)
class DayKind:
    """What a schedule needs to know of one Seoul-local date.

    `day_type` is the `Schedule` field that applies ("holiday" on a public holiday);
    `closed` the `CLOSED_DATE_VALUES` that close the date (its weekday name, "new_year",
    "seollal", "chuseok_day" …; never "unknown").
    """

    day_type: str
    closed: frozenset[str]


@lru_cache(maxsize=512)
def day_kind(day: date) -> DayKind:
    names = _holiday_names(day.year).get(day)
    closed = {WEEKDAY_NAMES[day.weekday()]}
    if (day.month, day.day) == (1, 1):
        closed.add("new_year")
    if (day.month, day.day) == (12, 25):
        closed.add("christmas")
    if names is not None:
        if names & _SEOLLAL:
            closed.add("seollal")
        if _SEOLLAL_DAY in names:
            closed.add("seollal_day")
        if names & _CHUSEOK:
            closed.add("chuseok")
        if _CHUSEOK_DAY in names:
            closed.add("chuseok_day")
        day_type = "holiday"
    elif day.weekday() == 5:
        day_type = "saturday"
    elif day.weekday() == 6:
        day_type = "sunday"
    else:
        day_type = "weekday"
    return DayKind(day_type, frozenset(closed))


@dataclass(frozen=True)
class DayContext:
    """One moment in Seoul, made once per request and shared by every `Schedule.status`.

    `minute` is the minute of the local day (fractional); `yesterday` is None only for
    `date.min`.
    """

    local_date: date
    minute: float
    today: DayKind
    yesterday: DayKind | None


def day_context(at: datetime) -> DayContext:
    """The `DayContext` of `at`; naive datetimes are Seoul time."""
    local = at.astimezone(KST) if at.tzinfo is not None else at
    today = local.date()
    minute = local.hour * 60 + local.minute + (local.second + local.microsecond / 1e6) / 60
    yesterday = day_kind(today - timedelta(days=1)) if today > date.min else None
    return DayContext(today, minute, day_kind(today), yesterday)


@dataclass(frozen=True)
class Schedule:
    """Weekly opening hours by day type, in minutes since midnight.

    An interval that crosses midnight keeps its end past 1440 (22:00–06:00 is `(1320, 1800)`)
    and counts on the next day too. `None` means the day type is unknown, `()` closed.
    On a public holiday the `holiday` intervals apply, or `sunday`'s when `holiday` is None.
    `closed_dates` overrides the day types (see `CLOSED_DATE_VALUES`). `always_open` is true
    exactly when every day type is 00:00–24:00 and nothing is closed.
    """

    weekday: Intervals | None = None
    saturday: Intervals | None = None
    sunday: Intervals | None = None
    holiday: Intervals | None = None
    closed_dates: tuple[str, ...] = ()
    always_open: bool = False

    def __post_init__(self) -> None:
        for name in DAY_TYPES:
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, _normalise_intervals(value))
        unknown = set(self.closed_dates) - set(CLOSED_DATE_VALUES)
        if unknown:
            raise ValueError(f"unknown closed_dates values: {sorted(unknown)}")
        closed = tuple(v for v in CLOSED_DATE_VALUES if v in self.closed_dates)
        object.__setattr__(self, "closed_dates", closed)
        if self.always_open:
            if closed or any(getattr(self, n) not in (None, FULL_DAY) for n in DAY_TYPES):
                raise ValueError("always_open contradicts the day intervals or closed_dates")
            for name in DAY_TYPES:
                object.__setattr__(self, name, FULL_DAY)
        else:
            full = not closed and all(getattr(self, n) == FULL_DAY for n in DAY_TYPES)
            object.__setattr__(self, "always_open", full)

    def is_open(self, at: datetime) -> bool | None:
        """Open at `at`? Naive datetimes are Seoul time. None when the source does not say."""
        return self.status(day_context(at))

    def status(self, ctx: "DayContext") -> bool | None:
        """`is_open` at the moment `ctx` was made for; `ctx` is shared by many schedules."""
        now = _covers(self._intervals_for(ctx.today), ctx.minute)
        before = None if ctx.yesterday is None else self._intervals_for(ctx.yesterday)
        if before is None and not self._spills_past_midnight:
            spill: bool | None = False
        else:
            spill = _covers(before, ctx.minute + DAY)
        if now or spill:
            return None if self._closed_unknown else True
        if now is None or spill is None:
            return None
        return False

    @cached_property
    def _spills_past_midnight(self) -> bool:
        return any(end > DAY for name in DAY_TYPES for _, end in (getattr(self, name) or ()))

    @cached_property
    def _closed_unknown(self) -> bool:
        return "unknown" in self.closed_dates

    def _intervals_for(self, day: "DayKind") -> Intervals | None:
        closed = self.closed_dates
        if closed and not day.closed.isdisjoint(closed):
            return ()
        kind = day.day_type
        if kind == "weekday":
            return self.weekday
        if kind == "saturday":
            return self.saturday
        if kind == "sunday" or self.holiday is None:
            return self.sunday
        return self.holiday

    def to_json(self) -> dict[str, Any]:
        """JSON-safe dict with a fixed key order, as stored in the database."""
        out: dict[str, Any] = {}
        for name in DAY_TYPES:
            value = getattr(self, name)
            out[name] = None if value is None else [[start, end] for start, end in value]
        out["closed_dates"] = list(self.closed_dates)
        out["always_open"] = self.always_open
        return out

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Self:
        days: dict[str, Intervals | None] = {}
        for name in DAY_TYPES:
            value = d.get(name)
            if value is not None and not isinstance(value, list | tuple):
                raise ValueError(f"{name}: expected a list of [start, end] or null")
            days[name] = None if value is None else tuple((s, e) for s, e in value)
        closed = d.get("closed_dates") or ()
        if not isinstance(closed, list | tuple):
            raise ValueError("closed_dates: expected a list")
        return cls(**days, closed_dates=tuple(closed), always_open=bool(d.get("always_open")))


def _by_day_type(
    days: Mapping[str, Intervals | None], closed_dates: Iterable[str] = ()
) -> Schedule:
    return Schedule(
        weekday=days["weekday"],
        saturday=days["saturday"],
        sunday=days["sunday"],
        holiday=days["holiday"],
        closed_dates=tuple(closed_dates),
    )


# --- free text -----------------------------------------------------------------------------

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


# --- day columns ---------------------------------------------------------------------------

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
    if schedule is None or schedule.closed_dates:
        return None
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
