"""Per-token rate limits in Redis: a fixed one-minute window per bearer token (or per client
address for calls without one), shared by every worker process; and the staff password
sign-in, throttled per account and address (the scheme is ``identity.throttle``'s docstring).

A fixed window is enough here (the limit protects the service, it is not billing); the
counter is one INCR + EXPIRE on the app's own Redis, so no extra connection or library.

The client address is ``request.remote_addr``: behind a reverse proxy set ``[identity]
trusted_proxies`` to the number of proxies (``web.init_app`` then applies Werkzeug's
ProxyFix); X-Forwarded-For is never believed otherwise.
"""

from __future__ import annotations

import hashlib
import logging

from flask import Response, after_this_request, current_app, g, request

from api.auth import bearer_token
from api.errors import RateLimited
from api.settings import api_settings, identity_settings
from core.redis_store import UNAVAILABLE, key
from core.services import current
from identity import staff as staff_accounts
from identity.errors import InvalidCredentials, SignInThrottled
from identity.models import StaffAccount
from identity.throttle import (
    Attempt,
    Decision,
    Refusal,
    SignInThrottle,
    audit_decisions,
    known_device,
    remember_device,
)

log = logging.getLogger(__name__)

WINDOW_SECONDS = 60


def _bucket() -> tuple[str, int]:
    settings = api_settings()
    token = bearer_token()
    if token:
        # The token itself is a secret: key on a digest of it.
        digest = hashlib.sha256(token.encode()).hexdigest()[:32]
        return "t:" + digest, settings.rate_limit_per_minute
    return "a:" + (request.remote_addr or "unknown"), settings.anonymous_rate_limit_per_minute


def enforce_rate_limit() -> None:
    """before_request of every API blueprint."""
    bucket, limit = _bucket()
    now = int(current().clock().timestamp())
    window = now // WINDOW_SECONDS
    counter = key("ratelimit", bucket, window)
    pipe = current().redis.text.pipeline()
    pipe.incr(counter)
    pipe.expire(counter, WINDOW_SECONDS * 2)
    try:
        count = int(pipe.execute()[0])
    except UNAVAILABLE:  # a limit that protects the service must not take it down with Redis
        log.warning("rate limit not counted: Redis unavailable")
        return
    reset = (window + 1) * WINDOW_SECONDS - now
    g.xinbao_rate_limit = (limit, max(limit - count, 0), reset)
    if count > limit:
        raise RateLimited(details={"limit": limit, "retry_after": reset},
                          headers={"Retry-After": str(reset)})


def add_rate_limit_headers(response: Response) -> Response:
    state = g.get("xinbao_rate_limit")
    if state:
        limit, remaining, reset = state
        response.headers["X-RateLimit-Limit"] = str(limit)
        response.headers["X-RateLimit-Remaining"] = str(remaining)
        response.headers["X-RateLimit-Reset"] = str(reset)
    return response


# --- password guessing: the Flask side of identity.throttle --------------------------------

DEVICE_COOKIE = "xinbao_staff_device"


def staff_sign_in(username: str, password: str) -> StaffAccount:
    """The account for a username and password, throttled (see ``identity.throttle``); for the
    staff pages and the API's staff tokens.

    Raises ``SignInThrottled`` (the password was not checked, or this failure locked the
    client out) or the ``IdentityError`` of ``identity.staff.authenticate``. Throttle
    decisions are written to the audit log and committed here; on success the caller
    commits the sign-in, and the response remembers this browser as a known device.
    """
    services = current()
    session = services.db.session
    now = services.clock()
    limits = identity_settings().sign_in
    secret = services.settings.secret_key
    cookie = request.cookies.get(_device_cookie_name())
    attempt = Attempt(username=username, address=request.remote_addr or "unknown",
                      device=known_device(secret, cookie, username, now))
    throttle = SignInThrottle(services.redis.text, limits, secret)
    outcome = throttle.check(attempt)
    if outcome.refusal is None:
        try:
            account = staff_accounts.authenticate(session, username, password, now=now)
        except InvalidCredentials:
            session.rollback()
            outcome = throttle.failed(attempt)
            _audit(outcome.decisions)
            if outcome.refusal is not None:
                raise _throttled(outcome.refusal) from None
            raise
        throttle.succeeded(attempt)
        remembered = remember_device(secret, cookie, account.username, now, limits.device_days)
        after_this_request(lambda response: _set_device_cookie(response, remembered,
                                                               limits.device_days))
        return account
    _audit(outcome.decisions)
    raise _throttled(outcome.refusal)


def _throttled(refusal: Refusal) -> SignInThrottled:
    return SignInThrottled(refusal.scope, refusal.retry_after, slow_mode=refusal.slow_mode)


def _audit(decisions: list[Decision]) -> None:
    if decisions:
        services = current()
        audit_decisions(services.db.session, decisions, now=services.clock())
        services.db.session.commit()


def _device_cookie_name() -> str:
    # Over HTTPS the __Host- prefix makes browsers refuse the cookie from a sibling domain.
    secure = current_app.config.get("SESSION_COOKIE_SECURE", False)
    return "__Host-" + DEVICE_COOKIE if secure else DEVICE_COOKIE


def _set_device_cookie(response: Response, value: str, days: int) -> Response:
    response.set_cookie(_device_cookie_name(), value, max_age=days * 86400, path="/",
                        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
                        httponly=True, samesite="Strict")
    return response
