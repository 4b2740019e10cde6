"""Security headers, per area, added to every response by one ``after_request``.

| area | paths | headers |
| --- | --- | --- |
| staff pages | ``/staff`` | strict CSP (``default-src 'self'``, scripts and styles only from this
  site or with the response's nonce, ``frame-ancestors 'none'``, ``form-action 'self'``),
  ``X-Frame-Options: DENY``, ``Referrer-Policy: same-origin``, ``Cross-Origin-Opener-Policy:
  same-origin``, a ``Permissions-Policy`` that turns camera, microphone and location off,
  ``Cache-Control: no-store`` |
| H5 pages | ``/h5``, ``/lights`` | the same CSP, plus WeChat's JS-SDK script origins and
  its image CDNs (avatars, article pictures); ``X-Frame-Options: DENY`` (WeChat's in-app
  browser opens pages top-level), ``Referrer-Policy: no-referrer`` (page links carry signed
  tokens, and WeChat's image CDN refuses foreign referrers), ``Cache-Control: no-store`` |
| JSON API | ``/api/`` | ``default-src 'none'; frame-ancestors 'none'``, ``X-Frame-Options:
  DENY``, ``Referrer-Policy: no-referrer``, ``Cache-Control: no-store`` (answers hold
  personal data and tokens) unless the view set its own |
| everything | | ``X-Content-Type-Options: nosniff``; in production with an https public URL
  ``Strict-Transport-Security: max-age=31536000`` (no ``includeSubDomains``: other hosts of
  the domain are not ours to decide) |

The sandbox, the WeChat emulator and the webhook get only the last row: they are
development tools or answer WeChat's servers, not browsers.

Inline ``<style>`` and ``<script>`` blocks in page templates carry
``nonce="{{ csp_nonce() }}"``; inline event handlers (``onclick=``) and ``style=`` attributes
are refused by the browser, so templates use classes and script files instead.

Why no library: flask-talisman (last release 2023) sets one policy per app or per view,
and ``secure`` would add a dependency for a few header strings; the per-area policies and
the nonce are a few lines here, tested in tests/test_security_headers.py.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from flask import Flask, Response, g, request

from core.config import Settings

WECHAT_JSSDK_ORIGINS = ("https://res.wx.qq.com", "https://res2.wx.qq.com")
WECHAT_IMAGE_ORIGINS = ("https://mmbiz.qpic.cn", "https://wx.qlogo.cn",
                        "https://thirdwx.qlogo.cn")
HSTS = "max-age=31536000"
STAFF_PREFIXES = ("/staff",)
H5_PREFIXES = ("/h5", "/lights")
API_PREFIXES = ("/api",)


def csp_nonce() -> str:
    """This response's nonce for inline ``<style>``/``<script>`` (a template global)."""
    if "xinbao_csp_nonce" not in g:
        g.xinbao_csp_nonce = secrets.token_urlsafe(18)
    return str(g.xinbao_csp_nonce)


def page_policy(nonce: str, *, scripts: Iterable[str] = (), images: Iterable[str] = ()
                ) -> str:
    own = f"'self' 'nonce-{nonce}'"
    return "; ".join([
        "default-src 'self'",
        " ".join([f"script-src {own}", *scripts]),
        f"style-src {own}",
        " ".join(["img-src 'self' data:", *images]),
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def area(path: str) -> str | None:
    for name, prefixes in (("staff", STAFF_PREFIXES), ("h5", H5_PREFIXES),
                           ("api", API_PREFIXES)):
        if any(path == prefix or path.startswith(prefix + "/") for prefix in prefixes):
            return name
    return None


def init_app(app: Flask, settings: Settings) -> None:
    hsts = not settings.is_development and settings.public_url.startswith("https://")
    app.add_template_global(csp_nonce)

    @app.after_request
    def security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        if hsts:
            headers.setdefault("Strict-Transport-Security", HSTS)
        where = area(request.path)
        if where is None:
            return response
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Cache-Control", "no-store")
        if where == "api":
            headers.setdefault("Content-Security-Policy",
                               "default-src 'none'; frame-ancestors 'none'")
            headers.setdefault("Referrer-Policy", "no-referrer")
        elif where == "staff":
            headers.setdefault("Content-Security-Policy", page_policy(csp_nonce()))
            headers.setdefault("Referrer-Policy", "same-origin")
            headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
            headers.setdefault("Permissions-Policy",
                               "camera=(), microphone=(), geolocation=()")
        else:
            headers.setdefault("Content-Security-Policy", page_policy(
                csp_nonce(), scripts=WECHAT_JSSDK_ORIGINS, images=WECHAT_IMAGE_ORIGINS))
            headers.setdefault("Referrer-Policy", "no-referrer")
        return response
