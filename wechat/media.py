"""Temporary media (pictures sent in the chat) uploaded once and reused while WeChat keeps them.

WeChat keeps a temporary media item for 3 days; its media_id is kept in Redis (shared by every
process) until a little before that, so a picture is uploaded once per cache key and not per
reply. An upload that is slower than the caller can wait raises ``UploadTooSlow`` at the
timeout; the upload goes on in a background thread and fills the cache when it is done, so the
caller can send its text at once and the picture afterwards.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from core.redis_store import key
from core.services import Services

log = logging.getLogger(__name__)

# WeChat deletes temporary media 3 days after the upload; forget the media_id 2 hours before,
# so that a cached id is never one WeChat has already dropped (upload time and clock skew).
MEDIA_LIFETIME_SECONDS = 3 * 24 * 3600
MEDIA_TTL_SECONDS = MEDIA_LIFETIME_SECONDS - 2 * 3600
UPLOAD_THREADS = 8


class UploadTooSlow(Exception):
    """The upload did not finish within the timeout; it continues in the background.

    ``pending`` resolves to the media_id (or the upload's error) when it is done.
    """

    def __init__(self, cache_key: str, timeout: float, pending: Future[str]) -> None:
        super().__init__(f"upload of {cache_key!r} did not finish within {timeout:g} s")
        self.cache_key = cache_key
        self.pending = pending


class MediaCache:
    """media_ids of uploaded temporary media, by the caller's cache key."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.redis = services.redis.text
        # media_ids belong to one official account.
        self.namespace = services.settings.wechat.app_id

    def redis_key(self, cache_key: str) -> str:
        return key("wechat", "media", self.namespace, cache_key)

    def cached(self, cache_key: str) -> str | None:
        """The media_id uploaded for ``cache_key``, while WeChat still has it."""
        return self.redis.get(self.redis_key(cache_key))

    def upload(
        self, cache_key: str, filename: str, content: bytes, timeout: float | None = None
    ) -> str:
        """Upload ``content`` as a temporary image, remember its media_id, and return it.

        With a ``timeout``, raise ``UploadTooSlow`` once it has passed; the upload then still
        completes in the background and fills the cache. An upload of the same key already
        under way in this process is joined rather than started again. WeChat's errors
        (``WeChatClientException``) and network errors are raised as they are.
        """
        future = _start(
            self.redis_key(cache_key), lambda: self._upload_now(cache_key, filename, content)
        )
        try:
            return future.result(timeout=timeout)
        except FutureTimeout:
            log.info("media upload slower than %.1f s; it goes on in the background", timeout)
            raise UploadTooSlow(cache_key, timeout or 0.0, future) from None

    def _upload_now(self, cache_key: str, filename: str, content: bytes) -> str:
        media_id = self.services.wechat.upload_image(filename, content)
        self.redis.set(self.redis_key(cache_key), media_id, ex=MEDIA_TTL_SECONDS)
        return media_id


# --- the background uploads ------------------------------------------------------------------

_lock = threading.Lock()
_pools: dict[int, ThreadPoolExecutor] = {}
_in_flight: dict[str, Future[str]] = {}


def _pool() -> ThreadPoolExecutor:
    """One pool per process: a pool whose threads started before a fork has none in the child
    (gunicorn and rq fork), so a child makes its own."""
    pid = os.getpid()
    pool = _pools.get(pid)
    if pool is None:
        pool = _pools[pid] = ThreadPoolExecutor(
            max_workers=UPLOAD_THREADS, thread_name_prefix="xinbao-media-upload"
        )
    return pool


def _start(redis_key: str, upload: Callable[[], str]) -> Future[str]:
    with _lock:
        future = _in_flight.get(redis_key)
        if future is not None:
            return future
        future = _in_flight[redis_key] = _pool().submit(upload)
    # Outside the lock: a future already done runs the callback here, and it takes the lock.
    future.add_done_callback(lambda done: _finished(redis_key, done))
    return future


def _finished(redis_key: str, done: Future[str]) -> None:
    with _lock:
        if _in_flight.get(redis_key) is done:
            del _in_flight[redis_key]
    error = done.exception()
    if error is not None:  # the caller may have stopped waiting: say it here
        log.warning("media upload failed: %s", error)
