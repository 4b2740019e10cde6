"""gunicorn's settings for Xinbao's web processes. gunicorn reads this file from its working
directory, so ``gunicorn "app:create_app()"`` run in the checkout (the README's command) uses
it; options given on the command line apply on top."""

from __future__ import annotations

import sys
from typing import Any


def post_worker_init(worker: Any) -> None:
    """Hand the interpreter between threads every millisecond instead of every five: a request
    whose Redis reply has arrived waits at most that long for a thread that is computing
    another request's answer — the webhook's latency at half load (docs/hot-path.md)."""
    sys.setswitchinterval(0.001)
