"""Opening-hours text cut into tokens: time ranges, day words, seasons, closures, noise."""

import re
from typing import Any

from geo.hours.clock import _DURATION, _RANGE, _range, _Unparseable
from geo.hours.days import _DAY_WORDS, _SPAN, _date, _nth, _season, _span

_TOKEN = re.compile(
    "|".join(
        [
            r"(?P<dspan>\d{1,2}\s*[./]\s*\d{1,2}\s*\.?\s*~\s*\d{1,2}\s*[./]\s*\d{1,2}\.?)",
            r"(?P<date>(?:\d{1,2}\s*월\s*\d{1,2}\s*일|\d{1,2}\s*/\s*\d{1,2})"
            r"(?:\s*\(\s*[월화수목금토일]\s*\))?)",
            r"(?P<months>(?:\d{1,2}\s*월\s*[~\-]\s*\d{1,2}|\d{1,2}\s*[~\-]\s*\d{1,2}"
            r"|\d{1,2}(?:\s*[,·]\s*\d{1,2})*)\s*월(?:\s*(?:까지|부터|에는|은|중))?)",
            r"(?P<named>하절기|여름철|동절기|겨울철)",
            r"(?P<nth>격주|(?:매월\s*)?(?:(?:첫|둘|셋|넷|다섯)\s*(?:번\s*)?째|마지막)(?:\s*주)?"
            r"|(?:매월\s*)?\d(?:\s*[,.·]\s*\d)*\s*(?:(?:번\s*)?째\s*(?:주(?:차)?)?|주(?:차)?))",
            rf"(?P<range>{_RANGE})",
            r"(?P<allday>상시|항시|24\s*시간|24\s*시(?![\d~\-])|24\s*h(?:ours?)?(?![a-z])"
            r"|종일\s*개방)",
            r"(?P<everyday>(?:연중|년중)(?:\s*무휴)?|무휴|365\s*일|매일"
            r"|(?:평일\s*[,.·]?\s*주말\s*)?구분\s*없이)",
            r"(?P<duration>\d{1,2}(?:\.\d)?\s*시간(?:\s*\d{1,2}\s*분)?)",
            # "휴관일: 8/15" labels the closed days that follow
            r"(?P<label>(?:정기\s*)?휴[관무]일\s*:)",
            r"(?P<closed>미\s*운영|미\s*개방|비\s*개방|운영\s*(?:안\s*함|x)|개방\s*(?:안\s*함|하지\s*않음)"
            r"|사용\s*불가|폐쇄|휴장|제외|정기\s*휴[관무]일?|휴[관무]일?)",
            r"(?P<cut>점심\s*시간\s*(?:폐문|휴무|휴게|제외)?|휴게\s*시간|소독)",
            r"(?P<only>만(?![가-힣]))",
            r"(?P<etc>등(?![가-힣]))",
            r"(?P<noise>개방\s*구분|(?:운영|개방|이용|업무|근무)\s*시간|운영|개방|정시|매주|매월|정기|및|까지"
            r"|연장\s*(?:및\s*)?추가\s*운영(?:\s*시간)?|(?:연장|추가|확대)\s*(?:쉼터\s*)?운영|한시적으로|동일|도서관|기본"
            r"|폭염\s*(?:대책\s*)?기간|(?:지하\s*)?[Bb]?\d\s*층\s*만|장서\s*점검|임시|수방\s*기간"
            r"|(?<=[일말])(?:은|는|에는)(?![가-힣]))",
            rf"(?P<span>{_SPAN})",
            *(f"(?P<day{i}>{pattern})" for i, (pattern, _) in enumerate(_DAY_WORDS)),
        ]
    ),
    re.IGNORECASE,
)
# ㅇ (NFKC: ᄋ) bullets the items of a list ("ㅇ 4월 ~ 10월 09:00~18:30 ㅇ …")
_SKIP = re.compile(r"[\s,./+()\[\]<>:;·~\-*※|&'\"_=!ㅇᄋ]+")


def _tokens(text: str) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    pos = 0
    while pos < len(text):
        skip = _SKIP.match(text, pos)
        if skip:
            if re.search(r"[()]", skip.group()):
                out.append(("bracket", None))
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
            out.append(("days", _DAY_WORDS[int(kind[3:])][1]))
        elif kind == "span":
            out.append(("days", _span(m.group())))
            out.append(("bracket", None))  # "09-18시(화-일, 월 휴무)": a span stands alone
        elif kind == "nth":
            out.append(("nth", _nth(m.group())))
        elif kind == "date":
            out.append(("days", frozenset({_date(m.group())})))
        elif kind in ("months", "named", "dspan"):
            out.append(("season", _season(kind, m.group())))
        elif kind == "label":
            out.append(("closed", "label"))
        elif kind != "noise":
            out.append((kind, None))
        pos = m.end()
    return out
