"""A campsite's 이용시간: check-in and check-out times, or when the campsite is open."""

import re
from dataclasses import replace
from functools import lru_cache

from geo.hours.clock import _NEXT_DAY, _TIME, _clock_minutes, _normalise_text, _Unparseable
from geo.hours.schedule import DAY, DAY_TYPES, Schedule, Season, _by_day_type
from geo.hours.text import parse_hours
from geo.hours.tokens import _tokens

_STAY = re.compile(
    # "야영데크:14:00~13:00": the kind of pitch before the times
    r"\(?\s*(?:[가-힣]+\s*:\s*)?"
    rf"(?:지정일\s*:?|당일|전일|1\s*일|입\s*:?|(?:예약|사용)\s*시작일)?\s*(?P<check_in>{_TIME})"
    r"\s*(?:\([^)]*\))?\s*(?:[~\-]|퇴\s*:?|(?=익일))\s*"
    rf"(?P<next>익일|다음\s*날|2\s*일|퇴\s*:?|(?:사용\s*)?종료일)?\s*(?P<check_out>{_TIME})\s*"
    r"(?:기준)?\s*\)?"
)
_OPEN_SEASON = re.compile(r"(?:개장)?\s*\(?\s*(?P<season>[^()]+?)\s*\)?")


@lru_cache(maxsize=1024)
def parse_stay_times(text: str | None) -> Schedule | None:
    """A campsite's 이용시간, mostly check-in and check-out ("14:00~익일12:00").

    Read as opening hours those would show a campsite closed between check-out and
    check-in, so a time range is kept as `Schedule.stay` (check-in, check-out) with the
    status unknown ("지정일:14:00~익일11:00", "예약시작일 14:00~종료일 11:00"). Always-open
    statements ("24시간", "연중무휴") are opening hours, and a season alone ("개장(4월~11월)",
    "하절기") says the campsite is closed outside it. A stay after either
    ("매년 5.16~10.30 지정일 14:00~익일12:00") is not read: a schedule with a stay says
    nothing of when the campsite is open.
    """
    if text is None:
        return None
    t = _normalise_text(text)
    schedule = parse_hours(t)
    if schedule is not None and schedule.always_open and not re.search(_NEXT_DAY, t):
        return schedule
    stay = _stay(t)
    if stay is not None:
        return stay
    season = _OPEN_SEASON.fullmatch(t)
    return None if season is None else _open_season(season["season"])


def _stay(text: str) -> Schedule | None:
    m = _STAY.fullmatch(text)
    if m is None:
        return None
    try:
        stay = (_clock_minutes(m["check_in"]), _clock_minutes(m["check_out"]))
    except _Unparseable:
        return None
    return Schedule(stay=stay) if stay[0] < DAY and stay[1] <= DAY else None


def _open_season(text: str) -> Schedule | None:
    """A season alone ("4월~11월", "하절기"): closed outside it, unknown within."""
    try:
        tokens = _tokens(text.strip())
    except _Unparseable:
        return None
    if len(tokens) != 1 or tokens[0][0] != "season":
        return None
    spans, name, around = tokens[0][1]
    closed = _by_day_type(dict.fromkeys(DAY_TYPES, ()))
    seasons = [Season(start, end, Schedule(), name, around) for start, end in spans]
    return replace(closed, seasons=tuple(seasons))
