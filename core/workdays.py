"""Working days on China's official calendar: holidays and the adjusted working days (调休).

One calculator for every deadline and tool: a claim's 30 working days, the academy toolbox, the
``xinbao workdays add`` command. The calendar is ``chinese-calendar``, which knows each year the
State Council has published; a count that reaches a year it does not know is *provisional*:
weekends are skipped, holidays cannot be, and the result says so — never a silent guess.

Civil Code Art. 201: the start day is not counted. Art. 203: a period whose last day is a rest
day ends on the next working day — counting working days always lands on one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

FIRST_YEAR, LAST_YEAR = 2004, max(chinese_calendar.constants.holidays).year
# China keeps one clock: every "today", deadline and quota day a follower means is Beijing's.
BEIJING = ZoneInfo("Asia/Shanghai")


def in_beijing(moment: datetime) -> datetime:
    """``moment`` on Beijing's clock; a naive time is UTC (SQLite drops the zone, and every
    stored time is UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(BEIJING)


def beijing_day(moment: datetime) -> date:
    """The date in China at ``moment`` ("今天" for a follower; 16:00 UTC is already tomorrow)."""
    return in_beijing(moment).date()


@dataclass(frozen=True)
class WorkdayCount:
    """The day reached, and why it is provisional (None when the official calendar covers it)."""

    day: date
    provisional_reason: str | None = None

    @property
    def provisional(self) -> bool:
        return self.provisional_reason is not None

    def __str__(self) -> str:
        if self.provisional_reason is None:
            return self.day.isoformat()
        return f"provisional {self.day.isoformat()}: {self.provisional_reason}"


def published(day: date) -> bool:
    """Whether the official calendar for ``day``'s year is known."""
    return FIRST_YEAR <= day.year <= LAST_YEAR


def is_workday(day: date) -> bool:
    """A working day on the official calendar; Monday–Friday where it is not published."""
    if published(day):
        return bool(chinese_calendar.is_workday(day))
    return day.weekday() < 5


def add_workdays(start: date, count: int) -> WorkdayCount:
    """The day ``count`` working days after ``start`` (``start`` itself not counted)."""
    if count < 0:
        raise ValueError("count must be zero or more")
    day, remaining, unknown_years = start, count, set()
    while remaining:
        day += timedelta(days=1)
        if not published(day):
            unknown_years.add(day.year)
        if is_workday(day):
            remaining -= 1
    return WorkdayCount(day, _reason(unknown_years))


@dataclass(frozen=True)
class WorkdaySpan:
    """How many working days, and why the count is provisional (None when it is not)."""

    days: int
    provisional_reason: str | None = None


def workdays_between(start: date, end: date) -> WorkdaySpan:
    """Working days after ``start`` up to and including ``end`` (0 when ``end`` <= ``start``):
    "days left" before a deadline."""
    day, counted, unknown_years = start, 0, set()
    while day < end:
        day += timedelta(days=1)
        if not published(day):
            unknown_years.add(day.year)
        counted += is_workday(day)
    return WorkdaySpan(counted, _reason(unknown_years))


def _reason(unknown_years: set[int]) -> str | None:
    if not unknown_years:
        return None
    years = ", ".join(str(year) for year in sorted(unknown_years))
    return (f"the official holiday calendar for {years} is not published in chinese-calendar "
            f"(it covers {FIRST_YEAR}-{LAST_YEAR}); weekends skipped, holidays unknown")
