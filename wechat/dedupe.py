"""Exactly once: the first delivery of a message claims it in Redis; retries replay its reply.

WeChat retries a message three times when no reply arrives within 5 s. The claim is a
``SET NX EX`` shared by every process (in the webhook's first round trip, ``wechat.intake``);
the stored value is the first attempt's reply (plain XML, encrypted afresh for each retry) or
the pending marker while it is still being made.
"""

from __future__ import annotations

import hashlib
import time

import redis

from core.redis_store import UNAVAILABLE, key

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


def wait_for_reply(client: redis.Redis, dedupe: str, timeout: float) -> str | None:
    """A retry's wait: the first attempt's reply, or None if it is not ready within ``timeout``
    (or the first attempt failed and let go, or Redis is away). The claim and the stored reply
    are written by the webhook's two round trips (``wechat.intake``); without Redis the
    database's unique dedupe key on the stored message tells a retry from a first delivery
    (``handlers.dispatch``), and a retry gets an empty answer rather than a second run."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = client.get(key("dedupe", dedupe))
        except UNAVAILABLE:
            return None
        if value is not None and value != PENDING:
            return value
        if value is None:  # the first attempt failed and let go: nothing to wait for
            return None
        if time.monotonic() >= deadline:
            return None
        time.sleep(POLL_SECONDS)
