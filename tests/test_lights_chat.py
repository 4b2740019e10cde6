"""资信红绿灯 through the real webhook: each light, no data, several candidates (pick, a bad
number, cancel), the menu conversation, 我的查询, the daily quota, the picture through the
emulator (upload recorded, the image reply carries its media_id) and the slow-upload path."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from lights.importer import upsert_buyers, upsert_country_risks
from lights.rows import clean_row
from menus import keys
from tests.conftest import WeChat, make_app

TODAY = date.today()


def days_ago(days: int) -> str:
    return (TODAY - timedelta(days=days)).isoformat()


def add_buyers(db, *rows: dict) -> None:
    now = datetime.now(UTC)
    cleaned = []
    for number, row in enumerate(rows):
        base = {"source": "test", "source_id": f"t-{number}-{row['name']}", "country": "DE",
                "disclosure": 80, "as_of": days_ago(10)}
        cleaned.append(clean_row({**base, **row}, "test", now))
    upsert_buyers(db, cleaned, now)
    db.commit()


LIGHT_CASES = [
    ("green", "绿灯", {"name": "Siemens AG", "well_known": True, "disclosure": 100}),
    ("yellow", "黄灯", {"name": "Kleinhandel Weber GmbH", "disclosure": 30}),
    ("red", "红灯", {"name": "Pleite Export GmbH", "status": "bankrupt"}),
]


def custom_messages(emulator, openid: str, msgtype: str) -> list[dict]:
    return [entry for entry in emulator.sent_to(openid) if entry.get("msgtype") == msgtype]


@pytest.mark.parametrize(("light", "word", "row"), LIGHT_CASES, ids=[c[0] for c in LIGHT_CASES])
def test_each_light_comes_as_a_picture_and_a_text(wechat: WeChat, db, emulator, light, word, row):
    add_buyers(db, row)
    openid = f"o-light-{light}"

    reply = wechat.send(wechat.sim.text(openid, f"查询 {row['name']}"))

    assert reply["MsgType"] == "image"
    uploads = emulator.records(kind="media")
    assert [entry["media_id"] for entry in uploads] == [reply["Image"]["MediaId"]]
    texts = custom_messages(emulator, openid, "text")
    assert len(texts) == 1
    content = texts[0]["text"]["content"]
    assert f"【资信红绿灯】{word}" in content
    assert row["name"] in content and "德国" in content
    assert "/lights/v/" in content


def test_the_second_lookup_reuses_the_uploaded_picture(wechat: WeChat, db, emulator):
    add_buyers(db, {"name": "Siemens AG", "well_known": True})
    first = wechat.send(wechat.sim.text("o-cache", "查询 Siemens AG"))
    second = wechat.send(wechat.sim.text("o-cache", "红绿灯 siemens"))

    assert first["Image"]["MediaId"] == second["Image"]["MediaId"]
    assert len(emulator.records(kind="media")) == 1


def test_the_text_names_the_reasons_and_the_sample_notice(wechat: WeChat, db, emulator):
    add_buyers(db, {"name": "Muster Demo GmbH", "sample": True, "disclosure": 20,
                    "broken_promises": f"{days_ago(400)}:minor"})
    wechat.send(wechat.sim.text("o-reasons", "查询 Muster Demo"))

    content = custom_messages(emulator, "o-reasons", "text")[0]["text"]["content"]
    assert "黄灯" in content
    assert "失信记录1条" in content and "信息披露不完整（完整度20%）" in content
    assert "示例数据" in content


def test_country_risk_lowers_the_light_and_says_so(wechat: WeChat, db, emulator):
    add_buyers(db, {"name": "Moskva Trading", "country": "RU", "disclosure": 90})
    upsert_country_risks(db, [{"country": "RU", "rating": 8, "source": "示例数据",
                               "as_of": None, "sample": True}])
    db.commit()
    wechat.send(wechat.sim.text("o-country", "查询 Moskva Trading 俄罗斯"))

    content = custom_messages(emulator, "o-country", "text")[0]["text"]["content"]
    assert "【资信红绿灯】黄灯" in content
    assert "俄罗斯国家风险评级为8级" in content and "国家风险评级为示例数据" in content


def test_no_data_is_said_honestly_with_the_way_to_a_credit_report(wechat: WeChat, db):
    add_buyers(db, {"name": "Siemens AG"})
    answer = wechat.say("o-none", "查询 Zyxwvut Imaginary Holdings")

    assert "没有找到「Zyxwvut Imaginary Holdings」的资信数据" in answer
    assert "资信报告" in answer and "https://sol.sinosure.com.cn" in answer and "营业机构" in answer


def test_several_candidates_then_a_bad_number_then_a_good_one(wechat: WeChat, db, emulator):
    add_buyers(db, {"name": "Acme Trading GmbH", "country": "DE", "well_known": True},
               {"name": "Acme Trading LLC", "country": "US", "status": "bankrupt"})
    listing = wechat.say("o-pick", "查询 acme trading")
    assert "1. Acme Trading GmbH · 德国" in listing
    assert "2. Acme Trading LLC · 美国" in listing

    hint = wechat.say("o-pick", "7")
    assert "请回复列表中的序号（1–2）" in hint

    picture = wechat.send(wechat.sim.text("o-pick", "2"))  # the card is the reply …
    assert picture["MsgType"] == "image"
    assert picture["Image"]["MediaId"] == emulator.records(kind="media")[-1]["media_id"]
    verdict = custom_messages(emulator, "o-pick", "text")[0]["text"]["content"]  # … text follows
    assert "【资信红绿灯】红灯" in verdict and "Acme Trading LLC" in verdict
    assert "【资信红绿灯】" not in wechat.say("o-pick", "2")  # the list is over


def test_the_candidate_list_can_be_cancelled(wechat: WeChat, db):
    add_buyers(db, {"name": "Acme Trading GmbH", "country": "DE"},
               {"name": "Acme Trading LLC", "country": "US"})
    assert "请回复序号" in wechat.say("o-cancel", "查询 Acme Trading")
    assert "已退出「资信红绿灯」" in wechat.say("o-cancel", "取消")
    assert "【资信红绿灯】" not in wechat.say("o-cancel", "1")  # no longer a pick


def test_a_country_in_the_query_picks_one_of_the_candidates(wechat: WeChat, db, emulator):
    add_buyers(db, {"name": "Acme Trading GmbH", "country": "DE", "well_known": True},
               {"name": "Acme Trading LLC", "country": "US"})
    reply = wechat.send(wechat.sim.text("o-country-pick", "查询 ACME Trading 德国"))
    assert reply["MsgType"] == "image"
    content = custom_messages(emulator, "o-country-pick", "text")[0]["text"]["content"]
    assert "Acme Trading GmbH" in content and "绿灯" in content


def test_the_menu_asks_for_the_name_and_answers_with_the_picture(wechat: WeChat, db, emulator):
    add_buyers(db, {"name": "Siemens AG", "well_known": True})
    prompt = wechat.click("o-menu", keys.LIGHT_LOOKUP)["Content"]
    assert "请发送境外买方的名称" in prompt

    short = wechat.say("o-menu", "S")
    assert "买方名称至少 2 个字" in short

    picture = wechat.send(wechat.sim.text("o-menu", "siemens ag"))
    assert picture["MsgType"] == "image"
    verdict = custom_messages(emulator, "o-menu", "text")[0]["text"]["content"]
    assert "【资信红绿灯】绿灯" in verdict


@pytest.mark.parametrize("text", ["查询", "红绿灯", "查询一下", "红绿灯服务"])
def test_the_service_named_without_a_buyer_asks_for_the_name(wechat: WeChat, text):
    assert "请发送境外买方的名称" in wechat.say(f"o-ask-{len(text)}", text)


def test_my_lookups_lists_the_latest_first(wechat: WeChat, db):
    add_buyers(db, {"name": "Siemens AG", "well_known": True},
               {"name": "Pleite Export GmbH", "status": "bankrupt"})
    assert "还没有查询记录" in wechat.click("o-history", keys.MY_LOOKUPS)["Content"]
    wechat.say("o-history", "查询 Siemens AG")
    wechat.say("o-history", "查询 Pleite Export")
    wechat.say("o-history", "查询 Nobody Known Here")

    listing = wechat.say("o-history", "我的查询")
    lines = [line for line in listing.splitlines() if re.match(r"\d+\. ", line)]
    assert len(lines) == 3
    assert "Nobody Known Here — 暂无数据" in lines[0]
    assert "Pleite Export GmbH — 红灯" in lines[1]
    assert "Siemens AG — 绿灯" in lines[2]


def test_the_daily_quota_stops_lookups_with_a_clear_message(app, base_config, db, live_server,
                                                            worker):
    add_buyers(db, {"name": "Siemens AG", "well_known": True})
    limited = WeChat(make_app(base_config, lights={"daily_quota": 2}), worker)
    assert "没有找到" in limited.say("o-quota", "查询 Nobody One")
    assert "没有找到" in limited.say("o-quota", "查询 Nobody Two")

    refused = limited.say("o-quota", "查询 Siemens AG")
    assert "今天的红绿灯查询次数（2 次）已用完" in refused
    other = limited.send(limited.sim.text("o-quota-other", "查询 Siemens AG"))
    assert other["MsgType"] == "image"  # the quota is per follower


def test_a_slow_upload_sends_the_text_at_once_and_the_picture_later(
        base_config, live_server, worker, db, emulator):
    shipped = WeChat(make_app(base_config, lights={"upload_budget_seconds": 1.0}), worker)
    add_buyers(db, {"name": "Siemens AG", "well_known": True})
    emulator.delay("/cgi-bin/media/upload", 2)

    reply = shipped.send(shipped.sim.text("o-slow", "查询 Siemens AG"))

    assert reply["MsgType"] == "text"
    assert "【资信红绿灯】绿灯" in reply["Content"]
    images = custom_messages(emulator, "o-slow", "image")
    assert len(images) == 1
    uploaded = {entry["media_id"] for entry in emulator.records(kind="media")}
    assert images[0]["image"]["media_id"] in uploaded


def test_a_failed_upload_still_answers_and_the_picture_follows(wechat: WeChat, db, emulator):
    add_buyers(db, {"name": "Siemens AG", "well_known": True})
    emulator.fail("/cgi-bin/media/upload", 45009)

    reply = wechat.send(wechat.sim.text("o-fail", "查询 Siemens AG"))

    assert reply["MsgType"] == "text" and "绿灯" in reply["Content"]
    assert len(custom_messages(emulator, "o-fail", "image")) == 1


def test_the_verdict_page_opens_from_the_link_and_refuses_a_forged_one(wechat: WeChat, db,
                                                                       client, emulator):
    add_buyers(db, {"name": "Siemens AG", "well_known": True, "original_name": "西门子"})
    wechat.send(wechat.sim.text("o-page", "查询 西门子"))
    content = custom_messages(emulator, "o-page", "text")[0]["text"]["content"]
    link = re.search(r'href="[^"]*(/lights/v/[^"]+)"', content).group(1)

    page = client.get(link)
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Siemens AG" in body and "绿灯" in body and "上市公司或国际知名的大集团大公司" in body

    assert client.get(link[:-3] + "xyz").status_code == 404


def test_the_verdict_link_expires(wechat: WeChat, db, client, emulator, services, monkeypatch):
    add_buyers(db, {"name": "Siemens AG", "well_known": True})
    wechat.send(wechat.sim.text("o-old-link", "查询 Siemens AG"))
    content = custom_messages(emulator, "o-old-link", "text")[0]["text"]["content"]
    link = re.search(r'href="[^"]*(/lights/v/[^"]+)"', content).group(1)
    assert client.get(link).status_code == 200
    later = services.clock() + timedelta(days=31)  # [lights] page_link_days = 30
    monkeypatch.setattr(services, "clock", lambda: later)
    assert client.get(link).status_code == 404
