"""Redis connections: real Redis from REDIS_URL, or an in-process stand-in."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
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


# --- what a request read in its first round trip ---------------------------------------------
# The webhook reads the follower's small keys (an open hand-off, a numbered question, the
# conversation cursor) together with its dedupe claim, in one script (``wechat.intake``). The
# stores read them through ``read`` (a key read already costs no second round trip) and change
# them through ``write`` and ``delete`` (later reads then ask Redis).

_PREFETCHED: ContextVar[dict[str, str | None] | None] = ContextVar("xinbao_prefetched",
                                                                    default=None)


@contextmanager
def prefetched(values: Mapping[str, str | None]) -> Iterator[None]:
    """Within this block (one message's handling, in its thread), ``read`` answers these keys
    without asking Redis; ``None`` is a key known to be absent."""
    token = _PREFETCHED.set(dict(values))
    try:
        yield
    finally:
        _PREFETCHED.reset(token)


def read(client: redis.Redis, name: str) -> str | None:
    """GET, unless this message's first round trip read the key already."""
    values = _PREFETCHED.get()
    if values is not None and name in values:
        return values[name]
    return client.get(name)


def write(client: redis.Redis, name: str, value: str, ex: int | None = None) -> None:
    """SET, and later reads of this message ask Redis again."""
    _forget(name)
    client.set(name, value, ex=ex)


def delete(client: redis.Redis, name: str) -> None:
    """DEL, and later reads of this message ask Redis again."""
    _forget(name)
    client.delete(name)


def _forget(name: str) -> None:
    values = _PREFETCHED.get()
    if values is not None:
        values.pop(name, None)
