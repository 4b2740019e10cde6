"""Overload: a message that waited in a busy process's queue is put aside with one Redis write and
answered at once with an empty body; the worker answers it as a customer-service message,
stores it once, and a retry WeChat sends meanwhile changes nothing. The load figures are the
load script's (``benchmarks/overload_bench.py``, docs/overload.md)."""

from __future__ import annotations

import time
import uuid
from io import BytesIO
from typing import Any

import fakeredis
import pytest
import redis
from flask import Flask
from sqlalchemy import func, select

from core.models import InboundMessage
from core.replies import Text
from core.services import EXTENSION_KEY
from tests.conftest import WeChat, make_app
from wechat.delivery import deliver, deliver_soon
from wechat.overload import STREAM, PutAside, answer_put_aside, install

from helpers import drain_inbound_log


class Inner:
    """The app behind the middleware: counts the requests it answered, reads their bodies."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []

    def __call__(self, environ: dict[str, Any], start_response) -> list[bytes]:
        self.bodies.append(environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"])))
        start_response("200 OK", [("Content-Type", "application/xml")])
        return [b"<xml>answered</xml>"]


def call(guard: PutAside, signed_ago: float, body: bytes = b"<xml>hi</xml>") -> bytes:
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/wechat",
               "QUERY_STRING": f"timestamp={int(time.time() - signed_ago)}&nonce=n&signature=s",
               "CONTENT_LENGTH": str(len(body)), "wsgi.input": BytesIO(body)}
    return b"".join(guard(environ, lambda status, headers: None))


@pytest.mark.parametrize(("busy_requests", "signed_ago", "put_aside"), [
    (1, 5, True),     # busy, and waited: put aside
    (1, 0, False),    # busy, but fresh: answered
    (2, 5, False),    # waited (or a clock off), but not busy: answered
])
def test_only_a_message_that_waited_in_a_busy_process_is_put_aside(busy_requests, signed_ago,
                                                                   put_aside):
    client = fakeredis.FakeRedis(decode_responses=True)
    inner = Inner()
    guard = PutAside(inner, client, busy_requests, 2.0, 65536)
    answer = call(guard, signed_ago)
    assert (answer == b"") is put_aside
    assert len(inner.bodies) == (0 if put_aside else 1)
    kept = client.xrange(STREAM)
    assert len(kept) == (1 if put_aside else 0)
    if put_aside:
        assert kept[0][1]["body"] == "<xml>hi</xml>" and "signature=s" in kept[0][1]["query"]


def test_without_redis_the_message_is_answered_with_its_body_intact():
    class Down:
        def xadd(self, *args: Any, **kwargs: Any) -> None:
            raise redis.ConnectionError("down")

    inner = Inner()
    guard = PutAside(inner, Down(), 1, 2.0, 65536)  # type: ignore[arg-type]
    assert call(guard, 5) == b"<xml>answered</xml>"
    assert inner.bodies == [b"<xml>hi</xml>"]


def test_a_message_put_aside_is_answered_later_once(base_config, live_server, emulator, worker):
    app = overloaded_app(base_config)
    wechat = WeChat(app, worker)
    openid = f"o-overload-{uuid.uuid4().hex[:8]}"
    xml = wechat.sim.text(openid, "帮助", msg_id=uuid.uuid4().int % 10**15)
    signed = wechat.sim.sign(xml, timestamp=int(time.time()) - 3)  # it waited in the queue
    response = app.test_client().post("/wechat", query_string=signed.params, data=signed.body)
    assert response.status_code == 200 and response.get_data() == b""  # nothing late

    answer_what_was_put_aside(wechat)
    sent = [m["text"]["content"] for m in emulator.sent_to(openid)
            if m.get("msgtype") == "text"]
    assert len(sent) == 1 and "查询" in sent[0]  # the answer, as a customer-service message

    # WeChat's retry of the same message, put aside too: nothing runs or is sent again.
    retry = wechat.sim.sign(xml, timestamp=int(time.time()) - 3)
    app.test_client().post("/wechat", query_string=retry.params, data=retry.body)
    answer_what_was_put_aside(wechat)
    assert len(emulator.sent_to(openid)) == 1
    drain_inbound_log(app)
    services = app.extensions[EXTENSION_KEY]
    with app.app_context():
        stored = services.db.session.scalar(
            select(func.count()).select_from(InboundMessage)
            .where(InboundMessage.openid == openid))
    assert stored == 1


def answer_what_was_put_aside(wechat: WeChat, timeout: float = 20.0) -> None:
    """The worker's loop does it as it comes; on the embedded default (no worker) here."""
    client = wechat.services.redis.text
    if wechat.worker is None:
        assert answer_put_aside(wechat.app) == 1
    deadline = time.monotonic() + timeout
    while client.xlen(STREAM) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert client.xlen(STREAM) == 0
    wechat.wait_for_jobs()


def overloaded_app(base_config: dict[str, Any]) -> Flask:
    """Every webhook request counts as busy; a message signed 2 s ago or more waited."""
    app = make_app(base_config, webhook={"busy_requests": 1, "put_aside_after_seconds": 2.0})
    if not isinstance(app.wsgi_app, PutAside):  # the embedded default installs none
        services = app.extensions[EXTENSION_KEY]
        install(app, services.redis.text, 1, 2.0, 65536)
    return app


def test_the_worker_sends_an_answer_put_aside_itself_not_behind_the_job_queue(
        wechat, services, emulator, monkeypatch):
    wechat.say("o-soon", "你好")  # a message in the last 48 h: customer-service messages allowed
    queued = record_enqueued(monkeypatch, services)
    deliver_soon(services.jobs, "o-soon", Text("您的回答"))
    assert [m["text"]["content"] for m in emulator.sent_to("o-soon")
            if m.get("msgtype") == "text"] == ["您的回答"]  # sent before it returned
    assert queued == []


def test_a_send_that_fails_is_queued_for_retries_and_sent_once(wechat, services, emulator,
                                                              monkeypatch):
    wechat.say("o-soon-retry", "你好")
    queued = record_enqueued(monkeypatch, services)
    emulator.fail("/cgi-bin/message/custom/send", -1)  # WeChat: 系统繁忙
    deliver_soon(services.jobs, "o-soon-retry", Text("稍后送达"))
    assert emulator.sent_to("o-soon-retry") == [] and len(queued) == 1
    job, *arguments = queued[0]
    assert job is deliver
    assert job(*arguments) == "custom"  # the queue's retry: the same delivery id …
    assert job(*arguments) == "already sent"  # … so a second run sends nothing
    assert len(emulator.sent_to("o-soon-retry")) == 1


def record_enqueued(monkeypatch: pytest.MonkeyPatch, services) -> list[tuple[Any, ...]]:
    """The jobs queued, kept here instead of run (what would the queue have been given)."""
    queued: list[tuple[Any, ...]] = []
    monkeypatch.setattr(services.jobs, "enqueue", lambda job, *args: queued.append((job, *args)))
    return queued
