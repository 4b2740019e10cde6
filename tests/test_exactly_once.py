"""WeChat retries: side effects once, the same answer each time, sequential or concurrent."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests
from sqlalchemy import func, select

from core.models import InboundMessage
from followers.models import FollowEvent

from helpers import route_help_to


def test_a_retried_message_gets_the_first_reply_and_runs_once(wechat, app, db, monkeypatch):
    calls: list[str] = []

    def counting(msg, ctx):
        calls.append(msg.content)
        return ctx.text("help.j2")

    word = route_help_to(app, monkeypatch, counting)
    xml = wechat.sim.text("o-retry", word, msg_id=424242)
    first = wechat.send(xml)
    second = wechat.send(xml)  # the same MsgId: WeChat's retry
    third = wechat.send(xml)
    assert first == second == third
    assert calls == [word]
    stored = db.scalar(select(func.count()).select_from(InboundMessage)
                       .where(InboundMessage.openid == "o-retry"))
    assert stored == 1


def test_a_retried_event_is_deduplicated_by_sender_time_and_event(wechat, db):
    xml = wechat.sim.subscribe("o-sub-retry", scene="expo", create_time=1_800_000_000)
    assert wechat.send(xml) == wechat.send(xml)
    count = db.scalar(select(func.count()).select_from(FollowEvent))
    assert count == 1
    # The same follower, the same second, another event: not a retry.
    wechat.send(wechat.sim.click("o-sub-retry", "HELP", create_time=1_800_000_000))
    assert db.scalar(select(func.count()).select_from(InboundMessage)) == 2


def test_a_retry_in_a_conversation_does_not_advance_it_twice(wechat):
    wechat.say("o-conv-retry", "完善资料")
    answer = wechat.sim.text("o-conv-retry", "宁波海曙外贸有限公司", msg_id=777001)
    first = wechat.send(answer)["Content"]
    assert "省份和城市" in first
    assert wechat.send(answer)["Content"] == first  # not "not a province"


def test_concurrent_retries_wait_for_the_first_attempt(wechat, app, live_server, monkeypatch):
    calls: list[int] = []
    started = threading.Event()

    def slow(msg, ctx):
        calls.append(1)
        started.set()
        time.sleep(0.8)
        return ctx.text("help.j2")

    word = route_help_to(app, monkeypatch, slow)
    xml = wechat.sim.text("o-concurrent", word, msg_id=99887766)

    def deliver(_: int) -> bytes:
        signed = wechat.sim.sign(xml)  # each retry is signed afresh, like WeChat's
        return requests.post(f"{live_server}/wechat", params=signed.params, data=signed.body,
                             timeout=10).content

    with ThreadPoolExecutor(max_workers=4) as pool:
        first = pool.submit(deliver, 0)
        started.wait(5)
        retries = list(pool.map(deliver, range(3)))
    bodies = [wechat.sim.open_reply(body) for body in [first.result(), *retries]]
    assert len(calls) == 1
    assert all(body == bodies[0] for body in bodies)
    assert "完善资料" in bodies[0]["Content"]


def test_a_retry_that_outwaits_the_first_attempt_gets_an_empty_body(base_config, monkeypatch):
    from tests.conftest import make_app
    from wechat.simulator import WeChatSimulator

    app = make_app(base_config, webhook={"retry_wait_seconds": 0.2})
    release = threading.Event()

    def stuck(msg, ctx):
        release.wait(5)
        return ctx.text("help.j2")

    word = route_help_to(app, monkeypatch, stuck)
    sim = WeChatSimulator(app.extensions["xinbao"].settings.wechat)
    xml = sim.text("o-stuck", word, msg_id=55443322)
    client = app.test_client()
    with ThreadPoolExecutor(max_workers=1) as pool:
        signed = sim.sign(xml)
        first = pool.submit(client.post, "/wechat", query_string=signed.params, data=signed.body)
        time.sleep(0.2)
        retry_signed = sim.sign(xml)
        retry = app.test_client().post("/wechat", query_string=retry_signed.params,
                                       data=retry_signed.body)
        assert retry.status_code == 200 and retry.get_data() == b""
        release.set()
        assert "完善资料" in sim.open_reply(first.result().get_data())["Content"]
