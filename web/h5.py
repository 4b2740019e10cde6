"""H5 pages inside WeChat: who is the follower? OAuth2 ``snsapi_base`` or a signed link.

The follower is kept in the session cookie (``h5`` key) with an expiry checked against the
service clock. ``/h5/me`` is the first page: it shows who the page thinks you are.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlencode

from flask import Blueprint, g, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from api.settings import identity_settings
from core.services import current
from followers.models import Follower
from followers.subscriptions import get_or_create_follower
from identity import IdentityError, Principal, TokenExpired
from identity.links import read_link, safe_next_path, sign_link
from wechat.sns import SnsError, oauth_authorize_url, oauth_openid

bp = Blueprint("h5", __name__, url_prefix="/h5")

F = TypeVar("F", bound=Callable[..., Any])
SESSION_KEY = "h5"
STATE_KEY = "h5_oauth"


def signed_page_url(openid: str, next_path: str) -> str:
    """A link for the bot to send: opens ``next_path`` as this follower, for a few minutes."""
    services = current()
    return sign_link(services.settings.secret_key, services.settings.public_url, openid,
                     next_path, now=services.clock(),
                     lifetime=identity_settings().h5_link_lifetime)


def current_follower() -> Principal | None:
    if "xinbao_h5_follower" in g:
        return g.xinbao_h5_follower
    g.xinbao_h5_follower = _follower_from_cookie()
    return g.xinbao_h5_follower


def _follower_from_cookie() -> Principal | None:
    stored = session.get(SESSION_KEY)
    if not isinstance(stored, dict):
        return None
    if int(stored.get("exp", 0)) <= current().clock().timestamp():
        session.pop(SESSION_KEY, None)
        return None
    follower = current().db.session.get(Follower, int(stored.get("follower_id", 0)))
    if follower is None:
        return None
    return Principal(kind="follower", follower_id=follower.id, openid=follower.openid,
                     unionid=follower.unionid)


def follower_page(view: F) -> F:
    """An H5 page for a signed-in follower; others are sent through sign-in and back."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_follower() is None:
            return redirect(url_for("h5.signin", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _sign_in(openid: str) -> None:
    services = current()
    now = services.clock()
    follower = get_or_create_follower(services.db.session, openid, None, now)
    services.db.session.commit()
    session.pop(SESSION_KEY, None)
    session[SESSION_KEY] = {
        "follower_id": follower.id,
        "exp": int((now + identity_settings().h5_session_lifetime).timestamp()),
    }
    session.permanent = True


def _failed(reason: str, status: int, next_path: str = "/h5/me") -> tuple[str, int]:
    """The failure page; ``reason`` is a code, the sentence lives in the template."""
    return render_template("pages/h5_signin_failed.html", reason=reason,
                           retry_url=url_for("h5.signin", next=next_path)), status


@bp.get("/signin")
def signin() -> Response:
    """Start OAuth2: remember where to go back to, send the browser to WeChat."""
    services = current()
    state = secrets.token_urlsafe(16)
    session[STATE_KEY] = {"state": state, "next": safe_next_path(request.args.get("next"))}
    callback = services.settings.public_url + url_for("h5.oauth_callback")
    return redirect(oauth_authorize_url(services.settings.wechat, identity_settings(),
                                        callback, state))


@bp.get("/oauth/callback")
def oauth_callback() -> Response | tuple[str, int]:
    expected = session.pop(STATE_KEY, None)
    code = request.args.get("code", "")
    if not isinstance(expected, dict) or not secrets.compare_digest(
        str(expected.get("state", "")), request.args.get("state", "")
    ):
        return _failed("stale_request", 400)
    next_path = safe_next_path(expected.get("next"))
    if not code:  # the user declined, or WeChat sent no code
        return _failed("no_consent", 400, next_path)
    services = current()
    try:
        openid = oauth_openid(services.settings.wechat, identity_settings(), code)
    except SnsError as error:
        status = 400 if error.is_bad_code else 502
        return _failed("bad_code" if status == 400 else "wechat_down", status, next_path)
    _sign_in(openid)
    return redirect(next_path)


@bp.get("/enter")
def enter() -> Response | tuple[str, int]:
    """A signed link from the bot: sign in as its follower and open its page."""
    # Beside the token a link may name its page in clear (``next``): after a failure the
    # follower signs in through WeChat and still reaches it.
    retry_to = safe_next_path(request.args.get("next"))
    try:
        openid, next_path = read_link(current().settings.secret_key, request.args.get("t", ""),
                                      current().clock())
    except TokenExpired:
        return _failed("link_expired", 410, retry_to)
    except IdentityError:
        return _failed("link_invalid", 400, retry_to)
    _sign_in(openid)
    return redirect(next_path)


@bp.get("/me")
@follower_page
def me() -> str:
    principal = current_follower()
    assert principal is not None  # follower_page guarantees it
    follower = current().db.session.get(Follower, principal.follower_id)
    page_url = current().settings.public_url + request.full_path.rstrip("?")
    signed_until = datetime.fromtimestamp(int(session[SESSION_KEY]["exp"]), UTC)
    return render_template("pages/h5_me.html", follower=follower, signed_until=signed_until,
                           jssdk_url="/api/v1/jssdk/config?" + urlencode({"url": page_url}))

