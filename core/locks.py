"""One message of a follower at a time, across every process — with Redis, or without it.

The lock lives in Redis. When Redis cannot be reached, the database holds it instead: on
PostgreSQL an advisory lock tied to the request's transaction (released by its commit or
rollback), on the embedded SQLite (one process) a lock in this process.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import redis
from redis.exceptions import LockError
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from core.redis_store import UNAVAILABLE, key

log = logging.getLogger(__name__)

FOLLOWER_LOCK_SECONDS = 10
FOLLOWER_LOCK_WAIT_SECONDS = 4

_local_locks: dict[str, threading.Lock] = {}
_local_guard = threading.Lock()


def follower_lock_key(openid: str) -> str:
    """The lock's key: taken here, or by the webhook's first round trip (``wechat.intake``)."""
    return key("lock", "user", openid)


class FollowerLocks:
    def __init__(self, client: redis.Redis) -> None:
        self.redis = client

    @contextmanager
    def hold(self, openid: str, session: Session) -> Iterator[None]:
        """Serialise the messages of one follower; raises ``LockError`` when the previous one
        is still being answered after the wait."""
        lock = self.redis.lock(follower_lock_key(openid), timeout=FOLLOWER_LOCK_SECONDS,
                               blocking_timeout=FOLLOWER_LOCK_WAIT_SECONDS)
        try:
            acquired = lock.acquire()
        except UNAVAILABLE:
            log.warning("follower lock taken in the database: Redis unavailable")
            with _database_lock(openid, session):
                yield
            return
        if not acquired:
            raise LockError("the follower's previous message is still being answered")
        try:
            yield
        finally:
            try:
                lock.release()
            except (LockError, *UNAVAILABLE):
                pass  # expired, or Redis went away: the lock lapses by its timeout


@contextmanager
def _database_lock(openid: str, session: Session) -> Iterator[None]:
    if session.get_bind().dialect.name == "postgresql":
        # Held until the transaction ends: the dispatcher's one commit (or its rollback).
        session.execute(text(f"SET LOCAL lock_timeout = '{FOLLOWER_LOCK_WAIT_SECONDS}s'"))
        session.execute(select(func.pg_advisory_xact_lock(_lock_number(openid))))
        yield
        return
    with _local_guard:
        lock = _local_locks.setdefault(openid, threading.Lock())
    if not lock.acquire(timeout=FOLLOWER_LOCK_WAIT_SECONDS):
        raise LockError("the follower's previous message is still being answered")
    try:
        yield
    finally:
        lock.release()


def _lock_number(openid: str) -> int:
    """A signed 64-bit number per follower, as PostgreSQL's advisory locks take."""
    return int.from_bytes(hashlib.sha256(openid.encode()).digest()[:8], "big", signed=True)
