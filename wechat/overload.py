"""Overload: when the webhook falls behind, a message is put aside in one Redis write and
answered at once with an empty body (WeChat then waits for nothing); the worker answers it
later as a customer-service message. No reply is late and nothing is lost.

Behind is known two ways, and both must hold, so that a clock a few seconds off does not put
every message aside: this process is busy (``busy_requests`` POSTs to /wechat in hand at once,
this one included) and the request was signed ``put_aside_after_seconds`` or more ago (its
``timestamp``: WeChat signs each request as it sends it, so the difference is the time it
waited in the queue before a thread took it).

The check runs before Flask, on the raw request: a message put aside costs reading its body
and one ``XADD``, a fraction of answering it, so that a queue under three times the load the
webhook can answer still empties. Everything else (signature, parsing, dedupe, the answer)
happens in ``xinbao worker`` (``answer_put_aside``), exactly as the webhook would have done it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from io import BytesIO
from typing import Any
from urllib.parse import parse_qsl

import redis
from flask import Flask

from core.redis_store import UNAVAILABLE, key
from core.streams import StreamConsumer

log = logging.getLogger(__name__)

STREAM = key("inbound", "put_aside")
GROUP = "answer"
MAX_ENTRIES = 200_000

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class PutAside:
    """WSGI middleware in front of the app for ``POST /wechat``."""

    def __init__(self, app: WSGIApp, client: redis.Redis, busy_requests: int,
                 put_aside_after_seconds: float, max_body_bytes: int,
                 clock: Callable[[], float] = time.time) -> None:
        self.app = app
        self.redis = client
        self.busy_requests = busy_requests
        self.after_seconds = put_aside_after_seconds
        self.max_body_bytes = max_body_bytes
        self.clock = clock
        self._in_hand = 0
        self._count = threading.Lock()

    def __call__(self, environ: dict[str, Any],
                 start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "POST" or environ.get("PATH_INFO") != "/wechat":
            return self.app(environ, start_response)
        with self._count:
            self._in_hand += 1
            busy = self._in_hand >= self.busy_requests
        try:
            if busy and self._waited(environ) and self._put_aside(environ):
                start_response("200 OK", [("Content-Type", "text/plain"),
                                          ("Content-Length", "0")])
                return [b""]
            return self.app(environ, start_response)
        finally:
            with self._count:
                self._in_hand -= 1

    def _waited(self, environ: dict[str, Any]) -> bool:
        signed_at = dict(parse_qsl(environ.get("QUERY_STRING", ""))).get("timestamp", "")
        return signed_at.isdigit() and self.clock() - int(signed_at) >= self.after_seconds

    def _put_aside(self, environ: dict[str, Any]) -> bool:
        """True when the message is kept for the worker; its body is then read. False (the
        app answers it as usual) for a body too large or a Redis that cannot take it."""
        length = environ.get("CONTENT_LENGTH") or ""
        if not length.isdigit() or int(length) > self.max_body_bytes:
            return False
        body = environ["wsgi.input"].read(int(length))
        try:
            self.redis.xadd(STREAM, {"query": environ.get("QUERY_STRING", ""),
                                     "body": body.decode("utf-8", "surrogateescape"),
                                     "at": f"{self.clock():.3f}"},
                            maxlen=MAX_ENTRIES, approximate=True)
        except UNAVAILABLE:
            environ["wsgi.input"] = BytesIO(body)  # read already: the app reads this copy
            return False
        return True


def put_aside_reader(client: redis.Redis) -> StreamConsumer:
    return StreamConsumer(client, STREAM, GROUP, batch=100)


def install(app: Flask, client: redis.Redis, busy_requests: int,
            put_aside_after_seconds: float, max_body_bytes: int) -> None:
    app.wsgi_app = PutAside(app.wsgi_app, client, busy_requests,  # type: ignore[method-assign]
                            put_aside_after_seconds, max_body_bytes)


def answer_put_aside(app: Flask, block_ms: int | None = None,
                     entries: StreamConsumer | None = None) -> int:
    """Answer what was put aside (the worker's loop calls this, with its reader): each message
    verified, parsed, admitted and answered as the webhook would, the answer sent as a
    customer-service message. A retry of a message WeChat sent again meanwhile is answered
    once (the dedupe claim). Returns how many entries were done."""
    from core.services import current
    from wechat.webhook import answer_later

    with app.app_context():
        entries = entries or put_aside_reader(current().redis.text)
        found = entries.read(block_ms)
        for _, values in found:
            body = values["body"].encode("utf-8", "surrogateescape")
            answer_later(app, dict(parse_qsl(values["query"])), body, float(values["at"]))
        if found:
            entries.done([entry_id for entry_id, _ in found])
        return len(found)

