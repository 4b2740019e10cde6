"""Slow work: rq jobs on real Redis, or an in-process background thread on the embedded default.

Job functions are plain module-level functions that take JSON-friendly arguments and find the
services with ``core.services.current()``; they must be idempotent because rq may run a job
again after a worker dies.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any

from flask import Flask
from rq import Queue, Retry

from core.redis_store import RedisConnections

log = logging.getLogger(__name__)

QUEUE_NAME = "xinbao"


class Jobs:
    """Enqueue slow work. Embedded mode keeps the reply fast by running jobs on one thread."""

    def __init__(self, app: Flask, redis: RedisConnections) -> None:
        self.app = app
        self.inline = redis.embedded
        self.queue = Queue(QUEUE_NAME, connection=redis.raw)
        self._executor: ThreadPoolExecutor | None = None
        self._pending: set[Future] = set()

    def enqueue(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        if not self.inline:
            self.queue.enqueue(func, *args, retry=Retry(max=2, interval=[2, 10]), **kwargs)
            return
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="xinbao-job")
        future = self._executor.submit(self._run_inline, func, args, kwargs)
        self._pending.add(future)
        future.add_done_callback(self._pending.discard)

    def drain(self, timeout: float = 30.0) -> None:
        """Wait for in-process jobs (tests, the terminal chat). A no-op with real workers."""
        wait(list(self._pending), timeout=timeout)

    def _run_inline(self, func: Callable[..., Any], args: tuple, kwargs: dict) -> None:
        with self.app.app_context():
            try:
                func(*args, **kwargs)
            except Exception:  # logged like rq logs a failed job; the web request is unaffected
                log.exception("inline job failed: %s", func.__qualname__)
            finally:
                from core.services import current

                current().db.remove()
