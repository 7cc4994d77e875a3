"""Clock times, time ranges and durations in opening-hours texts, and the text's normal form."""

import re
import unicodedata

from geo.hours.schedule import DAY, Intervals, _normalise_intervals

_TIME = (
    r"(?:(?:AM|PM|오전|오후)\s*)?\d{1,2}"
    r"(?:\s*:\s*\d{1,2}(?:\s*시)?|\s*시(?:\s*\d{1,2}\s*분)?)?"
)
_NEXT_DAY = r"(?:익일|다음\s*날)"
# A range must not run into more digits ("09:00~1800") or a month or day ("1~2월").
_RANGE = rf"{_TIME}\s*[~\-]\s*(?:{_NEXT_DAY}\s*)?{_TIME}(?:\s*\(\s*{_NEXT_DAY}\s*\))?(?![\d:월일])"
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
    t = re.sub(r"(?<=\d):[:.](?=\d)", ":", t)  # "18::00", "09:.00"
    t = re.sub(r"(?<=\d):(?=\s*~)", "", t)  # "09:~18:00"
    t = re.sub(r"javascript:void\(0\);?", "", t)
    t = re.sub(r"\(?\s*(?:참고|사유)\s*:[^)]*\)?", " ", t)  # "24시간 (참고:경광등 설치)"
    # "상시 개방 : 평일 09~18시" is "regularly open: …", not 24 hours.
    t = re.sub(r"상시\s*개방\s*:\s*(?=[^/]*\d)", "", t)
    # "1층 로비 / …", "관리사무소 / …": a place, not hours
    t = re.sub(
        r"^(?:[^/:~\d]*\d*\s*[층동][^/:~]*|[^/:~\d]*(?:관리\s*사무소|관리실)[^/:~\d]*)/", "", t
    )
    t = re.sub(r"시설\s*운영\s*시간\s*내\s*(?:쉼터\s*)?(?:탄력적\s*)?운영", "", t)
    t = re.sub(r"^[가-힣]+\s*관람\s*시간\s*,?", "", t)  # "창경궁 관람시간, 월요일 휴관 …"
    # "상시(10:00~21:00)": the category word (상시 / 정시) of the toilet data before the hours
    t = re.sub(r"^상시\s*(?=\(\s*\d{1,2}\s*[:시]\s*\d*\s*[~\-])", "", t)
    # "동절기폐쇄(11/20~익년3/15)": the dates in brackets say when the named season is
    t = re.sub(
        r"(?:하절기|동절기|여름철|겨울철)\s*([가-힣]*)\s*\(\s*(\d{1,2}\s*[./]\s*\d{1,2})\s*~\s*"
        r"(?:익년\s*)?(\d{1,2}\s*[./]\s*\d{1,2})\s*\)",
        r"\2~\3 \1",
        t,
    )
    # "24시간..자연발효식(와변기)": a note on the facility after "..", not hours
    t = re.sub(r"\.{2,}(?![^\d]*(?:요일|평\s*일|주\s*말|휴|운영|개방))[^\d]*$", "", t)
    # "00:00~24:01" … "00:00~24:13" down consecutive rows of one agency (a spreadsheet fill
    # series from "00:00~24:00"): no end past midnight of a 00:00 start can be opening hours
    t = re.sub(r"(?<![\d:])00:00\s*~\s*24:[0-5]\d(?![\d:])", "00:00~24:00", t)
    t = re.sub(r"\s+", " ", t).strip()
    # a bare "24" in an hours column: the campsites that write it (담양군) write no other hours
    return "24시간" if t == "24" else t


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


def _ranges(raw: list[tuple[tuple[int, int], bool]]) -> Intervals:
    # In a list of sessions "00:00~00:00" fills an empty slot ("09:00~13:00,00:00~00:00");
    # only on its own does it mean 24 hours.
    kept = [interval for interval, same in raw if not same] or [raw[0][0]]
    return _normalise_intervals(kept)


def _minutes_open(intervals: Intervals) -> int:
    return sum(end - start for start, end in intervals)


# A time of day: a range ("09:00~18:00", "09~18시", not the dates "5/16~5/31" nor "3~4층"),
# a clock time ("09:00", "9시", "오전 9시", not the duration "9시간" nor "시설"), or the whole
# day ("24시간", "상시"), as opposed to a bare duration ("8시간", "1박") or no time at all.
_STATES_CLOCK_TIME = re.compile(
    rf"(?<![\d./~\-]){_RANGE}(?!\s*[./]\s*\d|[층박명개주회번차])"
    r"|(?:AM|PM|오전|오후)\s*\d{1,2}"
    r"|(?<![\d.])\d{1,2}\s*:\s*\d{2}"
    r"|(?<![\d.])\d{1,2}\s*시(?!\s*간|설|청|즌|장)"
    r"|상시|항시|24\s*시간|24\s*h(?:ours?)?(?![a-z])|종일",
    re.IGNORECASE,
)


def states_clock_time(text: str) -> bool:
    """Whether an opening-hours text names a time of day (or the whole day) at all.

    A text that names none ("정시", "업무시간", "8시간", "1박", "유동적임") can only be given
    hours at the source; one that names times the parser cannot read is a gap in the parser.
    """
    return _STATES_CLOCK_TIME.search(_normalise_text(text)) is not None
