"""信保贷 over HTTP: the follower's standing (what is missing, the estimate), referrals (created
once under an Idempotency-Key, consent required, listed, another enterprise's a 404) and the
banks' signed callback (a good one moves the status and tells the applicant by template
message; a bad signature, a stale timestamp, an unknown code, a replay and a duplicate)."""

from __future__ import annotations

import json
import time

import requests
from sqlalchemy import func, select

from identity.models import AuditEntry
from loans.models import BankEvent, Referral
from tests.loan_data import bound_with_receivables, callback, sign
from tests.policy_data import bind, make_enterprise

from helpers import follower_token, make_staff, staff_token


def call(live_server, method, path, token, **kwargs):
    headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
    return requests.request(method, live_server + path, timeout=10, headers=headers, **kwargs)


def is_error(response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert set(response.json()["error"]) == {"code", "message", "details"}
    assert response.json()["error"]["code"] == code


def referral_count(db) -> int:
    return db.scalar(select(func.count()).select_from(Referral))


def test_the_standing_says_what_is_missing_and_the_estimate(services, live_server, db):
    token, _ = follower_token(services, "o-lapi-unbound")
    unbound = call(live_server, "GET", "/api/v1/loans", token).json()
    assert (unbound["eligible"], unbound["missing"], unbound["estimate"]) == (False,
                                                                              "not_bound", None)
    assert "绑定企业" in unbound["message"]
    assert unbound["links"]["eligibility_check"].endswith("/h5/eligibility")
    assert unbound["banks"] == [{"code": "ccb", "name": "中国建设银行", "product": "信保贷"}]
    refused = call(live_server, "POST", "/api/v1/referrals", token,
                   json={"bank": "ccb", "consent": True})
    is_error(refused, 403, "not_bound")

    expired, old, _ = make_enterprise(db, "到期测试有限公司", serial=4, days_left=-3)
    bind(db, "o-lapi-expired", expired, old)
    late, _ = follower_token(services, "o-lapi-expired")
    assert call(live_server, "GET", "/api/v1/loans", late).json()["missing"] == "policy_expired"
    refused = call(live_server, "POST", "/api/v1/referrals", late,
                   json={"bank": "ccb", "consent": True})
    is_error(refused, 403, "policy_expired")
    assert "续转" in refused.json()["error"]["message"]

    bound_with_receivables(db, "o-lapi-est", serial=5)
    ready, _ = follower_token(services, "o-lapi-est")
    standing = call(live_server, "GET", "/api/v1/loans", ready).json()
    assert standing["eligible"] is True and standing["estimate"]["indicative"] is True
    assert standing["estimate"]["ratio"] == "0.8"
    assert [(r["currency"], r["receivables"], r["count"], r["amount"])
            for r in standing["estimate"]["rows"]] == [("EUR", "40000.00", 1, "32000.00"),
                                                        ("USD", "125000.50", 2, "100000.40")]
    assert referral_count(db) == 0


def test_a_referral_once_per_key_with_consent_and_only_for_its_enterprise(services,
                                                                          live_server, db):
    bound_with_receivables(db, "o-lapi-ref")
    token, _ = follower_token(services, "o-lapi-ref")
    declined = call(live_server, "POST", "/api/v1/referrals", token,
                    json={"bank": "ccb", "consent": False})
    is_error(declined, 422, "no_consent")
    is_error(call(live_server, "POST", "/api/v1/referrals", token,
                  json={"bank": "hsbc", "consent": True}), 422, "unknown_bank")
    assert referral_count(db) == 0

    key = {"Idempotency-Key": "loan-referral-0001"}
    made = call(live_server, "POST", "/api/v1/referrals", token, headers=key,
                json={"bank": "ccb", "consent": True})
    again = call(live_server, "POST", "/api/v1/referrals", token, headers=key,
                 json={"bank": "ccb", "consent": True})
    assert made.status_code == 201 and again.status_code == 201, made.text
    assert again.headers.get("Idempotent-Replayed") == "true" and again.json() == made.json()
    referral = made.json()
    assert referral["created"] is True and referral["status"] == "referred"
    assert referral["single_window"].endswith("金融服务 → 融资贷款")
    assert referral_count(db) == 1
    is_error(call(live_server, "POST", "/api/v1/referrals", token, headers=key,
                  json={"bank": "ccb", "consent": False}), 409, "idempotency_key_reused")

    listed = call(live_server, "GET", "/api/v1/referrals", token).json()
    assert [row["tracking_code"] for row in listed["items"]] == [referral["tracking_code"]]
    one = call(live_server, "GET", f"/api/v1/referrals/{referral['id']}", token)
    assert one.status_code == 200 and one.json()["bank_name"] == "中国建设银行"

    bound_with_receivables(db, "o-lapi-other", serial=6, name="另一家测试有限公司")
    other, _ = follower_token(services, "o-lapi-other")
    is_error(call(live_server, "GET", f"/api/v1/referrals/{referral['id']}", other), 404,
             "not_found")
    assert call(live_server, "GET", "/api/v1/referrals", other).json()["items"] == []

    reader = staff_token(services, make_staff(services, "loans.reader", ["claims_reviewer"]))
    assert call(live_server, "GET", f"/api/v1/referrals/{referral['id']}",
                reader).status_code == 200
    editor = staff_token(services, make_staff(services, "loans.editor", ["academy_editor"]))
    assert call(live_server, "GET", "/api/v1/referrals", editor).status_code == 403


def make_referral(services, live_server, db, openid: str, serial: int = 1) -> dict:
    bound_with_receivables(db, openid, serial=serial)
    token, _ = follower_token(services, openid)
    made = call(live_server, "POST", "/api/v1/referrals", token,
                json={"bank": "ccb", "consent": True})
    assert made.status_code == 201, made.text
    return made.json()


def test_a_signed_callback_moves_the_status_once_and_tells_the_applicant(
        services, live_server, db, wechat, emulator):
    referral = make_referral(services, live_server, db, "o-lapi-cb")
    report = {"event_id": "ccb-evt-1", "tracking_code": referral["tracking_code"],
              "status": "accepted", "note": "客户经理已联系"}
    body = json.dumps(report).encode()
    stamp = str(int(time.time()))
    first = callback(live_server, body, timestamp=int(stamp))
    assert first.status_code == 200, first.text
    assert first.json() == {"tracking_code": referral["tracking_code"], "status": "accepted",
                            "changed": True, "duplicate": False}
    replay = callback(live_server, body, timestamp=int(stamp))  # the same request again
    retry = callback(live_server, report)  # the bank's retry: a new timestamp, same event
    for answer in (replay, retry):
        assert answer.status_code == 200 and answer.json()["duplicate"] is True
        assert answer.json()["changed"] is False
    db.expire_all()
    assert db.get(Referral, referral["id"]).status == "accepted"
    assert db.scalar(select(func.count()).select_from(BankEvent)) == 1
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "loans.referral_status"))
    assert entry.actor == "bank:ccb" and entry.after["status"] == "accepted"

    wechat.wait_for_jobs()
    sent = emulator.records(kind="template", touser="o-lapi-cb")
    assert len(sent) == 1 and sent[0]["template_id"] == "dev-loan-status"
    assert referral["tracking_code"] in sent[0]["data"]["keyword1"]["value"]
    assert sent[0]["data"]["keyword2"]["value"] == "银行已受理"
    assert "客户经理已联系" in sent[0]["data"]["remark"]["value"]
    mine = wechat.say("o-lapi-cb", "我的融资")
    assert "银行已受理（客户经理已联系）" in mine

    # Later reports, then a final one: nothing moves a referral that is done.
    assert callback(live_server, {**report, "event_id": "ccb-evt-2",
                                  "status": "declined"}).json()["changed"] is True
    is_error(callback(live_server, {**report, "event_id": "ccb-evt-3", "status": "approved"}),
             409, "final")
    wechat.wait_for_jobs()
    assert len(emulator.records(kind="template", touser="o-lapi-cb")) == 2


def test_callbacks_that_are_refused(services, live_server, db):
    referral = make_referral(services, live_server, db, "o-lapi-bad")
    report = {"event_id": "ccb-bad-1", "tracking_code": referral["tracking_code"],
              "status": "approved"}
    body = json.dumps(report).encode()
    now = int(time.time())
    is_error(callback(live_server, body, signature="sha256=" + "0" * 64), 401, "bad_signature")
    is_error(callback(live_server, body, secret="not-the-banks-secret"), 401, "bad_signature")
    is_error(callback(live_server, body, signature=""), 401, "bad_signature")
    is_error(callback(live_server, body, bank="icbc"), 401, "bad_signature")  # no such bank
    # The timestamp is signed: changing it breaks the signature …
    forged = requests.post(f"{live_server}/api/v1/referrals/callback", data=body, timeout=10,
                           headers={"Content-Type": "application/json", "X-Xinbao-Bank": "ccb",
                                    "X-Xinbao-Timestamp": str(now),
                                    "X-Xinbao-Signature": sign(body, str(now - 3600))})
    is_error(forged, 401, "bad_signature")
    # … and a correctly signed old (or future) one is stale.
    is_error(callback(live_server, body, timestamp=now - 3600), 401, "stale_timestamp")
    is_error(callback(live_server, body, timestamp=now + 3600), 401, "stale_timestamp")
    is_error(callback(live_server, {**report, "tracking_code": "XBD000000-ZZZZZZ"}), 404,
             "unknown_code")
    bad = callback(live_server, {**report, "status": "paid"})
    assert bad.status_code == 422 and "status" in bad.json()["error"]["details"]["json"]
    assert callback(live_server, b"{not json").status_code == 400
    db.expire_all()
    assert db.get(Referral, referral["id"]).status == "referred"
    assert db.scalar(select(func.count()).select_from(BankEvent)) == 0
