"""The console as people see it in headless Chromium: the statistics page (charts drawn on the
server, legible without JavaScript) and the inbox list, on a phone and on a desktop — each
with a screenshot kept in test-artifacts/, no Content-Security-Policy violation and nothing
axe-core calls serious or critical (colour contrast included)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.uow import Actor, UnitOfWork
from followers.models import FollowEvent
from followers.subscriptions import get_or_create_follower
from support.usecases import Kind, open_ticket
from tests.browser import TIMEOUT_MS, accessibility_problems, chromium_context, shoot

from helpers import TEST_PASSWORD, make_staff

VIOLATIONS = """window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`);
});"""


def _some_data(services) -> None:
    db = services.db.session
    now = services.clock()
    for n in range(6):
        follower = get_or_create_follower(db, f"o-view-{n}", None, now)
        db.flush()
        db.add(FollowEvent(follower_id=follower.id, kind="subscribe",
                           scene="expo" if n % 2 else "web", created_at=now - timedelta(days=n)))
    uow = UnitOfWork(session=db, now=now, actor=Actor(label="test"), settings=services.settings,
                     redis=services.redis.text)
    open_ticket(uow, "o-view-1", Kind.HANDOFF, "想找人工咨询信保易")
    open_ticket(uow, "o-view-2", Kind.EXPERT, "德国买家账期多长合适")
    db.commit()


def check(page, name: str) -> None:
    shoot(page, f"console-{name}")
    assert page.evaluate("window.__csp") == [], name
    assert accessibility_problems(page) == [], name


@pytest.mark.parametrize(("width", "height", "label"), [(390, 844, "phone"),
                                                        (1280, 900, "desktop")])
def test_the_stats_page_and_the_inbox_in_chromium(services, live_server, width, height, label):
    _some_data(services)
    make_staff(services, f"view.{label}", ["operator"])
    with chromium_context(viewport={"width": width, "height": height},
                          java_script_enabled=True) as context:
        context.add_init_script(VIOLATIONS)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(f"{live_server}/staff/login?next=/staff/stats")
        page.fill("input[name=username]", f"view.{label}")
        page.fill("input[name=password]", TEST_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server}/staff/stats")
        assert page.locator("svg.chart").count() >= 3
        daily = page.locator("section[data-figure='followers.daily'] svg.chart")
        assert daily.get_attribute("role") == "img"
        assert daily.bounding_box()["width"] <= width  # the chart fits the screen
        assert page.locator("nav.console-nav a[aria-current='page']").inner_text() == "统计"
        check(page, f"stats-{label}")

        page.click("nav.console-nav >> text=咨询收件箱")
        page.wait_for_url(f"{live_server}/staff/inbox/")
        assert "想找人工咨询信保易" in page.content()
        page.select_option("#f-kind", "expert")
        page.click("form.filters button[type=submit]")
        page.wait_for_url("**kind=expert**")
        assert "德国买家账期多长合适" in page.content()
        assert "想找人工咨询信保易" not in page.content()
        check(page, f"inbox-{label}")

        page.click("text=德国买家账期多长合适 >> xpath=ancestor::tr//a")
        page.wait_for_selector("textarea#body")
        check(page, f"ticket-{label}")


def test_the_stats_page_reads_without_javascript(services, live_server):
    """Charts are SVG in the HTML: nothing to run."""
    _some_data(services)
    make_staff(services, "view.nojs", ["operator"])
    with chromium_context(viewport={"width": 1024, "height": 800},
                          java_script_enabled=False) as context:
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(f"{live_server}/staff/login?next=/staff/stats")
        page.fill("input[name=username]", "view.nojs")
        page.fill("input[name=password]", TEST_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server}/staff/stats")
        bars = page.locator("section[data-figure='followers.scenes'] svg.chart rect")
        assert bars.count() >= 2
        shoot(page, "console-stats-no-javascript")


def test_every_console_page_as_an_admin(services, live_server):
    """The audit log, the renewal list, an audit entry's detail page (the default detail),
    uploads and jobs: screenshot, no CSP violation, nothing serious for axe-core."""
    _some_data(services)
    make_staff(services, "view.admin", ["admin"])
    with chromium_context(viewport={"width": 1280, "height": 900}) as context:
        context.add_init_script(VIOLATIONS)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(f"{live_server}/staff/login")
        page.fill("input[name=username]", "view.admin")
        page.fill("input[name=password]", TEST_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server}/staff/")
        check(page, "home")
        for title, name in (("审计日志", "audit"), ("续转申请", "renewals"),
                            ("上传买方", "uploads"), ("后台任务", "jobs")):
            page.click(f"nav >> text={title}")
            page.wait_for_selector("h1")
            check(page, name)
        page.goto(f"{live_server}/staff/audit")
        page.click("table tbody a")
        page.wait_for_selector("dl.detail")
        assert "staff.sign_in" in page.inner_text("dl.detail")
        check(page, "audit-entry")
