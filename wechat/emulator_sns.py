"""The emulator's sign-in endpoints (registered on ``wechat.emulator.bp``):

- ``POST /emulator/_control/wx_login`` {openid, unionid?} -> {code}: what ``wx.login()`` gives
  a mini-program on a phone; the code is single-use and lives five minutes, like WeChat's.
- ``GET /emulator/sns/jscode2session``: the mini-program's code -> openid, session_key, unionid.
- ``GET /emulator/connect/oauth2/authorize``: WeChat's OAuth2 page; the user is the one named by
  ``?openid=`` or the ``emulator_openid`` cookie (``POST /emulator/_control/wechat_user``), and
  the browser is redirected back with ``code`` and ``state``.
- ``GET /emulator/sns/oauth2/access_token``: an OAuth2 code -> openid.
- ``GET /emulator/cgi-bin/ticket/getticket``: the JS-SDK jsapi_ticket.
- ``GET /emulator/_stats/sns``: how many tickets and sessions were handed out.
"""

from __future__ import annotations

import json
import secrets
from urllib.parse import urlencode, urlsplit

from flask import Response, redirect, request

from core.redis_store import key
from core.services import current
from wechat.emulator import _body, _error, _ok, _redis, bp, record

CODE_SECONDS = 300
TICKET_SECONDS = 7200
USER_COOKIE = "emulator_openid"


def _new_code(kind: str, identity: dict[str, str]) -> str:
    code = "EMU" + kind.upper() + secrets.token_hex(12)
    _redis().set(key("emulator", kind, code), json.dumps(identity), ex=CODE_SECONDS)
    return code


def _take_code(kind: str, code: str) -> tuple[dict[str, str] | None, int]:
    """(identity, 0) for a fresh code; (None, errcode) for an unknown or used one."""
    redis = _redis()
    used_key = key("emulator", kind, "used", code)
    if redis.exists(used_key):
        return None, 40163
    raw = redis.getdel(key("emulator", kind, code)) if code else None
    if not raw:
        return None, 40029
    redis.set(used_key, "1", ex=CODE_SECONDS)
    return json.loads(raw), 0


def _miniprogram_credentials() -> tuple[str, str]:
    """The mini-program WeChat knows: the ``[identity]`` values the service signs in with."""
    section = current().settings.section("identity")
    return (str(section.get("miniprogram_app_id", "")),
            str(section.get("miniprogram_app_secret", "")))


@bp.post("/_control/wx_login")
def wx_login() -> Response:
    body = _body()
    openid = str(body.get("openid", ""))
    if not openid:
        return _error(40003, "invalid openid")
    identity = {"openid": openid, "unionid": str(body.get("unionid") or "")}
    return _ok(code=_new_code("jscode", identity))


@bp.post("/_control/wechat_user")
def wechat_user() -> Response:
    """Which WeChat user the emulated OAuth page signs in (a cookie, as WeChat knows its user)."""
    openid = str(_body().get("openid", ""))
    response = _ok(openid=openid)
    response.set_cookie(USER_COOKIE, openid, httponly=True, samesite="Lax")
    return response


@bp.get("/sns/jscode2session")
def jscode2session() -> Response:
    app_id, secret = _miniprogram_credentials()
    if request.args.get("appid") != app_id:
        return _error(40013, "invalid appid")
    if request.args.get("secret") != secret:
        return _error(40125, "invalid appsecret")
    identity, errcode = _take_code("jscode", request.args.get("js_code", ""))
    if identity is None:
        return _error(errcode, "code been used" if errcode == 40163 else "invalid code")
    _redis().incr(key("emulator", "sns", "sessions"))
    record("jscode2session", {"openid": identity["openid"]})
    answer = {"openid": identity["openid"], "session_key": secrets.token_urlsafe(18)}
    if identity.get("unionid"):
        answer["unionid"] = identity["unionid"]
    return Response(json.dumps(answer), mimetype="application/json")


@bp.get("/connect/oauth2/authorize")
def oauth_authorize() -> Response:
    args = request.args
    if args.get("appid") != current().settings.wechat.app_id:
        return _error(40013, "invalid appid")
    if args.get("response_type") != "code" or args.get("scope") not in ("snsapi_base",
                                                                         "snsapi_userinfo"):
        return _error(10003, "redirect_uri or scope invalid")
    target = urlsplit(args.get("redirect_uri", ""))
    if target.scheme not in ("http", "https") or not target.netloc:
        return _error(10003, "redirect_uri invalid")
    openid = args.get("openid") or request.cookies.get(USER_COOKIE, "")
    if not openid:
        return _error(40003, "emulator: name the WeChat user with ?openid= or _control/wechat_user")
    code = _new_code("oauth", {"openid": openid})
    separator = "&" if target.query else "?"
    query = urlencode({"code": code, "state": args.get("state", "")})
    return redirect(f"{args['redirect_uri']}{separator}{query}", code=302)


@bp.get("/sns/oauth2/access_token")
def oauth_access_token() -> Response:
    wechat = current().settings.wechat
    if request.args.get("appid") != wechat.app_id:
        return _error(40013, "invalid appid")
    if request.args.get("secret") != wechat.app_secret:
        return _error(40125, "invalid appsecret")
    identity, errcode = _take_code("oauth", request.args.get("code", ""))
    if identity is None:
        return _error(errcode, "code been used" if errcode == 40163 else "invalid code")
    record("oauth", {"openid": identity["openid"]})
    return Response(json.dumps({
        "access_token": "EMUOAUTH" + secrets.token_hex(16), "expires_in": 7200,
        "refresh_token": "EMUREFRESH" + secrets.token_hex(16), "openid": identity["openid"],
        "scope": "snsapi_base",
    }), mimetype="application/json")


@bp.get("/cgi-bin/ticket/getticket")
def get_ticket() -> Response:
    if request.args.get("type") != "jsapi":
        return _error(40097, "invalid args")
    _redis().incr(key("emulator", "sns", "tickets"))
    return _ok(ticket="EMUTICKET" + secrets.token_hex(20), expires_in=TICKET_SECONDS)


@bp.get("/_stats/sns")
def sns_stats() -> Response:
    redis = _redis()
    return _ok(tickets=int(redis.get(key("emulator", "sns", "tickets")) or 0),
               sessions=int(redis.get(key("emulator", "sns", "sessions")) or 0))
