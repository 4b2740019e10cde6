"""信保易's pages as people see them, in headless Chromium: the H5 eligibility test, renewal
form and shipment form and list (signed in through the bot's link), and the staff pages of
renewal applications. Each page: a screenshot in test-artifacts/, no Content-Security-Policy
violation, and an axe scan without serious or critical violations.

Skipped when /usr/bin/chromium is absent, unless XINBAO_REQUIRE_BROWSER=1 (CI).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from identity.links import sign_link
from policies.models import RenewalApplication, Shipment
from tests.browser import ARTIFACTS, TIMEOUT_MS, chromium_context
from tests.policy_data import bind, make_enterprise

from helpers import TEST_PASSWORD, make_staff

VIOLATIONS = """window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`);
});"""


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
    page.screenshot(path=str(ARTIFACTS / f"policies-{name}.png"), full_page=True)
    assert page.evaluate("window.__csp") == []
    violations = Axe().run(page).response["violations"]
    serious = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
               for v in violations if v["impact"] in ("serious", "critical")]
    assert serious == [], serious


def enter(page, services, live_server, openid: str, path: str) -> None:
    link = sign_link(services.settings.secret_key, services.settings.public_url, openid, path,
                     now=services.clock(), lifetime=timedelta(minutes=10))
    page.goto(live_server + link.removeprefix(services.settings.public_url))
    page.wait_for_url(f"{live_server}{path}")


def test_the_eligibility_page(page, services, live_server, db):
    enter(page, services, live_server, "o-page-elig", "/h5/eligibility")
    check(page, "eligibility-form")
    page.fill("#employees", "很多")
    page.click("button[type=submit]")
    assert "从业人员请填写整数" in page.inner_text("form")
    page.select_option("#industry", "wholesale")
    page.fill("#employees", "4")
    page.fill("#revenue", "6000")
    page.fill("#exports", "")
    page.click("button[type=submit]")
    result = page.inner_text("#result")
    assert "可以投保小微企业信保易" in result and "批发业，微型企业" in result
    check(page, "eligibility-result")


def test_the_renewal_and_shipment_pages(page, services, live_server, db):
    enterprise, policy, _ = make_enterprise(db, days_left=20)
    bind(db, "o-page-bound", enterprise, policy)
    enter(page, services, live_server, "o-page-bound", "/h5/renewal")
    assert page.input_value("#buyers") == "Hamburg Trading GmbH"
    check(page, "renewal-form")
    page.fill("#exports", "很多")
    page.click("button[type=submit]")
    assert "大于 0 的金额" in page.inner_text("form")
    page.fill("#exports", "300万美元")
    page.fill("#markets", "美国、德国")
    page.click("button[type=submit]")
    assert "续转申请已提交" in page.inner_text("#done")
    number = db.scalar(select(RenewalApplication.number))
    assert number in page.inner_text("#done")
    check(page, "renewal-done")

    page.goto(f"{live_server}/h5/shipments")
    check(page, "shipments-empty")
    page.fill("#invoice", "H5-001")
    page.fill("#amount", "250000")
    page.fill("#ship-date", date.today().isoformat())
    page.select_option("#method", "OA")
    page.fill("#days", "90")
    page.click("button[type=submit]")
    assert "超出信用限额" in page.inner_text("#problems")
    check(page, "shipments-refused")
    page.fill("#amount", "25000")
    page.click("button[type=submit]")
    assert "已申报" in page.inner_text("#done")
    assert "H5-001" in page.inner_text("#shipments")
    assert db.scalar(select(Shipment.invoice_number)) == "H5-001"
    check(page, "shipments-declared")
    with page.expect_download() as download:
        page.click("#export")
    assert download.value.suggested_filename == "shipments.xlsx"


def test_an_unbound_follower_is_asked_to_bind(page, services, live_server):
    enter(page, services, live_server, "o-page-unbound", "/h5/shipments")
    assert page.inner_text("h1") == "请先绑定企业"
    check(page, "not-bound")


def test_the_staff_renewal_pages(page, services, live_server, db, wechat):
    enterprise, policy, _ = make_enterprise(db, days_left=20)
    bind(db, "o-page-staff", enterprise, policy)
    for typed in ("续转", "200万美元", "美国", "Hamburg Trading GmbH", "确认"):
        wechat.say("o-page-staff", typed)
    make_staff(services, "page.op", ["operator"])
    page.goto(f"{live_server}/staff/login")
    page.fill("input[name=username]", "page.op")
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/staff/")
    page.click("text=续转申请")
    check(page, "staff-renewals")
    page.click("table tbody a")  # the header links sort
    check(page, "staff-renewal")
    page.select_option("#status-select", "reviewing")
    page.fill("#note", "已收到，审核中")
    page.click("button[type=submit]")
    assert "审核中：已收到，审核中" in page.inner_text("#status")


def test_binding_in_the_sandbox_shows_the_sms_and_the_menu_of_bound_followers(live_server,
                                                                             db):
    import re

    make_enterprise(db)
    from tests.policy_data import uscc

    with chromium_context(viewport={"width": 900, "height": 900}) as context:
        tab = context.new_page()
        tab.set_default_timeout(TIMEOUT_MS)
        tab.goto(f"{live_server}/sandbox/")
        tab.wait_for_selector("body[data-ready='1']")
        tab.click("#toggle-input")

        def say(text: str) -> None:
            before = tab.locator(".row:not(.mine) .bubble").count()
            tab.fill("#text-input", text)
            tab.press("#text-input", "Enter")
            tab.wait_for_function(
                "n => document.querySelectorAll('.row:not(.mine) .bubble').length > n",
                arg=before)

        for text in ("绑定企业", "宁波测试进出口有限公司", uscc(1), "SME000001"):
            say(text)
        sms = tab.locator(".bubble.sms").last
        sms.wait_for()
        assert "000****0001" in sms.inner_text()
        code = re.search(r"验证码 (\d{6})", sms.inner_text()).group(1)
        say(code)
        tab.wait_for_selector(".top-button[data-name='我的保单']", state="attached")
        assert tab.input_value("#menu-select") == "1"
        assert "显示企业版菜单" in tab.inner_text("#chat")
        tab.click("#toggle-menu")
        assert tab.locator(".top-button[data-name='我的保单']").is_visible()
        ARTIFACTS.mkdir(exist_ok=True)
        tab.screenshot(path=str(ARTIFACTS / "policies-sandbox-binding.png"), full_page=True)
