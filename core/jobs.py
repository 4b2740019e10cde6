"""Slow work: rq jobs on real Redis, or an in-process background thread on the embedded default.

Job functions are plain module-level functions that take JSON-friendly arguments and find the
services with ``core.services.current()``; they must be idempotent because rq may run a job
again after a worker dies.

When Redis cannot be reached, a job is written to the ``deferred_jobs`` table instead, and
``release_deferred`` (run by ``xinbao worker``) queues it once Redis is back: what was accepted
is not lost.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any

from flask import Flask
from rq import Queue, Retry
from sqlalchemy import select

from core.db import Database
from core.models import DeferredJob
from core.redis_store import UNAVAILABLE, RedisConnections

log = logging.getLogger(__name__)

QUEUE_NAME = "xinbao"


class Jobs:
    """Enqueue slow work. Embedded mode keeps the reply fast by running jobs on one thread."""

    def __init__(self, app: Flask, redis: RedisConnections, db: Database) -> None:
        self.app = app
        self.db = db
        self.inline = redis.embedded
        self.queue = Queue(QUEUE_NAME, connection=redis.raw)
        self._executor: ThreadPoolExecutor | None = None
        self._pending: set[Future] = set()

    def enqueue(self, func: Callable[..., Any], *args: Any) -> None:
        if not self.inline:
            try:
                self._to_queue(function_path(func), list(args))
            except UNAVAILABLE:
                self._defer(func, args)
            return
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="xinbao-job")
        future = self._executor.submit(self._run_inline, func, args, {})
        self._pending.add(future)
        future.add_done_callback(self._pending.discard)

    def _to_queue(self, path: str, args: list[Any]) -> None:
        self.queue.enqueue(path, *args, retry=Retry(max=2, interval=[2, 10]))

    def _defer(self, func: Callable[..., Any], args: tuple[Any, ...]) -> None:
        log.warning("Redis unavailable: job %s kept in the database", func.__qualname__)
        with self.db.new_session() as session:
            session.add(DeferredJob(function=function_path(func), arguments=list(args)))
            session.commit()

    def release_deferred(self, limit: int = 1000) -> int:
        """Queue the jobs kept while Redis was away, oldest first; returns how many."""
        released = 0
        with self.db.new_session() as session:
            rows = session.scalars(select(DeferredJob).order_by(DeferredJob.id).limit(limit))
            for row in rows:
                self._to_queue(row.function, list(row.arguments))
                session.delete(row)
                session.commit()  # one at a time: a failure leaves the rest for next time
                released += 1
        return released

    def drain(self, timeout: float = 30.0) -> None:
        """Wait for in-process jobs (tests, the terminal chat), including the jobs those jobs
        queue (an alert's fan-out queues its batches). A no-op with real workers."""
        deadline = time.monotonic() + timeout
        while self._pending and time.monotonic() < deadline:
            wait(list(self._pending), timeout=max(deadline - time.monotonic(), 0))

    def _run_inline(self, func: Callable[..., Any], args: tuple, kwargs: dict) -> None:
        with self.app.app_context():
            try:
                func(*args, **kwargs)
            except Exception:  # logged like rq logs a failed job; the web request is unaffected
                log.exception("inline job failed: %s", func.__qualname__)
            finally:
                from core.services import current

                current().db.remove()


def function_path(func: Callable[..., Any]) -> str:
    """How rq names a module-level function: "package.module.function"."""
    return f"{func.__module__}.{func.__qualname__}"
