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


# A request must not wait on a Redis that is gone or hung: WeChat gives us 5 seconds for all.
CONNECT_TIMEOUT_SECONDS = 0.5
COMMAND_TIMEOUT_SECONDS = 1.5

# What a Redis that cannot be reached (down, restarting, hung) raises: callers that can do
# without Redis catch these and take their database path or say the service is busy.
UNAVAILABLE = (redis.ConnectionError, redis.TimeoutError, redis.BusyLoadingError,
               redis.ReadOnlyError)


def connect(url: str) -> RedisConnections:
    if url:
        timeouts = {"socket_connect_timeout": CONNECT_TIMEOUT_SECONDS,
                    "socket_timeout": COMMAND_TIMEOUT_SECONDS}
        return RedisConnections(
            text=redis.Redis.from_url(url, decode_responses=True, **timeouts),
            raw=redis.Redis.from_url(url, **timeouts),
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
