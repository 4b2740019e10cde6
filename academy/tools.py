"""小微工具箱: the working-day calculator, the due date of a credit period, and the quick
references (payment methods, Incoterms) whose words are content files.

The working days are ``core.workdays`` — the same code that counts a claim's 30 working days —
on the official calendar (holidays and 调休), the start day not counted. A due date is the
ship date plus the credit days in calendar days; it says when that day is a rest day in China
and whether the credit period is within the one year the small-business policy covers.

A follower types dates and numbers the way people write them: "2026-09-25", "2026/9/25",
"2026年9月25日", "9月25日" (this year), "今天", "明天"; "30", "三十", "九十天". ``read_query``
finds the date and the number in a sentence ("9月25日后30个工作日是哪天").
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

import chinese_calendar
import zhconv

from academy.content import Item, Library
from core.workdays import WorkdayCount, add_workdays, is_workday, published

MAX_WORKDAYS = 1000
MAX_CREDIT_DAYS = 1095
EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)
WEEKDAYS = "一二三四五六日"


class ToolInputError(ValueError):
    """What the follower typed cannot be used; ``code`` names why (the hint template's key)."""

    def __init__(self, code: str, **data: object) -> None:
        super().__init__(code)
        self.code = code
        self.data = {"max_workdays": MAX_WORKDAYS, "max_credit_days": MAX_CREDIT_DAYS, **data}


# --- reading what a follower typed -------------------------------------------------------------

_FULL_DATE = re.compile(r"(?P<y>(?:19|20)\d{2})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*"
                        r"(?P<d>\d{1,2})\s*[日号]?")
_MONTH_DAY = re.compile(r"(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]?")
_RELATIVE = {"今天": 0, "今日": 0, "明天": 1, "明日": 1, "后天": 2, "昨天": -1}
_DIGITS = "零一二三四五六七八九"
_CHINESE_NUMBER = re.compile(r"[零一二两三四五六七八九十百]+")
_NUMBER = re.compile(r"\d+")


def _chinese_to_int(text: str) -> int | None:
    """三十 → 30, 九十 → 90, 一百八十 → 180, 两百 → 200 (up to 999)."""
    text = text.replace("两", "二")
    total, current = 0, 0
    for ch in text:
        if ch in _DIGITS:
            current = _DIGITS.index(ch)
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
        else:
            return None
    total += current
    return total or None


def _valid(year: int, month: int, day: int) -> date:
    try:
        found = date(year, month, day)
    except ValueError:
        raise ToolInputError("bad_date", text=f"{year}-{month}-{day}") from None
    if not EARLIEST <= found <= LATEST:
        raise ToolInputError("date_range", earliest=EARLIEST, latest=LATEST)
    return found


def read_query(text: str, today: date) -> tuple[date | None, int | None]:
    """The date and the whole number in ``text`` (either may be missing)."""
    text = unicodedata.normalize("NFKC", text)
    day: date | None = None
    rest = text
    if found := _FULL_DATE.search(text):
        day = _valid(int(found["y"]), int(found["m"]), int(found["d"]))
        rest = text[:found.start()] + " " + text[found.end():]
    elif found := _MONTH_DAY.search(text):
        day = _valid(today.year, int(found["m"]), int(found["d"]))
        rest = text[:found.start()] + " " + text[found.end():]
    else:
        for word, offset in _RELATIVE.items():
            if word in text:
                day = today + timedelta(days=offset)
                rest = text.replace(word, " ")
                break
    number = None
    if digits := _NUMBER.search(rest):
        number = int(digits.group())
    elif words := _CHINESE_NUMBER.search(rest):
        number = _chinese_to_int(words.group())
    return day, number


def read_date(text: str, today: date) -> date:
    """One date; raises ``ToolInputError`` when there is none."""
    day, _ = read_query(text, today)
    if day is None:
        raise ToolInputError("no_date", text=text.strip()[:20])
    return day


# --- the calculators -------------------------------------------------------------------------

@dataclass(frozen=True)
class WorkdayResult:
    start: date
    count: int
    end: WorkdayCount

    @property
    def weekday(self) -> str:
        return WEEKDAYS[self.end.day.weekday()]


def working_days(start: date, count: int) -> WorkdayResult:
    """``count`` working days after ``start`` on the official calendar (start not counted)."""
    if not 1 <= count <= MAX_WORKDAYS:
        raise ToolInputError("workday_count", count=count)
    if not EARLIEST <= start <= LATEST:
        raise ToolInputError("date_range", earliest=EARLIEST, latest=LATEST)
    return WorkdayResult(start, count, add_workdays(start, count))


@dataclass(frozen=True)
class DueDate:
    ship: date
    days: int
    due: date
    rest_day: bool  # a weekend or holiday on China's official calendar
    holiday: str  # the holiday's Chinese name, when it is one
    within_a_year: bool  # the small-business policy covers credit periods within one year
    provisional: bool  # the calendar of the due date's year is not published yet

    @property
    def weekday(self) -> str:
        return WEEKDAYS[self.due.weekday()]


HOLIDAY_NAMES = {"New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节",
                 "Labour Day": "劳动节", "Dragon Boat Festival": "端午节",
                 "National Day": "国庆节", "Mid-autumn Festival": "中秋节",
                 "Anti-Fascist 70th Day": "抗战胜利纪念日"}


def _one_year_after(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def due_date(ship: date, credit_days: int) -> DueDate:
    """The ship date plus ``credit_days`` calendar days."""
    if not 1 <= credit_days <= MAX_CREDIT_DAYS:
        raise ToolInputError("credit_days", days=credit_days)
    if not EARLIEST <= ship <= LATEST:
        raise ToolInputError("date_range", earliest=EARLIEST, latest=LATEST)
    due = ship + timedelta(days=credit_days)
    holiday = ""
    if published(due):
        is_holiday, name = chinese_calendar.get_holiday_detail(due)
        holiday = HOLIDAY_NAMES.get(name or "", name or "") if is_holiday and name else ""
    return DueDate(ship=ship, days=credit_days, due=due, rest_day=not is_workday(due),
                   holiday=holiday, within_a_year=due <= _one_year_after(ship),
                   provisional=not published(due))


# --- the quick references ----------------------------------------------------------------------

@cache
def _zhconv_dictionary() -> None:
    # By its full path: zhconv's own default read leaves its file open (a ResourceWarning).
    zhconv.loaddict(os.path.join(os.path.dirname(zhconv.__file__), "zhcdict.json"))


def simplified(text: str) -> str:
    """A follower's traditional characters as the simplified the content is written in."""
    _zhconv_dictionary()
    return zhconv.convert(text, "zh-cn")


def _key(text: str) -> str:
    return re.sub(r"[\s/&.\-]", "", unicodedata.normalize("NFKC", text).casefold())


def find_item(library: Library, kind: str, text: str) -> Item | None:
    """The payment method or Incoterms rule ``text`` names ("dp", "D/P", "付款交单", "fob")."""
    page = library.reference(kind)
    if page is None or not text.strip():
        return None
    wanted = _key(simplified(text))
    for item in page.items:
        if wanted in {_key(name) for name in (item.code, item.name_zh, item.name_en,
                                                *item.aliases)}:
            return item
    return None
