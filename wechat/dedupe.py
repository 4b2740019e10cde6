"""Exactly once: the first delivery of a message claims it in Redis; retries replay its reply.

WeChat retries a message three times when no reply arrives within 5 s. The claim is a
``SET NX EX`` shared by every process; the stored value is the first attempt's reply (plain
XML, encrypted afresh for each retry) or the pending marker while it is still being made.
"""

from __future__ import annotations

import hashlib
import logging
import time

import redis

from core.redis_store import UNAVAILABLE, key

log = logging.getLogger(__name__)

PENDING = "\x00pending"
MAX_KEY_CHARS = 200  # inbound_messages.dedupe_key
POLL_SECONDS = 0.05


def dedupe_key(message: dict[str, str]) -> str:
    """MsgId for messages; sender + CreateTime + event + key for events (MsgId has collided)."""
    if message.get("MsgType", "").lower() == "event" or not message.get("MsgId"):
        readable = ":".join(
            (
                "evt",
                message.get("FromUserName", ""),
                message.get("CreateTime", ""),
                message.get("Event", ""),
                message.get("EventKey", "") or "",
            )
        )
        if len(readable) <= MAX_KEY_CHARS:
            return readable
        # A long menu key: the stored key must fit its column, and still name the sender.
        digest = hashlib.sha256(readable.encode()).hexdigest()[:32]
        return f"evt:{message.get('FromUserName', '')}:{digest}"
    return f"msg:{message['MsgId']}"


class Deduper:
    """Claims and stored replies in Redis. Without Redis a claim is ``None`` ("unknown"): the
    database's unique dedupe key on the stored message then tells a retry from a first
    delivery (``handlers.dispatch``), and a retry gets an empty answer rather than a second run."""

    def __init__(self, client: redis.Redis, ttl_seconds: int) -> None:
        self.redis = client
        self.ttl = max(ttl_seconds, 30)

    def claim(self, dedupe: str) -> bool | None:
        """True for the first delivery, False for a retry, None when Redis cannot say."""
        try:
            return bool(self.redis.set(key("dedupe", dedupe), PENDING, nx=True, ex=self.ttl))
        except UNAVAILABLE:
            log.warning("dedupe unavailable: the database's unique key decides")
            return None

    def store(self, dedupe: str, reply_xml: str) -> None:
        """The reply a retry will get (only replies that are final: never an error)."""
        try:
            self.redis.set(key("dedupe", dedupe), reply_xml, ex=self.ttl)
        except UNAVAILABLE:
            log.warning("reply not kept for retries: Redis unavailable")

    def release(self, dedupe: str) -> None:
        """The attempt failed: a retry must run again, not receive the failure."""
        try:
            self.redis.delete(key("dedupe", dedupe))
        except UNAVAILABLE:
            log.warning("dedupe claim not released: Redis unavailable")

    def wait_for_reply(self, dedupe: str, timeout: float) -> str | None:
        """The first attempt's reply, or None if it is not ready within ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                value = self.redis.get(key("dedupe", dedupe))
            except UNAVAILABLE:
                return None
            if value is not None and value != PENDING:
                return value
            if value is None:  # the first attempt failed and let go: nothing to wait for
                return None
            if time.monotonic() >= deadline:
                return None
            time.sleep(POLL_SECONDS)
