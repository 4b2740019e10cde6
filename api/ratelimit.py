"""Per-token rate limits in Redis: a fixed one-minute window per bearer token (or per client
address for calls without one), shared by every worker process.

A fixed window is enough here (the limit protects the service, it is not billing); the
counter is one INCR + EXPIRE on the app's own Redis, so no extra connection or library.
"""

from __future__ import annotations

import hashlib
import logging

from flask import Response, g, request

from api.auth import bearer_token
from api.errors import RateLimited
from api.settings import api_settings
from core.redis_store import UNAVAILABLE, key
from core.services import current

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


# --- password guessing ---------------------------------------------------------------------

SIGN_IN_FAILURES_ALLOWED = 5
SIGN_IN_LOCK_SECONDS = 15 * 60
SIGN_IN_LOCK_MINUTES = SIGN_IN_LOCK_SECONDS // 60


def _failures_key(username: str) -> str:
    return key("signin_failures", hashlib.sha256(username.strip().lower().encode()).hexdigest())


def sign_in_locked(username: str) -> bool:
    """Too many wrong passwords for this username lately (staff pages and staff tokens)."""
    count = current().redis.text.get(_failures_key(username))
    return int(count or 0) >= SIGN_IN_FAILURES_ALLOWED


def record_sign_in_failure(username: str) -> None:
    pipe = current().redis.text.pipeline()
    pipe.incr(_failures_key(username))
    pipe.expire(_failures_key(username), SIGN_IN_LOCK_SECONDS)
    pipe.execute()


def clear_sign_in_failures(username: str) -> None:
    current().redis.text.delete(_failures_key(username))
