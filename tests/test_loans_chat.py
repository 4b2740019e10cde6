"""信保贷 through the real webhook: the explanation (with the news card), each reason a follower
may not apply yet, the indicative estimate in several currencies, the referral with its consent
(declined, then given), WeChat's retry of the consent, and 我的融资."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from loans.models import Referral
from tests.loan_data import bound_with_receivables
from tests.policy_data import bind, make_enterprise


def test_the_explanation_cites_the_source_and_says_what_is_missing(wechat, emulator):
    for typed in ("信保贷", "保单融资是什么", "信保贷怎么申请", "我想要贷款"):
        reply = wechat.say("o-loan-info", typed)
        assert "2019 年与建设银行合作" in reply, typed
        assert "「金融服务」→「融资贷款」" in reply and "三（四）" in reply
        assert "您还没有绑定企业" in reply and "回复「绑定企业」" in reply
        assert "/h5/eligibility" in reply  # the eligibility check, linked
    wechat.wait_for_jobs()
    cards = [r for r in emulator.records(kind="custom", touser="o-loan-info")
             if r.get("msgtype") == "news"]
    assert len(cards) == 4 and cards[0]["news"]["articles"][0]["url"].endswith("next=%2Fh5%2Floans")


def test_no_policy_and_an_expired_policy_are_named(wechat, db):
    other, policy, _ = make_enterprise(db, "综合险测试有限公司", serial=3,
                                       product="短期出口信用保险综合险")
    bind(db, "o-loan-nopolicy", other, policy)
    reply = wechat.say("o-loan-nopolicy", "能申请信保贷吗")
    assert "您绑定的企业还没有信保易保单" in reply and "/h5/eligibility" in reply

    expired, old, _ = make_enterprise(db, "到期测试有限公司", serial=4, days_left=-3)
    bind(db, "o-loan-expired", expired, old)
    reply = wechat.say("o-loan-expired", "申请融资")
    assert f"保单 {old.number} 已于 {old.ends_on} 到期" in reply and "回复「续转」" in reply
    assert "融资额度" not in wechat.say("o-loan-expired", "融资额度")  # no estimate either
    assert db.scalar(select(func.count()).select_from(Referral)) == 0


def test_the_estimate_per_currency_is_labelled_indicative(wechat, db):
    _, policy = bound_with_receivables(db, "o-loan-est")
    reply = wechat.say("o-loan-est", "我能贷多少？")
    assert "仅供参考" in reply and f"保单 {policy.number}" in reply
    # USD: 100,000 + 25,000.50 (due today counts; overdue and collected do not) × 80 %.
    assert "美元（USD）：应收 125,000.50（2 笔），参考额度约 100,000.40" in reply
    assert "欧元（EUR）：应收 40,000.00（1 笔），参考额度约 32,000.00" in reply
    assert "× 80%" in reply and "不是银行的报价" in reply
    assert "可以申请" in wechat.say("o-loan-est", "能贷款吗")


def test_the_referral_declined_then_consented_and_my_loans(wechat, db):
    bound_with_receivables(db, "o-loan-ref")
    assert "还没有融资转介" in wechat.say("o-loan-ref", "我的融资")
    assert "1. 中国建设银行「信保贷」" in wechat.say("o-loan-ref", "申请融资")
    assert "请回复序号 1" in wechat.say("o-loan-ref", "9")
    consent = wechat.say("o-loan-ref", "1")
    assert "统一社会信用代码" in consent and "已申报、未到期的出运" in consent
    assert "请回复「同意」" in wechat.say("o-loan-ref", "随便")
    assert "没有向银行提供任何信息" in wechat.say("o-loan-ref", "不同意")
    assert db.scalar(select(func.count()).select_from(Referral)) == 0

    wechat.say("o-loan-ref", "申请信保贷")
    wechat.say("o-loan-ref", "建设银行")
    confirm = wechat.sim.text("o-loan-ref", "同意")
    first = wechat.send(confirm)
    again = wechat.send(confirm)  # WeChat's retry: the same MsgId
    assert again in ({}, first)
    referral = db.scalar(select(Referral))
    assert db.scalar(select(func.count()).select_from(Referral)) == 1
    assert re.fullmatch(r"XBD\d{6}-[A-Z2-9]{6}", referral.tracking_code)
    done = first["Content"]
    assert f"跟踪码：{referral.tracking_code}" in done
    assert "「金融服务」→「融资贷款」" in done
    assert (referral.bank_code, referral.status, referral.channel) == ("ccb", "referred",
                                                                       "wechat")
    assert "统一社会信用代码" in referral.shared
    assert {row["currency"] for row in referral.estimate} == {"USD", "EUR"}

    # Asking again finds the open referral instead of making a second one.
    wechat.say("o-loan-ref", "申请融资")
    wechat.say("o-loan-ref", "1")
    assert "已有一笔转介" in wechat.say("o-loan-ref", "同意")
    assert db.scalar(select(func.count()).select_from(Referral)) == 1
    mine = wechat.say("o-loan-ref", "我的融资")
    assert referral.tracking_code in mine and "已转介，待银行受理" in mine


def test_cancel_leaves_the_referral_with_nothing_stored(wechat, db):
    bound_with_receivables(db, "o-loan-leave")
    wechat.say("o-loan-leave", "申请融资")
    wechat.say("o-loan-leave", "1")
    assert "已退出「融资转介」" in wechat.say("o-loan-leave", "取消")
    assert db.scalar(select(func.count()).select_from(Referral)) == 0
