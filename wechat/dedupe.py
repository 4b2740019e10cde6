"""Exactly once: the first delivery of a message claims it in Redis; retries replay its reply.

WeChat retries a message three times when no reply arrives within 5 s. The claim is a
``SET NX EX`` shared by every process; the stored value is the first attempt's reply (plain
XML, encrypted afresh for each retry) or the pending marker while it is still being made.
"""

from __future__ import annotations

import time

import redis

from core.redis_store import key

PENDING = "\x00pending"
POLL_SECONDS = 0.05


def dedupe_key(message: dict[str, str]) -> str:
    """MsgId for messages; sender + CreateTime + event + key for events (MsgId has collided)."""
    if message.get("MsgType", "").lower() == "event" or not message.get("MsgId"):
        return ":".join(
            (
                "evt",
                message.get("FromUserName", ""),
                message.get("CreateTime", ""),
                message.get("Event", ""),
                message.get("EventKey", "") or "",
            )
        )
    return f"msg:{message['MsgId']}"


class Deduper:
    def __init__(self, client: redis.Redis, ttl_seconds: int) -> None:
        self.redis = client
        self.ttl = max(ttl_seconds, 30)

    def claim(self, dedupe: str) -> bool:
        """True for the first delivery; False for a retry."""
        return bool(self.redis.set(key("dedupe", dedupe), PENDING, nx=True, ex=self.ttl))

    def store(self, dedupe: str, reply_xml: str) -> None:
        self.redis.set(key("dedupe", dedupe), reply_xml, ex=self.ttl)

    def wait_for_reply(self, dedupe: str, timeout: float) -> str | None:
        """The first attempt's reply, or None if it is not ready within ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.redis.get(key("dedupe", dedupe))
            if value is not None and value != PENDING:
                return value
            if time.monotonic() >= deadline:
                return None
            time.sleep(POLL_SECONDS)
