"""geo.hours: the opening-hours parser, the weekly schedule and Korean public holidays."""

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from geo.hours import (
    CLOSED_DATE_VALUES,
    FULL_DAY,
    KST,
    WEEKDAY_NAMES,
    Schedule,
    day_context,
    from_day_columns,
    from_day_texts,
    holiday_names,
    is_public_holiday,
    parse_hours,
)

# March 2026: Sunday the 1st is 삼일절 and Monday the 2nd its substitute holiday.
WED = "2026-03-04"
THU = "2026-03-05"
SAT = "2026-03-07"
SUN = "2026-03-08"
MON = "2026-03-09"
TUE = "2026-03-10"
SUBSTITUTE_MON = "2026-03-02"
SEOLLAL = "2026-02-17"
CHUSEOK = "2026-09-25"


def at(day: str, clock: str) -> datetime:
    return datetime.fromisoformat(f"{day}T{clock}")


CASES: list[tuple[str, str, str, bool | None]] = [
    ("상시", WED, "03:00", True),
    ("상시(연중 개방)", SUN, "23:59", True),
    ("24시간", SUBSTITUTE_MON, "04:00", True),
    ("24시간 개방", SAT, "00:00", True),
    ("연중", WED, "02:00", True),
    ("연중무휴", SEOLLAL, "02:00", True),
    ("00:00~24:00", WED, "23:59:59", True),
    ("00:00~00:00", WED, "12:00", True),
    ("00:00~23:59", WED, "23:59:30", True),
    ("09:00~18:00", WED, "09:00", True),
    ("09:00~18:00", WED, "08:59", False),
    ("09:00~18:00", WED, "18:00", False),
    ("09:00~18:00", SAT, "12:00", True),
    ("09:00~18:00", SUBSTITUTE_MON, "12:00", True),
    ("09:00-18:00", WED, "17:59", True),
    ("09:00 ~ 18:00", SUN, "10:00", True),
    ("09~18시", WED, "18:30", False),
    ("09-18시", WED, "09:30", True),
    ("9시~18시", WED, "08:30", False),
    ("09~18", SAT, "17:00", True),
    ("9시간(09:00~18:00)", WED, "10:00", True),
    ("9시간(09:00~18:00)", WED, "19:00", False),
    ("정시(09:00~18:00, 평일만)", WED, "10:00", True),
    ("정시(09:00~18:00, 평일만)", SAT, "10:00", False),
    ("정시(09:00~18:00, 평일만)", SUN, "10:00", False),
    ("정시(09:00~18:00, 평일만)", SUBSTITUTE_MON, "10:00", False),
    ("(평일) 06:00~23:00 (주말) 06:00~23:00", SAT, "07:00", True),
    ("(평일) 06:00~23:00 (주말) 06:00~23:00", WED, "05:00", False),
    # a holiday with no hours of its own takes Sunday's
    ("(평일) 06:00~23:00 (주말) 06:00~23:00", SUBSTITUTE_MON, "07:00", True),
    ("평일 09~18시", WED, "10:00", True),
    ("평일 09~18시", WED, "19:00", False),
    ("평일 09~18시", SAT, "10:00", None),
    ("평일 09~18시", SUBSTITUTE_MON, "10:00", None),
    ("(평시) 평일 09~18시 운영", WED, "10:00", True),
    ("(평시) 평일 09~18시 운영", SUN, "10:00", None),
    ("미개방", WED, "12:00", False),
    ("미운영", SUN, "12:00", False),
    ("22:00~06:00", WED, "23:00", True),
    ("22:00~06:00", THU, "05:59", True),
    ("22:00~06:00", THU, "06:00", False),
    ("22:00~06:00", WED, "21:59", False),
    ("05:00~익일01:00", THU, "00:30", True),
    ("05:00~익일01:00", THU, "01:30", False),
    ("05:00~25:00", THU, "00:30", True),
    ("AM8:00~PM10:00", WED, "21:00", True),
    ("오전10:00~오후6:00", WED, "18:30", False),
    ("평일 09:00~18:00(공휴일, 국경일 미개방)", SUBSTITUTE_MON, "10:00", False),
    ("평일 09:00~18:00(공휴일, 국경일 미개방)", SAT, "10:00", None),
    ("09:00~18:00 월요일 및 공휴일 휴관", MON, "10:00", False),
    ("09:00~18:00 월요일 및 공휴일 휴관", TUE, "10:00", True),
    ("09:00~18:00 월요일 및 공휴일 휴관", SUN, "10:00", True),
    ("09:00~18:00 월요일 및 공휴일 휴관", SUBSTITUTE_MON, "10:00", False),
    ("월-금06:00~22:00 토-일09:00~18:00 공휴일 휴관", SAT, "08:00", False),
    ("월-금06:00~22:00 토-일09:00~18:00 공휴일 휴관", SAT, "10:00", True),
    ("월-금06:00~22:00 토-일09:00~18:00 공휴일 휴관", SUBSTITUTE_MON, "10:00", False),
    ("평일 08:00~20:00 토요일 09:00~18:00 일,공휴일 미개방", SUN, "10:00", False),
    ("(평일)09:00~18:00(점심시간폐문12:00~13:00)", WED, "12:30", False),
    ("(평일)09:00~18:00(점심시간폐문12:00~13:00)", WED, "13:30", True),
    ("주말, 공휴일 미운영", SAT, "12:00", False),
    ("주말, 공휴일 미운영", WED, "12:00", None),
    ("매주 월요일 및 공휴일 휴관", MON, "12:00", False),
    ("매주 월요일 및 공휴일 휴관", TUE, "12:00", None),
]


@pytest.mark.parametrize(("text", "day", "clock", "expected"), CASES)
def test_is_open_table(text: str, day: str, clock: str, expected: bool | None):
    schedule = parse_hours(text)
    assert schedule is not None, text
    assert schedule.is_open(at(day, clock)) is expected


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "   ",
        "정시",
        "업무시간",
        "영업시간 내",
        "불규칙",
        "9시간",
        "1일",
        "자료없음",
        ":~:",
        "당일 14:00~익일 12:00기준",
        "22시간(08:00~22:00)",  # the duration contradicts the hours
        "09:00~18:00(휴관)06:00~22:00(운영)",
        "24시간 (민원개방 09:00~18:00)",
        "24:00~24:00",
        "0~25시",
        "09:00~1800",
        "폭염특보 시 연장운영 및 추가운영",
    ],
)
def test_unreadable_text_is_not_guessed(text: str | None):
    assert parse_hours(text) is None


def test_always_open_texts_make_an_always_open_schedule():
    for text in (
        "상시",
        "24시간",
        "연중무휴",
        "00:00~24:00",
        "00:00~00:00",
        "00:00~23:59",
        "0~24시",
    ):
        schedule = parse_hours(text)
        assert schedule is not None and schedule.always_open, text
        assert schedule.weekday == schedule.holiday == FULL_DAY


def test_weekday_only_rule_leaves_other_days_unknown_unless_it_says_only():
    assert parse_hours("평일 09~18시") == Schedule(weekday=((540, 1080),))
    assert parse_hours("정시(09:00~18:00, 평일만)") == Schedule(
        weekday=((540, 1080),), saturday=(), sunday=(), holiday=()
    )


def test_overnight_hours_keep_their_end_past_midnight():
    schedule = parse_hours("22:00~06:00")
    assert schedule is not None and schedule.weekday == ((1320, 1800),)


def test_overnight_from_an_unknown_day_is_unknown():
    schedule = parse_hours("평일 22:00~06:00")
    assert schedule is not None
    assert schedule.is_open(at(SAT, "03:00")) is True  # Friday night runs on
    assert schedule.is_open(at(SUN, "03:00")) is None  # Saturday night is unknown


def test_aware_datetimes_are_read_in_seoul_time():
    schedule = parse_hours("09:00~18:00")
    assert schedule is not None
    assert schedule.is_open(datetime(2026, 3, 4, 0, 30, tzinfo=UTC)) is True  # 09:30 KST
    assert schedule.is_open(datetime(2026, 3, 4, 9, 30, tzinfo=UTC)) is False  # 18:30 KST


# --- day columns -----------------------------------------------------------------------


def test_bike_columns_with_seollal_and_chuseok_days_closed():
    day = ("00:00", "23:59")
    schedule = from_day_columns(day, day, day, "연중무휴(설, 추석 당일 2일 제외)")
    assert schedule is not None
    assert schedule.closed_dates == ("seollal_day", "chuseok_day")
    assert not schedule.always_open
    assert schedule.is_open(at(SEOLLAL, "12:00")) is False
    assert schedule.is_open(at("2026-02-16", "12:00")) is True
    assert schedule.is_open(at(CHUSEOK, "12:00")) is False
    assert schedule.is_open(at("2026-09-24", "12:00")) is True


def test_whole_holiday_closure_covers_three_days():
    day = ("05:00", "23:59")
    schedule = from_day_columns(day, day, day, "설연휴+추석연휴")
    assert schedule is not None
    for d in ("2026-02-16", SEOLLAL, "2026-02-18"):
        assert schedule.is_open(at(d, "12:00")) is False
    assert schedule.is_open(at("2026-02-19", "12:00")) is True
    # 2025: Chuseok eve fell on a Sunday; the substitute day is not part of the three
    assert schedule.is_open(at("2025-10-07", "12:00")) is False
    assert schedule.is_open(at("2025-10-08", "12:00")) is True


@pytest.mark.parametrize(
    ("closed", "day", "expected"),
    [
        ("토+일+공휴일", SAT, False),
        ("토+일+공휴일", SUN, False),
        ("토+일+공휴일", SUBSTITUTE_MON, False),
        ("토+일+공휴일", WED, True),
        ("주말+공휴일", SUN, False),
        ("월", MON, False),
        ("월", TUE, True),
        ("매주 월요일 휴무", MON, False),
        ("월+화+수+목+금", WED, False),
        ("월+화+수+목+금", SAT, True),
        ("월+추석당일+1~2월", MON, False),
        ("월+추석당일+1~2월", WED, None),  # "1~2월" is not understood
        ("매월 마지막주 수요일 14:00 이후+1월1일+설날+추석 연휴+성탄절 휴무", MON, None),
        ("신정+설연휴+추석연휴", "2026-01-01", False),
        ("월+명절+성탄절", "2026-12-25", False),
        ("연중무휴", SEOLLAL, True),
        ("없음", SUN, True),
    ],
)
def test_closed_days(closed: str, day: str, expected: bool | None):
    pair = ("09:00", "18:00")
    schedule = from_day_columns(pair, pair, pair, closed)
    assert schedule is not None
    assert schedule.is_open(at(day, "10:00")) is expected


def test_conditional_closures_are_unknown_as_a_whole():
    pair = ("09:00", "18:00")
    for closed in ("월+화 휴무(7월~8월+12월~2월) + 연중영업(3월~6월+9월~11월)", "월+매월 마지막주"):
        schedule = from_day_columns(pair, pair, pair, closed)
        assert schedule is not None and schedule.closed_dates == ("unknown",), closed


def test_parking_columns():
    always = from_day_columns(("00:00", "23:59"), ("00:00", "24:00"), ("00:00", "00:00"))
    assert always is not None and always.always_open
    schedule = from_day_columns(("09:00", "18:00"), ("00:00", "00:00"), ("10:00", "19:00"))
    assert schedule is not None
    assert (schedule.weekday, schedule.saturday) == (((540, 1080),), FULL_DAY)
    assert schedule.sunday == schedule.holiday == ((600, 1140),)
    closed = from_day_columns(
        ("09:00", "18:00"), ("00:00", "00:00"), ("00:00", "00:00"), "토+일+공휴일"
    )
    assert closed is not None and closed.saturday == closed.sunday == closed.holiday == ()


def test_column_details():
    assert from_day_columns(("00:01", "23:59"), None, None) == Schedule(weekday=FULL_DAY)
    assert from_day_columns(("05:00", "00:00"), None, None) == Schedule(weekday=((300, 1440),))
    assert from_day_columns(("12:00", "11:59"), None, None) == Schedule(weekday=FULL_DAY)
    # equal clock times other than midnight are placeholders, not hours
    assert from_day_columns(("09:00", "18:00"), ("23:59", "23:59"), None) == Schedule(
        weekday=((540, 1080),)
    )
    assert from_day_columns(None, None, None) is None
    assert from_day_columns(("", ""), (None, "18:00"), ("9시", "18시")) is None


def test_day_texts_of_screening_centres():
    schedule = from_day_texts("09:00~18:00 (소독)12:00~13:00", "09:00~13:00", "미운영")
    assert schedule is not None
    assert schedule.is_open(at(WED, "10:00")) is True
    assert schedule.is_open(at(WED, "12:30")) is False
    assert schedule.is_open(at(SAT, "14:00")) is False
    assert schedule.is_open(at(SUN, "10:00")) is False
    assert schedule.is_open(at(SUBSTITUTE_MON, "10:00")) is False
    full = from_day_texts("00:00~24:00", "00:00~24:00", "00:00~24:00")
    assert full is not None and full.always_open
    filler = from_day_texts("09:00~12:00,13:00~18:00,00:00~00:00", None, None)
    assert filler is not None and filler.weekday == ((540, 720), (780, 1080))
    assert from_day_texts("-", None, "") is None
    assert from_day_texts("평일 09:00~18:00", None, None) is None  # a cell must not name days


# --- the Schedule value --------------------------------------------------------------------


def test_json_round_trip_and_key_order():
    texts = {text for text, *_ in CASES}
    for text in texts:
        schedule = parse_hours(text)
        assert schedule is not None
        data = schedule.to_json()
        assert list(data) == [
            "weekday",
            "saturday",
            "sunday",
            "holiday",
            "closed_dates",
            "always_open",
        ]
        assert Schedule.from_json(json.loads(json.dumps(data))) == schedule


def test_schedule_normalises_and_validates():
    assert Schedule(weekday=((600, 700), (540, 620))).weekday == ((540, 700),)
    assert Schedule(always_open=True).holiday == FULL_DAY
    assert Schedule(
        weekday=FULL_DAY, saturday=FULL_DAY, sunday=FULL_DAY, holiday=FULL_DAY
    ).always_open
    assert Schedule(closed_dates=("chuseok", "mon", "mon")).closed_dates == ("mon", "chuseok")
    with pytest.raises(ValueError):
        Schedule(weekday=((600, 500),))
    with pytest.raises(ValueError):
        Schedule(weekday=((1440, 1500),))
    with pytest.raises(ValueError):
        Schedule(closed_dates=("someday",))
    with pytest.raises(ValueError):
        Schedule(weekday=((540, 1080),), always_open=True)
    with pytest.raises(ValueError):
        Schedule.from_json({"weekday": "09:00~18:00"})


# --- holidays ---------------------------------------------------------------------------


def test_public_holidays_from_the_holidays_package():
    assert is_public_holiday(date(2026, 2, 17))  # 설날
    assert is_public_holiday(date(2026, 2, 16)) and is_public_holiday(date(2026, 2, 18))
    assert is_public_holiday(date(2026, 9, 25))  # 추석
    assert is_public_holiday(date(2026, 3, 2))  # 삼일절 fell on a Sunday
    assert any("Alternative" in name for name in holiday_names(date(2026, 3, 2)))
    assert is_public_holiday(date(2025, 10, 8))  # Chuseok substitute holiday
    assert is_public_holiday(datetime(2026, 2, 17, 12, 0))
    assert not is_public_holiday(date(2026, 3, 4))
    assert not is_public_holiday(date(2026, 3, 8))  # a Sunday is not a public holiday


@pytest.mark.parametrize("year", range(2020, 2031))
def test_holiday_names_the_closures_rely_on(year: int):
    days = [date(year, 1, 1) + timedelta(days=i) for i in range(366)]
    seollal = [d for d in days if "Korean New Year" in holiday_names(d)]
    chuseok = [d for d in days if "Chuseok" in holiday_names(d)]
    assert len(seollal) == 1 and len(chuseok) == 1
    assert "The day preceding Korean New Year" in holiday_names(seollal[0] - timedelta(days=1))
    assert "The second day of Chuseok" in holiday_names(chuseok[0] + timedelta(days=1))


# --- properties -------------------------------------------------------------------------


@given(
    sh=st.integers(0, 23),
    sm=st.integers(0, 59),
    eh=st.integers(0, 24),
    em=st.integers(0, 59),
    sep=st.sampled_from(["~", "-", " ~ ", "～", "∼"]),
    padded=st.booleans(),
)
def test_any_clock_range_is_open_inside_and_closed_outside(
    sh: int, sm: int, eh: int, em: int, sep: str, padded: bool
):
    assume(eh < 24 or em == 0)
    hour = f"{sh:02d}" if padded else str(sh)
    schedule = parse_hours(f"{hour}:{sm:02d}{sep}{eh:02d}:{em:02d}")
    assert schedule is not None
    start, end = sh * 60 + sm, eh * 60 + em
    start = 0 if start == 1 else start  # "00:01" is midnight
    if end <= start:
        end += 1440
    span = end - start
    wednesday = datetime(2026, 3, 4)  # Wednesday to Friday: plain weekdays
    if span % 1440 in (0, 1439):  # "23:59" and "start − 1 minute" end the day
        assert schedule.always_open
        return
    inside = wednesday + timedelta(minutes=start + span / 2)
    outside = wednesday + timedelta(minutes=end + (1440 - span) / 2)
    assert schedule.is_open(inside) is True
    assert schedule.is_open(outside) is False


@given(sh=st.integers(0, 23), sm=st.integers(0, 59), eh=st.integers(0, 23), em=st.integers(0, 59))
def test_column_pair_is_open_inside(sh: int, sm: int, eh: int, em: int):
    start, end = sh * 60 + sm, eh * 60 + em
    assume(start != end and start != 1)
    schedule = from_day_columns((f"{sh:02d}:{sm:02d}", f"{eh:02d}:{em:02d}"), None, None)
    assert schedule is not None and schedule.weekday is not None
    if end < start:
        end += 1440
    inside = datetime(2026, 3, 4) + timedelta(minutes=start + (end - start) / 2)
    assert schedule.is_open(inside) is True


MOMENTS = [at(WED, "10:00"), at(SAT, "03:00"), at(SUBSTITUTE_MON, "23:59"), at(SEOLLAL, "12:00")]


def _check(schedule: Schedule | None) -> None:
    if schedule is None:
        return
    assert Schedule.from_json(json.loads(json.dumps(schedule.to_json()))) == schedule
    for moment in MOMENTS:
        assert schedule.is_open(moment) in (True, False, None)


@given(st.text())
def test_any_text_never_raises(text: str):
    _check(parse_hours(text))
    _check(from_day_texts(text, text, None))
    _check(from_day_columns(("09:00", "18:00"), None, None, text))
    _check(from_day_columns((text, text), None, None))


FRAGMENTS = [
    "09:00", "18:00", "9", "18", "00:00", "24:00", "23:59", "~", "-", "시", "분", ":", " ",
    ",", "/", "+", "(", ")", "24시간", "상시", "연중", "무휴", "평일", "주말", "토", "일",
    "월", "화~토", "공휴일", "휴일", "국경일", "휴관", "미운영", "만", "익일", "AM", "PM",
    "오후", "소독", "점심시간", "9시간", "매월", "1~2월", "당일", "설", "추석", "당일",
]  # fmt: skip


@given(st.lists(st.sampled_from(FRAGMENTS), max_size=14).map("".join))
def test_text_made_of_the_grammar_never_raises(text: str):
    _check(parse_hours(text))
    _check(from_day_columns(("09:00", "18:00"), ("09:00", "13:00"), None, text))


# --- DayContext: the per-request evaluation ---------------------------------------------------


def _reference_is_open(schedule: Schedule, at: datetime) -> bool | None:
    """`Schedule.is_open` as it was before `DayContext`: one date walk per call."""
    local = at.astimezone(KST) if at.tzinfo is not None else at
    today = local.date()
    minute = local.hour * 60 + local.minute + (local.second + local.microsecond / 1e6) / 60

    def closed_on(day: date) -> bool:
        closed = schedule.closed_dates
        names = holiday_names(day)
        return bool(
            WEEKDAY_NAMES[day.weekday()] in closed
            or ("new_year" in closed and (day.month, day.day) == (1, 1))
            or ("christmas" in closed and (day.month, day.day) == (12, 25))
            or ("seollal" in closed and names & REF_SEOLLAL)
            or ("seollal_day" in closed and "Korean New Year" in names)
            or ("chuseok" in closed and names & REF_CHUSEOK)
            or ("chuseok_day" in closed and "Chuseok" in names)
        )

    def intervals_on(day: date) -> tuple[tuple[int, int], ...] | None:
        if closed_on(day):
            return ()
        if is_public_holiday(day):
            return schedule.holiday if schedule.holiday is not None else schedule.sunday
        return (schedule.weekday, schedule.weekday, schedule.weekday, schedule.weekday,
                schedule.weekday, schedule.saturday, schedule.sunday)[day.weekday()]  # fmt: skip

    def covers(intervals: tuple[tuple[int, int], ...] | None, m: float) -> bool | None:
        return None if intervals is None else any(s <= m < e for s, e in intervals)

    spills = any(
        end > 1440
        for name in ("weekday", "saturday", "sunday", "holiday")
        for _, end in (getattr(schedule, name) or ())
    )
    now = covers(intervals_on(today), minute)
    before = intervals_on(today - timedelta(days=1)) if today > date.min else None
    spill = False if before is None and not spills else covers(before, minute + 1440)
    if now or spill:
        return None if "unknown" in schedule.closed_dates else True
    if now is None or spill is None:
        return None
    return False


REF_SEOLLAL = frozenset(
    {"The day preceding Korean New Year", "Korean New Year", "The second day of Korean New Year"}
)
REF_CHUSEOK = frozenset({"The day preceding Chuseok", "Chuseok", "The second day of Chuseok"})

_minutes = st.integers(min_value=0, max_value=1439)
_interval_lists = st.none() | st.lists(
    st.tuples(_minutes, st.integers(min_value=1, max_value=1440)).map(
        lambda p: (p[0], p[0] + p[1])
    ),
    max_size=3,
)
schedules = st.builds(
    Schedule,
    weekday=_interval_lists,
    saturday=_interval_lists,
    sunday=_interval_lists,
    holiday=_interval_lists,
    closed_dates=st.lists(st.sampled_from(CLOSED_DATE_VALUES), max_size=4).map(tuple),
)
# Around Seollal, Chuseok, substitute holidays, New Year and Christmas, in and out of Seoul time.
_days = st.sampled_from(
    [date(2026, 2, 15) + timedelta(days=i) for i in range(5)]
    + [date(2026, 9, 23) + timedelta(days=i) for i in range(5)]
    + [date(2025, 12, 24), date(2025, 12, 25), date(2026, 1, 1), date(2026, 1, 2)]
    + [date(2026, 3, 1) + timedelta(days=i) for i in range(9)]
) | st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31))
moments = st.builds(
    lambda d, m, s, tz: (
        datetime(d.year, d.month, d.day, tzinfo=tz) + timedelta(minutes=m, seconds=s)
    ),
    _days,
    _minutes,
    st.integers(min_value=0, max_value=59),
    st.sampled_from([None, UTC, KST]),
)


@given(schedules, moments)
def test_status_of_day_context_is_is_open(schedule: Schedule, moment: datetime):
    expected = _reference_is_open(schedule, moment)
    assert schedule.status(day_context(moment)) is expected
    assert schedule.is_open(moment) is expected


def test_day_context_reads_holidays_and_closures():
    ctx = day_context(at(SEOLLAL, "12:00"))
    assert ctx.today.day_type == "holiday"
    assert {"tue", "seollal", "seollal_day"} <= ctx.today.closed
    assert ctx.yesterday is not None
    assert "seollal_day" not in ctx.yesterday.closed and "seollal" in ctx.yesterday.closed
    friday = day_context(at(SAT, "00:30")).yesterday
    assert friday is not None and friday.day_type == "weekday"
    assert day_context(datetime(2026, 3, 4, 0, 30, tzinfo=UTC)).minute == 9 * 60 + 30
