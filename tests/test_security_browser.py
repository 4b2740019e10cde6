"""The production headers in headless Chromium: the staff login page, the console after
sign-in, an H5 page and the lights verdict page render with their styles, the browser
reports no Content-Security-Policy violation, and axe-core finds nothing serious or unreadable
on any of them (screenshots in test-artifacts/).

Skipped when /usr/bin/chromium is absent, unless XINBAO_REQUIRE_BROWSER=1 (CI) (tests/browser.py).
Chinese shows as boxes on a machine without a Chinese font: production pages do not ship the
development font (base.html), and the checks read the DOM, not the pixels.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from core.services import EXTENSION_KEY
from identity.links import sign_link
from lights.importer import upsert_buyers
from lights.links import verdict_url
from lights.models import Buyer
from lights.rows import clean_row
from tests.browser import TIMEOUT_MS, accessibility_problems, chromium_context, shoot
from tests.conftest import free_port
from tests.test_security_headers import PUBLIC_URL, production_app

from helpers import TEST_PASSWORD, make_staff

# Records every violation the page itself sees (the console shows them too).
VIOLATIONS = """window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`);
});"""
BACKGROUND = "getComputedStyle(document.body).backgroundColor"
STYLED = "rgb(245, 246, 248)"  # base.html's body background: the nonce'd style applied


SAME_FONT_AS_PAGE = """selector => [...document.querySelectorAll(selector)].every(
    element => getComputedStyle(element).fontFamily
               === getComputedStyle(document.body).fontFamily)"""


@pytest.fixture
def production_site(base_config):
    app = production_app(base_config)
    services = app.extensions[EXTENSION_KEY]
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    # http://localhost is a secure context: Chromium keeps the Secure, __Host- cookies.
    yield app, services, f"http://localhost:{port}"
    server.shutdown()


@pytest.fixture
def browser_page():
    with chromium_context(viewport={"width": 420, "height": 800}) as context:
        context.add_init_script(VIOLATIONS)
        tab = context.new_page()
        tab.set_default_timeout(TIMEOUT_MS)
        console: list[str] = []
        tab.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
        yield tab, console


def csp_reports(page, console: list[str]) -> list[str]:
    said = [line for line in console if "Content Security Policy" in line]
    return said + page.evaluate("window.__csp")


def shoot_and_scan(page, name: str) -> None:
    """A screenshot kept for a person, and nothing axe-core calls serious (or unreadable)."""
    shoot(page, name)
    assert accessibility_problems(page) == [], name


def test_production_pages_render_in_chromium_without_a_csp_violation(production_site,
                                                                     browser_page):
    app, services, site = production_site
    page, console = browser_page
    with app.app_context():
        make_staff(services, "browser.admin", ["admin"])
        now = datetime.now(UTC)
        upsert_buyers(services.db.session, [clean_row({
            "source": "test", "source_id": "t-browser", "name": "Siemens AG", "country": "DE",
            "well_known": True, "disclosure": 100, "as_of": now.date().isoformat()},
            "test", now)], now)
        upsert_buyers(services.db.session, [clean_row({
            "source": "test", "source_id": "t-browser-sample", "name": "Muster Handel GmbH",
            "country": "DE", "status": "bankrupt", "disclosure": 20, "sample": True,
            "as_of": now.date().isoformat()}, "test", now)], now)
        services.db.session.commit()
        buyer_id = services.db.session.scalar(select(Buyer.id).where(Buyer.sample.is_(False)))
        sample_id = services.db.session.scalar(select(Buyer.id).where(Buyer.sample.is_(True)))
        verdict = verdict_url(services.settings, buyer_id, services.clock())
        sample_verdict = verdict_url(services.settings, sample_id, services.clock())
        h5_link = sign_link(services.settings.secret_key, PUBLIC_URL, "o-browser", "/h5/me",
                            now=services.clock(), lifetime=timedelta(minutes=10))

    page.goto(f"{site}/staff/login")
    assert page.locator("h1").inner_text() == "员工登录"
    assert page.evaluate(BACKGROUND) == STYLED
    shoot_and_scan(page, "production-staff-login")
    page.fill("input[name=username]", "browser.admin")
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{site}/staff/")
    assert "您好" in page.locator("h1").inner_text()
    # The sign-out button's Chinese in the page's font, not the system UI font's boxes.
    assert page.evaluate(SAME_FONT_AS_PAGE, "button"), "a button does not use the page's font"
    shoot_and_scan(page, "production-staff-home")
    page.goto(f"{site}/staff/accounts")
    shoot_and_scan(page, "production-staff-accounts")
    page.goto(f"{site}/staff/audit")
    assert "staff.sign_in" in page.content()
    assert page.evaluate(BACKGROUND) == STYLED
    shoot_and_scan(page, "production-staff-audit")
    assert csp_reports(page, console) == []

    page.goto(site + h5_link.removeprefix(PUBLIC_URL))
    page.wait_for_url(f"{site}/h5/me")
    assert page.locator("h1").inner_text() == "已识别您的微信身份"
    assert page.evaluate(BACKGROUND) == STYLED
    shoot_and_scan(page, "production-h5-me")
    page.goto(site + verdict.removeprefix(PUBLIC_URL))
    assert "Siemens AG" in page.content()
    lamp = page.evaluate("getComputedStyle(document.querySelector('.lamp')).backgroundColor")
    assert lamp == "rgb(34, 190, 90)"  # verdict.html's own nonce'd style: the green lamp
    shoot_and_scan(page, "production-lights-verdict")
    page.goto(site + sample_verdict.removeprefix(PUBLIC_URL))
    assert "示例数据" in page.locator(".sample").inner_text()  # the sample warning, readable
    shoot_and_scan(page, "production-lights-verdict-sample")
    page.goto(site + verdict.removeprefix(PUBLIC_URL))
    assert csp_reports(page, console) == []

    # The detector works: a style without the nonce is refused and reported.
    page.evaluate("""() => { const style = document.createElement('style');
                             style.textContent = 'body { background: red; }';
                             document.head.appendChild(style); }""")
    page.wait_for_function("window.__csp.length > 0")
    assert page.evaluate(BACKGROUND) == STYLED
    assert any("style-src" in line for line in csp_reports(page, console))
