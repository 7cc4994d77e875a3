"""The free-text phrasings of opening hours in Korean public data files, read into a `Schedule`."""

import re
from collections.abc import Mapping
from dataclasses import replace
from functools import lru_cache
from typing import Any

from geo.hours.clock import _minutes_open, _normalise_text, _ranges, _subtract, _Unparseable
from geo.hours.days import _DATE, NATIONAL_DAYS, _on_weeks, _SeasonSpec
from geo.hours.schedule import (
    DAY_TYPES,
    FULL_DAY,
    WEEKDAY_NAMES,
    Condition,
    Intervals,
    Schedule,
    Season,
    _by_day_type,
)
from geo.hours.tokens import _SKIP, _tokens

# Hours that apply only under a heat-wave warning ("폭염특보 시", "<폭염주의보, 폭염경보 발효
# 시>", "(폭염경보)"), and the words that return to the usual hours ("평시", "<평시>").
_WARNING = r"(?:(?:폭염|열대야|무더위)\s*)?(?:중대\s*)?(?:특보|경보|주의보)"
_CONDITION = re.compile(
    rf"[<(\[]?\s*{_WARNING}(?:\s*[,·]\s*{_WARNING})*\s*(?:발효|발령|기간)?\s*"
    r"(?:시(?:에는|에만)?|때|중)?\s*[>)\]]?\s*:?"
)
_USUAL = re.compile(r"[<(]\s*(?:평\s*시|평상시)\s*[>)]\s*:?|(?:평\s*시|평상시)(?![가-힣])\s*:?")


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
    named_with: dict[str, int] = {}  # how many day types the clause that set `explicit` named
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
                if body is None:
                    closed.update(NATIONAL_DAYS)  # "매주월요일, 국경일제외"
                    continue
                if "holiday" in days:
                    continue
                raise _Unparseable("hours for national days without public holidays")
            if day in DAY_TYPES:
                value: Intervals = () if body is None else body
                width = len(days & _EVERY_DAY_TYPE)
                if explicit.get(day, value) != value:
                    # "주말 09~22시(일요일 휴관)": one day type closed within a group given hours
                    if value == () and width == 1 < named_with[day]:
                        pass
                    elif explicit[day] == () and named_with[day] == 1 < width:
                        continue
                    else:
                        raise _Unparseable(f"two sets of hours for {day}")
                explicit[day] = value
                named_with[day] = width
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
