"""The staff page of unanswered questions: gaps from the real webhook, grouped and counted,
shown to operators only; in headless Chromium it passes axe (screenshot in test-artifacts/)."""

from __future__ import annotations

import re

import requests

from tests.browser import ARTIFACTS, TIMEOUT_MS, accessibility_problems, chromium_context

from helpers import TEST_PASSWORD, make_staff

CSRF = re.compile(r'name="csrf_token"[^>]*? value="([^"]+)"')


def console(live_server: str, username: str) -> requests.Session:
    session = requests.Session()
    login = session.get(f"{live_server}/staff/login", timeout=10).text
    session.post(f"{live_server}/staff/login", timeout=10, data={
        "username": username, "password": TEST_PASSWORD,
        "csrf_token": CSRF.search(login).group(1)})
    return session


def test_operators_see_the_gaps_most_asked_first(wechat, live_server, services):
    for openid in ("o-gap-1", "o-gap-2"):
        wechat.say(openid, "保费怎么算")
    wechat.say("o-gap-3", "汇率多少")
    make_staff(services, "gaps.operator", ["operator"])
    make_staff(services, "gaps.editor", ["academy_editor"])
    page = console(live_server, "gaps.operator").get(f"{live_server}/staff/kb/gaps", timeout=10)
    assert page.status_code == 200 and "<h1>问答缺口</h1>" in page.text
    assert page.text.index("保费怎么算") < page.text.index("汇率多少")
    assert re.search(r"<td>保费怎么算</td>\s*<td>2</td>\s*<td>2</td>", page.text), page.text
    assert "o-gap-1" not in page.text  # openids are never shown (nor stored)
    assert 'href="/staff/kb/gaps"' in page.text  # in the console's navigation
    home = console(live_server, "gaps.operator").get(f"{live_server}/staff/", timeout=10)
    assert 'href="/staff/kb/gaps">问答缺口</a>' in home.text
    editor = console(live_server, "gaps.editor")
    assert editor.get(f"{live_server}/staff/kb/gaps", timeout=10).status_code == 403


def test_the_gaps_page_passes_axe(wechat, live_server, services):
    wechat.say("o-gap-axe", "保费怎么算")
    make_staff(services, "gaps.axe", ["operator"])
    with chromium_context(viewport={"width": 1280, "height": 800}) as context:
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(f"{live_server}/staff/login?next=/staff/kb/gaps")
        page.fill("input[name=username]", "gaps.axe")
        page.fill("input[name=password]", TEST_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector("h1:has-text('问答缺口')")
        assert "保费怎么算" in page.content()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "kb-gaps.png"), full_page=True)
        assert accessibility_problems(page) == []
