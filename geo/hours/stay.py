"""A campsite's 이용시간: check-in and check-out times, or when the campsite is open."""

import re
from dataclasses import replace
from functools import lru_cache

from geo.hours.clock import _NEXT_DAY, _TIME, _clock_minutes, _normalise_text, _Unparseable
from geo.hours.schedule import DAY, DAY_TYPES, Schedule, Season, _by_day_type
from geo.hours.text import parse_hours
from geo.hours.tokens import _tokens

_STAY = re.compile(
    rf"(?:지정일\s*:?|당일|전일|1\s*일|입\s*:?|(?:예약|사용)\s*시작일)?\s*(?P<check_in>{_TIME})"
    r"\s*(?:\([^)]*\))?\s*(?:[~\-]|퇴\s*:?|(?=익일))\s*"
    rf"(?P<next>익일|다음\s*날|2\s*일|퇴\s*:?|(?:사용\s*)?종료일)?\s*(?P<check_out>{_TIME})\s*"
    r"(?:기준)?"
)
# What a stay may follow: "연중무휴(지정일 14:00~다음날 11:00)", "매년 5.16~10.30 지정일 …",
# "성수기(7~8월만 이용), 지정일 …"
_STAY_START = re.compile(r"(?<![\d가-힣])(?:지정일|\d)")
_SEASON_WORDS = re.compile(r"매년|성수기|만\s*이용")
_OPEN_SEASON = re.compile(r"(?:개장)?\s*\(?\s*(?P<season>[^()]+?)\s*\)?")


@lru_cache(maxsize=1024)
def parse_stay_times(text: str | None) -> Schedule | None:
    """A campsite's 이용시간, mostly check-in and check-out ("14:00~익일12:00").

    Read as opening hours those would show a campsite closed between check-out and
    check-in, so a time range is kept as `Schedule.stay` (check-in, check-out) with the
    status unknown ("지정일:14:00~익일11:00", "예약시작일 14:00~종료일 11:00"). Always-open
    statements ("24시간", "연중무휴") are opening hours, and a season alone ("개장(4월~11월)",
    "하절기") says the campsite is closed outside it; either may come before a stay
    ("매년 5.16~10.30 지정일 14:00~익일12:00").
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
    """A stay alone, or after an always-open statement or the season the campsite is open."""
    for at in (0, *(m.start() for m in _STAY_START.finditer(text))):
        lead, rest = text[:at], text[at:]
        if lead.rstrip().endswith("("):
            rest = rest.removesuffix(")")
        m = _STAY.fullmatch(rest.strip())
        if m is None:
            continue
        try:
            stay = (_clock_minutes(m["check_in"]), _clock_minutes(m["check_out"]))
        except _Unparseable:
            return None
        if not (stay[0] < DAY and stay[1] <= DAY):
            return None
        lead = lead.strip(" ,(")
        if not lead:
            return Schedule(stay=stay)
        before = parse_hours(lead)
        if before is None or not before.always_open:
            before = _open_season(_SEASON_WORDS.sub(" ", lead))
        return None if before is None else replace(before, stay=stay)
    return None


def _open_season(text: str) -> Schedule | None:
    """A season alone ("4월~11월", "하절기"): closed outside it, unknown within."""
    try:
        tokens = _tokens(text.strip())
    except _Unparseable:
        return None
    if len(tokens) != 1 or tokens[0][0] != "season":
        tokens = [tok for tok in tokens if tok[0] != "bracket"]
        if len(tokens) != 1 or tokens[0][0] != "season":
            return None
    spans, name, around = tokens[0][1]
    closed = _by_day_type(dict.fromkeys(DAY_TYPES, ()))
    seasons = [Season(start, end, Schedule(), name, around) for start, end in spans]
    return replace(closed, seasons=tuple(seasons))
