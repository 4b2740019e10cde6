"""理赔's H5 page as a follower sees it, in headless Chromium (signed in through the bot's
link): the form with an amount above the invoice refused, a notice filed with the late warning,
a document uploaded to the case; and the staff pages (the warning of deadlines passed on the
console's home page and atop the claims list, the list's filter, the detail); each state a
screenshot in test-artifacts/, no Content-Security-Policy violation, no serious axe violation.

Skipped when /usr/bin/chromium is absent, unless XINBAO_REQUIRE_BROWSER=1 (CI).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from claims.models import Claim, ClaimDocument
from tests.claim_data import case, declared, png
from tests.test_policies_pages import check, enter, page  # noqa: F401  (the fixture)

from helpers import TEST_PASSWORD, make_staff

BEIJING = ZoneInfo("Asia/Shanghai")


def test_the_claims_page(page, services, live_server, db, tmp_path):  # noqa: F811
    declared(db, "o-claim-page", loss_report_days=10)  # due 40 days ago: a late notice
    enter(page, services, live_server, "o-claim-page", "/h5/claims")
    check(page, "claims-form")
    page.fill("#loss-amount", "60000")
    page.click("form[method=post] button[type=submit]")
    assert "超过发票金额 50,000.00 USD" in page.inner_text("#problems")
    assert page.input_value("#loss-amount") == "60000"  # what was typed is kept
    check(page, "claims-refused")
    page.select_option("#cause", "buyer_refused")
    page.fill("#loss-amount", "12000")
    page.fill("#buyer-says", "买方称资金困难")
    page.click("form[method=post] button[type=submit]")
    done = page.inner_text("#done")
    claim = db.scalar(select(Claim))
    assert f"可损通知已提交，案件号 {claim.number}" in done and "本次已晚 30 天" in done
    assert "还缺材料：贸易合同（或订单）" in page.inner_text("#cases")
    check(page, "claims-filed")

    photo = tmp_path / "contract.png"
    photo.write_bytes(png())
    page.set_input_files(f"#file-{claim.id}", str(photo))
    page.click(f"#case-{claim.id} button[type=submit]")
    page.wait_for_url(f"{live_server}/h5/claims#case-{claim.id}")
    assert "还缺材料：商业发票" in page.inner_text("#cases")
    document = db.scalar(select(ClaimDocument))
    assert document.status == "stored" and Path(document.path).read_bytes() == png()
    check(page, "claims-document")


def test_an_unbound_follower_is_asked_to_bind(page, services, live_server):  # noqa: F811
    enter(page, services, live_server, "o-claim-page-unbound", "/h5/claims")
    assert page.inner_text("h1") == "请先绑定企业"


def test_the_staff_claim_pages(page, services, live_server, db, wechat):  # noqa: F811
    declared(db, "o-claim-page-staff")
    for typed in ("理赔", "2", "1", "2", "USD 3000", "无", "确认", "完成"):
        wechat.say("o-claim-page-staff", typed)
    filed = db.scalar(select(Claim))
    today = datetime.now(BEIJING).date()
    overdue = case(db, "LP20269001", "under_review", today - timedelta(days=1))
    later = case(db, "LP20269002", "under_review", today + timedelta(days=60))
    make_staff(services, "page.reviewer", ["claims_reviewer"])
    page.goto(f"{live_server}/staff/login")
    page.fill("input[name=username]", "page.reviewer")
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/staff/")
    warning = page.locator("#deadline-warning")
    assert warning.is_visible()
    assert overdue.number in warning.inner_text() and "已超期" in warning.inner_text()
    assert later.number not in warning.inner_text() and filed.number not in warning.inner_text()
    check(page, "staff-home-deadlines")
    page.click("nav >> text=理赔案件")
    assert page.locator("#deadline-warning").is_visible()
    assert later.number in page.inner_text("tbody")
    check(page, "staff-claims")
    page.select_option("#f-at_risk", "1")
    page.click("form.filters button[type=submit]")
    assert page.locator("tbody tr").count() == 1 and overdue.number in page.inner_text("tbody")
    page.click(f"#deadline-warning >> text={overdue.number}")
    page.wait_for_url(f"{live_server}/staff/claims/{overdue.id}")
    page.click("nav >> text=理赔案件")
    page.fill("#q", filed.number)
    page.click("form.filters button[type=submit]")
    page.click(f"tbody a >> text={filed.number}")
    check(page, "staff-claim")
    page.select_option("#status-select", "under_review")
    page.fill("#note", "已受理")
    page.click("form[method=post] button[type=submit]")
    assert "定损核赔中：已受理" in page.inner_text("#status")
    assert "已索赔，待补齐材料 → 定损核赔中" in page.inner_text("#events")
