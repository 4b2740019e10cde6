"""The academy's domain without a web server: the toolbox's arithmetic (across holidays and
adjusted working days), reading dates and numbers as followers type them, the country library's
search in Chinese (simplified and traditional), English and with typos, quiz scoring, progress
and 继续学习."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from academy import countries, tools
from academy.content import CONTENT_DIR, load
from academy.usecases import (
    BadAnswers,
    continue_with,
    mark_read,
    open_lesson,
    progress_of,
    submit_quiz,
    subscribe,
    subscriptions_of,
    unsubscribe,
)
from core.uow import Actor, UnitOfWork
from core.workdays import add_workdays
from followers.subscriptions import get_or_create_follower
from lights.importer import upsert_country_risks

TODAY = date(2026, 6, 1)
LIBRARY = load(CONTENT_DIR)


# --- the working-day calculator ----------------------------------------------------------------

@pytest.mark.parametrize(("start", "count", "day"), [
    (date(2026, 9, 25), 30, date(2026, 11, 12)),  # over National Day + Mid-autumn, 调休 Sat/Sun
    (date(2026, 9, 30), 1, date(2026, 10, 8)),  # 1–7 October are the National Day holiday
    (date(2026, 2, 13), 1, date(2026, 2, 14)),  # Saturday 14 February 2026 is a 调休 workday
    (date(2026, 2, 14), 1, date(2026, 2, 24)),  # then the Spring Festival: 15–23 off
    (date(2026, 5, 8), 5, date(2026, 5, 14)),  # Saturday 9 May is a 调休 workday
])
def test_working_days_on_the_official_calendar(start, count, day):
    result = tools.working_days(start, count)
    assert result.end.day == day and not result.end.provisional
    assert result.end == add_workdays(start, count)  # the claims deadline's own code


def test_working_days_into_an_unpublished_year_are_provisional():
    result = tools.working_days(date(2026, 12, 20), 30)
    assert result.end.provisional and "2027" in result.end.provisional_reason


@pytest.mark.parametrize(("start", "count", "code"), [
    (date(2026, 1, 1), 0, "workday_count"), (date(2026, 1, 1), 1001, "workday_count"),
    (date(1999, 12, 31), 5, "date_range"),
])
def test_working_days_refuse_what_they_cannot_count(start, count, code):
    with pytest.raises(tools.ToolInputError) as refused:
        tools.working_days(start, count)
    assert refused.value.code == code


# --- the due date ------------------------------------------------------------------------------

def test_a_due_date_is_the_ship_date_plus_the_credit_days():
    result = tools.due_date(date(2026, 3, 1), 90)
    assert result.due == date(2026, 5, 30) and result.weekday == "六"
    assert result.rest_day and result.holiday == "" and result.within_a_year


def test_a_due_date_on_a_holiday_is_named_and_an_adjusted_workday_is_not_a_rest_day():
    national = tools.due_date(date(2026, 9, 1), 30)
    assert national.due == date(2026, 10, 1) and national.rest_day
    assert national.holiday == "国庆节"
    spring = tools.due_date(date(2026, 1, 18), 30)
    assert spring.due == date(2026, 2, 17) and spring.holiday == "春节"
    adjusted = tools.due_date(date(2026, 1, 15), 30)  # Saturday 14 February: 调休, a workday
    assert adjusted.due == date(2026, 2, 14) and not adjusted.rest_day


def test_a_credit_period_over_a_year_is_outside_the_policy():
    assert tools.due_date(date(2026, 3, 1), 365).within_a_year
    assert not tools.due_date(date(2026, 3, 1), 366).within_a_year
    leap = tools.due_date(date(2028, 2, 29), 365)  # a year after 29 Feb is 28 Feb
    assert leap.due == date(2029, 2, 28) and leap.within_a_year and leap.provisional


# --- what followers type -----------------------------------------------------------------------

@pytest.mark.parametrize(("text", "day", "number"), [
    ("2026-09-25 30", date(2026, 9, 25), 30),
    ("2026/9/25，30", date(2026, 9, 25), 30),
    ("2026年9月25日后30个工作日是哪天", date(2026, 9, 25), 30),
    ("9月25日 三十", date(2026, 9, 25), 30),
    ("今天 10", TODAY, 10),
    ("明天起一百八十天", date(2026, 6, 2), 180),
    ("２０２６－０３－０１　９０", date(2026, 3, 1), 90),  # full-width
    ("3月1日出运，账期90天，哪天到期", date(2026, 3, 1), 90),
    ("30个工作日", None, 30),
])
def test_dates_and_numbers_as_people_write_them(text, day, number):
    assert tools.read_query(text, TODAY) == (day, number)


def test_an_impossible_date_is_named():
    with pytest.raises(tools.ToolInputError) as refused:
        tools.read_query("2026-02-30 5", TODAY)
    assert refused.value.code == "bad_date"


@pytest.mark.parametrize(("kind", "text", "code"), [
    ("payment_methods", "dp", "D/P"), ("payment_methods", "D/A", "D/A"),
    ("payment_methods", "赊销", "OA"), ("payment_methods", "信用证", "L/C"),
    ("incoterms", "fob", "FOB"), ("incoterms", "C&F", "CFR"), ("incoterms", "船上交货", "FOB"),
])
def test_the_quick_references_find_an_item_by_any_of_its_names(kind, text, code):
    assert tools.find_item(LIBRARY, kind, text).code == code


# --- the country library -----------------------------------------------------------------------

@pytest.mark.parametrize(("text", "code"), [
    ("德国", "DE"), ("德國", "DE"), ("Germany", "DE"), ("germany", "DE"), ("GERMANY", "DE"),
    ("germnay", "DE"), ("Deutschland", "DE"), ("DE", "DE"), ("義大利", "IT"), ("意大利", "IT"),
    ("韩国", "KR"), ("South Korea", "KR"), ("usa", "US"), ("美國", "US"), ("越南", "VN"),
    ("Viet Nam", "VN"), ("vietnam", "VN"), ("澳大利", "AU"), ("frnace", "FR"),
    ("Côte d'Ivoire", "CI"), ("cote divoire", "CI"),
])
def test_a_country_is_found_by_its_name_in_either_language(text, code):
    assert countries.matches(text)[0] == code


def test_nonsense_finds_no_country():
    assert countries.matches("xyz") == [] and countries.matches("火星") == []


def test_every_country_has_a_chinese_name_and_a_region():
    every = countries.all_countries()
    assert len(every) == 249
    assert all(entry.name_zh and entry.region_zh for entry in every)
    by_code = {entry.code: entry for entry in every}
    assert (by_code["DE"].name_zh, by_code["DE"].region_zh) == ("德国", "欧洲")
    assert (by_code["BR"].region_zh, by_code["KR"].name_zh) == ("南美洲", "韩国")


def test_a_country_list_as_people_type_it():
    assert countries.parse_countries("德国 美国、越南") == (["DE", "US", "VN"], [])
    assert countries.parse_countries("United States, Viet Nam") == (["US", "VN"], [])
    assert countries.parse_countries("德国和法国 火星") == (["DE", "FR"], ["火星"])


def test_the_rating_is_the_operators_with_its_date_sample_flag_and_report_link(db):
    upsert_country_risks(db, [
        {"country": "DE", "rating": 2, "source": "示例数据", "as_of": date(2026, 11, 1),
         "sample": True},
        {"country": "BR", "rating": 6, "source": "https://example.org/report-br",
         "as_of": date(2026, 10, 1), "sample": False}])
    db.commit()
    germany = countries.country(db, "de", {"country_report_url": "https://sol.sinosure.com.cn"})
    assert germany.rating.rating == 2 and germany.rating.sample
    assert germany.rating.as_of == date(2026, 11, 1)
    assert germany.rating.report_url == "https://sol.sinosure.com.cn"
    brazil = countries.search(db, "巴西")[0]
    assert brazil.rating.report_url == "https://example.org/report-br"
    assert countries.country(db, "FR").rating is None


# --- progress, quizzes, 继续学习, subscriptions ------------------------------------------------

@pytest.fixture
def uow(services):
    return UnitOfWork(session=services.db.session, now=datetime(2026, 6, 1, 8, tzinfo=UTC),
                      actor=Actor(label="test"), settings=services.settings,
                      redis=services.redis.text)


def follower_id(uow: UnitOfWork, openid: str) -> int:
    follower = get_or_create_follower(uow.session, openid)
    uow.session.flush()
    return follower.id


def test_a_quiz_is_scored_and_the_best_score_kept(uow):
    me = follower_id(uow, "o-quiz")
    lesson = LIBRARY.lesson("policy-who-may-buy")
    right = [question.answer for question in lesson.quiz]
    wrong = [(question.answer + 1) % len(question.options) for question in lesson.quiz]
    first = submit_quiz(uow, me, lesson, wrong[:1] + right[1:])
    assert (first.score, first.total) == (len(right) - 1, len(right))
    assert [m.correct for m in first.marked] == [False] + [True] * (len(right) - 1)
    again = submit_quiz(uow, me, lesson, wrong)
    assert again.score == 0
    view = progress_of(uow, me)[lesson.id]
    assert (view.best_score, view.last_score, view.attempts, view.state) == (
        len(right) - 1, 0, 2, "completed")


@pytest.mark.parametrize("answers", [[0], [0, 0, 0, 0, 0], [0, 9, 0]])
def test_answers_that_do_not_fit_the_quiz_are_refused(uow, answers):
    with pytest.raises(BadAnswers):
        submit_quiz(uow, follower_id(uow, "o-bad"), LIBRARY.lesson("credit-period"), answers)


def test_progress_is_each_followers_own_and_continue_resumes(uow):
    me, other = follower_id(uow, "o-me"), follower_id(uow, "o-other")
    assert continue_with(uow, me, LIBRARY).id == "policy-who-may-buy"  # the first 必修课
    open_lesson(uow, me, LIBRARY.lesson("traffic-light"))
    assert continue_with(uow, me, LIBRARY).id == "traffic-light"  # opened, not finished
    assert continue_with(uow, other, LIBRARY).id == "policy-who-may-buy"
    lesson = LIBRARY.lesson("traffic-light")
    mark_read(uow, me, lesson)  # a quiz lesson is completed by its quiz
    assert progress_of(uow, me)["traffic-light"].state == "started"
    submit_quiz(uow, me, lesson, [q.answer for q in lesson.quiz])
    assert continue_with(uow, me, LIBRARY).id == "policy-who-may-buy"
    plain = LIBRARY.lesson("master-how-to-ask")  # no quiz: reading it completes it
    mark_read(uow, me, plain)
    assert progress_of(uow, me)["master-how-to-ask"].state == "completed"
    assert progress_of(uow, other) == {}


def test_subscriptions_add_remove_and_stay_apart(uow):
    me, other = follower_id(uow, "o-sub"), follower_id(uow, "o-sub2")
    assert subscribe(uow, me, ["DE", "US", "DE"]) == ["DE", "US"]
    assert subscribe(uow, me, ["US", "VN"]) == ["VN"]
    subscribe(uow, other, ["DE"])
    assert unsubscribe(uow, me, ["US", "FR"]) == ["US"]
    assert subscriptions_of(uow, me) == ["DE", "VN"]
    assert unsubscribe(uow, me, None) == ["DE", "VN"]
    assert subscriptions_of(uow, me) == [] and subscriptions_of(uow, other) == ["DE"]
