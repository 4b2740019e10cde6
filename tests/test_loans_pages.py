"""信保贷's pages as people see them, in headless Chromium: the H5 page (explanation, what is
missing, the estimate, the referral with its consent, 我的融资) and the staff list and detail of
referrals. Each page: a screenshot in test-artifacts/, no Content-Security-Policy violation, and
an axe scan without serious or critical violations.

Skipped when /usr/bin/chromium is absent, unless XINBAO_REQUIRE_BROWSER=1 (CI).
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from loans.models import Referral
from tests.browser import ARTIFACTS, TIMEOUT_MS, chromium_context
from tests.loan_data import bound_with_receivables, callback
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
    assert "没有符合条件的转介" in page.inner_text("table")
    page.fill("#q", referral.tracking_code)
    page.click("form button[type=submit]")
    page.click(f"text={referral.tracking_code}")
    assert "银行已审批通过：额度已批" in page.inner_text("#status")
    assert "page-1" in page.inner_text("#events")
    check(page, "staff-detail")
