"""Faults, by breaking real services mid-traffic: a Redis server of the test's own (killed,
restarted) and this machine's PostgreSQL behind a proxy (refusing, restarted). For each: WeChat
never gets a 500, what the follower is told is true, every accepted message is stored exactly
once and its side effects run once; a killed worker's job runs again once and delivers once."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from faults import PG_PORT, RedisProcess, TcpProxy, private_database, services_available
from flask import Flask
from rq import Queue
from rq.registry import ScheduledJobRegistry, StartedJobRegistry
from sqlalchemy import func, select

from app import create_app
from core.config import deep_merge
from core.db import Base
from core.jobs import QUEUE_NAME
from core.migrate import upgrade
from core.models import DeferredJob, InboundMessage
from core.replies import Text
from core.services import EXTENSION_KEY, Services
from followers.models import Follower
from tests.conftest import REPO, WeChat
from tests.jobs import deliver_when_released
from wechat.notices import REMINDER_JOB_PREFIX

from helpers import drain_inbound_log

SAVED_WORDS = ("已保存", "保存了")


@dataclass
class World:
    app: Flask
    redis: RedisProcess
    proxy: TcpProxy
    database_url: str

    @property
    def services(self) -> Services:
        return self.app.extensions[EXTENSION_KEY]

    def stored(self, **where: str) -> int:
        """Rows of inbound_messages, read straight from PostgreSQL (not through the proxy)."""
        direct = self.database_url.replace(f":{self.proxy.port}/", f":{PG_PORT}/")
        from sqlalchemy import create_engine

        engine = create_engine(direct.replace("postgresql://", "postgresql+psycopg://"))
        try:
            with engine.connect() as connection:
                query = select(func.count()).select_from(InboundMessage)
                for column, value in where.items():
                    query = query.where(getattr(InboundMessage, column) == value)
                return int(connection.execute(query).scalar() or 0)
        finally:
            engine.dispose()


@pytest.fixture(scope="module")
def world(base_config: dict[str, Any], live_server: str) -> Iterator[World]:
    services_available()
    redis_server = RedisProcess()
    redis_server.start()
    with private_database(f"xinbao_faults_{os.getpid()}") as name:
        proxy = TcpProxy(PG_PORT)
        proxy.start()
        url = f"postgresql://postgres@127.0.0.1:{proxy.port}/{name}"
        app = create_app(deep_merge(base_config, {"database": {"url": url},
                                                  "redis": {"url": redis_server.url}}))
        upgrade(app.extensions[EXTENSION_KEY].db.engine)
        try:
            yield World(app, redis_server, proxy, url)
        finally:
            services = app.extensions[EXTENSION_KEY]
            services.db.remove()
            services.db.engine.dispose()
            proxy.stop()
            redis_server.kill()


@pytest.fixture
def broken(world: World) -> Iterator[World]:
    """Each test starts with both services up and empty."""
    if world.redis.process is None:
        world.redis.start()
    world.proxy.restore() if world.proxy._listener is None else None
    world.services.redis.text.flushdb()
    with world.services.db.engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())
    yield world
    world.services.db.remove()


def chat(world: World) -> WeChat:
    return WeChat(world.app, worker=None)


def text_of(response) -> str:
    return response.get("Content", "")


# --- row 1: Redis unreachable -----------------------------------------------------------------

def test_with_redis_down_the_webhook_answers_and_stores_the_message(broken: World):
    wechat = chat(broken)
    broken.redis.kill()
    response = wechat.post(wechat.sim.text("o-f1", "帮助", msg_id=910001))
    assert response.status_code == 200
    assert "查询" in text_of(wechat.sim.open_reply(response.get_data()))
    assert broken.stored(openid="o-f1") == 1


def test_with_redis_down_the_api_and_staff_sign_in_do_not_fail(broken: World):
    from helpers import follower_token

    client = broken.app.test_client()
    with broken.app.app_context():
        token, _ = follower_token(broken.services, "o-f1-api")
    broken.redis.kill()
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json["openid"] == "o-f1-api"
    login = client.get("/staff/login")
    assert login.status_code == 200
    token_field = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login.get_data(as_text=True))
    signed = client.post("/staff/login", data={"csrf_token": token_field.group(1),
                                               "username": "nobody", "password": "x" * 12})
    assert signed.status_code == 503 and "服务繁忙" in signed.get_data(as_text=True)
    health = client.get("/healthz")
    assert health.json["status"] == "degraded" and health.json["database"] == "ok"


# --- row 2: Redis killed mid-conversation, then restarted -------------------------------------

def test_a_conversation_goes_on_through_a_redis_crash_and_restart(broken: World):
    wechat = chat(broken)
    assert "企业名称" in wechat.say("o-f2", "完善资料")
    assert "省份和城市" in wechat.say("o-f2", "宁波信达进出口有限公司")
    broken.redis.kill()
    during = wechat.post(wechat.sim.text("o-f2", "浙江 宁波"))
    assert during.status_code == 200
    assert "主要出口国家" in text_of(wechat.sim.open_reply(during.get_data()))
    broken.redis.start()  # restarted empty: the draft row says where the follower is
    assert "企业资料已保存" in wechat.say("o-f2", "美国")
    with broken.app.app_context():
        follower = broken.services.db.session.scalar(
            select(Follower).where(Follower.openid == "o-f2"))
        assert (follower.company_name, follower.city) == ("宁波信达进出口有限公司", "宁波")
    assert broken.stored(openid="o-f2") == 4


# --- rows 3 and 4: PostgreSQL refusing, then back, and WeChat's retry ------------------------

def test_with_the_database_down_nothing_false_is_said_and_the_message_is_kept(broken: World):
    wechat = chat(broken)
    broken.proxy.cut()
    # An answer that needs no database is given: the message waits in the inbound log.
    assert "查询" in wechat.say("o-f3", "帮助")
    xml = wechat.sim.text("o-f3", "我的查询", msg_id=930001)
    response = wechat.post(xml)
    assert response.status_code == 200
    said = text_of(wechat.sim.open_reply(response.get_data()))
    assert said and not any(word in said for word in SAVED_WORDS)
    assert "收到" in said  # kept in Redis until the database is back
    assert broken.stored(openid="o-f3") == 0

    broken.proxy.restore()
    retry = wechat.post(xml)  # WeChat's retry of the same MsgId, after the database is back
    assert text_of(wechat.sim.open_reply(retry.get_data())) == said
    with broken.app.app_context():
        from handlers.replay import drain_pending_messages

        assert drain_pending_messages(broken.app) == 1
        assert drain_pending_messages(broken.app) == 0  # twice: nothing handled twice
    drain_inbound_log(broken.app)
    assert broken.stored(openid="o-f3", dedupe_key="msg:930001") == 1
    assert broken.stored(openid="o-f3") == 2  # each message once


def test_with_both_down_the_follower_is_told_to_send_again(broken: World):
    wechat = chat(broken)
    broken.proxy.cut()
    broken.redis.kill()
    response = wechat.post(wechat.sim.text("o-f34", "帮助", msg_id=930002))
    assert response.status_code == 200
    said = text_of(wechat.sim.open_reply(response.get_data()))
    assert "再发" in said and not any(word in said for word in SAVED_WORDS)


def test_a_failure_is_not_replayed_to_the_retry(broken: World, monkeypatch):
    """A reply made of an error is not what a retry gets: the retry runs again."""
    from helpers import route_help_to

    calls: list[int] = []

    def flaky(msg, ctx):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("a passing fault")
        return ctx.text("help.j2")

    wechat = chat(broken)
    word = route_help_to(broken.app, monkeypatch, flaky)
    xml = wechat.sim.text("o-f4", word, msg_id=940001)
    assert "开了个小差" in text_of(wechat.send(xml))
    assert "查询" in text_of(wechat.send(xml))
    assert calls == [1, 1] and broken.stored(openid="o-f4") == 1


# --- row 5: a database restart leaves stale pooled connections ---------------------------------

def test_after_a_database_restart_the_first_messages_are_answered(broken: World):
    wechat = chat(broken)
    for number in range(4):  # fill the pool
        wechat.say(f"o-f5-{number}", "帮助")
    broken.proxy.reset()
    for number in range(4):
        said = wechat.say(f"o-f5-{number}", "帮助")
        assert "查询" in said, said
    assert broken.stored() == 8


# --- row 6: a sender WeChat never sends --------------------------------------------------------

def test_an_overlong_sender_is_refused_before_anything_is_said(broken: World):
    wechat = chat(broken)
    response = wechat.post(wechat.sim.text("o" * 300, "帮助"))
    assert response.status_code == 400
    assert broken.stored() == 0


# --- a killed worker ---------------------------------------------------------------------------

def test_a_killed_workers_job_runs_again_once_and_delivers_once(broken: World, emulator):
    services = broken.services
    chat(broken).say("o-f9", "帮助")  # the follower wrote: customer-service messages may follow
    queue = Queue(QUEUE_NAME, connection=services.redis.raw)
    with broken.app.app_context():
        services.redis.text.set("xinbao:test:hold", "1")
        services.jobs.enqueue(deliver_when_released, "o-f9", "一条要送达的消息")

    first = start_worker(broken)
    try:
        started = StartedJobRegistry(queue=queue)
        deadline = time.monotonic() + 20
        while started.count == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert started.count == 1, "the worker took the job"
    finally:
        first.kill()  # mid-job, as a crash
        first.wait(timeout=10)
    services.redis.text.delete("xinbao:test:hold")
    # rq notices an abandoned job once its heartbeat lapses; the clean-up at that moment:
    started.cleanup(timestamp=time.time() + 3600)
    # (The worker also put the daily reminders on the scheduler as it started: not counted.)
    retried = [job_id for job_id in ScheduledJobRegistry(queue=queue).get_job_ids()
               if not job_id.startswith(REMINDER_JOB_PREFIX)]
    waiting = queue.count + len(retried)
    assert waiting == 1, "the job is queued again (it has retries left)"

    second = start_worker(broken)
    try:
        wait_for(lambda: bool(sent_texts(emulator, "o-f9")))
        time.sleep(1)  # anything sent twice would be here by now
    finally:
        second.terminate()
        second.wait(timeout=10)
    assert sent_texts(emulator, "o-f9") == ["一条要送达的消息"]


def sent_texts(emulator, openid: str) -> list[str]:
    return [m["text"]["content"] for m in emulator.sent_to(openid) if m.get("msgtype") == "text"]


# --- what was kept comes back ------------------------------------------------------------------

def start_worker(world: World) -> subprocess.Popen:
    env = dict(os.environ, XINBAO_ENV="development",
               XINBAO_PUBLIC_URL=world.services.settings.public_url,
               DATABASE_URL=world.database_url, REDIS_URL=world.redis.url)
    return subprocess.Popen([sys.executable, "-m", "xinbao_cli", "worker"], cwd=REPO, env=env)


def wait_for(condition, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_the_worker_answers_what_arrived_while_the_database_was_down(broken: World, emulator):
    wechat = chat(broken)
    wechat.say("o-f3w", "帮助")  # the follower wrote before: the answer may come later
    broken.proxy.cut()
    assert "收到" in wechat.say("o-f3w", "我的查询")
    broken.proxy.restore()
    worker = start_worker(broken)
    try:
        assert wait_for(lambda: any("查询记录" in text or "还没有查询" in text
                                    for text in sent_texts(emulator, "o-f3w")))
    finally:
        worker.terminate()
        worker.wait(timeout=10)
    assert broken.stored(openid="o-f3w") == 2  # each message once


def test_jobs_asked_for_while_redis_was_down_are_kept_and_run_when_it_is_back(
        broken: World, emulator, monkeypatch):
    from helpers import route_help_to

    def answer_later(msg, ctx):
        ctx.send_later(Text("稍后送达的一段话"))
        return ctx.text("help.j2")

    wechat = chat(broken)
    wechat.say("o-f1j", "我的查询")  # the follower wrote: customer-service messages may follow
    word = route_help_to(broken.app, monkeypatch, answer_later)
    broken.redis.kill()
    assert "查询" in wechat.say("o-f1j", word)
    with broken.services.db.engine.connect() as connection:
        kept = connection.execute(select(func.count()).select_from(DeferredJob)).scalar()
    assert kept == 1
    broken.redis.start()
    wechat.say("o-f1j", "我的查询")  # the quota for customer-service messages, granted again
    worker = start_worker(broken)
    try:
        assert wait_for(lambda: sent_texts(emulator, "o-f1j") == ["稍后送达的一段话"])
    finally:
        worker.terminate()
        worker.wait(timeout=10)


# --- plain mode: a signature replayed with another body ------------------------------------

def test_a_replayed_signature_with_another_body_is_refused(broken: World):
    wechat = chat(broken)
    original = wechat.sim.sign(wechat.sim.text("o-f10", "帮助", msg_id=101001))
    client = broken.app.test_client()
    first = client.post("/wechat", query_string=original.params, data=original.body)
    assert first.status_code == 200
    again = client.post("/wechat", query_string=original.params, data=original.body)
    assert again.status_code == 200 and again.data == first.data  # WeChat's own retry
    forged = wechat.sim.text("o-someone-else", "帮助", msg_id=101002)
    replayed = client.post("/wechat", query_string=original.params, data=forged.encode())
    assert replayed.status_code == 403
    assert broken.stored(openid="o-someone-else") == 0


# --- 智能问答 and 人工客服 with Redis unreachable -------------------------------------------------

def test_with_redis_down_questions_are_answered_and_a_hand_off_still_holds(broken: World):
    from support.models import Ticket, TicketMessage

    wechat = chat(broken)
    broken.redis.kill()
    assert "30个工作日内" in wechat.say("o-f-kb", "理赔要多久")
    assert "已为您转人工客服" in wechat.say("o-f-kb", "人工客服")
    # No flag in Redis: the open ticket is found in the database, the message goes to it.
    assert "已转给工作人员" in wechat.say("o-f-kb", "买家在德国")
    with broken.app.app_context():
        session = broken.services.db.session
        ticket = session.scalar(select(Ticket).where(Ticket.openid == "o-f-kb"))
        bodies = session.scalars(select(TicketMessage.body)
                                 .where(TicketMessage.ticket_id == ticket.id)
                                 .order_by(TicketMessage.id)).all()
        assert bodies == ["理赔要多久", "人工客服", "买家在德国"]


# --- the inbound log, written behind ---------------------------------------------------------

def test_a_drain_that_dies_before_acknowledging_writes_nothing_twice(broken: World):
    """The batch is committed, the drain dies before it acknowledges: the next drain (another
    process, after the idle time) writes the same entries again, and the dedupe key keeps
    each message once."""
    from core import inbound_log
    from core.inbound_log import InboundLog

    wechat = chat(broken)
    for number in range(3):
        wechat.client.post("/wechat", **_signed(wechat, f"o-f7-{number}", 970000 + number))
    services = broken.services
    dying = InboundLog(services.redis.text, services.db, consumer="dying")
    entries = dying.entries.read()
    dying._write([inbound_log.entry_row(values["row"]) for _, values in entries])  # then dies
    assert broken.stored() == 3 and dying.backlog() == 3

    later = InboundLog(services.redis.text, services.db, consumer="later")
    assert later.drain_once() == 0  # not yet: the dying drain may still acknowledge
    after_the_idle_time = InboundLog(services.redis.text, services.db, consumer="later",
                                     claim_idle_ms=0)
    assert after_the_idle_time.drain_once() == 3
    assert broken.stored() == 3 and later.backlog() == 0


def test_an_accepted_message_outlives_a_redis_crash_before_it_is_written(
        broken: World, base_config: dict[str, Any], tmp_path):
    """Redis as the README runs it in production (append-only file, synced on each write):
    killed after the reply and before the drain, restarted, and the message is written."""
    persistent = RedisProcess(data_dir=tmp_path)
    persistent.start()
    app = create_app(deep_merge(base_config, {"database": {"url": broken.database_url},
                                              "redis": {"url": persistent.url}}))
    try:
        wechat = WeChat(app, worker=None)
        response = wechat.client.post("/wechat", **_signed(wechat, "o-f8", 980001))
        assert "查询" in text_of(wechat.sim.open_reply(response.get_data()))
        assert broken.stored(openid="o-f8") == 0  # not written yet
        persistent.restart()
        drain_inbound_log(app)
        assert broken.stored(openid="o-f8") == 1
    finally:
        app.extensions[EXTENSION_KEY].db.engine.dispose()
        persistent.kill()


def _signed(wechat: WeChat, openid: str, msg_id: int) -> dict[str, Any]:
    """A signed 帮助 as the test client's keyword arguments: posted without the helper's
    drain, so that the log is seen before it is written."""
    signed = wechat.sim.sign(wechat.sim.text(openid, "帮助", msg_id=msg_id))
    return {"query_string": signed.params, "data": signed.body}
