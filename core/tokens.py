"""Signed payloads with an expiry checked against the service clock (itsdangerous).

A generic helper: identity signs its API tokens and page links with it, lights its verdict
page links. ``read`` raises ``InvalidToken`` or ``ExpiredToken`` (both ``TokenError``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer


class TokenError(Exception):
    """A signed token that cannot be used."""


class InvalidToken(TokenError):
    """Altered, signed with another key or salt, or not a payload with an expiry."""


class ExpiredToken(TokenError):
    """Well signed, but its expiry has passed."""


class Signer:
    """Signs a small dict with an ``exp`` (Unix seconds); ``read`` checks both.

    The expiry is part of the signed payload and compared with the caller's clock, so tests
    and the sandbox can move time without waiting.
    """

    def __init__(self, secret_key: str, salt: str) -> None:
        self._serializer = URLSafeSerializer(secret_key, salt=salt)

    def sign(self, payload: dict[str, Any], expires_at: datetime) -> str:
        return str(self._serializer.dumps({**payload, "exp": int(expires_at.timestamp())}))

    def read(self, token: str, now: datetime) -> dict[str, Any]:
        try:
            payload = self._serializer.loads(token)
        except BadSignature:
            raise InvalidToken() from None
        if not isinstance(payload, dict) or not isinstance(payload.get("exp"), int):
            raise InvalidToken()
        if datetime.fromtimestamp(payload["exp"], UTC) <= now:
            raise ExpiredToken()
        return payload
