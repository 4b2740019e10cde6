"""保单续转 through the real webhook, the API and the staff console: confirm or update the
expected exports, markets and buyers; an application number and status; staff change the
status (audited) and the applicant is told by template message."""

from __future__ import annotations

import re
from decimal import Decimal

import requests
from sqlalchemy import select

from identity.models import AuditEntry
from policies.models import RenewalApplication
from tests.policy_data import bind, make_enterprise
from tests.test_identity_staff import sign_in

from helpers import follower_token, make_staff, staff_token


def setup_bound(db, openid: str):
    enterprise, policy, limits = make_enterprise(db, days_left=20)
    bind(db, openid, enterprise, policy)
    return enterprise, policy


def test_an_unbound_follower_gets_the_renewal_guide(wechat):
    reply = wechat.say("o-renew-guide", "续保")
    assert "保单续转提醒" in reply and "绑定企业" in reply


WALK = [
    ("保单续转", "预计出口额"),
    ("很多很多", "大于 0 的金额"),
    ("500万人民币", "请按美元填写"),
    ("500万美元", "目前：德国"),                        # the limits' countries as markets
    ("火星国、美国", "没有识别出这些国家或地区：火星国"),
    ("美国、Deutschland、越南", "目前：Hamburg Trading GmbH"),
    ("1", "请确认续转信息"),                            # buyers confirmed
    ("好像不对", "请回复「确认」提交"),
    ("确认", "续转申请已提交，编号 XR"),
]


def test_the_renewal_walk_and_the_number(wechat, db):
    setup_bound(db, "o-renew")
    for typed, expected in WALK:
        reply = wechat.say("o-renew", typed)
        assert expected in reply, f"after {typed!r}: {reply!r}"
    application = db.scalar(select(RenewalApplication))
    assert application.number in reply
    assert (application.expected_exports_usd, application.main_markets,
            application.main_buyers, application.status) == (
        Decimal(5000000), ["US", "DE", "VN"], ["Hamburg Trading GmbH"], "submitted")
    assert "已提交" in wechat.say("o-renew", "续转进度")
    # The next time the earlier answers are offered to confirm.
    assert "上次填写：5,000,000 美元" in wechat.say("o-renew", "续转")


def test_cancel_and_resume(wechat, db):
    setup_bound(db, "o-renew-c")
    wechat.say("o-renew-c", "续转")
    wechat.say("o-renew-c", "300万美元")
    assert "已退出「保单续转」" in wechat.say("o-renew-c", "取消")
    assert "主要出口市场" in wechat.say("o-renew-c", "继续填写")


def call(live_server, method, path, token, **kwargs):
    return requests.request(method, live_server + path, timeout=10,
                            headers={"Authorization": f"Bearer {token}"}, **kwargs)


def test_api_submit_staff_status_and_the_template_message(services, live_server, db,
                                                          emulator, wechat):
    _, policy = setup_bound(db, "o-renew-api")
    token, _ = follower_token(services, "o-renew-api")
    bad = call(live_server, "POST", "/api/v1/renewals", token, json={
        "expected_annual_exports_usd": 1000000, "main_markets": ["火星"],
        "main_buyers": ["A GmbH"]})
    assert bad.status_code == 422 and "火星" in bad.json()["error"]["message"]
    made = call(live_server, "POST", "/api/v1/renewals", token, json={
        "expected_annual_exports_usd": 1200000, "main_markets": ["US", "日本"],
        "main_buyers": ["Hamburg Trading GmbH", "Osaka Boeki KK"]})
    assert made.status_code == 201, made.text
    application = made.json()
    assert re.fullmatch(r"XR\d{8}-\d{5}", application["number"])
    assert application["main_market_names"] == ["美国", "日本"]

    operator = staff_token(services, make_staff(services, "r.operator", ["operator"]))
    reviewer = staff_token(services, make_staff(services, "r.reviewer", ["claims_reviewer"]))
    path = f"/api/v1/renewals/{application['id']}/status"
    assert call(live_server, "POST", path, reviewer,
                json={"status": "approved"}).status_code == 403
    changed = call(live_server, "POST", path, operator,
                   json={"status": "approved", "note": "已续转，新保单下月生效"})
    assert changed.status_code == 200 and changed.json()["status_name"] == "已续转"
    assert call(live_server, "POST", path, operator,
                json={"status": "reviewing"}).status_code == 409  # final
    wechat.wait_for_jobs()
    sent = emulator.records(kind="template", touser="o-renew-api")
    assert len(sent) == 1 and sent[0]["template_id"] == "dev-renewal-status"
    assert sent[0]["data"]["keyword2"]["value"] == "已续转"
    assert application["number"] in sent[0]["data"]["keyword1"]["value"]
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "policies.renewal_status"))
    assert entry.after["status"] == "approved"

    # Another enterprise's follower: like a missing application.
    enterprise, other_policy, _ = make_enterprise(db, "另一家测试有限公司", serial=2)
    bind(db, "o-renew-other", enterprise, other_policy)
    other, _ = follower_token(services, "o-renew-other")
    assert call(live_server, "GET", f"/api/v1/renewals/{application['id']}",
                other).status_code == 404
    assert call(live_server, "GET", "/api/v1/renewals", other).json()["items"] == []


def test_the_staff_console_lists_shows_and_changes_a_status(services, live_server, db, wechat,
                                                            emulator):
    setup_bound(db, "o-renew-page")
    for typed in ("续转", "200万美元", "美国", "Hamburg Trading GmbH", "确认"):
        wechat.say("o-renew-page", typed)
    application = db.scalar(select(RenewalApplication))
    make_staff(services, "page.operator", ["operator"])
    make_staff(services, "page.academy", ["academy_editor"])

    academy, _ = sign_in(live_server, "page.academy")
    assert academy.get(f"{live_server}/staff/renewals/", timeout=5).status_code == 403
    browser, home = sign_in(live_server, "page.operator")
    assert "续转申请" in home.text  # the console link (the manifest's staff_nav)
    listing = browser.get(f"{live_server}/staff/renewals/", timeout=5).text
    assert application.number in listing and "宁波测试进出口有限公司" in listing
    detail = browser.get(f"{live_server}/staff/renewals/{application.id}", timeout=5).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', detail).group(1)
    url = f"{live_server}/staff/renewals/{application.id}/status"
    assert browser.post(url, data={"status": "needs_info"}, timeout=5).status_code == 400
    moved = browser.post(url, data={"status": "needs_info", "note": "请补充买方名单",
                                    "csrf_token": token}, timeout=5)
    assert moved.status_code == 200 and "需补充材料：请补充买方名单" in moved.text
    refused = browser.post(url, data={"status": "bogus", "csrf_token": token}, timeout=5)
    assert refused.status_code == 409 and "请选择有效的状态" in refused.text
    db.expire_all()
    assert db.get(RenewalApplication, application.id).status == "needs_info"
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "policies.renewal_status"))
    assert entry.actor == "staff:page.operator"
    wechat.wait_for_jobs()
    sent = emulator.records(kind="template", touser="o-renew-page")
    assert sent[-1]["data"]["keyword2"]["value"] == "需补充材料"
    assert "请补充买方名单" in sent[-1]["data"]["remark"]["value"]
