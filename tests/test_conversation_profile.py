"""The profile conversation, walked state by state: answers, wrong answers, back, help,
cancel, expiry and a retry — each input saved as it is accepted."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from followers.models import Follower

OPENID = "o-profile"

# (what the follower types, a phrase the reply must contain)
WALK = [
    ("完善资料", "请回复您的企业名称"),
    ("A", "企业名称至少 2 个字"),                       # wrong: too short, stays
    ("12345", "需要包含文字"),                          # wrong: no letters, stays
    ("帮助", "正在填写「企业资料」"),                     # help repeats the question
    ("宁波海曙信达进出口有限公司", "省份和城市"),          # accepted → REGION
    ("火星 基地", "没有识别出省份"),                      # wrong
    ("浙江", "请在省份后面写上城市"),                     # province without a city
    ("返回", "请回复您的企业名称"),                       # back to COMPANY
    ("宁波海曙信达进出口有限公司", "省份和城市"),
    ("浙江省宁波市", "主要出口国家"),                     # accepted → MARKETS
    ("美国、火星国", "没有识别出这些国家：火星国"),         # wrong
    ("美国、德国 Vietnam，韩国", "企业资料已保存"),        # accepted → done
    ("美国", "【国别图书馆】美国"),                         # over: the name is no answer now
]


def test_the_whole_walk(wechat, db):
    for typed, expected in WALK:
        reply = wechat.say(OPENID, typed)
        assert expected in reply, f"after {typed!r}: {reply!r}"
    follower = db.scalar(select(Follower).where(Follower.openid == OPENID))
    assert follower.company_name == "宁波海曙信达进出口有限公司"
    assert (follower.province, follower.city) == ("浙江", "宁波")
    assert follower.export_markets == ["US", "DE", "VN", "KR"]


def test_the_summary_names_the_markets_in_chinese(wechat):
    for typed in ("完善资料", "深圳前海贸易有限公司", "广东 深圳"):
        wechat.say(OPENID, typed)
    summary = wechat.say(OPENID, "usa, Deutschland, 大韩民国")
    assert "美国、德国、韩国" in summary and "广东 深圳" in summary


def test_municipalities_need_no_city(wechat, db):
    for typed in ("完善资料", "上海某某贸易有限公司", "上海"):
        reply = wechat.say(OPENID, typed)
    assert "主要出口国家" in reply
    wechat.say(OPENID, "日本")
    follower = db.scalar(select(Follower).where(Follower.openid == OPENID))
    assert (follower.province, follower.city) == ("上海", "上海")


def test_cancel_keeps_a_draft_and_the_profile_is_written_only_when_complete(wechat, db):
    wechat.say(OPENID, "完善资料")
    wechat.say(OPENID, "厦门鹭江外贸有限公司")
    cancelled = wechat.say(OPENID, "取消")
    assert "已退出「企业资料」" in cancelled and "继续填写" in cancelled
    assert "答不上来" in wechat.say(OPENID, "福建 厦门")  # no longer in the conversation
    follower = db.scalar(select(Follower).where(Follower.openid == OPENID))
    assert follower is None or follower.company_name is None  # a draft is not the profile

    resumed = wechat.say(OPENID, "继续填写")
    assert "继续填写「企业资料」" in resumed and "省份和城市" in resumed
    wechat.say(OPENID, "福建 厦门")
    assert "企业资料已保存" in wechat.say(OPENID, "美国")
    db.expire_all()
    follower = db.scalar(select(Follower).where(Follower.openid == OPENID))
    assert (follower.company_name, follower.city) == ("厦门鹭江外贸有限公司", "厦门")


def test_cancel_with_nothing_entered_says_nothing_was_kept(wechat):
    wechat.say(OPENID, "完善资料")
    cancelled = wechat.say(OPENID, "取消")
    assert "已退出「企业资料」" in cancelled
    assert "草稿" not in cancelled and "保存" not in cancelled
    assert "没有未填完的内容" in wechat.say(OPENID, "继续填写")


@pytest.mark.parametrize("word", ["取消", "退出", "cancel", "Q"])
def test_cancel_words_work_in_every_state(wechat, word):
    wechat.say(OPENID, "完善资料")
    assert "已退出" in wechat.say(OPENID, word)


def test_expiry_is_noticed_and_told_on_the_next_message(wechat, services, monkeypatch):
    wechat.say(OPENID, "完善资料")
    wechat.say(OPENID, "青岛某某贸易有限公司")
    later = services.clock() + timedelta(minutes=11)
    monkeypatch.setattr(services, "clock", lambda: later)
    reply = wechat.say(OPENID, "山东 青岛")
    assert "超过 10 分钟没有回复" in reply      # told once …
    assert "答不上来" in reply                  # … and the message is handled normally
    assert "超过" not in wechat.say(OPENID, "帮助")


def test_a_menu_tap_during_the_form_is_served_and_the_draft_kept(wechat):
    wechat.say(OPENID, "完善资料")
    wechat.say(OPENID, "天津某某贸易有限公司")
    helped = wechat.click(OPENID, "HELP")["Content"]
    assert "完善资料" in helped  # the help the button gives …
    assert "「企业资料」还没有填完" in helped and "继续填写" in helped  # … and the way back
    assert "省份和城市" in wechat.say(OPENID, "继续填写")
    assert "主要出口国家" in wechat.say(OPENID, "天津")


def test_state_lives_in_redis_with_an_expiry(wechat, redis):
    wechat.say(OPENID, "完善资料")
    ttl = redis.ttl(f"xinbao:conversation:{OPENID}")
    assert 0 < ttl <= 600 + 24 * 3600


def test_the_api_changes_the_profile_with_the_same_rule_and_the_same_hint(wechat, services,
                                                                           client):
    from helpers import follower_token

    token, _ = follower_token(services, OPENID)
    headers = {"Authorization": f"Bearer {token}"}
    for typed in ("完善资料", "宁波某某贸易有限公司"):
        wechat.say(OPENID, typed)
    chat_hint = wechat.say(OPENID, "火星 基地")  # province unknown, in the chat …
    refused = client.patch("/api/v1/me", headers=headers,
                           json={"company_name": "宁波某某贸易有限公司", "region": "火星 基地"})
    assert refused.status_code == 422
    error = refused.json["error"]
    assert error["details"] == {"field": "region", "reason": "province_unknown"}
    assert error["message"] in chat_hint  # … and in the API: one sentence

    changed = client.patch("/api/v1/me", headers=headers,
                           json={"region": "广东省深圳市", "export_markets": ["US", "越南"]})
    assert changed.status_code == 200
    assert (changed.json["province"], changed.json["city"]) == ("广东", "深圳")
    assert changed.json["export_markets"] == ["US", "VN"]
    assert changed.json["company_name"] is None  # not sent, not changed
