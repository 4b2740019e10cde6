"""小微学院 through the real webhook: the menu's news cards and their signed links, 继续学习,
the country library in both languages, the toolbox's answers, subscriptions, and an expert
question that becomes a ticket and whose answer comes back through the API emulator."""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import select

from academy.models import AlertSubscription, LessonProgress
from followers.models import Follower
from lights.importer import upsert_country_risks
from menus import keys
from support.models import Ticket, TicketMessage

from helpers import make_staff, staff_token


def card(reply: dict) -> dict[str, str]:
    assert reply["MsgType"] == "news", reply
    assert reply["ArticleCount"] == "1"
    return reply["Articles"]["item"]


def path_of(link: str) -> str:
    """The page a signed link opens (its ``next``)."""
    return parse_qs(urlsplit(link).query)["next"][0]


@pytest.mark.parametrize(("key", "title", "path"), [
    (keys.ACADEMY, "小微学院", "/h5/academy/"),
    (keys.ACADEMY_CASES, "小微学院 · 信保说案", "/h5/academy/s/cases"),
    (keys.ACADEMY_COUNTRIES, "小微学院 · 国别图书馆", "/h5/academy/countries"),
])
def test_the_menu_opens_the_academy_as_a_news_card(wechat, key, title, path):
    article = card(wechat.click("o-menu", key))
    assert article["Title"] == title and path_of(article["Url"]) == path
    assert "完整课程在" not in article["Description"]


def test_the_card_signs_the_follower_in_and_opens_the_page(wechat, live_server):
    article = card(wechat.click("o-card", keys.ACADEMY))
    assert "必修课 0/12" in article["Description"]
    page = requests.get(article["Url"], timeout=10)
    assert page.status_code == 200 and "<h1>小微学院</h1>" in page.text
    assert "小微企业信保易：保什么、谁能投保" in page.text  # 继续学习 starts at the first lesson


@pytest.mark.parametrize("words", ["学院", "课程", "小微学院有什么课", "小微学院有什么课？",
                                   "学院里有哪些课程", "我想学习", "學院", "小微學院有什麼課"])
def test_words_reach_the_academy_card(wechat, words):
    assert card(wechat.send(wechat.sim.text("o-words", words)))["Title"] == "小微学院"


@pytest.mark.parametrize(("words", "title"), [
    ("必修课", "小微学院 · 必修课"), ("必修课有哪些", "小微学院 · 必修课"),
    ("信保说案", "小微学院 · 信保说案"), ("有没有理赔案例", "小微学院 · 信保说案"),
    ("学习 信用期限", "信用期限（账期）：从出运到收汇"),
    ("课程 拒赔", "让理赔少走弯路：避开常见的拒赔原因"),
    ("課程 拒賠", "让理赔少走弯路：避开常见的拒赔原因"),  # traditional characters
    ("信保說案", "小微学院 · 信保说案"),
])
def test_sections_and_lessons_by_name(wechat, words, title):
    assert card(wechat.send(wechat.sim.text("o-sections", words)))["Title"] == title


def test_continue_learning_resumes_the_lesson_opened_last(wechat, live_server, db):
    first = card(wechat.send(wechat.sim.text("o-resume", "学习 发货前查一查")))
    assert first["Title"] == "发货前查一查：资信红绿灯"
    assert requests.get(first["Url"], timeout=10).status_code == 200  # the page is opened
    row = db.scalar(select(LessonProgress).join(Follower, Follower.id ==
                                                LessonProgress.follower_id)
                    .where(Follower.openid == "o-resume"))
    assert row.lesson_id == "traffic-light" and row.completed_at is None
    resumed = card(wechat.send(wechat.sim.text("o-resume", "继续学习")))
    assert resumed["Title"] == "发货前查一查：资信红绿灯"
    assert "资信红绿灯" in wechat.say("o-resume", "我的学习")


@pytest.fixture
def ratings(db):
    upsert_country_risks(db, [
        {"country": "DE", "rating": 2, "source": "示例数据", "as_of": date(2026, 11, 1),
         "sample": True},
        {"country": "BR", "rating": 6, "source": "运营方", "as_of": date(2026, 10, 15),
         "sample": False}])
    db.commit()


@pytest.mark.parametrize("words", ["国别 德国", "country germany", "国别 德國", "国别：Germany",
                                   "德国的国家风险怎么样", "国家风险 germnay",
                                   "germany country risk", "查询德国国家风险", "國別 德國",
                                   "德國的國家風險怎麼樣"])
def test_a_country_by_its_chinese_or_english_name(wechat, ratings, words):
    text = wechat.say("o-country", words)
    assert text.startswith("【国别图书馆】德国（Germany）· 欧洲"), text
    assert "国家风险评级：2 级" in text and "数据日期 2026-11-01" in text
    assert "示例数据" in text
    assert "《国家风险分析报告》：https://sol.sinosure.com.cn" in text


@pytest.mark.parametrize(("words", "country"), [
    ("德国现在风险大吗", "德国"), ("出口到巴西安全吗", "巴西"), ("巴西的局势怎么样", "巴西"),
    ("德国市场风险大不大", "德国"), ("巴西", "巴西"), ("Germany", "德国"), ("德國？", "德国"),
    ("巴西的局勢怎麼樣", "巴西"), ("俄羅斯", "俄罗斯"),
])
def test_a_country_asked_about_in_a_sentence_or_by_its_name_alone(wechat, ratings, words,
                                                                  country):
    text = wechat.say("o-country-said", words)
    assert text.startswith(f"【国别图书馆】{country}"), text


def test_the_risks_of_the_policy_are_not_a_country(wechat, ratings):
    text = wechat.say("o-country-not", "信保易的风险大吗")
    assert "国别图书馆" not in text and "商业风险" in text


def test_a_real_rating_is_not_called_sample_and_an_unrated_country_says_so(wechat, ratings):
    brazil = wechat.say("o-country2", "country brazil")
    assert "国家风险评级：6 级" in brazil and "示例数据" not in brazil
    assert "暂未载入该国的国家风险评级" in wechat.say("o-country2", "国别 法国")


def test_an_unknown_country_keeps_its_place_and_a_list_when_several_match(wechat, ratings):
    assert "没有找到叫「火星」的国家" in wechat.say("o-country3", "国别 火星")
    assert wechat.say("o-country3", "德国").startswith("【国别图书馆】德国")  # the answer
    assert "国别图书馆" in card(wechat.click("o-country3", keys.ACADEMY_COUNTRIES))["Title"]
    listed = wechat.say("o-country3", "国别 united")
    assert listed.startswith("「united」可能是这些国家或地区")
    assert "美国（United States）" in listed and "英国（United Kingdom）" in listed


def test_working_days_in_the_chat_across_holidays(wechat):
    text = wechat.say("o-tools", "算工作日 2026-09-25 30")
    assert "2026-09-25之后第 30 个工作日是 2026-11-12（星期四）" in text
    assert "30 个工作日内核定保险责任" in text
    spring = wechat.say("o-tools", "2026年2月13日后2个工作日是哪天")
    assert "第 2 个工作日是 2026-02-24" in spring  # 14 Feb a 调休 workday, 15–23 off
    later = wechat.say("o-tools", "工作日 2026-12-20 30")
    assert "2027 年的节假日安排尚未公布" in later


def test_a_tool_asks_for_what_is_missing_and_hints_on_a_wrong_answer(wechat):
    assert "请发送起始日期和工作日天数" in wechat.say("o-ask", "算工作日")
    assert "2026-2-30 不是有效的日期" in wechat.say("o-ask", "2026-02-30 3")
    assert "请写工作日天数" in wechat.say("o-ask", "2026-09-25")
    assert "第 30 个工作日是 2026-11-12" in wechat.say("o-ask", "2026-09-25 30")
    assert wechat.say("o-ask", "取消").startswith("现在没有正在填写的内容")  # it was answered
    assert "请发送出运日期和账期天数" in wechat.say("o-ask", "到期日")
    assert "请发送出运日期和账期天数" in wechat.say("o-ask", "帮助")
    assert wechat.say("o-ask", "取消").startswith("已退出「小微学院」")


def test_the_due_date_in_the_chat(wechat):
    text = wechat.say("o-due", "到期日 2026-09-01 30")
    assert "到期日是 2026-10-01（星期四）" in text and "国庆节假期" in text
    long = wechat.say("o-due", "3月1日出运，账期400天，哪天到期")
    assert "账期超过 1 年" in long and "1 年以内" in long


@pytest.mark.parametrize(("words", "expected"), [
    ("D/P", "【D/P 付款交单】"), ("dp是什么意思", "【D/P 付款交单】"), ("信用证", "【L/C 信用证】"),
    ("支付方式 赊销", "【OA 赊账（赊销）】"),
    ("支付方式", "【支付方式】小微企业信保易承保的四种支付方式"),
    ("FOB", "【FOB 船上交货（Free On Board）】"), ("CIF是什么意思", "【CIF 成本、保险费加运费"),
    ("什麼是信用證", "【L/C 信用证】"), ("承兌交單", "【D/A 承兑交单】"),
    ("贸易术语", "Incoterms® 2020》的 11 种术语"), ("工具箱", "【小微工具箱】"),
])
def test_the_quick_references(wechat, words, expected):
    assert expected in wechat.say("o-ref", words)


def test_subscribing_and_unsubscribing_to_countries(wechat, db):
    text = wechat.say("o-alerts", "订阅预警 德国 美國、Vietnam")
    assert "已订阅德国、美国、越南的风险预警" in text
    assert "您订阅了：德国、美国、越南" in wechat.say("o-alerts", "我的订阅")
    assert "已订阅法国" in wechat.say("o-alerts", "订阅法国的风险预警")
    assert "已退订美国" in wechat.say("o-alerts", "退订预警 美国")
    asked = wechat.say("o-alerts", "退订")
    assert "您订阅了：德国、越南、法国" in asked
    assert "已退订德国、越南、法国" in wechat.say("o-alerts", "全部")
    assert db.scalars(select(AlertSubscription)).all() == []
    assert "没认出「火星」" in wechat.say("o-alerts", "订阅预警 火星")
    assert "已订阅德国、美国的风险预警" in wechat.say("o-alerts", "訂閱預警 德國、美國")


def test_an_expert_question_reaches_the_inbox_and_the_answer_comes_back(
        wechat, services, live_server, emulator, db):
    assert "请用一段话写下您的问题" in wechat.say("o-expert", "问专家")
    assert "问题太短了" in wechat.say("o-expert", "怎么办")
    photo_ask = wechat.say("o-expert", "买方拖欠货款三个月了，D/A 项下，现在该怎么做？")
    assert "需要的话再发一张图片" in photo_ask
    assert "请发送一张图片，或回复「提交」" in wechat.say("o-expert", "嗯")
    done = wechat.send(wechat.sim.image("o-expert", media_id="MEDIA-CONTRACT"))["Content"]
    assert "已收到您的问题" in done and "含 1 张图片" in done
    ticket = db.scalar(select(Ticket).where(Ticket.openid == "o-expert"))
    assert (ticket.kind, ticket.status) == ("expert", "open")
    message = db.scalar(select(TicketMessage).where(TicketMessage.ticket_id == ticket.id))
    assert message.body == "买方拖欠货款三个月了，D/A 项下，现在该怎么做？"
    assert message.media_id == "MEDIA-CONTRACT"

    editor = staff_token(services, make_staff(services, "expert.editor", ["academy_editor"]))
    inbox = requests.get(f"{live_server}/api/v1/tickets?kind=expert&status=open", timeout=10,
                         headers={"Authorization": f"Bearer {editor}"}).json()
    assert [item["id"] for item in inbox["items"]] == [ticket.id]
    answered = requests.post(f"{live_server}/api/v1/tickets/{ticket.id}/replies", timeout=10,
                             headers={"Authorization": f"Bearer {editor}"},
                             json={"body": "请先做可损通知，并整理催收记录。"})
    assert answered.status_code == 201
    wechat.wait_for_jobs()
    sent = [m for m in emulator.sent_to("o-expert") if m["kind"] == "custom"]
    assert [m["text"]["content"] for m in sent] == ["请先做可损通知，并整理催收记录。"]


def test_an_answer_after_the_48_hour_window_is_a_template_message(
        wechat, services, live_server, emulator, db, redis):
    wechat.say("o-late", "问专家 信用证被开证行拒绝承兑了怎么办")
    wechat.say("o-late", "提交")
    ticket = db.scalar(select(Ticket).where(Ticket.openid == "o-late"))
    redis.delete("xinbao:cs_quota:o-late")  # the 48 hours have passed: no allowance left
    editor = staff_token(services, make_staff(services, "late.editor", ["academy_editor"]))
    requests.post(f"{live_server}/api/v1/tickets/{ticket.id}/replies", timeout=10,
                  headers={"Authorization": f"Bearer {editor}"},
                  json={"body": "开证行拒绝承兑属于承保的商业风险，请及时通知。"})
    wechat.wait_for_jobs()
    kinds = [m["kind"] for m in emulator.sent_to("o-late")]
    assert "template" in kinds and "custom" not in kinds


def test_a_retried_submission_opens_one_ticket(wechat, db):
    wechat.say("o-retry", "问专家 买方要求把账期放长到一年半，还能保吗")
    xml = wechat.sim.text("o-retry", "提交", msg_id=987654321)
    first = wechat.send(xml)
    again = wechat.send(xml)  # WeChat's retry of the same message
    assert "已收到您的问题" in first["Content"]
    assert again == {} or again == first
    assert len(db.scalars(select(Ticket).where(Ticket.openid == "o-retry")).all()) == 1


def test_a_form_left_for_another_service_is_kept_and_resumed(wechat):
    wechat.say("o-keep", "问专家")
    wechat.say("o-keep", "D/A 项下买方承兑后不付款，能不能索赔？")
    which = wechat.say("o-keep", "FOB")  # a service's word where a photo or 提交 is asked
    assert "您正在填写「大师课提问」。「FOB」是要填作图片，还是要办理" in which
    assert wechat.say("o-keep", "2").startswith("「大师课提问」还没有填完")
    resumed = wechat.say("o-keep", "继续填写")
    assert "继续填写「大师课提问」" in resumed and "需要的话再发一张图片" in resumed
    assert "已收到您的问题" in wechat.say("o-keep", "提交")
