"""Binding a follower to its enterprise, through the real webhook and the API: the details
checked (the GB 32100-2015 check character first), a one-time code to the mobile on file
(the development SMS provider: the emulator's records), attempts limited, the 已绑定企业 tag,
unbinding; an unbound follower and another enterprise's follower see none of its data."""

from __future__ import annotations

import re

import requests
from sqlalchemy import func, select

from policies.models import Binding, BindingAttempt
from tests.policy_data import MOBILE, make_enterprise, uscc

from helpers import follower_token

NAME = "宁波测试进出口有限公司"


def sms_codes(emulator, openid: str) -> list[str]:
    texts = [r["text"] for r in emulator.records(kind="sms", touser=openid)]
    assert all(MOBILE not in text for text in texts)  # the number is never in the record
    return [re.search(r"验证码 (\d{6})", text).group(1) for text in texts]


def tags_of(emulator, openid: str) -> list[str]:
    return [r["action"] for r in emulator.records(kind="tag", touser=openid)]


def test_unbound_followers_see_no_policy_data(wechat, services, live_server, db):
    make_enterprise(db)
    for word in ("我的保单", "出运申报", "出运记录", "续转进度"):
        reply = wechat.say("o-unbound", word)
        assert "需要先绑定企业" in reply and "Hamburg" not in reply, word
    token, _ = follower_token(services, "o-unbound")
    for path in ("/api/v1/policies", "/api/v1/shipments", "/api/v1/renewals",
                 "/api/v1/shipments/export"):
        answer = requests.get(live_server + path, timeout=10,
                              headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 403, path
        assert answer.json()["error"]["code"] == "not_bound"


WALK = [
    ("绑定企业", "请回复企业名称"),
    ("宁", "企业名称应为 2–120 个字"),
    (NAME, "18 位统一社会信用代码"),
    ("9133020000000000", "是 18 位，您回复的是 16 位"),
    (uscc(1)[:17] + ("A" if uscc(1)[-1] != "A" else "B"), "校验位"),
    (uscc(1).lower(), "请回复保单号"),
    ("SME000002", "对不上"),                           # another enterprise's policy
    ("返回", "18 位统一社会信用代码"),
    (uscc(1), "请回复保单号"),
    ("sme 000001", "验证码已发送至企业预留手机号 000****0001"),
]


def test_the_binding_walk(wechat, emulator, db):
    make_enterprise(db)
    make_enterprise(db, "另一家测试有限公司", serial=2)
    for typed, expected in WALK:
        reply = wechat.say("o-bind", typed)
        assert expected in reply, f"after {typed!r}: {reply!r}"
    (code,) = sms_codes(emulator, "o-bind")
    wrong = "000000" if code != "000000" else "111111"
    assert "验证码不对，还可以再试 4 次" in wechat.say("o-bind", wrong)
    assert "帮助" not in wechat.say("o-bind", "帮助")[:0]  # help keeps the place
    bound = wechat.say("o-bind", f"验证码是{code}")
    assert f"已绑定「{NAME}」" in bound
    assert tags_of(emulator, "o-bind") == ["tag"]
    mine = wechat.say("o-bind", "我的保单")
    assert "SME000001" in mine and "Hamburg Trading GmbH" in mine and "可用 100,000" in mine
    assert "赔偿比例 90%" in mine and "承保 付款交单 D/P、承兑交单 D/A" in mine
    assert "SME000002" not in mine
    kinds = db.scalars(select(BindingAttempt.kind).order_by(BindingAttempt.id)).all()
    assert kinds == ["details", "details", "code_sent", "code_wrong", "code_ok"]

    assert "确认解除" in wechat.say("o-bind", "解绑")
    assert "已解除" in wechat.say("o-bind", "确认")
    assert tags_of(emulator, "o-bind") == ["tag", "untag"]
    assert "需要先绑定企业" in wechat.say("o-bind", "我的保单")


def test_resend_and_a_spent_code(wechat, emulator, db):
    make_enterprise(db)
    for typed in ("绑定", NAME, uscc(1), "SME000001"):
        wechat.say("o-resend", typed)
    for _ in range(4):
        wechat.say("o-resend", "999999" if sms_codes(emulator, "o-resend")[0] != "999999"
                   else "888888")
    spent = wechat.say("o-resend", "999999" if sms_codes(emulator, "o-resend")[0] != "999999"
                       else "888888")
    assert "输错次数过多已失效" in spent
    assert "验证码已发送" in wechat.say("o-resend", "重新发送")
    new_code = sms_codes(emulator, "o-resend")[-1]
    assert "已绑定" in wechat.say("o-resend", new_code)


def test_mismatches_are_limited_per_day(wechat, db):
    make_enterprise(db)
    for typed in ("绑定企业", "冒名顶替有限公司", uscc(1)):
        wechat.say("o-guess", typed)
    for attempt in range(10):
        assert "对不上" in wechat.say("o-guess", f"SME00000{attempt}X")
    assert "今天核对失败的次数已达 10 次" in wechat.say("o-guess", "SME000001")
    assert db.scalar(select(func.count()).select_from(BindingAttempt)) == 10


def test_no_mobile_on_file_sends_nothing(wechat, emulator, db):
    make_enterprise(db, mobile=None)
    for typed in ("绑定企业", NAME, uscc(1)):
        wechat.say("o-nomobile", typed)
    assert "没有预留手机号" in wechat.say("o-nomobile", "SME000001")
    assert sms_codes(emulator, "o-nomobile") == []


def test_cancel_keeps_the_draft_and_resume_asks_again(wechat, db):
    make_enterprise(db)
    wechat.say("o-bind-cancel", "绑定企业")
    wechat.say("o-bind-cancel", NAME)
    assert "已退出「绑定企业」" in wechat.say("o-bind-cancel", "取消")
    assert "统一社会信用代码" in wechat.say("o-bind-cancel", "继续填写")


# --- the API -------------------------------------------------------------------------------------

def call(live_server, method, path, token, **kwargs):
    return requests.request(method, live_server + path, timeout=10,
                            headers={"Authorization": f"Bearer {token}"}, **kwargs)


def test_binding_through_the_api_and_one_enterprise_cannot_read_another(
        services, live_server, emulator, db, wechat):
    _, mine, _ = make_enterprise(db)
    _, theirs, _ = make_enterprise(db, "另一家测试有限公司", serial=2)
    token, _ = follower_token(services, "o-api-bind")
    bad = call(live_server, "POST", "/api/v1/enterprise/code", token,
               json={"name": NAME, "uscc": uscc(1)[:17] + "0", "policy_number": "SME000001"})
    if uscc(1)[-1] == "0":
        bad = call(live_server, "POST", "/api/v1/enterprise/code", token,
                   json={"name": NAME, "uscc": uscc(1)[:17] + "1",
                         "policy_number": "SME000001"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "uscc_check"
    mismatch = call(live_server, "POST", "/api/v1/enterprise/code", token,
                    json={"name": "别的名字", "uscc": uscc(1), "policy_number": "SME000001"})
    assert mismatch.status_code == 422
    assert mismatch.json()["error"]["code"] == "details_mismatch"
    sent = call(live_server, "POST", "/api/v1/enterprise/code", token,
                json={"name": NAME, "uscc": uscc(1), "policy_number": "SME000001"})
    assert sent.status_code == 202 and sent.json()["mobile_masked"] == "000****0001"
    wechat.wait_for_jobs()
    (code,) = sms_codes(emulator, "o-api-bind")
    assert call(live_server, "POST", "/api/v1/enterprise/binding", token,
                json={"code": "123"}).status_code == 422
    bound = call(live_server, "POST", "/api/v1/enterprise/binding", token, json={"code": code})
    assert bound.status_code == 201 and bound.json()["name"] == NAME

    listing = call(live_server, "GET", "/api/v1/policies", token).json()
    assert [p["number"] for p in listing["items"]] == ["SME000001"]
    assert call(live_server, "GET", f"/api/v1/policies/{mine.id}", token).status_code == 200
    other = call(live_server, "GET", f"/api/v1/policies/{theirs.id}", token)
    assert other.status_code == 404  # another enterprise's policy: like a missing one

    assert call(live_server, "DELETE", "/api/v1/enterprise/binding", token).json()["bound"] \
        is False
    assert db.scalar(select(Binding.status)) == "ended"
    assert call(live_server, "GET", "/api/v1/policies", token).status_code == 403
