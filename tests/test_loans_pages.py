"""信保贷's pages as people see them, in headless Chromium: the H5 page (explanation, what is
missing, the estimate, the referral with its consent, 我的融资) and the staff list and detail of
referrals. Each page: a screenshot in test-artifacts/, no Content-Security-Policy violation, and
an axe scan without serious or critical violations.

Over HTTP: the staff list's search, filters, sorting and its Excel export (the console frame's).

The browser tests are skipped when /usr/bin/chromium is absent, unless XINBAO_REQUIRE_BROWSER=1
(CI).
"""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from followers.subscriptions import get_or_create_follower
from identity.models import AuditEntry
from loans import usecases as loans
from loans.models import Referral
from loans.usecases import Applicant, BankReport
from tests.browser import ARTIFACTS, TIMEOUT_MS, chromium_context
from tests.loan_data import bound_with_receivables, callback
from tests.test_identity_staff import sign_in
from tests.test_loans_domain import Facts, P, uow_for
from tests.test_policies_pages import VIOLATIONS, enter

from helpers import TEST_PASSWORD, make_staff


@pytest.fixture
def page():
    with chromium_context(viewport={"width": 420, "height": 860}) as context:
        context.add_init_script(VIOLATIONS)
        tab = context.new_page()
        tab.set_default_timeout(TIMEOUT_MS)
        yield tab


def check(page, name: str) -> None:
    """As people see it: a screenshot, no CSP violation, no serious accessibility problem."""
    from axe_playwright_python.sync_playwright import Axe

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"loans-{name}.png"), full_page=True)
    assert page.evaluate("window.__csp") == []
    violations = Axe().run(page).response["violations"]
    serious = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
               for v in violations if v["impact"] in ("serious", "critical")]
    assert serious == [], serious


def test_an_unbound_follower_reads_what_is_missing(page, services, live_server):
    enter(page, services, live_server, "o-lpage-unbound", "/h5/loans")
    assert "2019 年与建设银行合作" in page.inner_text("main")
    standing = page.inner_text("#standing-card")
    assert "尚未绑定企业" in standing and "绑定企业" in standing
    assert page.get_attribute("#standing-card a", "href") == "/h5/eligibility"
    assert page.locator("form").count() == 0  # no referral form for who may not apply
    check(page, "unbound")


def test_the_estimate_and_a_referral_with_consent(page, services, live_server, db):
    bound_with_receivables(db, "o-lpage")
    enter(page, services, live_server, "o-lpage", "/h5/loans")
    table = page.inner_text("#estimate-table")
    assert "美元（USD）" in table and "100,000.40" in table and "32,000.00" in table
    assert "仅供参考" in page.inner_text("main")
    check(page, "eligible")

    page.click("button[type=submit]")  # consent not ticked
    assert "请勾选同意" in page.inner_text("#problems")
    assert db.scalar(select(func.count()).select_from(Referral)) == 0
    check(page, "no-consent")

    page.check("#consent")
    page.click("button[type=submit]")
    done = page.inner_text("#done")
    referral = db.scalar(select(Referral))
    assert referral.channel == "h5" and referral.tracking_code in done
    assert "「金融服务」→「融资贷款」" in done
    assert referral.tracking_code in page.inner_text("#referrals")
    check(page, "referred")


def test_the_staff_list_and_detail(page, services, live_server, db):
    bound_with_receivables(db, "o-lpage-staff")
    enter(page, services, live_server, "o-lpage-staff", "/h5/loans")
    page.check("#consent")
    page.click("button[type=submit]")
    referral = db.scalar(select(Referral))
    assert callback(live_server, {"event_id": "page-1", "tracking_code": referral.tracking_code,
                                  "status": "approved", "note": "额度已批"}).status_code == 200
    make_staff(services, "lpage.reviewer", ["claims_reviewer"])
    page.context.clear_cookies()
    page.goto(f"{live_server}/staff/login")
    page.fill("#username", "lpage.reviewer")
    page.fill("#password", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.click("nav >> text=融资转介")  # the console link (the manifest's staff_nav)
    assert referral.tracking_code in page.inner_text("table")
    assert "银行已审批通过 1" in page.inner_text("#funnel")
    check(page, "staff-list")
    page.fill("#q", "不存在的企业")
    page.click("form button[type=submit]")
    assert "没有符合条件的记录" in page.inner_text("table")
    page.fill("#q", referral.tracking_code)
    page.click("form button[type=submit]")
    page.click(f"tbody a >> text={referral.tracking_code}")
    assert "银行已审批通过：额度已批" in page.inner_text("#status")
    assert "page-1" in page.inner_text("#events")
    check(page, "staff-detail")


def test_the_staff_list_filters_sorts_and_exports_the_same_rows(services, live_server, db):
    uow = uow_for(services, db)
    made = []
    for number, name in enumerate(("甲贸易有限公司", "乙进出口有限公司", "丙实业有限公司")):
        who = get_or_create_follower(db, f"o-lexport-{number}")
        made.append(loans.refer(uow, Applicant(who.id, who.openid, "h5"), Facts(
            enterprise_id=200 + number, enterprise_name=name,
            policies=(P(f"E{number}", "in_force"),)), "ccb", consent=True).referral)
    loans.receive_report(uow, "ccb", BankReport("x1", made[1].tracking_code, "approved"),
                         uow.now)
    db.commit()
    make_staff(services, "lexport.reviewer", ["claims_reviewer"])
    make_staff(services, "lexport.editor", ["academy_editor"])
    browser, _ = sign_in(live_server, "lexport.reviewer")
    url = f"{live_server}/staff/referrals/"

    approved = browser.get(url, params={"status": "approved"}, timeout=5).text
    assert made[1].tracking_code in approved and made[0].tracking_code not in approved
    assert "共 1 条" in approved and 'id="funnel"' in approved
    searched = browser.get(url, params={"q": "丙实业"}, timeout=5).text
    assert made[2].tracking_code in searched and made[1].tracking_code not in searched
    by_name = browser.get(url, params={"sort": "enterprise_name"}, timeout=5).text
    order = sorted(made, key=lambda r: r.enterprise_name)
    positions = [by_name.index(r.tracking_code) for r in order]
    assert positions == sorted(positions)
    detail = browser.get(f"{url}{made[1].id}", timeout=5)
    assert detail.status_code == 200 and "银行已审批通过" in detail.text

    export = browser.get(f"{url}export.xlsx", params={"channel": "h5", "sort": "id"}, timeout=10)
    assert export.status_code == 200
    book = load_workbook(io.BytesIO(export.content))
    sheet = book.worksheets[0]
    assert sheet.freeze_panes == "A2"
    assert [cell.value for cell in sheet[1]] == [
        "跟踪码", "企业", "示例数据", "保单号", "银行", "状态", "渠道", "银行说明", "转介时间",
        "更新时间", "编号"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [row[0] for row in rows] == [r.tracking_code for r in made]
    assert rows[1][5] == "银行已审批通过" and {row[6] for row in rows} == {"H5 页面"}
    assert all(isinstance(row[8], datetime) and isinstance(row[10], int) for row in rows)
    assert sheet.cell(2, 9).number_format == "yyyy-mm-dd hh:mm"
    described = dict(book["筛选条件"].iter_rows(min_row=2, values_only=True))
    assert described["渠道"] == "H5 页面" and described["行数"] == "3"
    audited = db.scalar(select(AuditEntry).where(AuditEntry.action == "console.export"))
    assert audited.actor == "staff:lexport.reviewer" and audited.target_id == "referrals"

    editor, _ = sign_in(live_server, "lexport.editor")  # no loans.read
    assert editor.get(url, timeout=5).status_code == 403
    assert editor.get(f"{url}export.xlsx", timeout=5).status_code == 403
    assert editor.get(f"{url}{made[0].id}", timeout=5).status_code == 403
