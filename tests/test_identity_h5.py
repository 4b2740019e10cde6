"""H5 sign-in inside WeChat: OAuth2 snsapi_base through the emulator, the bot's signed links,
and the JS-SDK config signature with its ticket cached in Redis."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import requests

from core.config import load_settings
from identity.links import sign_link
from identity.settings import IdentitySettings


def browser(live_server: str, openid: str | None) -> requests.Session:
    """A phone's WeChat browser: the emulator's OAuth page knows its user by a cookie."""
    session = requests.Session()
    if openid:
        session.post(f"{live_server}/emulator/_control/wechat_user", json={"openid": openid},
                     timeout=5)
    return session


def test_a_page_opened_from_a_chat_card_signs_in_through_oauth(live_server, services):
    phone = browser(live_server, "o-h5-reader")
    page = phone.get(f"{live_server}/h5/me", timeout=10)
    assert page.status_code == 200, page.text
    assert "已识别您的微信身份" in page.text
    hops = [urlsplit(r.headers["Location"]) for r in page.history]
    authorize = next(h for h in hops if h.path == "/emulator/connect/oauth2/authorize")
    query = parse_qs(authorize.query)
    assert query["scope"] == ["snsapi_base"]
    assert query["appid"] == [services.settings.wechat.app_id]
    assert query["redirect_uri"] == [f"{live_server}/h5/oauth/callback"]
    # Browsers keep WeChat's "#wechat_redirect" fragment across the redirects back.
    assert page.url.split("#")[0] == f"{live_server}/h5/me"
    signed_in = [r for r in requests.get(f"{live_server}/emulator/_records",
                                         params={"kind": "oauth"}, timeout=5).json()]
    assert [r["openid"] for r in signed_in] == ["o-h5-reader"]


def test_a_forged_state_or_a_used_code_does_not_sign_in(live_server):
    phone = browser(live_server, "o-h5-forged")
    start = phone.get(f"{live_server}/h5/signin", allow_redirects=False, timeout=5)
    to_wechat = phone.get(start.headers["Location"], allow_redirects=False, timeout=5)
    callback = to_wechat.headers["Location"]
    forged = phone.get(callback.replace("state=", "state=x"), timeout=5)
    assert forged.status_code == 400 and "登录请求已失效" in forged.text
    assert phone.get(f"{live_server}/h5/me", allow_redirects=False, timeout=5).status_code == 302
    # A fresh start with a code that WeChat does not know.
    start = phone.get(f"{live_server}/h5/signin", allow_redirects=False, timeout=5)
    state = parse_qs(urlsplit(start.headers["Location"]).query)["state"][0]
    bad = phone.get(f"{live_server}/h5/oauth/callback",
                    params={"code": "EMU-unknown", "state": state}, timeout=5)
    assert bad.status_code == 400 and "授权码无效" in bad.text


def test_the_next_page_must_be_on_this_site(live_server):
    phone = browser(live_server, "o-h5-next")
    page = phone.get(f"{live_server}/h5/signin", params={"next": "//evil.example/x"}, timeout=10)
    assert page.url.split("#")[0] == f"{live_server}/h5/me"


def test_a_signed_link_from_the_bot_opens_the_page_as_its_follower(live_server, services):
    link = sign_link(services.settings.secret_key, live_server, "o-h5-link", "/h5/me",
                     now=services.clock(), lifetime=timedelta(minutes=10))
    page = requests.get(link, timeout=5)
    assert page.status_code == 200 and "已识别您的微信身份" in page.text
    until = (services.clock() + timedelta(hours=2)).astimezone(ZoneInfo("Asia/Shanghai"))
    shown = {f"有效期至 {moment:%Y-%m-%d %H:%M}（北京时间）"
             for moment in (until, until - timedelta(minutes=1))}  # the page rendered earlier
    assert any(text in page.text for text in shown)


def test_an_expired_or_altered_link_is_refused(live_server, services):
    past = services.clock() - timedelta(minutes=11)
    old = sign_link(services.settings.secret_key, live_server, "o-h5-old", "/h5/me", now=past,
                    lifetime=timedelta(minutes=10))
    expired = requests.get(old, timeout=5)
    assert expired.status_code == 410 and "链接已过期" in expired.text
    good = sign_link(services.settings.secret_key, live_server, "o-h5-alt", "/h5/me",
                     now=services.clock(), lifetime=timedelta(minutes=10))
    altered = requests.get(good[:-3] + "abc", timeout=5)
    assert altered.status_code == 400 and "链接无效" in altered.text


def test_jssdk_config_is_signed_with_a_ticket_fetched_once(live_server, services):
    page_url = f"{live_server}/h5/me?from=card"
    answers = [requests.get(f"{live_server}/api/v1/jssdk/config", params={"url": page_url},
                            timeout=5) for _ in range(3)]
    assert all(a.status_code == 200 for a in answers), answers[0].text
    stats = requests.get(f"{live_server}/emulator/_stats/sns", timeout=5).json()
    assert stats["tickets"] == 1  # cached in Redis, shared by every worker
    config = answers[0].json()
    ticket = services.redis.text.get(f"xinbao:secret:jsapi_ticket:{config['appId']}")
    plain = (f"jsapi_ticket={ticket}&noncestr={config['nonceStr']}"
             f"&timestamp={config['timestamp']}&url={page_url}")
    assert config["signature"] == hashlib.sha1(plain.encode()).hexdigest()


def test_jssdk_config_only_for_pages_of_this_site(live_server):
    answer = requests.get(f"{live_server}/api/v1/jssdk/config",
                          params={"url": "https://evil.example/page"}, timeout=5)
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "foreign_page"


def test_production_sends_the_browser_to_wechat_itself():
    environ = {"XINBAO_ENV": "production", "WECHAT_TOKEN": "t", "WECHAT_APP_SECRET": "s",
               "SECRET_KEY": "q7Vd2xLp9Kc4RtZw8Hn3Ys6Bf1Mg5Ja0Ue-Xo_Ti",
               "MINIPROGRAM_APP_ID": "wxmini", "MINIPROGRAM_APP_SECRET": "m",
               "WECHAT_APP_ID": "wx1", "DATABASE_URL": "postgresql://db/x",
               "REDIS_URL": "redis://cache:6379/0", "SMS_PROVIDER": "http",
               "SMS_GATEWAY_URL": "https://sms.internal/send", "SMS_GATEWAY_TOKEN": "t"}
    core = load_settings(environ=environ)
    settings = IdentitySettings.from_section(core.section("identity"), public_url=core.public_url,
                                             development=core.is_development)
    assert settings.oauth_authorize_base_url == "https://open.weixin.qq.com/connect/"
    assert settings.miniprogram_app_id == "wxmini"


def test_an_expired_link_signs_in_again_and_goes_on_to_its_page(live_server, services):
    """A link the bot sent names its page beside the token (``Ctx.page_url``): once expired,
    the sign-in it offers leads back to that page, not to /h5/me."""
    past = services.clock() - timedelta(minutes=11)
    old = sign_link(services.settings.secret_key, live_server, "o-h5-card", "/h5/me?from=card",
                    now=past, lifetime=timedelta(minutes=10))
    expired = requests.get(f"{old}&next=%2Fh5%2Fme%3Ffrom%3Dcard", timeout=5)
    assert expired.status_code == 410
    assert 'href="/h5/signin?next=/h5/me?from%3Dcard"' in expired.text
    foreign = requests.get(f"{old}&next=//evil.example/x", timeout=5)
    assert 'href="/h5/signin?next=/h5/me"' in foreign.text  # only a path of this site
