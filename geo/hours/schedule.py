"""Weekly opening hours by day type (`Schedule`), its per-moment evaluation and Korean holidays.

A `Schedule` says only what its source said. A day type it does not know is `None`, and
`Schedule.is_open` then answers `None` (unknown) rather than guessing.
"""

import re
from calendar import monthrange
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
# rule the parser could not place (biweekly, "by the director's decision" …): with it,
# `is_open` answers None wherever it would otherwise answer True. Besides these, a
# `closed_dates` value may be a weekday of the month ("sun#2": the second Sunday, "mon#last")
# or a date of every year ("08-15"); see `CLOSED_DATE_PATTERN`.
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

CLOSED_DATE_PATTERN = re.compile(r"(?:mon|tue|wed|thu|fri|sat|sun)#(?:[1-5]|last)|\d\d-\d\d")

Intervals = tuple[tuple[int, int], ...]
MonthDay = tuple[int, int]

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
    weekday = WEEKDAY_NAMES[day.weekday()]
    closed = {weekday, f"{weekday}#{(day.day - 1) // 7 + 1}", f"{day.month:02d}-{day.day:02d}"}
    if day.day + 7 > monthrange(day.year, day.month)[1]:
        closed.add(f"{weekday}#last")
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


def _month_day(text: Any) -> MonthDay:
    m = re.fullmatch(r"(\d\d)-(\d\d)", str(text))
    if not m or not (1 <= int(m[1]) <= 12 and 1 <= int(m[2]) <= 31):
        raise ValueError(f"expected a month and day as MM-DD, not {text!r}")
    return int(m[1]), int(m[2])


def _within(md: MonthDay, start: MonthDay, end: MonthDay) -> bool:
    """`md` in the yearly span start..end (inclusive), which may run over the new year."""
    return start <= md <= end if start <= end else md >= start or md <= end


@dataclass(frozen=True)
class Season:
    """Hours that apply on the dates from `start` to `end` (month, day; inclusive, yearly).

    A season the source only names (하절기, 동절기) has no agreed dates: `start`–`end` is
    the part every reading shares, and `around` the widest reading; between the two the
    season may or may not apply, so the status there is unknown.
    """

    start: MonthDay
    end: MonthDay
    hours: "Schedule"
    name: str | None = None
    around: tuple[MonthDay, MonthDay] | None = None

    def __post_init__(self) -> None:
        if self.hours.seasons:
            raise ValueError("a season's hours have no seasons of their own")

    def applies(self, day: date) -> bool | None:
        md = (day.month, day.day)
        if _within(md, self.start, self.end):
            return True
        if self.around is not None and _within(md, *self.around):
            return None
        return False

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "from": f"{self.start[0]:02d}-{self.start[1]:02d}",
            "to": f"{self.end[0]:02d}-{self.end[1]:02d}",
        }
        if self.around is not None:
            out["around"] = [f"{m:02d}-{d:02d}" for m, d in self.around]
        out["hours"] = self.hours.to_json()
        return out

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Self:
        around = d.get("around")
        return cls(
            start=_month_day(d.get("from")),
            end=_month_day(d.get("to")),
            hours=Schedule.from_json(d.get("hours") or {}),
            name=d.get("name"),
            around=None if around is None else (_month_day(around[0]), _month_day(around[1])),
        )


@dataclass(frozen=True)
class Condition:
    """Hours that apply only under a condition the schedule cannot see (a heat-wave warning:
    "폭염특보 시"). Recorded, never used for the status: the base hours apply."""

    when: str
    hours: "Schedule | None" = None

    def to_json(self) -> dict[str, Any]:
        return {"when": self.when, "hours": None if self.hours is None else self.hours.to_json()}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Self:
        hours = d.get("hours")
        return cls(
            when=str(d.get("when") or ""),
            hours=None if hours is None else Schedule.from_json(hours),
        )


@dataclass(frozen=True)
class Schedule:
    """Weekly opening hours by day type, in minutes since midnight.

    An interval that crosses midnight keeps its end past 1440 (22:00–06:00 is `(1320, 1800)`)
    and counts on the next day too. `None` means the day type is unknown, `()` closed.
    On a public holiday the `holiday` intervals apply, or `sunday`'s when `holiday` is None.
    `closed_dates` overrides the day types (see `CLOSED_DATE_VALUES`). `always_open` is true
    exactly when every day type is 00:00–24:00 and nothing is closed, with no seasons.

    `seasons` replace these hours on their dates (the status is unknown where a season may or
    may not apply); `conditions` are recorded only; `stay` is a campsite's (check-in,
    check-out) minutes, which say nothing of when it is open.
    """

    weekday: Intervals | None = None
    saturday: Intervals | None = None
    sunday: Intervals | None = None
    holiday: Intervals | None = None
    closed_dates: tuple[str, ...] = ()
    always_open: bool = False
    seasons: tuple[Season, ...] = ()
    conditions: tuple[Condition, ...] = ()
    stay: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        for name in DAY_TYPES:
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, _normalise_intervals(value))
        unknown = {
            v
            for v in self.closed_dates
            if v not in CLOSED_DATE_VALUES and not CLOSED_DATE_PATTERN.fullmatch(v)
        }
        if unknown:
            raise ValueError(f"unknown closed_dates values: {sorted(unknown)}")
        closed = tuple(v for v in CLOSED_DATE_VALUES if v in self.closed_dates) + tuple(
            sorted({v for v in self.closed_dates if v not in CLOSED_DATE_VALUES})
        )
        object.__setattr__(self, "closed_dates", closed)
        object.__setattr__(self, "seasons", tuple(self.seasons))
        object.__setattr__(self, "conditions", tuple(self.conditions))
        if self.stay is not None:
            check_in, check_out = (int(v) for v in self.stay)
            if not (0 <= check_in <= DAY and 0 <= check_out <= DAY):
                raise ValueError(f"bad stay {self.stay}")
            object.__setattr__(self, "stay", (check_in, check_out))
        if self.always_open:
            if (
                closed
                or self.seasons
                or any(getattr(self, n) not in (None, FULL_DAY) for n in DAY_TYPES)
            ):
                raise ValueError(
                    "always_open contradicts the day intervals, closed_dates or seasons"
                )
            for name in DAY_TYPES:
                object.__setattr__(self, name, FULL_DAY)
        else:
            full = (
                not closed
                and not self.seasons
                and all(getattr(self, n) == FULL_DAY for n in DAY_TYPES)
            )
            object.__setattr__(self, "always_open", full)

    @property
    def is_empty(self) -> bool:
        """Says nothing at all: no hours, closures, seasons, conditions or stay."""
        return (
            all(getattr(self, n) is None for n in DAY_TYPES)
            and not self.closed_dates
            and not self.seasons
            and not self.conditions
            and self.stay is None
        )

    def is_open(self, at: datetime) -> bool | None:
        """Open at `at`? Naive datetimes are Seoul time. None when the source does not say."""
        return self.status(day_context(at))

    def status(self, ctx: "DayContext") -> bool | None:
        """`is_open` at the moment `ctx` was made for; `ctx` is shared by many schedules."""
        if self.seasons:
            return self._seasonal_status(ctx)
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

    def _in_force(self, day: date) -> "Schedule | None":
        """The hours that apply on `day`: a season's, these, or None when that is unclear."""
        unclear = False
        for season in self.seasons:
            applies = season.applies(day)
            if applies:
                return season.hours
            unclear = unclear or applies is None
        return None if unclear else self

    def _seasonal_status(self, ctx: "DayContext") -> bool | None:
        today = self._in_force(ctx.local_date)
        now = None if today is None else _covers(today._intervals_for(ctx.today), ctx.minute)
        yesterday: Schedule | None = None
        spill: bool | None = False
        if ctx.yesterday is not None and self._spills_past_midnight:
            yesterday = self._in_force(ctx.local_date - timedelta(days=1))
            before = None if yesterday is None else yesterday._intervals_for(ctx.yesterday)
            spill = _covers(before, ctx.minute + DAY)
        if (now and today is not None and not today._closed_unknown) or (
            spill and yesterday is not None and not yesterday._closed_unknown
        ):
            return True
        if now or spill or now is None or spill is None:
            return None
        return False

    @cached_property
    def _spills_past_midnight(self) -> bool:
        schedules = (self, *(s.hours for s in self.seasons))
        return any(
            end > DAY
            for s in schedules
            for name in DAY_TYPES
            for _, end in (getattr(s, name) or ())
        )

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
        """JSON-safe dict with a fixed key order, as stored in the database.

        `seasons`, `conditions` and `stay` appear only when set, so the JSON of a schedule
        without them is what it was before they existed.
        """
        out: dict[str, Any] = {}
        for name in DAY_TYPES:
            value = getattr(self, name)
            out[name] = None if value is None else [[start, end] for start, end in value]
        out["closed_dates"] = list(self.closed_dates)
        out["always_open"] = self.always_open
        if self.seasons:
            out["seasons"] = [s.to_json() for s in self.seasons]
        if self.conditions:
            out["conditions"] = [c.to_json() for c in self.conditions]
        if self.stay is not None:
            out["stay"] = {"check_in": self.stay[0], "check_out": self.stay[1]}
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
        seasons = d.get("seasons") or ()
        conditions = d.get("conditions") or ()
        if not isinstance(seasons, list | tuple) or not isinstance(conditions, list | tuple):
            raise ValueError("seasons and conditions: expected lists")
        stay = d.get("stay")
        return cls(
            **days,
            closed_dates=tuple(closed),
            always_open=bool(d.get("always_open")),
            seasons=tuple(Season.from_json(s) for s in seasons),
            conditions=tuple(Condition.from_json(c) for c in conditions),
            stay=None if stay is None else (stay["check_in"], stay["check_out"]),
        )


def _by_day_type(
    days: Mapping[str, Intervals | None],
    closed_dates: Iterable[str] = (),
    seasons: Iterable[Season] = (),
) -> Schedule:
    return Schedule(
        weekday=days["weekday"],
        saturday=days["saturday"],
        sunday=days["sunday"],
        holiday=days["holiday"],
        closed_dates=tuple(closed_dates),
        seasons=tuple(seasons),
    )
