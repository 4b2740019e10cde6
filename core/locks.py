"""One message of a follower at a time, across every process."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import redis

from core.redis_store import key

FOLLOWER_LOCK_SECONDS = 10
FOLLOWER_LOCK_WAIT_SECONDS = 4


@contextmanager
def follower_lock(client: redis.Redis, openid: str) -> Iterator[None]:
    """Serialise the messages of one follower; raises ``redis.exceptions.LockError`` when the
    previous one is still being answered after the wait."""
    with client.lock(key("lock", "user", openid), timeout=FOLLOWER_LOCK_SECONDS,
                     blocking_timeout=FOLLOWER_LOCK_WAIT_SECONDS):
        yield
