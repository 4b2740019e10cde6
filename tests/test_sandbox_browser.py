"""The sandbox in headless Chromium: follow through a scene, open each top menu and tap a
sub-button, type a message, see replies and the messages the emulator captured; Chinese must
render as glyphs, not boxes (a screenshot is kept in test-artifacts/).

Skipped when /usr/bin/chromium is absent, unless XINBAO_REQUIRE_BROWSER=1 (CI), then it fails.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest

from menus import definition
from tests.browser import ARTIFACTS, TIMEOUT_MS, chromium_context

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


@pytest.fixture
def page(live_server):
    with chromium_context(viewport={"width": 900, "height": 860}) as context:
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

    # Customer-service and template messages the emulator captured appear after the reply.
    services.wechat.send_text(openid, "您的限额申请已受理（示例数据）")
    services.wechat.send_template(openid, "dev-fallback-template",
                                  {"keyword1": {"value": "保单续转提醒（示例数据）"}})
    page.fill("#text-input", "贷款")
    page.press("#text-input", "Enter")
    page.wait_for_selector(".bubble.template")
    custom = page.locator(".bubble.custom").last.inner_text()
    assert "客服消息" in custom and "限额申请已受理" in custom
    assert "保单续转提醒" in page.locator(".bubble.template").last.inner_text()
    texts = [t for t in account_bubbles(page).all_inner_texts()]
    loans = next(i for i, t in enumerate(texts) if "信保贷" in t and "客服消息" not in t)
    assert loans < len(texts) - 1, "captured messages come after the passive reply"

    # Chinese renders with the served font, not as boxes; keep a screenshot.
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "sandbox-chat.png"), full_page=True)
    fonts = page.evaluate(GLYPH_CHECK)
    assert fonts["status"] == "loaded" and fonts["check"], fonts
    assert fonts["ours_distinct"], "Chinese glyphs drawn as identical boxes"
    assert "Xinbao CJK" in fonts["body_font"]
    if system_has_cjk_font() is False:
        # The detector itself: without our font this machine draws boxes, and it says so.
        assert not fonts["fallback_distinct"]


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
    page.click("#add-follower")
    assert page.locator("#follower-select option").count() == 4
