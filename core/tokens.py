"""Signed payloads with an expiry checked against the service clock (itsdangerous).

A generic helper: identity signs its API tokens and page links with it, lights its verdict
page links. ``read`` returns the payload or raises ``InvalidToken`` or ``ExpiredToken`` (both
``TokenError``), never anything else, whatever it is given: a reader can map one exception.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from itsdangerous import BadData, URLSafeSerializer

# Ours are about 100 characters; anything much longer is refused before it is decoded.
MAX_TOKEN_CHARS = 2048
# The last second a datetime can hold (9999-12-31 23:59:59 UTC): a larger ``exp`` is no time.
MAX_EXP = int(datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC).timestamp())


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

    def read(self, token: object, now: datetime) -> dict[str, Any]:
        """The payload of a token this signer made, unexpired at ``now``.

        Anything else raises ``InvalidToken``: not a string, empty, longer than
        ``MAX_TOKEN_CHARS``, not ASCII, a wrong signature, a signed part that is not
        base64 JSON, a payload that is not an object, an ``exp`` that is not a whole number
        of seconds from 1970 to 9999 (a float, a string, a bool, a list, 1e30, negative,
        missing). An expired one raises ``ExpiredToken``.
        """
        if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_CHARS \
                or not token.isascii():
            raise InvalidToken()
        try:
            payload = self._serializer.loads(token)
        except BadData:  # the signature, or a signed payload that does not decode
            raise InvalidToken() from None
        expiry = payload.get("exp") if isinstance(payload, dict) else None
        if type(expiry) is not int or not 0 < expiry <= MAX_EXP:  # bool is an int: refused
            raise InvalidToken()
        if expiry <= now.timestamp():
            raise ExpiredToken()
        return payload
