"""Security headers per area (web.security) and the cookies, in production settings: staff
pages, H5 pages, the JSON API; and that development keeps the sandbox and plain HTTP working.
"""

from __future__ import annotations

import re
import secrets
from datetime import timedelta
from pathlib import Path

from core.services import EXTENSION_KEY
from identity.links import sign_link
from tests.conftest import make_app

from helpers import TEST_PASSWORD, make_staff

PUBLIC_URL = "https://xinbao.example"
TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "pages"


def production_app(base_config):
    """A complete production configuration (embedded Redis, the test database)."""
    return make_app(base_config, env="production", secret_key=secrets.token_hex(24),
                    server={"public_url": PUBLIC_URL, "single_process": True},
                    redis={"url": ""},
                    wechat={"token": "prod-token", "app_id": "wxprod000000000001",
                            "app_secret": "prod-app-secret"},
                    identity={"miniprogram_app_id": "wxprodmini00000001",
                              "miniprogram_app_secret": "prod-mini-secret"},
                    policies={"sms": {"provider": "http", "url": "https://sms.internal/send",
                                      "token": "prod-sms-token"}})


def https_client(app):
    client = app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"
    return client


def directives(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {part.split(" ", 1)[0]: part.partition(" ")[2]
            for part in (item.strip() for item in policy.split(";"))}


def nonce_of(response) -> str:
    return re.search(r"'nonce-([^']+)'", directives(response)["style-src"]).group(1)


def set_cookies(response) -> dict[str, str]:
    return {line.split("=", 1)[0]: line for line in response.headers.getlist("Set-Cookie")}


def assert_page_headers(response) -> None:
    headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Strict-Transport-Security"] == "max-age=31536000"
    assert headers["Cache-Control"] == "no-store"
    policy = directives(response)
    assert policy["default-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'none'" and policy["form-action"] == "'self'"
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert "unsafe-eval" not in headers["Content-Security-Policy"]
    # Every inline style or script of the page carries this response's nonce.
    html = response.get_data(as_text=True)
    nonce = nonce_of(response)
    for tag in re.findall(r"<(?:style|script)\b[^>]*>", html):
        assert "src=" in tag or f'nonce="{nonce}"' in tag, tag


def test_staff_pages_in_production(base_config):
    app = production_app(base_config)
    with app.app_context():
        make_staff(app.extensions[EXTENSION_KEY], "prod.admin", ["admin"])
    client = https_client(app)
    login = client.get("/staff/login")
    assert login.status_code == 200
    assert_page_headers(login)
    assert login.headers["Referrer-Policy"] == "same-origin"
    assert login.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in login.headers["Permissions-Policy"]
    assert directives(login)["script-src"].startswith("'self' 'nonce-")
    session_cookie = set_cookies(login)["__Host-xinbao_session"]
    for attribute in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/"):
        assert attribute in session_cookie
    assert "Domain" not in session_cookie
    # A new nonce for every response.
    assert nonce_of(client.get("/staff/login")) != nonce_of(login)

    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login.text).group(1)
    signed_in = client.post("/staff/login", data={"csrf_token": csrf, "username": "prod.admin",
                                                  "password": TEST_PASSWORD})
    assert signed_in.status_code == 302
    device = set_cookies(signed_in)["__Host-xinbao_staff_device"]
    for attribute in ("Secure", "HttpOnly", "SameSite=Strict", "Path=/"):
        assert attribute in device
    for path in ("/staff/", "/staff/accounts", "/staff/audit"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert_page_headers(page)


def test_h5_pages_in_production(base_config):
    app = production_app(base_config)
    services = app.extensions[EXTENSION_KEY]
    with app.app_context():
        link = sign_link(services.settings.secret_key, PUBLIC_URL, "o-prod-reader", "/h5/me",
                         now=services.clock(), lifetime=timedelta(minutes=10))
    client = https_client(app)
    page = client.get(link.removeprefix(PUBLIC_URL), follow_redirects=True)
    assert page.status_code == 200 and "已识别您的微信身份" in page.text
    assert_page_headers(page)
    assert page.headers["Referrer-Policy"] == "no-referrer"
    policy = directives(page)
    assert "https://res.wx.qq.com" in policy["script-src"]
    assert "https://res2.wx.qq.com" in policy["script-src"]
    assert "https://mmbiz.qpic.cn" in policy["img-src"]
    failed = client.get("/h5/enter?t=forged")
    assert failed.status_code == 400
    assert_page_headers(failed)
    gone = client.get("/lights/v/not-a-signed-token")
    assert gone.status_code == 404 and gone.headers["Referrer-Policy"] == "no-referrer"
    assert "res.wx.qq.com" in gone.headers["Content-Security-Policy"]


def test_the_api_in_production(base_config):
    client = https_client(production_app(base_config))
    for answer in (client.get("/api/v1/staff/me"), client.get("/api/v1/openapi.json"),
                   client.post("/api/v1/staff/tokens",
                               json={"username": "nobody", "password": "wrong-password"})):
        headers = answer.headers
        assert answer.mimetype == "application/json"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Cache-Control"] == "no-store"
        assert headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "no-referrer"
        assert headers["Strict-Transport-Security"] == "max-age=31536000"


def test_development_keeps_plain_http_and_the_sandbox(client):
    login = client.get("/staff/login")
    assert "Strict-Transport-Security" not in login.headers
    cookie = set_cookies(login)["session"]
    assert "Secure" not in cookie and "HttpOnly" in cookie
    assert directives(login)["frame-ancestors"] == "'none'"  # the policy is tried here too
    sandbox = client.get("/sandbox/")
    assert sandbox.status_code == 200
    assert "Content-Security-Policy" not in sandbox.headers
    assert sandbox.headers["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" not in client.get("/healthz").headers


def test_page_templates_have_no_inline_code_without_a_nonce():
    """What the CSP would refuse: inline handlers, style attributes, un-nonced blocks."""
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert not re.search(r"\son[a-z]+\s*=", text), template
        assert not re.search(r"\sstyle\s*=", text), template
        assert "javascript:" not in text, template
        for tag in re.findall(r"<(?:style|script)\b[^>]*>", text):
            data_block = 'type="application/json"' in tag
            assert "src=" in tag or data_block or 'nonce="{{ csp_nonce() }}"' in tag, (
                template, tag)
