"""Signed, short-lived links the bot sends so an H5 page knows the follower without OAuth.

A fallback for when OAuth is not available (a desktop WeChat, a test account); the link
carries the openid and the page to open, signed with the service secret, valid for minutes.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlencode

from core.tokens import Signer
from identity.errors import TokenInvalid, token_errors

LINK_SALT = "xinbao.h5-link"


def safe_next_path(path: str | None, default: str = "/h5/me") -> str:
    """Only a path on this site: no scheme, no host, no protocol-relative ``//host``."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return default
    return path


def sign_link(secret_key: str, public_url: str, openid: str, next_path: str, *,
              now: datetime, lifetime: timedelta) -> str:
    token = Signer(secret_key, LINK_SALT).sign(
        {"o": openid, "n": safe_next_path(next_path)}, now + lifetime
    )
    return f"{public_url.rstrip('/')}/h5/enter?{urlencode({'t': token})}"


def read_link(secret_key: str, token: str, now: datetime) -> tuple[str, str]:
    """(openid, next path) from a link token; raises TokenInvalid / TokenExpired."""
    with token_errors():
        payload = Signer(secret_key, LINK_SALT).read(token, now)
    openid = payload.get("o")
    if not isinstance(openid, str) or not openid:
        raise TokenInvalid()
    next_path = payload.get("n")
    return openid, safe_next_path(next_path if isinstance(next_path, str) else None)
