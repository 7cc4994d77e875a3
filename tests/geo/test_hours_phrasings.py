"""geo.hours on the phrasings of the real files: one test per family, and properties.

Every literal below is a text (or a family member) taken from the real files' hours or note
columns; the counts in comments are rows of the last full load.
"""

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.hours import (
    FULL_DAY,
    Condition,
    Schedule,
    Season,
    from_day_texts,
    is_public_holiday,
    parse_hours,
    parse_stay_times,
    states_clock_time,
)

# April 2026 has no public holidays: the 6th is the 1st Monday, the 13th the 2nd.
MON_1, MON_2, TUE = "2026-04-06", "2026-04-13", "2026-04-14"
SUN_2, SAT = "2026-04-12", "2026-04-11"


def at(day: str, clock: str) -> datetime:
    return datetime.fromisoformat(f"{day}T{clock}")


def status(text: str, day: str, clock: str) -> bool | None:
    schedule = parse_hours(text)
    assert schedule is not None, text
    return schedule.is_open(at(day, clock))


def test_closed_days_without_times():
    s = parse_hours("매주 월요일 및 공휴일 휴관")
    assert s == Schedule(holiday=(), closed_dates=("mon",))
    assert s.is_open(at(TUE, "10:00")) is None  # not said: unknown
    assert s.is_open(at(MON_2, "10:00")) is False
    # 35 notes name the place first ("관리사무소 1층 / …")
    for text in ("주말, 공휴일 미운영", "노원어린이집 옆 건물 / 주말 및 공휴일 미운영"):
        assert parse_hours(text) == Schedule(saturday=(), sunday=(), holiday=()), text
    # "공휴일 등": other days may close too
    s = parse_hours("시설 운영시간 내 쉼터 탄력적 운영(공휴일 등 미운영)")
    assert s is not None and s.holiday == () and "unknown" in s.closed_dates


def test_weeks_of_the_month():
    s = parse_hours("휴관일: 매월 2, 4주 월요일, 공휴일")
    assert s is not None and s.closed_dates == ("mon#2", "mon#4") and s.holiday == ()
    assert s.is_open(at(MON_2, "10:00")) is False
    assert s.is_open(at(MON_1, "10:00")) is None  # hours never said
    text = "정시(09:00~18:00, 둘째,넷째 월요일 제외)"
    assert status(text, MON_2, "10:00") is False
    assert status(text, MON_1, "10:00") is True
    assert parse_hours("- 매월 1, 3번째 일요일 정기 휴무 - 법정공휴일 정기 휴무") == Schedule(
        holiday=(), closed_dates=("sun#1", "sun#3")
    )
    assert parse_hours("정시(월~토 :06:00~23:00, 일 11:00~18:00, 넷째 일요일제외 )") is not None
    # the last week: a date within 7 days of the month's end
    s = Schedule(weekday=((540, 1080),), closed_dates=("tue#last",))
    assert s.is_open(at("2026-03-31", "10:00")) is False
    assert s.is_open(at("2026-03-24", "10:00")) is True
    # 격주 (every other week) cannot be placed: open becomes unknown
    text = "정시(07:00-20:00), 일요일격주휴무"
    assert status(text, SUN_2, "10:00") is None
    assert status(text, TUE, "10:00") is None
    assert status(text, TUE, "21:00") is False


def test_dates_of_every_year():
    assert status("※ 평일 9시~21시, 주말 9시~18시 운영 8월15일(금) 휴관", "2026-08-14", "10:00")
    assert (
        status("※ 평일 9시~21시, 주말 9시~18시 운영 8월15일(금) 휴관", "2026-08-15", "10:00")
        is False
    )
    s = parse_hours("휴관일: 매주 화요일, 7/6~7/8(장서점검 임시 휴관), 7/17, 8/15, 8/17, 9/24")
    assert s is not None and {"tue", "07-17", "08-15", "08-17", "09-24"} == set(s.closed_dates)
    assert s.is_open(at("2026-07-07", "10:00")) is False  # the stock-taking days
    assert s.is_open(at("2026-07-09", "10:00")) is None
    assert parse_hours("1월 1일, 설연휴, 추석연휴, 노동절 휴관") == Schedule(
        closed_dates=("seollal", "chuseok", "new_year", "05-01")
    )


def test_heat_wave_hours_are_recorded_and_the_usual_hours_apply():
    s = parse_hours("폭염특보 시 추가운영(평일 09~22시, 휴일(주말,공휴일) 12~18시)")
    assert s is not None
    assert s.conditions == (
        Condition(
            "폭염특보 시",
            Schedule(
                weekday=((540, 1320),),
                saturday=((720, 1080),),
                sunday=((720, 1080),),
                holiday=((720, 1080),),
            ),
        ),
    )
    assert s.is_open(at(TUE, "12:00")) is None  # only the warning's hours are said
    text = (
        "<평시> (평일) 09시~18시 (주말·공휴일) 미운영 <폭염주의보, 폭염경보 발효 시> (평일) "
        "09시~22시 (주말·공휴일) 10시~19시 <폭염중대경보, 열대야주의보 발효 시> (평일) "
        "09시~22시 (주말·공휴일) 10시~22시"
    )
    s = parse_hours(text)
    assert s is not None and len(s.conditions) == 2
    assert s.is_open(at(TUE, "20:00")) is False  # the usual hours, not the warning's
    assert s.is_open(at(SAT, "12:00")) is False
    assert status("평시 평일주말공휴일 09시~21시 폭염특보시 24시간운영", TUE, "22:00") is False
    s = parse_hours("매주 금요일, 법정 공휴일 휴관 / 폭염 특보시 주말 연장쉼터 운영(13~17시)")
    assert s is not None and s.closed_dates == ("fri",) and s.conditions[0].hours is not None
    # a warning that says no hours, alone, is no hours at all
    assert parse_hours("폭염특보 시 연장운영 및 추가운영") is None


def test_seasons():
    text = "07:00~22:00(3-10월), 07:00-21:00(11-2월)"
    assert status(text, "2026-07-01", "21:30") is True
    assert status(text, "2026-12-01", "21:30") is False
    text = "정시(3월~10월까지 10:00 ~ 21:00(매주 월요일 휴관) 11월~2월까지 10:00 ~ 20:00(매주 월요일 휴관))"
    assert status(text, "2026-06-02", "20:30") is True
    assert status(text, "2026-06-01", "12:00") is False  # Monday
    assert status(text, "2026-11-03", "20:30") is False
    # hours only in the season: unknown outside it
    assert status("7~8월 : 09시~20시 운영", "2026-08-03", "10:00") is True
    assert status("7~8월 : 09시~20시 운영", "2026-09-01", "10:00") is None
    # a named season has no agreed dates: known in its core and far from it, unknown between
    s = parse_hours("24시간 개방(동절기 제외)")
    assert s is not None and not s.always_open
    assert s.seasons == (
        Season(
            (12, 1),
            (2, 29),
            Schedule(weekday=(), saturday=(), sunday=(), holiday=()),
            "동절기",
            ((9, 1), (5, 31)),
        ),
    )
    assert s.is_open(at("2026-01-15", "12:00")) is False
    assert s.is_open(at("2026-07-15", "03:00")) is True
    assert s.is_open(at("2026-11-15", "12:00")) is None
    text = (
        "창경궁 관람시간, 월요일 휴관 정시개방 ㅇ 4월 ~ 10월 09:00~18:30 ㅇ 11월, 3월 "
        "09:00~17:30 ㅇ 12월 ~ 2월 09:00~17:00"
    )
    assert status(text, "2026-03-17", "17:15") is True
    assert status(text, "2026-12-15", "17:15") is False
    assert status(text, "2026-06-15", "12:00") is False  # Mondays in every season
    # a cell for one day type that has seasons is no uniform day type
    assert from_day_texts("24시간 개방(동절기 제외)", None, None) is None
    assert status("정시(겨울철미개방)", "2026-01-15", "12:00") is False
    assert status("정시(겨울철미개방)", "2026-07-15", "12:00") is None


def test_closures_outside_the_seasons_close_within_them():
    # found by the never-open property test: the seasons' hours are for every day, so a
    # closure stated after them applies within each season
    text = "07:00~22:00(3-10월), 07:00-21:00(11-2월), 공휴일 휴관"
    assert is_public_holiday(date(2026, 1, 1))
    assert status(text, "2026-01-01", "07:00") is False
    assert status(text, "2026-05-05", "12:00") is False  # Children's Day, the other season
    assert status(text, "2026-01-02", "07:00") is True
    # "휴관일:" labels the dates that follow; it does not close the season before it
    text = "07:00~22:00(3-10월), 07:00-21:00(11-2월) 휴관일: 8/15"
    assert status(text, "2026-08-15", "12:00") is False
    assert status(text, "2026-08-14", "21:30") is True
    assert status(text, "2026-12-15", "12:00") is True
    # hours a season gives a day type itself still win over the closure outside it
    text = "공휴일 휴관, 3월~10월 평일 09~18시, 공휴일 10~17시"
    assert status(text, "2026-05-05", "12:00") is True


def test_weekday_spans_and_days_after_hours():
    # no word on Mondays: the weekday hours stay unknown
    assert parse_hours("화~일 09:00~18:00") == Schedule(
        saturday=((540, 1080),), sunday=((540, 1080),)
    )
    s = parse_hours("09-18시(화-일, 월 휴무)")
    assert s == Schedule(
        weekday=((540, 1080),),
        saturday=((540, 1080),),
        sunday=((540, 1080),),
        closed_dates=("mon",),
    )
    assert parse_hours("09-22시(평일), 09-18시(주말)") == Schedule(
        weekday=((540, 1320),), saturday=((540, 1080),), sunday=((540, 1080),)
    )
    # bracketed days stay apart from the next ones (this text read as weekdays closed before)
    assert parse_hours("정시(09:00~18:00(평일))토,일 미개방") == Schedule(
        weekday=((540, 1080),), saturday=(), sunday=()
    )
    # differing weekdays: unknown, not one of them
    s = parse_hours("09-19시(월), 09-22시(화-금), 09-18시(주말)")
    assert s is not None and s.weekday is None and s.saturday == ((540, 1080),)


def test_formerly_unread_texts_now_read_in_part():
    assert parse_hours("화~토 09:00~18:00") == Schedule(saturday=((540, 1080),))
    s = parse_hours("(3월~10월)9:00~18:00, (11월~2월)9:00~17:00")
    assert s is not None and [(x.start, x.end) for x in s.seasons] == [
        ((3, 1), (10, 31)),
        ((11, 1), (2, 29)),
    ]
    # "상시 개방 :" labels the hours that follow ("1층 로비 / 상시 개방 : 평일 09~18시")
    assert parse_hours("상시 개방 : 평일 09~18시") == Schedule(weekday=((540, 1080),))
    assert parse_hours("1층 로비 / 상시 개방 : 평일 09~18시") == Schedule(weekday=((540, 1080),))


def test_the_toilet_24h_phrasings():
    for text in (
        "종일개방",
        "평일,주말 구분없이 24시간",
        "24시간 (참고:경광등 설치)",
        "1층만 24시간 개방",
    ):
        s = parse_hours(text)
        assert s is not None and s.always_open, text
    for text in ("정시", "업무시간", "18시간", "정시 (영업시작~종료)"):
        assert parse_hours(text) is None, text


def test_campsite_stay_times():
    s = parse_stay_times("당일 14:00~익일 12:00기준")
    assert s == Schedule(stay=(840, 720))
    assert s.is_open(at(TUE, "15:00")) is None
    for text in (
        "지정일 14:00~익일 11:00",
        "입:14:00퇴:12:00",
        "14:00~11:00",
        "지정일 14:00 익일 12:00",
    ):
        s = parse_stay_times(text)
        assert s is not None and s.stay is not None and s.weekday is None, text
    assert parse_stay_times("24시간") == Schedule(always_open=True)
    assert parse_stay_times("연중무휴") == Schedule(always_open=True)
    s = parse_stay_times("개장(4월~11월)")
    assert s is not None
    assert s.is_open(at("2026-01-10", "12:00")) is False
    assert s.is_open(at("2026-05-10", "12:00")) is None
    for text in ("1일", "유동적임", "1박"):
        assert parse_stay_times(text) is None


def test_json_keeps_the_new_parts_and_reads_the_old():
    for text in (
        "24시간 개방(동절기 제외)",
        "<평시> (평일) 09시~18시 (주말·공휴일) 미운영 <폭염경보 발효 시> (평일) 09시~22시",
        "휴관일: 매월 2, 4주 월요일, 공휴일",
    ):
        s = parse_hours(text)
        assert s is not None and Schedule.from_json(s.to_json()) == s, text
    stay = parse_stay_times("당일 14:00~익일 12:00기준")
    assert stay is not None and Schedule.from_json(stay.to_json()) == stay
    # JSON stored before seasons, conditions and stays existed
    old = {
        "weekday": [[540, 1080]],
        "saturday": None,
        "sunday": [],
        "holiday": None,
        "closed_dates": ["mon"],
        "always_open": False,
    }
    assert Schedule.from_json(old).to_json() == old
    with pytest.raises(ValueError):
        Schedule(closed_dates=("mon#6",))


# --- properties --------------------------------------------------------------------------

# Hours that never cross midnight, and closures with the dates they close.
HOURS = [
    "09:00~18:00",
    "24시간",
    "평일 09~18시, 토요일 10~17시",
    "07:00~22:00(3-10월), 07:00-21:00(11-2월)",
    "평일 09~18시 폭염특보 시 24시간 운영",
    "상시",
]
CLOSURES = [
    ("매주 월요일", lambda d: d.weekday() == 0),
    ("매월 2,4주 일요일", lambda d: d.weekday() == 6 and (d.day - 1) // 7 + 1 in (2, 4)),
    ("둘째, 넷째 수요일", lambda d: d.weekday() == 2 and (d.day - 1) // 7 + 1 in (2, 4)),
    ("공휴일", is_public_holiday),
    ("일요일", lambda d: d.weekday() == 6),
    ("8/15", lambda d: (d.month, d.day) == (8, 15)),
    ("설날 당일", lambda d: d in (date(2026, 2, 17), date(2027, 2, 7))),
]
days = st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 12, 31))
# The first example to reach a year computes that year's holidays (~150 ms, more on a loaded
# CI machine): with Hypothesis' 200 ms deadline that made the properties flaky.
one_off_costs = settings(deadline=None)
minutes = st.integers(0, 1439)


@one_off_costs
@given(
    st.sampled_from(HOURS),
    st.lists(st.sampled_from(range(len(CLOSURES))), min_size=1, max_size=3, unique=True),
    st.sampled_from([", {c} 휴관", " ({c} 휴무)", " 휴관일: {c}", "({c} 제외)"]),
    days,
    minutes,
)
def test_never_open_on_a_day_the_text_closes(hours, picked, form, day, minute):
    closures = [CLOSURES[i] for i in picked]
    text = hours + form.format(c=", ".join(c for c, _ in closures))
    schedule = parse_hours(text)
    assert schedule is not None, text
    if any(closes(day) for _, closes in closures):
        moment = datetime(day.year, day.month, day.day) + timedelta(minutes=minute)
        assert schedule.is_open(moment) is not True, (text, moment)


SAID = {
    "평일": lambda d: d.weekday() < 5,
    "토요일": lambda d: d.weekday() == 5,
    "일요일": lambda d: d.weekday() == 6,
}


@one_off_costs
@given(
    st.lists(st.sampled_from(sorted(SAID)), min_size=1, max_size=2, unique=True),
    st.sampled_from(["09:00~18:00", "10~17시", "06:00~23:00", "미운영"]),
    st.sampled_from(["", " 폭염특보 시 24시간 운영", ", 공휴일 휴관", " (매월 2,4주 일요일 휴관)"]),
    days,
    minutes,
)
def test_what_the_text_does_not_say_stays_unknown(said, hours, tail, day, minute):
    text = f"{' '.join(said)} {hours}{tail}"
    schedule = parse_hours(text)
    assert schedule is not None, text
    moment = datetime(day.year, day.month, day.day) + timedelta(minutes=minute)
    mentioned = any(SAID[d](day) for d in said)
    closed_by_tail = ("공휴일" in tail and is_public_holiday(day)) or (
        "2,4주" in tail and day.weekday() == 6 and (day.day - 1) // 7 + 1 in (2, 4)
    )
    if not mentioned and not closed_by_tail and not is_public_holiday(day):
        assert schedule.is_open(moment) is None, (text, moment)


@one_off_costs
@given(
    st.sampled_from(["당일 14:00~익일 12:00기준", "14:00~익일12:00", "입:13:00퇴:12:00"]),
    days,
    minutes,
)
def test_stay_times_never_say_open_or_closed(text, day, minute):
    schedule = parse_stay_times(text)
    assert schedule is not None and schedule.stay is not None
    moment = datetime(day.year, day.month, day.day) + timedelta(minutes=minute)
    assert schedule.is_open(moment) is None


def test_full_day_constant_is_what_always_open_uses():
    assert Schedule(always_open=True).weekday == FULL_DAY


# --- families added for issue 17 (counts: source rows of the default files) -----------------


def test_national_days_closed_are_their_five_dates():
    # toilets (7 rows): the five 국경일 are fixed solar dates, so closing them needs no guess
    text = "정시(09:00~18:00,매주월요일,국경일제외)"
    assert status(text, TUE, "10:00") is True
    assert status(text, MON_2, "10:00") is False
    assert status(text, "2024-07-17", "10:00") is False  # 제헌절: a 국경일, no public holiday
    assert status(text, "2026-10-09", "10:00") is False  # 한글날
    s = parse_hours("국경일 휴관")
    assert s is not None and s.weekday is None
    assert set(s.closed_dates) == {"03-01", "07-17", "08-15", "10-03", "10-09"}
    assert s.is_open(at(TUE, "10:00")) is None  # the other days stay unknown
    # hours for the national days alone still say nothing of the other public holidays
    assert parse_hours("국경일 09:00~13:00") is None


def test_a_category_word_before_bracketed_hours():
    # toilets: "상시" (the 개방시간 category) followed by the hours it stands for
    assert parse_hours("상시(10:00~21:00)") == Schedule(
        weekday=((600, 1260),),
        saturday=((600, 1260),),
        sunday=((600, 1260),),
        holiday=((600, 1260),),
    )
    assert status("상시(05:00-01:00)", TUE, "00:30") is True  # past midnight
    assert status("상시(05:00-01:00)", TUE, "03:00") is False
    assert parse_hours("상시") == Schedule(always_open=True)


def test_a_facility_note_after_two_dots():
    # toilets (4 rows)
    for text in ("24시간..자연발효식(와변기)", "24시간..재래식화장실을 포세식화장실로 개선"):
        assert parse_hours(text) == Schedule(always_open=True), text
    # what follows ".." is kept when it speaks of days or closures
    assert status("09:00~18:00..주말 휴무", SAT, "10:00") is False


def test_a_bare_24_and_a_fill_series_of_24_hours():
    # campsites: "24" (13 rows, one 군, no other hours) and "00:00~24:01" … "00:00~24:13"
    # (13 consecutive rows of one 시, after "00:00~24:00")
    assert parse_stay_times("24") == Schedule(always_open=True)
    assert parse_hours("24") == Schedule(always_open=True)
    for minute in (1, 9, 13):
        assert parse_stay_times(f"00:00~24:{minute:02d}") == Schedule(always_open=True)
    # only a 00:00 start makes it the whole day: "09:00~24:13" runs to 00:13
    assert status("09:00~24:13", TUE, "00:10") is True
    assert parse_hours("24일") is None


def test_campsite_stays_with_start_and_end_days():
    for text, stay in (
        ("지정일:14:00~익일11:00", (840, 660)),
        ("예약시작일 14:00~종료일 11:00", (840, 660)),
        ("사용시작일 14시~ 사용종료일 12시", (840, 720)),
        ("야영데크:14:00~13:00", (840, 780)),  # the kind of pitch first
        ("(09:00~22:00)", (540, 1320)),
    ):
        assert parse_stay_times(text) == Schedule(stay=stay), text
    # a stay after a season or 연중무휴 is not read: a stay comes without opening hours
    for text in (
        "매년 5.16~10.30 지정일 14:00~익일12:00",
        "연중무휴(지정일 14:00~다음날 11:00)",
        "매년 7~8월 (금~일)14:00~익일 11:00",
        "야영데크:14:00~13:00, 카라반: 14:00~11:00",  # two kinds of pitch, two stays
    ):
        assert parse_stay_times(text) is None, text


def test_texts_that_state_no_times_are_not_read():
    # toilets: 정시 (674 rows), 업무시간 (148), 정시개방 (55), durations ("9시간", 172);
    # campsites: 1일 (53), 유동적임 (27), a check-out alone
    for text in ("정시개방", "근무시간 개방", "올림픽공원 개방 시간 내", "9시간", "13시간30분"):
        assert parse_hours(text) is None, text
    for text in ("1일", "유동적임", "1박2일(익일 정오 12시)", "익일11시까지", "제한없음"):
        assert parse_stay_times(text) is None, text


@pytest.mark.parametrize(
    "text",
    [
        # toilets: the category word alone or with a placeholder, office hours, durations
        "정시",
        "업무시간",
        "정시 (영업시작~종료)",
        "정시개방",
        "9시간",
        "15.5시간",
        "13시간30분",
        "평일,주말 25시간 개방",
        "올림픽공원 개방 시간 내",
        # campsites: a stay's length, "varies", "no limit"
        "1일",
        "유동적임",
        "1박",
        "제한없음",
        "1년",
        # cooling shelters: closures and dates only
        "연장쉼터 미 운영",
        "* 5.16. ~ 5.31. 기능보강공사로 인한 휴관",
        "매년 7월20일~8월25일",
    ],
)
def test_texts_naming_no_time_of_day(text: str):
    assert not states_clock_time(text)


@pytest.mark.parametrize(
    "text",
    [
        # unparsed, but they name times: gaps in the parser (or typos in a time)
        "05:00~대관마감시간까지",
        "0~25시",
        "09:00~110:00",
        "05~24시간",
        "정시(10~22사)",
        "12시간(2월, 10시~22시), 13시간(평소, 10시~23시)",
        "1박2일(익일 정오 12시)",
        "익일11시까지",
        "24시간(공휴일 관계 없음)",
        "상시(남자화장실만)",
        "폭염특보시 09~21시로 연장운영",
        "４월 3일(목) 오전 09:00부터",
        # and the texts the parser reads
        "09:00~18:00",
        "평일 09-18시, 토 10~13시",
    ],
)
def test_texts_naming_a_time_of_day(text: str):
    assert states_clock_time(text)


def test_one_day_closed_within_a_group_given_hours():
    # toilets (4 rows): the single day's closure wins over the group's hours, either order
    for text in (
        "평일09-22시, 주말 09~22시(일요일 휴관)",
        "(평일)05:00-22:00+(주말)05:00-14:00+일요일폐쇄",
    ):
        assert status(text, SAT, "10:00") is True, text
        assert status(text, SUN_2, "10:00") is False, text
    assert status("일요일 휴관, 주말 09~22시", SUN_2, "10:00") is False
    assert parse_hours("주말 09~18시, 주말 휴관") is None  # the same group twice: a contradiction


def test_a_label_before_bracketed_hours():
    # toilets: "개방구분(…)", "근무시간(…)"; the label alone states no times
    s = parse_hours("개방구분(평일(06:00~22:00),토요일(06:00~12:00),일요일(휴관))")
    assert s is not None and (s.weekday, s.saturday, s.sunday) == (
        ((360, 1320),),
        ((360, 720),),
        (),
    )
    assert parse_hours("근무시간(월~금, 09:00~18:00)") == Schedule(weekday=((540, 1080),))
    for text in ("업무시간", "근무시간 개방"):
        assert parse_hours(text) is None, text


def test_a_named_season_with_its_dates_and_a_closed_period():
    # toilets: the dates in brackets say when 동절기 is (3 rows); a flood-prevention period
    text = "06:00~18:00+동절기폐쇄(11/20~익년3/15)"
    assert status(text, "2026-01-10", "10:00") is False
    assert status(text, "2026-11-25", "10:00") is False
    assert status(text, "2026-05-11", "10:00") is True
    assert status(text, "2026-05-11", "19:00") is False
    text = "상시(6.30 ~ 10.15 수방기간 제외)"
    assert status(text, "2026-08-10", "10:00") is False
    assert status(text, "2026-05-10", "03:00") is True
