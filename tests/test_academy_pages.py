"""小微学院's H5 pages as a follower sees them on a phone, and the staff page.

Over HTTP: a signed link opens a lesson and records the follower's progress; the quiz form is
scored (the CSRF token required) and the score shown only to its follower; the country library,
the toolbox, subscriptions and the questions page. In headless Chromium (a phone-sized window):
a lesson page with its quiz, then the result, saved as screenshots in test-artifacts/ and
scanned by axe (no serious or critical violation), with no Content-Security-Policy violation.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import requests
from sqlalchemy import select

from academy.content import CONTENT_DIR, load
from academy.models import Alert, AlertSubscription, LessonProgress
from followers.models import Follower
from identity.links import sign_link
from lights.importer import upsert_country_risks
from tests.browser import ARTIFACTS, TIMEOUT_MS, chromium_context

from helpers import TEST_PASSWORD, make_staff

LIBRARY = load(CONTENT_DIR)
CSRF = re.compile(r'name="csrf_token"[^>]*? value="([^"]+)"')


def phone(live_server: str, services, openid: str, path: str) -> tuple[requests.Session, str]:
    """A follower's WeChat browser, signed in by the bot's link; returns it and the page."""
    session = requests.Session()
    link = sign_link(services.settings.secret_key, live_server, openid, path,
                     now=services.clock(), lifetime=timedelta(minutes=10))
    page = session.get(link, timeout=10)
    assert page.status_code == 200, page.text
    return session, page.text


def test_a_lesson_page_records_progress_and_scores_the_quiz(live_server, services, db):
    lesson = LIBRARY.lesson("payment-methods")
    browser, page = phone(live_server, services, "o-page", "/h5/academy/lessons/payment-methods")
    assert f"<h1>{lesson.title}</h1>" in page and "课后小测验（4 题）" in page
    assert "资料来源" in page and "UCP 600" in page
    assert 'href="/h5/academy/lessons/traffic-light"' in page  # an academy: link
    row = db.scalar(select(LessonProgress).where(LessonProgress.lesson_id == lesson.id))
    assert row.completed_at is None
    token = CSRF.search(page).group(1)
    answers = {f"q{n}": str(q.answer) for n, q in enumerate(lesson.quiz, 1)}
    answers["q2"] = str((lesson.quiz[1].answer + 1) % len(lesson.quiz[1].options))
    result = browser.post(f"{live_server}/h5/academy/lessons/payment-methods/quiz",
                          data={**answers, "csrf_token": token}, timeout=10)
    assert result.status_code == 200 and "本次得分 3/4" in result.text
    assert "✘ 您选了" in result.text and result.text.count("✔ 答对了") == 3
    db.expire_all()
    row = db.scalar(select(LessonProgress).where(LessonProgress.lesson_id == lesson.id))
    assert (row.best_score, row.quiz_total) == (3, 4) and row.completed_at is not None
    section = browser.get(f"{live_server}/h5/academy/s/basics", timeout=10).text
    assert "测验 3/4" in section and "已学完" in section
    # Another follower sees none of it.
    _, theirs = phone(live_server, services, "o-page-other", "/h5/academy/s/basics")
    assert "测验 3/4" not in theirs and "已学完" not in theirs


def test_an_unanswered_quiz_keeps_the_answers_and_a_form_without_the_token_is_refused(
        live_server, services):
    browser, page = phone(live_server, services, "o-page2", "/h5/academy/lessons/credit-period")
    token = CSRF.search(page).group(1)
    partial = browser.post(f"{live_server}/h5/academy/lessons/credit-period/quiz",
                           data={"q1": "0", "csrf_token": token}, timeout=10)
    assert partial.status_code == 400 and "请回答全部 3 道题再提交" in partial.text
    assert 'name="q1" value="0" checked' in partial.text
    forged = browser.post(f"{live_server}/h5/academy/lessons/credit-period/quiz",
                          data={"q1": "0", "q2": "0", "q3": "0"}, timeout=10)
    assert forged.status_code == 400
    assert requests.get(f"{live_server}/h5/academy/", allow_redirects=False,
                        timeout=10).status_code == 302  # not signed in: to WeChat's sign-in


def test_a_case_says_it_is_illustrative_and_reading_completes_a_page_without_quiz(
        live_server, services, db):
    _, case = phone(live_server, services, "o-page3", "/h5/academy/lessons/case-oa-default")
    assert "示例案例" in case
    browser, page = phone(live_server, services, "o-page3", "/h5/academy/lessons/master-how-to-ask")
    read = browser.post(f"{live_server}/h5/academy/lessons/master-how-to-ask/read",
                        data={"csrf_token": CSRF.search(page).group(1)}, timeout=10)
    assert read.status_code == 200 and "已学完" in read.text
    assert browser.get(f"{live_server}/h5/academy/lessons/nothing", timeout=10).status_code == 404


def test_the_country_library_toolbox_and_subscriptions(live_server, services, db):
    upsert_country_risks(db, [{"country": "DE", "rating": 2, "source": "示例数据",
                               "as_of": date(2026, 11, 1), "sample": True}])
    db.commit()
    browser, page = phone(live_server, services, "o-page4", "/h5/academy/countries?q=德國")
    assert "德国" in page and "评级 2" in page and "示例数据" in page
    everything = browser.get(f"{live_server}/h5/academy/countries", timeout=10).text
    assert "欧洲（" in everything and "越南" in everything
    germany = browser.get(f"{live_server}/h5/academy/countries/DE", timeout=10).text
    assert "2 级" in germany and "数据日期：2026-11-01" in germany
    browser.post(f"{live_server}/h5/academy/alerts/subscribe", timeout=10,
                 data={"countries": "DE", "csrf_token": CSRF.search(germany).group(1)})
    follower = db.scalar(select(Follower).where(Follower.openid == "o-page4"))
    assert db.scalars(select(AlertSubscription.country).where(
        AlertSubscription.follower_id == follower.id)).all() == ["DE"]
    tools = browser.get(f"{live_server}/h5/academy/tools",
                        params={"start": "2026-09-25", "days": "30", "ship": "2026-09-01",
                                "credit": "30"}, timeout=10).text
    assert "第 30 个工作日是 <strong>2026-11-12</strong>" in tools
    assert "到期日：<strong>2026-10-01</strong>" in tools and "国庆节假期" in tools
    assert "FOB 船上交货" in tools and "D/A 承兑交单" in tools
    bad = browser.get(f"{live_server}/h5/academy/tools", params={"start": "2026-09-25",
                                                                 "days": "0"}, timeout=10).text
    assert "工作日天数请填 1 到 1000" in bad


def test_an_alert_page_is_public(live_server, services, db):
    alert = Alert(title="示例：测试预警", summary="示例数据。", countries=["DE"],
                  published_by="test", published_at=services.clock(), sample=True,
                  body="第一段。\n第二段。")
    db.add(alert)
    db.commit()
    page = requests.get(f"{live_server}/h5/academy/alerts/{alert.id}", timeout=10)
    assert page.status_code == 200 and "示例：测试预警" in page.text and "德国" in page.text
    assert "<p>第二段。</p>" in page.text


def test_staff_publish_from_the_console(live_server, services, db, wechat):
    make_staff(services, "page.editor", ["academy_editor"])
    make_staff(services, "page.reviewer", ["claims_reviewer"])
    console = requests.Session()
    login = console.get(f"{live_server}/staff/login", timeout=10).text
    console.post(f"{live_server}/staff/login", timeout=10, data={
        "username": "page.editor", "password": TEST_PASSWORD,
        "csrf_token": CSRF.search(login).group(1)})
    home = console.get(f"{live_server}/staff/academy/", timeout=10)
    assert home.status_code == 200 and "课程内容" in home.text and "policy-who-may-buy" in home.text
    token = CSRF.search(home.text).group(1)
    refused = console.post(f"{live_server}/staff/academy/alerts", timeout=10, data={
        "title": "示例", "summary": "示例", "countries": "火星", "csrf_token": token})
    assert refused.status_code == 400 and "不认识的国家：火星" in refused.text
    done = console.post(f"{live_server}/staff/academy/alerts", timeout=10, data={
        "title": "示例：德国预警", "summary": "示例数据。", "countries": "德国 法国",
        "sample": "1", "csrf_token": token})
    assert done.status_code == 200 and "已发布" in done.text
    alert = db.scalar(select(Alert))
    assert alert.countries == ["DE", "FR"] and alert.published_by == "staff:page.editor"
    other = requests.Session()
    login = other.get(f"{live_server}/staff/login", timeout=10).text
    other.post(f"{live_server}/staff/login", timeout=10, data={
        "username": "page.reviewer", "password": TEST_PASSWORD,
        "csrf_token": CSRF.search(login).group(1)})
    assert other.get(f"{live_server}/staff/academy/", timeout=10).status_code == 403


# --- in the browser ------------------------------------------------------------------------------

VIOLATIONS = """window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`);
});"""


def serious(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page).response["violations"]
    return [f"{v['id']} ({v['impact']}): {v['nodes'][0]['target']}" for v in violations
            if v["impact"] in ("serious", "critical")]


def test_a_lesson_page_in_chromium_reads_on_a_phone_and_passes_axe(live_server, services):
    link = sign_link(services.settings.secret_key, live_server, "o-chromium",
                     "/h5/academy/lessons/claims-30-workdays", now=services.clock(),
                     lifetime=timedelta(minutes=10))
    with chromium_context(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                          is_mobile=True, has_touch=True) as context:
        context.add_init_script(VIOLATIONS)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(link)
        page.wait_for_selector("h1")
        assert page.locator("h1").inner_text() == "索赔与理赔：30 个工作日怎么数"
        # Nothing wider than the phone: no sideways scrolling.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "academy-lesson.png"), full_page=True)
        assert serious(page) == []
        lesson = LIBRARY.lesson("claims-30-workdays")
        for number, question in enumerate(lesson.quiz, 1):
            page.locator(f"input[name=q{number}][value='{question.answer}']").check()
        page.click("button[type=submit]")
        page.wait_for_selector("[role=status]")
        assert f"本次得分 {len(lesson.quiz)}/{len(lesson.quiz)}" in page.locator(
            "[role=status]").inner_text()
        page.screenshot(path=str(ARTIFACTS / "academy-lesson-result.png"), full_page=True)
        assert serious(page) == []
        assert page.evaluate("window.__csp") == []


@pytest.mark.parametrize("path", ["/h5/academy/", "/h5/academy/countries",
                                  "/h5/academy/tools?start=2026-09-25&days=30",
                                  "/h5/academy/alerts"])
def test_the_other_pages_pass_axe(live_server, services, path):
    link = sign_link(services.settings.secret_key, live_server, "o-chromium2", path,
                     now=services.clock(), lifetime=timedelta(minutes=10))
    with chromium_context(viewport={"width": 390, "height": 844}, is_mobile=True) as context:
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(link)
        page.wait_for_selector("h1")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        name = path.strip("/").split("?")[0].replace("/", "-")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        assert serious(page) == []
