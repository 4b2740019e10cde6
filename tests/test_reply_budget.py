"""The 5-second window: slow work becomes a job; a slow handler never makes WeChat wait."""

from __future__ import annotations

import time

from core.replies import Text, split_text
from tests.conftest import make_app
from wechat.delivery import deliver
from wechat.simulator import WeChatSimulator

from helpers import route_help_to


def test_a_slow_handler_is_answered_within_the_budget_and_followed_up(base_config, live_server,
                                                                      emulator, monkeypatch):
    app = make_app(base_config, webhook={"reply_budget_seconds": 0.3})

    def slow(msg, ctx):
        time.sleep(1.0)
        return Text("查询结果：绿灯")

    word = route_help_to(app, monkeypatch, slow)
    sim = WeChatSimulator(app.extensions["xinbao"].settings.wechat)
    signed = sim.sign(sim.text("o-slow", word))
    started = time.perf_counter()
    response = app.test_client().post("/wechat", query_string=signed.params, data=signed.body)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200 and response.get_data() == b""
    assert elapsed < 0.9
    deadline = time.monotonic() + 10
    sent: list = []
    while time.monotonic() < deadline and not sent:
        app.extensions["xinbao"].jobs.drain(1)
        sent = emulator.sent_to("o-slow")
        time.sleep(0.05)
    assert sent and sent[0]["text"]["content"] == "查询结果：绿灯"


def test_a_handler_hands_slow_work_to_a_job(wechat, app, emulator, monkeypatch):
    def quick_then_job(msg, ctx):
        ctx.send_later(Text("稍后送达的结果"))
        return Text("正在查询…")

    word = route_help_to(app, monkeypatch, quick_then_job)
    assert wechat.say("o-job", word) == "正在查询…"
    assert [m["text"]["content"] for m in emulator.sent_to("o-job")] == ["稍后送达的结果"]


def test_a_long_text_is_split_at_sentence_ends_and_continues_as_messages(wechat, app, emulator,
                                                                         monkeypatch):
    sentences = [f"第{i}条：信用期限在一年以内的出口，可按小微企业信保易投保。" for i in range(80)]
    long_text = "".join(sentences)

    def long_answer(msg, ctx):
        return Text(long_text)

    word = route_help_to(app, monkeypatch, long_answer)
    first = wechat.say("o-long", word)
    rest = [m["text"]["content"] for m in emulator.sent_to("o-long")]
    assert len(first.encode()) <= 2048 and rest
    assert first + "".join(rest) == long_text
    for part in [first, *rest]:
        assert part.endswith("。")  # never cut mid-sentence


def test_split_text_keeps_every_character_and_the_byte_limit():
    text = "短句。" * 5 + "很长" * 3000 + "。结尾！"
    parts = split_text(text, limit=2000)
    assert "".join(parts) == text
    assert all(len(part.encode()) <= 2000 for part in parts)
    assert split_text("一句话") == ["一句话"]


def test_quota_after_a_message_is_five_then_the_template_fallback(wechat, services, emulator):
    wechat.say("o-quota", "你好")  # opens the 48-hour window: 5 customer-service messages
    results = [deliver("o-quota", {"type": "Text", "content": f"第{i}条"}) for i in range(6)]
    assert results == ["custom"] * 5 + ["template"]
    kinds = [record["kind"] for record in emulator.sent_to("o-quota")]
    assert kinds == ["custom"] * 5 + ["template"]


def test_quota_after_a_click_is_three(wechat, services, emulator):
    wechat.click("o-click-quota", "HELP")
    results = [deliver("o-click-quota", {"type": "Text", "content": "x"}) for _ in range(4)]
    assert results == ["custom", "custom", "custom", "template"]


def test_wechat_refusing_with_45015_falls_back_to_the_template(wechat, services, emulator):
    wechat.say("o-45015", "你好")
    emulator.fail("/cgi-bin/message/custom/send", 45015)
    assert deliver("o-45015", {"type": "Text", "content": "x"}) == "template"
    assert emulator.sent_to("o-45015")[-1]["kind"] == "template"


def test_no_interaction_means_no_customer_service_message(services, emulator):
    assert deliver("o-silent", {"type": "Text", "content": "x"}) == "template"
    assert [r["kind"] for r in emulator.sent_to("o-silent")] == ["template"]

