"""理赔 over HTTP: the API (Idempotency-Key, every check a Chinese message, warnings, one
enterprise's cases invisible to another, an unbound follower refused, the deadline across the
Spring Festival and into an unpublished year) and the staff pages (the console list with its
filters and Excel export, detail, a status change audited and told to the follower by template
message; the warning of deadlines near or passed, across the Mid-Autumn and National Day
holidays)."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime

import pytest
import requests
from openpyxl import load_workbook
from sqlalchemy import select

from claims.models import Claim, ClaimEvent
from identity.models import AuditEntry
from tests.claim_data import case, declared
from tests.test_identity_staff import sign_in

from helpers import follower_token, make_staff, staff_token


def call(live_server, method, path, token, **kwargs):
    return requests.request(method, live_server + path, timeout=10,
                            headers={"Authorization": f"Bearer {token}",
                                     **kwargs.pop("headers", {})}, **kwargs)


def body(shipment_id: int, **changes):
    return {"kind": "claim", "shipment_id": shipment_id, "cause": "buyer_insolvent",
            "loss_amount": "20000", **changes}


def test_one_claim_under_retries_and_each_check_in_chinese(services, live_server, db):
    _, _, shipment = declared(db, "o-claim-api")
    token, _ = follower_token(services, "o-claim-api")
    over = call(live_server, "POST", "/api/v1/claims", token,
                json=body(shipment.id, loss_amount="50000.01"))
    assert over.status_code == 422
    problems = over.json()["error"]["details"]["problems"]
    assert problems == [{"code": "amount_over_invoice", "message": (
        "损失金额 50,000.01 USD 超过发票金额 50,000.00 USD，请按不超过发票金额填写。")}]
    zero = call(live_server, "POST", "/api/v1/claims", token, json=body(shipment.id,
                                                                       loss_amount="0"))
    assert zero.json()["error"]["details"]["problems"][0]["code"] == "amount_not_positive"
    other = call(live_server, "POST", "/api/v1/claims", token,
                 json=body(shipment.id, currency="EUR"))
    assert "请按 USD 填写损失金额" in other.json()["error"]["message"]
    assert call(live_server, "POST", "/api/v1/claims", token,
                json=body(shipment.id, cause="aliens")).status_code == 422

    key = {"Idempotency-Key": "claim-INV-1-once"}
    first = call(live_server, "POST", "/api/v1/claims", token, json=body(shipment.id),
                 headers=key)
    again = call(live_server, "POST", "/api/v1/claims", token, json=body(shipment.id),
                 headers=key)
    assert first.status_code == again.status_code == 201, first.text
    assert again.headers.get("Idempotent-Replayed") == "true" and again.json() == first.json()
    assert len(db.scalars(select(Claim)).all()) == 1
    made = first.json()
    assert re.fullmatch(r"LP\d{8}-\d{5}", made["number"])
    assert made["status"] == "filed" and made["indemnity_estimate"] == "18000.00"
    assert made["missing_documents"][0] == "贸易合同（或订单）" and made["deadline"] is None
    # Without the key, the same case again: refused with its number, never doubled.
    twice = call(live_server, "POST", "/api/v1/claims", token,
                 json=body(shipment.id, loss_amount="100"))
    assert twice.status_code == 422 and made["number"] in twice.json()["error"]["message"]

    listing = call(live_server, "GET", "/api/v1/claims", token).json()
    assert [item["number"] for item in listing["items"]] == [made["number"]]
    assert call(live_server, "GET", f"/api/v1/claims/{made['id']}", token).json()[
        "cause_name"] == "买方破产或无力偿付债务"


def test_a_late_notice_is_accepted_with_a_warning(services, live_server, db):
    _, _, shipment = declared(db, "o-claim-api-late", loss_report_days=10)  # due 40 days ago
    token, _ = follower_token(services, "o-claim-api-late")
    answer = call(live_server, "POST", "/api/v1/claims", token,
                  json=body(shipment.id, kind="notice", buyer_says="说有瑕疵"))
    assert answer.status_code == 201
    assert [w["code"] for w in answer.json()["warnings"]] == ["late", "quality_dispute"]
    assert "本次已晚 30 天" in answer.json()["warnings"][0]["message"]
    assert answer.json()["late"] and answer.json()["quality_dispute"]


def test_another_enterprises_case_is_invisible_and_an_unbound_follower_refused(
        services, live_server, db):
    _, _, shipment = declared(db, "o-claim-owner")
    owner, _ = follower_token(services, "o-claim-owner")
    made = call(live_server, "POST", "/api/v1/claims", owner, json=body(shipment.id)).json()
    declared(db, "o-claim-neighbour", serial=2, name="另一家测试有限公司", invoice="N-1")
    neighbour, _ = follower_token(services, "o-claim-neighbour")
    assert call(live_server, "GET", f"/api/v1/claims/{made['id']}", neighbour).status_code == 404
    assert call(live_server, "GET", "/api/v1/claims", neighbour).json()["items"] == []
    taken = call(live_server, "POST", "/api/v1/claims", neighbour, json=body(shipment.id))
    assert taken.status_code == 404 and taken.json()["error"]["code"] == "no_shipment"

    stranger, _ = follower_token(services, "o-claim-unbound")
    refused = call(live_server, "POST", "/api/v1/claims", stranger, json=body(shipment.id))
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_bound"
    assert "绑定" in refused.json()["error"]["message"]


@pytest.mark.parametrize(("complete_on", "deadline", "provisional"), [
    # The Spring Festival 2026: 15–23 February off, Saturday 14 and 28 February worked.
    (date(2026, 1, 30), "2026-03-19", False),
    # 2027's holidays are not published yet: weekends only, and said so.
    (date(2026, 12, 10), "2027-01-21", True),
])
def test_the_deadline_from_documents_complete(services, live_server, db, monkeypatch,
                                              complete_on, deadline, provisional):
    now = datetime(complete_on.year, complete_on.month, complete_on.day, 3, tzinfo=UTC)
    monkeypatch.setattr(services, "clock", lambda: now)
    _, _, shipment = declared(db, "o-claim-deadline", today=complete_on)
    token, _ = follower_token(services, "o-claim-deadline")
    made = call(live_server, "POST", "/api/v1/claims", token, json=body(shipment.id)).json()
    reviewer = staff_token(services, make_staff(services, "d.reviewer", ["claims_reviewer"]))
    moved = call(live_server, "POST", f"/api/v1/claims/{made['id']}/status", reviewer,
                 json={"status": "documents_complete", "note": "材料已核对齐全"})
    assert moved.status_code == 200, moved.text
    assert moved.json()["deadline"] == deadline and moved.json()["workdays_left"] == 30
    assert (moved.json()["deadline_provisional"] is not None) == provisional
    if provisional:
        assert "2027" in moved.json()["deadline_provisional"]


def test_the_staff_pages_change_a_status_and_the_follower_is_told(services, live_server, db,
                                                                  wechat, emulator):
    _, _, shipment = declared(db, "o-claim-staff")
    token, _ = follower_token(services, "o-claim-staff")
    made = call(live_server, "POST", "/api/v1/claims", token, json=body(shipment.id)).json()
    make_staff(services, "c.reviewer", ["claims_reviewer"])
    make_staff(services, "c.operator", ["operator"])
    make_staff(services, "c.academy", ["academy_editor"])

    academy, _ = sign_in(live_server, "c.academy")
    assert academy.get(f"{live_server}/staff/claims/", timeout=5).status_code == 403
    operator, home = sign_in(live_server, "c.operator")
    assert "理赔案件" in home.text  # the console link (the manifest's staff_nav)
    detail = operator.get(f"{live_server}/staff/claims/{made['id']}", timeout=5)
    assert detail.status_code == 200 and "更新状态并通知" not in detail.text  # reads only
    operator_csrf = re.search(r'name="csrf_token" value="([^"]+)"', home.text).group(1)
    browser, _ = sign_in(live_server, "c.reviewer")
    listing = browser.get(f"{live_server}/staff/claims/?status=filed&q=INV-1", timeout=5).text
    assert made["number"] in listing and "宁波测试进出口有限公司" in listing
    assert made["number"] not in browser.get(f"{live_server}/staff/claims/?status=paid",
                                             timeout=5).text
    page = browser.get(f"{live_server}/staff/claims/{made['id']}", timeout=5).text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    url = f"{live_server}/staff/claims/{made['id']}/status"
    assert browser.post(url, data={"status": "under_review"}, timeout=5).status_code == 400
    refused = browser.post(url, data={"status": "paid", "csrf_token": csrf}, timeout=5)
    assert refused.status_code == 409 and "不能改为「已赔付」" in refused.text
    moved = browser.post(url, data={"status": "under_review", "note": "已受理，核实中",
                                    "csrf_token": csrf}, timeout=5)
    assert moved.status_code == 200 and "定损核赔中：已受理，核实中" in moved.text
    db.expire_all()
    assert db.get(Claim, made["id"]).status == "under_review"
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "claims.status"))
    assert entry.actor == "staff:c.reviewer" and entry.after["status"] == "under_review"
    event = db.scalars(select(ClaimEvent).order_by(ClaimEvent.id)).all()[-1]
    assert (event.before, event.after, event.note) == ("filed", "under_review", "已受理，核实中")
    wechat.wait_for_jobs()
    sent = emulator.records(kind="template", touser="o-claim-staff")
    assert len(sent) == 1 and sent[0]["template_id"] == "dev-claim-status"
    assert sent[0]["data"]["keyword2"]["value"] == "定损核赔中"
    assert made["number"] in sent[0]["data"]["keyword1"]["value"]
    assert "已受理，核实中" in sent[0]["data"]["remark"]["value"]
    # An operator reads but cannot move a case.
    assert operator.post(url, data={"status": "declined", "csrf_token": operator_csrf},
                         timeout=5).status_code == 403


def test_the_staff_list_exports_the_same_rows_typed(services, live_server, db):
    made = [case(db, f"LP2026{n:04d}", status, deadline, loss=loss)
            for n, (status, deadline, loss) in enumerate((
                ("filed", None, "3000"), ("under_review", date(2027, 1, 8), "12000.50"),
                ("paid", date(2026, 3, 2), "800.25")))]
    make_staff(services, "x.reviewer", ["claims_reviewer"])
    browser, _ = sign_in(live_server, "x.reviewer")
    url = f"{live_server}/staff/claims/"
    page = browser.get(url, params={"sort": "number"}, timeout=5).text
    assert [m.group(1) for m in re.finditer(r'/staff/claims/\d+">(LP\d+)<', page)] == [
        c.number for c in made]
    assert "共 3 条" in browser.get(url, params={"quality_dispute": "0"}, timeout=5).text
    assert "共 0 条" in browser.get(url, params={"quality_dispute": "1"}, timeout=5).text
    export = browser.get(f"{url}export.xlsx", params={"sort": "number", "kind": "claim"},
                         timeout=10)
    assert export.status_code == 200
    book = load_workbook(io.BytesIO(export.content))
    sheet = book.worksheets[0]
    assert sheet.freeze_panes == "A2"
    assert [cell.value for cell in sheet[1]] == [
        "案件号", "类型", "状态", "企业", "保单号", "买方", "发票号", "原因", "损失金额", "币种",
        "质量纠纷", "核定期限", "提交时间", "更新时间", "编号"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [row[0] for row in rows] == [c.number for c in made]
    assert [row[2] for row in rows] == ["已索赔，待补齐材料", "定损核赔中", "已赔付"]
    assert rows[0][7] == "买方破产或无力偿付债务" and rows[0][10] == "否"
    assert [row[8] for row in rows] == [3000, 12000.5, 800.25]
    assert sheet.cell(2, 9).number_format == "#,##0.00"
    assert rows[0][11] is None and rows[1][11] == datetime(2027, 1, 8)  # an Excel date
    assert sheet.cell(3, 12).number_format == "yyyy-mm-dd"
    assert all(isinstance(row[12], datetime) and isinstance(row[14], int) for row in rows)
    described = dict(book["筛选条件"].iter_rows(min_row=2, values_only=True))
    assert described["类型"] == "索赔" and described["行数"] == "3"
    make_staff(services, "x.academy", ["academy_editor"])
    academy, _ = sign_in(live_server, "x.academy")
    assert academy.get(f"{url}export.xlsx", timeout=5).status_code == 403


def test_staff_are_warned_before_a_deadline_passes(services, live_server, db, monkeypatch):
    # Monday 28 September 2026 in Beijing. Friday 25 September is the Mid-Autumn holiday,
    # 1–7 October National Day, and Saturday 10 October a working day: five working days from
    # today reach Saturday 10 October, and Thursday 24 September is one working day ago.
    now = datetime(2026, 9, 28, 2, tzinfo=UTC)
    monkeypatch.setattr(services, "clock", lambda: now)
    overdue = case(db, "LP20260001", "documents_complete", date(2026, 9, 24))
    today = case(db, "LP20260002", "under_review", date(2026, 9, 28))
    near = case(db, "LP20260003", "under_review", date(2026, 10, 10))
    later = case(db, "LP20260004", "under_review", date(2026, 10, 12))
    decided = case(db, "LP20260005", "indemnity", date(2026, 9, 24))
    waiting = case(db, "LP20260006", "filed", None)
    make_staff(services, "w.operator", ["operator"])
    make_staff(services, "w.academy", ["academy_editor"])

    operator, home = sign_in(live_server, "w.operator")
    assert home.url == f"{live_server}/staff/"
    warning = re.search(r'<section class="deadline-warning".*?</section>', home.text, re.S)
    assert warning, home.text
    text = warning.group(0)
    assert "3 件未决案件" in text and "已超期 1 件，临近 2 件" in text
    listed = re.findall(r'href="/staff/claims/(\d+)">(LP\d+)</a>', text)
    assert listed == [(str(c.id), c.number) for c in (overdue, today, near)]  # nearest first
    for absent in (later, decided, waiting):
        assert absent.number not in text
    assert re.search(r"LP20260001</a>.*?已超期 1 个工作日", text, re.S)
    assert re.search(r"LP20260002</a>.*?今天到期", text, re.S)
    assert re.search(r"LP20260003</a>.*?还有 5 个工作日", text, re.S)
    assert operator.get(f"{live_server}/staff/claims/{near.id}", timeout=5).status_code == 200

    listing = operator.get(f"{live_server}/staff/claims/", timeout=5).text
    assert listing.index('id="deadline-warning"') < listing.index("<table")
    assert later.number in listing  # the list itself lists every case
    at_risk = operator.get(f"{live_server}/staff/claims/", params={"at_risk": "1"},
                           timeout=5).text
    shown = re.findall(r'<td class="long"><a href="/staff/claims/\d+">(LP\d+)</a>', at_risk)
    assert sorted(shown) == [overdue.number, today.number, near.number]

    academy, home = sign_in(live_server, "w.academy")  # no claims.read: no warning
    assert home.status_code == 200 and "deadline-warning" not in home.text
    db.query(Claim).filter(Claim.id.in_([overdue.id, today.id, near.id])).update(
        {"status": "declined"})
    db.commit()
    _, home = sign_in(live_server, "w.operator")  # nothing at risk: nothing said
    assert "deadline-warning" not in home.text
