"""出运申报 through the real webhook and the API: the source document's checks (payment method
covered, credit period within a year, a credit limit for the buyer, the limit not exceeded)
each with its Chinese message, cancel and resume, the list, the Excel export, 收汇确认."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import requests
from openpyxl import load_workbook
from sqlalchemy import select

from policies.models import Shipment
from tests.policy_data import bind, make_enterprise

from helpers import follower_token

LIMITS = [
    {"buyer_name": "Hamburg Trading GmbH", "buyer_country": "DE", "amount": Decimal(100000)},
    {"buyer_name": "Lyon Import SARL", "buyer_country": "FR", "amount": Decimal(20000),
     "currency": "EUR", "payment_methods": ["LC"]},
]


def setup_bound(db, openid: str, **fields):
    enterprise, policy, made = make_enterprise(db, limits=[dict(row) for row in LIMITS],
                                               **fields)
    bind(db, openid, enterprise, policy)
    return enterprise, policy, made


def test_the_declaration_walk_with_every_check(wechat, db):
    setup_bound(db, "o-ship")
    today = date.today()
    walk = [
        ("申报出运", "1. Hamburg Trading GmbH（可用 100,000 USD）"),
        ("Unknown Buyer Ltd", "没有信用限额"),
        ("hamburg trading", "请回复发票号"),
        ("INV 001!", "发票号由字母、数字"),
        ("INV-001", "请回复发票金额"),
        ("EUR 5000", "以 USD（美元）核定"),
        ("12万美元", "还可申报 100,000 USD"),
        ("USD 60,000", "出运日期"),
        ("下个月吧", "没有看懂日期"),
        ((today + timedelta(days=1)).isoformat(), "不能晚于今天"),
        ("今天", "支付方式"),
        ("5", "请回复支付方式序号 1–4"),
        ("D/A", "信用期限"),
        ("400天", "超过 1 年"),
        ("90天", f"应收汇日期：{today + timedelta(days=90)}"),
        ("确认", "出运申报已提交"),
    ]
    for typed, expected in walk:
        reply = wechat.say("o-ship", typed)
        assert expected in reply, f"after {typed!r}: {reply!r}"
    shipment = db.scalar(select(Shipment))
    assert (shipment.amount, shipment.payment_method, shipment.due_date) == (
        Decimal(60000), "DA", today + timedelta(days=90))

    # The same invoice again; the limit now holds 60,000.
    assert "可用 40,000 USD" in wechat.say("o-ship", "出运申报")
    wechat.say("o-ship", "1")
    assert "已经申报过" in wechat.say("o-ship", "inv 001")
    wechat.say("o-ship", "取消")

    records = wechat.say("o-ship", "出运记录")
    assert "INV-001" in records and "已申报，待收汇" in records and "/h5/enter?t=" in records
    assert "已确认收汇" in wechat.say("o-ship", "已收汇 inv-001")
    assert "已经确认收汇" in wechat.say("o-ship", "已收汇 INV-001")
    assert "可用 100,000 USD" in wechat.say("o-ship", "出运申报")


def test_a_method_the_limit_does_not_cover(wechat, db):
    setup_bound(db, "o-ship-lc")
    for typed in ("出运申报", "2", "LY-1", "EUR 1000", "今天"):
        wechat.say("o-ship-lc", typed)
    reply = wechat.say("o-ship-lc", "赊账")
    assert "赊账 OA 不在承保范围内" in reply and "不可撤销信用证 L/C" in reply
    assert "信用期限" in wechat.say("o-ship-lc", "信用证")


def test_cancel_keeps_the_form_and_resume_continues(wechat, db):
    setup_bound(db, "o-ship-resume")
    for typed in ("出运申报", "1", "INV-9"):
        wechat.say("o-ship-resume", typed)
    assert "已退出「出运申报」" in wechat.say("o-ship-resume", "取消")
    assert "发票金额" in wechat.say("o-ship-resume", "继续填写")


def test_no_policy_in_force_no_declaration(wechat, db):
    setup_bound(db, "o-ship-expired", days_left=-5)
    assert "没有有效保单" in wechat.say("o-ship-expired", "出运申报")


# --- the API -------------------------------------------------------------------------------------

def post(live_server, token, body, **headers):
    return requests.post(f"{live_server}/api/v1/shipments", json=body, timeout=10,
                         headers={"Authorization": f"Bearer {token}", **headers})


def body(**changes):
    return {"buyer": "Hamburg Trading GmbH", "invoice_number": "A-1", "amount": 1000,
            "currency": "USD", "ship_date": date.today().isoformat(), "payment_method": "OA",
            "credit_days": 60, **changes}


def test_the_api_checks_and_says_each_problem(services, live_server, db):
    setup_bound(db, "o-ship-api")
    token, _ = follower_token(services, "o-ship-api")
    cases = {
        "no_limit": body(buyer="Nobody Ltd"),
        "credit_over_a_year": body(credit_days=366 if date.today().month > 2 else 367),
        "limit_exceeded": body(amount=100001),
        "method_not_covered": body(buyer="Lyon Import SARL", currency="EUR"),
        "currency_differs": body(currency="EUR"),
        "future_ship_date": body(ship_date=(date.today() + timedelta(days=2)).isoformat()),
    }
    for code, payload in cases.items():
        answer = post(live_server, token, payload)
        assert answer.status_code == 422, (code, answer.text)
        problems = answer.json()["error"]["details"]["problems"]
        assert code in [p["code"] for p in problems], (code, problems)
        assert all(p["message"] for p in problems)
    first = post(live_server, token, body(), **{"Idempotency-Key": "ship-A-1-once"})
    again = post(live_server, token, body(), **{"Idempotency-Key": "ship-A-1-once"})
    assert first.status_code == again.status_code == 201
    assert again.headers.get("Idempotent-Replayed") == "true"
    duplicate = post(live_server, token, body(invoice_number="a 1"))
    assert duplicate.json()["error"]["details"]["problems"][0]["code"] == "invoice_declared"
    assert first.json()["due_date"] == (date.today() + timedelta(days=60)).isoformat()

    listing = requests.get(f"{live_server}/api/v1/shipments", timeout=10,
                           headers={"Authorization": f"Bearer {token}"}).json()
    assert [item["invoice_number"] for item in listing["items"]] == ["A-1"]
    export = requests.get(f"{live_server}/api/v1/shipments/export", timeout=10,
                          headers={"Authorization": f"Bearer {token}"})
    assert export.status_code == 200 and export.headers["Content-Type"].startswith(
        "application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(export.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "发票号" and rows[1][0] == "A-1" and rows[1][1] == "Hamburg Trading GmbH"

    shipment_id = first.json()["id"]
    done = requests.post(f"{live_server}/api/v1/shipments/{shipment_id}/collection", json={},
                         timeout=10, headers={"Authorization": f"Bearer {token}"})
    assert done.status_code == 200 and done.json()["status"] == "collected"


def test_one_enterprise_cannot_touch_anothers_shipments(services, live_server, db):
    setup_bound(db, "o-ship-owner")
    token, _ = follower_token(services, "o-ship-owner")
    shipment_id = post(live_server, token, body()).json()["id"]
    enterprise, policy, _ = make_enterprise(db, "另一家测试有限公司", serial=2)
    bind(db, "o-ship-other", enterprise, policy)
    other, _ = follower_token(services, "o-ship-other")
    listing = requests.get(f"{live_server}/api/v1/shipments", timeout=10,
                           headers={"Authorization": f"Bearer {other}"}).json()
    assert listing["items"] == []
    taken = requests.post(f"{live_server}/api/v1/shipments/{shipment_id}/collection", json={},
                          timeout=10, headers={"Authorization": f"Bearer {other}"})
    assert taken.status_code == 404
    sneaky = post(live_server, other, body(policy_id=db.scalar(
        select(Shipment.policy_id))))
    assert sneaky.status_code == 404


def test_wechats_retry_of_the_confirmation_declares_once(wechat, db):
    setup_bound(db, "o-ship-retry")
    for typed in ("出运申报", "1", "RT-1", "USD 1000", "今天", "OA", "30"):
        wechat.say("o-ship-retry", typed)
    confirm = wechat.sim.text("o-ship-retry", "确认")
    first = wechat.send(confirm)
    again = wechat.send(confirm)  # the same MsgId: WeChat's retry
    assert "出运申报已提交" in first["Content"]
    assert again in ({}, first)
    assert len(db.scalars(select(Shipment)).all()) == 1
