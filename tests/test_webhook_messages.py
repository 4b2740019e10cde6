"""Every message and event type wechatpy knows reaches a handler and gets a sensible answer."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.models import InboundMessage
from followers.models import Follower, FollowEvent

from helpers import route_help_to

OPENID = "o-types"


MESSAGES = {
    "text": lambda sim: sim.text(OPENID, "随便说点什么"),
    "image": lambda sim: sim.image(OPENID),
    "voice": lambda sim: sim.xml(OPENID, "voice", MediaId="m1", Format="amr"),
    "video": lambda sim: sim.xml(OPENID, "video", MediaId="m2", ThumbMediaId="t2"),
    "shortvideo": lambda sim: sim.xml(OPENID, "shortvideo", MediaId="m3", ThumbMediaId="t3"),
    "location": lambda sim: sim.location(OPENID, 29.87, 121.54, "宁波市鄞州区"),
    "link": lambda sim: sim.xml(OPENID, "link", Title="t", Description="d",
                                Url="http://example.invalid/"),
    "file": lambda sim: sim.xml(OPENID, "file", Title="发票.pdf", FileKey="k", FileMd5="m",
                                FileTotalLen=1024),
    "future type": lambda sim: sim.xml(OPENID, "hologram", Content="x"),
}


@pytest.mark.parametrize("build", MESSAGES.values(), ids=MESSAGES.keys())
def test_every_message_type_gets_a_polite_text_reply(wechat, build):
    reply = wechat.send(build(wechat.sim))
    assert reply["MsgType"] == "text"
    assert reply["ToUserName"] == OPENID
    assert "帮助" in reply["Content"] or "菜单" in reply["Content"]


def test_text_that_nobody_routes_is_quoted_back_with_a_guide(wechat):
    assert "随便说点什么" in wechat.say(OPENID, "随便说点什么")


QUIET_EVENTS = {
    "VIEW": {"EventKey": "https://example.invalid/page"},
    "LOCATION": {"Latitude": 29.8, "Longitude": 121.5, "Precision": 30},
    "TEMPLATESENDJOBFINISH": {"Status": "success"},
    "MASSSENDJOBFINISH": {"Status": "send success", "TotalCount": 1},
}


@pytest.mark.parametrize(("event", "fields"), QUIET_EVENTS.items(), ids=QUIET_EVENTS.keys())
def test_background_and_unknown_events_get_an_empty_body(wechat, event, fields):
    response = wechat.post(wechat.sim.xml(OPENID, "event", Event=event, **fields))
    assert response.status_code == 200
    assert response.get_data() == b""


def test_a_future_event_type_gets_the_polite_default(wechat):
    reply = wechat.send(wechat.sim.xml(OPENID, "event", Event="SOME_FUTURE_EVENT", EventKey="x"))
    assert reply["MsgType"] == "text" and "菜单" in reply["Content"]


def test_menu_events_with_an_unrouted_key_are_answered_quietly(wechat):
    for event in ("CLICK", "scancode_push", "pic_sysphoto", "location_select"):
        response = wechat.post(wechat.sim.event(OPENID, event, "NO_SUCH_KEY"))
        assert response.status_code == 200


def test_subscribe_with_a_scene_stores_the_scene_and_welcomes(wechat, db):
    reply = wechat.send(wechat.sim.subscribe("o-new", scene="fair-canton-2026"))
    assert "欢迎关注" in reply["Content"]
    follower = db.scalar(select(Follower).where(Follower.openid == "o-new"))
    assert follower.subscribed and follower.first_scene == "fair-canton-2026"
    assert follower.last_scene == "fair-canton-2026"


def test_subscribe_without_a_scene(wechat, db):
    reply = wechat.send(wechat.sim.subscribe("o-plain-follow"))
    assert "欢迎关注" in reply["Content"]
    follower = db.scalar(select(Follower).where(Follower.openid == "o-plain-follow"))
    assert follower.subscribed and follower.first_scene is None


def test_scan_by_a_follower_records_the_scene(wechat, db):
    wechat.send(wechat.sim.subscribe("o-scan", scene="branch-ningbo"))
    reply = wechat.send(wechat.sim.scan("o-scan", "bank-partner-7"))
    assert "已在关注" in reply["Content"]
    follower = db.scalar(select(Follower).where(Follower.openid == "o-scan"))
    db.refresh(follower)
    assert follower.first_scene == "branch-ningbo" and follower.last_scene == "bank-partner-7"


def test_unsubscribe_keeps_the_follower_and_resubscribe_reactivates(wechat, db):
    wechat.send(wechat.sim.subscribe("o-leaver", scene="s1"))
    assert wechat.post(wechat.sim.event("o-leaver", "unsubscribe", "")).get_data() == b""
    follower = db.scalar(select(Follower).where(Follower.openid == "o-leaver"))
    db.refresh(follower)
    assert follower.subscribed is False and follower.unsubscribed_at is not None
    reply = wechat.send(wechat.sim.subscribe("o-leaver", scene="s2"))
    assert "欢迎回来" in reply["Content"]
    db.refresh(follower)
    assert follower.subscribed is True and follower.unsubscribed_at is None
    kinds = db.scalars(select(FollowEvent.kind).where(FollowEvent.follower_id == follower.id)
                       .order_by(FollowEvent.id)).all()
    assert kinds == ["subscribe", "unsubscribe", "subscribe"]


def test_what_a_follower_sent_is_stored_before_the_reply(wechat, db):
    wechat.say("o-store", "我们的买家是 ACME GmbH")
    stored = db.scalar(select(InboundMessage).where(InboundMessage.openid == "o-store"))
    assert stored.content == "我们的买家是 ACME GmbH" and stored.msg_type == "text"


def test_a_handler_error_still_gets_a_reply_and_keeps_the_message(wechat, app, db, monkeypatch):

    def broken(msg, ctx):
        raise RuntimeError("boom")

    word = route_help_to(app, monkeypatch, broken)
    assert "系统刚才开了个小差" in wechat.say("o-broken", word)
    assert db.scalar(select(InboundMessage).where(InboundMessage.openid == "o-broken"))
