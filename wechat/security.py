"""Checks every inbound request passes before anything parses it."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping
from dataclasses import dataclass
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from core.redis_store import key


class RequestRejected(Exception):
    """The request is refused; ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def sign(*parts: str) -> str:
    """WeChat's signature: SHA-1 of the sorted parts, concatenated."""
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def check_signature(token: str, signature: str, timestamp: str, nonce: str) -> None:
    # Constant-time comparison: wechatpy's check uses != (STACK.md).
    if not hmac.compare_digest(sign(token, timestamp, nonce), signature or ""):
        raise RequestRejected(403, "bad signature")


def check_msg_signature(token: str, msg_signature: str, timestamp: str, nonce: str,
                        encrypt: str) -> None:
    if not hmac.compare_digest(sign(token, timestamp, nonce, encrypt), msg_signature or ""):
        raise RequestRejected(403, "bad msg_signature")


def check_timestamp(timestamp: str, max_skew_seconds: int, now: float | None = None) -> None:
    try:
        value = int(timestamp)
    except (TypeError, ValueError):
        raise RequestRejected(400, "bad timestamp") from None
    now = time.time() if now is None else now
    if abs(now - value) > max_skew_seconds:
        raise RequestRejected(403, "stale timestamp")


def parse_safely(body: bytes) -> Element:
    """Parse with DTDs, entities and external references forbidden (no billion laughs)."""
    if not body.strip():
        raise RequestRejected(400, "empty body")
    try:
        return fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise RequestRejected(400, "forbidden XML construct") from None
    except (ParseError, ValueError):
        raise RequestRejected(400, "malformed XML") from None


@dataclass(frozen=True)
class ReplayCheck:
    """Plain mode signs only the token, timestamp and nonce, not the body: a captured signed
    query string could carry another body (another sender) for as long as the timestamp is
    accepted. Each (timestamp, nonce, signature) is remembered with a digest of its body for
    that window (``wechat.intake`` does it in the webhook's first round trip); the same triple
    with another body is refused, while WeChat's own retries (the same body) pass on to the
    dedupe. Encrypted messages need none of this: their msg_signature covers the body. Without
    Redis the window stays open (logged)."""

    key: str
    digest: str
    window_seconds: int

    @classmethod
    def of(cls, args: Mapping[str, str], body: bytes, max_skew_seconds: int) -> ReplayCheck:
        triple = "\x1f".join(args.get(name, "") for name in ("timestamp", "nonce", "signature"))
        return cls(key("replay", hashlib.sha256(triple.encode()).hexdigest()[:40]),
                   hashlib.sha256(body).hexdigest(),
                   max(2 * max_skew_seconds, 60))  # the timestamp may be early or late
