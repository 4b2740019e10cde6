"""Conversations through the real webhook: a pick list never blocks, a form never swallows a
service word, input a step does not take is asked again, menu taps win, drafts survive Redis,
cancelling says only what is true."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from core.drafts import ConversationDraft
from followers.models import Follower
from lights.importer import upsert_buyers
from lights.models import BuyerLookup
from lights.rows import clean_row
from menus import keys
from tests.conftest import WeChat

OPENID = "o-conversations"


def add_buyers(db, *names: tuple[str, str]) -> None:
    now = datetime.now(UTC)
    rows = [clean_row({"source": "test", "source_id": f"c-{number}", "name": name,
                       "country": country, "disclosure": 80}, "test", now)
            for number, (name, country) in enumerate(names)]
    upsert_buyers(db, rows, now)
    db.commit()


@pytest.fixture
def namesakes(db):
    add_buyers(db, ("Acme Trading GmbH", "DE"), ("Acme Trading LLC", "US"),
               ("Herrmann Maschinen GmbH", "DE"), ("Herrmann Maschinen AG", "CH"))


def lookups(db, openid: str = OPENID) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(BuyerLookup)
                     .where(BuyerLookup.openid == openid)) or 0


def voice(wechat: WeChat, openid: str, recognition: str) -> str:
    xml = wechat.sim.xml(openid, "voice", MediaId="VOICE1", Format="amr",
                         Recognition=recognition, msg_id=770001)
    return wechat.send(xml).get("Content", "")


# --- a pick list never blocks ------------------------------------------------------------------

def test_a_new_command_replaces_the_pick_list_and_numbers_pick_from_the_new_one(
        wechat: WeChat, namesakes, emulator):
    assert "Acme Trading LLC" in wechat.say(OPENID, "查询 Acme Trading")
    listing = wechat.say(OPENID, "查询 Herrmann Maschinen")
    assert "Herrmann Maschinen AG" in listing and "Acme" not in listing

    wechat.send(wechat.sim.text(OPENID, "2"))
    verdicts = [m["text"]["content"] for m in emulator.sent_to(OPENID) if m["msgtype"] == "text"]
    picked = listing.splitlines()[2].split(". ", 1)[1].split(" · ")[0]  # the list's second
    assert picked.startswith("Herrmann") and picked in verdicts[-1]


@pytest.mark.parametrize("interrupt", ["我的查询", "menu:MY_LOOKUPS", "menu:CLAIMS", "理赔"])
def test_other_commands_and_menu_taps_are_served_over_a_pick_list(wechat: WeChat, namesakes,
                                                                  interrupt):
    wechat.say(OPENID, "查询 Acme Trading")
    if interrupt.startswith("menu:"):
        reply = wechat.click(OPENID, interrupt.removeprefix("menu:"))["Content"]
    else:
        reply = wechat.say(OPENID, interrupt)
    assert "请回复列表中的序号" not in reply and "请回复序号" not in reply
    assert "【资信红绿灯】" not in wechat.say(OPENID, "1")  # the list is over


def test_unfollowing_clears_a_pick_list(wechat: WeChat, namesakes):
    wechat.say(OPENID, "查询 Acme Trading")
    wechat.send(wechat.sim.event(OPENID, "unsubscribe"))
    wechat.send(wechat.sim.subscribe(OPENID))
    assert "【资信红绿灯】" not in wechat.say(OPENID, "2")


# --- a form never swallows a service word -------------------------------------------------------

def test_a_service_word_in_a_form_is_asked_about_not_saved(wechat: WeChat, db):
    for typed in ("完善资料", "宁波信达进出口有限公司", "浙江 宁波", "美国"):
        wechat.say(OPENID, typed)  # a complete profile first
    wechat.say(OPENID, "完善资料")

    question = wechat.say(OPENID, "理赔")
    assert "「理赔」是要填作企业名称" in question and "可损通知与理赔" in question
    answer = wechat.say(OPENID, "2")
    assert "可损通知" in answer and "企业名称" not in answer
    db.expire_all()
    follower = db.scalar(select(Follower).where(Follower.openid == OPENID))
    assert follower.company_name == "宁波信达进出口有限公司"


def test_the_follower_may_still_use_the_word_as_the_answer(wechat: WeChat):
    wechat.say(OPENID, "完善资料")
    wechat.say(OPENID, "资料")  # the profile's own word: asked too
    assert "省份和城市" in wechat.say(OPENID, "1")


def test_a_command_with_its_argument_wins_and_the_draft_is_kept(wechat: WeChat, db, namesakes):
    wechat.say(OPENID, "完善资料")
    wechat.say(OPENID, "宁波信达进出口有限公司")
    reply = wechat.say(OPENID, "查询 Acme Trading")
    assert "Acme Trading LLC" in reply  # the lookup ran …
    assert "「企业资料」还没有填完" in reply and "继续填写" in reply  # … and the form waits
    follower = db.scalar(select(Follower).where(Follower.openid == OPENID))
    assert follower is None or follower.company_name is None
    assert "省份和城市" in wechat.say(OPENID, "继续填写")


# --- input a step does not take ----------------------------------------------------------------

@pytest.mark.parametrize("kind", ["image", "location"])
def test_a_photo_or_a_location_mid_form_gets_the_question_again(wechat: WeChat, kind):
    wechat.say(OPENID, "完善资料")
    wechat.say(OPENID, "宁波信达进出口有限公司")
    xml = (wechat.sim.image(OPENID) if kind == "image"
           else wechat.sim.location(OPENID, 29.87, 121.55, "宁波市海曙区"))
    reply = wechat.send(xml)["Content"]
    assert "这一步需要回复文字" in reply and "省份和城市" in reply
    assert "已收到" not in reply
    assert "主要出口国家" in wechat.say(OPENID, "浙江 宁波")  # the form kept its place


def test_a_recognised_voice_message_answers_like_text(wechat: WeChat):
    wechat.say(OPENID, "完善资料")
    wechat.say(OPENID, "宁波信达进出口有限公司")
    assert "主要出口国家" in voice(wechat, OPENID, "浙江宁波。")


# --- menu taps win over an open lookup ------------------------------------------------------------

def test_a_lookup_prompt_does_not_spend_a_lookup_on_another_service(wechat: WeChat, db):
    wechat.click(OPENID, keys.LIGHT_LOOKUP)
    loans = wechat.click(OPENID, keys.LOANS)["Content"]
    assert "信保贷" in loans
    claims = wechat.say(OPENID, "理赔")
    assert "【资信红绿灯】" not in claims and "没有找到" not in claims
    assert lookups(db) == 0


def test_cancelling_a_lookup_says_nothing_was_saved(wechat: WeChat):
    wechat.click(OPENID, keys.LIGHT_LOOKUP)
    cancelled = wechat.say(OPENID, "取消")
    assert "已退出「资信红绿灯」" in cancelled
    assert "保存" not in cancelled and "草稿" not in cancelled


def test_a_command_naming_another_service_is_not_a_buyer(wechat: WeChat, db):
    assert "可损通知" in wechat.say(OPENID, "查询理赔进度")
    assert lookups(db) == 0


# --- drafts live in the database --------------------------------------------------------------

def test_a_draft_survives_a_redis_flush_and_the_form_goes_on(wechat: WeChat, redis, db):
    wechat.say(OPENID, "完善资料")
    wechat.say(OPENID, "宁波信达进出口有限公司")
    redis.flushdb()  # the cursor is gone; the draft row is not

    assert "主要出口国家" in wechat.say(OPENID, "浙江 宁波")
    assert "企业资料已保存" in wechat.say(OPENID, "美国、德国")
    follower = db.scalar(select(Follower).where(Follower.openid == OPENID))
    assert (follower.company_name, follower.city) == ("宁波信达进出口有限公司", "宁波")


def test_after_a_redis_flush_the_follower_can_resume_by_name(wechat: WeChat, redis):
    wechat.say(OPENID, "完善资料")
    wechat.say(OPENID, "宁波信达进出口有限公司")
    redis.flushdb()
    assert "省份和城市" in wechat.say(OPENID, "继续填写")


def test_redis_keeps_only_where_the_follower_is(wechat: WeChat, redis, db):
    wechat.say(OPENID, "完善资料")
    wechat.say(OPENID, "宁波信达进出口有限公司")
    cursor = redis.get(f"xinbao:conversation:{OPENID}")
    assert "宁波信达" not in cursor  # what was entered lives in the draft row
    row = db.scalar(select(ConversationDraft).where(ConversationDraft.openid == OPENID))
    assert row.data["company_name"] == "宁波信达进出口有限公司" and row.state == "region"


def test_a_retried_answer_is_applied_once(wechat: WeChat, db):
    wechat.say(OPENID, "完善资料")
    xml = wechat.sim.text(OPENID, "宁波信达进出口有限公司", msg_id=880001)
    first = wechat.send(xml)["Content"]
    again = wechat.send(xml)["Content"]
    assert first == again and "省份和城市" in first
    assert "主要出口国家" in wechat.say(OPENID, "浙江 宁波")  # one step on, not two


# --- each flow its own timeout ------------------------------------------------------------------

def test_a_pick_list_goes_stale_sooner_than_a_form(wechat: WeChat, namesakes, services,
                                                  monkeypatch):
    wechat.say(OPENID, "查询 Acme Trading")
    wechat.say("o-form", "完善资料")
    later = services.clock() + timedelta(minutes=6)  # the list: 5 minutes; a form: 10
    monkeypatch.setattr(services, "clock", lambda: later)
    stale = wechat.say(OPENID, "2")
    assert "超过 5 分钟没有回复" in stale and "【资信红绿灯】" not in stale
    assert "省份和城市" in wechat.say("o-form", "宁波信达进出口有限公司")
