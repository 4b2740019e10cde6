"""What a use case sends a follower leaves only after the edge committed: a handler that fails
sends nothing; one that succeeds sends its message and its template message once."""

from __future__ import annotations

from core.replies import TemplateMessage, Text

from helpers import route_help_to


def send_both(msg, ctx):
    ctx.uow.outbox.send(ctx.openid, Text("审核结果已出，请查看"))
    ctx.uow.outbox.send(ctx.openid, TemplateMessage(
        "claim-status-template", {"first": "您的索赔有新进展", "keyword1": "已受理"},
        url="https://example.test/h5/claims/1"))
    return ctx.text("help.j2")


def test_messages_leave_after_the_commit(wechat, app, monkeypatch, emulator):
    wechat.say("o-outbox", route_help_to(app, monkeypatch, send_both))

    sent = emulator.sent_to("o-outbox")
    texts = [m["text"]["content"] for m in sent if m.get("msgtype") == "text"]
    templates = [m for m in sent if m.get("template_id") == "claim-status-template"]
    assert texts == ["审核结果已出，请查看"]
    assert len(templates) == 1
    assert templates[0]["data"]["keyword1"] == {"value": "已受理"}
    assert templates[0]["url"] == "https://example.test/h5/claims/1"


def test_nothing_leaves_when_the_work_is_rolled_back(wechat, app, monkeypatch, emulator):
    def send_then_fail(msg, ctx):
        send_both(msg, ctx)
        raise RuntimeError("the use case failed after asking to notify")

    reply = wechat.say("o-outbox-fail", route_help_to(app, monkeypatch, send_then_fail))
    assert "系统刚才开了个小差" in reply
    assert emulator.sent_to("o-outbox-fail") == []
