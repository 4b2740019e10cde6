"""Checks every inbound request passes before anything parses it."""

from __future__ import annotations

import hashlib
import hmac
import time
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring


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
