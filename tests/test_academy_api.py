"""/api/v1/academy over HTTP: sections and lessons for anyone (the quiz without its answers),
progress and scored answers for a follower (its own only), the country library in both
languages, the tools' arithmetic, subscriptions, questions to the experts, alerts for staff."""

from __future__ import annotations

from datetime import date

import pytest
import requests

from academy.content import CONTENT_DIR, load
from lights.importer import upsert_country_risks

from helpers import follower_token, make_staff, staff_token

LIBRARY = load(CONTENT_DIR)


def get(live_server: str, path: str, token: str | None = None, **params):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.get(f"{live_server}/api/v1/academy{path}", params=params, headers=headers,
                        timeout=10)


def send(live_server: str, method: str, path: str, token: str, body=None, **headers):
    return requests.request(method, f"{live_server}/api/v1/academy{path}", json=body,
                            headers={"Authorization": f"Bearer {token}", **headers}, timeout=10)


def test_sections_and_lessons_for_anyone(live_server):
    sections = get(live_server, "/sections").json()["items"]
    assert [s["title"] for s in sections] == ["必修课", "信保说案", "大师课", "国别图书馆",
                                              "小微工具箱", "风险预警"]
    assert sections[0]["lessons"] == 12
    basics = get(live_server, "/lessons", section="basics", per_page=5).json()
    assert basics["page"] == {"page": 1, "per_page": 5, "total": 12, "pages": 3}
    assert basics["items"][0]["id"] == "policy-who-may-buy"
    lesson = get(live_server, "/lessons/credit-period").json()
    assert lesson["title"] == "信用期限（账期）：从出运到收汇" and len(lesson["quiz"]) == 3
    assert set(lesson["quiz"][0]) == {"number", "question", "options"}  # no answer
    assert 'href="/h5/academy/lessons/reporting-possible-loss"' in lesson["body_html"]
    missing = get(live_server, "/lessons/no-such-lesson")
    assert missing.status_code == 404
    assert missing.json()["error"] == {"code": "not_found", "message": "找不到该课程",
                                       "details": {}}


def test_progress_and_answers_are_each_followers_own(services, live_server):
    me, _ = follower_token(services, "o-api-learner")
    other, _ = follower_token(services, "o-api-other")
    lesson = LIBRARY.lesson("credit-period")
    right = [q.answer for q in lesson.quiz]
    opened = send(live_server, "PUT", "/progress/credit-period", me, {"completed": False})
    assert opened.status_code == 200 and opened.json()["state"] == "started"
    wrong = [(right[0] + 1) % len(lesson.quiz[0].options), *right[1:]]
    scored = send(live_server, "POST", "/lessons/credit-period/answers", me, {"answers": wrong})
    assert scored.status_code == 201
    body = scored.json()
    assert (body["score"], body["total"]) == (2, 3)
    assert [q["correct"] for q in body["questions"]] == [False, True, True]
    assert body["questions"][0]["answer"] == right[0] and body["questions"][0]["explain"]
    best = send(live_server, "POST", "/lessons/credit-period/answers", me, {"answers": right})
    assert best.json()["progress"]["best_score"] == 3
    again = send(live_server, "POST", "/lessons/credit-period/answers", me, {"answers": wrong})
    assert again.json()["progress"] | {"best_score": 3, "last_score": 2, "attempts": 3,
                                       "state": "completed"} == again.json()["progress"]
    mine = get(live_server, "/progress", me).json()
    assert [(row["lesson_id"], row["best_score"]) for row in mine["lessons"]] == [
        ("credit-period", 3)]
    assert mine["continue_with"]["id"] == "policy-who-may-buy"
    assert {"section": "basics", "completed": 1, "total": 12} in mine["sections"]
    assert get(live_server, "/progress", other).json()["lessons"] == []


@pytest.mark.parametrize(("body", "code"), [
    ({"answers": [0]}, "bad_answers"), ({"answers": [0, 0, 9]}, "bad_answers"),
    ({"answers": "abc"}, "validation_error"),
])
def test_answers_that_do_not_fit_get_the_error_shape(services, live_server, body, code):
    token, _ = follower_token(services, "o-api-bad")
    answer = send(live_server, "POST", "/lessons/credit-period/answers", token, body)
    assert answer.status_code == 422 and answer.json()["error"]["code"] == code


def test_a_toolbox_page_keeps_no_progress(services, live_server):
    token, _ = follower_token(services, "o-api-ref")
    refused = send(live_server, "PUT", "/progress/incoterms-2020", token, {"completed": True})
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "not_a_lesson"


@pytest.fixture
def ratings(db):
    upsert_country_risks(db, [{"country": "DE", "rating": 2, "source": "示例数据",
                               "as_of": date(2026, 11, 1), "sample": True}])
    db.commit()


@pytest.mark.parametrize("query", ["德国", "德國", "Germany", "germany", "germnay", "DE"])
def test_countries_by_chinese_or_english_name(live_server, ratings, query):
    found = get(live_server, "/countries", q=query).json()["items"]
    assert found[0]["code"] == "DE" and found[0]["name_zh"] == "德国"
    assert found[0]["region_zh"] == "欧洲"
    assert found[0]["rating"] == {"rating": 2, "as_of": "2026-11-01", "source": "示例数据",
                                  "sample": True, "report_url": "https://sol.sinosure.com.cn"}


def test_every_country_and_one_by_code(live_server):
    every = get(live_server, "/countries", per_page=100).json()
    assert every["page"]["total"] == 249
    assert get(live_server, "/countries/VN").json()["name_zh"] == "越南"
    assert get(live_server, "/countries/XX").status_code == 404


def test_the_tools_arithmetic(live_server):
    workdays = get(live_server, "/tools/workdays", start="2026-09-25", days=30).json()
    assert workdays == {"start": "2026-09-25", "days": 30, "date": "2026-11-12",
                        "provisional": False, "provisional_reason": None}
    spring = get(live_server, "/tools/workdays", start="2026-02-13", days=2).json()
    assert spring["date"] == "2026-02-24"
    unpublished = get(live_server, "/tools/workdays", start="2026-12-20", days=30).json()
    assert unpublished["provisional"] and "2027" in unpublished["provisional_reason"]
    due = get(live_server, "/tools/due-date", ship_date="2026-09-01", credit_days=30).json()
    assert due == {"ship_date": "2026-09-01", "credit_days": 30, "due_date": "2026-10-01",
                   "rest_day": True, "holiday": "国庆节", "within_a_year": True,
                   "provisional": False}
    assert get(live_server, "/tools/workdays", start="1999-01-01", days=3).status_code == 422
    bad = get(live_server, "/tools/due-date", ship_date="2026-02-30", credit_days=30)
    assert bad.status_code == 422 and set(bad.json()["error"]) == {"code", "message",
                                                                     "details"}
    payment = get(live_server, "/tools/payment-methods").json()
    assert [item["code"] for item in payment["items"]] == ["D/P", "D/A", "OA", "L/C"]
    terms = get(live_server, "/tools/incoterms").json()
    assert len(terms["items"]) == 11 and "Incoterms® 2020" in terms["sources"][0]["title"]


def test_subscriptions(services, live_server):
    token, _ = follower_token(services, "o-api-subs")
    assert send(live_server, "PUT", "/subscriptions/de", token).status_code == 200
    send(live_server, "PUT", "/subscriptions/Vietnam", token)
    codes = [c["code"] for c in get(live_server, "/subscriptions", token).json()["countries"]]
    assert codes == ["DE", "VN"]
    left = send(live_server, "DELETE", "/subscriptions/DE", token).json()
    assert [c["code"] for c in left["countries"]] == ["VN"]
    assert send(live_server, "PUT", "/subscriptions/Atlantis", token).status_code == 404


def test_a_question_becomes_a_ticket_the_follower_reads(services, live_server):
    token, _ = follower_token(services, "o-api-asks")
    question = {"question": "信用证的开证行在哪些国家风险高？"}
    once = {"Idempotency-Key": "ask-12345678"}
    asked = send(live_server, "POST", "/questions", token, question, **once)
    assert asked.status_code == 201 and asked.json()["status"] == "open"
    replayed = send(live_server, "POST", "/questions", token, question, **once)
    assert replayed.json()["id"] == asked.json()["id"]
    ticket = requests.get(f"{live_server}/api/v1/tickets/{asked.json()['id']}", timeout=10,
                          headers={"Authorization": f"Bearer {token}"}).json()
    assert ticket["kind"] == "expert"
    assert send(live_server, "POST", "/questions", token, {"question": "嗯"}).status_code == 422


def test_staff_publish_an_alert_and_read_its_deliveries(services, live_server, wechat,
                                                        emulator):
    editor = staff_token(services, make_staff(services, "api.editor", ["academy_editor"]))
    for openid in ("o-api-alert1", "o-api-alert2"):
        token, _ = follower_token(services, openid)
        send(live_server, "PUT", "/subscriptions/BR", token)
        wechat.send(wechat.sim.subscribe(openid))  # they follow the account
    published = send(live_server, "POST", "/alerts", editor, {
        "title": "示例：巴西港口罢工", "summary": "示例数据：演示用的预警。", "countries": ["巴西"],
        "sample": True})
    assert published.status_code == 201, published.text
    body = published.json()
    assert body["countries"] == ["BR"] and body["audience"] == 2
    wechat.wait_for_jobs()
    read = send(live_server, "GET", f"/alerts/{body['id']}", editor).json()
    assert read["deliveries"] == {"sent": 2} and read["status"] == "done"
    templates = [m for m in emulator.records(kind="template")
                 if m["touser"] in ("o-api-alert1", "o-api-alert2")]
    assert len(templates) == 2
    assert templates[0]["data"]["first"]["value"] == "示例：巴西港口罢工"
    assert "【示例数据】" in templates[0]["data"]["remark"]["value"]
    invalid = send(live_server, "POST", "/alerts", editor, {
        "title": "x", "summary": "y", "countries": ["Atlantis"]})
    assert invalid.status_code == 422 and "countries" in invalid.json()["error"]["details"]
