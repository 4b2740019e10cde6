"""The sandbox in headless Chromium, as a person sees it: follow through a scene, open each top
menu and tap a sub-button, type a message, see replies, links and the messages the emulator
captured; the menus are readable (contrast, one line per label, visible sub-menu items) at a
phone's width and at a desktop's; axe-core finds nothing serious; Chinese renders as glyphs,
not boxes; an idle page makes almost no requests (screenshots in test-artifacts/).

Skipped when /usr/bin/chromium is absent, unless XINBAO_REQUIRE_BROWSER=1 (CI), then it fails.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from datetime import UTC, datetime

import pytest

from lights.importer import upsert_buyers
from lights.rows import clean_row
from menus import definition
from tests.browser import (
    CONTRAST,
    TEXT_LINES,
    TIMEOUT_MS,
    accessibility_problems,
    chromium_context,
    shoot,
)

# Draws one character on a canvas with a font family; different characters drawn with a font
# that lacks them come out as the same box, so equal pixels mean tofu.
GLYPH_CHECK = """async () => {
  await document.fonts.load('16px "Xinbao CJK"', '信保');
  const glyph = (ch, family) => {
    const canvas = document.createElement('canvas');
    canvas.width = canvas.height = 64;
    const ctx = canvas.getContext('2d');
    ctx.font = `48px ${family}`;
    ctx.fillText(ch, 4, 52);
    return Array.from(ctx.getImageData(0, 0, 64, 64).data).join(',');
  };
  const face = [...document.fonts].find((f) => f.family.includes('Xinbao CJK'));
  return {
    status: face ? face.status : 'missing',
    check: document.fonts.check('16px "Xinbao CJK"', '信保'),
    ours_distinct: glyph('信', '"Xinbao CJK"') !== glyph('保', '"Xinbao CJK"'),
    fallback_distinct: glyph('信', 'monospace') !== glyph('保', 'monospace'),
    body_font: getComputedStyle(document.querySelector('.bubble')).fontFamily,
  };
}"""
PHONE = {"width": 390, "height": 844}  # a phone's CSS pixels
DESKTOP = {"width": 900, "height": 860}
READABLE = 4.5  # WCAG AA contrast for text of this size


@pytest.fixture
def page(live_server):
    with chromium_context(viewport=DESKTOP) as context:
        tab = context.new_page()
        tab.set_default_timeout(TIMEOUT_MS)
        tab.goto(f"{live_server}/sandbox/")
        tab.wait_for_selector("body[data-ready='1']")
        yield tab


@pytest.fixture
def phone(live_server):
    with chromium_context(viewport=PHONE, device_scale_factor=2, is_mobile=True,
                          has_touch=True) as context:
        tab = context.new_page()
        tab.set_default_timeout(TIMEOUT_MS)
        tab.goto(f"{live_server}/sandbox/")
        tab.wait_for_selector("body[data-ready='1']")
        yield tab


def account_bubbles(page):
    return page.locator(".row:not(.mine) .bubble")


def wait_for_new_reply(page, before: int) -> str:
    page.wait_for_function(
        "n => document.querySelectorAll('.row:not(.mine) .bubble').length > n", arg=before)
    return account_bubbles(page).last.inner_text()


def system_has_cjk_font() -> bool | None:
    if shutil.which("fc-list") is None:
        return None
    listed = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True, check=False)
    return bool(listed.stdout.strip())


def follow(page) -> None:
    page.click("#follow-button")
    wait_for_new_reply(page, 0)


def assert_readable(page, selector: str) -> None:
    """Each element's text stands out from what is behind it, on one line, inside the phone
    and inside the window."""
    phone_box = page.locator("#phone").bounding_box()
    elements = page.locator(selector)
    assert elements.count() > 0, selector
    for element in elements.all():
        label = element.inner_text().strip()
        assert label, f"{selector}: an empty box"
        contrast = element.evaluate(CONTRAST)
        assert contrast["ratio"] >= READABLE, (label, contrast)
        assert element.evaluate(TEXT_LINES) == 1, f"{label!r} wraps"
        assert element.evaluate("e => e.scrollWidth <= e.clientWidth"), f"{label!r} is cut"
        box = element.bounding_box()
        assert box and box["width"] > 0 and box["height"] > 0, label
        assert phone_box["x"] - 1 <= box["x"] and (
            box["x"] + box["width"] <= phone_box["x"] + phone_box["width"] + 1), (label, box)
        assert element.is_visible(), label


@pytest.mark.parametrize("viewport", ["phone", "page"])
def test_the_menu_and_every_sub_menu_can_be_read(viewport, request):
    tab = request.getfixturevalue(viewport)
    assert_readable(tab, ".top-button")
    assert_readable(tab, ".switch:visible")
    for number, top in enumerate(definition.load().default.buttons):
        tab.click(f".top-button[data-name='{top.name}']")
        assert tab.locator("#sub-menu").is_visible()
        names = tab.locator("#sub-menu .sub-button").all_inner_texts()
        assert names == [sub.name for sub in top.sub_buttons]
        assert_readable(tab, "#sub-menu .sub-button")
        shoot(tab, f"sandbox-{viewport}-menu-{number + 1}")
        assert accessibility_problems(tab) == []
        tab.click(f".top-button[data-name='{top.name}']")  # closes it again
        assert tab.locator("#sub-menu").is_hidden()
    # The keyboard, and the follow banner's buttons.
    assert_readable(tab, "#follow-button")
    tab.click("#toggle-input")
    assert_readable(tab, "#input-bar button:not(#extras-button)")
    shoot(tab, f"sandbox-{viewport}-keyboard")


def test_the_conditional_menu_is_offered_by_its_name(page):
    options = page.locator("#menu-select option").all_inner_texts()
    assert options == [menu.shown_name for menu in definition.load().menus]
    assert options[1] == "个性化菜单 · 已绑定企业"
    assert not any("bound" in option for option in options)


def test_follow_tap_every_menu_type_and_see_everything(page, services):
    openid = "o-sandbox-li"  # the first simulated follower
    # Follow through a scene.
    assert page.locator("#follow-banner").is_visible()
    page.fill("#follow-scene", "fair_canton_2026")
    page.click("#follow-scan-button")
    welcome = wait_for_new_reply(page, 0)
    assert "欢迎关注" in welcome
    assert page.locator("#follow-banner").is_hidden()

    # Open each top menu and tap a sub-button (the last one that sends a click).
    for top in definition.load().default.buttons:
        sub = [b for b in top.sub_buttons if b.type == "click"][-1]
        before = account_bubbles(page).count()
        page.click(f".top-button[data-name='{top.name}']")
        page.locator(f"#sub-menu .sub-button[data-name='{sub.name}']").click()
        reply = wait_for_new_reply(page, before)
        assert reply.strip() and "抱歉" not in reply, (top.name, sub.name, reply)
        assert page.locator("#sub-menu").is_hidden()
        if sub.key == "BRANCHES":
            assert "25 家营业机构" in reply

    # Type a message and see the reply.
    page.click("#toggle-input")
    before = account_bubbles(page).count()
    page.fill("#text-input", "网点 贵州")
    page.press("#text-input", "Enter")
    assert "湖南分公司" in wait_for_new_reply(page, before)

    # Customer-service and template messages appear as the account sends them, unasked.
    services.wechat.send_text(openid, "您的限额申请已受理（示例数据）")
    services.wechat.send_template(openid, "dev-fallback-template",
                                  {"keyword1": {"value": "保单续转提醒（示例数据）"}})
    page.wait_for_selector(".bubble.template")
    custom = page.locator(".bubble.custom").last.inner_text()
    assert "客服消息" in custom and "限额申请已受理" in custom
    assert "保单续转提醒" in page.locator(".bubble.template").last.inner_text()

    # Chinese renders with the served font, not as boxes; keep a screenshot.
    shoot(page, "sandbox-chat")
    assert accessibility_problems(page) == []
    fonts = page.evaluate(GLYPH_CHECK)
    assert fonts["status"] == "loaded" and fonts["check"], fonts
    assert fonts["ours_distinct"], "Chinese glyphs drawn as identical boxes"
    assert "Xinbao CJK" in fonts["body_font"]
    if system_has_cjk_font() is False:
        # The detector itself: without our font this machine draws boxes, and it says so.
        assert not fonts["fallback_distinct"]


def test_a_link_in_a_reply_is_a_link_and_other_markup_is_text(page, services, db):
    now = datetime.now(UTC)
    upsert_buyers(db, [clean_row({
        "source": "test", "source_id": "sandbox-link", "name": "Weitzel Neureuther GmbH",
        "country": "DE", "well_known": True, "disclosure": 100,
        "as_of": now.date().isoformat()}, "test", now)], now)
    db.commit()
    follow(page)
    page.click("#toggle-input")
    before = account_bubbles(page).count()
    page.fill("#text-input", "查询 Weitzel Neureuther")
    page.press("#text-input", "Enter")
    # The picture is the passive reply; the text with the link follows it.
    page.wait_for_function(
        "n => [...document.querySelectorAll('.row:not(.mine) .bubble')].slice(n)"
        ".some(b => b.innerText.includes('资信红绿灯'))", arg=before)
    kinds = page.locator(".row:not(.mine) .bubble").evaluate_all(
        "(boxes, n) => boxes.slice(n).map(b => b.dataset.kind)", before)
    assert kinds[0] == "image", kinds
    verdict = page.locator(".row:not(.mine) .bubble", has_text="资信红绿灯").last
    link = verdict.locator("a")
    assert link.inner_text() == "查看详情"
    assert "/lights/v/" in link.get_attribute("href")
    assert link.get_attribute("href").startswith("http")
    assert "<a" not in verdict.inner_text()
    assert link.evaluate(CONTRAST)["ratio"] >= READABLE

    hostile = ('<a href="javascript:window.__hit=1">点我</a> <b>粗体</b> '
               '<img src=x onerror="window.__hit=1">')
    services.wechat.send_text("o-sandbox-li", hostile)
    shown = page.locator(".bubble.custom", has_text="点我")
    shown.wait_for()
    assert hostile in shown.inner_text()
    assert shown.locator("a, b, img").count() == 0
    assert page.evaluate("window.__hit") is None
    shoot(page, "sandbox-links")


def test_an_idle_sandbox_makes_almost_no_requests_and_still_gets_messages(page, services):
    follow(page)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    time.sleep(4)  # idle: the one long poll stays open
    assert len(requests) <= 1, requests

    # Something the account sends reaches the idle page without waiting for a poll.
    services.wechat.send_text("o-sandbox-li", "限额审批完成（示例数据）")
    page.wait_for_selector(".bubble.custom:has-text('限额审批完成')", timeout=3000)
    assert len([url for url in requests if "/emulator/_records" in url]) <= 2, requests


def test_switch_followers_and_menus(page):
    page.click(".top-button[data-name='信保服务']")
    page.locator("#sub-menu .sub-button[data-name='小微信保易']").click()
    wait_for_new_reply(page, 0)
    page.select_option("#follower-select", "o-sandbox-wang")
    page.wait_for_function("document.querySelectorAll('#chat .bubble').length === 0")
    assert page.locator("#follow-banner").is_visible()
    page.click("#follow-button")
    assert "欢迎关注" in wait_for_new_reply(page, 0)
    page.select_option("#follower-select", "o-sandbox-li")
    page.wait_for_function(
        "[...document.querySelectorAll('.bubble')].some(b => b.innerText.includes('信保易'))")
    # The conditional menu for bound followers can be tried too.
    page.select_option("#menu-select", "1")
    assert page.locator(".top-button[data-name='我的保单']").is_visible()
    assert_readable(page, ".top-button")
    page.click("#add-follower")
    assert page.locator("#follower-select option").count() == 4
