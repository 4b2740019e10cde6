"""理赔 through the real webhook: the walk with wrong answers, a photo fetched from WeChat's
media API (the emulator) and stored, the checklist, a WeChat retry that files one claim, a late
notice, a quality dispute, the deadline across National Day, 补充材料 and 理赔进度, and a
follower who has bound no enterprise."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from claims.models import Claim, ClaimDocument
from tests.claim_data import declared, png


def test_the_claim_walk_with_a_photo_fetched_and_stored(wechat, db, services):
    declared(db, "o-claim")
    walk = [
        ("我要理赔", "1. 可损通知"),
        ("3", "请回复 1（可损通知）或 2（索赔）"),
        ("2", "发票 INV-1 · Hamburg Trading GmbH · 50,000 USD"),
        ("INV-404", "没有找到这笔出运申报"),
        ("1", "损失原因是什么"),
        ("破产", "请从列表中选择损失原因"),  # the buyer's or the bank's?
        ("2", "不超过发票金额 50,000 USD"),
        ("USD 0", "大于 0 的金额"),
        ("USD 60,000", "超过发票金额 50,000.00 USD"),
        ("EUR 100", "请按 USD 填写损失金额"),
        ("USD 30,000", "买方怎么说"),
        ("资金紧张，要求延期付款", "预计赔款（估算）：27,000 USD"),
        ("确认", "索赔已提交，案件号 LP"),
    ]
    for typed, expected in walk:
        reply = wechat.say("o-claim", typed)
        assert expected in reply, f"after {typed!r}: {reply!r}"
    assert "还缺：\n1. 贸易合同（或订单）" in reply
    assert "《赊账买方一拖再拖：先通知，再索赔》" in reply  # the case of a buyer who defaults
    claim = db.scalar(select(Claim))
    assert (claim.kind, claim.status, claim.cause, claim.loss_amount) == (
        "claim", "filed", "buyer_default", Decimal(30000))

    content = png()
    media_id = services.wechat.upload_image("contract.png", content)  # as WeChat holds it
    answer = wechat.send(wechat.sim.image("o-claim", media_id))["Content"]
    assert "已收到「贸易合同（或订单）」（本案第 1 份材料）" in answer
    assert "1. 商业发票" in answer  # the checklist moved on
    wechat.wait_for_jobs()
    document = db.scalar(select(ClaimDocument))
    assert document.media_id == media_id and document.kind == "contract"
    db.expire_all()
    document = db.get(ClaimDocument, document.id)
    assert document.status == "stored" and Path(document.path).read_bytes() == content
    assert f"claim-{claim.id}" in document.path

    assert "还缺 5 项" in wechat.say("o-claim", "完成")
    progress = wechat.say("o-claim", "理赔进度")
    assert claim.number in progress and "已索赔，待补齐材料" in progress
    assert "还缺材料：商业发票" in progress and "/h5/enter?t=" in progress


def test_a_wechat_retry_of_the_confirmation_files_one_claim(wechat, db):
    declared(db, "o-claim-retry")
    for typed in ("理赔", "1", "1", "2", "USD 1000", "无"):
        wechat.say("o-claim-retry", typed)
    confirm = wechat.sim.text("o-claim-retry", "确认")
    first = wechat.send(confirm)
    again = wechat.send(confirm)  # the same MsgId: WeChat's retry
    assert "可损通知已提交" in first["Content"]
    assert again in ({}, first)
    assert len(db.scalars(select(Claim)).all()) == 1
    wechat.say("o-claim-retry", "完成")
    # Filed again by hand: the open case is named, not doubled.
    for typed in ("理赔", "1", "1", "2", "USD 1000", "无"):
        wechat.say("o-claim-retry", typed)
    assert "已有可损通知案件 LP" in wechat.say("o-claim-retry", "确认")
    assert len(db.scalars(select(Claim)).all()) == 1
    # A claim on the same shipment turns the notice into the claim.
    for typed in ("理赔", "2", "1", "2", "USD 1000", "无"):
        wechat.say("o-claim-retry", typed)
    assert "可损通知已转为索赔" in wechat.say("o-claim-retry", "确认")
    claims = db.scalars(select(Claim)).all()
    assert len(claims) == 1 and claims[0].kind == "claim"


def test_a_late_notice_is_taken_with_a_warning_and_a_quality_dispute_flagged(wechat, db):
    # Due 40 days ago; the policy wants a notice within 30 days of the due date.
    declared(db, "o-claim-late", ship_days_ago=100, credit_days=60, loss_report_days=30)
    for typed in ("报损", "1", "1", "3", "USD 5000"):
        wechat.say("o-claim-late", typed)
    said = wechat.say("o-claim-late", "买方说货物质量有问题，拒收")
    assert "属于贸易纠纷" in said and "请确认可损通知" in said
    done = wechat.say("o-claim-late", "确认")
    assert "可损通知已提交" in done and "本次已晚 10 天" in done
    claim = db.scalar(select(Claim))
    assert claim.late and claim.quality_dispute and claim.status == "notified"


def test_an_uncovered_shipment_is_refused_with_each_reason(wechat, db):
    declared(db, "o-claim-uncovered", credit_days=400, payment_methods=["LC"])
    for typed in ("理赔", "2"):
        wechat.say("o-claim-uncovered", typed)
    reply = wechat.say("o-claim-uncovered", "1")
    assert "不在保单承保范围内" in reply and "超过 1 年" in reply


def test_an_unbound_follower_gets_the_guide_and_how_to_bind(wechat, db):
    reply = wechat.say("o-claim-stranger", "理赔")
    assert "可损通知" in reply and "30 个工作日" in reply and "绑定企业" in reply
    assert "绑定企业" in wechat.say("o-claim-stranger", "理赔进度")
    assert db.scalar(select(Claim)) is None


def test_documents_complete_start_thirty_working_days_across_national_day(wechat, db, services,
                                                                          monkeypatch):
    # Friday 26 September 2025, 10:00 in Beijing: National Day's holidays (1–8 October) are
    # skipped and the adjusted working days (Sunday 28 September, Saturday 11 October) count.
    now = datetime(2025, 9, 26, 2, 0, tzinfo=UTC)
    monkeypatch.setattr(services, "clock", lambda: now)
    declared(db, "o-claim-days", today=date(2025, 9, 26))
    for typed in ("理赔", "2", "1", "3", "USD 2000", "无", "确认"):
        reply = wechat.say("o-claim-days", typed)
    assert "索赔已提交" in reply
    media_id = services.wechat.upload_image("page.png", png())
    for _ in range(3):  # 买方拒收: five documents, no proof of non-payment
        wechat.send(wechat.sim.image("o-claim-days", media_id))
    assert "请回复材料序号（1–2）" in wechat.say("o-claim-days", "4")
    # Out of order: the correspondence before the customs declaration.
    assert "请发送「与买方的往来函电（催收记录）」" in wechat.say("o-claim-days", "2")
    assert "1. 出口报关单\n" in wechat.send(wechat.sim.image("o-claim-days", media_id))["Content"]
    last = wechat.send(wechat.sim.image("o-claim-days", media_id))["Content"]
    assert "材料已齐全（2025-09-26）" in last and "即 2025-11-13 前" in last
    claim = db.scalar(select(Claim))
    assert (claim.status, claim.deadline, claim.deadline_provisional) == (
        "documents_complete", date(2025, 11, 13), None)
    assert "已保存，材料已齐全" in wechat.say("o-claim-days", "完成")
    assert "还有 30 个工作日" in wechat.say("o-claim-days", "理赔进度")


def test_documents_added_later_through_the_command(wechat, db, services):
    declared(db, "o-claim-later")
    for typed in ("理赔", "1", "1", "1", "USD 100", "无", "确认", "完成"):
        wechat.say("o-claim-later", typed)
    assert "请发送材料的照片或文件（LP" in wechat.say("o-claim-later", "补充材料")
    media_id = services.wechat.upload_image("later.png", png())
    assert "本案第 1 份材料" in wechat.send(wechat.sim.image("o-claim-later", media_id))["Content"]


def test_another_service_while_sending_documents_keeps_no_draft(wechat, db):
    declared(db, "o-claim-leave")
    for typed in ("理赔", "1", "1", "1", "USD 100", "无", "确认"):
        wechat.say("o-claim-leave", typed)
    progress = wechat.say("o-claim-leave", "理赔进度")  # filed: straight there, no question
    assert "LP" in progress and "还缺材料" in progress
    assert "填作" not in progress and "草稿" not in progress and "保存" not in progress
    assert "现在没有未填完的内容" in wechat.say("o-claim-leave", "继续填写")  # 补充材料 is the way


def test_cancel_keeps_the_form_and_resume_continues(wechat, db):
    declared(db, "o-claim-resume")
    for typed in ("理赔", "2", "1", "2"):
        wechat.say("o-claim-resume", typed)
    assert "已退出「可损通知与理赔」" in wechat.say("o-claim-resume", "取消")
    assert "请回复损失金额" in wechat.say("o-claim-resume", "继续填写")
    assert db.scalar(select(Claim)) is None  # nothing filed before 确认


def test_a_photo_wechat_no_longer_has_is_marked_failed_and_still_missing(wechat, db,
                                                                         emulator):
    declared(db, "o-claim-expired")
    for typed in ("理赔", "2", "1", "2", "USD 100", "无", "确认"):
        wechat.say("o-claim-expired", typed)
    wechat.send(wechat.sim.image("o-claim-expired", "MEDIA_WECHAT_DROPPED"))
    wechat.wait_for_jobs()
    db.expire_all()
    document = db.scalar(select(ClaimDocument))
    assert document.status == "failed" and "40007" in document.error
    told = [m["text"]["content"] for m in emulator.sent_to("o-claim-expired")
            if m["msgtype"] == "text"]
    assert any("没能从微信取回" in text and "补充材料" in text for text in told), told
    assert "还缺 6 项" in wechat.say("o-claim-expired", "完成")  # the contract is still missing
