"""Opening hours: one parser for the Korean texts of public data files, and a weekly schedule.

- `geo.hours.schedule`: `Schedule`, its per-moment evaluation (`DayContext`) and Korean holidays;
- `geo.hours.text`: the free-text phrasings (`parse_hours`), read from the tokens of
  `geo.hours.tokens`, the times and ranges of `geo.hours.clock` and the days, weeks, dates and
  seasons of `geo.hours.days`; whether a text names any time of day (`states_clock_time`);
- `geo.hours.stay`: a campsite's check-in and check-out times (`parse_stay_times`);
- `geo.hours.columns`: hours published per day type (`from_day_columns`, `from_day_texts`).
"""

from geo.hours.clock import states_clock_time
from geo.hours.columns import from_day_columns, from_day_texts
from geo.hours.schedule import (
    CLOSED_DATE_PATTERN,
    CLOSED_DATE_VALUES,
    DAY,
    DAY_TYPES,
    FULL_DAY,
    KST,
    WEEKDAY_NAMES,
    Condition,
    DayContext,
    DayKind,
    Intervals,
    Schedule,
    Season,
    day_context,
    day_kind,
    holiday_names,
    is_public_holiday,
)
from geo.hours.stay import parse_stay_times
from geo.hours.text import parse_hours

__all__ = [
    "CLOSED_DATE_PATTERN",
    "CLOSED_DATE_VALUES",
    "DAY",
    "DAY_TYPES",
    "FULL_DAY",
    "KST",
    "WEEKDAY_NAMES",
    "Condition",
    "DayContext",
    "DayKind",
    "Intervals",
    "Schedule",
    "Season",
    "day_context",
    "day_kind",
    "from_day_columns",
    "from_day_texts",
    "holiday_names",
    "is_public_holiday",
    "parse_hours",
    "parse_stay_times",
    "states_clock_time",
]
