"""The staff page of unanswered questions: gaps from the real webhook, grouped and counted,
shown to operators only as a console list (search, the date range picking the asks counted,
sorting, a detail page, the Excel export); in headless Chromium it passes axe (screenshot in
test-artifacts/)."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta

import requests
from openpyxl import load_workbook
from sqlalchemy import select

from kb.content import shipped
from kb.models import Gap
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


def test_operators_see_the_gaps_most_asked_first(wechat, live_server, services, db):
    for openid in ("o-gap-1", "o-gap-2"):
        wechat.say(openid, "保费怎么算")
    wechat.say("o-gap-3", "汇率多少")
    asked = db.scalar(select(Gap).where(Gap.text == "保费怎么算"))
    # Asked long ago by a third follower: counted over all time, not in the last week.
    db.add(Gap(openid_hash="old", text="保费怎么算", folded=asked.folded, reason="rejected",
               nearest="", created_at=datetime.now(UTC) - timedelta(days=40)))
    db.commit()
    make_staff(services, "gaps.operator", ["operator"])
    make_staff(services, "gaps.editor", ["academy_editor"])
    operator = console(live_server, "gaps.operator")
    page = operator.get(f"{live_server}/staff/kb/gaps", timeout=10)
    assert page.status_code == 200 and "<h1>问答缺口</h1>" in page.text
    assert page.text.index("保费怎么算") < page.text.index("汇率多少")
    counts = r'保费怎么算</a></td>\s*<td class="num short">{}</td>\s*<td class="num short">{}</td>'
    assert re.search(counts.format(3, 3), page.text), page.text
    assert "o-gap-1" not in page.text  # openids are never shown (nor stored)
    offered = asked.nearest.split(",")  # entry ids; staff read the topics the follower read
    assert offered and all(shipped().get(entry_id).topic in page.text for entry_id in offered)
    assert not any(entry_id in page.text for entry_id in offered), page.text
    assert 'href="/staff/kb/gaps" aria-current="page"' in page.text  # the console's navigation
    week = {"from": (date.today() - timedelta(days=7)).isoformat()}
    recent = operator.get(f"{live_server}/staff/kb/gaps", params=week, timeout=10).text
    assert re.search(counts.format(2, 2), recent), recent  # the range picks the asks counted
    searched = operator.get(f"{live_server}/staff/kb/gaps", params={"q": "汇率"}, timeout=10).text
    assert "汇率多少" in searched and "保费怎么算" not in searched
    fewest = operator.get(f"{live_server}/staff/kb/gaps", params={"sort": "times"},
                          timeout=10).text
    assert fewest.index("汇率多少") < fewest.index("保费怎么算")

    detail = operator.get(f"{live_server}/staff/kb/gaps/{asked.id}", timeout=10)
    assert detail.status_code == 200 and "共被问 3 次" in detail.text
    assert detail.text.count("<td>保费怎么算</td>") == 3 and "回复「都不是」" in detail.text
    assert "、".join(shipped().get(entry_id).topic for entry_id in offered) in detail.text
    assert operator.get(f"{live_server}/staff/kb/gaps/999999", timeout=10).status_code == 404

    export = operator.get(f"{live_server}/staff/kb/gaps/export.xlsx", params=week, timeout=10)
    sheet = load_workbook(io.BytesIO(export.content)).worksheets[0]
    assert sheet.freeze_panes == "A2"
    assert [cell.value for cell in sheet[1]][:4] == ["问题", "次数", "人数", "其中「都不是」"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [row[:3] for row in rows] == [("保费怎么算", 2, 2), ("汇率多少", 1, 1)]
    assert isinstance(rows[0][4], datetime)

    home = operator.get(f"{live_server}/staff/", timeout=10)
    assert 'href="/staff/kb/gaps">问答缺口</a>' in home.text
    editor = console(live_server, "gaps.editor")
    assert editor.get(f"{live_server}/staff/kb/gaps", timeout=10).status_code == 403
    assert editor.get(f"{live_server}/staff/kb/gaps/export.xlsx", timeout=10).status_code == 403


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
