"""Pages: H5 pages opened inside WeChat (``/h5``) and the staff console (``/staff``).

H5 sign-in: OAuth2 ``snsapi_base`` through WeChat (the emulator in development), or a signed
short-lived link the bot sends (``signed_page_url``). Staff sign-in: username and password,
a session cookie, CSRF protection on every form (Flask-WTF).

For other packages' pages:
- an H5 page for followers: ``@follower_page`` from ``web.h5`` (redirects to sign-in), then
  ``current_follower()`` is an ``identity.Principal``;
- a staff page: ``@staff_page("<permission>")`` from ``web.staff``, then ``current_staff()``;
  POST forms there carry ``{{ csrf_token() }}`` in a hidden ``csrf_token`` field;
- the bot sends a page link with ``signed_page_url(openid, "/h5/...")`` from ``web.h5``;
- a staff list (search, filters, sorting, pages, detail, Excel export): ``web.console.lists.
  ListPage`` (docs/adding-a-service.md, "A staff list page in 15 lines").
All pages extend ``templates/pages/base.html``; an inline ``<style>`` or ``<script>`` carries
``nonce="{{ csp_nonce() }}"`` (the pages' Content-Security-Policy, ``web.security``).

Cookies: the session cookie is HttpOnly and SameSite=Lax everywhere, and Secure (named
``__Host-xinbao_session``) in production or whenever the public URL is https. Behind reverse
proxies, ``[identity] trusted_proxies`` says how many, and Werkzeug's ProxyFix then takes the
client address and scheme from their X-Forwarded-For / X-Forwarded-Proto; by default those
headers are ignored, so a client cannot choose the address the sign-in throttle counts.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Flask, current_app, url_for
from flask_wtf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from api.blueprint import IdConverter
from api.settings import IDENTITY_KEY
from core.config import Settings
from core.features import features, load
from core.workdays import in_beijing
from identity.settings import IdentitySettings
from web import security

csrf = CSRFProtect()


def init_app(app: Flask, settings: Settings) -> None:
    identity = app.extensions.setdefault(IDENTITY_KEY, IdentitySettings.from_section(
        settings.section("identity"), public_url=settings.public_url,
        development=settings.is_development,
    ))
    secure = not settings.is_development or settings.public_url.startswith("https://")
    app.config.update(
        # CSRF is checked by the page blueprints that have forms, not app-wide: the webhook,
        # the JSON API (bearer tokens) and the emulator take POSTs without a browser session.
        WTF_CSRF_CHECK_DEFAULT=False,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure,
        PERMANENT_SESSION_LIFETIME=max(identity.staff_page_lifetime,
                                       identity.h5_session_lifetime, timedelta(minutes=5)),
    )
    if secure:  # only over HTTPS, for this host alone: no sibling domain can set it
        app.config["SESSION_COOKIE_NAME"] = "__Host-xinbao_session"
    if identity.trusted_proxies:
        hops = identity.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    app.url_map.converters.setdefault("id", IdConverter)
    csrf.init_app(app)
    security.init_app(app, settings)
    for feature in features():
        for blueprint in feature.pages:
            app.register_blueprint(load(blueprint))
    app.context_processor(_cjk_font if settings.is_development else lambda: {})
    app.add_template_filter(beijing_time)


def beijing_time(moment: datetime | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """A stored (UTC) time as the reader's clock shows it."""
    if moment is None:
        return ""
    return in_beijing(moment).strftime(pattern)


def _cjk_font() -> dict[str, str | None]:
    """The sandbox serves the packaged Chinese font in development; pages use it when there."""
    if "sandbox.font" not in current_app.view_functions:
        return {"cjk_font_url": None}
    return {"cjk_font_url": url_for("sandbox.font")}
