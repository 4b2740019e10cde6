"""Redis connections: real Redis from REDIS_URL, or an in-process stand-in."""

from __future__ import annotations

from dataclasses import dataclass

import fakeredis
import redis

KEY_PREFIX = "xinbao:"


@dataclass(frozen=True)
class RedisConnections:
    """Two clients on one server: text for our own keys, bytes for rq (it pickles)."""

    text: redis.Redis
    raw: redis.Redis
    embedded: bool


def connect(url: str) -> RedisConnections:
    if url:
        return RedisConnections(
            text=redis.Redis.from_url(url, decode_responses=True, socket_timeout=5),
            raw=redis.Redis.from_url(url, socket_timeout=None),
            embedded=False,
        )
    server = fakeredis.FakeServer()
    return RedisConnections(
        text=fakeredis.FakeRedis(server=server, decode_responses=True),
        raw=fakeredis.FakeRedis(server=server),
        embedded=True,
    )


def key(*parts: object) -> str:
    """Every key this project writes starts with one prefix, so operators can find them."""
    return KEY_PREFIX + ":".join(str(part) for part in parts)
