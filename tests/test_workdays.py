"""Working days on the official calendar: holidays, adjusted working days (调休), the start day
not counted, and years the calendar does not know said to be provisional."""

from __future__ import annotations

from datetime import date

import pytest
from click.testing import CliRunner

from core.workdays import add_workdays, is_workday, workdays_between
from xinbao_cli import main

CASES = [
    # (start, N, the day reached)
    (date(2026, 9, 25), 30, date(2026, 11, 12)),  # across National Day and its 调休
    (date(2026, 9, 25), 1, date(2026, 9, 28)),    # Sun 27 Sep is a rest day this year
    (date(2026, 9, 30), 1, date(2026, 10, 8)),    # 1–7 Oct closed
    (date(2026, 10, 9), 1, date(2026, 10, 10)),   # Sat 10 Oct: an adjusted working day
    (date(2026, 2, 13), 1, date(2026, 2, 14)),    # Sat 14 Feb: an adjusted working day
    (date(2026, 2, 14), 1, date(2026, 2, 24)),    # the Spring Festival, 15–23 Feb
    (date(2026, 10, 3), 1, date(2026, 10, 8)),    # starting on a holiday
    (date(2026, 10, 3), 0, date(2026, 10, 3)),
]


@pytest.mark.parametrize(("start", "count", "expected"), CASES,
                         ids=[f"{c[0]}+{c[1]}" for c in CASES])
def test_working_days_on_the_official_calendar(start, count, expected):
    reached = add_workdays(start, count)
    assert reached.day == expected and not reached.provisional


def test_the_adjusted_days_are_what_the_calendar_says():
    assert is_workday(date(2026, 10, 10)) and not is_workday(date(2026, 10, 5))
    assert workdays_between(date(2026, 9, 25), date(2026, 11, 12)).days == 30


def test_a_year_not_yet_published_is_provisional_never_silent():
    reached = add_workdays(date(2026, 12, 1), 30)
    assert reached.provisional and "2027" in reached.provisional_reason
    assert reached.day == date(2027, 1, 12)  # weekends skipped only
    assert str(reached).startswith("provisional 2027-01-12")
    assert workdays_between(date(2026, 12, 20), date(2027, 1, 5)).provisional_reason


def test_the_command_prints_the_day_or_the_provisional_line():
    runner = CliRunner()
    assert runner.invoke(main, ["workdays", "add", "2026-09-25", "30"]).output == "2026-11-12\n"
    provisional = runner.invoke(main, ["workdays", "add", "2026-12-20", "10"]).output
    assert provisional.startswith("provisional 2027-01-01")  # New Year: not known yet
    bad = runner.invoke(main, ["workdays", "add", "25/09/2026", "30"])
    assert bad.exit_code == 2 and "is not a date like 2026-09-25" in bad.output
    negative = runner.invoke(main, ["workdays", "add", "2026-09-25", "-1"])
    assert negative.exit_code == 2
